"""Injectable time: every "now" in the server comes from a Clock, always timezone-aware UTC.

A server's clock is a :class:`ControllableClock`: real time unless told otherwise, moved on,
frozen and let run again by tests (``server.clock``) and the control API
(``/_mockturk/clock``), and never moved back, except by a reset, which starts the server's
world over.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from mockturk.models import parse_timestamp
from mockturk.wire import LATEST

# Told the clock's new time after every change, so that what fell due meanwhile is applied.
Listener = Callable[[datetime], None]


class ClockChangeError(ValueError):
    """A move the clock refuses (backwards, out of range, not finite): nothing changed."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class MovableClock(Clock, Protocol):
    """A clock a test can move: a ControllableClock, or ``server.clock`` (a server's, by handle)."""

    @property
    def frozen(self) -> bool: ...

    def advance(self, seconds: float) -> datetime: ...

    def set(self, instant: datetime) -> datetime: ...

    def freeze(self) -> None: ...

    def unfreeze(self) -> None: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


_system_time = SystemClock().now


class ControllableClock:
    """Real time plus an offset, or frozen at an instant: never backwards, never out of range.

    Running, it reads the system clock plus an offset (none, unless a ``start`` was given);
    frozen, it stands still. Moves only go forward, and only to instants the wire carries
    exactly (:data:`mockturk.wire.LATEST` at the latest): anything else is a
    :class:`ClockChangeError` and changes nothing. If the system clock steps back, :meth:`now`
    gives the last instant it gave until the system clock has caught up; running past LATEST,
    it stays at LATEST.

    One thread owns the clock: the server's event loop. Tests move a server's clock through
    ``server.clock``, which runs each call there.
    """

    _last: datetime  # the latest instant given out
    _offset: timedelta  # from the system clock's time to this clock's, while running

    def __init__(
        self,
        start: datetime | None = None,
        *,
        frozen: bool = False,
        system_time: Callable[[], datetime] = _system_time,
    ) -> None:
        self._system_time = system_time
        self._start = None if start is None else checked_instant(start)
        self._started_frozen = frozen
        self._listeners: list[Listener] = []
        self._frozen = frozen
        self.reset()

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> datetime:
        if not self._frozen:
            running = self._system_time() + self._offset
            if running > self._last:
                self._last = running if running < LATEST else LATEST
        return self._last

    def advance(self, seconds: float) -> datetime:
        """Move on by ``seconds`` (0 or more, finite); the new time."""
        return self.change(advance=seconds)

    def set(self, instant: datetime) -> datetime:
        """Move to ``instant`` (timezone-aware, not before :meth:`now`); the new time."""
        return self.change(to=instant)

    def freeze(self) -> None:
        """Stand still at the current instant until moved or unfrozen."""
        self.change(frozen=True)

    def unfreeze(self) -> None:
        """Run on, in real time, from the instant the clock stands at."""
        self.change(frozen=False)

    def change(
        self, *, to: datetime | None = None, advance: float = 0, frozen: bool | None = None
    ) -> datetime:
        """One change, whole or not at all: move to ``to`` (by default, stay at :meth:`now`),
        then on by ``advance`` seconds, and from there stand still or run as ``frozen`` says
        (as before when None). Tells the listeners, and returns, the new time.

        The target is worked out from one reading of the clock, so ``frozen=True`` with ``to``
        stands exactly at ``to``, and the order of the arguments does not matter.
        """
        target = _target(self.now(), to, advance)
        if frozen is not None:
            self._frozen = frozen
        self._move(target, self._system_time())
        moved = self.now()
        for listener in list(self._listeners):
            listener(moved)
        return moved

    @property
    def real_time(self) -> bool:
        """Whether it simply reads the system clock (running, and not moved off it by more
        than the last instant it repeated while the system clock stepped back)."""
        return not self._frozen and abs(self._offset) < _REAL_TIME_SLACK

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(now)`` after every change; returns the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def reset(self) -> None:
        """Back to how the clock started: its start instant (or real time), frozen or running.

        The one move backwards, made when the server's state is reset to its start: the
        listeners are not told, as the state they keep starts over too.
        """
        self._frozen = self._started_frozen
        system = self._system_time()
        self._move(system if self._start is None else self._start, system)

    # --- Kept in a data dir (mockturk.durable) ---

    def setting(self) -> dict[str, Any]:
        """How the clock stands, for :meth:`resume`: frozen at an instant, or running at an
        offset (µs) from the system clock, so that time passes while a server is stopped."""
        if self._frozen:
            return {"Frozen": True, "Now": iso_utc(self._last)}
        return {"Frozen": False, "Offset": self._offset // _MICROSECOND}

    def resume(self, setting: dict[str, Any]) -> None:
        """Stand as :meth:`setting` said, backwards too (the listeners are not told)."""
        system = self._system_time()
        self._frozen = bool(setting["Frozen"])
        if self._frozen:
            instant = parse_timestamp(setting["Now"])
        else:
            instant = min(system + setting["Offset"] * _MICROSECOND, LATEST)
        self._move(instant, system)

    def _move(self, instant: datetime, system: datetime) -> None:
        """Read ``instant`` now, when the system clock reads ``system``."""
        self._last = instant
        self._offset = instant - system


class FixedClock(ControllableClock):
    """A clock frozen at ``instant`` until moved (for tests and reproducible sandboxes)."""

    def __init__(self, instant: datetime) -> None:
        super().__init__(instant, frozen=True)


_REAL_TIME_SLACK = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)


