"""The control API under /_mockturk/, over raw HTTP against a server of this module's own.

Every endpoint and every error it documents; loads that are all or nothing, upserts and
replacement; and the round trip state -> reset to empty -> fixtures -> the identical state.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import (
    JSON_11,
    WireChecker,
    assignment_record,
    check_error_body,
    checked,
    hit_record,
    raw_request,
)

import mockturk
from mockturk.fixtures import FixtureError, build_dataset, load_fixture_paths
from mockturk.testing import InProcessServer, serve

CONTROL_JSON = "application/json"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")
TIMESTAMP_FIELDS = {
    "CreationTime", "Expiration", "AcceptTime", "SubmitTime", "AutoApprovalTime",
    "ApprovalTime", "RejectionTime", "Deadline",
}  # fmt: skip
EMPTY_STATE: dict[str, list[Any]] = {"HITs": [], "Assignments": []}

# The module server's start-up fixtures: three HITs (one Disposed) and four assignments.
START_HITS = [
    hit_record("3STARTA", MaxAssignments=4, CreationTime="2026-11-01T10:00:00Z"),
    hit_record("3STARTB", MaxAssignments=2, CreationTime="2026-11-01T12:00:00Z"),
    hit_record("3GONE", HITStatus="Disposed", CreationTime="2026-11-01T11:00:00Z"),
]
START_ASSIGNMENTS = [
    assignment_record("3ASTARTA1", "3STARTA", "AWORKERONE"),
    assignment_record(
        "3ASTARTA2",
        "3STARTA",
        "AWORKERTWO",
        AssignmentStatus="Approved",
        ApprovalTime="2026-11-04T10:00:00Z",
    ),
    assignment_record("3ASTARTB1", "3STARTB", "AWORKERONE"),
    assignment_record("3AGONE1", "3GONE", "AWORKERONE"),
]


# --- Server and helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def started() -> Iterator[tuple[InProcessServer, dict[str, Any]]]:
    """A server of this module's own, and its state right after start-up.

    Read here, before any test can change it: whichever test of the module runs first.
    """
    with serve({"HITs": START_HITS, "Assignments": START_ASSIGNMENTS}) as server:
        yield server, state(server)


@pytest.fixture(scope="module")
def control_server(started: tuple[InProcessServer, dict[str, Any]]) -> InProcessServer:
    """The module's server: tests here reset and reload it freely."""
    return started[0]


@pytest.fixture(scope="module")
def start_state(started: tuple[InProcessServer, dict[str, Any]]) -> dict[str, Any]:
    """The state right after start-up (before any test changed anything)."""
    return started[1]


@pytest.fixture
def server(control_server: InProcessServer, start_state: dict[str, Any]) -> InProcessServer:
    """The module server, back at its start-up fixtures."""
    ok(control(control_server, "POST", "reset"))
    assert state(control_server) == start_state
    return control_server


@pytest.fixture
def mturk(server: InProcessServer, wire: WireChecker) -> Any:
    return checked(server.client(), wire)


def control(
    server: InProcessServer,
    method: str,
    name: str,
    body: Any = None,
    query: str = "",
    headers: dict[str, str] | None = None,
) -> support.RawResponse:
    """One request to /_mockturk/NAME; a str or bytes body is sent as it is."""
    path = f"/_mockturk/{name}" + (f"?{query}" if query else "")
    return raw_request(server, method, path, body=body, headers=headers)


def ok(response: support.RawResponse) -> dict[str, Any]:
    assert response.headers["content-type"] == CONTROL_JSON
    assert response.status == 200, response.body
    return response.json()


def failed(response: support.RawResponse, status: int, code: str) -> dict[str, Any]:
    """A control error: JSON, the status, exactly error and message (and problems for fixtures)."""
    assert response.headers["content-type"] == CONTROL_JSON
    assert response.status == status, response.body
    body = response.json()
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    members = (
        {"error", "message", "problems"} if code == "InvalidFixtures" else {"error", "message"}
    )
    assert set(body) == members, body
    return body


def state(server: InProcessServer) -> dict[str, Any]:
    return ok(control(server, "GET", "state"))


def counts(server: InProcessServer) -> dict[str, int]:
    return ok(control(server, "GET", "health"))["records"]


def load(server: InProcessServer, document: Any, query: str = "") -> dict[str, Any]:
    return ok(control(server, "POST", "fixtures", document, query))


def hit_ids(snapshot: dict[str, Any]) -> list[str]:
    return [h["HITId"] for h in snapshot["HITs"]]


def assignment_ids(snapshot: dict[str, Any]) -> list[str]:
    return [a["AssignmentId"] for a in snapshot["Assignments"]]


def by_id(records: list[dict[str, Any]], field: str) -> dict[str, dict[str, Any]]:
    return {record[field]: record for record in records}


def listing(mturk: Any, page_size: int) -> list[dict[str, Any]]:
    """Every ListHITs page (request metadata dropped: request IDs differ by call)."""
    pages = mturk.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": page_size})
    return [{k: v for k, v in page.items() if k != "ResponseMetadata"} for page in pages]


def problems_of(body: dict[str, Any]) -> list[str]:
    lines = body["message"].splitlines()
    assert lines[0] == f"{len(body['problems'])} problem{'s' * (len(body['problems']) != 1)}" + (
        " in the fixtures:"
    )
    assert lines[1:] == body["problems"]
    return body["problems"]


