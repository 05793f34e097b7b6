"""The in-memory tables: records, their wire bytes, and the ordered views the listings page over.

Each record is kept as a :class:`Row`: the domain record, its response JSON encoded once, when
a response first needs it (the wire cache), and its sort key. A request joins cached bytes; a
page is two slices of a sorted view, so it costs the same at any store size:

- ListHITs: every HIT that is not Disposed, newest first: key ``(-CreationTime µs, HITId)``.
- ListAssignmentsForHIT: per HIT, the assignments the API shows (work in progress is not), by
  SubmitTime: key ``(SubmitTime µs, AssignmentId)``, once for all and, from the first page by
  status the HIT is asked for, once per status (taken from the first: a load makes only that).
- ListReviewableHITs: per status (Reviewable, Reviewing), for all HIT types and per type, in
  ListHITs' order.
- ListBonusPayments: per HIT and per assignment, by GrantTime.

Only a :class:`~mockturk.state.transaction.Transaction` changes the tables (its commit calls
the ``put``/``remove`` methods here), so records, views, balance and timeline change together.
Everything happens on the event loop, between awaits, so no lock is needed.

A snapshot (what a reset returns to) shares the tables until they next change: every change
takes them through :meth:`Store.writable`, which first copies them when a snapshot holds them.
So start-up and reset copy nothing, and a store the size of a million records is copied only
once it is changed.
"""

from __future__ import annotations

import gc
import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from itertools import islice
from operator import attrgetter
from typing import Any, Generic, TypeVar

from mockturk.domain.events import NotificationSetting
from mockturk.domain.money import Ledger
from mockturk.domain.qualifications import (
    Qualification,
    QualificationRequest,
    QualificationType,
    WorkerBlock,
)
from mockturk.domain.records import (
    ACCEPTED,
    DISPOSED,
    HIT,
    REVIEWABLE,
    REVIEWING,
    Assignment,
    BonusPayment,
    DomainRecord,
    HITType,
)
from mockturk.domain.workers import Message, WorkerProfile
from mockturk.pagination import Cursor
from mockturk.state.listing import Listing, ListingEntry
from mockturk.state.outbox import Notification
from mockturk.state.reviews import HITReview
from mockturk.state.timeline import Entry, Timeline
from mockturk.wire import RawJSON, RawJSONList, encode_record, to_micros

R = TypeVar("R", bound=DomainRecord)

ALL = "*"  # the view holding every entry (no status or HIT type is "*")
REVIEW_STATUSES = (REVIEWABLE, REVIEWING)


class Row(Generic[R]):
    """A record, its wire bytes, and its place in its listing (None: not listed).

    The bytes are made the first time they are asked for, then kept: a record is stored
    whole and unchanging (a change stores a new row), so they never go stale.
    """

    __slots__ = ("_wire", "key", "record")

    def __init__(self, record: R, key: Cursor | None) -> None:
        self.record = record
        self.key = key
        self._wire: RawJSON | None = None

    @property
    def wire(self) -> RawJSON:
        wire = self._wire
        if wire is None:
            wire = self._wire = RawJSON(encode_record(self.record.to_api()))
        return wire


@dataclass(frozen=True, slots=True)
class Page:
    """Records of a listing, in order, and the position of the last (None when empty)."""

    records: RawJSONList
    last: Cursor | None


@dataclass(frozen=True, slots=True)
class Token:
    """A UniqueRequestToken seen: what it created, and until when a repeat is refused."""

    operation: str
    token: str
    result: str
    expires: int  # epoch µs


_WORKER_AND_STATUS = attrgetter("WorkerId", "AssignmentStatus")


def hit_row(hit: HIT) -> Row[HIT]:
    return Row(hit, (-to_micros(hit.CreationTime), hit.HITId))


def assignment_row(assignment: Assignment) -> Row[Assignment]:
    key = (
        (to_micros(assignment.SubmitTime), assignment.AssignmentId)
        if assignment.SubmitTime is not None and assignment.visible
        else None
    )
    return Row(assignment, key)


def bonus_row(bonus: BonusPayment) -> Row[BonusPayment]:
    return Row(bonus, (to_micros(bonus.GrantTime), bonus.PaymentId))


