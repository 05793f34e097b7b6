"""The server's clock: ControllableClock, /_mockturk/clock, server.clock and the CLI's options.

No test waits for time to pass: the clock is moved, or, running, only compared with itself.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import fuzz_settings, hit_record, raw_request
from test_cli import Server, clean_env, run

from mockturk.clock import (
    Clock,
    ClockChangeError,
    ControllableClock,
    FixedClock,
    SystemClock,
    epoch_millis,
    iso_utc,
)
from mockturk.testing import InProcessServer, RemoteServer, ServerError, serve
from mockturk.wire import LATEST

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START_TEXT = "2026-11-20T12:00:00.000000Z"
THREAD_NAME = "mockturk-server"


class FakeSystem:
    """A system clock that moves only when told, backwards as readily as forwards."""

    def __init__(self, instant: datetime = START) -> None:
        self.instant = instant

    def __call__(self) -> datetime:
        return self.instant

    def step(self, seconds: float) -> None:
        self.instant += timedelta(seconds=seconds)


def clock_on(
    system: FakeSystem, start: datetime | None = None, **options: Any
) -> ControllableClock:
    return ControllableClock(start, system_time=system, **options)


# --- ControllableClock --------------------------------------------------------------------------


def test_by_default_the_clock_is_the_system_clock():
    system = FakeSystem()
    clock = clock_on(system)
    assert clock.now() == START and not clock.frozen
    system.step(90)
    assert clock.now() == START + timedelta(seconds=90)


def test_the_default_system_clock_is_the_real_time_and_runs():
    clock = ControllableClock()
    before = SystemClock().now()
    first = clock.now()
    second = clock.now()
    assert first.tzinfo is UTC and before <= first <= second


def test_a_start_time_runs_on_with_the_system_clock():
    system = FakeSystem()
    clock = clock_on(system, datetime(2030, 1, 1, 9, tzinfo=timezone(timedelta(hours=9))))
    assert clock.now() == datetime(2030, 1, 1, tzinfo=UTC) and clock.now().tzinfo is UTC
    system.step(1.5)
    assert clock.now() == datetime(2030, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)


def test_advance_and_set_move_a_running_clock_which_runs_on_from_there():
    system = FakeSystem()
    clock = clock_on(system)
    assert clock.advance(3600) == START + timedelta(hours=1)
    system.step(10)
    assert clock.now() == START + timedelta(seconds=3610)
    later = datetime(2027, 2, 1, tzinfo=UTC)
    assert clock.set(later) == later
    system.step(1)
    assert clock.now() == later + timedelta(seconds=1)


def test_a_frozen_clock_stands_still_until_moved_and_runs_on_from_where_it_stands():
    system = FakeSystem()
    clock = clock_on(system)
    clock.freeze()
    system.step(100)
    assert clock.frozen and clock.now() == START
    assert clock.advance(0.25) == START + timedelta(seconds=0.25)
    system.step(100)
    assert clock.now() == START + timedelta(seconds=0.25)
    clock.unfreeze()
    assert not clock.frozen and clock.now() == START + timedelta(seconds=0.25)
    system.step(2)
    assert clock.now() == START + timedelta(seconds=2.25)


def test_the_clock_never_goes_back_when_the_system_clock_does():
    system = FakeSystem()
    clock = clock_on(system)
    system.step(60)
    assert clock.now() == START + timedelta(seconds=60)
    system.step(-3600)
    assert clock.now() == START + timedelta(seconds=60)  # the last instant given out
    system.step(3600 + 5)
    assert clock.now() == START + timedelta(seconds=65)  # caught up: real time again


def test_a_running_clock_stays_at_the_latest_instant_the_wire_carries():
    system = FakeSystem()
    clock = clock_on(system, LATEST - timedelta(seconds=1))
    system.step(30)
    assert clock.now() == LATEST
    assert clock.advance(0) == LATEST
    with pytest.raises(ValueError, match=r"would pass 2242-03-16T12:56:32\.000000Z"):
        clock.advance(0.000001)


def test_fixed_clock_is_a_frozen_controllable_clock_set_only_forward():
    clock = FixedClock(START)
    assert isinstance(clock, ControllableClock) and clock.frozen and clock.now() == START
    assert clock.set(START + timedelta(days=1)) == START + timedelta(days=1)
    with pytest.raises(ValueError, match="before the clock's time"):
        clock.set(START)
    with pytest.raises(ValueError, match="UTC offset"):
        FixedClock(datetime(2026, 11, 20))


@pytest.mark.parametrize(
    ("seconds", "error", "message"),
    [
        (-1, ValueError, "advance: -1 seconds is a move backwards; the clock only moves forward"),
        (-0.5, ValueError, "advance: -0.5 seconds is a move backwards"),
        (math.nan, ValueError, "advance: nan is not a finite number of seconds"),
        (math.inf, ValueError, "advance: inf is not a finite number of seconds"),
        (-math.inf, ValueError, "advance: -inf is not a finite number of seconds"),
        (1e20, ValueError, "advance: 1e+20 seconds from 2026-11-20T12:00:00.000000Z would pass"),
        (10**400, ValueError, "advance: over 1e+308 seconds from 2026-11-20T12:00:00.000000Z"),
        (-(10**400), ValueError, "advance: below -1e+308 seconds is a move backwards"),
        (True, TypeError, "advance: expected a number of seconds, got bool"),
        ("60", TypeError, "advance: expected a number of seconds, got str"),
        (None, TypeError, "advance: expected a number of seconds, got NoneType"),
    ],
)
def test_a_bad_advance_is_refused_and_changes_nothing(seconds, error, message):
    clock = clock_on(FakeSystem(), START, frozen=True)
    with pytest.raises(error) as caught:
        clock.advance(seconds)
    assert error is TypeError or type(caught.value) is ClockChangeError
    assert str(caught.value).startswith(message), caught.value
    assert clock.now() == START and clock.frozen


@pytest.mark.parametrize(
    ("instant", "error", "message"),
    [
        (START - timedelta(microseconds=1), ValueError, "set: 2026-11-20T11:59:59.999999Z is"),
        (datetime(2027, 1, 1), ValueError, "set: a timestamp needs a UTC offset"),
        (datetime(2300, 1, 1, tzinfo=UTC), ValueError, "set: 2300-01-01T00:00:00+00:00 is out"),
        (  # past year 9999 once in UTC: out of range, not an OverflowError
            datetime.max.replace(tzinfo=timezone(-timedelta(hours=5))),
            ValueError,
            "set: 9999-12-31T23:59:59.999999-05:00 is out of range",
        ),
        ("2027-01-01T00:00:00Z", TypeError, "expected a timezone-aware datetime, got str"),
    ],
)
def test_a_bad_set_is_refused_and_changes_nothing(instant, error, message):
    clock = clock_on(FakeSystem(), START)
    with pytest.raises(error) as caught:
        clock.set(instant)
    assert str(caught.value).startswith(message), caught.value
    assert clock.now() == START and not clock.frozen


@pytest.mark.parametrize(
    "start", [datetime(2026, 1, 1), datetime(1600, 1, 1, tzinfo=UTC), LATEST + timedelta(days=1)]
)
def test_a_start_time_must_be_aware_and_in_range(start):
    with pytest.raises(ValueError):
        ControllableClock(start)


def test_setting_the_latest_instant_is_allowed():
    clock = clock_on(FakeSystem(), START)
    assert clock.set(LATEST) == LATEST


def test_one_change_moves_to_a_time_then_on_and_stands_or_runs_as_asked():
    system = FakeSystem()
    clock = clock_on(system)
    target = datetime(2027, 3, 1, tzinfo=UTC)
    assert clock.change(frozen=True, to=target) == target  # exactly there: frozen first
    system.step(5)
    assert clock.now() == target and clock.frozen
    assert clock.change(to=target + timedelta(days=1), advance=60, frozen=False) == target + (
        timedelta(days=1, seconds=60)
    )
    system.step(5)
    assert clock.now() == target + timedelta(days=1, seconds=65) and not clock.frozen


def test_a_refused_change_leaves_even_frozen_as_it_was():
    clock = clock_on(FakeSystem(), START)
    with pytest.raises(ValueError):
        clock.change(frozen=True, to=START - timedelta(days=1))
    with pytest.raises(ValueError):
        clock.change(frozen=True, to=START + timedelta(days=1), advance=-1)
    assert not clock.frozen and clock.now() == START


def test_listeners_hear_the_new_time_after_every_change_until_they_stop():
    system = FakeSystem()
    clock = clock_on(system)
    heard: list[datetime] = []
    stop = clock.subscribe(heard.append)
    clock.advance(60)
    clock.freeze()
    clock.set(START + timedelta(hours=1))
    system.step(30)
    clock.unfreeze()
    with pytest.raises(ValueError):
        clock.advance(-1)  # refused: nothing to hear
    system.step(30)
    clock.advance(0)
    stop()
    clock.advance(60)
    hour = START + timedelta(hours=1)
    assert heard == [
        START + timedelta(seconds=60),
        START + timedelta(seconds=60),
        hour,
        hour,
        hour + timedelta(seconds=30),
    ]


def test_reset_goes_back_to_the_start_and_tells_no_one():
    system = FakeSystem()
    frozen = clock_on(system, START, frozen=True)
    running = clock_on(system)
    heard: list[datetime] = []
    for clock in (frozen, running):
        clock.subscribe(heard.append)
        clock.advance(86400)
    frozen.unfreeze()
    running.freeze()
    system.step(10)
    frozen.reset()
    running.reset()
    assert frozen.now() == START and frozen.frozen
    assert running.now() == START + timedelta(seconds=10) and not running.frozen  # real time
    assert len(heard) == 4  # the advances, the unfreeze and the freeze; not the resets


# Any sequence of moves, against a system clock that may jump either way: now() never goes
# back, and equals what an anchor model says. A model of time, kept apart from the clock's:
# the clock read ``anchor`` when the system read ``system_at_anchor``, and runs from there.
@dataclass
class ModelClock:
    system: FakeSystem
    anchor: datetime
    frozen: bool = False
    last: datetime = field(init=False)
    system_at_anchor: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.move(self.anchor)

    def move(self, instant: datetime) -> None:
        self.anchor = self.last = instant
        self.system_at_anchor = self.system()

    def now(self) -> datetime:
        if not self.frozen:
            running = self.anchor + (self.system() - self.system_at_anchor)
            self.last = max(self.last, min(running, LATEST))
        return self.last


MICROS = st.integers(-(10**12), 10**12).map(lambda n: timedelta(microseconds=n))
MOVES = st.one_of(
    st.tuples(st.just("system"), MICROS),
    st.tuples(st.just("advance"), st.floats(0, 1e8) | st.integers(0, 10**8)),
    st.tuples(st.just("set"), MICROS),
    st.tuples(st.just("freeze"), st.none()),
    st.tuples(st.just("unfreeze"), st.none()),
)


@fuzz_settings(200)
@given(
    start=st.sampled_from([START, LATEST - timedelta(days=2)]),
    frozen=st.booleans(),
    moves=st.lists(MOVES, max_size=30),
)
def test_any_sequence_of_moves_never_goes_back_and_matches_the_model(start, frozen, moves):
    system = FakeSystem()
    clock = clock_on(system, start, frozen=frozen)
    model = ModelClock(system, start, frozen)
    seen = clock.now()
    for move, value in moves:
        expected = model.now()
        if move == "system":
            system.instant += value
        elif move in ("freeze", "unfreeze"):
            getattr(clock, move)()
            model.frozen = move == "freeze"
            model.move(expected)
        elif move == "advance":
            if value > (LATEST - expected).total_seconds():
                with pytest.raises(ValueError):
                    clock.advance(value)
            else:
                model.move(expected + timedelta(seconds=value))
                assert clock.advance(value) == model.now()
        else:
            target = expected + value
            if value < timedelta(0) or target > LATEST:
                with pytest.raises(ValueError):
                    clock.set(target)
            else:
                model.move(target)
                assert clock.set(target) == target
        now = clock.now()
        assert now >= seen
        assert now == model.now()
        assert clock.frozen == model.frozen
        seen = now


# --- /_mockturk/clock over HTTP -----------------------------------------------------------------

OPEN_HIT = {
    k: v
    for k, v in hit_record("3OPEN", Expiration="2026-11-21T12:00:00Z").items()
    if k != "HITStatus"
}


@pytest.fixture(scope="module")
def clock_server() -> Iterator[InProcessServer]:
    """A server frozen at START, with one HIT that expires a day later."""
    with serve({"HITs": [OPEN_HIT]}, start_time=START, frozen_clock=True) as server:
        yield server


@pytest.fixture
def frozen_server(clock_server: InProcessServer) -> InProcessServer:
    """The module's server, reset: its records, and its clock frozen at START."""
    clock_server.reset()
    return clock_server