# --- Health -------------------------------------------------------------------------------------


def test_health_reports_status_version_and_record_counts(server):
    body = ok(control(server, "GET", "health"))
    assert body == {"status": "ok", "version": mockturk.__version__, "records": body["records"]}
    assert body["records"] == {"HITs": len(START_HITS), "Assignments": len(START_ASSIGNMENTS)}


def test_health_counts_follow_loads_and_resets(server):
    load(server, {"HITs": [hit_record("3EXTRA")]})
    assert counts(server) == {"HITs": 4, "Assignments": 4}
    ok(control(server, "POST", "reset", query="to=empty"))
    assert counts(server) == {"HITs": 0, "Assignments": 0}


@pytest.mark.parametrize("name", ["health", "state"])
def test_head_answers_like_get_without_a_body(server, name):
    response = control(server, "HEAD", name)
    assert response.status == 200
    assert response.headers["content-type"] == CONTROL_JSON
    assert response.body == b""


# --- Reset --------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "to=fixtures"])
def test_reset_returns_to_the_start_up_fixtures_after_loads(server, start_state, query):
    load(server, {"HITs": [hit_record("3EXTRA")]})
    load(server, {"HITs": [hit_record("3STARTA", Title="Changed")]})
    load(server, {"HITs": [hit_record("3ONLY")]}, "replace=true")
    assert state(server) != start_state

    body = ok(control(server, "POST", "reset", query=query))

    assert body == {"status": "ok", "records": {"HITs": 3, "Assignments": 4}}
    assert state(server) == start_state


def test_reset_restores_after_an_empty_reset(server, start_state):
    ok(control(server, "POST", "reset", query="to=empty"))
    ok(control(server, "POST", "reset"))
    assert state(server) == start_state


def test_reset_to_empty_leaves_no_records(server, mturk):
    body = ok(control(server, "POST", "reset", query="to=empty"))

    assert body == {"status": "ok", "records": {"HITs": 0, "Assignments": 0}}
    assert state(server) == EMPTY_STATE
    assert mturk.list_hits()["HITs"] == []
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.get_assignment(AssignmentId="3ASTARTA1")


@pytest.mark.parametrize("to", ["nothing", "EMPTY", "Fixtures", "", "empty%20"])
def test_reset_to_anything_else_is_refused_and_changes_nothing(server, start_state, to):
    ok(control(server, "POST", "reset", query="to=empty"))
    body = failed(control(server, "POST", "reset", query=f"to={to}"), 400, "InvalidParameter")
    assert repr(to.replace("%20", " ")) in body["message"]
    assert state(server) == EMPTY_STATE


def test_after_resets_the_server_answers_boto3_with_valid_responses(server, wire):
    mturk = checked(server.client(), wire)
    ok(control(server, "POST", "reset", query="to=empty"))
    assert mturk.list_hits(MaxResults=5)["NumResults"] == 0
    ok(control(server, "POST", "reset"))

    hits = [h for page in listing(mturk, 1) for h in page["HITs"]]
    assignment = mturk.get_assignment(AssignmentId="3ASTARTA2")
    assigned = mturk.list_assignments_for_hit(HITId="3STARTA")

    assert [h["HITId"] for h in hits] == ["3STARTB", "3STARTA"]  # newest first, Disposed left out
    assert assignment["Assignment"]["AssignmentStatus"] == "Approved"
    assert assignment["HIT"]["HITId"] == "3STARTA"
    assert [a["AssignmentId"] for a in assigned["Assignments"]] == ["3ASTARTA1", "3ASTARTA2"]
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.get_assignment(AssignmentId="3AGONE1")  # its HIT is Disposed
    statuses = [seen["status"] for seen in wire.seen]
    assert statuses.count(200) == len(statuses) - 1 and statuses[-1] == 400


# --- Loading fixtures ---------------------------------------------------------------------------


def test_load_adds_records_to_the_current_state(server, start_state, mturk):
    new_hit = hit_record(
        "3NEWHIT",
        MaxAssignments=2,
        CreationTime="2026-11-10T10:00:00Z",
        Expiration="2026-11-17T10:00:00Z",
    )
    new_assignment = assignment_record(
        "3ANEW1", "3NEWHIT", "AWORKERONE", AcceptTime="2026-11-10T11:00:00Z",
        SubmitTime="2026-11-10T11:05:00Z",
    )  # fmt: skip

    body = load(server, {"HITs": [new_hit], "Assignments": [new_assignment]})

    assert body == {"status": "ok", "records": {"HITs": 4, "Assignments": 5}}
    after = state(server)
    assert hit_ids(after) == [*hit_ids(start_state), "3NEWHIT"]
    assert assignment_ids(after) == [*assignment_ids(start_state), "3ANEW1"]
    assert after["HITs"][:3] == start_state["HITs"]
    assert after["Assignments"][:4] == start_state["Assignments"]
    assert mturk.list_hits()["HITs"][0]["HITId"] == "3NEWHIT"
    assert mturk.get_assignment(AssignmentId="3ANEW1")["HIT"]["HITId"] == "3NEWHIT"


def test_single_hit_and_assignment_sections_load_too(server):
    load(server, {"HIT": hit_record("3SINGLE", MaxAssignments=1)})
    load(
        server,
        {"HIT": hit_record("3SINGLE2"), "Assignment": assignment_record("3AS2", "3SINGLE2", "AW")},
    )
    after = state(server)
    assert hit_ids(after)[-2:] == ["3SINGLE", "3SINGLE2"]
    assert assignment_ids(after)[-1] == "3AS2"


