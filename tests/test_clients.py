"""The requester workflows of psiTurk, Dallinger, Mephisto, oTree and ParlAI, call by call.

Each test replays one tool's workflow as that tool makes its MTurk calls: the same operations in
the same order, with the same argument shapes, reading back exactly what the tool reads from the
answers and matching the error texts it matches. Every sequence names the file it follows
(repository @ commit: path). Simulated workers do the work; the frozen clock moves for time to
pass, and stands in for the real clock wherever a tool reads that.

Notifications answer 501 for now: the parts of a workflow that need them (SNS subscriptions,
UpdateNotificationSettings) are left out, each where it would happen. The tools' screening of
workers (qualification types of their own, grants, revokes, blocks and messages) is replayed in
its own section at the end.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import boto3
import pytest
import support
from botocore.exceptions import ClientError
from support import WireChecker, check_response, checked, raw_request

from mockturk.testing import ControlError, InProcessServer

START = support.LAB_START
EXTERNAL_QUESTION_SCHEMA = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/"
    "ExternalQuestion.xsd"
)
APPROVAL_RATE, LOCALE = "000000000000000000L0", "00000000000000000071"


class Lab(support.Lab):
    """The shared lab, and what the tools' own calls need."""

    def __init__(self, server: InProcessServer, wire: WireChecker) -> None:
        super().__init__(server, wire)
        self._calls = itertools.count(1)

    def worker(self, worker_id: str) -> Any:
        return self.server.worker(worker_id)

    def external_submit(self, fields: dict[str, str]) -> None:
        """A task page's form posted to /mturk/externalSubmit, as the worker's browser posts it."""
        response = raw_request(
            self.server,
            path="/mturk/externalSubmit",
            body=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status == 200 and b"submitted" in response.body

    def time_token(self) -> str:
        """A token shaped as ``str(time.time())``, distinct on every call (the clock is frozen)."""
        return str(self.now.timestamp() + next(self._calls) / 1000)


@pytest.fixture
def lab(lab_server: InProcessServer, wire: WireChecker) -> Lab:
    lab_server.reset(empty=True)  # the clock too goes back to START
    return Lab(lab_server, wire)


def refusal(call: Callable[[], Any]) -> ClientError:
    """The error a call raises; the tools read it as ``str(error)`` or its ``Error.Message``."""
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def external_question(url: str, frame_height: int) -> str:
    return (
        f'<ExternalQuestion xmlns="{EXTERNAL_QUESTION_SCHEMA}"><ExternalURL>{url}</ExternalURL>'
        f"<FrameHeight>{frame_height}</FrameHeight></ExternalQuestion>"
    )


def answers_of(document: str) -> dict[str, str | None]:
    """QuestionFormAnswers as the tools read it: each Answer's QuestionIdentifier and FreeText."""
    root = ElementTree.fromstring(document)
    assert root.tag.endswith("}QuestionFormAnswers")
    return {answer[0].text or "": answer[1].text for answer in root}


# --- Dallinger -----------------------------------------------------------------------------------
# Dallinger/Dallinger @ 7e9c279: dallinger/mturk.py (MTurkService), as dallinger/recruiters.py
# (MTurkRecruiter) and dallinger/command_line/__init__.py (hits, expire, extend_mturk_hit) use it.

# MTurkQualificationRequirements.min_approval(95) and restrict_to_countries(["US"]).
DALLINGER_REQUIREMENTS = [
    {
        "QualificationTypeId": APPROVAL_RATE,
        "Comparator": "GreaterThanOrEqualTo",
        "IntegerValues": [95],
        "RequiredToPreview": True,
    },
    {
        "QualificationTypeId": LOCALE,
        "Comparator": "EqualTo",
        "LocaleValues": [{"Country": "US"}],
        "RequiredToPreview": True,
    },
]
DALLINGER_AD = "https://dlgr-3e2a1b.herokuapp.com/ad?recruiter=mturk"


def dallinger_hit(hit: dict[str, Any]) -> dict[str, Any]:
    """What MTurkService._translate_hit reads of a HIT: all indexed but Keywords and
    RequesterAnnotation, so a member missing here would fail Dallinger too."""
    return {
        "id": hit["HITId"],
        "type_id": hit["HITTypeId"],
        "created": hit["CreationTime"],
        "expiration": hit["Expiration"],
        "max_assignments": hit["MaxAssignments"],
        "title": hit["Title"],
        "description": hit["Description"],
        "keywords": [w.strip() for w in hit.get("Keywords", "").split(",") if w.strip()],
        "qualification_type_ids": [
            q["QualificationTypeId"] for q in hit["QualificationRequirements"]
        ],
        "reward": float(hit["Reward"]),
        "review_status": hit["HITReviewStatus"],
        "status": hit["HITStatus"],
        "annotation": hit.get("RequesterAnnotation"),
        "counters": (
            hit["NumberOfAssignmentsAvailable"],
            hit["NumberOfAssignmentsPending"],
            hit["NumberOfAssignmentsCompleted"],
        ),
    }


def dallinger_ok(response: dict[str, Any]) -> bool:
    """MTurkService._is_ok: an empty answer, nothing but boto3's ResponseMetadata."""
    return response == {} or list(response) == ["ResponseMetadata"]


def dallinger_request(experiment_id: str, **changes: Any) -> dict[str, Any]:
    """MTurkRecruiter.open_recruitment's hit_request, from a made-up configuration."""
    return {
        "title": f"Chain game ({experiment_id})",
        "description": "Pass a drawing on to the next player.",
        "keywords": ["game", "drawing"],
        "reward": 1.0,  # the config's base_payment, a float
        "duration_hours": 0.5,
        "lifetime_days": 1,
        "question": external_question(DALLINGER_AD, 600),
        "max_assignments": 1,
        "annotation": experiment_id,
        "qualifications": DALLINGER_REQUIREMENTS,
        **changes,
    }


def dallinger_create_hit(lab: Lab, request: dict[str, Any]) -> dict[str, Any]:
    """MTurkService.create_hit: _register_hit_type, then CreateHITWithHITType."""
    type_id = lab.mturk.create_hit_type(
        Title=request["title"],
        Description=request["description"],
        Reward=str(request["reward"]),
        AssignmentDurationInSeconds=int(timedelta(hours=request["duration_hours"]).total_seconds()),
        Keywords=",".join(request["keywords"]),
        AutoApprovalDelayInSeconds=0,
        QualificationRequirements=request["qualifications"],
    )["HITTypeId"]
    # do_subscribe: an SNS topic and UpdateNotificationSettings come here (notifications).
    params = {
        "HITTypeId": type_id,
        "Question": request["question"],
        "LifetimeInSeconds": int(timedelta(days=request["lifetime_days"]).total_seconds()),
        "MaxAssignments": request["max_assignments"],
        "UniqueRequestToken": lab.time_token(),
    }
    if request["annotation"]:
        params["RequesterAnnotation"] = request["annotation"]
    response = lab.mturk.create_hit_with_hit_type(**params)
    assert "HIT" in response
    return dallinger_hit(response["HIT"])


def dallinger_get_assignment(lab: Lab, assignment_id: str) -> dict[str, Any] | None:
    """MTurkService.get_assignment: None when the error says "does not exist"."""
    try:
        shown = lab.mturk.get_assignment(AssignmentId=assignment_id)["Assignment"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return {
        "id": shown["AssignmentId"],
        "status": shown["AssignmentStatus"],
        "hit_id": shown["HITId"],
        "worker_id": shown["WorkerId"],
    }


def dallinger_expire(lab: Lab, hit_id: str) -> None:
    """MTurkService.expire_hit."""
    lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)


def dallinger_disable(lab: Lab, hit_id: str) -> bool:
    """MTurkService.disable_hit (its SNS subscription cancel is a notification: left out)."""
    dallinger_expire(lab, hit_id)
    try:
        return dallinger_ok(lab.mturk.delete_hit(HITId=hit_id))
    except ClientError as error:
        if "currently in the state 'Disposed'" in str(error):
            return True  # already deleted
        raise


def dallinger_hits(lab: Lab, experiment_id: str) -> list[dict[str, Any]]:
    """MTurkService.get_hits with `dallinger hits --app`'s filter on the annotation."""
    found, token = [], None
    while True:
        page = (
            lab.mturk.list_hits(MaxResults=100, NextToken=token)
            if token is not None
            else lab.mturk.list_hits(MaxResults=100)
        )
        found += [dallinger_hit(h) for h in page["HITs"]]
        if "NextToken" not in page:
            return [h for h in found if h["annotation"] == experiment_id]
        token = page["NextToken"]


def test_dallinger_recruits_approves_and_bonuses(lab):
    # check_credentials, then the dashboard's account_balance.
    assert bool(lab.mturk.get_account_balance())
    assert float(lab.mturk.get_account_balance()["AvailableBalance"]) == 10000.0
    hit = dallinger_create_hit(lab, dallinger_request("3e2a1b", max_assignments=2))
    assert hit["created"] == lab.now and hit["expiration"] == lab.now + timedelta(days=1)
    assert (hit["max_assignments"], hit["reward"], hit["annotation"]) == (2, 1.0, "3e2a1b")
    assert hit["keywords"] == ["game", "drawing"]
    assert hit["qualification_type_ids"] == [APPROVAL_RATE, LOCALE]
    assert (hit["status"], hit["review_status"], hit["counters"]) == (
        "Assignable",
        "NotReviewed",
        (2, 0, 0),
    )
    assert float(lab.mturk.get_account_balance()["AvailableBalance"]) == 10000.0 - 2.40

    done = lab.worker("A1FINISHER").accept(hit["id"])
    # The exit page (templates/exit_recruiter_mturk.html) posts only the three IDs.
    lab.external_submit(
        {"assignmentId": done.assignment_id, "hitId": hit["id"], "workerId": "A1FINISHER"}
    )
    # AutoApprovalDelayInSeconds=0 approves at once, so approve_hit's ApproveAssignment fails,
    # and Dallinger reads the assignment to report why.
    refusal(lambda: lab.mturk.approve_assignment(AssignmentId=done.assignment_id))
    assert dallinger_get_assignment(lab, done.assignment_id) == {
        "id": done.assignment_id,
        "status": "Approved",
        "hit_id": hit["id"],
        "worker_id": "A1FINISHER",
    }

    # reward_bonus -> grant_bonus: the worker from GetAssignment, then SendBonus.
    worker_id = dallinger_get_assignment(lab, done.assignment_id)["worker_id"]
    assert dallinger_ok(
        lab.mturk.send_bonus(
            WorkerId=worker_id,
            BonusAmount=f"{0.75:.2f}",
            AssignmentId=done.assignment_id,
            Reason="Thank you for playing well.",
            UniqueRequestToken=lab.time_token(),
        )
    )
    assert lab.balance() == Decimal("10000.00") - Decimal("2.40") - Decimal("0.90")

    # notify_duration_exceeded: _mturk_status_for a worker still at work gets no status (the
    # error does not say "does not exist", so get_assignment raises); then expire_hit.
    slow = lab.worker("A2SLOW").accept(hit["id"])
    lab.advance(29 * 60)
    error = refusal(lambda: dallinger_get_assignment(lab, slow.assignment_id))
    assert "does not exist" not in str(error)
    dallinger_expire(lab, hit["id"])
    assert dallinger_hit(lab.mturk.get_hit(HITId=hit["id"])["HIT"])["status"] == "Unassignable"
    lab.advance(60)  # the slow worker's time runs out
    shown = dallinger_hit(lab.mturk.get_hit(HITId=hit["id"])["HIT"])
    assert (shown["status"], shown["counters"]) == ("Reviewable", (1, 0, 1))
    assert dallinger_get_assignment(lab, slow.assignment_id) is None
    assert dallinger_get_assignment(lab, "3NOSUCHASSIGNMENT") is None
    assert lab.balance() == Decimal("10000.00") - Decimal("1.20") - Decimal("0.90")


def test_dallinger_sandbox_test_expectations_hold(lab):
    # tests/test_mturk.py's TestMTurkService, which ran against the real sandbox: its hit_config
    # (34 seconds to live, $0.01) and its 15-second waits before changing a HIT.
    request = dallinger_request("some-experiment-id", lifetime_days=0.0004, reward=0.01)
    request.update(duration_hours=0.25, keywords=["testkw1", "testkw2"])
    hit = dallinger_create_hit(lab, request)
    assert (hit["status"], hit["max_assignments"]) == ("Assignable", 1)
    assert hit["expiration"] == hit["created"] + timedelta(seconds=34)
    lab.advance(15)
    # test_extend_hit_with_valid_hit_id: extend_hit(number=1, duration_hours=0.25).
    lab.mturk.create_additional_assignments_for_hit(
        HITId=hit["id"], NumberOfAdditionalAssignments=1, UniqueRequestToken=lab.time_token()
    )
    lab.mturk.update_expiration_for_hit(
        HITId=hit["id"], ExpireAt=hit["expiration"] + timedelta(hours=0.25)
    )
    updated = dallinger_hit(lab.mturk.get_hit(HITId=hit["id"])["HIT"])
    assert updated["max_assignments"] == 2
    assert updated["expiration"] >= hit["expiration"] + timedelta(hours=0.25 - 0.01)
    # test_disable_hit_with_valid_hit_ids, and the two "dud" HIT IDs that must raise.
    assert dallinger_disable(lab, hit["id"]) is True
    refusal(
        lambda: lab.mturk.create_additional_assignments_for_hit(
            HITId="dud", NumberOfAdditionalAssignments=1, UniqueRequestToken=lab.time_token()
        )
    )
    refusal(lambda: dallinger_disable(lab, "dud"))


DALLINGER_COMPENSATION = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><head>'
    '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"/></head><body>'
    '<form name="mturk_form" method="post" id="mturk_form" '
    'action="https://workersandbox.mturk.com/mturk/externalSubmit">'
    '<input type="hidden" value="" name="assignmentId" id="assignmentId"/>'
    "<h1>Compensation HIT</h1><p>We will compensate you upon submission of this HIT.</p>"
    '<input type="hidden" name="some-input-required" value="anything" ></input>'
    '<input type="submit" id="submitButton" value="Submit" /></p></form></body></html>]]>'
    "</HTMLContent><FrameHeight>600</FrameHeight></HTMLQuestion>"
)