def clock_call(server: InProcessServer, body: Any = None, method: str | None = None) -> Any:
    """GET (no body) or POST /_mockturk/clock; the response."""
    method = method or ("GET" if body is None else "POST")
    headers = {"Content-Type": "application/json"}
    return raw_request(server, method, "/_mockturk/clock", body=body, headers=headers)


def clock_answer(server: InProcessServer, body: Any = None) -> dict[str, Any]:
    response = clock_call(server, body)
    assert response.status == 200, response.body
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert set(answer) == {"now", "frozen"}
    return answer


def test_get_gives_the_time_in_utc_to_the_microsecond(frozen_server):
    assert clock_answer(frozen_server) == {"now": START_TEXT, "frozen": True}
    assert clock_call(frozen_server, method="HEAD").status == 200


@pytest.mark.parametrize(
    ("body", "now", "frozen"),
    [
        ({"advance": 90}, "2026-11-20T12:01:30.000000Z", True),
        ({"advance": 0.000001}, "2026-11-20T12:00:00.000001Z", True),
        ({"advance": 0}, START_TEXT, True),
        ({"set": "2026-12-01T09:30:00+09:00"}, "2026-12-01T00:30:00.000000Z", True),
        ({"set": "2026-12-01T00:00:00.5Z", "advance": 60}, "2026-12-01T00:01:00.500000Z", True),
        ({"frozen": True}, START_TEXT, True),
        ({"frozen": True, "set": "2027-01-01T00:00:00Z"}, "2027-01-01T00:00:00.000000Z", True),
    ],
)
def test_post_moves_the_clock_and_answers_the_new_time(frozen_server, body, now, frozen):
    assert clock_answer(frozen_server, body) == {"now": now, "frozen": frozen}
    assert clock_answer(frozen_server) == {"now": now, "frozen": frozen}


