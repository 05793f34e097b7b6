"""Qualification types, scores, requests, worker blocks and messages through boto3, and who may
accept what: each operation's serialization, checks and behaviour, the simulated workers'
profiles, requests and inboxes, and the exported state."""

from __future__ import annotations

import re
from typing import Any

import pytest
import support
from botocore.exceptions import ClientError
from support import WireChecker, call, raw_request

from mockturk.domain.qualifications import LOCALE, MASTERS, NUMBER_HITS_APPROVED, PERCENT_APPROVED
from mockturk.fixtures import FixtureError
from mockturk.testing import ControlError, InProcessServer

STAMP = re.compile(r" \(\d+\)$")
QUESTION, TYPE = support.LAB_QUESTION, support.LAB_HIT_TYPE
DUPLICATE = (
    "You have already created a QualificationType with this name. A QualificationType's name"
    " must be unique among all of the QualificationTypes created by the same user."
)
FORMS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
TEST = (
    f'<QuestionForm xmlns="{FORMS}2017-11-06/QuestionForm.xsd"><Question>'
    "<QuestionIdentifier>color</QuestionIdentifier><QuestionContent><Text>Sky?</Text>"
    "</QuestionContent><AnswerSpecification><SelectionAnswer><Selections>"
    "<Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text></Selection>"
    "<Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text></Selection>"
    "</Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"
)
ANSWER_KEY = (
    f'<AnswerKey xmlns="{FORMS}2005-10-01/AnswerKey.xsd"><Question>'
    "<QuestionIdentifier>color</QuestionIdentifier>"
    "<AnswerOption><SelectionIdentifier>blue</SelectionIdentifier><AnswerScore>10</AnswerScore>"
    "</AnswerOption></Question><QualificationValueMapping><PercentageMapping>"
    "<MaximumSummedScore>10</MaximumSummedScore></PercentageMapping>"
    "</QualificationValueMapping></AnswerKey>"
)


class Lab(support.Lab):
    def qualification_type(self, name: str = "Pretrained", **fields: Any) -> str:
        params = {"Description": "Did the training", "QualificationTypeStatus": "Active"}
        created = self.mturk.create_qualification_type(Name=name, **{**params, **fields})
        return created["QualificationType"]["QualificationTypeId"]  # type: ignore[no-any-return]

    def create(self, *requirements: dict[str, Any]) -> str:
        hit = self.mturk.create_hit(
            **TYPE,
            LifetimeInSeconds=3600,
            Question=QUESTION,
            MaxAssignments=5,
            QualificationRequirements=list(requirements),
        )["HIT"]
        return hit["HITId"]  # type: ignore[no-any-return]

    def approved_work(self, worker_id: str) -> None:
        """The worker does a HIT of this requester's and it is approved."""
        work = self.server.worker(worker_id).accept(self.create())
        work.submit({"answer": "yes"})
        self.mturk.approve_assignment(AssignmentId=work.assignment_id)


@pytest.fixture
def lab(lab_server: InProcessServer, wire: WireChecker) -> Lab:
    lab_server.reset(empty=True)
    return Lab(lab_server, wire)


