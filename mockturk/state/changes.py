"""The changes that happen to HITs and assignments, each written once.

Requester operations, simulated workers, the worker site and the timeline all change records
through these functions, staged on a transaction: one accept, one submit, one return, one
approval (explicit or automatic), one rejection, one expiry. Each checks what it needs and
raises the real service's error before staging anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mockturk.domain import lifecycle
from mockturk.domain.records import (
    ACCEPTED,
    APPROVED,
    ASSIGNABLE,
    DISPOSED,
    HIT,
    REJECTED,
    SUBMITTED,
    Assignment,
)
from mockturk.state import timeline
from mockturk.state.transaction import DISPOSAL_DELAY, Transaction, assignment_cost

OVERRIDE_WINDOW = timedelta(days=30)


def approve(tx: Transaction, assignment: Assignment, feedback: str | None = None) -> Assignment:
    """Submitted (or, overriding, Rejected) work approved at ``tx.now``: the worker is paid."""
    hit = tx.hit(assignment.HITId)
    assert hit is not None
    approved = assignment.changed(
        AssignmentStatus=APPROVED,
        ApprovalTime=tx.now,
        RequesterFeedback=feedback if feedback is not None else assignment.RequesterFeedback,
    )
    tx.move(assignment, approved)
    tx.pay(assignment_cost(hit))
    return approved


def reject(tx: Transaction, assignment: Assignment, feedback: str) -> Assignment:
    rejected = assignment.changed(
        AssignmentStatus=REJECTED, RejectionTime=tx.now, RequesterFeedback=feedback
    )
    tx.move(assignment, rejected)
    return rejected


def accept(tx: Transaction, hit: HIT, worker_id: str) -> Assignment:
    """A worker takes one slot of an Assignable HIT (the caller has checked both)."""
    assignment = Assignment(
        AssignmentId=tx.new_id("assignment"),
        WorkerId=worker_id,
        HITId=hit.HITId,
        AssignmentStatus=ACCEPTED,
        AcceptTime=tx.now,
        due=tx.now + timedelta(seconds=hit.AssignmentDurationInSeconds),
    )
    tx.move(None, assignment)
    return assignment


def submit(tx: Transaction, assignment: Assignment, answer: str) -> Assignment:
    hit = tx.hit(assignment.HITId)
    assert hit is not None
    submitted = assignment.changed(
        AssignmentStatus=SUBMITTED,
        SubmitTime=tx.now,
        AutoApprovalTime=tx.now + timedelta(seconds=hit.AutoApprovalDelayInSeconds),
        Answer=answer,
        due=None,
    )
    tx.move(assignment, submitted)
    return submitted


def release(tx: Transaction, assignment: Assignment) -> None:
    """Work in progress ends unsubmitted (returned, or abandoned at its deadline): the slot is
    free again, and offered again unless the HIT has expired."""
    tx.move(assignment, None)


def refresh(tx: Transaction, hit: HIT) -> None:
    """The HIT's status worked out again at ``tx.now`` (it may have expired)."""
    tx.put_hit(hit)


def dispose(tx: Transaction, hit: HIT) -> None:
    tx.put_hit(hit.changed(HITStatus=DISPOSED), derive=False)


# --- What falls due ---------------------------------------------------------------------------


def fall_due(tx: Transaction, kind: str, record_id: str, due: datetime) -> None:
    """Apply one timeline entry at its due instant, if the record still awaits it."""
    if kind == timeline.AUTO_APPROVE:
        assignment = tx.assignment(record_id)
        if (
            assignment is not None
            and assignment.AssignmentStatus == SUBMITTED
            and assignment.AutoApprovalTime == due
        ):
            approve(tx, assignment)
    elif kind == timeline.ABANDON:
        assignment = tx.assignment(record_id)
        if (
            assignment is not None
            and assignment.AssignmentStatus == ACCEPTED
            and assignment.due == due
        ):
            release(tx, assignment)
    elif kind == timeline.EXPIRE:
        hit = tx.hit(record_id)
        if hit is not None and hit.HITStatus != DISPOSED and hit.Expiration == due:
            tx.expiring(hit.HITId)
            refresh(tx, hit)
    elif kind == timeline.DISPOSE:
        hit = tx.hit(record_id)
        if hit is not None and hit.HITStatus != DISPOSED and hit.Expiration + DISPOSAL_DELAY <= due:
            if hit.NumberOfAssignmentsPending or hit.submitted:
                # Still being worked on or awaiting review: looked at again a day later.
                tx.later(due + timedelta(days=1), timeline.DISPOSE, hit.HITId)
            else:
                dispose(tx, hit)


def assignable(hit: HIT, now: datetime) -> bool:
    return lifecycle.hit_status(hit, now) == ASSIGNABLE and hit.HITStatus == ASSIGNABLE