def test_saved_list_output_keys_are_ignored(server, mturk):
    saved = mturk.list_hits(MaxResults=1)
    saved["HITs"] = [hit_record("3SAVED")]
    saved.pop("ResponseMetadata")
    body = {**saved, "ResponseMetadata": {"RequestId": "x"}}
    assert "NextToken" in body and "NumResults" in body
    assert load(server, body)["records"]["HITs"] == 4


def test_load_replaces_a_held_hit_and_keeps_its_assignments(server, start_state, mturk):
    before = by_id(start_state["Assignments"], "AssignmentId")

    body = load(server, {"HITs": [hit_record("3STARTA", MaxAssignments=5, Title="Renamed")]})

    assert body["records"] == {"HITs": 3, "Assignments": 4}
    after = state(server)
    hit = by_id(after["HITs"], "HITId")["3STARTA"]
    assert hit["Title"] == "Renamed"
    assert hit["MaxAssignments"] == 5
    # Recomputed for the new record: one Submitted, one Approved, 5 slots.
    assert hit["NumberOfAssignmentsCompleted"] == 1
    assert hit["NumberOfAssignmentsAvailable"] == 3
    assert by_id(after["Assignments"], "AssignmentId") == before
    listed = mturk.list_assignments_for_hit(HITId="3STARTA")["Assignments"]
    assert [a["AssignmentId"] for a in listed] == ["3ASTARTA1", "3ASTARTA2"]
    assert mturk.get_assignment(AssignmentId="3ASTARTA1")["HIT"]["Title"] == "Renamed"
    # The other records are untouched.
    untouched = [h for h in start_state["HITs"] if h["HITId"] != "3STARTA"]
    assert [h for h in after["HITs"] if h["HITId"] != "3STARTA"] == untouched


def test_load_replaces_a_held_assignment_in_place_of_the_old_one(server, start_state):
    replacement = assignment_record(
        "3ASTARTB1", "3STARTB", "AWORKERONE", Answer="<new/>", SubmitTime="2026-11-02T10:06:00Z"
    )
    load(server, {"Assignments": [replacement]})
    after = by_id(state(server)["Assignments"], "AssignmentId")
    assert after["3ASTARTB1"]["Answer"] == "<new/>"
    assert after["3ASTARTB1"]["SubmitTime"] == "2026-11-02T10:06:00Z"
    assert len(after) == len(start_state["Assignments"])


def test_load_can_make_a_held_hit_disposed(server, mturk):
    load(server, {"HITs": [hit_record("3STARTB", HITStatus="Disposed")]})
    assert [h["HITId"] for h in mturk.list_hits()["HITs"]] == ["3STARTA"]
    assert by_id(state(server)["HITs"], "HITId")["3STARTB"]["HITStatus"] == "Disposed"
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.get_assignment(AssignmentId="3ASTARTB1")


def test_load_adds_an_assignment_to_a_held_hit(server, mturk):
    added = assignment_record("3ASTARTB2", "3STARTB", "AWORKERTWO")
    load(server, {"Assignments": [added]})
    hit = by_id(state(server)["HITs"], "HITId")["3STARTB"]
    assert hit["NumberOfAssignmentsAvailable"] == 0
    assert mturk.get_assignment(AssignmentId="3ASTARTB2")["HIT"]["HITId"] == "3STARTB"


def test_load_upserts_an_assignment_to_a_new_status(server):
    approved = assignment_record(
        "3ASTARTB1",
        "3STARTB",
        "AWORKERONE",
        AssignmentStatus="Approved",
        ApprovalTime="2026-11-05T10:00:00Z",
    )
    load(server, {"Assignments": [approved]})
    after = state(server)
    assert by_id(after["Assignments"], "AssignmentId")["3ASTARTB1"]["AssignmentStatus"] == (
        "Approved"
    )
    assert by_id(after["HITs"], "HITId")["3STARTB"]["NumberOfAssignmentsCompleted"] == 1


def test_an_assignment_moved_to_another_held_hit_updates_both(server, mturk):
    moved = assignment_record("3ASTARTB1", "3STARTA", "AWORKERTHREE")
    load(server, {"Assignments": [moved]})
    hits = by_id(state(server)["HITs"], "HITId")
    assert hits["3STARTA"]["NumberOfAssignmentsAvailable"] == 1  # 4 slots: 2 Submitted, 1 Approved
    assert hits["3STARTB"]["NumberOfAssignmentsAvailable"] == 2  # none left
    listed = mturk.list_assignments_for_hit(HITId="3STARTA")["Assignments"]
    assert sorted(a["AssignmentId"] for a in listed) == ["3ASTARTA1", "3ASTARTA2", "3ASTARTB1"]
    assert mturk.list_assignments_for_hit(HITId="3STARTB")["Assignments"] == []