def refused(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    body = error.value.response["Error"]
    return error.value.response["Error"]["Code"], STAMP.sub("", body["Message"])


# --- Qualification types -------------------------------------------------------------------------


def test_a_created_type_is_shown_as_the_real_service_showed_it(lab):
    created = lab.mturk.create_qualification_type(
        Name="CompletedPretraining",
        Description="Testing qualification",
        QualificationTypeStatus="Active",
    )["QualificationType"]
    assert set(created) == {
        "QualificationTypeId",
        "CreationTime",
        "Name",
        "Description",
        "QualificationTypeStatus",
        "IsRequestable",
        "AutoGranted",
    }
    assert (created["IsRequestable"], created["AutoGranted"]) == (True, False)
    assert created["CreationTime"] == lab.now
    assert len(created["QualificationTypeId"]) == 30
    got = lab.mturk.get_qualification_type(QualificationTypeId=created["QualificationTypeId"])
    assert got["QualificationType"] == created


def test_a_name_is_taken_once(lab):
    lab.qualification_type("Pretrained")
    with pytest.raises(ClientError) as error:
        lab.qualification_type("Pretrained")
    assert refused(error) == ("RequestError", DUPLICATE)
    assert error.value.response["Error"]["Message"].startswith(DUPLICATE)
    lab.qualification_type("pretrained")  # chosen: names compare exactly


def test_update_changes_what_may_change(lab):
    type_id = lab.qualification_type(Keywords="training")
    updated = lab.mturk.update_qualification_type(
        QualificationTypeId=type_id,
        Description="Changed",
        QualificationTypeStatus="Inactive",
        RetryDelayInSeconds=60,
    )["QualificationType"]
    assert updated["Description"] == "Changed"
    assert updated["RetryDelayInSeconds"] == 60
    assert (updated["QualificationTypeStatus"], updated["IsRequestable"]) == ("Inactive", False)
    assert updated["Keywords"] == "training"


@pytest.mark.parametrize(
    ("fields", "parameter"),
    [
        ({"Test": TEST}, "TestDurationInSeconds"),
        ({"Test": TEST, "TestDurationInSeconds": 60, "AutoGranted": True}, "AutoGranted"),
        ({"AnswerKey": ANSWER_KEY}, "AnswerKey"),
        ({"Test": QUESTION, "TestDurationInSeconds": 60}, "Test"),
        ({"Test": TEST, "TestDurationInSeconds": 60, "AnswerKey": "<AnswerKey/>x"}, "AnswerKey"),
    ],
)
def test_a_test_is_checked(lab, fields, parameter):
    params = {"Name": "Tested", "Description": "d", "QualificationTypeStatus": "Active"}
    response = call(lab.server, "CreateQualificationType", {**params, **fields})
    body = response.json()
    assert (response.status, body["__type"], body["Parameter"]) == (
        400,
        "ParameterValidationError",
        parameter,
    )
    assert lab.mturk.list_qualification_types(MustBeRequestable=True)["NumResults"] == 0


def test_a_deleted_type_is_gone_and_its_name_free(lab):
    type_id = lab.qualification_type("Pretrained")
    assert call(lab.server, "DeleteQualificationType", {"QualificationTypeId": type_id}).body == (
        b"{}"
    )
    with pytest.raises(ClientError) as error:
        lab.mturk.get_qualification_type(QualificationTypeId=type_id)
    assert refused(error) == ("RequestError", f"QualificationType {type_id} does not exist.")
    lab.qualification_type("Pretrained")


def test_listing_searches_filters_and_pages(lab):
    first = lab.qualification_type("Pretrained English", Keywords="language,skill")
    second = lab.qualification_type("Image tagger", Keywords="English,vision")
    lab.qualification_type("Dormant", QualificationTypeStatus="Inactive")

    def names(**params: Any) -> list[str]:
        found = lab.mturk.list_qualification_types(**params)["QualificationTypes"]
        return [t["Name"] for t in found]

    assert names(MustBeRequestable=True, Query="ENGLISH") == ["Pretrained English", "Image tagger"]
    assert names(MustBeRequestable=True, MustBeOwnedByCaller=True) == [
        "Pretrained English",
        "Image tagger",
    ]
    everything = names(MustBeRequestable=False)
    assert "Masters" in everything and "Dormant" in everything
    assert "Masters" not in names(MustBeRequestable=False, MustBeOwnedByCaller=True)
    page = lab.mturk.list_qualification_types(MustBeRequestable=True, MaxResults=1)
    following = lab.mturk.list_qualification_types(
        MustBeRequestable=True, MaxResults=1, NextToken=page["NextToken"]
    )
    ids = [t["QualificationTypeId"] for t in page["QualificationTypes"]]
    ids += [t["QualificationTypeId"] for t in following["QualificationTypes"]]
    assert ids == [first, second]


def test_system_types_are_there(lab):
    for type_id in (*MASTERS, NUMBER_HITS_APPROVED, LOCALE, PERCENT_APPROVED):
        shown = lab.mturk.get_qualification_type(QualificationTypeId=type_id)["QualificationType"]
        assert shown["IsRequestable"] is False
    with pytest.raises(ClientError) as error:
        lab.mturk.associate_qualification_with_worker(QualificationTypeId=LOCALE, WorkerId="A1ANN")
    assert error.value.response["Error"]["Code"] == "ParameterValidationError"


# --- Scores -------------------------------------------------------------------------------------


def test_grants_overwrite_revokes_and_regrants(lab):
    type_id = lab.qualification_type()
    grant = {"QualificationTypeId": type_id, "WorkerId": "A1ANN"}
    assert call(
        lab.server, "AssociateQualificationWithWorker", {**grant, "IntegerValue": 2}
    ).body == (b"{}")
    lab.mturk.associate_qualification_with_worker(**grant, IntegerValue=3)
    score = lab.mturk.get_qualification_score(**grant)["Qualification"]
    assert (score["IntegerValue"], score["Status"], score["GrantTime"]) == (3, "Granted", lab.now)
    lab.mturk.disassociate_qualification_from_worker(**grant, Reason="Left the study")
    with pytest.raises(ClientError) as error:
        lab.mturk.get_qualification_score(**grant)
    assert "status of: Granted" in refused(error)[1]
    revoked = lab.mturk.list_workers_with_qualification_type(
        QualificationTypeId=type_id, Status="Revoked"
    )["Qualifications"]
    assert [q["WorkerId"] for q in revoked] == ["A1ANN"]
    with pytest.raises(ClientError) as error:
        lab.mturk.disassociate_qualification_from_worker(**grant)
    assert refused(error)[1] == "You requested a Qualification that does not exist."
    lab.mturk.associate_qualification_with_worker(**grant)
    assert lab.mturk.get_qualification_score(**grant)["Qualification"]["IntegerValue"] == 1
    granted = lab.mturk.list_workers_with_qualification_type(
        QualificationTypeId=type_id, Status="Granted"
    )
    assert granted["NumResults"] == 1
    news = [m["Kind"] for m in lab.server.worker("A1ANN").inbox()]
    assert news == ["QualificationGranted"] * 2 + ["QualificationRevoked", "QualificationGranted"]


def test_a_score_never_granted_does_not_exist(lab):
    type_id = lab.qualification_type()
    for asked in (type_id, "3NOSUCHTYPE0000000000000000000"):
        with pytest.raises(ClientError) as error:
            lab.mturk.get_qualification_score(QualificationTypeId=asked, WorkerId="A1ANN")
        assert refused(error) == (
            "RequestError",
            "You requested a Qualification that does not exist.",
        )
        assert (
            error.value.response["TurkErrorCode"] == "AWS.MechanicalTurk.QualificationDoesNotExist"
        )


def test_system_scores_come_from_the_profile(lab):
    worker = lab.server.worker("A1ANN")
    profile = worker.profile(Country="US", Subdivision="PA", Approved=95, Rejected=5)
    assert (profile["NumberHITsApproved"], profile["PercentAssignmentsApproved"]) == (95, 95)
    score = lab.mturk.get_qualification_score(QualificationTypeId=LOCALE, WorkerId="A1ANN")
    assert score["Qualification"]["LocaleValue"] == {"Country": "US", "Subdivision": "PA"}
    assert worker.profile(Approved=50)["PercentAssignmentsApproved"] == 100  # < 100 submitted
    lab.approved_work("A1ANN")
    assert worker.profile()["NumberHITsApproved"] == 51
    with pytest.raises(ControlError) as error:
        worker.profile(Country="USA")
    assert error.value.code == "InvalidProfile"


# --- Who may accept -------------------------------------------------------------------------------


def test_a_worker_without_the_qualification_is_told_why(lab):
    type_id = lab.qualification_type()
    hit_id = lab.create(
        {
            "QualificationTypeId": type_id,
            "Comparator": "GreaterThanOrEqualTo",
            "IntegerValues": [80],
        }
    )
    worker = lab.server.worker("A1ANN")
    with pytest.raises(ControlError) as error:
        worker.accept(hit_id)
    assert (error.value.status, error.value.code) == (403, "NotQualified")
    assert f"{type_id} GreaterThanOrEqualTo 80" in error.value.message
    assert "does not have this qualification" in error.value.message
    lab.mturk.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId="A1ANN", IntegerValue=70
    )
    with pytest.raises(ControlError) as error:
        worker.accept(hit_id)
    assert "the worker's value is 70" in error.value.message
    lab.mturk.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId="A1ANN", IntegerValue=90
    )
    assert worker.accept(hit_id).hit_id == hit_id
    assert lab.counters(hit_id) == ("Assignable", 4, 1, 0)


