"""Operations on assignments."""

from __future__ import annotations

from mockturk.errors import assignment_does_not_exist, hit_does_not_exist
from mockturk.operations.context import Context, Params, Result


def get_assignment(ctx: Context, params: Params) -> Result:
    """A submitted, approved or rejected assignment and its HIT, unless the HIT was deleted."""
    assignment_id = params["AssignmentId"]
    stored = ctx.store.assignment(assignment_id)
    hit = ctx.store.hit(stored.hit_id) if stored is not None else None
    if stored is None or hit is None:
        raise assignment_does_not_exist(assignment_id)
    return {"Assignment": stored.wire, "HIT": hit.wire}


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
