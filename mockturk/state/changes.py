"""The changes that happen to HITs and assignments, each written once.

Requester operations, simulated workers, the worker site and the timeline all change records
through these functions, staged on a transaction: one accept, one submit, one return, one
approval (explicit or automatic), one rejection, one expiry. Each checks what it needs and
raises the real service's error before staging anything.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from mockturk.domain import lifecycle
from mockturk.domain import review_policies as policies
from mockturk.domain.money import crosses_large_batch
from mockturk.domain.records import (
    ACCEPTED,
    APPROVED,
    ASSIGNABLE,
    DISPOSED,
    HIT,
    REJECTED,
    REVIEWABLE,
    SUBMITTED,
    Assignment,
)
from mockturk.state import timeline
from mockturk.state.reviews import Detail, HITReview
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
    review = tx.review(hit.HITId)
    if review is not None and review.AssignmentReviewPolicy is not None:
        # Applied "as soon as a Worker submits", once the submission is written.
        tx.later(tx.now, timeline.REVIEW_ASSIGNMENT, submitted.AssignmentId)
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
    elif kind == timeline.REVIEW_ASSIGNMENT:
        assignment = tx.assignment(record_id)
        if assignment is not None and assignment.AssignmentStatus == SUBMITTED:
            review_assignment(tx, assignment)
    elif kind == timeline.REVIEW_HIT:
        hit = tx.hit(record_id)
        if hit is not None and hit.HITStatus == REVIEWABLE:
            review_hit(tx, hit)
    elif kind == timeline.DISPOSE:
        hit = tx.hit(record_id)
        if hit is not None and hit.HITStatus != DISPOSED and hit.Expiration + DISPOSAL_DELAY <= due:
            if hit.NumberOfAssignmentsPending or hit.submitted:
                # Still being worked on or awaiting review: looked at again a day later.
                tx.later(due + timedelta(days=1), timeline.DISPOSE, hit.HITId)
            else:
                dispose(tx, hit)


# --- Review policies ------------------------------------------------------------------------------


def review_assignment(tx: Transaction, assignment: Assignment) -> None:
    """The HIT's assignment policy scores submitted work, and its actions are taken."""
    review = tx.review(assignment.HITId)
    assert review is not None and review.AssignmentReviewPolicy is not None
    found = policies.score_my_known_answers(
        review.AssignmentReviewPolicy,
        assignment.AssignmentId,
        assignment.HITId,
        policies.answers_of(assignment.Answer),
    )
    _reported(tx, review, policies.ASSIGNMENT, found)


def review_hit(tx: Transaction, hit: HIT) -> None:
    """The HIT policy compares the HIT's submitted work, and its actions are taken."""
    review = tx.review(hit.HITId)
    assert review is not None and review.HITReviewPolicy is not None
    known = review.AssignmentReviewPolicy
    submissions = []
    for assignment in tx.store.assignments_of(hit.HITId):
        answers = policies.answers_of(assignment.Answer)
        submissions.append(
            policies.Submission(
                assignment.AssignmentId,
                answers,
                rejected=assignment.AssignmentStatus == REJECTED,
                known_answer_score=None
                if known is None
                else policies.known_answer_score(known, answers),
            )
        )
    found = policies.simple_plurality(review.HITReviewPolicy, hit.HITId, submissions)
    _reported(tx, review, policies.HIT, found)


# Where each level's results and actions are kept.
_REPORTS = {
    policies.ASSIGNMENT: ("assignment_results", "assignment_actions"),
    policies.HIT: ("hit_results", "hit_actions"),
}


def _reported(tx: Transaction, review: HITReview, level: str, found: policies.Review) -> None:
    """The policy's actions taken, and its results and actions added to the HIT's report."""
    results, actions = _carried_out(tx, found)
    results_field, actions_field = _REPORTS[level]
    kept = {
        results_field: getattr(review, results_field) + results,
        actions_field: getattr(review, actions_field) + actions,
    }
    tx.put_review(replace(review, **kept))