def test_dallinger_compensation_hit_pays_on_submission(lab):
    # MTurkRecruiter.compensate_worker (MTurkQuestions.compensation). The qualification that
    # shows the HIT to this worker alone (CreateQualificationType, AssociateQualificationWith
    # Worker) is left out, as Dallinger's own sandbox test test_create_compensation_hit does.
    request = dallinger_request(
        "(compensation only)",
        title="Dallinger Compensation HIT",
        description="For compensation only; no task required.",
        keywords=[],
        reward=float("5"),  # float(dollars), as the command line gives them
        duration_hours=1,
        lifetime_days=3,
        question=DALLINGER_COMPENSATION,
        annotation=None,
        qualifications=[],
    )
    hit = dallinger_create_hit(lab, request)
    assert (hit["title"], hit["reward"], hit["keywords"], hit["annotation"]) == (
        "Dallinger Compensation HIT",
        5.0,
        [],
        None,
    )
    assert lab.balance() == Decimal("10000.00") - Decimal("6.00")  # held: $5.00 and its fee
    work = lab.worker("A1OWED").accept(hit["id"])
    lab.external_submit({"assignmentId": work.assignment_id, "some-input-required": "anything"})
    assert dallinger_get_assignment(lab, work.assignment_id)["status"] == "Approved"
    assert lab.balance() == Decimal("10000.00") - Decimal("6.00")  # paid from what was held


def test_dallinger_recruit_extends_the_hit(lab):
    hit = dallinger_create_hit(lab, dallinger_request("3e2a1b", qualifications=[]))
    lab.worker("A1FIRST").accept(hit["id"])
    expiration = hit["expiration"]
    for extension in (1, 2):
        # recruit(n=1) -> extend_hit(number=1, duration_hours=the config's duration).
        assert dallinger_ok(
            lab.mturk.create_additional_assignments_for_hit(
                HITId=hit["id"],
                NumberOfAdditionalAssignments=1,
                UniqueRequestToken=lab.time_token(),
            )
        )
        # update_expiration_for_hit: the HIT's expiration plus the hours.
        current = dallinger_hit(lab.mturk.get_hit(HITId=hit["id"])["HIT"])["expiration"]
        assert dallinger_ok(
            lab.mturk.update_expiration_for_hit(
                HITId=hit["id"], ExpireAt=current + timedelta(hours=0.5)
            )
        )
        shown = dallinger_hit(lab.mturk.get_hit(HITId=hit["id"])["HIT"])
        assert shown["max_assignments"] == 1 + extension
        assert shown["expiration"] == expiration + extension * timedelta(hours=0.5)
        assert (shown["status"], shown["counters"]) == ("Assignable", (extension, 1, 0))
    # `dallinger extend_mturk_hit` without --duration_hours adds assignments only.
    lab.mturk.create_additional_assignments_for_hit(
        HITId=hit["id"], NumberOfAdditionalAssignments=2, UniqueRequestToken=lab.time_token()
    )
    shown = dallinger_hit(lab.mturk.get_hit(HITId=hit["id"])["HIT"])
    assert shown["max_assignments"] == 5 and shown["expiration"] == expiration + timedelta(hours=1)


