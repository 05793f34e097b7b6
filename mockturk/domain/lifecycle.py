"""How assignments and HITs move: the transitions, and the one rule that keeps counters in step.

An assignment's status decides which of its HIT's counters it sits in; every change of status
moves it from one counter to another, so the counters follow from this table alone:

    no assignment (an untaken slot)  -> NumberOfAssignmentsAvailable
    Accepted (work in progress)      -> NumberOfAssignmentsPending
    Submitted (awaiting review)      -> in no wire counter (the HIT's internal ``submitted``)
    Approved, Rejected               -> NumberOfAssignmentsCompleted

A HIT's status then follows from its counters, its expiry and whether it was set aside for
review or deleted (:func:`hit_status`).
"""

from __future__ import annotations

from datetime import datetime

from mockturk.domain.records import (
    ACCEPTED,
    APPROVED,
    ASSIGNABLE,
    DISPOSED,
    HIT,
    REJECTED,
    REVIEWABLE,
    REVIEWING,
    SUBMITTED,
    UNASSIGNABLE,
)

# (available, pending, submitted, completed) held by an assignment in each status; None is a slot.
_COUNTERS: dict[str | None, tuple[int, int, int, int]] = {
    None: (1, 0, 0, 0),
    ACCEPTED: (0, 1, 0, 0),
    SUBMITTED: (0, 0, 1, 0),
    APPROVED: (0, 0, 0, 1),
    REJECTED: (0, 0, 0, 1),
}

# The transitions of an assignment, by action: from-status -> to-status (None: the slot is free).
TRANSITIONS: dict[str, dict[str | None, str | None]] = {
    "accept": {None: ACCEPTED},
    "submit": {ACCEPTED: SUBMITTED},
    "return": {ACCEPTED: None},
    "abandon": {ACCEPTED: None},
    "approve": {SUBMITTED: APPROVED},
    "override": {SUBMITTED: APPROVED, REJECTED: APPROVED},
    "reject": {SUBMITTED: REJECTED},
}


# UpdateHITReviewStatus, by its Revert flag: the status a HIT must have, and the one it gets.
# Reviewing then holds until something reopens the HIT (see hit_status).
REVIEW_MOVES: dict[bool, tuple[str, str]] = {
    False: (REVIEWABLE, REVIEWING),
    True: (REVIEWING, REVIEWABLE),
}


def allowed(action: str, status: str | None) -> bool:
    return status in TRANSITIONS[action]


def moved(hit: HIT, old: str | None, new: str | None, count: int = 1) -> HIT:
    """The HIT with ``count`` assignments moved from ``old`` to ``new``: the counter rule."""
    if old == new:
        return hit
    before, after = _COUNTERS[old], _COUNTERS[new]
    available, pending, submitted, completed = (
        count * (a - b) for a, b in zip(after, before, strict=True)
    )
    return hit.changed(
        NumberOfAssignmentsAvailable=hit.NumberOfAssignmentsAvailable + available,
        NumberOfAssignmentsPending=hit.NumberOfAssignmentsPending + pending,
        submitted=hit.submitted + submitted,
        NumberOfAssignmentsCompleted=hit.NumberOfAssignmentsCompleted + completed,
    )


def expired(hit: HIT, now: datetime) -> bool:
    return now >= hit.Expiration


def hit_status(hit: HIT, now: datetime) -> str:
    """What the HIT's status is at ``now``, given its counters.

    Assignable while a slot is free and it has not expired; Unassignable while workers are at
    work and nothing more can be taken; then Reviewable, or Reviewing if the requester set it
    aside (UpdateHITReviewStatus) and nothing has reopened it since. Disposed is final.
    """
    if hit.HITStatus == DISPOSED:
        return DISPOSED
    if hit.NumberOfAssignmentsAvailable > 0 and not expired(hit, now):
        return ASSIGNABLE
    if hit.NumberOfAssignmentsPending > 0:
        return UNASSIGNABLE
    if hit.HITStatus == REVIEWING:
        return REVIEWING
    return REVIEWABLE


def live_slots(hit: HIT, now: datetime) -> int:
    """Slots the requester may still have to pay for: work in progress or awaiting review, and
    untaken slots while the HIT can still be taken (expiry releases those)."""
    if hit.HITStatus == DISPOSED:
        return 0
    untaken = 0 if expired(hit, now) else hit.NumberOfAssignmentsAvailable
    return untaken + hit.NumberOfAssignmentsPending + hit.submitted