def test_unfrozen_the_clock_runs_on_from_where_it_stood(frozen_server):
    moved = clock_answer(frozen_server, {"set": "2027-01-01T00:00:00Z", "frozen": False})
    assert moved["frozen"] is False and moved["now"] >= "2027-01-01T00:00:00.000000Z"
    assert clock_answer(frozen_server)["now"] >= moved["now"]
    frozen = clock_answer(frozen_server, {"frozen": True})
    assert frozen["frozen"] is True and frozen["now"] >= moved["now"]
    assert clock_answer(frozen_server) == frozen


BAD_CHANGES = [
    ("", "MalformedBody", 'request body: empty; expected a JSON object: {"advance": 60}, '),
    (" \n", "MalformedBody", "request body: empty"),
    ("{", "MalformedBody", "not JSON"),
    ('{"advance": NaN}', "MalformedBody", "not JSON"),
    ('{"advance": 1e400}', "MalformedBody", "not JSON"),
    ("[]", "InvalidClockChange", "Expected a JSON object of one or more of advance, set and"),
    ('"advance"', "InvalidClockChange", "Expected a JSON object"),
    ("{}", "InvalidClockChange", "Expected a JSON object"),
    ('{"advance": 60, "when": 1}', "InvalidClockChange", "Unknown member 'when': a clock change"),
    ('{"Advance": 60}', "InvalidClockChange", "Unknown member 'Advance'"),
    ('{"advance": "60"}', "InvalidClockChange", 'advance: expected a number of seconds, got "60"'),
    ('{"advance": true}', "InvalidClockChange", "advance: expected a number of seconds, got true"),
    ('{"advance": null}', "InvalidClockChange", "advance: expected a number of seconds, got null"),
    ('{"advance": -1}', "InvalidClockChange", "advance: -1 seconds is a move backwards"),
    ('{"advance": 1e300}', "InvalidClockChange", "advance: 1e+300 seconds from 2026-11-20T12"),
    ('{"advance": 100000000000000000000000}', "InvalidClockChange", "would pass 2242-03-16"),
    ('{"set": 1793527200}', "InvalidClockChange", "set: expected an ISO 8601 time"),
    ('{"set": "tomorrow"}', "InvalidClockChange", "set: 'tomorrow' is not an ISO 8601 timestamp"),
    ('{"set": "2027-01-01T00:00:00"}', "InvalidClockChange", "set: a timestamp needs a UTC"),
    ('{"set": "2026-11-20T11:59:59Z"}', "InvalidClockChange", "is before the clock's time"),
    ('{"set": "2300-01-01T00:00:00Z"}', "InvalidClockChange", "is out of range: timestamps"),
    ('{"frozen": "true"}', "InvalidClockChange", 'frozen: expected true or false, got "true"'),
    ('{"frozen": 1}', "InvalidClockChange", "frozen: expected true or false, got 1"),
    # One bad part refuses the whole change: the clock is neither unfrozen nor moved.
    ('{"frozen": false, "advance": -5}', "InvalidClockChange", "advance: -5 seconds"),
    ('{"frozen": false, "set": "2026-01-01T00:00:00Z"}', "InvalidClockChange", "set: 2026-01"),
]


