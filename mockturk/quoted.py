"""Values quoted in messages, bounded so that a message never grows with the value it quotes.

A request or a fixture may hold a 2 MiB string, a list nested a thousand levels deep or an
integer of ten thousand digits. A message quotes at most MAX_DEPTH levels of nesting (deeper
containers show as ``[...]``) and MAX_CHARS characters of any value (then ``...``), and
walks only as much of the value as it shows. The bounds are documented in docs/behaviour.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from math import isfinite
from typing import Any

from mockturk.wire import java_double

MAX_CHARS = 1024
MAX_DEPTH = 16
ELLIPSIS = "..."
# str() of a larger integer costs time, and past 4300 digits Python refuses it outright.
_MAX_INT_BITS = 4 * MAX_CHARS


def java_text(value: Any) -> str:
    """``value`` as Java's toString writes it (the AWS validation messages): ``[a, b]``,
    ``{k=v}``, ``true``, ``1.0E23``."""
    return _bounded(_java_pieces(value, MAX_DEPTH))


def java_date(instant: datetime) -> str:
    """An instant as Java's ``Date.toString`` writes it in UTC, to the second (milliseconds
    dropped): ``Wed Jul 14 20:26:06 UTC 2021``. English names, whatever the machine's locale."""
    t = instant.astimezone(UTC)
    return (
        f"{_WEEKDAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t.day:02d}"
        f" {t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC {t.year}"
    )


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def python_text(value: Any) -> str:
    """``value`` as Python's ``repr`` writes it (the fixture loader's messages)."""
    return _bounded(_python_pieces(value, MAX_DEPTH))


def clipped(text: str) -> str:
    """A string cut to MAX_CHARS characters."""
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS] + ELLIPSIS


def _bounded(pieces: Iterator[str]) -> str:
    shown: list[str] = []
    size = 0
    for piece in pieces:
        shown.append(piece)
        size += len(piece)
        if size > MAX_CHARS:  # the rest of the value is never walked
            return "".join(shown)[:MAX_CHARS] + ELLIPSIS
    return "".join(shown)


def _java_pieces(value: Any, depth: int) -> Iterator[str]:
    if isinstance(value, list):
        yield from _items(value, "[", "]", depth, _java_pieces)
    elif isinstance(value, dict):
        yield from _entries(value, "=", depth, _java_pieces)
    elif isinstance(value, bool):
        yield "true" if value else "false"
    elif value is None:
        yield "null"
    elif isinstance(value, int):
        yield _integer_text(value)
    elif isinstance(value, float):
        yield _java_float(value)
    elif isinstance(value, str):
        yield value[: MAX_CHARS + 1]
    else:
        yield clipped(str(value))


def _python_pieces(value: Any, depth: int) -> Iterator[str]:
    if isinstance(value, list):
        yield from _items(value, "[", "]", depth, _python_pieces)
    elif isinstance(value, tuple):
        yield from _items(value, "(", ",)" if len(value) == 1 else ")", depth, _python_pieces)
    elif isinstance(value, set | frozenset) and value:
        yield from _items(value, "{", "}", depth, _python_pieces)
    elif isinstance(value, dict):
        yield from _entries(value, ": ", depth, _python_pieces)
    elif isinstance(value, int) and not isinstance(value, bool):
        yield _integer_text(value)
    elif isinstance(value, str | bytes):
        yield repr(value[: MAX_CHARS + 1])  # a longer value is cut below, quote and all
    else:
        yield clipped(repr(value))


Pieces = Callable[[Any, int], Iterator[str]]


def _items(items: Any, opening: str, closing: str, depth: int, pieces: Pieces) -> Iterator[str]:
    if depth == 0 and items:
        yield f"{opening}{ELLIPSIS}{closing}"
        return
    yield opening
    for index, item in enumerate(items):
        if index:
            yield ", "
        yield from pieces(item, depth - 1)
    yield closing


def _entries(entries: dict[Any, Any], between: str, depth: int, pieces: Pieces) -> Iterator[str]:
    if depth == 0 and entries:
        yield "{" + ELLIPSIS + "}"
        return
    yield "{"
    for index, (key, item) in enumerate(entries.items()):
        if index:
            yield ", "
        yield from pieces(key, depth - 1)
        yield between
        yield from pieces(item, depth - 1)
    yield "}"


def _integer_text(value: int) -> str:
    if value.bit_length() > _MAX_INT_BITS:
        digits = int(value.bit_length() * 0.30103) + 1
        return f"<{'a negative' if value < 0 else 'an'} integer of about {digits} digits>"
    return str(value)


def _java_float(value: float) -> str:
    if isfinite(value):
        return java_double(value)
    if value != value:
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"
