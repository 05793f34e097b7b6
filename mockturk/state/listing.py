"""A listing kept in order: sort keys and, beside them, the wire bytes of their records.

Keeping the records' bytes in a list parallel to the keys makes a page two slices, with no
per-record lookup: the cost of a page does not depend on the size of the store, and barely on
the size of the page.

A record's bytes are made when a response first needs them, not when the record is stored (a
large load stores a million records no client may ever page through, and a record changed
twice between reads is encoded once). Until then its place holds ``None``; the page that
reaches it takes the bytes from the record's row (:class:`~mockturk.state.store.Row`), found
by the last part of the key, its ID, and keeps them. A count of such places lets every other
page skip the look.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Protocol

from mockturk.pagination import Cursor
from mockturk.wire import RawJSON, RawJSONList


class Encoded(Protocol):
    """What a listing takes a record's bytes from: its row."""

    @property
    def wire(self) -> RawJSON: ...


class Rows(Protocol):
    """What a listing finds records' rows in, by ID: their table, most often."""

    def __getitem__(self, record_id: str, /) -> Encoded: ...


ListingEntry = tuple[Cursor, RawJSON | None]  # None: bytes not made yet


class Listing:
    __slots__ = ("keys", "unencoded", "wires")

    def __init__(
        self, keys: list[Cursor] | None = None, wires: list[RawJSON | None] | None = None
    ) -> None:
        self.keys: list[Cursor] = keys if keys is not None else []
        self.wires: list[RawJSON | None] = wires if wires is not None else []
        self.unencoded = self.wires.count(None)

    @classmethod
    def sorted_from(cls, entries: Iterable[ListingEntry]) -> Listing:
        """A listing of unordered entries, sorted once (keys are unique, so wires never compare)."""
        ordered = sorted(entries, key=_first)
        return cls([key for key, _ in ordered], [wire for _, wire in ordered])

    def copy(self) -> Listing:
        return Listing(list(self.keys), list(self.wires))

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: Cursor, wire: RawJSON | None) -> None:
        index = bisect_left(self.keys, key)
        self.keys.insert(index, key)
        self.wires.insert(index, wire)
        self.unencoded += wire is None

    def add_many(self, entries: list[ListingEntry]) -> None:
        """Add several entries: one by one when few, else merged and sorted once (a bulk load)."""
        if len(entries) * 8 < len(self.keys):
            for key, wire in entries:
                self.add(key, wire)
            return
        held = zip(self.keys, self.wires, strict=True)
        merged = Listing.sorted_from([*held, *entries] if self.keys else entries)
        self.keys, self.wires, self.unencoded = merged.keys, merged.wires, merged.unencoded

    def add_unencoded(self, keys: list[Cursor]) -> None:
        """Add the keys of records whose bytes are not made yet (a load's): sorted once."""
        if self.keys:
            self.add_many([(key, None) for key in keys])
            return
        self.keys = sorted(keys)
        self.wires = [None] * len(keys)
        self.unencoded = len(keys)

    def discard(self, key: Cursor) -> None:
        index = bisect_left(self.keys, key)
        if index < len(self.keys) and self.keys[index] == key:
            del self.keys[index]
            self.unencoded -= self.wires.pop(index) is None

    def after(
        self, cursor: Cursor | None, limit: int, rows: Rows
    ) -> tuple[list[Cursor], RawJSONList]:
        """Up to ``limit`` entries strictly after ``cursor`` (from the start for None); bytes
        not made yet are taken from ``rows`` (the records' table, by ID) and kept."""
        start = 0 if cursor is None else bisect_right(self.keys, cursor)
        end = start + limit
        keys, wires = self.keys[start:end], self.wires[start:end]
        if self.unencoded and None in wires:
            for offset, wire in enumerate(wires):
                if wire is None:
                    made = rows[keys[offset][1]].wire
                    wires[offset] = self.wires[start + offset] = made
                    self.unencoded -= 1
        return keys, RawJSONList(wires)  # type: ignore[arg-type]  # every place now filled


_first: Callable[[ListingEntry], Cursor] = itemgetter(0)  # a sort key, without a call