@pytest.mark.parametrize(("body", "code", "message"), BAD_CHANGES)
def test_a_bad_change_is_a_400_and_changes_nothing(frozen_server, body, code, message):
    response = clock_call(frozen_server, body, method="POST")
    assert response.status == 400
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert set(answer) == {"error", "message"} and answer["error"] == code
    assert message in answer["message"], answer["message"]
    assert clock_answer(frozen_server) == {"now": START_TEXT, "frozen": True}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused(frozen_server, method):
    response = clock_call(frozen_server, {"advance": 60}, method=method)
    assert response.status == 405
    assert response.json() == {
        "error": "MethodNotAllowed",
        "message": "Use GET or POST for /_mockturk/clock.",
    }
    assert clock_answer(frozen_server)["now"] == START_TEXT


def test_the_clock_is_the_servers_time(frozen_server):
    clock_answer(frozen_server, {"advance": 2 * 86400})  # past the HIT's Expiration
    mturk = frozen_server.client()
    with pytest.raises(mturk.exceptions.RequestError) as caught:
        mturk.get_assignment(AssignmentId="3NOSUCH")
    stamp = epoch_millis(START + timedelta(days=2))
    assert caught.value.response["Error"]["Message"].endswith(f"({stamp})")
    # The HIT from the start expired when the clock passed its Expiration, and records loaded
    # now are checked at the clock's time.
    frozen_server.load({"HITs": [{**OPEN_HIT, "HITId": "3LATE"}]})
    statuses = {h["HITId"]: h["HITStatus"] for h in frozen_server.state()["HITs"]}
    assert statuses == {"3OPEN": "Reviewable", "3LATE": "Reviewable"}


