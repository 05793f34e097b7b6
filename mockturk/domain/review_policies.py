"""MTurk's own automatic review: ScoreMyKnownAnswers and SimplePlurality, as pure functions.

A policy is given at creation (CreateHIT's AssignmentReviewPolicy, HITReviewPolicy). An
assignment policy is applied as soon as an assignment is submitted, a HIT policy when the HIT
becomes Reviewable; each gives results (scores) and intended actions (approve, reject, extend),
which the commit path carries out as the API's own operations do (:mod:`mockturk.state.changes`).

Answers match exactly after trimming surrounding whitespace: case and punctuation count, and a
set of values matches only the same set. Answers longer than 256 characters take no part in a
HIT policy. Scores are whole percents, rounded down (chosen: the documentation gives none with a
fraction).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockturk.domain.questions import ANSWERS_NAMESPACE

SCORE_MY_KNOWN_ANSWERS = "ScoreMyKnownAnswers/2011-09-01"
SIMPLE_PLURALITY = "SimplePlurality/2011-09-01"
APPROVE, REJECT, EXTEND = "approve", "reject", "extend"
ASSIGNMENT, HIT = "Assignment", "HIT"
LONGEST_COMPARED = 256
DEFAULT_EXTEND_MAXIMUM = 5

Answer = frozenset[str]
Answers = Mapping[str, Answer]  # QuestionIdentifier -> the values given


@dataclass(frozen=True, slots=True)
class Result:
    SubjectId: str
    SubjectType: str
    Key: str
    Value: str
    QuestionId: str | None = None


@dataclass(frozen=True, slots=True)
class Intent:
    """An action a policy means to take; ``feedback`` for approvals and rejections."""

    ActionName: str
    TargetId: str
    TargetType: str
    feedback: str | None = None
    extend_maximum: int = DEFAULT_EXTEND_MAXIMUM
    extend_seconds: int = 0


@dataclass(frozen=True, slots=True)
class Review:
    results: tuple[Result, ...]
    intents: tuple[Intent, ...]


# --- Reading what is given -------------------------------------------------------------------


def parameters(policy: Mapping[str, Any]) -> dict[str, list[str]]:
    """The policy's plain parameters: Key -> Values."""
    return {p["Key"]: list(p.get("Values", [])) for p in policy.get("Parameters", [])}


def answer_key(policy: Mapping[str, Any]) -> dict[str, Answer]:
    """ScoreMyKnownAnswers' AnswerKey: QuestionId -> the values the worker must give."""
    for parameter in policy.get("Parameters", []):
        if parameter["Key"] == "AnswerKey":
            return {
                entry["Key"]: frozenset(v.strip() for v in entry.get("Values", []))
                for entry in parameter.get("MapEntries", [])
            }
    return {}


def answers_of(document: str | None) -> dict[str, Answer]:
    """A QuestionFormAnswers document's answers: QuestionIdentifier -> values, trimmed."""
    if not document:
        return {}
    ns = f"{{{ANSWERS_NAMESPACE}}}"
    found: dict[str, Answer] = {}
    for answer in ET.fromstring(document).iterfind(f"{ns}Answer"):
        identifier = (answer.findtext(f"{ns}QuestionIdentifier") or "").strip()
        values = [
            (part.text or "").strip()
            for part in answer
            if part.tag in (f"{ns}FreeText", f"{ns}SelectionIdentifier", f"{ns}OtherSelectionText")
        ]
        found[identifier] = frozenset(values)
    return found


def _number(values: Mapping[str, list[str]], key: str) -> int | None:
    given = values.get(key)
    return int(given[0]) if given else None


def _text(values: Mapping[str, list[str]], key: str) -> str | None:
    given = values.get(key)
    return given[0] if given else None


def _flag(values: Mapping[str, list[str]], key: str) -> bool:
    return (_text(values, key) or "").lower() == "true"


def percent(part: int, whole: int) -> int:
    return part * 100 // whole if whole else 0


def _extension(values: Mapping[str, list[str]], hit_id: str) -> Intent:
    return Intent(
        EXTEND,
        hit_id,
        HIT,
        extend_maximum=_number(values, "ExtendMaximumAssignments") or DEFAULT_EXTEND_MAXIMUM,
        extend_seconds=_number(values, "ExtendMinimumTimeInSeconds") or 0,
    )


# --- ScoreMyKnownAnswers/2011-09-01 -------------------------------------------------------------


def known_answer_score(policy: Mapping[str, Any], answers: Answers) -> int:
    key = answer_key(policy)
    correct = sum(1 for q, expected in key.items() if answers.get(q) == expected)
    return percent(correct, len(key))


