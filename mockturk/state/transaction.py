"""The one commit path: every change to the account, from any source, goes through here.

An operation, a simulated worker, the clock and a fixture load all stage their changes on a
:class:`Transaction` and then commit it. Staging changes nothing; the commit then, in one go,
moves counters by the lifecycle's rule, re-derives each touched HIT's status, recomputes the
liability the HITs hold and checks the balance can bear it, writes records and their wire
bytes into the tables and views, and plans on the timeline what will fall due. A check that
fails raises before anything is written, so a refused request leaves no trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from typing import Any

from mockturk.domain import lifecycle
from mockturk.domain.events import (
    HIT_CREATED,
    Event,
    NotificationSetting,
    assignment_events,
    became_reviewable,
    hit_events,
)
from mockturk.domain.ids import new_id
from mockturk.domain.money import ZERO, parse_amount, requires_masters, slot_cost
from mockturk.domain.records import (
    ACCEPTED,
    DISPOSED,
    HIT,
    SUBMITTED,
    Assignment,
    BonusPayment,
    HITType,
)
from mockturk.domain.workers import Message
from mockturk.errors import insufficient_funds
from mockturk.state import outbox, timeline
from mockturk.state.reviews import HITReview
from mockturk.state.store import Row, Store, Token
from mockturk.wire import LATEST, encodable, to_micros

DISPOSAL_DELAY = timedelta(days=120)
_ID = attrgetter("AssignmentId")


def liability(hit: HIT, now: datetime) -> Decimal:
    """What a HIT holds of the balance: the reward and fee of each slot still live."""
    slots = lifecycle.live_slots(hit, now)
    if slots == 0:
        return ZERO
    return assignment_cost(hit) * slots


def assignment_cost(hit: HIT) -> Decimal:
    """What one approved assignment of the HIT costs: its reward and MTurk's fee."""
    masters = requires_masters(q.QualificationTypeId for q in hit.QualificationRequirements)
    return _slot_cost(hit.Reward, hit.MaxAssignments, masters)


@lru_cache(maxsize=4096)
def _slot_cost(reward: str, max_assignments: int, masters: bool) -> Decimal:
    """:func:`slot_cost` of a reward as written: worked out once for each price a load holds
    (a large one holds a few prices over a hundred thousand HITs)."""
    return slot_cost(parse_amount(reward), max_assignments, masters)


