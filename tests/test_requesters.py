"""Requesters kept apart (``requesters="per-key"``): boto3 clients holding different keys each
see their own HITs, types, blocks, balance and settings; another requester's IDs answer as IDs
nobody knows; workers are shared. And the default: one requester, whatever the credentials."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st
from support import (
    LAB_HIT_TYPE,
    LAB_QUESTION,
    LAB_START,
    checked,
    fuzz_settings,
    hit_record,
    raw_request,
)
from test_web import Visitor

from mockturk.app import create_app
from mockturk.domain import qualifications as q
from mockturk.fixtures import FixtureError
from mockturk.requesters import MAX_NAME_LENGTH
from mockturk.testing import (
    ControlError,
    InProcessServer,
    Requester,
    ThreadedServer,
    boto3_client,
    control_request,
    serve,
)
from mockturk.trust import TrustSettings, sigv4

WORKER = "A1SHAREDWORKER"
ALIKE_TYPE = {"Title": "Alike", "Reward": "0.50"}
DOES_NOT_EXIST = "does not exist"


@pytest.fixture(scope="module")
def isolating() -> Iterator[InProcessServer]:
    with serve([], requesters="per-key", start_time=LAB_START, frozen_clock=True) as server:
        yield server


@pytest.fixture
def apart(isolating: InProcessServer) -> InProcessServer:
    isolating.reset(empty=True)
    return isolating


def hit_of(mturk: Any, **fields: Any) -> dict[str, Any]:
    given = {**LAB_HIT_TYPE, "LifetimeInSeconds": 3600, "Question": LAB_QUESTION, **fields}
    hit: dict[str, Any] = mturk.create_hit(**given)["HIT"]
    return hit


def answer(operation: Callable[..., Any], params: dict[str, Any]) -> Any:
    """What a call got: its error's status, code and message, or its response body."""
    try:
        body = operation(**params)
    except ClientError as error:
        response = error.response
        return (
            response["ResponseMetadata"]["HTTPStatusCode"],
            response["Error"]["Code"],
            response["Error"]["Message"],
        )
    body.pop("ResponseMetadata", None)
    return dict(body)


def unknown_like(identifier: str) -> str:
    """An ID of the same length and alphabet that nobody holds."""
    return identifier[:-4] + ("ZZZZ" if not identifier.endswith("ZZZZ") else "YYYY")


# --- The default: one requester --------------------------------------------------------------


def test_by_default_every_caller_is_the_same_requester():
    with serve([], start_time=LAB_START, frozen_clock=True) as server:
        mine = boto3_client(server.endpoint_url, aws_access_key_id="AKIAONE")
        other = boto3_client(server.endpoint_url, aws_access_key_id="AKIATWO")
        hit = hit_of(mine)
        assert other.get_hit(HITId=hit["HITId"])["HIT"]["HITId"] == hit["HITId"]
        with pytest.raises(ControlError) as refused:
            server.requester("AKIATWO").state()
        assert (refused.value.status, refused.value.code) == (400, "InvalidRequester")
        assert "--requesters per-key" in refused.value.message
        status, body = get(server, "requesters")
        assert status == 200
        assert [r["Name"] for r in body["Requesters"]] == ["mock"]


# --- Each requester its own -------------------------------------------------------------------


def test_each_requester_has_its_own_hits_balance_and_tokens(apart: InProcessServer):
    alice, bob = apart.requester("alice").client(), apart.requester("bob").client()
    made = hit_of(alice, Reward="2.00", UniqueRequestToken="same-token")
    assert [h["HITId"] for h in alice.list_hits()["HITs"]] == [made["HITId"]]
    assert bob.list_hits()["HITs"] == []
    assert alice.get_account_balance()["AvailableBalance"] == "9997.60"
    assert bob.get_account_balance()["AvailableBalance"] == "10000.00"
    # A UniqueRequestToken is one requester's: the other may use it too.
    theirs = hit_of(bob, UniqueRequestToken="same-token")
    assert theirs["HITId"] != made["HITId"]
    assert [h["HITId"] for h in apart.requester("bob").state()["HITs"]] == [theirs["HITId"]]
    assert [h["HITId"] for h in apart.requester("alice").state()["HITs"]] == [made["HITId"]]