def checked_instant(instant: datetime) -> datetime:
    """``instant`` in UTC; TypeError if it is not a datetime, ValueError if it has no time zone
    or lies outside the range the wire carries."""
    if not isinstance(instant, datetime):
        raise TypeError(f"expected a timezone-aware datetime, got {type(instant).__name__}")
    return parse_timestamp(instant)


def checked_seconds(seconds: float) -> float:
    """``seconds`` if it is a finite number, 0 or more; TypeError or ClockChangeError otherwise."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"advance: expected a number of seconds, got {type(seconds).__name__}")
    if isinstance(seconds, float) and not math.isfinite(seconds):
        raise ClockChangeError(f"advance: {seconds} is not a finite number of seconds")
    if seconds < 0:
        raise ClockChangeError(
            f"advance: {_seconds_text(seconds)} seconds is a move backwards;"
            " the clock only moves forward"
        )
    return seconds


def _seconds_text(seconds: float) -> str:
    try:
        return f"{float(seconds):g}"
    except OverflowError:  # an int past the largest double
        return "below -1e+308" if seconds < 0 else "over 1e+308"


def _target(now: datetime, to: datetime | None, advance: float) -> datetime:
    """Where a change takes a clock that reads ``now``; ClockChangeError if it may not go there."""
    start = now
    if to is not None:
        try:
            start = checked_instant(to)
        except ValueError as error:
            raise ClockChangeError(f"set: {error}") from None
        if start < now:
            raise ClockChangeError(
                f"set: {iso_utc(start)} is before the clock's time, {iso_utc(now)}; "
                "the clock only moves forward"
            )
    seconds = checked_seconds(advance)
    if seconds > (LATEST - start).total_seconds():
        raise ClockChangeError(
            f"advance: {_seconds_text(seconds)} seconds from {iso_utc(start)} would pass"
            f" {iso_utc(LATEST)},"
            " the latest instant the wire carries exactly"
        )
    return min(start + timedelta(seconds=seconds), LATEST)  # min: a last microsecond rounded up


def iso_utc(instant: datetime) -> str:
    """ISO 8601 in UTC to the microsecond, with a ``Z``: ``2026-11-20T12:00:00.000000Z``."""
    return instant.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def epoch_millis(instant: datetime) -> int:
    """Milliseconds since the epoch, as the real service stamps its error messages."""
    return int(instant.timestamp() * 1000)
