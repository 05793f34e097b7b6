"""Whatever a fixture holds, loading it either works or fails with a FixtureError that names
the file, the record and the field: at start-up (exit 2, no traceback), through the control API
(400 InvalidFixtures) and from Python (``mockturk.serve()``, ``InProcessServer.load()``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import assignment_record, fuzz_settings, hit_record, nested_list, raw_request

import mockturk
from mockturk.account import Account
from mockturk.clock import FixedClock
from mockturk.fixtures import FixtureError, build_dataset, read_document
from mockturk.models import HIT, Assignment, QualificationRequirement
from mockturk.state.store import Store
from mockturk.testing import InProcessServer, RemoteServer
from mockturk.wire import EARLIEST, EPOCH, LATEST, MAX_EPOCH_SECONDS

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
SOURCE = "fixtures"
HIT_WHERE = "HITs[0] (HITId 3LIMITHIT)"
ASSIGNMENT_WHERE = "Assignments[0] (AssignmentId 3LIMITASG)"
MOCKTURK = Path(sys.executable).parent / "mockturk"
if not MOCKTURK.exists():  # pragma: no cover - an installation without a venv beside python
    MOCKTURK = Path(shutil.which("mockturk") or "mockturk")

FUZZ = fuzz_settings(max_examples=300)


def hit(**fields: Any) -> dict[str, Any]:
    """A valid HIT whose status is left to the loader to derive."""
    record = hit_record("3LIMITHIT", MaxAssignments=3)
    del record["HITStatus"]
    return {**record, **fields}


def assignment(**fields: Any) -> dict[str, Any]:
    return assignment_record("3LIMITASG", "3LIMITHIT", "A1LIMIT", **fields)


def refusal(document: Any) -> str:
    """The FixtureError message for a document that must not load."""
    with pytest.raises(FixtureError) as caught:
        build_dataset([(SOURCE, document)], NOW)
    return str(caught.value)


def problem(message: str, where: str, field: str) -> str:
    """The one line of a FixtureError message about ``field`` of the record at ``where``."""
    prefix = f"{SOURCE}: {where}, field '{field}': "
    lines = [line for line in message.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, message
    return lines[0].removeprefix(prefix)


# --- The measured cases, and their neighbours --------------------------------------------------

OUT_OF_RANGE = [
    ("MaxAssignments", 100000000000000000000000, "less than or equal to 1000000000"),
    ("MaxAssignments", 1_000_000_001, "less than or equal to 1000000000"),
    ("AutoApprovalDelayInSeconds", 9223372036854775807, "less than or equal to 2592000"),
    ("AutoApprovalDelayInSeconds", 2_592_001, "less than or equal to 2592000"),
    ("AssignmentDurationInSeconds", 29, "greater than or equal to 30"),
    ("AssignmentDurationInSeconds", 10**40, "less than or equal to 31536000"),
    ("NumberOfAssignmentsPending", 2**64, "less than or equal to 1000000000"),
    ("CreationTime", "9999-12-31T23:59:59-14:00", "out of range"),
    ("CreationTime", "0001-01-01T00:00:00+01:00", "out of range"),
    ("Expiration", "9999-12-31T23:59:59Z", "out of range"),
    ("Expiration", MAX_EPOCH_SECONDS + 1, "out of range for epoch seconds"),
    ("Expiration", 1e300, "out of range for epoch seconds"),
    ("Expiration", float("nan"), "out of range for epoch seconds"),
    ("Expiration", 10**400, "out of range for epoch seconds"),
    ("Title", nested_list(5000), "Input should be a valid string (got [[[[[[[[[[[[[[[[[...]"),
    ("Title", "bad \ud800 text", "lone surrogate at position 4"),
    ("Title", 10**5000, "(got <an integer of about 5001 digits>)"),
]


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    OUT_OF_RANGE,
    ids=[f"{field}-{index}" for index, (field, _, _) in enumerate(OUT_OF_RANGE)],
)
def test_a_hit_field_out_of_range_is_a_problem_naming_the_field(field, value, complaint):
    message = refusal({"HITs": [hit(**{field: value})]})
    assert complaint in problem(message, HIT_WHERE, field)


def test_an_auto_approval_delay_overflowing_the_calendar_is_a_problem():
    # Once SubmitTime + timedelta(seconds=9223372036854775807): an OverflowError.
    document = {
        "HITs": [hit(AutoApprovalDelayInSeconds=9223372036854775807)],
        "Assignments": [assignment()],
    }
    message = refusal(document)
    assert "less than or equal to 2592000" in problem(
        message, HIT_WHERE, "AutoApprovalDelayInSeconds"
    )


def test_an_auto_approval_time_past_the_range_is_a_problem():
    late = (LATEST - timedelta(days=1)).isoformat()
    document = {
        "HITs": [hit(CreationTime=late, Expiration=LATEST.isoformat())],
        "Assignments": [assignment(AcceptTime=late, SubmitTime=late)],
    }
    line = problem(refusal(document), ASSIGNMENT_WHERE, "SubmitTime")
    assert "AutoApprovalTime out of range" in line


def test_the_ends_of_the_range_load_and_reach_boto3_exactly():
    earliest, latest = EARLIEST, LATEST - timedelta(days=30)
    document = {
        "HITs": [hit(CreationTime=-MAX_EPOCH_SECONDS, Expiration=MAX_EPOCH_SECONDS)],
        "Assignments": [assignment(AcceptTime=earliest.isoformat(), SubmitTime=latest.isoformat())],
    }
    with mockturk.serve(document, clock=FixedClock(NOW)) as server:
        mturk = server.client()
        answer = mturk.get_assignment(AssignmentId="3LIMITASG")
    assert answer["HIT"]["CreationTime"] == EARLIEST
    assert answer["HIT"]["Expiration"] == LATEST
    assert answer["Assignment"]["AcceptTime"] == earliest
    assert answer["Assignment"]["SubmitTime"] == latest
    assert answer["Assignment"]["AutoApprovalTime"] == LATEST


@pytest.mark.parametrize(
    "past", [LATEST + timedelta(microseconds=1), EARLIEST - timedelta(microseconds=1)]
)
def test_a_microsecond_past_either_end_is_refused(past):
    line = problem(
        refusal({"HITs": [hit(CreationTime=past.isoformat())]}), HIT_WHERE, "CreationTime"
    )
    assert "1697-10-17T11:03:28Z and 2242-03-16T12:56:32Z" in line


def test_a_nested_document_is_a_problem_of_the_file():
    message = refusal(nested_list(100_000))
    assert "expected a mapping with HITs and/or Assignments at the top level" in message
    assert len(message) < 2000


def test_requirement_integers_are_the_models_32_bit_integers():
    requirement = {
        "QualificationTypeId": "000000000000000000L0",
        "Comparator": "In",
        "IntegerValues": [1, 2**31],
    }
    message = refusal({"HITs": [hit(QualificationRequirements=[requirement])]})
    line = problem(message, HIT_WHERE, "QualificationRequirements[0].IntegerValues[1]")
    assert "less than or equal to 2147483647" in line


# --- YAML's odd types ----------------------------------------------------------------------------

YAML_HIT = """\
HITs:
  - HITId: 3LIMITHIT
    CreationTime: {creation}
    Title: {title}
    Description: From YAML.
    Question: <HTMLQuestion/>
    Reward: "0.50"
    MaxAssignments: {max_assignments}
    Expiration: "2026-11-08T10:00:00Z"
    AssignmentDurationInSeconds: 600