def test_a_held_assignable_hit_is_rederived_when_its_last_slot_fills(server, mturk):
    opened = hit_record(
        "3OPEN",
        HITStatus="Assignable",
        MaxAssignments=2,
        CreationTime="2026-11-05T10:00:00Z",
        Expiration="2030-01-01T00:00:00Z",
    )
    first = assignment_record(
        "3AOPEN1", "3OPEN", "AWORKERONE", AcceptTime="2026-11-05T11:00:00Z",
        SubmitTime="2026-11-05T11:05:00Z",
    )  # fmt: skip
    load(server, {"HITs": [opened], "Assignments": [first]})
    hit = by_id(state(server)["HITs"], "HITId")["3OPEN"]
    assert (hit["HITStatus"], hit["NumberOfAssignmentsAvailable"]) == ("Assignable", 1)

    load(server, {"Assignments": [{**first, "AssignmentId": "3AOPEN2", "WorkerId": "AWORKERTWO"}]})

    hit = by_id(state(server)["HITs"], "HITId")["3OPEN"]
    assert (hit["HITStatus"], hit["NumberOfAssignmentsAvailable"]) == ("Reviewable", 0)
    assert mturk.list_hits(MaxResults=1)["HITs"][0]["HITStatus"] == "Reviewable"


def test_an_added_assignment_beyond_max_assignments_is_refused(server, start_state):
    added = [
        assignment_record("3ASTARTB2", "3STARTB", "AWORKERTWO"),
        assignment_record("3ASTARTB3", "3STARTB", "AWORKERTHREE"),
    ]
    body = failed(
        control(server, "POST", "fixtures", {"Assignments": added}), 400, "InvalidFixtures"
    )
    assert problems_of(body)[0] == (
        "the current state: HITs (HITId 3STARTB), field 'MaxAssignments': is 2, but 3"
        " assignments belong to it"
    )
    assert state(server) == start_state


def test_a_hit_and_its_new_assignment_load_together_over_a_held_hit(server):
    """Giving the held HIT again (counters left out) lets its counters be recomputed."""
    load(
        server,
        {
            "HITs": [hit_record("3STARTB", MaxAssignments=2)],
            "Assignments": [assignment_record("3ASTARTB2", "3STARTB", "AWORKERTWO")],
        },
    )
    hit = by_id(state(server)["HITs"], "HITId")["3STARTB"]
    assert hit["NumberOfAssignmentsAvailable"] == 0
    assert counts(server) == {"HITs": 3, "Assignments": 5}


@pytest.mark.parametrize("flag", ["true", "TRUE", "1", "yes"])
def test_replace_makes_the_body_the_whole_state(server, mturk, flag):
    document = {
        "HITs": [hit_record("3ONLY", MaxAssignments=1)],
        "Assignments": [assignment_record("3AONLY", "3ONLY", "AWORKERONE")],
    }
    body = load(server, document, f"replace={flag}")
    assert body["records"] == {"HITs": 1, "Assignments": 1}
    after = state(server)
    assert hit_ids(after) == ["3ONLY"]
    assert assignment_ids(after) == ["3AONLY"]
    assert [h["HITId"] for h in mturk.list_hits()["HITs"]] == ["3ONLY"]


@pytest.mark.parametrize("flag", ["false", "0", "no", ""])
def test_replace_false_adds(server, flag):
    load(server, {"HITs": [hit_record("3ADDED")]}, f"replace={flag}")
    assert counts(server) == {"HITs": 4, "Assignments": 4}


def test_replace_may_reuse_held_ids_for_unrelated_records(server):
    """With replace, held records are not consulted: 3STARTA may lose its assignments."""
    load(server, {"HITs": [hit_record("3STARTA", MaxAssignments=1)]}, "replace=true")
    assert state(server)["Assignments"] == []
    assert by_id(state(server)["HITs"], "HITId")["3STARTA"]["NumberOfAssignmentsAvailable"] == 1


def test_an_invalid_replace_flag_is_refused_and_changes_nothing(server, start_state):
    body = failed(
        control(server, "POST", "fixtures", {"HITs": []}, "replace=maybe"), 400, "InvalidParameter"
    )
    assert "replace='maybe'" in body["message"]
    assert state(server) == start_state


@pytest.mark.parametrize(
    "content_type", ["application/yaml", "application/x-yaml", "text/yaml; charset=utf-8"]
)
def test_yaml_body_with_a_yaml_content_type(server, content_type):
    text = """
HITs:
  - HITId: 3YAMLHIT
    CreationTime: "2026-11-05T10:00:00Z"
    Title: From YAML
    Description: A YAML record.
    Question: <HTMLQuestion/>
    Reward: "1.00"
    Expiration: 2026-11-09T12:00:00+02:00
    AssignmentDurationInSeconds: 300
Assignments:
  - AssignmentId: 3AYAML
    WorkerId: AYAMLWORKER
    HITId: 3YAMLHIT
    AssignmentStatus: Submitted
    AcceptTime: "2026-11-05T11:00:00Z"
    SubmitTime: 1793877000
"""
    ok(control(server, "POST", "fixtures", text, headers={"Content-Type": content_type}))
    after = state(server)
    hit = by_id(after["HITs"], "HITId")["3YAMLHIT"]
    assert hit["Title"] == "From YAML"
    assert hit["Expiration"] == "2026-11-09T10:00:00Z"  # unquoted YAML timestamp, with offset
    assignment = by_id(after["Assignments"], "AssignmentId")["3AYAML"]
    assert assignment["SubmitTime"] == "2026-11-05T11:10:00Z"  # epoch seconds


def test_yaml_sent_as_json_is_malformed(server, start_state):
    body = failed(control(server, "POST", "fixtures", "HITs: []\n"), 400, "MalformedBody")
    assert body["message"].startswith("request body: cannot be parsed (")
    assert state(server) == start_state