def test_dallinger_lists_expires_and_disables_hits(lab):
    ours = [dallinger_create_hit(lab, dallinger_request("exp-a")) for _ in range(2)]
    dallinger_create_hit(lab, dallinger_request("exp-b"))
    assert {h["id"] for h in dallinger_hits(lab, "exp-a")} == {h["id"] for h in ours}

    # `dallinger expire --app exp-a`: every HIT of the experiment, whatever its state.
    for hit in dallinger_hits(lab, "exp-a"):
        dallinger_expire(lab, hit["id"])
    assert {(h["status"], h["expiration"]) for h in dallinger_hits(lab, "exp-a")} == {
        ("Reviewable", lab.now)
    }

    first = ours[0]["id"]
    assert dallinger_disable(lab, first) is True
    assert dallinger_disable(lab, first) is True  # expired and deleted already: still fine
    error = refusal(lambda: lab.mturk.delete_hit(HITId=first))
    assert "currently in the state 'Disposed'" in str(error)
    assert [h["id"] for h in dallinger_hits(lab, "exp-a")] == [ours[1]["id"]]
    # `dallinger hit_details` (get_study) still shows the deleted HIT.
    assert lab.mturk.get_hit(HITId=first)["HIT"]["HITStatus"] == "Disposed"

    # `dallinger copy_qualifications` writes get_study's requirements to a JSON file, which a
    # later run gives back as mturk_qualification_requirements: the same requirements again.
    copied = lab.mturk.get_hit(HITId=ours[1]["id"])["HIT"]["QualificationRequirements"]
    again = json.loads(json.dumps(copied, default=str))
    copy_id = dallinger_create_hit(lab, dallinger_request("exp-c", qualifications=again))["id"]
    assert lab.mturk.get_hit(HITId=copy_id)["HIT"]["QualificationRequirements"] == copied


# --- psiTurk -------------------------------------------------------------------------------------
# NYUCCL/psiTurk @ af00724: psiturk/amt_services.py (MTurkServices), as
# psiturk/amt_services_wrapper.py (MTurkServicesWrapper) uses it.

# MTurkServices.configure_hit with Approve_Requirement 95, number_hits_approved 0, US_only; the
# require/block qualification IDs name qualification types of one's own (left out).
PSITURK_REQUIREMENTS = [
    {
        "QualificationTypeId": APPROVAL_RATE,
        "Comparator": "GreaterThanOrEqualTo",
        "IntegerValues": [95],
    },
    {
        "QualificationTypeId": "00000000000000000040",
        "Comparator": "GreaterThanOrEqualTo",
        "IntegerValues": [0],
    },
    {"QualificationTypeId": LOCALE, "Comparator": "EqualTo", "LocaleValues": [{"Country": "US"}]},
]


def psiturk_hit(hit: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What MTurkServices._hit_xml_to_object reads of a HIT. psiTurk compares the Expiration
    with the real time in its own zone; the server's clock stands in for that here."""
    return {
        "hitid": hit["HITId"],
        "title": hit["Title"],
        "status": hit["HITStatus"],
        "max_assignments": hit["MaxAssignments"],
        "completed": hit["NumberOfAssignmentsCompleted"],
        "pending": hit["NumberOfAssignmentsPending"],
        "available": hit["NumberOfAssignmentsAvailable"],
        "creation_time": hit["CreationTime"],
        "expiration": hit["Expiration"],
        "is_expired": now.astimezone(hit["Expiration"].tzinfo) >= hit["Expiration"],
        "duration_in_seconds": hit["AssignmentDurationInSeconds"],
        "reward": hit["Reward"],
        "description": hit["Description"],
        "number_submissions_needing_action": hit["MaxAssignments"]
        - hit["NumberOfAssignmentsCompleted"]
        - hit["NumberOfAssignmentsPending"]
        - hit["NumberOfAssignmentsAvailable"],
    }


def psiturk_all_hits(lab: Lab) -> list[dict[str, Any]]:
    """MTurkServices.get_all_hits: botocore's list_hits paginator."""
    pages = lab.mturk.get_paginator("list_hits").paginate()
    return [psiturk_hit(hit, lab.now) for page in pages for hit in page["HITs"]]


def psiturk_get_hit(lab: Lab, hit_id: str) -> dict[str, Any]:
    return psiturk_hit(lab.mturk.get_hit(HITId=hit_id)["HIT"], lab.now)


def psiturk_assignments(lab: Lab, hit_id: str, status: str | None) -> list[dict[str, Any]]:
    """MTurkServices.get_assignments: the list_assignments_for_hit paginator, one status."""
    args: dict[str, Any] = {"HITId": hit_id}
    if status:
        args["AssignmentStatuses"] = [status]
    pages = lab.mturk.get_paginator("list_assignments_for_hit").paginate(**args)
    return [
        {
            "hitId": a["HITId"],
            "assignmentId": a["AssignmentId"],
            "workerId": a["WorkerId"],
            "submit_time": a["SubmitTime"],
            "accept_time": a["AcceptTime"],
            "status": a["AssignmentStatus"],
        }
        for page in pages
        for a in page["Assignments"]
    ]


def psiturk_create_hit(lab: Lab, num_workers: int) -> str:
    """MTurkServicesWrapper.create_hit -> MTurkServices.create_hit (configure_hit)."""
    hit_type = lab.mturk.create_hit_type(
        Title="Stroop task",
        Description="Judge the color of words as fast as you can.",
        Reward="1.00",  # str() of the command's reward
        AssignmentDurationInSeconds=int(timedelta(hours=1).total_seconds()),
        Keywords="stroop, psychology, reaction time",
        QualificationRequirements=PSITURK_REQUIREMENTS,
    )
    ad_url = "https://psiturk.example.edu/ad?mode=sandbox"
    return lab.mturk.create_hit_with_hit_type(
        HITTypeId=hit_type["HITTypeId"],
        Question=external_question(ad_url, 600),
        LifetimeInSeconds=int(timedelta(hours=24).total_seconds()),
        MaxAssignments=num_workers,
    )["HIT"]["HITId"]


def psiturk_extend(lab: Lab, hit_id: str, assignments: int | None, minutes: int | None) -> None:
    """MTurkServices.extend_hit: more assignments, then the expiration plus the minutes."""
    if assignments:
        lab.mturk.create_additional_assignments_for_hit(
            HITId=hit_id, NumberOfAdditionalAssignments=int(assignments)
        )
    if minutes:
        expiration = psiturk_get_hit(lab, hit_id)["expiration"] + timedelta(minutes=minutes)
        lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=expiration)


def psiturk_expire(lab: Lab, hit_id: str) -> None:
    """MTurkServices.expire_hit: ExpireAt 30 days before now (the server's now stands in)."""
    lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=lab.now + timedelta(-30))


def psiturk_counts(hits: list[dict[str, Any]]) -> tuple[int, int, int]:
    """The wrapper's count_available, count_pending and count_maybe_will_complete."""
    available = sum(h["available"] for h in hits if h["status"] == "Assignable")
    pending = sum(h["pending"] for h in hits if h["status"] in ("Assignable", "Unassignable"))
    maybe = sum(
        h["pending"] + h["available"] if h["status"] == "Assignable" else h["pending"]
        for h in hits
        if h["status"] in ("Assignable", "Unassignable")
    )
    return available, pending, maybe


def test_psiturk_runs_a_study_from_create_to_delete(lab):
    lab.mturk.get_account_balance()  # verify_aws_login
    assert lab.mturk.get_account_balance()["AvailableBalance"] == "10000.00"  # check_balance
    hit_id = psiturk_create_hit(lab, 2)
    [hit] = psiturk_all_hits(lab)
    assert (hit["hitid"], hit["title"], hit["reward"], hit["duration_in_seconds"]) == (
        hit_id,
        "Stroop task",
        "1.00",
        3600,
    )
    assert (hit["status"], hit["is_expired"], hit["creation_time"]) == ("Assignable", False, START)
    assert hit["expiration"].tzinfo is not None  # psiTurk reads the time in its zone

    first = lab.worker("A1FIRST").accept(hit_id)
    first.submit({"trials": "[...]"})
    at_work = lab.worker("A2SECOND").accept(hit_id)
    hit = psiturk_get_hit(lab, hit_id)
    assert (hit["status"], hit["number_submissions_needing_action"]) == ("Unassignable", 1)
    assert psiturk_counts(psiturk_all_hits(lab)) == (0, 1, 1)

    # `hit extend`: one more assignment and 30 more minutes.
    psiturk_extend(lab, hit_id, assignments=1, minutes=30)
    hit = psiturk_get_hit(lab, hit_id)
    assert (hit["status"], hit["max_assignments"], hit["available"]) == ("Assignable", 3, 1)
    assert hit["expiration"] == START + timedelta(hours=24, minutes=30)
    assert psiturk_counts(psiturk_all_hits(lab)) == (1, 1, 2)
    third = lab.worker("A3THIRD").accept(hit_id)
    lab.advance(60)
    third.submit({"trials": "[...]"})

    submitted = psiturk_assignments(lab, hit_id, "Submitted")
    assert [(a["workerId"], a["status"]) for a in submitted] == [
        ("A1FIRST", "Submitted"),
        ("A3THIRD", "Submitted"),
    ]
    assert submitted[1]["submit_time"] - submitted[1]["accept_time"] == timedelta(seconds=60)
    # approve_assignment, reject_assignment, then unreject_assignment (an override).
    lab.mturk.approve_assignment(AssignmentId=first.assignment_id, OverrideRejection=False)
    lab.mturk.reject_assignment(AssignmentId=third.assignment_id, RequesterFeedback="")
    assert [a["workerId"] for a in psiturk_assignments(lab, hit_id, "Rejected")] == ["A3THIRD"]
    lab.mturk.approve_assignment(AssignmentId=third.assignment_id, OverrideRejection=True)
    assert psiturk_assignments(lab, hit_id, "Rejected") == []
    assert len(psiturk_assignments(lab, hit_id, None)) == 2

    # bonus_assignment without a worker ID: GetAssignment, then SendBonus with str(amount).
    worker_id = lab.mturk.get_assignment(AssignmentId=third.assignment_id)["Assignment"]["WorkerId"]
    lab.mturk.send_bonus(
        WorkerId=worker_id,
        AssignmentId=third.assignment_id,
        BonusAmount=str(1.5),
        Reason="For accuracy",
    )

    # `hit delete` of a HIT with work in progress fails; `hit expire`, then `hit delete --all`
    # deletes the Reviewable HITs nobody's work waits in.
    refusal(lambda: lab.mturk.delete_hit(HITId=hit_id))
    at_work.return_()
    psiturk_expire(lab, hit_id)
    hit = psiturk_get_hit(lab, hit_id)
    assert (hit["status"], hit["is_expired"], hit["number_submissions_needing_action"]) == (
        "Reviewable",
        True,
        0,
    )
    for hit in psiturk_all_hits(lab):
        if hit["status"] == "Reviewable" and hit["number_submissions_needing_action"] == 0:
            lab.mturk.delete_hit(HITId=hit["hitid"])
    assert psiturk_all_hits(lab) == []
    # Two approvals of $1.00 with their fees, and a $1.50 bonus with its fee.
    assert lab.mturk.get_account_balance()["AvailableBalance"] == "9995.80"