def score_my_known_answers(
    policy: Mapping[str, Any], assignment_id: str, hit_id: str, answers: Answers
) -> Review:
    values = parameters(policy)
    key = answer_key(policy)
    results = [
        Result(assignment_id, ASSIGNMENT, "KnownAnswerCorrect", str(int(answers.get(q) == e)), q)
        for q, e in key.items()
    ]
    score = known_answer_score(policy, answers)
    results.append(Result(assignment_id, ASSIGNMENT, "KnownAnswerScore", str(score)))
    intents: list[Intent] = []
    approve_at = _number(values, "ApproveIfKnownAnswerScoreIsAtLeast")
    reject_below = _number(values, "RejectIfKnownAnswerScoreIsLessThan")
    extend_below = _number(values, "ExtendIfKnownAnswerScoreIsLessThan")
    # Chosen: when both thresholds hold, approval wins (work cannot be both).
    if approve_at is not None and score >= approve_at:
        intents.append(Intent(APPROVE, assignment_id, ASSIGNMENT, _text(values, "ApproveReason")))
    elif reject_below is not None and score < reject_below:
        intents.append(
            Intent(REJECT, assignment_id, ASSIGNMENT, _text(values, "RejectReason") or "")
        )
    if extend_below is not None and score < extend_below:
        intents.append(_extension(values, hit_id))
    return Review(tuple(results), tuple(intents))


# --- SimplePlurality/2011-09-01 ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Submission:
    """One assignment's part in a HIT policy."""

    assignment_id: str
    answers: Answers
    rejected: bool = False
    known_answer_score: int | None = None


def question_ids(values: Mapping[str, list[str]]) -> list[str]:
    """QuestionIds (or the data-structure example's QuestionIDs), as values or comma-separated."""
    given = values.get("QuestionIds") or values.get("QuestionIDs") or []
    return [q.strip() for value in given for q in value.split(",") if q.strip()]


def simple_plurality(
    policy: Mapping[str, Any], hit_id: str, submissions: Sequence[Submission]
) -> Review:
    values = parameters(policy)
    threshold = _number(values, "QuestionAgreementThreshold") or 0
    least_known = _number(values, "DisregardAssignmentIfKnownAnswerScoreIsLessThan")
    counted = [
        s
        for s in submissions
        if not (s.rejected and _flag(values, "DisregardAssignmentIfRejected"))
        and not (
            least_known is not None
            and s.known_answer_score is not None
            and s.known_answer_score < least_known
        )
    ]
    results: list[Result] = []
    agreed: dict[str, Answer] = {}
    questions = question_ids(values)
    for question in questions:
        given = [
            a
            for s in counted
            if (a := s.answers.get(question)) is not None and all(len(v) <= 256 for v in a)
        ]
        if not given:
            results.append(Result(hit_id, HIT, "AgreedAnswerFound", "false", question))
            continue
        answer, votes = Counter(given).most_common(1)[0]
        score = percent(votes, len(given))
        found = score > threshold
        results.append(Result(hit_id, HIT, "AgreedAnswerFound", str(found).lower(), question))
        results.append(Result(hit_id, HIT, "AnswerAgreementScore", str(score), question))
        if found:
            agreed[question] = answer
            results.append(Result(hit_id, HIT, "AgreedAnswer", "|".join(sorted(answer)), question))
    hit_score = percent(len(agreed), len(questions))
    results.append(Result(hit_id, HIT, "HitAgreementScore", str(hit_score)))
    intents: list[Intent] = []
    approve_at = _number(values, "ApproveIfWorkerAgreementScoreIsAtLeast")
    reject_below = _number(values, "RejectIfWorkerAgreementScoreIsLessThan")
    for submission in counted:
        compared = [q for q in agreed if q in submission.answers]
        if not compared:
            continue  # chosen: no agreed answer to compare with, no score and no action
        matching = sum(1 for q in compared if submission.answers[q] == agreed[q])
        worker_score = percent(matching, len(compared))
        results.append(
            Result(submission.assignment_id, ASSIGNMENT, "WorkerAgreementScore", str(worker_score))
        )
        if approve_at is not None and worker_score >= approve_at:
            intents.append(Intent(APPROVE, submission.assignment_id, ASSIGNMENT))
        elif reject_below is not None and worker_score < reject_below:
            reason = _text(values, "RejectReason") or ""
            intents.append(Intent(REJECT, submission.assignment_id, ASSIGNMENT, reason))
    extend_below = _number(values, "ExtendIfHITAgreementScoreIsLessThan")
    if extend_below is not None and hit_score < extend_below:
        intents.append(_extension(values, hit_id))
    return Review(tuple(results), tuple(intents))