def test_json_is_accepted_under_a_yaml_content_type(server):
    text = '{"HITs": [{"HITId": "3J", "CreationTime": "2026-11-05T10:00:00Z", "Title": "t", ' + (
        '"Description": "d", "Question": "q", "Reward": "1", "Expiration": '
        '"2026-11-06T10:00:00Z", "AssignmentDurationInSeconds": 60}]}'
    )
    ok(control(server, "POST", "fixtures", text, headers={"Content-Type": "application/yaml"}))
    assert "3J" in hit_ids(state(server))


@pytest.mark.parametrize(
    ("body", "content_type", "start"),
    [
        ("{nope", JSON_11, "request body: cannot be parsed ("),
        ('{"HITs": [}', "application/json", "request body: cannot be parsed ("),
        ("HITs: [a", "application/yaml", "request body: cannot be parsed ("),
        ("", JSON_11, "request body: empty;"),
        ("  \n ", JSON_11, "request body: empty;"),
        ("", "application/yaml", "request body: empty;"),
        ("null", JSON_11, "request body: empty;"),
        ("# only a comment\n", "application/yaml", "request body: empty;"),
    ],
)
def test_malformed_or_empty_bodies_are_refused(server, start_state, body, content_type, start):
    response = control(server, "POST", "fixtures", body, headers={"Content-Type": content_type})
    assert failed(response, 400, "MalformedBody")["message"].startswith(start)
    response = control(
        server, "POST", "fixtures", body, "replace=true", {"Content-Type": content_type}
    )
    failed(response, 400, "MalformedBody")
    assert state(server) == start_state


def test_malformed_body_messages_use_the_source_name(server):
    response = control(server, "POST", "fixtures", "{", "source=mine.json")
    assert failed(response, 400, "MalformedBody")["message"].startswith("mine.json: cannot be")


@pytest.mark.parametrize(
    "body",
    [
        {"documents": {"source": "a", "content": {}}},
        {"documents": [{"source": "a"}]},
        {"documents": [{"source": "a", "content": {}, "extra": 1}]},
        {"documents": ["HITs"]},
        {"documents": [], "HITs": []},
    ],
)
def test_a_malformed_documents_form_is_refused(server, start_state, body):
    message = failed(control(server, "POST", "fixtures", body), 400, "MalformedBody")["message"]
    assert message.startswith("documents: expected a list of")
    assert state(server) == start_state


NOT_A_MAPPING = "expected a mapping with HITs and/or Assignments at the top level"


@pytest.mark.parametrize(
    ("document", "text"),
    [
        ([{"HITs": []}], NOT_A_MAPPING),
        ('"HITs"', NOT_A_MAPPING),  # JSON text
        ("3", NOT_A_MAPPING),
        (
            {"Requesters": []},
            "unknown top-level key 'Requesters' (expected HITTypes, HITs, HIT, Assignments,"
            " Assignment, BonusPayments, IdempotencyTokens, NotificationSettings, Notifications,"
            " Account, Clock, QualificationTypes, Qualifications, QualificationRequests,"
            " WorkerBlocks, Workers, Messages)",
        ),
        ({"HITs": {"HITId": "3X"}}, "HITs must be a list of records"),
        ({"HITs": ["3X"]}, "HITs[0]: a record must be a mapping of field names to values"),
    ],
)
def test_a_body_that_is_no_fixture_document_is_invalid(server, start_state, document, text):
    body = failed(control(server, "POST", "fixtures", document), 400, "InvalidFixtures")
    assert problems_of(body) == [f"request body: {text}"]
    assert state(server) == start_state


def test_problems_name_the_source_the_record_and_the_field(server):
    document = {"HITs": [hit_record("3BADREWARD", Reward="1.234")]}
    body = failed(control(server, "POST", "fixtures", document), 400, "InvalidFixtures")
    assert problems_of(body) == [
        "request body: HITs[0] (HITId 3BADREWARD), field 'Reward': Member must satisfy regular"
        " expression pattern: ^[0-9]+(\\.)?[0-9]{0,2}$ (got '1.234')"
    ]
    body = failed(
        control(server, "POST", "fixtures", document, "source=my/own.yaml"), 400, "InvalidFixtures"
    )
    assert problems_of(body)[0].startswith(
        "my/own.yaml: HITs[0] (HITId 3BADREWARD), field 'Reward'"
    )


def test_problems_have_the_wording_of_start_up_loading(server, tmp_path: Path):
    document = {
        "HITs": [hit_record("3H1", MaxAssignments="3"), hit_record("3H2", Expiration=20)],
        "Assignments": [
            assignment_record("3A1", "3NOPE", "AW"),
            assignment_record("3A2", "3H2", "nobody", AssignmentStatus="Approved"),
        ],
    }
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(document))
    with pytest.raises(FixtureError) as at_start_up:
        load_fixture_paths([file], datetime.now(UTC))
    ok(control(server, "POST", "reset", query="to=empty"))

    body = failed(
        control(server, "POST", "fixtures", document, f"source={file}"), 400, "InvalidFixtures"
    )

    assert body["message"] == str(at_start_up.value)
    assert body["problems"] == at_start_up.value.problems
    assert len(body["problems"]) >= 4


