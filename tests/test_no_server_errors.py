"""No request gets a 500, whatever JSON it holds: every member of every implemented operation,
over a real server on loopback, with no SDK in between to check anything first.

The operations and their members come from the botocore model and the handler table, so an
operation added later is covered without touching this file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import (
    BUNDLED_CLOCK,
    check_error_body,
    check_response,
    fuzz_settings,
    nested_list,
    raw_request,
)

import mockturk
from mockturk.errors import CORAL
from mockturk.operations import HANDLERS
from mockturk.quoted import MAX_CHARS, java_text, python_text
from mockturk.spec import load_spec
from mockturk.testing import InProcessServer

TARGET_PREFIX = "MTurkRequesterServiceV20170117."
OPERATIONS = sorted(HANDLERS)
SERIALIZATION = CORAL + "SerializationException"
# What a request can be refused with once its operation is known; never a fault.
REFUSALS = {"ValidationException", SERIALIZATION, "RequestError", "ParameterValidationError"}
PARSER_DEPTH_LIMIT = 1024  # orjson's: a body nested deeper is not read at all

FUZZ = fuzz_settings(max_examples=100)


def input_members(operation: str) -> list[str]:
    return list(load_spec().operation(operation).input_shape.members)


MEMBERS = [(operation, member) for operation in OPERATIONS for member in input_members(operation)]


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with mockturk.serve(
        **BUNDLED_CLOCK
    ) as running:  # leaving the block raises any fault it recorded
        yield running


@pytest.fixture(scope="module")
def known_values(server: InProcessServer) -> list[Any]:
    """Values a member may really hold, so that requests also reach the handlers."""
    state = server.state()
    first_page = server.client().list_hits(MaxResults=1)
    return [
        *[hit["HITId"] for hit in state["HITs"][:3]],
        *[assignment["AssignmentId"] for assignment in state["Assignments"][:3]],
        first_page["NextToken"],
        ["Submitted", "Approved"],
        5,
    ]


def post(server: InProcessServer, operation: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    response = raw_request(server, body=body, target=operation)
    return response.status, response.headers, orjson.loads(response.body)


def answered_without_fault(
    server: InProcessServer, operation: str, body: bytes
) -> tuple[int, dict[str, Any]]:
    """Send a request; fail unless its answer is a 2xx or an AWS-shaped 4xx and no fault was
    recorded."""
    status, headers, answer = post(server, operation, body)
    assert status < 500, answer
    check_response(operation, status, headers, answer)
    if status >= 400:
        check_error_body(status, answer)
        assert answer["__type"] in REFUSALS, answer
    assert server.take_faults() == []
    return status, answer


def body_of(members: dict[str, str]) -> bytes:
    """A JSON object from member names and the JSON text of their values."""
    return ("{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in members.items()) + "}").encode()


def nested(depth: int, kind: str = "list") -> str:
    """JSON text of a list (or object) nested ``depth`` levels deep."""
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


# --- The property ------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**80),  # past what orjson reads as an integer
    st.integers(min_value=-(2**80), max_value=-(2**63) + 2),
    st.floats(allow_nan=False, allow_infinity=False),  # 1e308, -0.0, 5e-324 ...
    st.text(),  # any text without lone surrogates, which JSON cannot carry
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def json_text(value: Any, ascii_only: bool) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)


def member_texts(known: list[Any]) -> st.SearchStrategy[str]:
    """JSON text of one member's value: anything, a known good value, or deep nesting."""
    return st.one_of(
        st.builds(json_text, json_values, st.booleans()),
        st.sampled_from(known).map(json.dumps),
        st.builds(
            nested, st.integers(1, PARSER_DEPTH_LIMIT + 50), st.sampled_from(["list", "dict"])
        ),
    )


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_any_json_in_any_member_is_answered_without_a_fault(server, known_values, operation, data):
    values = member_texts(known_values)
    members = data.draw(
        st.fixed_dictionaries({}, optional={name: values for name in input_members(operation)})
    )
    _, answer = answered_without_fault(server, operation, body_of(members))
    if answer.get("__type") == "ValidationException":
        # Each violation quotes a bounded value: the message never grows with the request.
        assert len(answer["message"]) < (len(members) + 1) * (MAX_CHARS + 400), answer


# --- The measured cases ------------------------------------------------------------------------


@pytest.mark.parametrize(("operation", "member"), MEMBERS)
@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("depth", [330, PARSER_DEPTH_LIMIT - 1])
def test_deep_nesting_in_a_member_is_a_validation_error(server, operation, member, kind, depth):
    status, answer = answered_without_fault(
        server, operation, body_of({member: nested(depth, kind)})
    )
    assert (status, answer["__type"]) == (400, "ValidationException")
    member_path = member[:1].lower() + member[1:]
    # At the member itself, or inside it (a list's item, a structure's required member).
    at_member = rf"at '{member_path}(\.[^']*)?' failed to satisfy constraint: Member must"
    assert re.search(at_member, answer["message"]), answer["message"]
    # Each violation quotes a bounded value (others may name the required members left out).
    assert len(answer["message"]) < MAX_CHARS + 400 * answer["message"].count("; ") + 400


@pytest.mark.parametrize("kind", ["list", "dict"])
def test_nesting_past_the_parsers_limit_is_a_serialization_exception(server, kind):
    body = body_of({"AssignmentId": nested(PARSER_DEPTH_LIMIT + 1, kind)})
    status, answer = answered_without_fault(server, "GetAssignment", body)
    assert (status, answer["__type"]) == (400, SERIALIZATION)
    assert "depth limit exceeded" in answer["message"]