def test_qualification_type_names_and_blocks_are_each_requesters_own(apart: InProcessServer):
    alice, bob = apart.requester("alice").client(), apart.requester("bob").client()
    apart.worker(WORKER).profile(Country="US")  # a worker the environment knows
    spec = {"Name": "Trained", "Description": "d", "QualificationTypeStatus": "Active"}
    mine = alice.create_qualification_type(**spec)["QualificationType"]
    theirs = bob.create_qualification_type(**spec)["QualificationType"]  # the same name: allowed
    assert mine["QualificationTypeId"] != theirs["QualificationTypeId"]
    owned = {"MustBeRequestable": False, "MustBeOwnedByCaller": True}
    assert [
        t["QualificationTypeId"]
        for t in alice.list_qualification_types(**owned)["QualificationTypes"]
    ] == [mine["QualificationTypeId"]]
    alice.create_worker_block(WorkerId=WORKER, Reason="spam")
    assert [b["WorkerId"] for b in alice.list_worker_blocks()["WorkerBlocks"]] == [WORKER]
    assert bob.list_worker_blocks()["WorkerBlocks"] == []


def test_another_requesters_ids_answer_as_ids_nobody_holds(apart: InProcessServer):
    """Every operation that takes an ID, called by bob with alice's and with an unknown one of
    the same shape: the same answer (the ID aside), and nobody's records change."""
    alice = checked(apart.requester("alice").client())
    bob = checked(apart.requester("bob").client())
    world = alice_world(apart, alice)
    own_type = bob.create_hit_type(**LAB_HIT_TYPE)["HITTypeId"]
    own_hit = hit_of(bob)["HITId"]
    before = (apart.requester("alice").state(), apart.requester("bob").state())
    for name, params in calls_with_ids(world, own_type, own_hit):
        operation = getattr(bob, name)
        given = answer(operation, params)
        expected = answer(operation, replaced(params, world))
        assert _without_ids(given, world) == _without_ids(expected, world), name
        if isinstance(given, tuple):
            assert given[0] == 400, name
    assert (apart.requester("alice").state(), apart.requester("bob").state()) == before


def alice_world(server: InProcessServer, alice: Any) -> dict[str, str]:
    """Alice's HIT type (with notification settings), HIT, submitted assignment, qualification
    type and a pending request for it: every kind of ID there is."""
    hit = hit_of(alice, MaxAssignments=2)
    work = server.worker(WORKER).accept(hit["HITId"])
    work.submit({"answer": "yes"})
    type_id = alice.create_qualification_type(
        Name="Alice's", Description="d", QualificationTypeStatus="Active", RetryDelayInSeconds=1
    )["QualificationType"]["QualificationTypeId"]
    request = server.worker(WORKER).request_qualification(type_id)
    alice.update_notification_settings(
        HITTypeId=hit["HITTypeId"],
        Notification={
            "Destination": "https://sqs.us-east-1.amazonaws.com/123456789012/alice",
            "Transport": "SQS",
            "Version": "2006-05-05",
            "EventTypes": ["AssignmentSubmitted"],
        },
        Active=True,
    )
    return {
        "hit": hit["HITId"],
        "hit_type": hit["HITTypeId"],
        "assignment": work.assignment_id,
        "type": type_id,
        "request": request["QualificationRequestId"],
    }


def replaced(value: Any, world: dict[str, str]) -> Any:
    """A value with alice's IDs (in nested requirements too) made unknown."""
    if isinstance(value, str):
        return unknown_like(value) if value in world.values() else value
    if isinstance(value, list):
        return [replaced(item, world) for item in value]
    if isinstance(value, dict):
        return {key: replaced(item, world) for key, item in value.items()}
    return value


def _without_ids(got: Any, world: dict[str, str]) -> Any:
    """An answer with alice's IDs and their unknown twins put as one placeholder."""
    text = json.dumps(got, default=str, sort_keys=True)
    for identifier in world.values():
        text = text.replace(identifier, "<ID>").replace(unknown_like(identifier), "<ID>")
    return text