def test_every_problem_is_listed_though_the_message_shows_twenty(server):
    document = {"HITs": [hit_record(f"3BAD{i}", Reward="x") for i in range(25)]}
    body = failed(control(server, "POST", "fixtures", document), 400, "InvalidFixtures")
    assert len(body["problems"]) == 25
    lines = body["message"].splitlines()
    assert lines[0] == "25 problems in the fixtures:"
    assert lines[1:21] == body["problems"][:20]
    assert lines[21:] == ["... and 5 more problem(s)."]


def test_documents_form_loads_several_documents_together(server):
    body = {
        "documents": [
            {"source": "hits.yaml", "content": {"HITs": [hit_record("3DOCHIT", MaxAssignments=2)]}},
            {
                "source": "assignments.json",
                "content": {"Assignments": [assignment_record("3ADOC", "3DOCHIT", "AW")]},
            },
        ]
    }
    assert load(server, body)["records"] == {"HITs": 4, "Assignments": 5}
    assert by_id(state(server)["Assignments"], "AssignmentId")["3ADOC"]["HITId"] == "3DOCHIT"


def test_documents_form_names_each_document_in_messages(server, start_state):
    body = {
        "documents": [
            {"source": "good.yaml", "content": {"HITs": [hit_record("3FINE")]}},
            {"source": "hits.yaml", "content": {"HITs": [hit_record("3H", Reward="1.234")]}},
            {"content": {"Assignments": [assignment_record("3A", "3MISSING", "AW")]}},
            {"source": "", "content": {"HITs": [hit_record("3FINE")]}},
        ]
    }
    response = failed(control(server, "POST", "fixtures", body), 400, "InvalidFixtures")
    problems = problems_of(response)
    assert len(problems) == 3
    assert problems[0].startswith("hits.yaml: HITs[0] (HITId 3H), field 'Reward': ")
    assert problems[1] == (
        "documents[3]: HITs[0] (HITId 3FINE), field 'HITId': duplicate ID, first given at"
        " good.yaml: HITs[0] (HITId 3FINE)"
    )
    assert problems[2] == (
        "documents[2]: Assignments[0] (AssignmentId 3A), field 'HITId': no HIT 3MISSING is in"
        " the fixtures"
    )
    assert state(server) == start_state


def test_documents_form_with_replace(server):
    body = {"documents": [{"source": "a", "content": {"HITs": [hit_record("3A")]}}]}
    assert load(server, body, "replace=true")["records"] == {"HITs": 1, "Assignments": 0}
    assert load(server, {"documents": []}, "replace=true")["records"] == {
        "HITs": 0,
        "Assignments": 0,
    }


def test_problems_in_held_records_name_the_current_state(server):
    # A later CreationTime for a held HIT puts its held assignments before it.
    moved = hit_record("3STARTA", CreationTime="2026-11-03T00:00:00Z", MaxAssignments=4)
    body = failed(control(server, "POST", "fixtures", {"HITs": [moved]}), 400, "InvalidFixtures")
    problems = problems_of(body)
    assert len(problems) == 2
    for problem, assignment_id in zip(problems, ["3ASTARTA1", "3ASTARTA2"], strict=True):
        assert problem.startswith("the current state: Assignments (")
        assert f"(AssignmentId {assignment_id}), field 'AcceptTime': is earlier than the HIT's" in (
            problem
        )


def test_a_duplicate_worker_is_reported_against_the_held_assignment(server):
    document = {
        "HITs": [hit_record("3STARTB", MaxAssignments=3)],
        "Assignments": [assignment_record("3ASECOND", "3STARTB", "AWORKERONE")],
    }
    body = failed(control(server, "POST", "fixtures", document), 400, "InvalidFixtures")
    assert problems_of(body) == [
        "request body: Assignments[0] (AssignmentId 3ASECOND), field 'WorkerId': this worker"
        " already holds an assignment of the HIT, at the current state: Assignments"
        " (AssignmentId 3ASTARTB1)"
    ]


@pytest.mark.parametrize("query", ["", "replace=true"])
def test_a_batch_with_one_bad_record_changes_nothing(server, start_state, mturk, query):
    good_hits = [hit_record(f"3GOOD{i}", MaxAssignments=2) for i in range(5)]
    good_assignments = [assignment_record(f"3AGOOD{i}", f"3GOOD{i}", "AW") for i in range(5)]
    bad = assignment_record("3ABAD", "3GOOD0", "AW2", SubmitTime="2026-11-01T00:00:00Z")
    document = {
        "HITs": [*good_hits, hit_record("3STARTA", Title="Renamed", MaxAssignments=4)],
        "Assignments": [*good_assignments[:3], bad, *good_assignments[3:]],
    }
    before_listing = listing(mturk, 2)

    body = failed(control(server, "POST", "fixtures", document, query), 400, "InvalidFixtures")

    assert problems_of(body) == [
        "request body: Assignments[3] (AssignmentId 3ABAD), field 'SubmitTime': is earlier than"
        " AcceptTime"
    ]
    assert state(server) == start_state
    assert counts(server) == {"HITs": 3, "Assignments": 4}
    assert listing(mturk, 2) == before_listing


def test_a_documents_batch_with_one_bad_document_changes_nothing(server, start_state):
    body = {
        "documents": [
            {"source": "one", "content": {"HITs": [hit_record("3ONE")]}},
            {"source": "two", "content": {"HITs": [hit_record("3TWO", HITStatus="Gone")]}},
            {"source": "three", "content": {"HITs": [hit_record("3THREE")]}},
        ]
    }
    for query in ("", "replace=true"):
        response = failed(control(server, "POST", "fixtures", body, query), 400, "InvalidFixtures")
        assert [p.split(":")[0] for p in problems_of(response)] == ["two"]
        assert state(server) == start_state