class Transaction:
    """Changes staged at one instant, ``now``, written together by :meth:`commit`."""

    def __init__(self, store: Store, now: datetime, *, pinned_balance: bool = False) -> None:
        self.store = store
        self.now = now
        self.pinned_balance = pinned_balance
        self._hit_types: dict[str, HITType] = {}
        self._hits: dict[str, HIT] = {}
        self._derive: set[str] = set()
        self._assignments: dict[str, Assignment | None] = {}
        # A load's assignments, each ID once, staged as they are: keyed by ID into
        # ``_assignments`` only if something asks for one before the commit (a load never does).
        self._stated: Sequence[Assignment] = ()
        self._bonuses: list[BonusPayment] = []
        self._tokens: list[Token] = []
        self._spent = ZERO
        self._neutral = False
        self._balance: Decimal | None = None
        self._serial = 0
        self._later: list[tuple[datetime, str, str]] = []
        # Qualifications, blocks, profiles: table of the store -> key -> record (None: removed)
        self._keyed: dict[str, dict[Any, Any]] = {}
        self._messages: list[Message] = []
        # Notifications: settings changed, test messages, HITs whose lifetime runs out now,
        # and whether this change is a state being loaded (which has no events).
        self._settings: dict[str, NotificationSetting] = {}
        self._tests: list[tuple[NotificationSetting, Event]] = []
        self._expiring: set[str] = set()
        self._quiet = False
        self._loaded_outbox: list[outbox.Notification] = []
        self._reviews: dict[str, HITReview] = {}

    # --- Reading through what is staged ----------------------------------------------------------

    def hit(self, hit_id: str) -> HIT | None:
        """A HIT as staged, or as stored (Disposed included)."""
        if hit_id in self._hits:
            return self._hits[hit_id]
        row = self.store.hit_entry(hit_id)
        return row.record if row is not None else None

    def assignment(self, assignment_id: str) -> Assignment | None:
        staged = self._staged_assignments()
        if assignment_id in staged:
            return staged[assignment_id]
        row = self.store.assignment_entry(assignment_id)
        return row.record if row is not None else None

    def hit_type(self, hit_type_id: str) -> HITType | None:
        return self._hit_types.get(hit_type_id) or self.store.hit_type(hit_type_id)

    def token_in_force(self, operation: str, token: str) -> Token | None:
        """A UniqueRequestToken seen before whose lifetime has not run out: repeats are refused."""
        seen = self.store.token(operation, token)
        return seen if seen is not None and seen.expires > to_micros(self.now) else None

    def new_id(self, kind: str) -> str:
        """A new ID of the real shape, unused in this account."""
        while True:
            self._serial += 1
            candidate = new_id(kind, self.store.seed, self.store.t.serial + self._serial)
            held = (
                self.hit(candidate),
                self.assignment(candidate),
                self.hit_type(candidate),
                self.keyed("qualification_types", candidate),
                self.keyed("qualification_requests", candidate),
            )
            # A loaded export holds IDs this account issued before, bonus payments' included.
            if not any(held) and self.store.bonus(candidate) is None:
                return candidate

    def keyed(self, table: str, key: Any) -> Any:
        """A record of one of the store's keyed worker tables, as staged or stored (or None)."""
        staged = self._keyed.get(table)
        if staged is not None and key in staged:
            return staged[key]
        return getattr(self.store.t, table).get(key)

    def keyed_records(self, table: str) -> list[Any]:
        """Every record of a keyed worker table, as staged or stored."""
        merged = {**getattr(self.store.t, table), **self._keyed.get(table, {})}
        return [record for record in merged.values() if record is not None]

    # --- Staging ---------------------------------------------------------------------------------

    def put_hit_type(self, hit_type: HITType) -> None:
        self._hit_types[hit_type.HITTypeId] = hit_type

    def put_hit(self, hit: HIT, *, derive: bool = True) -> None:
        """A new or changed HIT; with ``derive`` its status is worked out again at commit."""
        self._hits[hit.HITId] = hit
        if derive:
            self._derive.add(hit.HITId)
        else:
            self._derive.discard(hit.HITId)

    def move(self, old: Assignment | None, new: Assignment | None) -> None:
        """An assignment changes status (None: a free slot): its HIT's counters follow."""
        current = old or new
        assert current is not None
        hit = self.hit(current.HITId)
        assert hit is not None
        old_status = old.AssignmentStatus if old is not None else None
        new_status = new.AssignmentStatus if new is not None else None
        self.put_hit(lifecycle.moved(hit, old_status, new_status))
        self._staged_assignments()[current.AssignmentId] = new

    def put_assignments(self, assignments: Sequence[Assignment]) -> None:
        """Assignments as a fixture states them, each ID once: their HITs' counters already
        count them."""
        if self._assignments or self._stated:
            self._staged_assignments().update(zip(map(_ID, assignments), assignments, strict=True))
        else:
            self._stated = assignments

    def _staged_assignments(self) -> dict[str, Assignment | None]:
        """Every assignment staged, by ID (None: removed)."""
        if self._stated:
            self._assignments.update(zip(map(_ID, self._stated), self._stated, strict=True))
            self._stated = ()
        return self._assignments

    def add_slots(self, hit: HIT, count: int) -> None:
        """More assignments for a HIT (CreateAdditionalAssignmentsForHIT)."""
        self.put_hit(
            hit.changed(
                MaxAssignments=hit.MaxAssignments + count,
                NumberOfAssignmentsAvailable=hit.NumberOfAssignmentsAvailable + count,
            )
        )

    def pay(self, amount: Decimal) -> None:
        """Money leaves the account now: an approved assignment's reward and fee, a bonus."""
        self._spent += amount

    def put_bonus(self, bonus: BonusPayment) -> None:
        self._bonuses.append(bonus)

    def remember_token(self, operation: str, token: str, result: str, lifetime: timedelta) -> None:
        expires = min(self.now + lifetime, LATEST)
        self._tokens.append(Token(operation, token, result, to_micros(expires)))

    def later(self, due: datetime, kind: str, record_id: str) -> None:
        """Plan something more on the timeline (written at commit)."""
        self._later.append((due, kind, record_id))

    # --- Review policies -------------------------------------------------------------------------

    def review(self, hit_id: str) -> HITReview | None:
        return self._reviews.get(hit_id) or self.store.t.reviews.get(hit_id)

    def put_review(self, review: HITReview) -> None:
        self._reviews[review.HITId] = review

    # --- Notifications ---------------------------------------------------------------------------

    def notification_setting(self, hit_type_id: str) -> NotificationSetting | None:
        if hit_type_id in self._settings:
            return self._settings[hit_type_id]
        return self.store.t.notification_settings.get(hit_type_id)

    def put_notification_setting(self, setting: NotificationSetting) -> None:
        self._settings[setting.HITTypeId] = setting

    def send_test(self, setting: NotificationSetting, event: Event) -> None:
        """One message with ``event`` to the setting's destination, whatever it subscribes."""
        self._tests.append((setting, event))

    def put_notifications(self, sent: Sequence[outbox.Notification]) -> None:
        """Messages of an outbox as a fixture states them (those pending are delivered)."""
        self._loaded_outbox.extend(sent)

    def expiring(self, hit_id: str) -> None:
        """The HIT's lifetime runs out in this change (its HITExpired event)."""
        self._expiring.add(hit_id)

    def as_state(self) -> None:
        """This change loads records as they are (a fixture): nothing happens, so no events."""
        self._quiet = True

    def keep_balance(self) -> None:
        """Leave the available balance as it is (fixture loads state records, not payments)."""
        self._balance = None
        self._neutral = True

    def set_balance(self, amount: Decimal) -> None:
        """Make the available balance ``amount`` after this change (a fixture states it)."""
        self._balance = amount
        self._neutral = False

    def put_token(self, token: Token) -> None:
        self._tokens.append(token)

    def put_keyed(self, table: str, key: Any, record: Any) -> None:
        """A record of a keyed worker table (qualifications, blocks...); None removes it."""
        self._keyed.setdefault(table, {})[key] = record

    def send(self, message: Message) -> None:
        """A message for a worker's inbox."""
        self._messages.append(message)

    # --- Committing ------------------------------------------------------------------------------

    def commit(self) -> None:
        """Write every staged change, or raise (insufficient funds) and write nothing."""
        store = self.store
        hits = {
            hit_id: hit.changed(HITStatus=lifecycle.hit_status(hit, self.now))
            if hit_id in self._derive
            else hit
            for hit_id, hit in self._hits.items()
        }
        held = {hit_id: liability(hit, self.now) for hit_id, hit in hits.items()}
        held_change = sum(
            (amount - store.t.held.get(hit_id, ZERO) for hit_id, amount in held.items()), ZERO
        )
        ledger = store.t.ledger
        if self._neutral:
            ledger = replace(ledger, deposits=ledger.deposits + held_change + self._spent)
        ledger = replace(ledger, held=ledger.held + held_change, spent=ledger.spent + self._spent)
        if self._balance is not None:
            ledger = replace(ledger, deposits=self._balance + ledger.spent + ledger.held)
        if (
            not self.pinned_balance
            and self._balance is None
            and ledger.available < 0
            and ledger.available < store.t.ledger.available
        ):
            raise insufficient_funds()
        # Nothing below raises: the change is written whole.
        store.writable()
        before = {hit_id: store.hit_entry(hit_id) for hit_id in hits}
        events = self._events(hits, before)
        planned = [
            hit
            for hit_id, hit in hits.items()
            if (old := before[hit_id]) is None or old.record.Expiration != hit.Expiration
        ]
        for hit_type in self._hit_types.values():
            store.put_hit_type(hit_type)
        store.put_hits(list(hits.values()))
        kept = self._stated or [a for a in self._assignments.values() if a is not None]
        if len(kept) < len(self._assignments):  # some are removed (None)
            for assignment_id, assignment in self._assignments.items():
                if assignment is None and store.assignment_entry(assignment_id) is not None:
                    store.remove_assignment(assignment_id)
        store.put_assignments(kept)
        for bonus in self._bonuses:
            store.put_bonus(bonus)
        for token in self._tokens:
            store.put_token(token)
        for table, changes in self._keyed.items():
            store.put_keyed(table, changes)
        store.add_messages(self._messages)
        store.t.held.update(held)
        store.t.ledger = ledger
        store.t.serial += self._serial
        store.t.notification_settings.update(self._settings)
        for hit_type_id in self._settings:
            store.noted("notification_settings", hit_type_id)
        store.t.reviews.update(self._reviews)
        self._review_when_reviewable(hits, before)
        self._post(events)
        self._plan(planned, kept)

    def _review_when_reviewable(
        self, hits: dict[str, HIT], before: dict[str, Row[HIT] | None]
    ) -> None:
        """A HIT policy is applied when its HIT becomes Reviewable: at once, on the timeline."""
        for hit_id, hit in hits.items():
            review = self.review(hit_id)
            if review is None or review.HITReviewPolicy is None:
                continue
            row = before[hit_id]
            if became_reviewable(row.record if row is not None else None, hit):
                self._later.append((self.now, timeline.REVIEW_HIT, hit_id))

    def _events(self, hits: dict[str, HIT], before: dict[str, Row[HIT] | None]) -> list[Event]:
        """What this change brings about, as notification events, from the records before and
        after it: HITs created first, then what happened to assignments, then to HITs."""
        if self._quiet or not (self.store.t.notification_settings or self._settings):
            return []
        found: list[Event] = []
        for hit_id, hit in hits.items():
            row = before[hit_id]
            old_hit = row.record if row is not None else None
            found += hit_events(old_hit, hit, self.now, expiring=hit_id in self._expiring)
        for assignment_id, new in self._staged_assignments().items():
            stored = self.store.assignment_entry(assignment_id)
            old = stored.record if stored is not None else None
            current = new or old
            if current is None:
                continue
            owner = hits.get(current.HITId) or self.hit(current.HITId)
            if owner is not None:
                found += assignment_events(old, new, owner.HITTypeId, self.now)
        rank = {HIT_CREATED: 0}
        return sorted(found, key=lambda e: rank.get(e.EventType, 1 if e.AssignmentId else 2))

    def _post(self, events: list[Event]) -> None:
        """Put in the outbox one message per HIT type whose settings want some of the events."""
        messages: list[tuple[NotificationSetting, list[Event]]] = [
            (setting, [event]) for setting, event in self._tests
        ]
        by_type: dict[str, list[Event]] = {}
        for event in events:
            by_type.setdefault(event.HITTypeId, []).append(event)
        for hit_type_id, of_type in by_type.items():
            setting = self.store.t.notification_settings.get(hit_type_id)
            wanted = [e for e in of_type if setting is not None and setting.wants(e.EventType)]
            if setting is not None and wanted:
                messages.append((setting, wanted))
        tables = self.store.t
        for loaded in self._loaded_outbox:
            tables.sent += 1
            tables.outbox[loaded.EventDocId] = loaded
            self.store.noted("outbox", loaded.EventDocId)
        if not (messages or self._loaded_outbox):
            return
        for setting, carried in messages:
            tables.sent += 1
            routed = self.store.delivers(setting.Transport, setting.Destination)
            sent = outbox.message(setting, carried, tables.sent, self.now, routed=routed)
            tables.outbox[sent.EventDocId] = sent
            self.store.noted("outbox", sent.EventDocId)
        self.store.wake()

    def _plan(self, hits: list[HIT], assignments: Sequence[Assignment]) -> None:
        """Put on the timeline what the written records will bring about later (or now: an
        auto-approval delay of 0 approves at once, when the caller catches up)."""
        plans = list(self._later)
        for hit in hits:
            if hit.HITStatus == DISPOSED:
                continue
            if hit.Expiration > self.now:
                plans.append((hit.Expiration, timeline.EXPIRE, hit.HITId))
            disposal = hit.Expiration + DISPOSAL_DELAY
            if encodable(disposal) and disposal > self.now:
                plans.append((disposal, timeline.DISPOSE, hit.HITId))
        for assignment in assignments:
            status = assignment.AssignmentStatus
            if status == ACCEPTED and assignment.due is not None:
                due, kind = assignment.due, timeline.ABANDON
            elif status == SUBMITTED and assignment.AutoApprovalTime is not None:
                due, kind = assignment.AutoApprovalTime, timeline.AUTO_APPROVE
            else:
                continue
            if due >= self.now:
                plans.append((due, kind, assignment.AssignmentId))
        self.store.t.timeline.schedule_many(plans)
        if plans:
            self.store.planned()