def _carried_out(
    tx: Transaction, found: policies.Review
) -> tuple[tuple[Detail, ...], tuple[Detail, ...]]:
    """A policy's results, and its intended actions as taken (by the API's own changes)."""
    evaluation = tx.new_id("review")
    results = tuple(
        {
            "ActionId": evaluation,
            "SubjectId": r.SubjectId,
            "SubjectType": r.SubjectType,
            **({"QuestionId": r.QuestionId} if _model_id(r.QuestionId) else {}),
            "Key": r.Key,
            "Value": r.Value,
        }
        for r in found.results
    )
    actions = []
    for intent in found.intents:
        status, outcome, error = _act(tx, intent)
        action: Detail = {
            "ActionId": tx.new_id("review-action"),
            "ActionName": intent.ActionName,
            "TargetId": intent.TargetId,
            "TargetType": intent.TargetType,
            "Status": status,
            "CompleteTime": tx.now,
            "Result": outcome,
        }
        if error is not None:
            action["ErrorCode"] = error
        actions.append(action)
    return results, tuple(actions)


# The model's pattern for a result's QuestionId (its EntityId); chosen: a question identifier
# outside it is left out of the result, which keeps its Key and Value, so responses stay valid.
_ENTITY_ID = re.compile(r"^[A-Z0-9]+$")


def _model_id(question_id: str | None) -> bool:
    return question_id is not None and _ENTITY_ID.match(question_id) is not None


_DONE, _FAILED = "Succeeded", "Failed"
_WRONG_STATE = "AWS.MechanicalTurk.InvalidAssignmentState"


def _act(tx: Transaction, intent: policies.Intent) -> tuple[str, str, str | None]:
    """Take one intended action: its status, its result text and, if it failed, its error."""
    if intent.ActionName == policies.EXTEND:
        return _extend(tx, intent)
    assignment = tx.assignment(intent.TargetId)
    assert assignment is not None
    status = assignment.AssignmentStatus
    if intent.ActionName == policies.APPROVE:
        if status == SUBMITTED:
            approve(tx, assignment, intent.feedback)
            return _DONE, "Approved", None
        return (
            (_DONE, "Already approved", None)
            if status == APPROVED
            else (_FAILED, "Not approved", _WRONG_STATE)
        )
    if status == SUBMITTED:
        reject(tx, assignment, intent.feedback or "")
        return _DONE, "Rejected", None
    return (
        (_DONE, "Already rejected", None)
        if status == REJECTED
        else (_FAILED, "Not rejected", _WRONG_STATE)
    )


def _extend(tx: Transaction, intent: policies.Intent) -> tuple[str, str, str | None]:
    """One more assignment, as CreateAdditionalAssignmentsForHIT gives it, up to the policy's
    maximum; and at least the policy's time left to take it."""
    hit = tx.hit(intent.TargetId)
    assert hit is not None
    if hit.MaxAssignments + 1 > intent.extend_maximum or crosses_large_batch(hit.MaxAssignments, 1):
        # Documented: an extension beyond the cap succeeds and does nothing.
        return _DONE, f"The HIT already has {hit.MaxAssignments} assignments", None
    if not tx.pinned_balance and tx.store.t.ledger.available < assignment_cost(hit):
        return _FAILED, "Not extended", "AWS.MechanicalTurk.InsufficientFunds"
    tx.add_slots(hit, 1)
    least = tx.now + timedelta(seconds=intent.extend_seconds)
    extended = tx.hit(hit.HITId)
    assert extended is not None
    if intent.extend_seconds and extended.Expiration < least:
        tx.put_hit(extended.changed(Expiration=least))
    return _DONE, f"Extended to {hit.MaxAssignments + 1} assignments", None


def assignable(hit: HIT, now: datetime) -> bool:
    return lifecycle.hit_status(hit, now) == ASSIGNABLE and hit.HITStatus == ASSIGNABLE