def test_locale_and_masters_requirements(lab):
    hit_id = lab.create(
        {
            "QualificationTypeId": LOCALE,
            "Comparator": "EqualTo",
            "LocaleValues": [{"Country": "US", "Subdivision": "PA"}],
        },
        {"QualificationTypeId": MASTERS[1], "Comparator": "Exists"},
    )
    lab.server.worker("A1ANN").profile(Subdivision="NY", Masters=True)
    lab.server.worker("A2BOB").profile(Subdivision="PA")
    lab.server.worker("A3CAT").profile(Subdivision="PA", Masters=True)
    for worker_id, named in (("A1ANN", "Worker_Locale"), ("A2BOB", "Masters")):
        with pytest.raises(ControlError) as error:
            lab.server.worker(worker_id).accept(hit_id)
        assert named in error.value.message
    lab.server.worker("A3CAT").accept(hit_id)


def test_a_blocked_worker_cannot_accept_and_an_unblocked_one_can(lab):
    with pytest.raises(ClientError) as error:
        lab.mturk.create_worker_block(WorkerId="A1ANN", Reason="Spam")
    assert refused(error) == (
        "ParameterValidationError",
        'The value "A1ANN" is not valid for the parameter WorkerId.',
    )
    lab.approved_work("A1ANN")
    assert (
        call(lab.server, "CreateWorkerBlock", {"WorkerId": "A1ANN", "Reason": "Spam"}).body == b"{}"
    )
    lab.mturk.create_worker_block(WorkerId="A1ANN", Reason="Spam, again")
    blocks = lab.mturk.list_worker_blocks()["WorkerBlocks"]
    assert blocks == [{"WorkerId": "A1ANN", "Reason": "Spam, again"}]
    hit_id = lab.create()
    with pytest.raises(ControlError) as blocked:
        lab.server.worker("A1ANN").accept(hit_id)
    assert (blocked.value.status, blocked.value.code) == (403, "WorkerBlocked")
    lab.mturk.delete_worker_block(WorkerId="A1ANN", Reason="Forgiven")
    lab.mturk.delete_worker_block(WorkerId="A1ANN")  # not blocked: no error
    assert lab.mturk.list_worker_blocks()["NumResults"] == 0
    lab.server.worker("A1ANN").accept(hit_id)


