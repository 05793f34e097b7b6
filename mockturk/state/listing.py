"""A listing kept in order: sort keys and, beside them, the wire bytes of their records.

Keeping the records' bytes in a list parallel to the keys makes a page two slices, with no
per-record lookup: the cost of a page does not depend on the size of the store, and barely on
the size of the page.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from mockturk.pagination import Cursor
from mockturk.wire import RawJSON, RawJSONList


class Listing:
    __slots__ = ("keys", "wires")

    def __init__(
        self, keys: list[Cursor] | None = None, wires: list[RawJSON] | None = None
    ) -> None:
        self.keys: list[Cursor] = keys if keys is not None else []
        self.wires: list[RawJSON] = wires if wires is not None else []

    @classmethod
    def sorted_from(cls, entries: Iterable[tuple[Cursor, RawJSON]]) -> Listing:
        """A listing of unordered entries, sorted once (keys are unique, so wires never compare)."""
        ordered = sorted(entries, key=_first)
        return cls([key for key, _ in ordered], [wire for _, wire in ordered])

    def copy(self) -> Listing:
        return Listing(list(self.keys), list(self.wires))

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: Cursor, wire: RawJSON) -> None:
        index = bisect_left(self.keys, key)
        self.keys.insert(index, key)
        self.wires.insert(index, wire)

    def add_many(self, entries: list[tuple[Cursor, RawJSON]]) -> None:
        """Add several entries: one by one when few, else merged and sorted once (a bulk load)."""
        if len(entries) * 8 < len(self.keys):
            for key, wire in entries:
                self.add(key, wire)
            return
        merged = Listing.sorted_from([*zip(self.keys, self.wires, strict=True), *entries])
        self.keys, self.wires = merged.keys, merged.wires

    def replace(self, key: Cursor, wire: RawJSON) -> None:
        """New bytes for an entry whose key stays."""
        index = bisect_left(self.keys, key)
        self.wires[index] = wire

    def discard(self, key: Cursor) -> None:
        index = bisect_left(self.keys, key)
        if index < len(self.keys) and self.keys[index] == key:
            del self.keys[index]
            del self.wires[index]

    def after(self, cursor: Cursor | None, limit: int) -> tuple[list[Cursor], RawJSONList]:
        """Up to ``limit`` entries strictly after ``cursor`` (from the start for None)."""
        start = 0 if cursor is None else bisect_right(self.keys, cursor)
        end = start + limit
        return self.keys[start:end], RawJSONList(self.wires[start:end])


def _first(entry: tuple[Cursor, RawJSON]) -> Cursor:
    return entry[0]