@pytest.mark.parametrize("to", ["fixtures", "empty"])
def test_reset_puts_the_clock_back_where_it_started(frozen_server, to):
    clock_answer(frozen_server, {"advance": 86400 * 365, "frozen": False})
    response = raw_request(frozen_server, "POST", f"/_mockturk/reset?to={to}")
    assert response.status == 200
    assert clock_answer(frozen_server) == {"now": START_TEXT, "frozen": True}


def test_the_state_hears_of_a_change_on_the_servers_loop():
    clock = ControllableClock(START, frozen=True)
    heard: list[tuple[datetime, str]] = []

    def listener(now: datetime) -> None:
        heard.append((now, threading.current_thread().name))

    with serve([], clock=clock) as server:
        server.on_loop(lambda _: clock.subscribe(listener))
        answer = clock_answer(server, {"advance": 60})
        server.clock.advance(60)
        clock_call(server, {"advance": -60})  # refused: nothing heard
    assert answer["now"] == "2026-11-20T12:01:00.000000Z"
    assert heard == [
        (START + timedelta(seconds=60), THREAD_NAME),
        (START + timedelta(seconds=120), THREAD_NAME),
    ]


def test_a_listener_that_fails_is_a_fault_not_a_refused_change():
    clock = ControllableClock(START, frozen=True)

    def failing(now: datetime) -> None:
        raise ValueError("the state could not catch up")

    with serve([], clock=clock) as server:
        server.on_loop(lambda _: clock.subscribe(failing))
        response = clock_call(server, {"advance": 60})
        assert response.status == 500 and response.json()["error"] == "InternalError"
        (fault,) = server.take_faults()
        assert str(fault) == "the state could not catch up"