"""


def yaml_hit(
    creation: str = '"2026-11-01T10:00:00Z"', title: str = "YAML", max_assignments: str = "3"
) -> str:
    return YAML_HIT.format(creation=creation, title=title, max_assignments=max_assignments)


@pytest.mark.parametrize(
    ("text", "field", "complaint"),
    [
        (yaml_hit(creation="9999-12-31T23:59:59-14:00"), "CreationTime", "out of range"),
        (yaml_hit(creation="0001-01-01T00:00:00+01:00"), "CreationTime", "out of range"),
        (
            yaml_hit(max_assignments="100000000000000000000000"),
            "MaxAssignments",
            "less than or equal",
        ),
        (yaml_hit(title='"\\ud800"'), "Title", "lone surrogate"),
        (yaml_hit(title="!!binary aGk="), "Title", "valid string (got b'hi')"),
        (yaml_hit(title="!!set {a}"), "Title", "valid string (got {'a'})"),
        (yaml_hit(title="2026-11-01"), "Title", "valid string (got datetime.date(2026, 11, 1))"),
        (yaml_hit(title=".nan"), "Title", "valid string (got nan)"),
    ],
)
def test_yaml_values_of_odd_types_are_problems_naming_the_field(tmp_path, text, field, complaint):
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    with pytest.raises(FixtureError) as caught:
        build_dataset([(str(path), read_document(path))], NOW)
    prefix = f"{path}: {HIT_WHERE}, field '{field}': "
    (line,) = [line for line in str(caught.value).splitlines() if line.startswith(prefix)]
    assert complaint in line


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (yaml_hit(creation="2026-02-30"), "day is out of range for month"),
        (yaml_hit(creation="2026-11-01T10:00:00+99:00"), "offset must be a timedelta"),
        (yaml_hit(max_assignments="1" + "0" * 5000), "4300 digits"),
        (yaml_hit(max_assignments="!!int nope"), "invalid literal for int()"),
        ("HITs: " + "[" * 200 + "]" * 200, "values nested more than 100 levels deep"),
    ],
)
def test_yaml_that_pyyaml_cannot_build_is_not_valid_yaml(tmp_path, text, complaint):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(FixtureError) as caught:
        read_document(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not valid YAML (")
    assert complaint in message


# --- Every way in ------------------------------------------------------------------------------

BAD_YAML = """\
HITs:
  - HITId: 3LIMITHIT
    CreationTime: "9999-12-31T23:59:59-14:00"
    Title: Bad
    Description: Every measured case at once.
    Question: <HTMLQuestion/>
    Reward: "0.50"
    MaxAssignments: 100000000000000000000000
    AutoApprovalDelayInSeconds: 9223372036854775807
    Expiration: "2026-11-08T10:00:00Z"
    AssignmentDurationInSeconds: 600
    RequesterAnnotation: {nested}