def test_psiturk_filters_active_and_reviewable_hits(lab):
    live, expired, unreviewed = (psiturk_create_hit(lab, 1) for _ in range(3))
    psiturk_expire(lab, expired)
    lab.worker("A1WORKER").accept(unreviewed).submit({})
    hits = {h["hitid"]: h for h in psiturk_all_hits(lab)}
    # get_active_hits: not expired; get_reviewable_hits: Reviewable or Reviewing.
    assert {i for i, h in hits.items() if not h["is_expired"]} == {live, unreviewed}
    assert {i for i, h in hits.items() if h["status"] in ("Reviewable", "Reviewing")} == {
        expired,
        unreviewed,
    }
    # delete_all_hits leaves the HIT whose submission needs action.
    assert hits[unreviewed]["number_submissions_needing_action"] == 1
    assert hits[expired]["number_submissions_needing_action"] == 0


# --- Mephisto ------------------------------------------------------------------------------------
# facebookresearch/Mephisto @ 4e99247: mephisto/abstractions/providers/mturk/mturk_utils.py, as
# mturk_provider.py (setup_resources_for_task_run), mturk_unit.py (launch, get_status, expire,
# get_pay_amount), mturk_agent.py (approve_work, reject_work,
# attempt_to_reconcile_submitted_data), mturk_worker.py (bonus_worker), mturk_requester.py
# (get_available_budget) and mephisto/scripts/mturk/cleanup.py use them.

MEPHISTO_PAGE = "https://mephisto.example.org/?worker_id=x&assignment_id=y"


def test_a_client_built_as_mephisto_builds_it_reaches_the_server(lab, monkeypatch, wire):
    # MTurkDatastore.get_client_for_requester: boto3.Session(...).client("mturk") names no
    # endpoint, so botocore's AWS_ENDPOINT_URL_MTURK reaches it; client_is_sandbox is then
    # false (the sandbox's URL is compared), so Mephisto adds its default locale requirement.
    monkeypatch.setenv("AWS_ENDPOINT_URL_MTURK", lab.server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "mock")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "mock")
    client = checked(boto3.Session(region_name="us-east-1").client("mturk"), wire)
    assert client.meta.endpoint_url == lab.server.endpoint_url
    assert client.meta.endpoint_url != "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
    assert float(client.get_account_balance()["AvailableBalance"]) == 10000.0


def mephisto_hit_type(lab: Lab) -> str:
    """mturk_utils.create_hit_type. The task's qualifications are converted through
    find_or_create_qualification (left out); a client whose endpoint is not the sandbox's counts
    as live, so the default locale requirement is added."""
    return lab.mturk.create_hit_type(
        AutoApprovalDelayInSeconds=7 * 24 * 3600,
        AssignmentDurationInSeconds=1800,
        Reward=str(0.5),
        Title="Rate a conversation",
        Keywords=",".join(["chat", "dialogue"]),
        Description="Read a short conversation and rate it.",
        QualificationRequirements=[
            {
                "QualificationTypeId": LOCALE,
                "Comparator": "In",
                "LocaleValues": [{"Country": c} for c in ("US", "CA", "GB", "AU", "NZ")],
                "ActionsGuarded": "DiscoverPreviewAndAccept",
            }
        ],
    )["HITTypeId"]


def mephisto_launch(lab: Lab, hit_type_id: str) -> str:
    """MTurkUnit.launch -> mturk_utils.create_hit_with_hit_type, the page URL's & escaped."""
    response = lab.mturk.create_hit_with_hit_type(
        HITTypeId=hit_type_id,
        MaxAssignments=1,
        LifetimeInSeconds=60 * 60 * 24 * 31,
        Question=external_question(MEPHISTO_PAGE.replace("&", "&amp;"), 0),
    )
    assert response["HIT"]["HITTypeId"] == hit_type_id
    return response["HIT"]["HITId"]


def mephisto_unit_status(lab: Lab, hit_id: str) -> str:
    """What MTurkUnit.get_status makes of a live unit's HIT."""
    hit = lab.mturk.get_hit(HITId=hit_id)["HIT"]
    status = hit["HITStatus"]
    if status == "Assignable":
        return "launched"
    if status == "Unassignable":
        return "assigned"
    if status in ("Reviewable", "Reviewing"):
        return "expired" if hit["NumberOfAssignmentsAvailable"] != 0 else "completed"
    assert status == "Disposed"  # anything else raises "Unexpected HIT status"
    return "as recorded locally"


def mephisto_expire(lab: Lab, hit_id: str) -> None:
    """mturk_utils.expire_hit: a naive datetime in the past."""
    lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=datetime(2015, 1, 1))


def mephisto_bonuses(lab: Lab, assignment_id: str) -> float:
    """mturk_utils.get_bonuses_for_assignment."""
    page = lab.mturk.list_bonus_payments(AssignmentId=assignment_id, MaxResults=100)
    if page["NumResults"] == 0 or len(page["BonusPayments"]) == 0:
        return 0.0
    return sum(float(b["BonusAmount"]) for b in page["BonusPayments"])


def mephisto_balance_suffices(lab: Lab, needed: float) -> bool:
    """mturk_utils.check_mturk_balance (its error branch reads Error.Code)."""
    return float(lab.mturk.get_account_balance()["AvailableBalance"]) >= needed


def test_mephisto_launches_reviews_bonuses_and_expires_units(lab):
    assert float(lab.mturk.get_account_balance()["AvailableBalance"]) == 10000.0  # budget
    hit_type_id = mephisto_hit_type(lab)
    approved, rejected, unused = (mephisto_launch(lab, hit_type_id) for _ in range(3))
    assert {mephisto_unit_status(lab, h) for h in (approved, rejected, unused)} == {"launched"}

    good = lab.worker("A1GOOD").accept(approved)
    assert mephisto_unit_status(lab, approved) == "assigned"
    good.submit({"final_data": '{"rating": 4}'})
    assert mephisto_unit_status(lab, approved) == "completed"
    # MTurkAgent.approve_work -> approve_work with OverrideRejection=True, on Submitted work.
    lab.mturk.approve_assignment(AssignmentId=good.assignment_id, OverrideRejection=True)

    # MTurkWorker.bonus_worker -> pay_bonus: the balance first, then SendBonus with a uuid token.
    assert mephisto_balance_suffices(lab, 1.0 + 0.2 * 1.0)
    lab.mturk.send_bonus(
        WorkerId="A1GOOD",
        BonusAmount=str(1.0),
        AssignmentId=good.assignment_id,
        Reason="Great ratings",
        UniqueRequestToken=str(uuid.uuid4()),
    )
    assert mephisto_bonuses(lab, good.assignment_id) == 1.0  # MTurkUnit.get_pay_amount

    poor = lab.worker("A2POOR").accept(rejected)
    poor.submit({"final_data": "{}"})
    lab.mturk.reject_assignment(
        AssignmentId=poor.assignment_id, RequesterFeedback="The ratings were left out."
    )
    assert mephisto_bonuses(lab, poor.assignment_id) == 0.0
    # A later review approves the rejected agent: the same call overrides the rejection.
    lab.mturk.approve_assignment(AssignmentId=poor.assignment_id, OverrideRejection=True)
    shown = lab.mturk.get_assignment(AssignmentId=poor.assignment_id)["Assignment"]
    assert shown["AssignmentStatus"] == "Approved"

    # MTurkUnit.expire of a launched unit; the shutdown expires it again.
    mephisto_expire(lab, unused)
    mephisto_expire(lab, unused)
    assert mephisto_unit_status(lab, unused) == "expired"

    # attempt_to_reconcile_submitted_data: the first assignment's Answer, field by field.
    [assignment] = lab.mturk.list_assignments_for_hit(HITId=approved).get("Assignments", [])
    assert answers_of(assignment["Answer"]) == {"final_data": '{"rating": 4}'}


