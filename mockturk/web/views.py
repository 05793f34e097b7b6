"""What the pages show, read from the store (after whatever fell due has happened).

The pages look through every record of a kind (a local server's state is what a person can
read anyway); the API's listings keep their own sorted views. A worker's pages show the HITs,
work, qualifications and messages of every requester: workers are shared.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from mockturk.account import Account
from mockturk.domain import lifecycle
from mockturk.domain import qualifications as q
from mockturk.domain.money import format_amount, parse_amount
from mockturk.domain.questions import answer_values
from mockturk.domain.records import (
    APPROVED,
    ASSIGNABLE,
    DISPOSED,
    HIT,
    SUBMITTED,
    Assignment,
    BonusPayment,
)
from mockturk.domain.workers import Message
from mockturk.requesters import Requesters
from mockturk.state import workers
from mockturk.web.eligibility import Eligibility, eligibility
from mockturk.worker import qualifying

LIMIT = 100  # rows a list shows: a page to read, not the whole of a large state


@dataclass(frozen=True)
class Group:
    """HITs of one HIT group that a worker can still take, as the worker's list shows them."""

    first: HIT  # the oldest: what a preview of the group shows
    available: int  # HITs of the group with an assignment left for this worker
    eligibility: Eligibility


def takeable(account: Account, worker_id: str, hit: HIT, now: datetime) -> bool:
    """Whether the HIT offers a slot now that this worker has not already taken."""
    return (
        hit.HITStatus == ASSIGNABLE
        and lifecycle.hit_status(hit, now) == ASSIGNABLE
        and account.store.worker_assignment(hit.HITId, worker_id) is None
    )


def hit_groups(requesters: Requesters, worker_id: str) -> tuple[list[Group], int]:
    """The newest groups (at most LIMIT) with HITs this worker could take, and how many there
    are in all."""
    by_group: dict[str, tuple[HIT, int, Account]] = {}
    for account in requesters:
        now = account.catch_up()
        for row in account.store.all_hits():
            hit = row.record
            if takeable(account, worker_id, hit, now) and (
                not hit.QualificationRequirements
                or eligibility(account, worker_id, hit, q.DISCOVER).qualified
            ):
                first, count, _ = by_group.get(hit.HITGroupId, (hit, 0, account))
                by_group[hit.HITGroupId] = (min(first, hit, key=_age), count + 1, account)
    newest = heapq.nlargest(LIMIT, by_group.values(), key=lambda group: _age(group[0]))
    groups = [
        Group(first, count, eligibility(account, worker_id, first))
        for first, count, account in newest
    ]
    return groups, len(by_group)


def _age(hit: HIT) -> tuple[datetime, str]:
    return hit.CreationTime, hit.HITId


def group_hits(requesters: Requesters, worker_id: str, group_id: str) -> list[HIT]:
    """The HITs of a group (by HITGroupId, or by HITTypeId as some clients link it) that this
    worker could take, oldest first."""
    hits = []
    for account in requesters:
        now = account.catch_up()
        hits += [
            row.record
            for row in account.store.all_hits()
            if group_id in (row.record.HITGroupId, row.record.HITTypeId)
            and takeable(account, worker_id, row.record, now)
        ]
    return sorted(hits, key=_age)


@dataclass(frozen=True)
class Work:
    """One of a worker's assignments, with its HIT."""

    assignment: Assignment
    hit: HIT | None  # None once the HIT was deleted
    bonuses: tuple[BonusPayment, ...]


@dataclass(frozen=True)
class Earnings:
    approved: str  # rewards of approved work
    pending: str  # rewards of work awaiting review
    bonuses: str


def worker_work(requesters: Requesters, worker_id: str) -> tuple[list[Work], Earnings]:
    """A worker's assignments for every requester, newest first, and what they have earned."""
    work = [item for account in requesters for item in _work_for(account, worker_id)]
    work.sort(key=lambda w: (w.assignment.AcceptTime, w.assignment.AssignmentId), reverse=True)
    return work, _earnings(work)


def _work_for(account: Account, worker_id: str) -> list[Work]:
    account.catch_up()
    store = account.store
    bonuses: dict[str, list[BonusPayment]] = {}
    for row in store.all_bonuses():
        if row.record.WorkerId == worker_id:
            bonuses.setdefault(row.record.AssignmentId, []).append(row.record)
    work = []
    for entry in store.all_assignments():
        assignment = entry.record
        if assignment.WorkerId == worker_id:
            hit = store.hit_entry(assignment.HITId)
            given = tuple(bonuses.get(assignment.AssignmentId, ()))
            work.append(Work(assignment, hit.record if hit else None, given))
    return work