""".format(nested="[" * 90 + "]" * 90)
BAD_FIELDS = ["CreationTime", "MaxAssignments", "AutoApprovalDelayInSeconds", "RequesterAnnotation"]


def test_the_cli_refuses_bad_fixtures_with_exit_2_and_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_YAML)
    done = subprocess.run(
        [str(MOCKTURK), "serve", "--port", "0", "--fixtures", str(path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("mockturk: cannot start: 4 problems in the fixtures:\n")
    for field in BAD_FIELDS:
        assert f"{path}: {HIT_WHERE}, field '{field}': " in done.stderr


def test_serve_raises_fixture_error_before_starting():
    with pytest.raises(FixtureError) as caught:
        mockturk.serve(
            {"HITs": [hit(MaxAssignments=10**23, CreationTime="9999-12-31T23:59:59-14:00")]}
        )
    assert "field 'MaxAssignments'" in str(caught.value)
    assert "field 'CreationTime'" in str(caught.value)


@pytest.fixture(scope="module")
def server():
    with mockturk.serve([], clock=FixedClock(NOW)) as running:
        yield running


def test_in_process_load_raises_fixture_error_and_changes_nothing(server: InProcessServer):
    server.load({"HITs": [hit()]}, replace=True)
    before = server.state()
    with pytest.raises(FixtureError) as caught:
        server.load({"HITs": [hit(HITId="3OTHER", AutoApprovalDelayInSeconds=2**63 - 1)]})
    assert "field 'AutoApprovalDelayInSeconds'" in str(caught.value)
    assert server.state() == before
    assert server.take_faults() == []


def test_a_remote_load_json_cannot_carry_is_a_fixture_error(server: InProcessServer):
    remote = RemoteServer(server.endpoint_url)
    with pytest.raises(FixtureError) as caught:
        remote.load({"HITs": [hit(MaxAssignments=10**23)]})
    assert str(caught.value).startswith("fixtures: cannot be sent as JSON (")


def post_fixtures(server: InProcessServer, body: bytes, content_type: str) -> tuple[int, Any]:
    response = raw_request(
        server,
        path="/_mockturk/fixtures?source=bad.yaml",
        body=body,
        headers={"Content-Type": content_type},
    )
    assert response.headers["content-type"] == "application/json"
    return response.status, orjson.loads(response.body)


def test_the_control_api_answers_bad_yaml_fixtures_with_400(server: InProcessServer):
    before = server.state()
    status, answer = post_fixtures(server, BAD_YAML.encode(), "application/yaml")
    assert status == 400
    assert answer["error"] == "InvalidFixtures"
    assert len(answer["problems"]) == len(BAD_FIELDS)
    for field, line in zip(BAD_FIELDS, answer["problems"], strict=True):
        assert line.startswith(f"bad.yaml: {HIT_WHERE}, field '{field}': ")
    assert server.state() == before
    assert server.take_faults() == []


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (
            json.dumps({"HITs": [hit(MaxAssignments=10**23)]}).encode(),
            "application/json",
            "InvalidFixtures",
        ),
        (json.dumps({"HITs": [hit(Title="\ud800")]}).encode(), "application/json", "MalformedBody"),
        (yaml_hit(title='"\\ud800"').encode(), "application/yaml", "InvalidFixtures"),
        (yaml_hit(title='Key\n    "\\ud800": 1').encode(), "application/yaml", "InvalidFixtures"),
        (("HITs: " + "[" * 200 + "]" * 200).encode(), "application/yaml", "MalformedBody"),
        (yaml_hit(creation="2026-02-30").encode(), "application/yaml", "MalformedBody"),
        (
            json.dumps({"Assignments": [assignment(HITId=["3LIMITHIT"])]}).encode(),
            "application/json",
            "InvalidFixtures",
        ),
        (
            b'{"documents": [{"source": ' + b"[" * 900 + b"]" * 900 + b', "content": {}}]}',
            "application/json",
            "MalformedBody",
        ),
    ],
    ids=[
        "json-big-int",
        "json-lone-surrogate",
        "yaml-lone-surrogate",
        "yaml-lone-surrogate-key",
        "yaml-deep",
        "yaml-bad-date",
        "unhashable-hit-id",
        "deep-source",
    ],
)
def test_the_control_api_answers_unloadable_bodies_with_400(server, body, content_type, error):
    status, answer = post_fixtures(server, body, content_type)
    assert (status, answer["error"]) == (400, error), answer
    assert server.take_faults() == []


# --- The property ------------------------------------------------------------------------------

offsets = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)
hashables = st.one_of(st.integers(), st.text(max_size=4), st.booleans(), st.none())
# Values at the edges of what a field's type holds: the likeliest to break a loader.
edge_values = st.one_of(
    st.integers(min_value=2**63 - 2, max_value=2**80),
    st.integers(min_value=-(2**80), max_value=-(2**63) + 2),
    st.integers(min_value=-(2**33), max_value=2**33),
    st.floats(),  # NaN and infinities included
    st.datetimes(timezones=offsets),  # years 1 to 9999, any offset
    st.datetimes(
        min_value=EARLIEST.replace(tzinfo=None), max_value=LATEST.replace(tzinfo=None)
    ).map(lambda naive: naive.replace(tzinfo=UTC).isoformat()),
    st.sampled_from(
        [
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+01:00",
            EARLIEST.isoformat(),
            LATEST.isoformat(),
            (LATEST + timedelta(microseconds=1)).isoformat(),
            -MAX_EPOCH_SECONDS,
            MAX_EPOCH_SECONDS,
            MAX_EPOCH_SECONDS + 0.5,
            9223372036854775807,
            2_592_000,
            31_536_000,
            1_000_000_000,
            2**31,
            30,
        ]
    ),
)
odd_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(),
    st.text(st.characters(codec=None, categories=["Cs"]) | st.characters(), max_size=4),
    st.binary(max_size=4),
    st.dates(),
    st.datetimes(),  # naive: no instant
    st.sampled_from(["2026-11-02T10:00:00Z", "Submitted", "Approved", "3LIMITHIT", "A1LIMIT"]),
    edge_values,
)
_odd_values = st.one_of(
    edge_values,
    st.recursive(
        odd_scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=6), inner, max_size=3)
            | st.frozensets(hashables, max_size=3)
            | st.tuples(inner)
        ),
        max_leaves=8,
    ),
    st.sampled_from([30, 1100]).map(nested_list),  # deeper than Python recursion goes
)
# Deferred, so that the strategy's repr in a failure report stays short.
odd_values = st.deferred(lambda: _odd_values)
GONE = object()  # a field left out

REQUIREMENT = {"QualificationTypeId": "000000000000000000L0", "Comparator": "Exists"}


def changed(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in {**base, **changes}.items() if value is not GONE}


def records_of(model: type, base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid record with one or two of its fields (any field of the model) replaced or left
    out: one odd value at a time is what reaches the code behind the model's checks."""
    requirements = st.lists(
        st.dictionaries(
            st.sampled_from(sorted(QualificationRequirement.model_fields)), odd_values, max_size=2
        ).map(lambda changes: changed(REQUIREMENT, changes)),
        min_size=1,
        max_size=2,
    )

    def values_of(name: str) -> st.SearchStrategy[Any]:
        values = odd_values | st.just(GONE)
        return values | requirements if name == "QualificationRequirements" else values

    change = st.sampled_from(sorted(model.model_fields)).flatmap(
        lambda name: st.tuples(st.just(name), values_of(name))
    )
    return st.lists(change, max_size=2).map(lambda changes: changed(base, dict(changes)))