# --- State --------------------------------------------------------------------------------------


def test_state_is_every_record_in_the_fixture_format(server, start_state):
    assert set(start_state) == {"HITs", "Assignments"}
    assert hit_ids(start_state) == [h["HITId"] for h in START_HITS]
    assert assignment_ids(start_state) == [a["AssignmentId"] for a in START_ASSIGNMENTS]
    gone = by_id(start_state["HITs"], "HITId")["3GONE"]
    assert gone["HITStatus"] == "Disposed"
    assert "3AGONE1" in assignment_ids(start_state)
    for record in [*start_state["HITs"], *start_state["Assignments"]]:
        for name in TIMESTAMP_FIELDS & record.keys():
            assert ISO_UTC.match(record[name]), (name, record[name])
    # What the loader fills in is stated in the export.
    hit = by_id(start_state["HITs"], "HITId")["3STARTA"]
    assert hit["NumberOfAssignmentsAvailable"] == 2
    assert hit["NumberOfAssignmentsCompleted"] == 1
    assert re.fullmatch(r"3[0-9A-Z]{29}", hit["HITTypeId"])
    approved = by_id(start_state["Assignments"], "AssignmentId")["3ASTARTA2"]
    assert approved["AutoApprovalTime"] == "2026-12-02T10:05:00Z"


def test_state_agrees_with_what_boto3_reads(server, mturk):
    snapshot = state(server)
    exported = by_id(snapshot["HITs"], "HITId")
    for hit in mturk.list_hits()["HITs"]:
        assert hit == revived(exported[hit["HITId"]])
    for record in snapshot["Assignments"]:
        if record["HITId"] == "3GONE":
            continue
        assert mturk.get_assignment(AssignmentId=record["AssignmentId"])["Assignment"] == (
            revived(record)
        )


def revived(record: dict[str, Any]) -> dict[str, Any]:
    """An exported record as boto3 reads it: timestamps as datetimes."""
    return {
        name: datetime.fromisoformat(value) if name in TIMESTAMP_FIELDS else value
        for name, value in record.items()
    }


def test_state_keeps_microseconds_and_normalises_offsets_to_utc(server):
    hit = hit_record(
        "3MICRO", CreationTime="2026-11-01T10:00:00.123456+02:00", Expiration=1794650400.5
    )
    load(server, {"HITs": [hit]})
    exported = by_id(state(server)["HITs"], "HITId")["3MICRO"]
    assert exported["CreationTime"] == "2026-11-01T08:00:00.123456Z"
    assert exported["Expiration"] == "2026-11-14T10:00:00.500000Z"


def test_the_start_up_state_survives_the_round_trip(server, start_state, mturk):
    before = listing(mturk, 1)
    ok(control(server, "POST", "reset", query="to=empty"))
    load(server, start_state)
    assert state(server) == start_state
    assert listing(mturk, 1) == before


def test_a_changed_state_survives_the_round_trip_with_replace(server, mturk):
    load(server, {"HITs": [hit_record("3STARTA", Title="Renamed", MaxAssignments=9)]})
    load(server, {"HITs": [hit_record("3LATER", CreationTime="2026-11-05T00:00:00.5Z")]})
    saved = state(server)
    before = listing(mturk, 2)
    load(server, {"HITs": [hit_record("3OTHER")]}, "replace=true")
    load(server, saved, "replace=true")
    assert state(server) == saved
    assert listing(mturk, 2) == before


# --- Round trip, for any valid data set ---------------------------------------------------------

ID_CHARS = string.ascii_uppercase + string.digits
HIT_STATUSES = ("Assignable", "Unassignable", "Reviewable", "Reviewing", "Disposed")
ASSIGNMENT_STATUSES = ("Submitted", "Approved", "Rejected")
OFFSETS = (UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)))
BASE = datetime(2026, 1, 1, tzinfo=UTC)
ROUND_TRIP_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Written:
    """How a timestamp is written in a generated fixture."""

    style: str
    offset: timezone

    def __call__(self, instant: datetime) -> Any:
        if self.style == "epoch":
            return instant.timestamp()
        return instant.astimezone(self.offset).isoformat()


