"""Review policies: ScoreMyKnownAnswers on submission, SimplePlurality when the HIT becomes
Reviewable, their actions taken as the API's own, and ListReviewPolicyResultsForHIT."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import support
from support import WireChecker

from mockturk.domain.questions import answers_document
from mockturk.domain.review_policies import (
    Submission,
    answers_of,
    score_my_known_answers,
    simple_plurality,
)
from mockturk.testing import InProcessServer

QUESTION, TYPE = support.LAB_QUESTION, support.LAB_HIT_TYPE


def param(key: str, *values: str) -> dict[str, Any]:
    return {"Key": key, "Values": list(values)}


def known_answers(*parameters: dict[str, Any], **key: str) -> dict[str, Any]:
    answer_key = {
        "Key": "AnswerKey",
        "MapEntries": [{"Key": q, "Values": [v]} for q, v in key.items()],
    }
    return {"PolicyName": "ScoreMyKnownAnswers/2011-09-01", "Parameters": [answer_key, *parameters]}


def plurality(*parameters: dict[str, Any]) -> dict[str, Any]:
    return {"PolicyName": "SimplePlurality/2011-09-01", "Parameters": list(parameters)}


def answers(**given: str) -> dict[str, frozenset[str]]:
    return {q: frozenset(v.split("+")) for q, v in given.items()}


def scores(review: Any, key: str) -> dict[str | None, str]:
    return {(r.QuestionId or r.SubjectId): r.Value for r in review.results if r.Key == key}


# --- The policies' arithmetic, against the documentation's descriptions -----------------------


def test_three_workers_four_questions_give_a_hit_agreement_of_75_percent():
    # Q1 all agree; Q2 and Q3 two of three; Q4 no two alike: agreement on 3 questions of 4.
    workers = [
        Submission("A1", answers(Q1="cat", Q2="red", Q3="1", Q4="x")),
        Submission("A2", answers(Q1="cat", Q2="red", Q3="2", Q4="y")),
        Submission("A3", answers(Q1="cat", Q2="blue", Q3="1", Q4="z")),
    ]
    policy = plurality(
        param("QuestionIds", "Q1,Q2,Q3,Q4"), param("QuestionAgreementThreshold", "49")
    )
    review = simple_plurality(policy, "3HIT", workers)
    assert scores(review, "HitAgreementScore") == {"3HIT": "75"}
    assert scores(review, "AnswerAgreementScore") == {
        "Q1": "100",
        "Q2": "66",
        "Q3": "66",
        "Q4": "33",
    }
    assert scores(review, "AgreedAnswerFound") == {
        "Q1": "true",
        "Q2": "true",
        "Q3": "true",
        "Q4": "false",
    }
    assert scores(review, "AgreedAnswer") == {"Q1": "cat", "Q2": "red", "Q3": "1"}
    # Each worker's answers to the agreed questions: A1 all three, A2 and A3 two of three.
    assert scores(review, "WorkerAgreementScore") == {"A1": "100", "A2": "66", "A3": "66"}
    assert review.intents == ()


def test_plurality_acts_on_worker_agreement_and_extends_on_disagreement():
    workers = [
        Submission("A1", answers(Q1="cat")),
        Submission("A2", answers(Q1="cat")),
        Submission("A3", answers(Q1="dog")),
        Submission("A4", answers(Q1="dog"), rejected=True),
    ]
    policy = plurality(
        param("QuestionIds", "Q1"),
        param("QuestionAgreementThreshold", "50"),
        param("DisregardAssignmentIfRejected", "true"),
        param("ApproveIfWorkerAgreementScoreIsAtLeast", "100"),
        param("RejectIfWorkerAgreementScoreIsLessThan", "1"),
        param("RejectReason", "disagreed"),
        param("ExtendIfHITAgreementScoreIsLessThan", "100"),
    )
    review = simple_plurality(policy, "3HIT", workers)
    assert scores(review, "AnswerAgreementScore") == {"Q1": "66"}  # A4 disregarded
    assert [(i.ActionName, i.TargetId) for i in review.intents] == [
        ("approve", "A1"),
        ("approve", "A2"),
        ("reject", "A3"),
    ]
    assert review.intents[2].feedback == "disagreed"
    tied = simple_plurality(policy, "3HIT", workers[1:3])  # one each: 50 is not more than 50
    assert scores(tied, "HitAgreementScore") == {"3HIT": "0"}
    assert [i.ActionName for i in tied.intents] == ["extend"]


def test_known_answers_match_exactly_once_trimmed():
    policy = known_answers(Q1="A", Q2="B", Q3="C")
    document = answers_document([("Q1", " A "), ("Q2", "b"), ("Q3", "C")])
    given = {**answers_of(document), "Q3": frozenset({"C", "D"})}  # a set must be the same set
    review = score_my_known_answers(policy, "3ASSIGNMENT", "3HIT", given)
    assert scores(review, "KnownAnswerCorrect") == {"Q1": "1", "Q2": "0", "Q3": "0"}
    assert scores(review, "KnownAnswerScore") == {"3ASSIGNMENT": "33"}


# --- Through the API -----------------------------------------------------------------------------


@pytest.fixture
def lab(lab_server: InProcessServer, wire: WireChecker) -> support.Lab:
    lab_server.reset(empty=True)
    return support.Lab(lab_server, wire)


def create(lab: support.Lab, **fields: Any) -> str:
    params = {**TYPE, "LifetimeInSeconds": 3600, "Question": QUESTION, **fields}
    return lab.mturk.create_hit(**params)["HIT"]["HITId"]  # type: ignore[no-any-return]


def status(lab: support.Lab, assignment_id: str) -> tuple[str, str | None]:
    assignment = lab.mturk.get_assignment(AssignmentId=assignment_id)["Assignment"]
    return assignment["AssignmentStatus"], assignment.get("RequesterFeedback")


def test_known_answers_approve_and_reject_on_submission(lab):
    policy = known_answers(
        param("ApproveIfKnownAnswerScoreIsAtLeast", "100"),
        param("ApproveReason", "all correct"),
        param("RejectIfKnownAnswerScoreIsLessThan", "50"),
        param("RejectReason", "too many wrong"),
        Q1="A",
        Q2="B",
    )
    hit_id = create(lab, MaxAssignments=3, AssignmentReviewPolicy=policy)
    right = lab.server.worker("A1RIGHT").accept(hit_id)
    right.submit({"Q1": "A", "Q2": "B"})
    wrong = lab.server.worker("A2WRONG").accept(hit_id)
    wrong.submit({"Q1": "X", "Q2": "Y"})
    half = lab.server.worker("A3HALF").accept(hit_id)
    half.submit({"Q1": "A", "Q2": "Y"})
    assert status(lab, right.assignment_id) == ("Approved", "all correct")
    assert status(lab, wrong.assignment_id) == ("Rejected", "too many wrong")
    assert status(lab, half.assignment_id) == ("Submitted", None)  # 50: neither
    found = lab.mturk.list_review_policy_results_for_hit(HITId=hit_id)
    assert found["AssignmentReviewPolicy"] == policy
    report = found["AssignmentReviewReport"]
    by_subject = {
        (r["SubjectId"], r["Key"], r.get("QuestionId")): r["Value"] for r in report["ReviewResults"]
    }
    assert by_subject[(right.assignment_id, "KnownAnswerScore", None)] == "100"
    assert by_subject[(wrong.assignment_id, "KnownAnswerCorrect", "Q1")] == "0"
    assert by_subject[(half.assignment_id, "KnownAnswerScore", None)] == "50"
    actions = [(a["ActionName"], a["TargetId"], a["Status"]) for a in report["ReviewActions"]]
    assert actions == [
        ("approve", right.assignment_id, "Succeeded"),
        ("reject", wrong.assignment_id, "Succeeded"),
    ]
    assert all(a["TargetType"] == "Assignment" for a in report["ReviewActions"])
    assert found["HITReviewReport"] == {"ReviewResults": [], "ReviewActions": []}


def test_plurality_extends_a_hit_in_disagreement_until_its_cap(lab):
    policy = plurality(
        param("QuestionIds", "colour"),
        param("QuestionAgreementThreshold", "50"),
        param("DisregardAssignmentIfRejected", "false"),
        param("ExtendIfHITAgreementScoreIsLessThan", "100"),
        param("ExtendMaximumAssignments", "3"),
        param("ExtendMinimumTimeInSeconds", "7200"),
    )
    hit_id = create(lab, MaxAssignments=2, HITReviewPolicy=policy)
    lab.server.worker("A1").accept(hit_id).submit({"colour": "red"})
    lab.server.worker("A2").accept(hit_id).submit({"colour": "blue"})
    # Reviewable, then extended by one assignment and at least two hours: Assignable again.
    hit = lab.hit(hit_id)
    assert (hit["HITStatus"], hit["MaxAssignments"]) == ("Assignable", 3)
    assert hit["Expiration"] >= lab.now.replace(microsecond=0) + timedelta(hours=2)
    lab.server.worker("A3").accept(hit_id).submit({"colour": "green"})
    # Still no agreement; the cap of 3 is reached: the extension succeeds and does nothing.
    assert lab.counters(hit_id) == ("Reviewable", 0, 0, 0)
    report = lab.mturk.list_review_policy_results_for_hit(
        HITId=hit_id, PolicyLevels=["HIT"], RetrieveResults=False
    )
    assert (
        "AssignmentReviewReport" not in report and "ReviewResults" not in report["HITReviewReport"]
    )
    taken = report["HITReviewReport"]["ReviewActions"]
    assert [(a["ActionName"], a["Status"], a["TargetId"]) for a in taken] == [
        ("extend", "Succeeded", hit_id),
        ("extend", "Succeeded", hit_id),
    ]
    assert taken[1]["Result"] == "The HIT already has 3 assignments"


@pytest.mark.parametrize(
    ("member", "policy", "message"),
    [
        ("AssignmentReviewPolicy", plurality(param("QuestionIds", "q")), "PolicyName"),
        ("AssignmentReviewPolicy", known_answers(param("ExtendMaximumAssignments", "x")), "x"),
        ("HITReviewPolicy", plurality(param("QuestionAgreementThreshold", "50")), "QuestionIds"),
    ],
)
def test_a_bad_policy_is_refused_and_no_hit_is_made(lab, member, policy, message):
    with pytest.raises(lab.mturk.exceptions.ClientError) as caught:
        create(lab, **{member: policy})
    assert message in caught.value.response["Error"]["Message"]
    assert lab.mturk.list_hits()["NumResults"] == 0


def test_results_of_an_unknown_hit_are_refused(lab):
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        lab.mturk.list_review_policy_results_for_hit(HITId="3NOSUCHHIT")
    assert "3NOSUCHHIT does not exist" in caught.value.response["Error"]["Message"]