def test_hits_for_a_qualification_type(lab):
    type_id = lab.qualification_type()
    wanted = lab.create({"QualificationTypeId": type_id, "Comparator": "Exists"})
    lab.create()
    found = lab.mturk.list_hits_for_qualification_type(QualificationTypeId=type_id)
    assert [h["HITId"] for h in found["HITs"]] == [wanted]


# --- Requests -------------------------------------------------------------------------------------


def test_an_auto_granted_type_grants_on_request(lab):
    type_id = lab.qualification_type(AutoGranted=True, AutoGrantedValue=7)
    made = lab.server.worker("A1ANN").request_qualification(type_id)
    assert made["Status"] == "Accepted"
    score = lab.mturk.get_qualification_score(QualificationTypeId=type_id, WorkerId="A1ANN")
    assert score["Qualification"]["IntegerValue"] == 7
    assert lab.mturk.list_qualification_requests()["NumResults"] == 0


def test_a_test_with_an_answer_key_is_scored(lab):
    type_id = lab.qualification_type(Test=TEST, TestDurationInSeconds=300, AnswerKey=ANSWER_KEY)
    lab.server.worker("A1ANN").request_qualification(type_id, {"color": "blue"})
    lab.server.worker("A2BOB").request_qualification(type_id, {"color": "red"})
    scores = {
        q["WorkerId"]: q["IntegerValue"]
        for q in lab.mturk.list_workers_with_qualification_type(QualificationTypeId=type_id)[
            "Qualifications"
        ]
    }
    assert scores == {"A1ANN": 100, "A2BOB": 0}
    with pytest.raises(ControlError) as error:
        lab.server.worker("A3CAT").request_qualification(type_id)
    assert error.value.code == "TestNotAnswered"


