"""Review policies: those CreateHIT is given, and ListReviewPolicyResultsForHIT.

The policies are checked at creation and kept with the HIT; the commit path applies them when
work is submitted (the assignment policy) and when the HIT becomes Reviewable (the HIT policy).
"""

from __future__ import annotations

from typing import Any

from mockturk.domain import review_policies as policies
from mockturk.errors import hit_does_not_exist, invalid_parameter
from mockturk.operations.context import Context, Params, Result
from mockturk.state.reviews import HITReview

# Each member's policy, and the parameters it requires (chosen: the documented required
# ones but DisregardAssignmentIfRejected, which has an obvious default).
_POLICIES = {
    "AssignmentReviewPolicy": (policies.SCORE_MY_KNOWN_ANSWERS, ("AnswerKey",)),
    "HITReviewPolicy": (policies.SIMPLE_PLURALITY, ("QuestionAgreementThreshold",)),
}
# The parameters whose values are whole numbers.
_NUMBERS = frozenset(
    {
        "ApproveIfKnownAnswerScoreIsAtLeast",
        "RejectIfKnownAnswerScoreIsLessThan",
        "ExtendIfKnownAnswerScoreIsLessThan",
        "ExtendMaximumAssignments",
        "ExtendMinimumTimeInSeconds",
        "QuestionAgreementThreshold",
        "DisregardAssignmentIfKnownAnswerScoreIsLessThan",
        "ExtendIfHITAgreementScoreIsLessThan",
        "ApproveIfWorkerAgreementScoreIsAtLeast",
        "RejectIfWorkerAgreementScoreIsLessThan",
    }
)


def given_review(hit_id: str, params: Params) -> HITReview | None:
    """The review policies a CreateHIT call gives, checked; None if it gives none."""
    given = {member: params.get(member) for member in _POLICIES}
    if not any(given.values()):
        return None
    for member, policy in given.items():
        if policy is not None:
            _check(member, policy)
    return HITReview(hit_id, given["AssignmentReviewPolicy"], given["HITReviewPolicy"])


def _check(member: str, policy: dict[str, Any]) -> None:
    name, required = _POLICIES[member]
    if policy["PolicyName"] != name:
        raise invalid_parameter(f"{member}.PolicyName", policy["PolicyName"], f"Use {name}.")
    keys = {p["Key"] for p in policy.get("Parameters", [])}
    if member == "HITReviewPolicy" and not ({"QuestionIds", "QuestionIDs"} & keys):
        raise invalid_parameter(f"{member}.Parameters", "QuestionIds", "It is required.")
    for key in required:
        if key not in keys:
            raise invalid_parameter(f"{member}.Parameters", key, "It is required.")
    for parameter in policy.get("Parameters", []):
        values = parameter.get("Values", [])
        if parameter["Key"] in _NUMBERS and not all(v.strip().isdigit() for v in values):
            raise invalid_parameter(parameter["Key"], ",".join(values), "Give a whole number.")


def list_review_policy_results_for_hit(ctx: Context, params: Params) -> Result:
    """What the HIT's policies found and did, every result and action in one answer (chosen:
    no paging, as the model gives this operation no paginator)."""
    hit_id = params["HITId"]
    row = ctx.store.hit_entry(hit_id)
    if row is None:
        raise hit_does_not_exist(hit_id)
    review = ctx.store.t.reviews.get(hit_id) or HITReview(hit_id)
    levels = params.get("PolicyLevels") or [policies.ASSIGNMENT, policies.HIT]
    results, actions = params.get("RetrieveResults", True), params.get("RetrieveActions", True)
    out: Result = {"HITId": hit_id}
    if review.AssignmentReviewPolicy is not None:
        out["AssignmentReviewPolicy"] = review.AssignmentReviewPolicy
    if review.HITReviewPolicy is not None:
        out["HITReviewPolicy"] = review.HITReviewPolicy
    reports = {
        policies.ASSIGNMENT: (
            "AssignmentReviewReport",
            review.assignment_results,
            review.assignment_actions,
        ),
        policies.HIT: ("HITReviewReport", review.hit_results, review.hit_actions),
    }
    for level in levels:
        key, found, taken = reports[level]
        report: Result = {}
        if results:
            report["ReviewResults"] = list(found)
        if actions:
            report["ReviewActions"] = list(taken)
        out[key] = report
    return out
