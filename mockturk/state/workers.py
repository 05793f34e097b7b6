"""Qualifications, blocks, profiles and messages, read and changed through a transaction.

The records live in the store's keyed worker tables (:class:`~mockturk.state.store.Tables`);
these functions give them their types, and write each change once: a grant, a revoke, a
request's outcome, a block, a message. The eligibility of a worker for a HIT is decided here
from the pure rule of :mod:`mockturk.domain.qualifications`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockturk.domain import qualifications as q
from mockturk.domain.records import HIT, DomainRecord
from mockturk.domain.workers import Message, WorkerProfile, system_values
from mockturk.errors import qualification_type_does_not_exist, qualification_type_inactive
from mockturk.state.store import Store
from mockturk.state.transaction import Transaction

if TYPE_CHECKING:
    from mockturk.fixtures import WorkerData
    from mockturk.models import QualificationRequirement

TYPES, SCORES, REQUESTS = "qualification_types", "qualifications", "qualification_requests"
BLOCKS, PROFILES = "worker_blocks", "worker_profiles"


# --- Exports and loads: the one place that names each kind's section and key ------------------


def exported_sections(store: Store) -> list[tuple[str, list[DomainRecord]]]:
    """Each worker section of an export (fixture format) and its records."""
    t = store.t
    return [
        ("QualificationTypes", list(t.qualification_types.values())),
        ("Qualifications", list(t.qualifications.values())),
        ("QualificationRequests", list(t.qualification_requests.values())),
        ("WorkerBlocks", list(t.worker_blocks.values())),
        ("Workers", list(t.worker_profiles.values())),
        ("Messages", [message for inbox in t.inboxes.values() for message in inbox]),
    ]


def stage_loaded(tx: Transaction, data: WorkerData) -> None:
    """Records a load states, each under its key (one held with that key is replaced)."""
    for t in data.qualification_types:
        tx.put_keyed(TYPES, t.QualificationTypeId, t)
    for s in data.scores:
        tx.put_keyed(SCORES, (s.QualificationTypeId, s.WorkerId), s)
    for r in data.requests:
        tx.put_keyed(REQUESTS, r.QualificationRequestId, r)
    for b in data.blocks:
        tx.put_keyed(BLOCKS, b.WorkerId, b)
    for p in data.profiles:
        tx.put_keyed(PROFILES, p.WorkerId, p)
    for m in data.messages:
        tx.send(m)


def qualification_type(tx: Transaction, type_id: str) -> q.QualificationType | None:
    """A type of the requester's, or a system type."""
    own: q.QualificationType | None = tx.keyed(TYPES, type_id)
    return own if own is not None else q.SYSTEM_TYPES.get(type_id)


def check_requirable(tx: Transaction, type_id: str) -> None:
    """A HIT may require a system type, or an Active one of the requester's."""
    found = qualification_type(tx, type_id)
    if found is None:
        raise qualification_type_does_not_exist(type_id)
    if found.QualificationTypeStatus != q.ACTIVE:
        raise qualification_type_inactive(type_id)


def own_types(tx: Transaction) -> list[q.QualificationType]:
    return tx.keyed_records(TYPES)


def score(tx: Transaction, type_id: str, worker_id: str) -> q.Qualification | None:
    found: q.Qualification | None = tx.keyed(SCORES, (type_id, worker_id))
    return found


def request(tx: Transaction, request_id: str) -> q.QualificationRequest | None:
    found: q.QualificationRequest | None = tx.keyed(REQUESTS, request_id)
    return found


def block(tx: Transaction, worker_id: str) -> q.WorkerBlock | None:
    found: q.WorkerBlock | None = tx.keyed(BLOCKS, worker_id)
    return found


def profile(tx: Transaction, worker_id: str) -> WorkerProfile:
    """The worker's profile: as set, or the defaults."""
    found = held_profile(tx, worker_id)
    return found if found is not None else WorkerProfile(WorkerId=worker_id)


def held_profile(tx: Transaction, worker_id: str) -> WorkerProfile | None:
    """The worker's profile, if one was set (for this requester or another)."""
    found: WorkerProfile | None = tx.keyed(PROFILES, worker_id)
    return found if found is not None else tx.store.shared_profile(worker_id)


def values(tx: Transaction, worker_id: str, type_ids: Sequence[str]) -> dict[str, q.Value]:
    """The worker's value for each of ``type_ids`` they hold: system types from the profile and
    the work done, the requester's own from the scores granted (and not revoked)."""
    found = system_values(profile(tx, worker_id), tx.store.worker_totals(worker_id))
    for type_id in type_ids:
        held = score(tx, type_id, worker_id) if type_id not in found else None
        if held is not None and held.value is not None:
            found[type_id] = held.value
    return found