MEPHISTO_COMPENSATION = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>workerid</QuestionIdentifier>'
    "<DisplayName>Confirm Worker ID</DisplayName><IsRequired>true</IsRequired>"
    "<QuestionContent><Text>This compensation task was launched for the following reason: "
    "the server went down... Enter Worker ID to submit</Text></QuestionContent>"
    "<AnswerSpecification><FreeTextAnswer><Constraints>"
    '<Length minLength="2" />'
    '<AnswerFormatRegex regex="\\S" errorText="The content cannot be blank."/>'
    "</Constraints></FreeTextAnswer></AnswerSpecification></Question></QuestionForm>"
)


def test_mephisto_compensation_hit_auto_approves(lab):
    # scripts/mturk/launch_makeup_hits.py: create_hit_type with auto_approve_delay=30 and
    # skip_locale_qual, for a qualification of the worker's own (creating and granting it is
    # left out), then create_compensation_hit_with_hit_type; the email to the worker
    # (NotifyWorkers) is left out too, as it answers 501.
    hit_type_id = lab.mturk.create_hit_type(
        AutoApprovalDelayInSeconds=30,
        AssignmentDurationInSeconds=1800,
        Reward=str(2.5),
        Title="Direct compensation task for requester issue",
        Keywords="compensation,issue,repay",
        Description="the server went down",
        QualificationRequirements=[],
    )["HITTypeId"]
    response = lab.mturk.create_hit_with_hit_type(
        HITTypeId=hit_type_id,
        MaxAssignments=1,
        LifetimeInSeconds=60 * 60 * 24 * 31,
        Question=MEPHISTO_COMPENSATION,
    )
    hit_id = response["HIT"]["HITId"]
    assert response["HIT"]["HITTypeId"] == hit_type_id
    work = lab.worker("A1OWED").accept(hit_id)
    work.submit({"workerid": "A1OWED"})
    assert mephisto_unit_status(lab, hit_id) == "completed"
    lab.advance(30)
    shown = lab.mturk.get_assignment(AssignmentId=work.assignment_id)["Assignment"]
    assert shown["AssignmentStatus"] == "Approved"
    assert answers_of(shown["Answer"]) == {"workerid": "A1OWED"}


def test_mephisto_expires_an_assigned_unit_after_its_worker(lab):
    hit_id = mephisto_launch(lab, mephisto_hit_type(lab))
    lab.worker("A1SLOW").accept(hit_id)
    mephisto_expire(lab, hit_id)  # MTurkUnit.expire waits assignment_time_in_seconds for it
    assert mephisto_unit_status(lab, hit_id) == "assigned"
    lab.advance(1800)
    assert mephisto_unit_status(lab, hit_id) == "expired"


def mephisto_outstanding_hits(lab: Lab) -> dict[str, list[dict[str, Any]]]:
    """mturk_utils.get_outstanding_hits: pages until an empty one, each with the last token."""
    page = lab.mturk.list_hits(MaxResults=100)
    hits = page["HITs"]
    while len(page["HITs"]) > 0:
        page = lab.mturk.list_hits(MaxResults=100, NextToken=page["NextToken"])
        hits += page["HITs"]
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for hit in hits:
        by_type[hit["HITTypeId"]].append(hit)
    return by_type


def mephisto_dispose(lab: Lab, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """mturk_utils.expire_and_dispose_hits: delete, else expire and keep it with the error."""
    kept = []
    for hit in hits:
        try:
            lab.mturk.delete_hit(HITId=hit["HITId"])
        except ClientError as error:
            lab.mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2015, 1, 1))
            kept.append({**hit, "dispose_exception": error})
    return kept


def test_mephisto_cleanup_expires_then_disposes_hits(lab):
    hit_type_id = mephisto_hit_type(lab)
    hit_ids = [mephisto_launch(lab, hit_type_id) for _ in range(101)]
    finished = lab.worker("A1DONE").accept(hit_ids[0])
    finished.submit({})
    lab.mturk.approve_assignment(AssignmentId=finished.assignment_id, OverrideRejection=True)
    busy = lab.worker("A2BUSY").accept(hit_ids[1])

    outstanding = mephisto_outstanding_hits(lab)
    assert list(outstanding) == [hit_type_id] and len(outstanding[hit_type_id]) == 101
    # try_prerun_cleanup's hit_is_broken: nothing completed and not yet Reviewable.
    broken = [
        h
        for h in outstanding[hit_type_id]
        if h["NumberOfAssignmentsCompleted"] == 0 and h["HITStatus"] != "Reviewable"
    ]
    assert len(broken) == 100

    kept = mephisto_dispose(lab, broken)  # none is deletable yet: each is expired instead
    assert len(kept) == 100
    assert "currently in the state 'Assignable'" in str(kept[-1]["dispose_exception"])
    # `mephisto scripts mturk cleanup` again: everything but the HIT with work in progress.
    kept = mephisto_dispose(lab, mephisto_outstanding_hits(lab)[hit_type_id])
    assert [h["HITId"] for h in kept] == [hit_ids[1]]
    assert "currently in the state 'Unassignable'" in str(kept[0]["dispose_exception"])
    busy.return_()
    assert mephisto_dispose(lab, mephisto_outstanding_hits(lab)[hit_type_id]) == []
    assert mephisto_outstanding_hits(lab) == {}


# --- oTree ---------------------------------------------------------------------------------------
# oTree-org/otree-core @ 813efd7: otree/views/mturk.py (MTurkCreateHIT, MTurkSessionPayments,
# PayMTurk, RejectMTurk, MTurkExpireHIT) through otree/mturk_client.py, which signs and posts
# the JSON itself (no SDK) and reads the JSON answers as they are.

OTREE_SESSION = "x7k2q9vb"
OTREE_QUESTION = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd">\n  <HTMLContent><![CDATA[\n    <!DOCTYPE html>\n    <body>\n'
    '    <a class="otree-link">Start the study</a>\n    <script>var oTreeURL = '
    '"https://otree.example.org/MTurkStart/x7k2q9vb";</script>\n    </body>\n    </html>\n'
    "    ]]>\n  </HTMLContent>\n  <FrameHeight>500</FrameHeight>\n</HTMLQuestion>"
)


class OTreeMTurkError(Exception):
    """otree.mturk_client.MTurkError: the error body, parsed."""


def otree_call(lab: Lab, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """mturk_client.call_api: json.dumps's body and the SigV4 headers oTree sends (mockturk
    does not check the signature), the JSON answer parsed as it is."""
    stamp = lab.now.strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "X-Amz-Date": stamp,
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential=AKIAMOCK/{stamp[:8]}/us-east-1/mturk-requester/"
            "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            f"Signature={'0' * 64}"
        ),
    }
    response = raw_request(lab.server, body=json.dumps(params), headers=headers, target=operation)
    check_response(operation, response.status, response.headers, response.json())
    if response.status != 200:
        raise OTreeMTurkError(response.json())
    return response.json()


def otree_create_hit(lab: Lab) -> dict[str, Any]:
    """MTurkCreateHIT.post in sandbox mode (live mode adds the session config's
    qualification_requirements)."""
    return otree_call(
        lab,
        "CreateHIT",
        {
            "Title": "A public goods game",
            "Description": "Play an economic game with three others.",
            "Keywords": ", ".join(["game", "economics"]),
            "MaxAssignments": 4,
            "Reward": str(float(Decimal("0.50"))),
            "AssignmentDurationInSeconds": 60 * 30,
            "LifetimeInSeconds": int(60 * 60 * 7.5),
            "UniqueRequestToken": f"otree_{OTREE_SESSION}",
            "Question": OTREE_QUESTION,
        },
    )["HIT"]


def otree_assignments(lab: Lab, hit_id: str) -> list[tuple[str, str, str, str]]:
    """views/mturk.py get_all_assignments: pages until an empty one, the token of each."""
    found = []
    args: dict[str, Any] = {
        "HITId": hit_id,
        "MaxResults": 100,
        "AssignmentStatuses": ["Submitted", "Approved", "Rejected"],
    }
    while True:
        page = otree_call(lab, "ListAssignmentsForHIT", args)
        if not page["Assignments"]:
            return found
        found += [
            (a["WorkerId"], a["AssignmentId"], a["AssignmentStatus"], a["Answer"])
            for a in page["Assignments"]
        ]
        args["NextToken"] = page["NextToken"]