class StillClock:
    """A clock of a caller's own that only reads: it cannot be moved."""

    def now(self) -> datetime:
        return START


def test_a_clock_that_cannot_be_moved_is_read_but_refuses_changes():
    still: Clock = StillClock()
    with serve([], clock=still) as server:
        assert clock_answer(server) == {"now": START_TEXT, "frozen": False}
        response = clock_call(server, {"advance": 60})
        assert response.status == 409
        assert response.json() == {
            "error": "ClockNotControllable",
            "message": "The server's clock (StillClock) cannot be moved: only a "
            "ControllableClock (the default) can be advanced, set, frozen or unfrozen.",
        }
        with pytest.raises(ServerError, match=r"\(StillClock\) cannot be moved"):
            server.clock.advance(60)
        with pytest.raises(ServerError, match=r"HTTP 409: The server's clock \(StillClock\)"):
            RemoteServer(server.endpoint_url).clock.freeze()
        assert server.clock.now() == START and server.clock.frozen is False
        server.reset()  # nothing to put back


# --- server.clock, in-process and remote --------------------------------------------------------


@pytest.fixture(params=["in-process", "remote"])
def handle(request: pytest.FixtureRequest, frozen_server: InProcessServer) -> Any:
    """``server.clock`` of the module's server, reset: directly, or through RemoteServer."""
    if request.param == "remote":
        return RemoteServer(frozen_server.endpoint_url).clock
    return frozen_server.clock


def test_server_clock_reads_and_moves_the_servers_clock(handle, frozen_server):
    assert handle.now() == START and handle.frozen is True
    assert handle.advance(90) == START + timedelta(seconds=90)
    assert handle.advance(0.5) == START + timedelta(seconds=90.5)
    later = datetime(2027, 1, 1, 9, tzinfo=timezone(timedelta(hours=9)))
    assert handle.set(later) == later and handle.now().tzinfo == UTC
    assert clock_answer(frozen_server) == {"now": "2027-01-01T00:00:00.000000Z", "frozen": True}
    handle.unfreeze()
    assert handle.frozen is False
    first = handle.now()
    assert later <= first <= handle.now()  # running: onward only
    handle.freeze()
    assert handle.frozen is True and handle.now() == handle.now() >= first


REFUSED = ClockChangeError  # a ValueError


@pytest.mark.parametrize(
    ("method", "argument", "error", "message"),
    [
        ("advance", -1, REFUSED, "advance: -1 seconds is a move backwards"),
        ("advance", math.nan, REFUSED, "advance: nan is not a finite number of seconds"),
        ("advance", math.inf, REFUSED, "advance: inf is not a finite number of seconds"),
        ("advance", 1e20, REFUSED, "advance: 1e+20 seconds from 2026-11-20T12:00:00.000000Z"),
        ("advance", "60", TypeError, "advance: expected a number of seconds, got str"),
        ("set", START - timedelta(seconds=1), REFUSED, "set: 2026-11-20T11:59:59.000000Z is"),
        ("set", datetime(2027, 1, 1), REFUSED, "set: a timestamp needs a UTC offset"),
        ("set", datetime(2300, 1, 1, tzinfo=UTC), REFUSED, "set: 2300-01-01T00:00:00+00:00"),
        ("set", "2027-01-01T00:00:00Z", TypeError, "expected a timezone-aware datetime"),
    ],
)
def test_server_clock_refuses_what_the_clock_refuses_in_the_same_words(
    handle, method, argument, error, message
):
    with pytest.raises(error) as caught:
        getattr(handle, method)(argument)
    assert type(caught.value) is error
    assert str(caught.value).startswith(message), caught.value
    assert handle.now() == START and handle.frozen is True


