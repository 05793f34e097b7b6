"""The in-memory state: records, their wire bytes, and the ordered indexes the listings page over.

Each record is encoded once, when it is stored, so a request only joins bytes. Listings page by
keyset over indexes kept sorted on every change, so a page costs the same at any store size:

- ListHITs: every HIT that is not Disposed, newest first: key ``(-CreationTime µs, HITId)``.
- ListAssignmentsForHIT: per HIT, by SubmitTime: key ``(SubmitTime µs, AssignmentId)``, once
  for all its assignments and once per status, so neither an unfiltered nor a one-status
  listing has anything to merge.

The store keeps records and indexes in step; the rules that make records consistent with each
other (counters, lifecycles) belong to the fixtures and the operations that change them. All
changes happen on the event loop, between awaits, so no lock is needed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from mockturk.fixtures import Dataset
from mockturk.listing import Listing
from mockturk.models import HIT, Assignment
from mockturk.pagination import Cursor
from mockturk.stored import Stored, StoredRecords, stored_assignment, stored_hit
from mockturk.wire import RawJSON, RawJSONList


@dataclass(frozen=True, slots=True)
class Page:
    """Records of a listing, in order, and the position of the last (None when empty)."""

    records: RawJSONList
    last: Cursor | None


DELETED_HIT_STATUS = "Disposed"
ALL_STATUSES = "*"  # the index entry holding every assignment of a HIT (no status is "*")

AssignmentIndex = dict[str, dict[str, Listing]]


@dataclass(frozen=True, slots=True)
class Snapshot:
    hits: dict[str, Stored[HIT]]
    assignments: dict[str, Stored[Assignment]]
    listed_hits: Listing
    assignment_index: AssignmentIndex


class Store:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._hits: dict[str, Stored[HIT]] = {}
        self._assignments: dict[str, Stored[Assignment]] = {}
        self._listed_hits = Listing()
        self._assignment_index: AssignmentIndex = {}

    def snapshot(self) -> Snapshot:
        """The state as it is now; stored records are immutable, so copying the tables is enough."""
        return Snapshot(
            hits=dict(self._hits),
            assignments=dict(self._assignments),
            listed_hits=self._listed_hits.copy(),
            assignment_index=_copy_index(self._assignment_index),
        )

    def restore(self, snapshot: Snapshot) -> None:
        """Return to a snapshot (which stays unchanged, so it can be restored again)."""
        self._hits = dict(snapshot.hits)
        self._assignments = dict(snapshot.assignments)
        self._listed_hits = snapshot.listed_hits.copy()
        self._assignment_index = _copy_index(snapshot.assignment_index)

    def load(self, dataset: Dataset) -> None:
        """Replace the whole state with a checked data set (indexes sorted once, not per record)."""
        self.clear()
        for hit in dataset.hits:
            self._hits[hit.HITId] = stored_hit(hit)
        assignments = dataset.assignments
        entries = (
            assignments.stored
            if isinstance(assignments, StoredRecords)
            else map(stored_assignment, assignments)
        )
        unsorted: dict[str, dict[str, list[tuple[Cursor, RawJSON]]]] = {
            hit_id: {ALL_STATUSES: []} for hit_id in self._hits
        }
        for stored in entries:
            self._assignments[stored.key[1]] = stored
            by_status = unsorted[stored.hit_id]
            entry = (stored.key, stored.wire)
            by_status[ALL_STATUSES].append(entry)
            by_status.setdefault(stored.status, []).append(entry)
        self._listed_hits = Listing.sorted_from(
            (s.key, s.wire) for s in self._hits.values() if _listed(s)
        )
        self._assignment_index = {
            hit_id: {status: Listing.sorted_from(found) for status, found in by_status.items()}
            for hit_id, by_status in unsorted.items()
        }

    # --- Reading ---------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {"HITs": len(self._hits), "Assignments": len(self._assignments)}

    def all_hits(self) -> Iterable[Stored[HIT]]:
        """Every HIT, Disposed ones included, in the order they were stored."""
        return self._hits.values()

    def all_assignments(self) -> Iterable[Stored[Assignment]]:
        return self._assignments.values()

    def assignment_entry(self, assignment_id: str) -> Stored[Assignment] | None:
        """An assignment, whether or not its HIT was deleted."""
        return self._assignments.get(assignment_id)

    def hit(self, hit_id: str) -> Stored[HIT] | None:
        """A HIT that has not been deleted (Disposed HITs count as deleted)."""
        stored = self._hits.get(hit_id)
        return stored if stored is not None and _listed(stored) else None

    def assignment(self, assignment_id: str) -> Stored[Assignment] | None:
        """An assignment whose HIT has not been deleted."""
        stored = self._assignments.get(assignment_id)
        if stored is None or self.hit(stored.hit_id) is None:
            return None
        return stored

    def hits_page(self, after: Cursor | None, limit: int) -> Page:
        return _page(*self._listed_hits.after(after, limit))

    def assignments_page(
        self, hit_id: str, statuses: Sequence[str] | None, after: Cursor | None, limit: int
    ) -> Page:
        """A page of a HIT's assignments with any of ``statuses`` (``None``: every status)."""
        by_status = self._assignment_index.get(hit_id, {})
        wanted = [ALL_STATUSES] if statuses is None else statuses
        found = [by_status[s].after(after, limit) for s in wanted if s in by_status]
        if len(found) <= 1:
            return _page(*found[0]) if found else Page(RawJSONList(), None)
        merged = list(
            islice(heapq.merge(*(zip(keys, wires, strict=True) for keys, wires in found)), limit)
        )
        return _page([key for key, _ in merged], RawJSONList(wire for _, wire in merged))

    # --- Changing --------------------------------------------------------------------------------

    def put_hit(self, hit: HIT) -> None:
        """Add a HIT, or replace it (its assignments stay)."""
        old = self._hits.get(hit.HITId)
        if old is not None and _listed(old):
            self._listed_hits.discard(old.key)
        stored = stored_hit(hit)
        self._hits[hit.HITId] = stored
        self._assignment_index.setdefault(hit.HITId, {ALL_STATUSES: Listing()})
        if _listed(stored):
            self._listed_hits.add(stored.key, stored.wire)

    def remove_hit(self, hit_id: str) -> None:
        """Forget a HIT and its assignments entirely (as after the real service purges it)."""
        old = self._hits.pop(hit_id)
        if _listed(old):
            self._listed_hits.discard(old.key)
        for _, assignment_id in self._assignment_index.pop(hit_id)[ALL_STATUSES].keys:
            del self._assignments[assignment_id]

    def put_assignment(self, assignment: Assignment) -> None:
        """Add an assignment to a stored HIT, or replace it."""
        if assignment.HITId not in self._hits:
            raise KeyError(f"no HIT {assignment.HITId}")
        if assignment.AssignmentId in self._assignments:
            self.remove_assignment(assignment.AssignmentId)
        stored = stored_assignment(assignment)
        self._assignments[assignment.AssignmentId] = stored
        by_status = self._assignment_index[assignment.HITId]
        by_status[ALL_STATUSES].add(stored.key, stored.wire)
        by_status.setdefault(stored.status, Listing()).add(stored.key, stored.wire)

    def remove_assignment(self, assignment_id: str) -> None:
        old = self._assignments.pop(assignment_id)
        by_status = self._assignment_index[old.hit_id]
        by_status[ALL_STATUSES].discard(old.key)
        by_status[old.status].discard(old.key)


def _page(keys: list[Cursor], wires: RawJSONList) -> Page:
    return Page(wires, keys[-1] if keys else None)


def _listed(hit: Stored[HIT]) -> bool:
    return hit.status != DELETED_HIT_STATUS


def _copy_index(index: AssignmentIndex) -> AssignmentIndex:
    return {
        hit_id: {status: listing.copy() for status, listing in by_status.items()}
        for hit_id, by_status in index.items()
    }