def calls_with_ids(
    world: dict[str, str], own_type: str, own_hit: str
) -> list[tuple[str, dict[str, Any]]]:
    hit, hit_type, assignment = world["hit"], world["hit_type"], world["assignment"]
    type_id, request = world["type"], world["request"]
    later = LAB_START + timedelta(days=2)
    requirement = [{"QualificationTypeId": type_id, "Comparator": "Exists"}]
    return [
        ("get_hit", {"HITId": hit}),
        ("delete_hit", {"HITId": hit}),
        ("update_expiration_for_hit", {"HITId": hit, "ExpireAt": later}),
        ("update_hit_review_status", {"HITId": hit}),
        ("update_hit_type_of_hit", {"HITId": hit, "HITTypeId": own_type}),
        ("update_hit_type_of_hit", {"HITId": own_hit, "HITTypeId": hit_type}),
        (
            "create_additional_assignments_for_hit",
            {"HITId": hit, "NumberOfAdditionalAssignments": 1},
        ),
        ("list_assignments_for_hit", {"HITId": hit}),
        ("list_bonus_payments", {"HITId": hit}),
        ("list_bonus_payments", {"AssignmentId": assignment}),
        ("list_review_policy_results_for_hit", {"HITId": hit}),
        ("get_assignment", {"AssignmentId": assignment}),
        ("approve_assignment", {"AssignmentId": assignment}),
        ("reject_assignment", {"AssignmentId": assignment, "RequesterFeedback": "no"}),
        (
            "send_bonus",
            {"WorkerId": WORKER, "BonusAmount": "1.00", "AssignmentId": assignment, "Reason": "r"},
        ),
        (
            "create_hit_with_hit_type",
            {"HITTypeId": hit_type, "LifetimeInSeconds": 60, "Question": LAB_QUESTION},
        ),
        ("list_reviewable_hits", {"HITTypeId": hit_type}),
        ("update_notification_settings", {"HITTypeId": hit_type, "Active": False}),
        ("get_qualification_type", {"QualificationTypeId": type_id}),
        ("update_qualification_type", {"QualificationTypeId": type_id, "Description": "x"}),
        ("delete_qualification_type", {"QualificationTypeId": type_id}),
        (
            "associate_qualification_with_worker",
            {"QualificationTypeId": type_id, "WorkerId": WORKER, "IntegerValue": 5},
        ),
        (
            "disassociate_qualification_from_worker",
            {"QualificationTypeId": type_id, "WorkerId": WORKER},
        ),
        ("get_qualification_score", {"QualificationTypeId": type_id, "WorkerId": WORKER}),
        ("list_workers_with_qualification_type", {"QualificationTypeId": type_id}),
        ("list_hits_for_qualification_type", {"QualificationTypeId": type_id}),
        ("list_qualification_requests", {"QualificationTypeId": type_id}),
        ("accept_qualification_request", {"QualificationRequestId": request}),
        ("reject_qualification_request", {"QualificationRequestId": request}),
        (
            "create_hit",
            {
                **LAB_HIT_TYPE,
                "LifetimeInSeconds": 60,
                "Question": LAB_QUESTION,
                "QualificationRequirements": requirement,
            },
        ),
    ]


def test_another_requesters_hit_is_said_not_to_exist(apart: InProcessServer):
    alice, bob = apart.requester("alice").client(), apart.requester("bob").client()
    hit = hit_of(alice)
    with pytest.raises(ClientError) as refused:
        bob.get_hit(HITId=hit["HITId"])
    assert refused.value.response["Error"]["Code"] == "RequestError"
    assert DOES_NOT_EXIST in refused.value.response["Error"]["Message"]


# --- Workers are shared -----------------------------------------------------------------------


def test_a_worker_does_every_requesters_hits_and_their_record_counts_everywhere(
    apart: InProcessServer,
):
    alice, bob = apart.requester("alice").client(), apart.requester("bob").client()
    worker = apart.worker(WORKER)
    first = worker.accept(hit_of(alice)["HITId"])
    first.submit({"answer": "a"})
    alice.approve_assignment(AssignmentId=first.assignment_id)
    # Bob wants workers with an approved HIT: the one approved by alice counts.
    wanted = [
        {
            "QualificationTypeId": q.NUMBER_HITS_APPROVED,
            "Comparator": "GreaterThanOrEqualTo",
            "IntegerValues": [1],
            "ActionsGuarded": "Accept",
        }
    ]
    theirs = hit_of(bob, QualificationRequirements=wanted)
    second = worker.accept(theirs["HITId"])
    second.submit({"answer": "b"})
    assert bob.get_assignment(AssignmentId=second.assignment_id)["Assignment"]["WorkerId"] == (
        WORKER
    )
    with pytest.raises(ClientError):
        alice.get_assignment(AssignmentId=second.assignment_id)
    assert worker.profile()["NumberHITsApproved"] == 1
    # A block is the blocking requester's alone.
    alice.create_worker_block(WorkerId=WORKER, Reason="enough")
    with pytest.raises(ControlError) as blocked:
        worker.accept(hit_of(alice)["HITId"])
    assert blocked.value.code == "WorkerBlocked"
    worker.accept(hit_of(bob)["HITId"])


