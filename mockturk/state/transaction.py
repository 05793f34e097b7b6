"""The one commit path: every change to the account, from any source, goes through here.

An operation, a simulated worker, the clock and a fixture load all stage their changes on a
:class:`Transaction` and then commit it. Staging changes nothing; the commit then, in one go,
moves counters by the lifecycle's rule, re-derives each touched HIT's status, recomputes the
liability the HITs hold and checks the balance can bear it, writes records and their wire
bytes into the tables and views, and plans on the timeline what will fall due. A check that
fails raises before anything is written, so a refused request leaves no trace.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mockturk.domain import lifecycle
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
from mockturk.state import timeline
from mockturk.state.store import Store, Token
from mockturk.wire import LATEST, encodable, to_micros

DISPOSAL_DELAY = timedelta(days=120)


def liability(hit: HIT, now: datetime) -> Decimal:
    """What a HIT holds of the balance: the reward and fee of each slot still live."""
    slots = lifecycle.live_slots(hit, now)
    if slots == 0:
        return ZERO
    return assignment_cost(hit) * slots


def assignment_cost(hit: HIT) -> Decimal:
    """What one approved assignment of the HIT costs: its reward and MTurk's fee."""
    masters = requires_masters(q.QualificationTypeId for q in hit.QualificationRequirements)
    return slot_cost(parse_amount(hit.Reward), hit.MaxAssignments, masters)


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

    # --- Reading through what is staged ----------------------------------------------------------

    def hit(self, hit_id: str) -> HIT | None:
        """A HIT as staged, or as stored (Disposed included)."""
        if hit_id in self._hits:
            return self._hits[hit_id]
        row = self.store.hit_entry(hit_id)
        return row.record if row is not None else None

    def assignment(self, assignment_id: str) -> Assignment | None:
        if assignment_id in self._assignments:
            return self._assignments[assignment_id]
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
        self._assignments[current.AssignmentId] = new

    def put_assignment(self, assignment: Assignment) -> None:
        """An assignment as a fixture states it: its HIT's counters already count it."""
        self._assignments[assignment.AssignmentId] = assignment

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
        planned = [
            hit
            for hit_id, hit in hits.items()
            if (old := before[hit_id]) is None or old.record.Expiration != hit.Expiration
        ]
        for hit_type in self._hit_types.values():
            store.put_hit_type(hit_type)
        store.put_hits(list(hits.values()))
        removed = [i for i, a in self._assignments.items() if a is None]
        for assignment_id in removed:
            if store.assignment_entry(assignment_id) is not None:
                store.remove_assignment(assignment_id)
        kept = [a for a in self._assignments.values() if a is not None]
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
        self._plan(planned, kept)

    def _plan(self, hits: list[HIT], assignments: list[Assignment]) -> None:
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