@st.composite
def data_sets(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """Small valid data sets: ties in CreationTime, every status, optional fields."""
    written = Written(
        draw(st.sampled_from(["iso", "iso", "epoch"])), draw(st.sampled_from(OFFSETS))
    )
    ids = st.text(alphabet=ID_CHARS, min_size=1, max_size=8)
    hit_ids = draw(st.lists(ids, max_size=6, unique=True))
    hours = draw(st.lists(st.integers(0, 50), min_size=1, max_size=3))
    created_pool = [BASE + timedelta(hours=h) for h in hours]  # a few: CreationTime ties
    hits, assignments = [], []
    for index, hit_id in enumerate(hit_ids):
        created = draw(st.sampled_from(created_pool)) + timedelta(
            microseconds=draw(st.sampled_from([0, 0, 1, 500000]))
        )
        count = draw(st.integers(0, 3))
        # Accepted within an hour of creation: never after the Expiration.
        expires = created + timedelta(hours=1, days=draw(st.integers(0, 10)))
        fields: dict[str, Any] = {
            "CreationTime": written(created),
            "Expiration": written(expires),
            "MaxAssignments": count + draw(st.integers(1, 3)),
            "Reward": draw(st.sampled_from(["0", "0.5", "1.25", "10"])),
        }
        # Stated, or (None) left to the loader to derive.
        fields["HITStatus"] = draw(st.sampled_from([None, *HIT_STATUSES]))
        if draw(st.booleans()):
            fields["Keywords"] = draw(st.sampled_from(["images", "text, survey", ""]))
        if draw(st.booleans()):
            fields["RequesterAnnotation"] = f"batch {index}"
        if draw(st.booleans()):
            requirement: dict[str, Any] = {
                "QualificationTypeId": "000000000000000000L0",
                "Comparator": "GreaterThanOrEqualTo",
                "IntegerValues": [draw(st.integers(0, 100))],
            }
            if draw(st.booleans()):
                requirement["RequiredToPreview"] = draw(st.booleans())
            fields["QualificationRequirements"] = [requirement]
        hits.append({k: v for k, v in hit_record(hit_id, **fields).items() if v is not None})
        for number in range(count):
            status = draw(st.sampled_from(ASSIGNMENT_STATUSES))
            accepted = created + timedelta(seconds=draw(st.integers(0, 3600)))
            submitted = accepted + timedelta(seconds=draw(st.integers(0, 3600)))
            extra: dict[str, Any] = {
                "AssignmentStatus": status,
                "AcceptTime": written(accepted),
                "SubmitTime": written(submitted),
            }
            decided = written(submitted + timedelta(minutes=draw(st.integers(0, 60))))
            if status == "Approved":
                extra["ApprovalTime"] = decided
            elif status == "Rejected":
                extra["RejectionTime"] = decided
            if draw(st.booleans()):
                extra["RequesterFeedback"] = "Thanks!"
            assignment_id = f"3A{index}X{number}"
            assignments.append(assignment_record(assignment_id, hit_id, f"AW{number}", **extra))
    return {"HITs": hits, "Assignments": assignments}


def test_the_generator_makes_valid_data_sets():
    """The property below is only meaningful if its data sets load at start-up."""

    @settings(max_examples=50, deadline=None)
    @given(data=data_sets())
    def loads(data: dict[str, Any]) -> None:
        build_dataset([("generated", data)], datetime.now(UTC))

    loads()


@ROUND_TRIP_SETTINGS
@given(data=data_sets(), page_size=st.integers(1, 4))
def test_any_valid_data_set_survives_the_round_trip(
    control_server: InProcessServer, data: dict[str, Any], page_size: int
) -> None:
    mturk = checked(control_server.client(), WireChecker())
    load(control_server, data, "replace=true")
    saved = state(control_server)
    pages = listing(mturk, page_size)
    assert hit_ids(saved) == [h["HITId"] for h in data["HITs"]]
    assert assignment_ids(saved) == [a["AssignmentId"] for a in data["Assignments"]]

    ok(control(control_server, "POST", "reset", query="to=empty"))
    assert state(control_server) == EMPTY_STATE
    load(control_server, saved)

    assert state(control_server) == saved
    assert listing(mturk, page_size) == pages
    listed = [h for page in pages for h in page["HITs"]]
    assert len(listed) == sum(h["HITStatus"] != "Disposed" for h in saved["HITs"])


# --- Routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "allowed"),
    [
        ("GET", "reset", "POST"),
        ("PUT", "reset", "POST"),
        ("GET", "fixtures", "POST"),
        ("PATCH", "fixtures", "POST"),
        ("POST", "health", "GET"),
        ("DELETE", "health", "GET"),
        ("POST", "state", "GET"),
        ("PUT", "state", "GET"),
    ],
)
def test_a_wrong_method_is_refused_and_does_nothing(server, start_state, method, name, allowed):
    query = "to=empty&replace=true"
    response = control(server, method, name, {"HITs": []}, query)
    body = failed(response, 405, "MethodNotAllowed")
    assert body["message"] == f"Use {allowed} for /_mockturk/{name}."
    assert state(server) == start_state


@pytest.mark.parametrize("path", ["/_mockturk/nope", "/_mockturk/reset/extra", "/_mockturk/"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_unknown_control_path_is_a_json_404(server, path, method):
    response = raw_request(server, method, path)
    body = failed(response, 404, "NotFound")
    assert path in body["message"]


@pytest.mark.parametrize(
    "target",
    [
        "reset",
        "Reset",
        "fixtures",
        "state",
        "health",
        "_mockturk/reset",
        "/_mockturk/reset",
        "MTurkRequesterServiceV20170117._mockturk/reset",
        "_mockturk.reset",
    ],
)
def test_control_endpoints_cannot_be_reached_through_the_target_header(server, start_state, target):
    full = target if target.startswith(support.TARGET_PREFIX) else support.TARGET_PREFIX + target
    for path in ("/", "/?to=empty"):
        response = raw_request(
            server, "POST", path, body={"to": "empty"}, headers={"X-Amz-Target": full}
        )
        assert response.status == 400
        assert response.headers["content-type"] == JSON_11
        body = response.json()
        check_error_body(response.status, body)
        assert body["__type"] == "com.amazon.coral.service#UnknownOperationException"
        assert body["message"] == f"Unknown operation {full!r}."
    assert state(server) == start_state