def otree_completion_code(xml: str) -> str:
    """views/mturk.py get_completion_code: the taskAnswers field's JSON."""
    for answer in ElementTree.fromstring(xml):
        if answer[0].text == "taskAnswers":
            try:
                return str(json.loads(answer[1].text or "")[0]["completion_code"])
            except (ValueError, LookupError):  # oTree catches everything here
                return ""
    return ""


def otree_pay(lab: Lab, worker_id: str, assignment_id: str, payoff: Decimal) -> None:
    """PayMTurk.post for one participant: the bonus first, then the approval."""
    if payoff > 0:
        otree_call(
            lab,
            "SendBonus",
            {
                "WorkerId": worker_id,
                "AssignmentId": assignment_id,
                "BonusAmount": f"{Decimal(payoff):.2f}",
                "UniqueRequestToken": f"{worker_id}_{assignment_id}",
                "Reason": "Thank you",
            },
        )
    otree_call(lab, "ApproveAssignment", {"AssignmentId": assignment_id})


def test_otree_publishes_pays_rejects_and_expires_a_session(lab):
    hit = otree_create_hit(lab)
    assert isinstance(hit["HITId"], str) and len(hit["HITGroupId"]) == 30
    # session.mturk_expiration is a Float column: the answer's number as it is.
    assert hit["Expiration"] == (START + timedelta(hours=7.5)).timestamp()
    with pytest.raises(OTreeMTurkError):  # the same session published twice
        otree_create_hit(lab)
    assert lab.mturk.list_hits()["NumResults"] == 1

    in_db = {}
    for worker_id, code in (("A1ALICE", "ALPHA"), ("A2BOB", "BRAVO")):
        work = lab.worker(worker_id).accept(hit["HITId"])
        work.submit({"taskAnswers": json.dumps([{"completion_code": code}])})
        in_db[worker_id] = work.assignment_id
    stranger = lab.worker("A3STRANGER").accept(hit["HITId"])
    stranger.submit({"taskAnswers": "[]"})
    late = lab.worker("A4LATE").accept(hit["HITId"])

    # MTurkSessionPayments: every assignment; the Submitted ones oTree has no participant for
    # are rejected at once.
    listed = otree_assignments(lab, hit["HITId"])
    assert {(w, s) for w, _, s, _ in listed} == {
        ("A1ALICE", "Submitted"),
        ("A2BOB", "Submitted"),
        ("A3STRANGER", "Submitted"),
    }
    auto_rejects = {a for _, a, s, _ in listed if s == "Submitted"} - set(in_db.values())
    assert auto_rejects == {stranger.assignment_id}
    for assignment_id in auto_rejects:
        feedback = "Auto-rejecting because this assignment was not found in our database."
        reject = {"AssignmentId": assignment_id, "RequesterFeedback": feedback}
        assert otree_call(lab, "RejectAssignment", reject) == {}
    answers = {w: answer for w, _, _, answer in otree_assignments(lab, hit["HITId"])}
    assert otree_completion_code(answers["A1ALICE"]) == "ALPHA"
    assert otree_completion_code(answers["A3STRANGER"]) == ""

    # PayMTurk: Alice earned a bonus, Bob only the reward.
    before = lab.balance()
    otree_pay(lab, "A1ALICE", in_db["A1ALICE"], Decimal("1.25"))
    otree_pay(lab, "A2BOB", in_db["A2BOB"], Decimal("0"))
    assert lab.balance() == before - Decimal("1.50")  # the bonus and its fee; rewards were held
    # Paying Alice again fails on the bonus's token and pays nothing.
    with pytest.raises(OTreeMTurkError) as caught:
        otree_pay(lab, "A1ALICE", in_db["A1ALICE"], Decimal("1.25"))
    assert caught.value.args[0]["__type"] == "RequestError"
    assert f'"A1ALICE_{in_db["A1ALICE"]}"' in caught.value.args[0]["Message"]  # the token
    assert lab.balance() == before - Decimal("1.50")

    # RejectMTurk sends an empty RequesterFeedback: without it the real service said
    # "Value null at 'requesterFeedback' failed to satisfy constraint: Member must not be null".
    late.submit({})
    with pytest.raises(OTreeMTurkError) as caught:
        otree_call(lab, "RejectAssignment", {"AssignmentId": late.assignment_id})
    assert caught.value.args[0]["__type"] == "ValidationException"
    assert (
        "Value null at 'requesterFeedback' failed to satisfy constraint: Member must not be null"
        in caught.value.args[0]["message"]
    )
    reject = {"AssignmentId": late.assignment_id, "RequesterFeedback": ""}
    assert otree_call(lab, "RejectAssignment", reject) == {}
    statuses = {w: s for w, _, s, _ in otree_assignments(lab, hit["HITId"])}
    assert statuses == {
        "A1ALICE": "Approved",
        "A2BOB": "Approved",
        "A3STRANGER": "Rejected",
        "A4LATE": "Rejected",
    }

    # MTurkExpireHIT: ExpireAt as a float of epoch seconds.
    expire = {"HITId": hit["HITId"], "ExpireAt": datetime(2015, 1, 1).timestamp()}
    assert otree_call(lab, "UpdateExpirationForHIT", expire) == {}
    assert lab.mturk.get_hit(HITId=hit["HITId"])["HIT"]["Expiration"] == lab.now


# --- ParlAI --------------------------------------------------------------------------------------
# facebookresearch/ParlAI @ 713556c^ (parlai/mturk/ was removed in 713556c; ParlAI's
# crowdsourcing runs on Mephisto since): parlai/mturk/core/mturk_utils.py, as
# parlai/mturk/core/mturk_manager.py, worker_manager.py (get_agent_work_status) and agents.py
# (MTurkAgent.approve_work, reject_work, pay_bonus) use it.

PARLAI_NOT_DONE = "This operation can be called with a status of: Reviewable,Approved,Rejected"
PARLAI_REWARD = 0.5


def parlai_work_status(lab: Lab, assignment_id: str) -> str:
    """WorkerManager.get_agent_work_status: an error naming the reviewable states means the
    worker has not finished."""
    try:
        return str(
            lab.mturk.get_assignment(AssignmentId=assignment_id)["Assignment"]["AssignmentStatus"]
        )
    except ClientError as error:
        assert PARLAI_NOT_DONE in error.response["Error"]["Message"]
        return "NotDone"


def parlai_hit_status(response: dict[str, Any]) -> tuple[str, float, int, int, int]:
    """MTurkDataHandler.log_hit_status: what it reads of a CreateHITWithHITType or GetHIT answer."""
    hit = response["HIT"]
    return (
        hit["HITStatus"],
        hit["Expiration"].timestamp(),
        hit["NumberOfAssignmentsPending"],
        hit["NumberOfAssignmentsAvailable"],
        hit["NumberOfAssignmentsCompleted"],
    )


def parlai_create_hits(lab: Lab, num_hits: int) -> list[str]:
    """MTurkManager.setup_server's balance check, then create_additional_hits."""
    needed = num_hits * PARLAI_REWARD * 1.2  # calculate_mturk_cost
    assert float(lab.mturk.get_account_balance()["AvailableBalance"]) >= needed
    # get_qualification_list (block and unique-worker qualifications) is left out.
    hit_type_id = lab.mturk.create_hit_type(
        AutoApprovalDelayInSeconds=5 * 24 * 3600,
        AssignmentDurationInSeconds=30 * 60,
        Reward=str(PARLAI_REWARD),
        Title="Chat with a partner",
        Keywords="chat,dialog",
        Description="Have a short conversation. (ID: convai_1796115600)",
        QualificationRequirements=[
            {
                "QualificationTypeId": LOCALE,
                "Comparator": "In",
                "LocaleValues": [{"Country": c} for c in ("US", "CA", "GB", "AU", "NZ")],
                "RequiredToPreview": True,
            }
        ],
    )["HITTypeId"]
    # subscribe_to_hits (SNS, UpdateNotificationSettings) is left out: notifications.
    page_url = "https://parlai.example.org/chat_index?task_group_id=convai_1796115600&x=1"
    hit_ids = []
    for _ in range(num_hits):
        response = lab.mturk.create_hit_with_hit_type(
            HITTypeId=hit_type_id,
            MaxAssignments=1,
            LifetimeInSeconds=31536000,
            Question=external_question(page_url.replace("&", "&amp;"), 650),
        )
        assert response["HIT"]["HITTypeId"] == hit_type_id
        assert parlai_hit_status(response) == (
            "Assignable",
            (lab.now + timedelta(seconds=31536000)).timestamp(),
            0,
            1,
            0,
        )
        hit_ids.append(response["HIT"]["HITId"])
    return hit_ids


