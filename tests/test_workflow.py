"""The requester's workflow through boto3 and simulated workers: create, accept, submit, time
passes, approve or reject, and the counters, statuses and balance at every step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import support
from support import WireChecker, call, hit_record, raw_request

from mockturk.testing import ControlError, InProcessServer, serve

QUESTION, TYPE = support.LAB_QUESTION, support.LAB_HIT_TYPE


class Lab(support.Lab):
    def create(self, **fields: Any) -> dict[str, Any]:
        params = {**TYPE, "LifetimeInSeconds": 3600, "Question": QUESTION, **fields}
        return self.mturk.create_hit(**params)["HIT"]


@pytest.fixture
def lab(lab_server: InProcessServer, wire: WireChecker) -> Lab:
    lab_server.reset(empty=True)  # the clock too goes back to START
    return Lab(lab_server, wire)


# --- HIT types and HITs ------------------------------------------------------------------------


def test_the_same_properties_give_the_same_hit_type(lab):
    first = lab.mturk.create_hit_type(**TYPE)["HITTypeId"]
    assert lab.mturk.create_hit_type(**TYPE)["HITTypeId"] == first
    assert lab.mturk.create_hit_type(**{**TYPE, "Reward": "0.5"})["HITTypeId"] == first
    assert lab.mturk.create_hit_type(**{**TYPE, "Title": "Other"})["HITTypeId"] != first
    assert len(first) == 30 and first.isalnum() and first.isupper()


def test_a_new_hit_gets_the_real_defaults(lab):
    params = {k: v for k, v in TYPE.items() if k != "AutoApprovalDelayInSeconds"}
    now = lab.now
    hit = lab.mturk.create_hit(**params, LifetimeInSeconds=3600, Question=QUESTION)["HIT"]
    assert hit["MaxAssignments"] == 1
    assert hit["AutoApprovalDelayInSeconds"] == 2592000
    assert hit["QualificationRequirements"] == []
    assert hit["HITReviewStatus"] == "NotReviewed"
    assert hit["HITStatus"] == "Assignable"
    assert hit["CreationTime"] == now
    assert hit["Expiration"] == now + timedelta(hours=1)
    assert (hit["NumberOfAssignmentsAvailable"], hit["NumberOfAssignmentsPending"]) == (1, 0)
    assert hit["NumberOfAssignmentsCompleted"] == 0
    assert all(len(hit[k]) == 30 for k in ("HITId", "HITTypeId", "HITGroupId"))
    assert lab.mturk.get_hit(HITId=hit["HITId"])["HIT"] == hit


def test_a_hit_of_a_hit_type_takes_its_properties(lab):
    type_id = lab.mturk.create_hit_type(**TYPE)["HITTypeId"]
    hit = lab.mturk.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=600, Question=QUESTION, MaxAssignments=3
    )["HIT"]
    assert hit["HITTypeId"] == type_id
    assert (hit["Title"], hit["Reward"], hit["MaxAssignments"]) == (TYPE["Title"], "0.50", 3)
    assert lab.create()["HITTypeId"] == type_id  # CreateHIT finds the same type


def test_an_unknown_hit_type_is_refused(lab):
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        lab.mturk.create_hit_with_hit_type(
            HITTypeId="3NOSUCHTYPE", LifetimeInSeconds=600, Question=QUESTION
        )
    assert "3NOSUCHTYPE does not exist" in caught.value.response["Error"]["Message"]


def test_a_unique_request_token_creates_one_hit_for_24_hours(lab):
    first = lab.create(UniqueRequestToken="study-1")
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        lab.create(UniqueRequestToken="study-1")
    error = caught.value.response["Error"]
    assert first["HITId"] in error["Message"]
    assert caught.value.response["Error"]["Code"] == "RequestError"
    assert len(lab.mturk.list_hits()["HITs"]) == 1
    lab.advance(24 * 3600)
    assert lab.create(UniqueRequestToken="study-1")["HITId"] != first["HITId"]


def test_get_hit_of_an_unknown_hit_is_the_real_error(lab):
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        lab.mturk.get_hit(HITId="3NOSUCHHIT")
    assert caught.value.response["Error"]["Message"].startswith("Hit 3NOSUCHHIT does not exist.")


# --- Workers, counters and statuses ------------------------------------------------------------


def test_counters_and_status_follow_the_work(lab):
    hit_id = lab.create(MaxAssignments=2)["HITId"]
    assert lab.counters(hit_id) == ("Assignable", 2, 0, 0)
    one = lab.server.worker("A1FIRST").accept(hit_id)
    assert lab.counters(hit_id) == ("Assignable", 1, 1, 0)
    two = lab.server.worker("A2SECOND").accept(hit_id)
    assert lab.counters(hit_id) == ("Unassignable", 0, 2, 0)
    one.submit({"rating": "4"})
    assert lab.counters(hit_id) == ("Unassignable", 0, 1, 0)
    two.submit({"rating": "5"})
    assert lab.counters(hit_id) == ("Reviewable", 0, 0, 0)
    lab.mturk.approve_assignment(AssignmentId=one.assignment_id)
    lab.mturk.reject_assignment(AssignmentId=two.assignment_id, RequesterFeedback="")
    assert lab.counters(hit_id) == ("Reviewable", 0, 0, 2)


def test_work_in_progress_is_invisible_with_the_real_errors(lab):
    hit_id = lab.create()["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    assert work.deadline == work.accept_time + timedelta(seconds=600)
    errors = lab.mturk.exceptions.RequestError
    with pytest.raises(errors) as caught:
        lab.mturk.get_assignment(AssignmentId=work.assignment_id)
    assert caught.value.response["Error"]["Message"].startswith(
        "This operation can be called with a status of: Reviewable,Approved,Rejected ("
    )
    with pytest.raises(errors) as caught:
        lab.mturk.approve_assignment(AssignmentId=work.assignment_id)
    assert caught.value.response["Error"]["Message"].startswith(
        "This operation can be called with a status of: null ("
    )
    assert lab.mturk.list_assignments_for_hit(HITId=hit_id)["Assignments"] == []


def test_submitted_answers_are_question_form_answers(lab):
    hit_id = lab.create()["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    shown = work.submit({"sentence1": "4", "comment": "fine & <good>"})
    assert shown["AssignmentStatus"] == "Submitted"
    answer = lab.mturk.get_assignment(AssignmentId=work.assignment_id)["Assignment"]["Answer"]
    assert "<QuestionIdentifier>sentence1</QuestionIdentifier><FreeText>4</FreeText>" in answer
    assert "<FreeText>fine &amp; &lt;good&gt;</FreeText>" in answer


def test_a_worker_does_a_hit_at_most_once(lab):
    hit_id = lab.create(MaxAssignments=3)["HITId"]
    worker = lab.server.worker("A1WORKER")
    work = worker.accept(hit_id)
    with pytest.raises(ControlError) as caught:
        worker.accept(hit_id)
    assert (caught.value.status, caught.value.code) == (409, "AlreadyAccepted")
    work.submit({})
    with pytest.raises(ControlError) as caught:
        worker.accept(hit_id)
    assert caught.value.code == "AlreadySubmitted"
    with pytest.raises(ControlError) as caught:
        work.submit({})
    assert caught.value.code == "AssignmentNotInProgress"


def test_a_returned_assignment_frees_its_slot(lab):
    hit_id = lab.create()["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    assert lab.counters(hit_id) == ("Unassignable", 0, 1, 0)
    work.return_()
    assert lab.counters(hit_id) == ("Assignable", 1, 0, 0)
    again = lab.server.worker("A1WORKER").accept(hit_id)  # the worker may take it again
    assert again.assignment_id != work.assignment_id
    with pytest.raises(ControlError) as caught:
        work.submit({})
    assert (caught.value.status, caught.value.code) == (404, "AssignmentNotFound")


def test_worker_requests_that_cannot_be_done_are_refused(lab):
    hit_id = lab.create()["HITId"]
    for worker_id, hit, status, code in [
        ("nobody", hit_id, 400, "InvalidWorkerId"),
        ("A1WORKER", "3NOSUCHHIT", 404, "HITNotFound"),
    ]:
        with pytest.raises(ControlError) as caught:
            lab.server.worker(worker_id).accept(hit)
        assert (caught.value.status, caught.value.code) == (status, code)
    lab.server.worker("A1WORKER").accept(hit_id)
    with pytest.raises(ControlError) as caught:
        lab.server.worker("A2WORKER").accept(hit_id)
    assert (caught.value.status, caught.value.code) == (409, "HITNotAssignable")
    for body in (b"[]", b"{", b'{"HITId": 5}'):
        response = raw_request(lab.server, path="/_mockturk/workers/A3WORKER/accept", body=body)
        assert response.status == 400 and response.json()["error"] == "MalformedBody"
    assert lab.counters(hit_id) == ("Unassignable", 0, 1, 0)


# --- Time ---------------------------------------------------------------------------------------


def test_auto_approval_happens_at_its_due_instant(lab):
    start = lab.now
    hit_id = lab.create()["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    lab.advance(60)
    work.submit({"a": "1"})
    lab.advance(3599)
    shown = lab.mturk.get_assignment(AssignmentId=work.assignment_id)["Assignment"]
    assert shown["AssignmentStatus"] == "Submitted"
    lab.advance(7200)  # long past it: approved at AutoApprovalTime, not when noticed
    shown = lab.mturk.get_assignment(AssignmentId=work.assignment_id)["Assignment"]
    assert shown["AssignmentStatus"] == "Approved"
    assert shown["ApprovalTime"] == shown["AutoApprovalTime"] == start + timedelta(seconds=3660)
    assert lab.counters(hit_id) == ("Reviewable", 0, 0, 1)


def test_an_auto_approval_delay_of_zero_approves_at_once(lab):
    hit_id = lab.create(AutoApprovalDelayInSeconds=0)["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    assert work.submit({})["AssignmentStatus"] == "Approved"
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        lab.mturk.approve_assignment(AssignmentId=work.assignment_id)
    assert "status of: Submitted (" in caught.value.response["Error"]["Message"]


def test_work_not_submitted_by_its_deadline_is_abandoned(lab):
    hit_id = lab.create(MaxAssignments=2)["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    lab.advance(599)
    assert lab.counters(hit_id) == ("Assignable", 1, 1, 0)
    lab.advance(1)
    assert lab.counters(hit_id) == ("Assignable", 2, 0, 0)
    with pytest.raises(ControlError) as caught:
        work.submit({})
    assert caught.value.code == "AssignmentNotFound"


def test_expiry_waits_for_work_in_progress(lab):
    hit_id = lab.create(MaxAssignments=3, LifetimeInSeconds=300)["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    lab.advance(300)
    assert lab.counters(hit_id) == ("Unassignable", 2, 1, 0)  # untaken slots stay counted
    with pytest.raises(ControlError) as caught:
        lab.server.worker("A2WORKER").accept(hit_id)
    assert caught.value.code == "HITNotAssignable" and "expired" in caught.value.message
    work.submit({})
    assert lab.counters(hit_id) == ("Reviewable", 2, 0, 0)
    assert [h["HITId"] for h in lab.mturk.list_hits()["HITs"]] == [hit_id]


def test_a_slot_returned_after_expiry_is_not_offered_again(lab):
    hit_id = lab.create(LifetimeInSeconds=300)["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    lab.advance(400)
    work.return_()
    assert lab.counters(hit_id) == ("Reviewable", 1, 0, 0)


# --- Review -------------------------------------------------------------------------------------


def test_reviewing_twice_is_the_real_error(lab):
    hit_id = lab.create()["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    work.submit({})
    lab.mturk.approve_assignment(AssignmentId=work.assignment_id, RequesterFeedback="Thanks!")
    errors = lab.mturk.exceptions.RequestError
    for review in (
        lambda: lab.mturk.approve_assignment(AssignmentId=work.assignment_id),
        lambda: lab.mturk.reject_assignment(AssignmentId=work.assignment_id, RequesterFeedback=""),
    ):
        with pytest.raises(errors) as caught:
            review()
        error = caught.value.response["Error"]
        assert error["Message"].startswith("This operation can be called with a status of:")
    shown = lab.mturk.get_assignment(AssignmentId=work.assignment_id)["Assignment"]
    assert (shown["AssignmentStatus"], shown["RequesterFeedback"]) == ("Approved", "Thanks!")


def test_a_rejection_can_be_overridden_for_30_days_after_submission(lab):
    hit_id = lab.create(MaxAssignments=2)["HITId"]
    late, early = (lab.server.worker(w).accept(hit_id) for w in ("A1LATE", "A2EARLY"))
    for work in (late, early):
        work.submit({})
        lab.mturk.reject_assignment(AssignmentId=work.assignment_id, RequesterFeedback="No.")
    with pytest.raises(lab.mturk.exceptions.RequestError):
        lab.mturk.approve_assignment(AssignmentId=early.assignment_id)  # no override: refused
    lab.mturk.approve_assignment(AssignmentId=early.assignment_id, OverrideRejection=True)
    shown = lab.mturk.get_assignment(AssignmentId=early.assignment_id)["Assignment"]
    assert shown["AssignmentStatus"] == "Approved" and "RejectionTime" in shown
    lab.advance(30 * 86400 + 1)
    with pytest.raises(lab.mturk.exceptions.RequestError):
        lab.mturk.approve_assignment(AssignmentId=late.assignment_id, OverrideRejection=True)
    assert lab.counters(hit_id)[3] == 2


def test_unknown_assignments_do_not_exist(lab):
    for review in (
        lambda: lab.mturk.approve_assignment(AssignmentId="3NOSUCH"),
        lambda: lab.mturk.reject_assignment(AssignmentId="3NOSUCH", RequesterFeedback="x"),
    ):
        with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
            review()
        assert caught.value.response["Error"]["Message"].startswith(
            "Assignment 3NOSUCH does not exist."
        )


# --- Money --------------------------------------------------------------------------------------


def test_money_is_held_paid_and_released(lab):
    start = lab.balance()
    assert start == Decimal("10000.00")
    hit_id = lab.create(MaxAssignments=3, LifetimeInSeconds=300)["HITId"]  # 3 x (0.50 + 0.10)
    assert lab.balance() == start - Decimal("1.80")
    paid, refused, _ = (lab.server.worker(w).accept(hit_id) for w in ("A1", "A2", "A3"))
    paid.submit({})
    refused.submit({})
    lab.mturk.approve_assignment(AssignmentId=paid.assignment_id)
    assert lab.balance() == start - Decimal("1.80")  # paid out of what was held
    lab.mturk.reject_assignment(AssignmentId=refused.assignment_id, RequesterFeedback="")
    assert lab.balance() == start - Decimal("1.20")  # released
    lab.advance(300)  # expired; the third worker still holds a slot
    assert lab.balance() == start - Decimal("1.20")
    lab.advance(300)  # abandoned after expiry: released
    assert lab.balance() == start - Decimal("0.60")


def test_a_hit_the_balance_cannot_bear_is_refused_and_nothing_is_created(lab):
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        lab.create(Reward="100.00", MaxAssignments=1000)
    error = caught.value.response["Error"]
    assert error["Message"] == (
        "This Requester has insufficient funds in their account to complete this transaction."
        " Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs."
    )
    assert lab.mturk.list_hits()["HITs"] == []
    assert lab.balance() == Decimal("10000.00")


# --- externalSubmit -----------------------------------------------------------------------------


def test_external_submit_stores_the_form_as_answers(lab):
    hit_id = lab.create()["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    form = (
        f"assignmentId={work.assignment_id}&hitId={hit_id}&workerId=A1WORKER"
        "&turkSubmitTo=http%3A%2F%2Flocalhost&rating=5&rating=1&comment=%C3%A9t%C3%A9"
    )
    response = raw_request(
        lab.server,
        path="/mturk/externalSubmit",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200 and b"submitted" in response.body
    answer = lab.mturk.get_assignment(AssignmentId=work.assignment_id)["Assignment"]["Answer"]
    assert "<QuestionIdentifier>rating</QuestionIdentifier><FreeText>5</FreeText>" in answer
    assert "<FreeText>&#233;t&#233;</FreeText>" in answer
    assert "assignmentId" not in answer and "hitId" not in answer and "<FreeText>1<" not in answer


@pytest.mark.parametrize(
    ("assignment", "page"),
    [
        ("ASSIGNMENT_ID_NOT_AVAILABLE", b"You must ACCEPT the HIT"),
        ("", b"You must ACCEPT the HIT"),
        ("3NOSUCHASSIGNMENT", b"no longer available"),
    ],
)
def test_external_submit_errors_are_pages_and_store_nothing(lab, assignment, page):
    hit_id = lab.create()["HITId"]
    response = raw_request(
        lab.server,
        path="/mturk/externalSubmit",
        body=f"assignmentId={assignment}&answer=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200 and page in response.body
    assert response.headers["content-type"].startswith("text/html")
    assert lab.counters(hit_id) == ("Assignable", 1, 0, 0)


def test_a_moved_clock_is_exported_and_followed_by_a_load():
    later = datetime(2030, 1, 1, tzinfo=UTC)
    with serve([], start_time=later, frozen_clock=True) as saved, serve([]) as restored:
        saved.client().create_hit(**TYPE, LifetimeInSeconds=3600, Question=QUESTION)
        state = saved.state()
        assert state["Clock"] == {"Now": "2030-01-01T00:00:00Z", "Frozen": True}
        assert "Clock" not in restored.state()  # real time: nothing to restore
        restored.load(state, replace=True)
        assert (restored.clock.now(), restored.clock.frozen) == (later, True)
        assert restored.state() == state


def test_empty_results_are_exactly_an_empty_object(lab):
    hit_id = lab.create()["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    work.submit({})
    response = call(lab.server, "ApproveAssignment", {"AssignmentId": work.assignment_id})
    assert (response.status, response.body) == (200, b"{}")


def test_work_in_progress_can_be_loaded_and_is_abandoned_at_its_deadline(lab):
    now = lab.now
    lab.server.load(
        {
            "HITs": [
                hit_record(
                    "3LOADED",
                    CreationTime=now.isoformat(),
                    Expiration=(now + timedelta(hours=1)).isoformat(),
                    MaxAssignments=2,
                    HITStatus=None,
                )
            ],
            "Assignments": [
                {
                    "AssignmentId": "3INPROGRESS",
                    "WorkerId": "A1WORKER",
                    "HITId": "3LOADED",
                    "AssignmentStatus": "Accepted",
                    "AcceptTime": now.isoformat(),
                }
            ],
        }
    )
    assert lab.counters("3LOADED") == ("Assignable", 1, 1, 0)
    (held,) = lab.server.state()["Assignments"]
    assert held["Deadline"] == (now + timedelta(seconds=600)).isoformat().replace("+00:00", "Z")
    lab.advance(600)
    assert lab.counters("3LOADED") == ("Assignable", 2, 0, 0)
    assert lab.server.state()["Assignments"] == []
