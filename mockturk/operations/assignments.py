"""Operations on assignments: reading them."""

from __future__ import annotations

from mockturk.errors import assignment_does_not_exist, hit_does_not_exist, invalid_assignment_state
from mockturk.operations.context import Context, Params, Result

# GetAssignment on work in progress: the real text, "Reviewable" standing for Submitted.
_SHOWN_STATUSES = "Reviewable,Approved,Rejected"


def get_assignment(ctx: Context, params: Params) -> Result:
    """A submitted, approved or rejected assignment and its HIT, unless the HIT was deleted."""
    assignment_id = params["AssignmentId"]
    row = ctx.store.assignment_entry(assignment_id)
    hit = ctx.store.hit(row.record.HITId) if row is not None else None
    if row is None or hit is None:
        raise assignment_does_not_exist(assignment_id)
    if not row.record.visible:
        raise invalid_assignment_state(_SHOWN_STATUSES)
    return {"Assignment": row.wire, "HIT": hit.wire}


def list_assignments_for_hit(ctx: Context, params: Params) -> Result:
    """A HIT's assignments by SubmitTime (then AssignmentId), optionally filtered by status."""
    hit_id = params["HITId"]
    if ctx.store.hit(hit_id) is None:
        raise hit_does_not_exist(hit_id)
    statuses = _status_filter(ctx, params.get("AssignmentStatuses"))
    every = ctx.spec.enum("AssignmentStatus")
    wanted = None if len(statuses) == len(every) else statuses
    return ctx.page(
        "ListAssignmentsForHIT",
        params,
        (hit_id, *statuses),
        lambda after, limit: ctx.store.assignments_page(hit_id, wanted, after, limit),
    )


def _status_filter(ctx: Context, requested: list[str] | None) -> tuple[str, ...]:
    """The filter as a set: duplicates collapse, and an empty list means every status."""
    return tuple(sorted(set(requested or ctx.spec.enum("AssignmentStatus"))))
