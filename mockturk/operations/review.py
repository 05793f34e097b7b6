"""Reviewing work: ApproveAssignment and RejectAssignment."""

from __future__ import annotations

from mockturk.domain.records import ACCEPTED, REJECTED, SUBMITTED, Assignment
from mockturk.errors import assignment_does_not_exist, invalid_assignment_state
from mockturk.operations.context import Context, Params, Result
from mockturk.state import changes
from mockturk.state.transaction import Transaction

# The real texts: work still in progress has no status the API knows ("null").
_IN_PROGRESS = "null"
_AWAITING_REVIEW = SUBMITTED


def approve_assignment(ctx: Context, params: Params) -> Result:
    """Pay for submitted work; with OverrideRejection, for work rejected up to 30 days after
    its submission too."""
    tx = ctx.account.transaction()
    assignment = _reviewable(tx, params["AssignmentId"])
    overriding = (
        params.get("OverrideRejection") is True
        and assignment.AssignmentStatus == REJECTED
        and assignment.SubmitTime is not None
        and tx.now - assignment.SubmitTime <= changes.OVERRIDE_WINDOW
    )
    if assignment.AssignmentStatus != SUBMITTED and not overriding:
        raise invalid_assignment_state(_AWAITING_REVIEW)
    changes.approve(tx, assignment, params.get("RequesterFeedback"))
    ctx.account.commit(tx)
    return {}


def reject_assignment(ctx: Context, params: Params) -> Result:
    """Refuse submitted work: the worker is not paid, and its liability is released."""
    tx = ctx.account.transaction()
    assignment = _reviewable(tx, params["AssignmentId"])
    if assignment.AssignmentStatus != SUBMITTED:
        raise invalid_assignment_state(_AWAITING_REVIEW)
    changes.reject(tx, assignment, params["RequesterFeedback"])
    ctx.account.commit(tx)
    return {}


def _reviewable(tx: Transaction, assignment_id: str) -> Assignment:
    """The assignment, if the requester can see it; work in progress gets the real "null"."""
    assignment = tx.assignment(assignment_id)
    hit = tx.hit(assignment.HITId) if assignment is not None else None
    if assignment is None or hit is None or hit.HITStatus == "Disposed":
        raise assignment_does_not_exist(assignment_id)
    if assignment.AssignmentStatus == ACCEPTED:
        raise invalid_assignment_state(_IN_PROGRESS)
    return assignment