def test_messages_from_every_requester_reach_the_one_inbox(apart: InProcessServer):
    alice, bob = apart.requester("alice").client(), apart.requester("bob").client()
    worker = apart.worker(WORKER)
    for client, text in ((alice, "from alice"), (bob, "from bob")):
        work = worker.accept(hit_of(client)["HITId"])
        work.submit({"answer": "x"})
        client.approve_assignment(AssignmentId=work.assignment_id)
        sent = client.notify_workers(Subject="hi", MessageText=text, WorkerIds=[WORKER])
        assert sent["NotifyWorkersFailureStatuses"] == []
    texts = [m["MessageText"] for m in worker.inbox() if m["Kind"] == "NotifyWorkers"]
    assert texts == ["from alice", "from bob"]


def test_the_worker_site_lists_every_requesters_hits(apart: InProcessServer):
    alice, bob = apart.requester("alice").client(), apart.requester("bob").client()
    hit_of(alice, Title="Alice's survey")
    theirs = hit_of(bob, Title="Bob's survey")
    visitor = Visitor(apart)
    visitor.work_as(WORKER)
    status, _, page = visitor.get("/site/")
    assert status == 200
    assert "Alice&#39;s survey" in page and "Bob&#39;s survey" in page
    status, headers, _ = visitor.post(f"/site/hits/{theirs['HITId']}/accept")
    assert status == 303
    assignment_id = headers["location"].rsplit("/", 1)[1]
    assert bob.list_assignments_for_hit(HITId=theirs["HITId"])["Assignments"] == []
    assert apart.requester("bob").state()["Assignments"][0]["AssignmentId"] == assignment_id


def test_the_requester_view_shows_each_requester_and_reviews_as_the_hits_own(
    apart: InProcessServer,
):
    alice, bob = apart.requester("alice").client(), apart.requester("bob").client()
    hit_of(alice, Title="Alice's survey")
    theirs = hit_of(bob, Title="Bob's survey")["HITId"]
    work = apart.worker(WORKER).accept(theirs)
    work.submit({"answer": "yes"})
    hit_of(bob, Title="Bob's next survey")
    visitor = Visitor(apart)
    visitor.work_as(WORKER)
    status, _, page = visitor.get("/site/")
    assert ">alice</td>" in page and ">bob</td>" in page  # each group names its requester
    status, _, page = visitor.get("/site/requester?requester=bob")
    assert status == 200
    assert "Bob&#39;s survey" in page and "Alice&#39;s survey" not in page
    assert "Bob&#39;s next survey" in page
    assert "?requester=alice" in page  # the others, one link each
    status, headers, _ = visitor.post(
        f"/site/requester/assignments/{work.assignment_id}/approve", {"RequesterFeedback": "ok"}
    )
    assert status == 303
    assert headers["location"].endswith(f"/requester/hits/{theirs}?done=approved")
    assignment = bob.get_assignment(AssignmentId=work.assignment_id)["Assignment"]
    assert assignment["AssignmentStatus"] == "Approved"
    status, _, page = visitor.get(f"/site/requester/hits/{theirs}")
    assert status == 200 and "?requester=bob" in page
    status, _, _ = visitor.get("/site/requester?requester=nobody")
    assert status == 404


# --- The control API and the Python API address one requester ---------------------------------


def get(server: InProcessServer, name: str, **query: str) -> tuple[int, Any]:
    try:
        return 200, control_request(server.endpoint_url, "GET", name, query)
    except ControlError as error:
        return error.status, {"error": error.code, "message": error.message}