def test_serve_takes_a_clock_or_a_start_time_not_both():
    with pytest.raises(ValueError, match="not both"):
        serve([], clock=FixedClock(START), start_time=START)
    with pytest.raises(ValueError, match="not both"):
        serve([], clock=FixedClock(START), frozen_clock=True)
    with pytest.raises(ValueError, match="UTC offset"):
        serve([], start_time=datetime(2026, 11, 20))


def test_fixtures_are_checked_at_the_start_time():
    with serve({"HITs": [OPEN_HIT]}, start_time=START + timedelta(days=2)) as server:
        assert server.state()["HITs"][0]["HITStatus"] == "Reviewable"
        assert server.clock.frozen is False and server.clock.now() >= START + timedelta(days=2)


# --- mockturk serve --start-time / --frozen-clock -----------------------------------------------


def cli_clock(server: Server) -> dict[str, Any]:
    response = raw_request(server.endpoint(), "GET", "/_mockturk/clock")
    assert response.status == 200
    return response.json()


@pytest.fixture
def open_hit_file(tmp_path):
    path = tmp_path / "hits.json"
    path.write_text(json.dumps({"HITs": [OPEN_HIT]}))
    return path


def test_the_cli_starts_a_frozen_clock_and_checks_fixtures_at_its_time(open_hit_file):
    args = ["--port", "0", "--fixtures", str(open_hit_file)]
    with Server(*args, "--start-time", "2026-11-20T13:00:00+01:00", "--frozen-clock") as server:
        server.stdout.wait_for(rf"^Clock: frozen at {START_TEXT}   \(move it: POST /_mockturk")
        assert cli_clock(server) == {"now": START_TEXT, "frozen": True}
        state = raw_request(server.endpoint(), "GET", "/_mockturk/state").json()
        assert state["HITs"][0]["HITStatus"] == "Assignable"  # Expiration is a day on
        moved = raw_request(server.endpoint(), "POST", "/_mockturk/clock", body={"advance": 60})
        assert moved.json() == {"now": "2026-11-20T12:01:00.000000Z", "frozen": True}


def test_the_cli_reads_the_clock_from_the_environment_and_options_win(open_hit_file):
    env = clean_env(
        MOCKTURK_START_TIME="2026-11-22T12:00:00Z",  # past the HIT's Expiration
        MOCKTURK_FROZEN_CLOCK="TRUE",
        MOCKTURK_PORT="0",
        MOCKTURK_FIXTURES=str(open_hit_file),
    )
    with Server("--no-frozen-clock", env=env) as server:
        line = server.stdout.wait_for(r"^Clock: running from (\S+)   ")
        assert line.group(1) == "2026-11-22T12:00:00.000000Z"
        answer = cli_clock(server)
        assert answer["frozen"] is False and answer["now"] >= "2026-11-22T12:00:00.000000Z"
        state = raw_request(server.endpoint(), "GET", "/_mockturk/state").json()
        assert state["HITs"][0]["HITStatus"] == "Reviewable"


@pytest.mark.parametrize(
    ("args", "env", "complaint"),
    [
        (["--start-time", "soon"], {}, "'soon' is not a start time: 'soon' is not an ISO 8601"),
        (["--start-time", "2026-11-20T12:00:00"], {}, "needs a UTC offset"),
        (["--start-time", "2300-01-01T00:00:00Z"], {}, "is out of range: timestamps must lie"),
        ([], {"MOCKTURK_START_TIME": "2026-11-20"}, "MOCKTURK_START_TIME: '2026-11-20' is not"),
        ([], {"MOCKTURK_FROZEN_CLOCK": "maybe"}, "MOCKTURK_FROZEN_CLOCK: 'maybe' is not true or"),
    ],
    ids=["not-a-time", "naive", "out-of-range", "env-naive", "env-frozen"],
)
def test_a_bad_clock_setting_exits_2_with_usage(args, env, complaint):
    done = run("serve", "--port", "0", *args, env=clean_env(**env))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "usage: mockturk" in done.stderr
    assert complaint in done.stderr
    assert "Traceback" not in done.stderr


def test_iso_utc_always_shows_microseconds_and_z():
    assert iso_utc(START) == START_TEXT
    eastern = datetime(2026, 11, 20, 7, 0, 0, 5, tzinfo=timezone(-timedelta(hours=5)))
    assert iso_utc(eastern) == "2026-11-20T12:00:00.000005Z"