@dataclass
class Tables:
    """Every part of the state. Snapshots copy each field, so none can be forgotten."""

    hit_types: dict[str, HITType] = field(default_factory=dict)
    hits: dict[str, Row[HIT]] = field(default_factory=dict)
    assignments: dict[str, Row[Assignment]] = field(default_factory=dict)
    listed_hits: Listing = field(default_factory=Listing)
    # HIT -> ALL -> the HIT's visible assignments, and once a page by status was asked for (and
    # not before: few HITs ever are), status -> those with it (Store._views_by_status)
    by_hit: dict[str, dict[str, Listing]] = field(default_factory=dict)
    # HIT -> IDs of its assignments in progress
    in_progress: dict[str, dict[str, None]] = field(default_factory=dict)
    # HIT -> WorkerId -> the AssignmentId that worker holds (in progress or submitted). By HIT:
    # a load gives a HIT's assignments together, each then goes to a small table at hand.
    workers: dict[str, dict[str, str]] = field(default_factory=dict)
    # (status, HITTypeId or ALL) -> HITs in review, as {"HITId"} entries
    reviewable: dict[tuple[str, str], Listing] = field(default_factory=dict)
    bonuses: dict[str, Row[BonusPayment]] = field(default_factory=dict)
    # "hit:<HITId>" / "assignment:<AssignmentId>" -> bonus payments
    bonuses_by: dict[str, Listing] = field(default_factory=dict)
    held: dict[str, Decimal] = field(default_factory=dict)  # liability per HIT
    ledger: Ledger = field(default_factory=Ledger)
    tokens: dict[tuple[str, str], Token] = field(default_factory=dict)
    timeline: Timeline = field(default_factory=Timeline)
    serial: int = 0  # IDs issued so far
    # --- Qualifications, worker blocks, profiles and messages -------------------------------
    qualification_types: dict[str, QualificationType] = field(default_factory=dict)
    # (QualificationTypeId, WorkerId) -> the score, Granted or Revoked
    qualifications: dict[tuple[str, str], Qualification] = field(default_factory=dict)
    qualification_requests: dict[str, QualificationRequest] = field(default_factory=dict)
    worker_blocks: dict[str, WorkerBlock] = field(default_factory=dict)
    worker_profiles: dict[str, WorkerProfile] = field(default_factory=dict)
    inboxes: dict[str, tuple[Message, ...]] = field(default_factory=dict)
    # WorkerId -> status -> how many of the worker's assignments have it
    worker_tallies: dict[str, dict[str, int]] = field(default_factory=dict)
    # Notifications: each HIT type's settings, and the outbox (EventDocId -> message, in the
    # order sent) with the number of messages sent so far.
    notification_settings: dict[str, NotificationSetting] = field(default_factory=dict)
    outbox: dict[str, Notification] = field(default_factory=dict)
    sent: int = 0
    # HIT -> its review policies and what they found and did.
    reviews: dict[str, HITReview] = field(default_factory=dict)


def _copied(value: Any) -> Any:
    if isinstance(value, Listing | Timeline):
        return value.copy()
    if isinstance(value, dict):
        # The values of each table are all of one kind: nested tables, or immutable records,
        # rows, amounts and numbers, which are shared.
        sample = next(iter(value.values()), None)
        if isinstance(sample, dict | Listing | Timeline):
            return {key: _copied(item) for key, item in value.items()}
        return dict(value)
    return value


# A copy of a state this large (records) is set aside from the cyclic collector, as start-up
# sets the loaded state aside (mockturk.cli): its containers all stay, and each full collection
# would scan them again, a fifth of a write's time at 1M records.
SET_ASIDE_FROM = 100_000


def _set_aside() -> None:
    """Move every object now alive beyond the collector's reach, once the garbage there is has
    been collected (it would be kept for good). Refcounting still frees them."""
    gc.collect()
    gc.freeze()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: copying a large state makes hundreds of thousands
    of containers that all stay, which the collector would scan over and over for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _nobody() -> None:
    pass


def _nowhere(transport: str, destination: str) -> bool:
    return False