def test_requests_wait_for_the_requester_and_retry_on_the_clock(lab):
    type_id = lab.qualification_type(RetryDelayInSeconds=3600)
    worker = lab.server.worker("A1ANN")
    made = worker.request_qualification(type_id)
    assert made["Status"] == "Pending"
    with pytest.raises(ControlError) as error:
        worker.request_qualification(type_id)
    assert error.value.code == "RequestPending"
    listed = lab.mturk.list_qualification_requests(QualificationTypeId=type_id)
    (request,) = listed["QualificationRequests"]
    assert request["WorkerId"] == "A1ANN" and request["SubmitTime"] == lab.now
    request_id = request["QualificationRequestId"]
    assert (
        call(
            lab.server,
            "RejectQualificationRequest",
            {"QualificationRequestId": request_id, "Reason": "Not yet"},
        ).body
        == b"{}"
    )
    with pytest.raises(ClientError) as error:
        lab.mturk.accept_qualification_request(QualificationRequestId=request_id)
    assert refused(error)[1] == f"The Qualification request {request_id} is not in a pending state."
    with pytest.raises(ControlError) as error:
        worker.request_qualification(type_id)
    assert error.value.code == "RetryTooSoon"
    lab.advance(3600)
    again = worker.request_qualification(type_id)["QualificationRequestId"]
    lab.mturk.accept_qualification_request(QualificationRequestId=again, IntegerValue=5)
    score = lab.mturk.get_qualification_score(QualificationTypeId=type_id, WorkerId="A1ANN")
    assert score["Qualification"]["IntegerValue"] == 5
    assert [m["Kind"] for m in worker.inbox()] == [
        "QualificationRequestRejected",
        "QualificationGranted",
    ]
    assert "Not yet" in worker.inbox()[0]["MessageText"]


def test_a_type_without_a_retry_delay_is_requested_once(lab):
    type_id = lab.qualification_type()
    worker = lab.server.worker("A1ANN")
    worker.request_qualification(type_id)
    (request,) = lab.mturk.list_qualification_requests()["QualificationRequests"]
    lab.mturk.reject_qualification_request(QualificationRequestId=request["QualificationRequestId"])
    with pytest.raises(ControlError) as error:
        worker.request_qualification(type_id)
    assert error.value.code == "NoRetry"
    inactive = lab.qualification_type("Closed", QualificationTypeStatus="Inactive")
    with pytest.raises(ControlError) as error:
        worker.request_qualification(inactive)
    assert error.value.code == "NotRequestable"


def test_deleting_a_type_rejects_its_pending_requests(lab):
    type_id = lab.qualification_type()
    lab.server.worker("A1ANN").request_qualification(type_id)
    lab.mturk.delete_qualification_type(QualificationTypeId=type_id)
    assert lab.mturk.list_qualification_requests()["NumResults"] == 0
    assert lab.server.worker("A1ANN").inbox()[-1]["Kind"] == "QualificationRequestRejected"


# --- Messages ------------------------------------------------------------------------------------


def test_notify_workers_reports_failures_and_delivers_the_rest(lab):
    lab.approved_work("A1ANN")
    answer = lab.mturk.notify_workers(
        Subject="Thanks", MessageText="A bonus is coming.", WorkerIds=["A1ANN", "A2BOB"]
    )
    assert answer["NotifyWorkersFailureStatuses"] == [
        {
            "NotifyWorkersFailureCode": "HardFailure",
            "NotifyWorkersFailureMessage": (
                "Cannot send a notification to a worker who has not done any work for you"
            ),
            "WorkerId": "A2BOB",
        }
    ]
    (message,) = lab.server.worker("A1ANN").inbox()
    assert (message["Subject"], message["MessageText"]) == ("Thanks", "A bonus is coming.")
    clean = call(
        lab.server, "NotifyWorkers", {"Subject": "s", "MessageText": "t", "WorkerIds": ["A1ANN"]}
    )
    assert clean.json() == {"NotifyWorkersFailureStatuses": []}


# --- State ----------------------------------------------------------------------------------------