PREFIX = "1 validation error detected: "


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "100000000000000000000000",
            "Value '1.0E23' at 'maxResults' failed to satisfy constraint:"
            " Member must be of type integer",
            id="beyond-64-bits-read-as-a-double",
        ),
        pytest.param(
            "-9223372036854775809",
            "Value '-9.223372036854776E18' at 'maxResults' failed to satisfy constraint:"
            " Member must be of type integer",
            id="below-64-bits",
        ),
        pytest.param(
            "18446744073709551615",
            "Value '18446744073709551615' at 'maxResults' failed to satisfy constraint:"
            " Member must have value less than or equal to 100",
            id="largest-64-bit",
        ),
        pytest.param(
            "1e308",
            "Value '1.0E308' at 'maxResults' failed to satisfy constraint:"
            " Member must be of type integer",
            id="largest-double",
        ),
        pytest.param(
            "-0.0",
            "Value '-0.0' at 'maxResults' failed to satisfy constraint:"
            " Member must be of type integer",
            id="negative-zero",
        ),
    ],
)
def test_numbers_no_integer_member_holds_are_validation_errors(server, text, message):
    status, answer = answered_without_fault(server, "ListHITs", body_of({"MaxResults": text}))
    assert (status, answer) == (400, {"__type": "ValidationException", "message": PREFIX + message})


def test_a_number_in_a_string_member_is_quoted_as_java_writes_it(server):
    status, answer = answered_without_fault(server, "ListHITs", body_of({"NextToken": "1e308"}))
    assert status == 400
    assert answer["message"] == (
        PREFIX + "Value '1.0E308' at 'nextToken' failed to satisfy constraint:"
        " Member must be of type string"
    )


@pytest.mark.parametrize("text", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "0x10", "01"])
def test_numbers_json_cannot_hold_are_serialization_exceptions(server, text):
    status, answer = answered_without_fault(server, "ListHITs", body_of({"MaxResults": text}))
    assert (status, answer["__type"]) == (400, SERIALIZATION)
    assert answer["message"].startswith("The request body is not valid JSON: ")


def test_a_huge_string_makes_a_short_message(server):
    huge = "x" * (1_900_000)
    status, answer = answered_without_fault(
        server, "ListHITs", body_of({"NextToken": json.dumps(huge)})
    )
    assert status == 400
    quoted = answer["message"].split("'")[1]
    assert quoted == "x" * MAX_CHARS + "..."


def test_a_huge_list_makes_a_short_message(server, known_values):
    statuses = json.dumps(["Nope"] * 200_000)
    body = body_of({"HITId": json.dumps(known_values[0]), "AssignmentStatuses": statuses})
    status, answer = answered_without_fault(server, "ListAssignmentsForHIT", body)
    assert status == 400
    assert answer["message"].startswith(PREFIX + "Value '[Nope, Nope, ")
    assert len(answer["message"]) < MAX_CHARS + 400


# --- Quoting values, bounded -------------------------------------------------------------------


def test_java_text_writes_what_javas_to_string_writes():
    value = {"a": [True, None, 1.5, 1e23, -0.0, 7], "b": "text"}
    assert java_text(value) == "{a=[true, null, 1.5, 1.0E23, -0.0, 7], b=text}"
    assert java_text(float("nan")) == "NaN"
    assert java_text(float("-inf")) == "-Infinity"


def test_deep_values_show_sixteen_levels():
    assert java_text(nested_list(100_000)) == "[" * 16 + "[...]" + "]" * 16
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    assert python_text(cyclic) == "[" * 16 + "[...]" + "]" * 16


def test_integers_too_long_to_print_are_described():
    assert python_text(10**5000) == "<an integer of about 5001 digits>"
    assert python_text(-(10**5000)) == "<a negative integer of about 5001 digits>"
    assert python_text(10**1100) == "1" + "0" * (MAX_CHARS - 1) + "..."


def test_python_text_writes_what_repr_writes():
    value = {"k": (1,), "s": {2}, "b": b"\x00", "t": "it's", "n": None, "e": frozenset()}
    assert python_text(value) == repr(value)
    assert python_text("x" * 5000) == "'" + "x" * (MAX_CHARS - 1) + "..."


def test_a_null_member_counts_as_absent_at_any_depth(server):
    body = {
        "Title": "t",
        "Description": "d",
        "Reward": "0.10",
        "AssignmentDurationInSeconds": 60,
        "Keywords": None,
        "QualificationRequirements": [
            {"QualificationTypeId": "00000000000000000071", "Comparator": "Exists", "Note": None}
        ],
    }
    status, answer = answered_without_fault(server, "CreateHITType", json.dumps(body).encode())
    assert status == 200 and len(answer["HITTypeId"]) == 30


def test_a_null_item_in_a_list_of_structures_is_a_validation_error(server):
    body = {"Title": "t", "Description": "d", "Reward": "0.10", "AssignmentDurationInSeconds": 60}
    body["QualificationRequirements"] = [None]
    status, answer = answered_without_fault(server, "CreateHITType", json.dumps(body).encode())
    assert (status, answer["message"]) == (
        400,
        "1 validation error detected: Value null at 'qualificationRequirements.1.member' failed"
        " to satisfy constraint: Member must not be null",
    )