def test_parlai_polls_reviews_bonuses_and_expires(lab):
    chatted, refused, waiting = parlai_create_hits(lab, 3)

    talker = lab.worker("A1TALKER").accept(chatted)
    assert parlai_work_status(lab, talker.assignment_id) == "NotDone"  # approve_work waits
    talker.submit({"conversation": "..."})
    assert parlai_work_status(lab, talker.assignment_id) == "Submitted"
    lab.mturk.approve_assignment(AssignmentId=talker.assignment_id, OverrideRejection=False)
    # MTurkAgent.pay_bonus once the work is Submitted or Approved: the balance, then SendBonus.
    assert parlai_work_status(lab, talker.assignment_id) in ("Submitted", "Approved")
    assert float(lab.mturk.get_account_balance()["AvailableBalance"]) >= 0.25 * 1.2
    lab.mturk.send_bonus(
        WorkerId="A1TALKER",
        BonusAmount=str(0.25),
        AssignmentId=talker.assignment_id,
        Reason="Lively conversation",
        UniqueRequestToken=str(uuid.uuid4()),
    )

    quiet = lab.worker("A2QUIET").accept(refused)
    quiet.submit({"conversation": ""})
    assert parlai_work_status(lab, quiet.assignment_id) == "Submitted"
    lab.mturk.reject_assignment(AssignmentId=quiet.assignment_id, RequesterFeedback="No chat.")
    # approve_assignments_for_hit with override_rejection: every listed assignment.
    for assignment in lab.mturk.list_assignments_for_hit(HITId=refused).get("Assignments", []):
        lab.mturk.approve_assignment(
            AssignmentId=assignment["AssignmentId"], OverrideRejection=True
        )
    assert parlai_work_status(lab, quiet.assignment_id) == "Approved"

    # expire_all_unassigned_hits: every HIT not seen complete, a worker still on it or not.
    lab.worker("A3WAITING").accept(waiting).return_()
    stays = lab.worker("A4STAYS").accept(waiting)
    lab.mturk.update_expiration_for_hit(HITId=waiting, ExpireAt=datetime(2015, 1, 1))
    status, _, pending, available, _ = parlai_hit_status(lab.mturk.get_hit(HITId=waiting))
    assert (status, pending, available) == ("Unassignable", 1, 0)
    stays.return_()
    assert parlai_hit_status(lab.mturk.get_hit(HITId=waiting)) == (
        "Reviewable",
        lab.now.timestamp(),
        0,
        1,
        0,
    )
    # Two $0.50 rewards with their fees and a $0.25 bonus with its fee.
    assert lab.balance() == Decimal("10000.00") - Decimal("1.20") - Decimal("0.30")


# --- Screening: qualifications, blocks and messages ----------------------------------------------
# The same repositories and files as above: Mephisto's mturk_utils.py (find_or_create_qualification,
# give_worker_qualification, remove_worker_qualification, block_worker, unblock_worker,
# is_worker_blocked, email_worker), Dallinger's MTurkService (create_qualification_type,
# get_qualification_type_by_name, assign_qualification, increment_qualification_score,
# current_qualification_score, get_workers_with_qualification, revoke_qualification,
# dispose_qualification_type, and the blocklist requirements of create_hit), psiTurk's
# MTurkServices.configure_hit (require and block qualification IDs, Masters) and ParlAI's
# mturk_utils.py (the unique-worker qualification, block_worker, email_worker).

MEPHISTO_EXISTS_PREFIX = "You have already created a QualificationType with this name."


def mephisto_find_qualification(lab: Lab, name: str) -> tuple[bool, str | None]:
    for owned in (True, False):
        response = lab.mturk.list_qualification_types(
            Query=name, MustBeRequestable=True, MustBeOwnedByCaller=owned
        )
        for qualification in response["QualificationTypes"]:
            if qualification["Name"] == name:
                return True, qualification["QualificationTypeId"]
    return True, None


def mephisto_find_or_create(lab: Lab, name: str) -> str:
    _, found = mephisto_find_qualification(lab, name)
    if found is not None:
        return found
    try:
        response = lab.mturk.create_qualification_type(
            Name=name,
            Description="Qualification required for Mephisto-launched tasks",
            QualificationTypeStatus="Active",
        )
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message")
        assert message is not None and message.startswith(MEPHISTO_EXISTS_PREFIX)
        _, found = mephisto_find_qualification(lab, name)
        assert found is not None, "Qualification exists, but could not be found?"
        return found
    return response["QualificationType"]["QualificationTypeId"]  # type: ignore[no-any-return]


def mephisto_email(lab: Lab, worker_id: str, subject: str, text: str) -> tuple[bool, str]:
    response = lab.mturk.notify_workers(Subject=subject, MessageText=text, WorkerIds=[worker_id])
    if len(response["NotifyWorkersFailureStatuses"]) > 0:
        return False, response["NotifyWorkersFailureStatuses"][0]["NotifyWorkersFailureMessage"]
    return True, ""


def mephisto_is_blocked(lab: Lab, worker_id: str) -> bool:
    blocks = lab.mturk.list_worker_blocks(MaxResults=100)["WorkerBlocks"]
    return worker_id in [x["WorkerId"] for x in blocks]


def test_mephisto_screens_blocks_and_emails_workers(lab):
    # A qualification the task's workers must not have (Mephisto's "blocked" qualification),
    # found at once when it exists: the second lookup and a racing create find the same one.
    blocked = mephisto_find_or_create(lab, "mephisto_blocked_workers")
    assert mephisto_find_or_create(lab, "mephisto_blocked_workers") == blocked
    race = refusal(
        lambda: lab.mturk.create_qualification_type(
            Name="mephisto_blocked_workers", Description="x", QualificationTypeStatus="Active"
        )
    )
    assert race.response["Error"]["Message"].startswith(MEPHISTO_EXISTS_PREFIX)
    # convert_mephisto_qualifications: DoesNotExist, guarding discovery, beside the locale.
    hit_type_id = lab.mturk.create_hit_type(
        AutoApprovalDelayInSeconds=7 * 24 * 3600,
        AssignmentDurationInSeconds=1800,
        Reward=str(0.5),
        Title="Rate a conversation",
        Description="Read a short conversation and rate it.",
        QualificationRequirements=[
            {
                "QualificationTypeId": blocked,
                "Comparator": "DoesNotExist",
                "ActionsGuarded": "DiscoverPreviewAndAccept",
            },
            {
                "QualificationTypeId": LOCALE,
                "Comparator": "In",
                "LocaleValues": [{"Country": c} for c in ("US", "CA", "GB", "AU", "NZ")],
                "ActionsGuarded": "DiscoverPreviewAndAccept",
            },
        ],
    )["HITTypeId"]
    hit_id = mephisto_launch(lab, hit_type_id)
    # give_worker_qualification (SendNotification=False): that worker is screened out.
    lab.mturk.associate_qualification_with_worker(
        QualificationTypeId=blocked,
        WorkerId="A1SOFTBLOCKED",
        IntegerValue=1,
        SendNotification=False,
    )
    with pytest.raises(ControlError) as screened:
        lab.worker("A1SOFTBLOCKED").accept(hit_id)
    assert screened.value.code == "NotQualified" and blocked in screened.value.message
    assert lab.worker("A1SOFTBLOCKED").inbox() == []
    # email_worker: a worker with no reviewed work fails, as a status, not an exception.
    assert mephisto_email(lab, "A1SOFTBLOCKED", "Hello", "Hi") == (
        False,
        "Cannot send a notification to a worker who has not done any work for you",
    )
    work = lab.worker("A2GOOD").accept(hit_id)
    work.submit({"rating": "4"})
    lab.mturk.approve_assignment(AssignmentId=work.assignment_id)
    assert mephisto_email(lab, "A2GOOD", "Thanks", "More soon.") == (True, "")
    # block_worker / is_worker_blocked / unblock_worker.
    lab.mturk.create_worker_block(WorkerId="A2GOOD", Reason="Low quality")
    assert mephisto_is_blocked(lab, "A2GOOD")
    lab.mturk.delete_worker_block(WorkerId="A2GOOD", Reason="Unblocked")
    assert not mephisto_is_blocked(lab, "A2GOOD")
    # remove_worker_qualification: revoked counts as not held, so DoesNotExist admits them.
    lab.mturk.disassociate_qualification_from_worker(
        QualificationTypeId=blocked, WorkerId="A1SOFTBLOCKED", Reason=""
    )
    lab.worker("A1SOFTBLOCKED").accept(mephisto_launch(lab, hit_type_id))


class DuplicateQualificationNameError(Exception):
    pass


class WorkerLacksQualification(Exception):
    pass


class RevokedQualification(Exception):
    pass


def dallinger_create_qualification(lab: Lab, name: str) -> dict[str, Any]:
    try:
        response = lab.mturk.create_qualification_type(
            Name=name, Description=f"Experiment {name}", QualificationTypeStatus="Active"
        )
    except ClientError as error:
        if "already created a QualificationType with this name" in str(error):
            raise DuplicateQualificationNameError(str(error)) from error
        raise
    qtype = response["QualificationType"]
    return {
        "id": qtype["QualificationTypeId"],
        "created": qtype["CreationTime"],
        "name": qtype["Name"],
        "description": qtype["Description"],
        "status": qtype["QualificationTypeStatus"],
    }