def test_a_requester_is_loaded_reset_and_exported_alone(apart: InProcessServer):
    bob = apart.requester("bob")
    first = apart.requester("mock")
    hit_of(first.client())
    apart.clock.advance(60)
    now = apart.clock.now()
    bob.load({"HITs": [], "Account": {"AvailableBalance": "12.00"}})
    assert bob.client().get_account_balance()["AvailableBalance"] == "12.00"
    hit_of(bob.client(), Reward="1.00")
    status, listing = get(apart, "requesters")
    assert status == 200
    by_name = {r["Name"]: r for r in listing["Requesters"]}
    assert by_name["bob"]["AvailableBalance"] == "10.80"
    assert by_name["bob"]["records"]["HITs"] == 1
    assert by_name["mock"]["records"]["HITs"] == 1
    bob.reset(empty=True)
    assert bob.state()["HITs"] == []
    assert len(first.state()["HITs"]) == 1  # the others' stay, and so does the clock
    assert apart.clock.now() == now
    assert bob.client().get_account_balance()["AvailableBalance"] == "10000.00"


def test_a_refused_load_for_a_new_requester_makes_none(apart: InProcessServer):
    with pytest.raises(FixtureError):
        apart.requester("dora").load({"HITs": [{"HITId": "3BAD"}]})
    assert "dora" not in [r["Name"] for r in get(apart, "requesters")[1]["Requesters"]]
    apart.requester("dora").load({"HITs": []})
    assert "dora" in [r["Name"] for r in get(apart, "requesters")[1]["Requesters"]]


def test_hits_loaded_alike_for_two_requesters_get_types_and_groups_of_their_own(
    apart: InProcessServer,
):
    for name, hit_id in (("mock", "3LOADEDFIRST"), ("bob", "3LOADEDBOB")):
        apart.requester(name).load({"HITs": [hit_record(hit_id, Title="Alike")]})
    first = apart.requester("mock").state()["HITs"][0]
    theirs = apart.requester("bob").state()["HITs"][0]
    assert first["HITTypeId"] != theirs["HITTypeId"]
    assert first["HITGroupId"] != theirs["HITGroupId"]
    one = hit_of(apart.requester("bob").client(), **ALIKE_TYPE)
    other = hit_of(apart.requester("bob").client(), **ALIKE_TYPE)
    assert one["HITTypeId"] == other["HITTypeId"]  # one requester's alike HITs share one


def test_the_whole_server_reset_resets_every_requester(apart: InProcessServer):
    bob = apart.requester("bob")
    hit_of(bob.client())
    apart.reset()
    assert bob.state()["HITs"] == []


def test_the_first_requester_is_the_plain_clients_and_the_servers_own(apart: InProcessServer):
    hit = hit_of(apart.client())
    assert [h["HITId"] for h in apart.state()["HITs"]] == [hit["HITId"]]
    assert [h["HITId"] for h in apart.requester("mock").state()["HITs"]] == [hit["HITId"]]


@pytest.mark.parametrize(
    ("name", "told"),
    [
        ("x" * (MAX_NAME_LENGTH + 1), "a name has 1 to"),
        (" padded", "surrounding spaces"),
        ("a/b", "without '/'"),
        ("", "a name has 1 to"),
    ],
)
def test_a_name_that_cannot_be_a_requesters_is_refused(apart: InProcessServer, name, told):
    status, body = get(apart, "state", requester=name)
    assert status == 400
    assert body["error"] == "InvalidRequester"
    assert told in body["message"]
    assert name not in [r["Name"] for r in get(apart, "requesters")[1]["Requesters"]]


def test_a_key_that_cannot_be_a_requester_is_an_unrecognized_client(apart: InProcessServer):
    mturk = boto3_client(apart.endpoint_url, aws_access_key_id="K" * (MAX_NAME_LENGTH + 1))
    with pytest.raises(ClientError) as refused:
        mturk.list_hits()
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


def test_a_requester_is_made_at_its_first_request_and_keeps_its_records(apart: InProcessServer):
    carol = apart.requester("AKIACAROL")
    assert "AKIACAROL" not in [r["Name"] for r in get(apart, "requesters")[1]["Requesters"]]
    hit = hit_of(carol.client())
    assert [h["HITId"] for h in carol.state()["HITs"]] == [hit["HITId"]]
    assert isinstance(carol, Requester)


# --- With signatures checked: each key its requester -----------------------------------------


KEYS = {"AKIAALICE": "alice-secret", "AKIABOB": "bob-secret"}