hits_and_assignments = st.builds(
    lambda one, assignments: {"HITs": [one], "Assignments": assignments},
    records_of(HIT, hit()),
    st.lists(records_of(Assignment, assignment()), max_size=1),
)
other_documents = st.one_of(
    st.builds(lambda one: {"HIT": one}, records_of(HIT, hit())),
    st.dictionaries(
        st.sampled_from(["HITs", "Assignments", "HIT", "Assignment"]) | st.text(max_size=3),
        odd_values,
        max_size=3,
    ),
    odd_values,
)
assignments_alone = st.builds(
    lambda assignments: {"Assignments": assignments},
    st.lists(records_of(Assignment, assignment()), min_size=1, max_size=2),
)
# Each kind a third of the documents (one_of alone would flatten the branches, and draw the
# records with one or two odd fields seldom).
documents = st.sampled_from([hits_and_assignments, assignments_alone, other_documents]).flatmap(
    lambda kind: kind
)


def sendable(error: FixtureError) -> bool:
    """Whether the error reaches the control API's clients as JSON (and a terminal as text)."""
    body = {"error": "InvalidFixtures", "message": str(error), "problems": error.problems}
    return orjson.loads(orjson.dumps(body)) == body


@FUZZ
@given(documents)
def test_any_document_loads_or_is_a_fixture_error(document):
    try:
        dataset = build_dataset([(SOURCE, document)], NOW)
    except FixtureError as error:
        assert sendable(error)
        return
    # What loads is served: every record is encoded, and its export loads back identically.
    exported = Account(Store(), FixedClock(NOW), dataset).state()
    again = build_dataset([(SOURCE, orjson.loads(orjson.dumps(exported)))], NOW)
    assert Account(Store(), FixedClock(NOW), again).state() == exported


HELD = build_dataset([("held", {"HITs": [hit()], "Assignments": [assignment()]})], NOW)


@FUZZ
@given(documents)
def test_any_document_loads_into_a_running_account_or_is_a_fixture_error(document):
    # As the control API and InProcessServer.load() load it: with the records already held.
    account = Account(Store(), FixedClock(NOW), HELD)
    before = account.state()
    try:
        account.load([(SOURCE, document)])
    except FixtureError as error:
        assert sendable(error)
        assert account.state() == before


def test_the_range_is_two_to_the_33_seconds_either_side_of_the_epoch():
    assert LATEST - EPOCH == EPOCH - EARLIEST == timedelta(seconds=2**33)
    assert date(2242, 3, 16) == LATEST.date()