def dallinger_qualification_by_name(lab: Lab, name: str) -> str | None:
    """get_qualification_type_by_name: a fuzzy search in capitals, then the exact name."""
    query = name.upper()
    results = lab.mturk.list_qualification_types(
        Query=query, MustBeRequestable=False, MustBeOwnedByCaller=True, MaxResults=100
    )["QualificationTypes"]
    if not results:
        return None
    if len(results) > 1:
        exact = [r for r in results if r["Name"].upper() == query]
        assert exact, f"{query} was not a unique name"
        return exact[0]["QualificationTypeId"]  # type: ignore[no-any-return]
    return results[0]["QualificationTypeId"]  # type: ignore[no-any-return]


def dallinger_score(lab: Lab, qualification_id: str, worker_id: str) -> int:
    try:
        response = lab.mturk.get_qualification_score(
            QualificationTypeId=qualification_id, WorkerId=worker_id
        )
    except ClientError as error:
        text = str(error)
        if "does not exist" in text:
            raise WorkerLacksQualification(text) from error
        if "operation can be called with a status of: Granted" in text:
            raise RevokedQualification(text) from error
        raise
    return response["Qualification"]["IntegerValue"]  # type: ignore[no-any-return]


def test_dallinger_names_grants_increments_revokes_and_blocklists(lab):
    # MTurkRecruiter: a qualification per experiment and per group, created once.
    created = dallinger_create_qualification(lab, "3e2a1b")
    dallinger_create_qualification(lab, "3e2a1b-group")
    with pytest.raises(DuplicateQualificationNameError):
        dallinger_create_qualification(lab, "3e2a1b")
    assert dallinger_qualification_by_name(lab, "3e2a1b") == created["id"]
    # assign_qualification, then increment_qualification_score as approvals come in.
    grant = {"QualificationTypeId": created["id"], "WorkerId": "A1DALLINGER"}
    with pytest.raises(WorkerLacksQualification):
        dallinger_score(lab, created["id"], "A1DALLINGER")
    assert (
        lab.mturk.associate_qualification_with_worker(
            **grant, IntegerValue=2, SendNotification=False
        )["ResponseMetadata"]["HTTPStatusCode"]
        == 200
    )
    current = dallinger_score(lab, created["id"], "A1DALLINGER")
    lab.mturk.associate_qualification_with_worker(
        **grant, IntegerValue=current + 1, SendNotification=False
    )
    assert dallinger_score(lab, created["id"], "A1DALLINGER") == 3
    # get_workers_with_qualification pages through 100 at a time.
    workers, token = [], None
    while True:
        page = lab.mturk.list_workers_with_qualification_type(
            QualificationTypeId=created["id"],
            MaxResults=100,
            **({"NextToken": token} if token else {}),
        )
        workers += [
            {"id": q["WorkerId"], "score": q["IntegerValue"]} for q in page["Qualifications"]
        ]
        token = page.get("NextToken")
        if not page["Qualifications"]:
            break
    assert workers == [{"id": "A1DALLINGER", "score": 3}]
    # create_hit with a blocklist: DoesNotExist on the named qualification, guarding discovery.
    request = dallinger_request(
        "3e2a1b",
        qualifications=[
            *DALLINGER_REQUIREMENTS,
            {
                "QualificationTypeId": dallinger_qualification_by_name(lab, "3e2a1b"),
                "Comparator": "DoesNotExist",
                "ActionsGuarded": "DiscoverPreviewAndAccept",
            },
        ],
    )
    hit = dallinger_create_hit(lab, request)
    with pytest.raises(ControlError) as screened:
        lab.worker("A1DALLINGER").accept(hit["id"])
    assert screened.value.code == "NotQualified"
    lab.worker("A2NEWPARTICIPANT").accept(hit["id"])
    # revoke_qualification, then the sandbox test's expectation that reading it raises.
    lab.mturk.disassociate_qualification_from_worker(**grant, Reason="Revoked by Dallinger")
    with pytest.raises(RevokedQualification):
        dallinger_score(lab, created["id"], "A1DALLINGER")
    # increment_named_qualification_score after a revoke grants again, from 1.
    lab.mturk.associate_qualification_with_worker(**grant, IntegerValue=1, SendNotification=False)
    assert dallinger_score(lab, created["id"], "A1DALLINGER") == 1
    # dispose_qualification_type: _is_ok on the answer.
    response = lab.mturk.delete_qualification_type(QualificationTypeId=created["id"])
    assert dallinger_ok(response)
    assert dallinger_qualification_by_name(lab, "3e2a1b") != created["id"]


def test_psiturk_requires_and_blocks_by_qualification_id(lab):
    required = lab.mturk.create_qualification_type(
        Name="psiturk_require", Description="Did part 1", QualificationTypeStatus="Active"
    )["QualificationType"]["QualificationTypeId"]
    block = lab.mturk.create_qualification_type(
        Name="psiturk_block", Description="Did this study", QualificationTypeStatus="Active"
    )["QualificationType"]["QualificationTypeId"]
    # configure_hit: the approval, HITs-approved and locale requirements, Masters in the
    # sandbox (its own ID), the require IDs with Exists and the block IDs with DoesNotExist.
    requirements = [
        *PSITURK_REQUIREMENTS,
        {"QualificationTypeId": "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6", "Comparator": "Exists"},
        {"QualificationTypeId": required, "Comparator": "Exists"},
        {"QualificationTypeId": block, "Comparator": "DoesNotExist"},
    ]
    hit_id = lab.mturk.create_hit(
        Title="Stroop task",
        Description="Name the ink colour",
        Keywords="psychology",
        Reward="1.00",
        MaxAssignments=3,
        LifetimeInSeconds=24 * 3600,
        AssignmentDurationInSeconds=3600,
        Question=external_question("https://psiturk.example.org/pub/ad", 600),
        QualificationRequirements=requirements,
    )["HIT"]["HITId"]
    for worker_id in ("A1MASTER", "A2REPEAT", "A3NOVICE"):
        lab.worker(worker_id).profile(Masters=True, Approved=400, Rejected=4)
        lab.mturk.associate_qualification_with_worker(
            QualificationTypeId=required, WorkerId=worker_id
        )
    lab.worker("A3NOVICE").profile(Approved=90, Rejected=10)  # 90 % of 100 submissions
    lab.mturk.associate_qualification_with_worker(QualificationTypeId=block, WorkerId="A2REPEAT")
    lab.worker("A1MASTER").accept(hit_id)
    for worker_id, named in (("A2REPEAT", block), ("A3NOVICE", APPROVAL_RATE)):
        with pytest.raises(ControlError) as screened:
            lab.worker(worker_id).accept(hit_id)
        assert named in screened.value.message
    lab.worker("A4OUTSIDER").profile(Masters=True)
    with pytest.raises(ControlError) as screened:
        lab.worker("A4OUTSIDER").accept(hit_id)
    assert required in screened.value.message


def test_parlai_keeps_workers_unique_blocks_and_emails(lab):
    # mturk_utils.find_or_create_qualification (the same calls as Mephisto's, which came from
    # it) for the unique-worker qualification; MTurkManager gives it to each worker who
    # completes, and the HIT type requires DoesNotExist on it.
    unique = mephisto_find_or_create(lab, "convai_1796115600_unique")
    hit_type_id = lab.mturk.create_hit_type(
        AutoApprovalDelayInSeconds=5 * 24 * 3600,
        AssignmentDurationInSeconds=30 * 60,
        Reward=str(PARLAI_REWARD),
        Title="Chat with a partner",
        Keywords="chat,dialog",
        Description="Have a short conversation.",
        QualificationRequirements=[
            {"QualificationTypeId": unique, "Comparator": "DoesNotExist", "RequiredToPreview": True}
        ],
    )["HITTypeId"]
    first, second = (
        lab.mturk.create_hit_with_hit_type(
            HITTypeId=hit_type_id,
            MaxAssignments=1,
            LifetimeInSeconds=31 * 24 * 3600,
            Question=external_question("https://parlai.example.org/chat", 650),
        )["HIT"]["HITId"]
        for _ in range(2)
    )
    work = lab.worker("A1CHATTER").accept(first)
    work.submit({"conversation": "hello"})
    lab.mturk.associate_qualification_with_worker(
        QualificationTypeId=unique, WorkerId="A1CHATTER", IntegerValue=1, SendNotification=False
    )
    with pytest.raises(ControlError):
        lab.worker("A1CHATTER").accept(second)
    # block_worker on a disconnect; email_worker to say why.
    lab.mturk.reject_assignment(AssignmentId=work.assignment_id, RequesterFeedback="Left early.")
    lab.mturk.create_worker_block(WorkerId="A1CHATTER", Reason="Disconnected repeatedly")
    response = lab.mturk.notify_workers(
        Subject="Your work",
        MessageText="You were blocked for disconnecting.",
        WorkerIds=["A1CHATTER"],
    )
    assert response["NotifyWorkersFailureStatuses"] == []
    assert lab.worker("A1CHATTER").inbox()[-1]["Subject"] == "Your work"