def known(tx: Transaction, worker_id: str) -> bool:
    """Whether the worker exists: holds an assignment of any requester's HITs (in progress or
    done), has a profile, or has a qualification or request here. Chosen: others count as
    unknown to the environment."""
    if any(tx.store.worker_totals(worker_id).values()) or held_profile(tx, worker_id):
        return True
    return any(s.WorkerId == worker_id for s in tx.keyed_records(SCORES)) or any(
        r.WorkerId == worker_id for r in tx.keyed_records(REQUESTS)
    )


@dataclass(frozen=True)
class Refusal:
    """Why a worker may not do something with a HIT: a block, or the requirement failed."""

    requirement: QualificationRequirement | None
    value: q.Value | None = None

    def sentence(self, worker_id: str, hit_id: str) -> str:
        if self.requirement is None:
            return f"The requester of HIT {hit_id} has blocked worker {worker_id} from their HITs."
        held = (
            "the worker does not have this qualification"
            if self.value is None
            else f"the worker's value is {shown_value(self.value)}"
        )
        return (
            "This HIT requires Qualifications that worker"
            f" {worker_id} does not meet: {q.describe(self.requirement)} ({held})."
        )


def shown_value(value: q.Value) -> str:
    """A value as people read it: a number, or a country and its subdivision (US-CA)."""
    if isinstance(value, tuple):
        return value[0] + (f"-{value[1]}" if value[1] else "")
    return str(value)


def refusal(tx: Transaction, hit: HIT, worker_id: str, action: str = q.ACCEPT) -> Refusal | None:
    """Why the worker may not do ``action`` (Discover, Preview, Accept) with the HIT, if so."""
    if block(tx, worker_id) is not None:
        return Refusal(None)
    requirements = hit.QualificationRequirements
    held = values(tx, worker_id, [r.QualificationTypeId for r in requirements])
    failed = q.refusal(requirements, held, action)
    return Refusal(failed, held.get(failed.QualificationTypeId)) if failed is not None else None


# --- Changes ------------------------------------------------------------------------------

# Chosen: what the worker's inbox says of a qualification; the real emails are unknown.
GRANTED_KIND, REVOKED_KIND, REJECTED_KIND = (
    "QualificationGranted",
    "QualificationRevoked",
    ("QualificationRequestRejected"),
)


def grant(
    tx: Transaction,
    qualification_type: q.QualificationType,
    worker_id: str,
    value: int,
    *,
    notify: bool = True,
) -> q.Qualification:
    """The worker holds the type with ``value`` from now (a score held before is overwritten)."""
    granted = q.Qualification(
        QualificationTypeId=qualification_type.QualificationTypeId,
        WorkerId=worker_id,
        GrantTime=tx.now,
        IntegerValue=value,
    )
    tx.put_keyed(SCORES, (granted.QualificationTypeId, worker_id), granted)
    if notify:
        tell(
            tx,
            worker_id,
            GRANTED_KIND,
            f"You have been granted the Qualification {qualification_type.Name}",
            f"Your value for {qualification_type.Name} is {value}.",
        )
    return granted


def revoke(
    tx: Transaction, qualification_type: q.QualificationType, held: q.Qualification, reason: str
) -> None:
    tx.put_keyed(SCORES, (held.QualificationTypeId, held.WorkerId), held.changed(Status=q.REVOKED))
    tell(
        tx,
        held.WorkerId,
        REVOKED_KIND,
        f"Your Qualification {qualification_type.Name} has been revoked",
        reason,
    )


def settle(
    tx: Transaction, pending: q.QualificationRequest, outcome: str, reason: str = ""
) -> None:
    """A pending request accepted or rejected (its grant, if any, is the caller's)."""
    tx.put_keyed(REQUESTS, pending.QualificationRequestId, pending.changed(RequestStatus=outcome))
    if outcome == q.REJECTED_REQUEST:
        qualification_type = qualification_type_named(tx, pending.QualificationTypeId)
        tell(
            tx,
            pending.WorkerId,
            REJECTED_KIND,
            f"Your request for the Qualification {qualification_type} was rejected",
            reason,
        )


def qualification_type_named(tx: Transaction, type_id: str) -> str:
    found = qualification_type(tx, type_id)
    return found.Name if found is not None else type_id


def tell(tx: Transaction, worker_id: str, kind: str, subject: str, text: str) -> None:
    tx.send(
        Message(WorkerId=worker_id, SentTime=tx.now, Subject=subject, MessageText=text, Kind=kind)
    )