def _earnings(work: list[Work]) -> Earnings:
    approved = pending = bonus = Decimal(0)
    for item in work:
        reward = parse_amount(item.hit.Reward) if item.hit is not None else Decimal(0)
        status = item.assignment.AssignmentStatus
        if status == APPROVED:
            approved += reward
        elif status == SUBMITTED:
            pending += reward
        bonus += sum((parse_amount(b.BonusAmount) for b in item.bonuses), Decimal(0))
    return Earnings(format_amount(approved), format_amount(pending), format_amount(bonus))


def requester_hits(account: Account) -> tuple[list[HIT], int]:
    """The first HITs (at most LIMIT) in ListHITs' order (newest first, none deleted), and how
    many it lists in all."""
    account.catch_up()
    rows = [row for row in account.store.all_hits() if row.record.HITStatus != DISPOSED]
    first = heapq.nsmallest(LIMIT, rows, key=lambda row: row.key or (0, ""))
    return [row.record for row in first], len(rows)


@dataclass(frozen=True)
class Reviewed:
    """An assignment the requester sees, with its answers readable."""

    assignment: Assignment
    answers: list[tuple[str, list[str]]]


def hit_review(account: Account, hit_id: str) -> tuple[HIT, list[Reviewed]] | None:
    """A HIT and the assignments the API shows of it (work in progress it does not)."""
    account.catch_up()
    row = account.store.hit(hit_id)
    if row is None:
        return None
    shown = [a for a in account.store.assignments_of(hit_id) if a.visible]
    return row.record, [Reviewed(a, answer_values(a.Answer or "")) for a in shown]


# --- Qualifications and messages ------------------------------------------------------------------

# The system types a worker's page shows, in this order (Masters: either environment's).
SHOWN_SYSTEM_TYPES = (q.LOCALE, q.MASTERS[0], q.NUMBER_HITS_APPROVED, q.PERCENT_APPROVED, q.ADULT)


@dataclass(frozen=True)
class Held:
    """A qualification of the requester's that the worker holds (or held: Revoked)."""

    name: str
    qualification: q.Qualification

    @property
    def shown(self) -> str:
        held = self.qualification
        value = held.LocaleValue if held.LocaleValue is not None else held.IntegerValue
        return workers.shown_value(value) if value is not None else ""


@dataclass(frozen=True)
class SystemValue:
    qualification_type: q.QualificationType
    shown: str | None  # None: not held (Masters)


@dataclass(frozen=True)
class Requestable:
    """A type the worker may ask for, and where the worker stands with it."""

    qualification_type: q.QualificationType
    held: q.Qualification | None
    pending: bool


@dataclass(frozen=True)
class Qualifications:
    held: list[Held]
    system: list[SystemValue]
    requestable: list[Requestable]
    requestable_total: int


def worker_qualifications(requesters: Requesters, worker_id: str) -> Qualifications:
    """What the qualifications page shows: the worker's scores from every requester (newest
    grant first), their system values (as the accept's rule reads them), and the first
    requestable types by name."""
    scores: dict[str, q.Qualification] = {}
    names: dict[str, str] = {}
    pending: set[str] = set()
    offered: list[q.QualificationType] = []
    for account in requesters:
        tx = account.transaction()
        for s in tx.keyed_records(workers.SCORES):
            if s.WorkerId == worker_id:
                scores[s.QualificationTypeId] = s
                names[s.QualificationTypeId] = workers.qualification_type_named(
                    tx, s.QualificationTypeId
                )
        pending |= {
            r.QualificationTypeId
            for r in tx.keyed_records(workers.REQUESTS)
            if r.WorkerId == worker_id and r.RequestStatus == q.PENDING
        }
        offered += [t for t in workers.own_types(tx) if t.IsRequestable]
    held = [
        Held(names[s.QualificationTypeId], s)
        for s in sorted(scores.values(), key=lambda s: s.GrantTime, reverse=True)[:LIMIT]
    ]
    values = workers.values(requesters.first.transaction(), worker_id, ())
    system = [
        SystemValue(q.SYSTEM_TYPES[t], workers.shown_value(values[t]) if t in values else None)
        for t in SHOWN_SYSTEM_TYPES
    ]
    first = heapq.nsmallest(LIMIT, offered, key=lambda t: (t.Name, t.QualificationTypeId))
    requestable = [
        Requestable(t, scores.get(t.QualificationTypeId), t.QualificationTypeId in pending)
        for t in first
    ]
    return Qualifications(held, system, requestable, len(offered))


def requestable_type(requesters: Requesters, type_id: str) -> q.QualificationType | None:
    account = requesters.holding_type(type_id)
    found = workers.qualification_type(account.transaction(), type_id)
    return found if found is not None and found.IsRequestable else None


def inbox(requesters: Requesters, worker_id: str) -> tuple[list[Message], int]:
    """The newest messages (at most LIMIT), newest first, and how many the worker has."""
    messages = qualifying.inbox(requesters, worker_id)
    return list(reversed(messages[-LIMIT:])), len(messages)
