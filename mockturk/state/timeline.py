"""What falls due, and when: a heap of (due instant, order of scheduling, kind, record ID).

Entries are never removed when plans change: when one falls due, the commit path checks that
the record still is what the entry was scheduled for (a submitted assignment whose
AutoApprovalTime is this instant, say) and otherwise ignores it. So rescheduling is adding.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import datetime

from mockturk.wire import to_micros

# Kinds of entries.
ABANDON = "abandon"  # work in progress reaches its deadline
AUTO_APPROVE = "auto-approve"  # submitted work reaches its AutoApprovalTime
EXPIRE = "expire"  # a HIT reaches its Expiration
DISPOSE = "dispose"  # a HIT is disposed of 120 days after it expired
REVIEW_ASSIGNMENT = "review-assignment"  # submitted work meets its HIT's assignment policy
REVIEW_HIT = "review-hit"  # a HIT that became Reviewable meets its HIT policy

Entry = tuple[int, int, str, str]


class Timeline:
    __slots__ = ("_heap", "_serial")

    def __init__(self, heap: list[Entry] | None = None, serial: int = 0) -> None:
        self._heap: list[Entry] = heap if heap is not None else []
        self._serial = serial

    def copy(self) -> Timeline:
        return Timeline(list(self._heap), self._serial)

    def __len__(self) -> int:
        return len(self._heap)

    def schedule(self, due: datetime, kind: str, record_id: str) -> None:
        self.schedule_many([(due, kind, record_id)])

    def schedule_many(self, plans: Sequence[tuple[datetime, str, str]]) -> None:
        """Entries, in order of scheduling; as many as are held already or more (a large load)
        are heaped in one go, not one by one."""
        first = self._serial + 1
        self._serial += len(plans)
        entries = [
            (to_micros(due), serial, kind, record_id)
            for serial, (due, kind, record_id) in enumerate(plans, first)
        ]
        if len(entries) >= len(self._heap):
            self._heap += entries
            heapq.heapify(self._heap)
        else:
            for entry in entries:
                heapq.heappush(self._heap, entry)

    def next_due(self) -> int | None:
        """The earliest due instant, in epoch microseconds (None when nothing is planned)."""
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: datetime) -> Entry | None:
        """The earliest entry due at or before ``now``, taken off the timeline."""
        if self._heap and self._heap[0][0] <= to_micros(now):
            return heapq.heappop(self._heap)
        return None