class Store:
    def __init__(self, requester: str = "") -> None:
        # The requester whose records these are: "" for the first (mockturk.requesters). New
        # IDs depend on it, so requesters kept apart never issue the same one.
        self.requester = requester
        self.seed = f"mockturk/{requester}" if requester else "mockturk"
        self.t = Tables()
        self._shared = False  # whether a snapshot holds ``t`` (which must then not change)
        # --- Durable state (mockturk.durable): what changed since the journal last took note.
        # None while nothing is journaled, which costs the writes nothing. Every write, as
        # (table, key), in order: replayed so, records keep their places in the tables.
        # ``replaced``: the whole state was replaced (a reset, a load replacing it).
        self.written: list[tuple[str, Any]] | None = None
        self.replaced = False
        # Told when a commit posts notifications (the deliverer, when one runs), and when the
        # timeline may fall due sooner (the ticker); asked whether a destination is delivered to.
        self.wake: Callable[[], None] = _nobody
        self.planned: Callable[[], None] = _nobody
        self.delivers: Callable[[str, str], bool] = _nowhere
        # The stores of every requester the server keeps apart, this one among them
        # (mockturk.requesters): the workers they share are seen in all of them.
        self.peers: Callable[[], Sequence[Store]] = self._alone

    def _alone(self) -> Sequence[Store]:
        return (self,)

    def _wrote(self, table: str, key: Any) -> None:
        """Note a write of ``key`` in the Tables field ``table``, for the journal."""
        if self.written is not None:
            self.written.append((table, key))

    # For what writes a table outside the Store's own methods (a commit's notifications, the
    # deliverer's delivery status): noted as the Store's writes are.
    noted = _wrote

    def clear(self) -> None:
        self.t = Tables()
        self._shared = False
        self.replaced = True
        self.planned()

    def snapshot(self) -> Tables:
        """The state as it is now; it stays so (the next change copies the tables first)."""
        self._shared = True
        return self.t

    def restore(self, snapshot: Tables) -> None:
        """Return to a snapshot (which stays unchanged, so it can be restored again)."""
        self.t = snapshot
        self._shared = True
        self.replaced = True
        self.planned()

    def writable(self) -> Tables:
        """The tables, to be changed: copied first when a snapshot holds them."""
        if self._shared:
            with _collector_paused():
                self.t = Tables(
                    **{f.name: _copied(getattr(self.t, f.name)) for f in fields(Tables)}
                )
            self._shared = False
            if len(self.t.hits) + len(self.t.assignments) >= SET_ASIDE_FROM:
                _set_aside()
        return self.t

    # --- Reading ---------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {"HITs": len(self.t.hits), "Assignments": len(self.t.assignments)}

    def all_hit_types(self) -> Iterable[HITType]:
        return self.t.hit_types.values()

    def all_hits(self) -> Iterable[Row[HIT]]:
        """Every HIT, Disposed ones included, in the order they were stored."""
        return self.t.hits.values()

    def all_assignments(self) -> Iterable[Row[Assignment]]:
        return self.t.assignments.values()

    def all_bonuses(self) -> Iterable[Row[BonusPayment]]:
        return self.t.bonuses.values()

    def hit_type(self, hit_type_id: str) -> HITType | None:
        return self.t.hit_types.get(hit_type_id)

    def hit_entry(self, hit_id: str) -> Row[HIT] | None:
        """A HIT, Disposed or not."""
        return self.t.hits.get(hit_id)

    def hit(self, hit_id: str) -> Row[HIT] | None:
        """A HIT that has not been deleted (Disposed HITs count as deleted)."""
        row = self.t.hits.get(hit_id)
        return row if row is not None and row.record.HITStatus != DISPOSED else None

    def assignment_entry(self, assignment_id: str) -> Row[Assignment] | None:
        """An assignment in any state, whether or not its HIT was deleted."""
        return self.t.assignments.get(assignment_id)

    def assignment(self, assignment_id: str) -> Row[Assignment] | None:
        """An assignment the API shows: not in progress, and its HIT not deleted."""
        row = self.t.assignments.get(assignment_id)
        if row is None or not row.record.visible or self.hit(row.record.HITId) is None:
            return None
        return row

    def assignments_of(self, hit_id: str) -> list[Assignment]:
        """Every assignment of a HIT, in progress included."""
        visible = self.t.by_hit.get(hit_id, {}).get(ALL)
        ids = [key[1] for key in visible.keys] if visible is not None else []
        ids += list(self.t.in_progress.get(hit_id, ()))
        return [self.t.assignments[i].record for i in ids]

    def worker_assignment(self, hit_id: str, worker_id: str) -> str | None:
        return self.t.workers.get(hit_id, {}).get(worker_id)

    def bonus(self, payment_id: str) -> Row[BonusPayment] | None:
        return self.t.bonuses.get(payment_id)

    def token(self, operation: str, token: str) -> Token | None:
        return self.t.tokens.get((operation, token))

    def worker_tally(self, worker_id: str) -> dict[str, int]:
        """The worker's assignments in this account, counted by status."""
        return self.t.worker_tallies.get(worker_id, {})

    def worker_totals(self, worker_id: str) -> dict[str, int]:
        """The worker's assignments for every requester, counted by status: what their
        statistics (the system qualifications) are made of."""
        stores = self.peers()
        if len(stores) == 1:
            return stores[0].worker_tally(worker_id)
        totals: dict[str, int] = {}
        for store in stores:
            for status, count in store.worker_tally(worker_id).items():
                totals[status] = totals.get(status, 0) + count
        return totals

    def shared_profile(self, worker_id: str) -> WorkerProfile | None:
        """The worker's profile as this store or another requester's holds it."""
        for store in (self, *self.peers()):
            found = store.t.worker_profiles.get(worker_id)
            if found is not None:
                return found
        return None

    def hits_page(self, after: Cursor | None, limit: int) -> Page:
        return _page(*self.t.listed_hits.after(after, limit, self.t.hits))

    def reviewable_page(
        self, status: str, hit_type_id: str | None, after: Cursor | None, limit: int
    ) -> Page:
        listing = self.t.reviewable.get((status, hit_type_id or ALL))
        if not listing:
            return Page(RawJSONList(), None)
        return _page(*listing.after(after, limit, _HIT_IDS_ONLY))

    def bonuses_page(self, scope: str, after: Cursor | None, limit: int) -> Page:
        listing = self.t.bonuses_by.get(scope)
        return (
            _page(*listing.after(after, limit, self.t.bonuses))
            if listing
            else Page(RawJSONList(), None)
        )

    def assignments_page(
        self, hit_id: str, statuses: Sequence[str] | None, after: Cursor | None, limit: int
    ) -> Page:
        """A page of a HIT's assignments with any of ``statuses`` (``None``: every status)."""
        by_status = self._views_by_status(hit_id) if statuses else self.t.by_hit.get(hit_id, {})
        wanted = [ALL] if statuses is None else statuses
        found = [
            by_status[s].after(after, limit, self.t.assignments) for s in wanted if s in by_status
        ]
        if len(found) <= 1:
            return _page(*found[0]) if found else Page(RawJSONList(), None)
        merged = list(
            islice(heapq.merge(*(zip(keys, wires, strict=True) for keys, wires in found)), limit)
        )
        return _page([key for key, _ in merged], RawJSONList(wire for _, wire in merged))

    def _views_by_status(self, hit_id: str) -> dict[str, Listing]:
        """The HIT's views, made by status from the one of all its assignments (in its order,
        with the bytes it holds) the first time they are asked for; kept up from then on."""
        views = self.t.by_hit.get(hit_id, {})
        if len(views) == 1:
            everything = views[ALL]
            entries = zip(everything.keys, everything.wires, strict=True)
            for status, alike in _by_status(entries, self.t.assignments).items():
                views[status] = Listing.sorted_from(alike)
        return views

    # --- Changing (the commit path's own methods) ------------------------------------------------

    def put_hit_type(self, hit_type: HITType) -> None:
        self.writable()
        self.t.hit_types[hit_type.HITTypeId] = hit_type
        self._wrote("hit_types", hit_type.HITTypeId)

    def put_hits(self, hits: Sequence[HIT]) -> None:
        """Add HITs, or replace them (their assignments stay)."""
        self.writable()
        listed: list[Cursor] = []
        in_review: dict[tuple[str, str], list[ListingEntry]] = {}
        for hit in hits:
            old = self.t.hits.get(hit.HITId)
            if old is not None:
                self._unlist_hit(old)
            row = hit_row(hit)
            self.t.hits[hit.HITId] = row
            self._wrote("hits", hit.HITId)
            self.t.by_hit.setdefault(hit.HITId, {ALL: Listing()})
            assert row.key is not None
            if hit.HITStatus != DISPOSED:
                listed.append(row.key)
            if hit.HITStatus in REVIEW_STATUSES:
                entry = (row.key, None)  # its bytes when a page first needs them
                for scope in ((hit.HITStatus, ALL), (hit.HITStatus, hit.HITTypeId)):
                    in_review.setdefault(scope, []).append(entry)
        self.t.listed_hits.add_unencoded(listed)
        for scope, entries in in_review.items():
            self.t.reviewable.setdefault(scope, Listing()).add_many(entries)

    def put_hit(self, hit: HIT) -> None:
        self.put_hits([hit])

    def put_assignment(self, assignment: Assignment) -> None:
        self.put_assignments([assignment])

    def _unlist_hit(self, old: Row[HIT]) -> None:
        assert old.key is not None
        self.t.listed_hits.discard(old.key)
        status = old.record.HITStatus
        if status in REVIEW_STATUSES:
            for scope in ((status, ALL), (status, old.record.HITTypeId)):
                listing = self.t.reviewable.get(scope)
                if listing is not None:
                    listing.discard(old.key)

    def remove_hit(self, hit_id: str) -> None:
        """Forget a HIT and its assignments entirely (as after the real service purges it)."""
        self.writable()
        for assignment in self.assignments_of(hit_id):
            self.remove_assignment(assignment.AssignmentId)
        old = self.t.hits.pop(hit_id)
        self._wrote("hits", hit_id)
        self._unlist_hit(old)
        del self.t.by_hit[hit_id]
        self.t.in_progress.pop(hit_id, None)
        self.t.workers.pop(hit_id, None)

    def put_assignments(self, assignments: Sequence[Assignment]) -> None:
        """Add assignments to stored HITs, or replace them."""
        t = self.writable()
        hits, rows, workers, written = t.hits, t.assignments, t.workers, self.written
        listed: dict[str, list[Cursor]] = {}  # HIT -> keys
        for assignment in assignments:
            hit_id, assignment_id = assignment.HITId, assignment.AssignmentId
            if hit_id not in hits:
                raise KeyError(f"no HIT {hit_id}")
            if assignment_id in rows:
                self.remove_assignment(assignment_id)
            key = (row := assignment_row(assignment)).key
            rows[assignment_id] = row
            if written is not None:
                written.append(("assignments", assignment_id))
            of_hit = workers.get(hit_id)  # the HIT of the one before, most often
            if of_hit is None:
                of_hit = workers[hit_id] = {}
            of_hit[assignment.WorkerId] = assignment_id
            if key is None:
                t.in_progress.setdefault(hit_id, {})[assignment_id] = None
                continue
            keys = listed.get(hit_id)
            if keys is None:
                keys = listed[hit_id] = []
            keys.append(key)
        self._tally(assignments, 1)
        for hit_id, keys in listed.items():
            views = t.by_hit[hit_id]
            views[ALL].add_unencoded(keys)
            if len(views) > 1:  # its views by status were asked for: they are kept up
                for status, alike in _by_status([(key, None) for key in keys], rows).items():
                    views.setdefault(status, Listing()).add_many(alike)

    def remove_assignment(self, assignment_id: str) -> None:
        self.writable()
        old = self.t.assignments.pop(assignment_id)
        self._wrote("assignments", assignment_id)
        record = old.record
        self._tally((record,), -1)
        of_hit = self.t.workers.get(record.HITId, {})
        if of_hit.get(record.WorkerId) == assignment_id:
            del of_hit[record.WorkerId]
        if old.key is None:
            self.t.in_progress.get(record.HITId, {}).pop(assignment_id, None)
            return
        views = self.t.by_hit[record.HITId]
        views[ALL].discard(old.key)
        if len(views) > 1:
            views[record.AssignmentStatus].discard(old.key)

    def put_bonus(self, bonus: BonusPayment) -> None:
        """Add a bonus payment, or replace one with its PaymentId (a fixture loaded again)."""
        self.writable()
        old = self.t.bonuses.get(bonus.PaymentId)
        if old is not None:
            assert old.key is not None
            for scope in _bonus_scopes(old.record):
                self.t.bonuses_by[scope].discard(old.key)
        row = bonus_row(bonus)
        self.t.bonuses[bonus.PaymentId] = row
        self._wrote("bonuses", bonus.PaymentId)
        assert row.key is not None
        for scope in _bonus_scopes(bonus):
            self.t.bonuses_by.setdefault(scope, Listing()).add(row.key, None)

    def _tally(self, assignments: Iterable[Assignment], change: int) -> None:
        """Count assignments in (or, ``change`` -1, out of) their workers' tallies by status."""
        tallies = self.t.worker_tallies
        for (worker_id, status), count in Counter(map(_WORKER_AND_STATUS, assignments)).items():
            tally = tallies.setdefault(worker_id, {})
            tally[status] = tally.get(status, 0) + change * count

    def put_token(self, token: Token) -> None:
        self.writable()
        self.t.tokens[(token.operation, token.token)] = token
        self._wrote("tokens", (token.operation, token.token))

    # --- Qualifications, worker blocks, profiles and messages -----------------------------------

    def put_keyed(self, table: str, changes: Mapping[Any, Any]) -> None:
        """Write records into one of the keyed worker tables (None for a key: remove it)."""
        rows: dict[Any, Any] = getattr(self.writable(), table)
        for key, record in changes.items():
            if record is None:
                rows.pop(key, None)
            else:
                rows[key] = record
            self._wrote(table, key)

    def add_messages(self, messages: Iterable[Message]) -> None:
        inboxes = self.writable().inboxes
        for message in messages:
            inboxes[message.WorkerId] = (*inboxes.get(message.WorkerId, ()), message)
            self._wrote("inboxes", message.WorkerId)

    def next_serial(self) -> int:
        self.writable()
        self.t.serial += 1
        return self.t.serial

    def pop_due(self, now: datetime) -> Entry | None:
        """The earliest timeline entry due at or before ``now``, taken off the timeline."""
        due = self.t.timeline.next_due()
        if due is None or due > to_micros(now):
            return None
        return self.writable().timeline.pop_due(now)