def test_verified_keys_are_each_their_own_requester_and_a_wrong_one_makes_none():
    with serve(
        [], requesters="per-key", verify_signatures=True, access_keys=KEYS, frozen_clock=True
    ) as server:
        alice, bob = server.requester("AKIAALICE"), server.requester("AKIABOB")
        hit = hit_of(alice.client())
        assert bob.client().list_hits()["HITs"] == []
        wrong = boto3_client(
            server.endpoint_url, aws_access_key_id="AKIABOB", aws_secret_access_key="guess"
        )
        with pytest.raises(ClientError) as refused:
            wrong.get_hit(HITId=hit["HITId"])
        assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
        stranger = boto3_client(
            server.endpoint_url, aws_access_key_id="AKIASTRANGER", aws_secret_access_key="x"
        )
        with pytest.raises(ClientError) as unknown:
            stranger.list_hits()
        assert unknown.value.response["Error"]["Code"] == "UnrecognizedClientException"
        names = [r["Name"] for r in get(server, "requesters")[1]["Requesters"]]
        assert "AKIASTRANGER" not in names


def test_keys_of_a_credentials_file_belong_to_the_requesters_their_sections_name(
    tmp_path: Path,
):
    path = tmp_path / "credentials"
    path.write_text(
        "[alice]\naws_access_key_id = AKIAALICE1\naws_secret_access_key = s1\n"
        "[bob]\naws_access_key_id = AKIABOB1\naws_secret_access_key = s2\n"
    )
    keys = sigv4.read_credentials_file(path)
    trust = TrustSettings(verify_signatures=True, access_keys=keys, requesters="per-key")
    running = ThreadedServer(create_app(None, trust=trust)).start()
    try:
        url = f"http://127.0.0.1:{running.port}"
        alice = boto3_client(url, aws_access_key_id="AKIAALICE1", aws_secret_access_key="s1")
        hit_of(alice)
        answer_of = control_request(url, "GET", "requesters")
        by_name = {r["Name"]: r["records"]["HITs"] for r in answer_of["Requesters"]}
        # The first key's requester holds the start-up fixtures (none here).
        assert by_name == {"alice": 1}
        assert control_request(url, "GET", "state", {"requester": "alice"})["HITs"][0]
    finally:
        running.stop()


def raw_get(server: InProcessServer, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_health_counts_the_records_of_every_requester(apart: InProcessServer):
    hit_of(apart.requester("alice").client())
    hit_of(apart.requester("bob").client())
    status, body = raw_get(apart, "/_mockturk/health")
    assert status == 200
    assert json.loads(body)["records"]["HITs"] == 2


# --- Whatever a caller claims to be ------------------------------------------------------------

# What an HTTP header can carry (uvicorn refuses DEL itself), but for the Credential's own marks.
KEY_IDS = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="/,= \x7f"),
    min_size=1,
    max_size=MAX_NAME_LENGTH + 20,
)


@given(key_id=KEY_IDS)
@fuzz_settings(60)
def test_any_claimed_key_is_a_requester_or_an_unrecognized_client(isolating, key_id):
    isolating.reset(empty=True)
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/20261201/us-east-1/mturk-requester/aws4_request,"
        " SignedHeaders=host, Signature=0"
    )
    response = raw_request(
        isolating, body="{}", target="ListHITs", headers={"Authorization": authorization}
    )
    if response.status == 200:
        assert response.json()["NumResults"] == 0
    else:
        assert (response.status, response.json()["__type"]) == (
            400,
            "com.amazon.coral.service#UnrecognizedClientException",
        )
    isolating.check()


def test_past_the_most_requesters_a_new_key_is_unrecognized(apart, monkeypatch):
    held = len(get(apart, "requesters")[1]["Requesters"])
    monkeypatch.setattr("mockturk.requesters.MAX_REQUESTERS", held + 1)
    boto3_client(apart.endpoint_url, aws_access_key_id="AKIALAST").list_hits()
    with pytest.raises(ClientError) as refused:
        boto3_client(apart.endpoint_url, aws_access_key_id="AKIAONEMORE").list_hits()
    assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"
    status, body = get(apart, "state", requester="AKIAONEMORE")
    assert (status, body["error"]) == (400, "InvalidRequester")
    assert "the most it keeps" in body["message"]
