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
from botocore.model import Shape

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class RawJSON(bytes):
    """Bytes that are already valid JSON for their shape, embedded as they are."""

    __slots__ = ()


def to_micros(instant: datetime) -> int:
    """Whole microseconds since the epoch; exact for any aware datetime."""
    return (instant - EPOCH) // _MICROSECOND


def from_epoch_seconds(seconds: float) -> datetime:
    """An aware UTC datetime from int or float epoch seconds, rounded to the microsecond."""
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
    shortest = Decimal(repr(float(magnitude)))
    digits = "".join(map(str, shortest.as_tuple().digits)).rstrip("0") or "0"
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{shortest.adjusted()}"


def encode_timestamp(instant: datetime) -> bytes:
    """Epoch seconds as the real service writes them, exact to the microsecond."""
    return java_double(to_micros(instant) / 1_000_000).encode()


def encode(shape: Shape, value: Any) -> bytes:
    """Encode ``value`` as compact JSON following ``shape``; ``None`` members are left out."""
    if isinstance(value, RawJSON):
        return value
    chunks: list[bytes] = []
    _encode_into(shape, value, chunks)
    return b"".join(chunks)  # one copy of the whole body, however large the page


def _encode_into(shape: Shape, value: Any, out: list[bytes]) -> None:
    if isinstance(value, RawJSON):
        out.append(value)
        return
    kind = shape.type_name
    if kind == "structure":
        separator = b"{"
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            item = value.get(name)
            if item is not None:
                out.append(separator + b'"' + name.encode() + b'":')
                _encode_into(member, item, out)
                separator = b","
        out.append(b"}" if separator == b"," else b"{}")
    elif kind == "list":
        if not value:
            out.append(b"[]")
            return
        member = shape.member  # type: ignore[attr-defined]
        separator = b"["
        for item in value:
            out.append(separator)
            _encode_into(member, item, out)
            separator = b","
        out.append(b"]")
    elif kind == "timestamp":
        out.append(encode_timestamp(value))
    elif kind in ("integer", "long"):
        out.append(str(int(value)).encode())
    elif kind == "boolean":
        out.append(b"true" if value else b"false")
    else:
        out.append(orjson.dumps(value))