class _HITIdOnly:
    """A HIT as ListReviewableHITs gives it: its ID alone."""

    __slots__ = ("wire",)

    def __init__(self, hit_id: str) -> None:
        self.wire = RawJSON(encode_record({"HITId": hit_id}))


class _HITIdsOnly:
    """Where a listing of HITs in review takes the bytes of each: from its ID."""

    def __getitem__(self, hit_id: str, /) -> _HITIdOnly:
        return _HITIdOnly(hit_id)


_HIT_IDS_ONLY = _HITIdsOnly()


def _by_status(
    entries: Iterable[ListingEntry], rows: Mapping[str, Row[Assignment]]
) -> dict[str, list[ListingEntry]]:
    """Listing entries of assignments, by the status of each (found by the key's ID)."""
    found: dict[str, list[ListingEntry]] = {}
    for entry in entries:
        found.setdefault(rows[entry[0][1]].record.AssignmentStatus, []).append(entry)
    return found


def _bonus_scopes(bonus: BonusPayment) -> tuple[str, str]:
    """The listings a bonus payment is in: its HIT's and its assignment's."""
    return (f"hit:{bonus.HITId}", f"assignment:{bonus.AssignmentId}")


def _page(keys: list[Cursor], wires: RawJSONList) -> Page:
    return Page(wires, keys[-1] if keys else None)


__all__ = ["ACCEPTED", "ALL", "Page", "Row", "Store", "Tables", "Token"]