def test_the_state_exports_loads_back_and_resets(lab):
    type_id = lab.qualification_type(RetryDelayInSeconds=60, Keywords="k")
    lab.approved_work("A1ANN")
    lab.mturk.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId="A1ANN")
    lab.server.worker("A2BOB").request_qualification(type_id)
    lab.server.worker("A2BOB").profile(Country="GB", Masters=True)
    lab.mturk.create_worker_block(WorkerId="A1ANN", Reason="r")
    saved = lab.server.state()
    for section in (
        "QualificationTypes",
        "Qualifications",
        "QualificationRequests",
        "WorkerBlocks",
        "Workers",
        "Messages",
    ):
        assert saved[section], section
    lab.server.load(saved, replace=True)
    assert lab.server.state() == saved
    lab.server.reset(empty=True)
    assert "QualificationTypes" not in lab.server.state()
    with pytest.raises(ClientError):
        lab.mturk.get_qualification_type(QualificationTypeId=type_id)


def test_worker_sections_of_a_fixture_are_checked(lab):
    bad = {
        "Workers": [{"WorkerId": "A1ANN", "Country": "USA"}],
        "Qualifications": [{"QualificationTypeId": "3X", "WorkerId": "nobody", "GrantTime": 0}],
    }
    with pytest.raises(FixtureError) as error:
        lab.server.load(bad)
    problems = "\n".join(error.value.problems)
    assert "Workers[0] (WorkerId A1ANN), field 'Country'" in problems
    assert "Qualifications[0] (QualificationTypeId 3X), field 'WorkerId'" in problems
    assert "Workers" not in lab.server.state()
    lab.server.load({"Workers": [{"WorkerId": "A1ANN", "Country": "GB", "Masters": True}]})
    assert lab.server.worker("A1ANN").profile()["Country"] == "GB"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/_mockturk/workers/nobody/profile", None, 400, "InvalidWorkerId"),
        ("POST", "/_mockturk/workers/A1ANN/profile", {"Planet": "Mars"}, 400, "InvalidProfile"),
        ("POST", "/_mockturk/workers/A1ANN/profile", [1], 400, "MalformedBody"),
        ("GET", "/_mockturk/workers/nobody/inbox", None, 400, "InvalidWorkerId"),
        ("POST", "/_mockturk/workers/A1ANN/inbox", None, 405, "MethodNotAllowed"),
        ("POST", "/_mockturk/workers/A1ANN/qualification-requests", {}, 400, "MalformedBody"),
        (
            "POST",
            "/_mockturk/workers/A1ANN/qualification-requests",
            {"QualificationTypeId": "3NOSUCHTYPE", "answers": {}},
            404,
            "NotRequestable",
        ),
        (
            "POST",
            "/_mockturk/workers/A1ANN/qualification-requests",
            {"QualificationTypeId": "3X", "Answer": "<not-answers/>"},
            400,
            "InvalidAnswer",
        ),
    ],
)
def test_the_worker_control_api_refuses_what_it_cannot_do(lab, method, path, body, status, code):
    before = lab.server.state()
    response = raw_request(lab.server, method=method, path=path, body=body)
    assert (response.status, response.json()["error"]) == (status, code), response.body
    assert lab.server.state() == before


def test_the_worker_control_api_answers_json(lab):
    response = raw_request(lab.server, method="GET", path="/_mockturk/workers/A1ANN/profile")
    assert response.json() == {
        "WorkerId": "A1ANN",
        "Country": "US",
        "Masters": False,
        "Adult": False,
        "Approved": 0,
        "Rejected": 0,
        "NumberHITsApproved": 0,
        "PercentAssignmentsApproved": 100,
    }
    inbox = raw_request(lab.server, method="GET", path="/_mockturk/workers/A1ANN/inbox")
    assert inbox.json() == {"Messages": []}


def test_a_hit_can_require_only_a_type_that_exists_and_is_active(lab):
    dormant = lab.qualification_type("Dormant", QualificationTypeStatus="Inactive")
    missing = "3NOSUCHTYPE0000000000000000000"
    for type_id, code in ((missing, "RequestError"), (dormant, "ParameterValidationError")):
        with pytest.raises(ClientError) as error:
            lab.create({"QualificationTypeId": type_id, "Comparator": "Exists"})
        assert error.value.response["Error"]["Code"] == code
        assert type_id in error.value.response["Error"]["Message"]
    assert lab.mturk.list_hits()["NumResults"] == 0
    assert "HITTypes" not in lab.server.state()
