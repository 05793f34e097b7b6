"""Records as the store keeps them: their wire bytes, and only the fields its indexes need.

A stored record is its response JSON, encoded once, plus its sort key, HIT and status. The
full record is decoded from those bytes on demand (exports, changes), which is exact: the wire
carries every field, timestamps to the microsecond. Keeping bytes rather than model objects
makes a record about a third of the size, which is what lets a store of a million
assignments fit in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

import orjson

from mockturk.models import HIT, Assignment, Record
from mockturk.pagination import Cursor
from mockturk.wire import RawJSON, encode_record, to_micros

R = TypeVar("R", bound=Record)


@dataclass(frozen=True, slots=True)
class Stored(Generic[R]):
    model: type[R]
    data: bytes  # the record's JSON, exactly as responses carry it
    wire: RawJSON  # the same bytes, for orjson to embed
    key: Cursor
    hit_id: str
    status: str

    @property
    def record(self) -> R:
        """The full record, decoded from its bytes."""
        return self.model.model_validate(orjson.loads(self.data))


def stored_hit(hit: HIT) -> Stored[HIT]:
    data = encode_record(hit.to_api())
    key = (-to_micros(hit.CreationTime), hit.HITId)
    return Stored(HIT, data, RawJSON(data), key, hit.HITId, hit.HITStatus or "")


def stored_assignment(assignment: Assignment) -> Stored[Assignment]:
    return stored_assignment_fields(assignment.to_api())


def stored_assignment_fields(fields: dict[str, Any]) -> Stored[Assignment]:
    """An assignment stored from its API fields (checked, in model order, None left out)."""
    data = encode_record(fields)
    key = (to_micros(fields["SubmitTime"]), fields["AssignmentId"])
    return Stored(Assignment, data, RawJSON(data), key, fields["HITId"], fields["AssignmentStatus"])


class StoredRecords(Sequence[R]):
    """Stored records that read as a sequence of full records (decoded on access)."""

    def __init__(self, stored: list[Stored[R]]) -> None:
        self.stored = stored

    def __len__(self) -> int:
        return len(self.stored)

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> list[R]: ...

    def __getitem__(self, index: int | slice) -> R | list[R]:
        if isinstance(index, slice):
            return [entry.record for entry in self.stored[index]]
        return self.stored[index].record

    def __iter__(self) -> Iterator[R]:
        return (entry.record for entry in self.stored)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredRecords):
            return [e.data for e in self.stored] == [e.data for e in other.stored]
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StoredRecords({list(self)!r})"
