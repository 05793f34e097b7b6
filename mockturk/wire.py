"""JSON on the wire: values encoded by their botocore shape, the way the real service writes them.

The real service sends compact JSON, members in model order, optional members left out when
unset, and timestamps as Java-style doubles (``1.558393704E9``). Records are encoded once, when
they change, and embedded in responses as pre-encoded bytes (:class:`RawJSON`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from math import isfinite
from typing import Any

import orjson

from mockturk.service_model import ListShape, Shape, StructureShape

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# JSON that is already encoded for its shape (a stored record), embedded in responses as it is.
RawJSON = orjson.Fragment


class RawJSONList(list[RawJSON]):
    """A list of RawJSON only (a page of records), embedded without looking at each item."""

    __slots__ = ()


def to_micros(instant: datetime) -> int:
    """Whole microseconds since the epoch; exact for any aware datetime."""
    # From the difference's parts: a third quicker than dividing by a timedelta.
    since = instant - EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


# Every instant within 2^33 s of the epoch, as epoch seconds in a double, is exact to the
# microsecond (neighbouring doubles there are under 1 µs apart); past it they are not, so an
# SDK would read back another instant. Records hold only instants in this range.
MAX_EPOCH_SECONDS = 2**33
EARLIEST = EPOCH - timedelta(seconds=MAX_EPOCH_SECONDS)  # 1697-10-17T11:03:28Z
LATEST = EPOCH + timedelta(seconds=MAX_EPOCH_SECONDS)  # 2242-03-16T12:56:32Z
TIMESTAMP_RANGE = (
    f"timestamps must lie between {EARLIEST:%Y-%m-%dT%H:%M:%SZ} and {LATEST:%Y-%m-%dT%H:%M:%SZ},"
    " where epoch seconds in a double are exact to the microsecond"
)


def encodable(instant: datetime) -> bool:
    """Whether an aware datetime is in the range the wire carries exactly."""
    return EARLIEST <= instant <= LATEST


def from_epoch_seconds(seconds: float) -> datetime:
    """An aware UTC datetime from int or float epoch seconds, rounded to the microsecond.

    ValueError for a number (NaN included) outside the range the wire carries exactly.
    """
    if not -MAX_EPOCH_SECONDS <= seconds <= MAX_EPOCH_SECONDS:
        raise ValueError("out of range for epoch seconds")
    if isinstance(seconds, int):
        return EPOCH + timedelta(seconds=seconds)
    return EPOCH + timedelta(microseconds=round(seconds * 1_000_000))


def java_double(value: float) -> str:
    """Format a float as Java's Double.toString does (``1.558393704E9``, ``0.5``, ``1.0E-4``)."""
    if not isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    if value == 0:
        return "-0.0" if str(value).startswith("-") else "0.0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        return repr(float(value))
    sign = "-" if value < 0 else ""
    text = repr(float(magnitude))
    if magnitude >= 1e7 and "e" not in text:
        # Timestamps land here (1e7 <= |value| < 1e16): Python's shortest digits, shifted.
        whole, _, fraction = text.partition(".")
        digits = (whole + fraction).rstrip("0") or "0"
        return f"{sign}{digits[0]}.{digits[1:] or '0'}E{len(whole) - 1}"
    shortest = Decimal(text)
    digits = "".join(map(str, shortest.as_tuple().digits)).rstrip("0") or "0"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{shortest.adjusted()}"


def encode_timestamp(instant: datetime) -> bytes:
    """Epoch seconds as the real service writes them, exact to the microsecond."""
    micros = to_micros(instant)
    if micros % 1000 == 0 and micros >= _FAST_FROM_MICROS:
        # Whole milliseconds after 1970-04-26 (every real time stamp): the decimal digits are
        # exactly the double's shortest ones, so they are written without float formatting.
        millis = str(micros // 1000)
        digits = millis.rstrip("0")
        return f"{digits[0]}.{digits[1:] or '0'}E{len(millis) - 4}".encode()
    return java_double(micros / 1_000_000).encode()


_FAST_FROM_MICROS = 10**13  # 1e7 seconds: from here on Java writes an exponent


def encode(shape: Shape, value: Any) -> bytes:
    """Encode ``value`` as compact JSON following ``shape``; ``None`` members are left out.

    The shape decides member order and how timestamps are written; orjson writes the bytes in
    one pass, embedding pre-encoded records (:class:`RawJSON`) as they are.
    """
    return orjson.dumps(_native(shape, value))


def encode_record(api_dict: dict[str, Any]) -> bytes:
    """A record (``Record.to_api()``) encoded once, to be kept and embedded in responses.

    Bytes-identical to :func:`encode` by the record's shape (the tests check both), but done
    by orjson alone: the records' fields are declared in the shapes' member order, and
    timestamps come back through ``default``. Loading a large store spends its time here.
    """
    encoded = orjson.dumps(
        api_dict, default=_timestamp_fragment, option=orjson.OPT_PASSTHROUGH_DATETIME
    )
    # orjson's result keeps its whole working buffer (about 8 KB); a stored record must
    # hold only its own bytes, so it is copied once to an exact-size object.
    return memoryview(encoded).tobytes()


def _timestamp_fragment(value: Any) -> RawJSON:
    if isinstance(value, datetime):
        return RawJSON(encode_timestamp(value))
    raise TypeError(f"cannot encode {type(value).__name__}")


def _native(shape: Shape, value: Any) -> Any:
    """``value`` as plain data orjson writes exactly as the service would."""
    if isinstance(value, RawJSON | RawJSONList):
        return value
    if isinstance(shape, StructureShape):
        members = shape.members
        return {
            name: _native(member, value[name])
            for name, member in members.items()
            if value.get(name) is not None
        }
    if isinstance(shape, ListShape):
        return [_native(shape.member, item) for item in value]
    kind = shape.type_name
    if kind == "timestamp":
        return orjson.Fragment(encode_timestamp(value))
    if kind in ("integer", "long") and not isinstance(value, int):
        return int(value)
    return value
