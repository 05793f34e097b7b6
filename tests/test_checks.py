"""The checks the real service made beyond the botocore model, over a real server on loopback.

The write operations are served here by stand-in handlers that record their calls and answer
``{}``: what is under test is everything before the handler, and that a refused request never
reaches it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st
from support import call, check_response, checked, fuzz_settings, raw_request

import mockturk
from mockturk.domain.questions import EXTERNAL_QUESTION_NAMESPACE, check_question
from mockturk.errors import ParameterValidationError
from mockturk.operations import HANDLERS
from mockturk.operations.checks import (
    LIMITS,
    MEMBER_REFUSALS,
    ONE_OF,
    PART_RULES,
    WORKER_LOCALE,
    refuse_invalid_values,
)
from mockturk.quoted import MAX_CHARS
from mockturk.spec import aws_value, load_spec
from mockturk.testing import InProcessServer

STAMPED = re.compile(r" \(\d{13}\)$")
PREFIX = "1 validation error detected: "
OPERATIONS = [
    "CreateHIT",
    "CreateHITType",
    "CreateHITWithHITType",
    "ApproveAssignment",
    "RejectAssignment",
    "ListBonusPayments",
    "NotifyWorkers",
    "CreateAdditionalAssignmentsForHIT",
    "UpdateNotificationSettings",
    "CreateQualificationType",
]
EXTERNAL = (
    f'<ExternalQuestion xmlns="{EXTERNAL_QUESTION_NAMESPACE}">'
    "<ExternalURL>http://localhost:5000/task?mode=debug</ExternalURL>"
    "<FrameHeight>600</FrameHeight></ExternalQuestion>"
)
HIT = {
    "LifetimeInSeconds": 3600,
    "AssignmentDurationInSeconds": 600,
    "Reward": "0.50",
    "Title": "Label images",
    "Description": "Label a few images.",
    "Question": EXTERNAL,
}
HIT_TYPE = {k: HIT[k] for k in ("AssignmentDurationInSeconds", "Reward", "Title", "Description")}
ASSIGNMENT = "3ASSIGNMENT1"


class Recorder:
    """Stand-in handlers: each call is recorded; a HIT's Question is checked, as the real
    CreateHIT handlers must."""

    def __init__(self, *, strict_https: bool = False) -> None:
        self.strict_https = strict_https
        self.calls: list[str] = []

    def handler(self, operation: str) -> Any:
        def handle(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
            if params.get("Question") is not None:
                check_question(params["Question"], strict_https=self.strict_https)
            self.calls.append(operation)
            return {}

        return handle

    def handlers(self) -> dict[str, Any]:
        return {**HANDLERS, **{operation: self.handler(operation) for operation in OPERATIONS}}


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def server(recorder: Recorder) -> Iterator[InProcessServer]:
    with mockturk.serve([], handlers=recorder.handlers()) as running:
        yield running


@pytest.fixture
def calls(recorder: Recorder) -> list[str]:
    recorder.calls.clear()
    return recorder.calls


@pytest.fixture
def mturk(server, wire):
    return checked(server.client(), wire)


def refused_by_boto3(calls: list[str], send: Any, code: str = "ValidationException") -> str:
    """The message of the error ``send()`` gets; the handler was never reached."""
    with pytest.raises(ClientError) as caught:
        send()
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Traceback" not in error["Message"]
    assert calls == []
    return error["Message"]


def refused(server: InProcessServer, calls: list[str], operation: str, params: dict) -> dict:
    """The error body a raw request gets; the handler was never reached."""
    response = call(server, operation, params)
    assert response.status == 400, response.json()
    assert calls == []
    return response.json()


def accepted(server: InProcessServer, calls: list[str], operation: str, params: dict) -> None:
    response = call(server, operation, params)
    assert response.status == 200, response.json()
    assert calls == [operation]
    calls.clear()


def violation(value: str, member: str, constraint: str) -> str:
    return f"Value {value} at '{member}' failed to satisfy constraint: {constraint}"


def at_most(bound: int, what: str = "length") -> str:
    return f"Member must have {what} less than or equal to {bound}"


def at_least(bound: int, what: str = "length") -> str:
    return f"Member must have {what} greater than or equal to {bound}"


# --- The tables ---------------------------------------------------------------------------------


def operations_with(member: str) -> list[str]:
    spec = load_spec()
    return [op for op in sorted(spec.operation_names) if member in spec.input_shape(op).members]


@pytest.mark.parametrize("member", sorted(LIMITS))
def test_a_limit_never_restates_the_model(member):
    # Each limit is one the model leaves out; if botocore's model gains it, the limit goes.
    spec = load_spec()
    found = operations_with(member)
    assert found, f"{member} is in no operation's input"
    for operation in found:
        shape = spec.input_shape(operation).members[member]
        assert shape.type_name in ("string", "list", "integer", "long"), (operation, member)
        assert not {"min", "max"} & shape.metadata.keys(), (operation, member, shape.metadata)


def test_every_rule_names_members_the_model_has():
    spec = load_spec()
    for member in [*PART_RULES, *MEMBER_REFUSALS]:
        assert operations_with(member), member
    for operation, one_of in ONE_OF.items():
        members = spec.input_shape(operation).members
        assert one_of.first in members and one_of.second in members, operation
        assert one_of.first not in spec.input_shape(operation).required_members


# --- Lengths and ranges -------------------------------------------------------------------------


def test_over_long_title_and_description_are_reported_together(mturk, calls):
    title, description = "T" * 129, "D" * 2001
    message = refused_by_boto3(
        calls, lambda: mturk.create_hit(**{**HIT, "Title": title, "Description": description})
    )
    assert message == (
        "2 validation errors detected: "
        + violation(f"'{title}'", "title", at_most(128))
        + "; "
        + violation(aws_value(description), "description", at_most(2000))
    )


def test_the_models_violations_come_first(mturk, calls):
    message = refused_by_boto3(
        calls, lambda: mturk.create_hit(**{**HIT, "Reward": "abc", "Keywords": "k" * 1001})
    )
    parts = message.removeprefix("2 validation errors detected: ").split("; ")
    assert [part.split("'")[3] for part in parts] == ["reward", "keywords"]
    assert parts[1].endswith(at_most(1000))


@pytest.mark.parametrize(
    ("member", "low", "high"),
    [
        ("LifetimeInSeconds", 30, 31536000),
        ("AssignmentDurationInSeconds", 30, 31536000),
        ("AutoApprovalDelayInSeconds", 0, 2592000),
        ("MaxAssignments", 1, 1000000000),
    ],
)
def test_ranges_of_create_hit(server, mturk, calls, member, low, high):
    aws_member = member[0].lower() + member[1:]
    for value, constraint in (
        (low - 1, at_least(low, "value")),
        (high + 1, at_most(high, "value")),
    ):
        message = refused_by_boto3(calls, lambda v=value: mturk.create_hit(**{**HIT, member: v}))
        assert message == PREFIX + violation(f"'{value}'", aws_member, constraint)
    for value in (low, high):
        accepted(server, calls, "CreateHIT", {**HIT, member: value})


def test_create_hit_type_has_the_same_limits(mturk, calls):
    message = refused_by_boto3(
        calls,
        lambda: mturk.create_hit_type(
            **{**HIT_TYPE, "AssignmentDurationInSeconds": 10, "Title": "t" * 200}
        ),
    )
    assert message.startswith("2 validation errors detected: ")
    assert "at 'assignmentDurationInSeconds'" in message and "at 'title'" in message


def test_create_hit_with_hit_type_checks_lifetime_and_annotation(mturk, calls):
    message = refused_by_boto3(
        calls,
        lambda: mturk.create_hit_with_hit_type(
            HITTypeId="3TYPE",
            LifetimeInSeconds=31536001,
            Question=EXTERNAL,
            RequesterAnnotation="a" * 256,
        ),
    )
    parts = message.removeprefix("2 validation errors detected: ").split("; ")
    assert parts == [
        violation("'31536001'", "lifetimeInSeconds", at_most(31536000, "value")),
        violation(f"'{'a' * 256}'", "requesterAnnotation", at_most(255)),
    ]


def test_lengths_count_utf16_code_units(server, calls):
    # A character outside the Basic Multilingual Plane counts twice, as in the model's checks.
    body = refused(server, calls, "CreateHIT", {**HIT, "Title": "\U0001f600" * 65})
    assert body["message"].endswith("at 'title' failed to satisfy constraint: " + at_most(128))
    accepted(server, calls, "CreateHIT", {**HIT, "Title": "\U0001f600" * 64})


def html_question_of_bytes(size: int, filler: str = "x") -> str:
    head = (
        '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
        '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA['
    )
    tail = "]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"
    room = size - len(head.encode()) - len(tail.encode())
    width = len(filler.encode())
    filling = filler * (room // width) + "x" * (room % width)
    question = head + filling + tail
    assert len(question.encode()) == size
    return question


def test_question_is_limited_in_bytes(server, calls):
    accepted(server, calls, "CreateHIT", {**HIT, "Question": html_question_of_bytes(65535)})
    # 65536 bytes in fewer than 33,000 characters: two bytes each.
    question = html_question_of_bytes(65536, filler="é")
    assert len(question) < 33_000
    body = refused(server, calls, "CreateHIT", {**HIT, "Question": question})
    assert body["__type"] == "ValidationException"
    assert body["message"].endswith("at 'question' failed to satisfy constraint: " + at_most(65535))
    assert len(body["message"]) < MAX_CHARS + 200  # the value is quoted within bounds


def test_notify_workers_limits(server, calls):
    params = {"Subject": "s" * 201, "MessageText": "m" * 4097, "WorkerIds": ["A1"] * 101}
    message = refused(server, calls, "NotifyWorkers", params)["message"]
    parts = message.removeprefix("3 validation errors detected: ").split("; ")
    assert [part.split("'")[3] for part in parts[:2]] == ["subject", "messageText"]
    assert parts[0].endswith(at_most(200)) and parts[1].endswith(at_most(4096))
    assert "at 'workerIds' failed to satisfy constraint: " + at_most(100) in parts[2]
    accepted(server, calls, "NotifyWorkers", {"Subject": "s", "MessageText": "m", "WorkerIds": []})


@pytest.mark.parametrize(
    ("member", "value", "kind"),
    [
        ("Title", 5, "string"),
        ("LifetimeInSeconds", "60", "long"),
        ("MaxAssignments", True, "integer"),
    ],
)
def test_a_value_of_the_wrong_type_is_reported_once(server, calls, member, value, kind):
    message = refused(server, calls, "CreateHIT", {**HIT, member: value})["message"]
    assert message.startswith(PREFIX), message
    assert message.endswith(f"Member must be of type {kind}")


# --- Qualification requirements -----------------------------------------------------------------

APPROVAL_RATE = "000000000000000000L0"


def requirement(**fields: Any) -> dict[str, Any]:
    return {"QualificationTypeId": APPROVAL_RATE, "Comparator": "GreaterThanOrEqualTo", **fields}


def locales(*countries: str) -> list[dict[str, str]]:
    return [{"Country": country} for country in countries]


@pytest.mark.parametrize(
    "requirements",
    [
        [requirement(IntegerValues=[95])],
        [requirement(Comparator="Exists"), requirement(Comparator="DoesNotExist")],
        [requirement(Comparator="In", IntegerValues=list(range(15)))],
        [
            requirement(
                QualificationTypeId=WORKER_LOCALE, Comparator="EqualTo", LocaleValues=locales("US")
            )
        ],
        [
            requirement(
                QualificationTypeId=WORKER_LOCALE,
                Comparator="In",
                LocaleValues=locales(*["US"] * 30),
            )
        ],
        [requirement(QualificationTypeId=WORKER_LOCALE, Comparator="Exists")],
        [requirement(Comparator="Exists", IntegerValues=[])] * 10,
    ],
    ids=["min", "exists", "in-15", "locale", "locale-in-30", "locale-exists", "ten"],
)
def test_requirements_the_real_service_took(server, calls, requirements):
    accepted(server, calls, "CreateHIT", {**HIT, "QualificationRequirements": requirements})


QR = "qualificationRequirements.1.member"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            requirement(Comparator="Exists", IntegerValues=[1]),
            [violation("'[1]'", f"{QR}.integerValues", at_most(0))],
        ),
        (
            requirement(Comparator="NotIn", IntegerValues=list(range(16))),
            [violation(f"'{list(range(16))}'", f"{QR}.integerValues", at_most(15))],
        ),
        (requirement(), [violation("null", f"{QR}.integerValues", "Member must not be null")]),
        (
            requirement(Comparator="In", IntegerValues=[]),
            [violation("'[]'", f"{QR}.integerValues", at_least(1))],
        ),
        (
            requirement(IntegerValues=[1, 2]),
            [violation("'[1, 2]'", f"{QR}.integerValues", at_most(1))],
        ),
        (
            requirement(IntegerValues=[90], LocaleValues=locales("US")),
            [violation("'[{Country=US}]'", f"{QR}.localeValues", at_most(0))],
        ),
        (
            requirement(
                QualificationTypeId=WORKER_LOCALE,
                Comparator="EqualTo",
                LocaleValues=locales("US", "CA"),
            ),
            [violation("'[{Country=US}, {Country=CA}]'", f"{QR}.localeValues", at_most(1))],
        ),
        (
            requirement(
                QualificationTypeId=WORKER_LOCALE,
                Comparator="In",
                LocaleValues=locales(*["US"] * 31),
            ),
            [f"at '{QR}.localeValues' failed to satisfy constraint: " + at_most(30)],
        ),
        (
            requirement(QualificationTypeId=WORKER_LOCALE, Comparator="EqualTo", IntegerValues=[1]),
            [
                violation("'[1]'", f"{QR}.integerValues", at_most(0)),
                violation("null", f"{QR}.localeValues", "Member must not be null"),
            ],
        ),
        (
            requirement(QualificationTypeId=WORKER_LOCALE, Comparator="GreaterThan"),
            [
                violation(
                    "'GreaterThan'",
                    f"{QR}.comparator",
                    "Member must satisfy enum value set: "
                    "[DoesNotExist, EqualTo, Exists, In, NotEqualTo, NotIn]",
                )
            ],
        ),
    ],
    ids=[
        "exists-with-values",
        "notin-16",
        "no-value",
        "in-empty",
        "two-values",
        "integer-with-locales",
        "equal-two-locales",
        "locale-in-31",
        "locale-with-integers",
        "locale-ordered",
    ],
)
def test_values_a_requirement_cannot_compare_with(mturk, calls, given, expected):
    message = refused_by_boto3(
        calls, lambda: mturk.create_hit(**{**HIT, "QualificationRequirements": [given]})
    )
    count = len(expected)
    header = f"{count} validation error{'s' if count > 1 else ''} detected: "
    parts = message.removeprefix(header).split("; ")
    assert len(parts) == count, message
    for part, wanted in zip(parts, expected, strict=True):
        assert part.endswith(wanted), (part, wanted)


def test_requirements_are_counted_and_numbered(mturk, calls):
    message = refused_by_boto3(
        calls,
        lambda: mturk.create_hit_type(
            **HIT_TYPE,
            QualificationRequirements=[requirement(IntegerValues=[1])] * 10
            + [requirement(Comparator="Exists", IntegerValues=[1])],
        ),
    )
    parts = message.removeprefix("2 validation errors detected: ").split("; ")
    assert parts[0].endswith(
        "at 'qualificationRequirements' failed to satisfy constraint: " + at_most(10)
    )
    assert parts[1] == violation(
        "'[1]'", "qualificationRequirements.11.member.integerValues", at_most(0)
    )


def test_a_malformed_requirement_is_the_models_to_report(server, calls):
    params = {**HIT, "QualificationRequirements": [5, {"Comparator": "Sometimes"}]}
    message = refused(server, calls, "CreateHIT", params)["message"]
    assert message.startswith("3 validation errors detected: ")
    assert "Member must be of type structure" in message
    assert "Member must satisfy enum value set" in message and "qualificationTypeId" in message


# --- Business rules: ParameterValidationError -----------------------------------------------------


def parameter_error(body: dict[str, Any], parameter: str) -> str:
    assert list(body) == ["__type", "Message", "Parameter", "TurkErrorCode"], body
    assert body["__type"] == "ParameterValidationError"
    assert body["Parameter"] == parameter
    assert body["TurkErrorCode"] == "AWS.MechanicalTurk.InvalidParameterValue"
    assert STAMPED.search(body["Message"]), body
    return STAMPED.sub("", body["Message"])


CONTROL_TEXT = "It must not contain the ASCII control characters 0-8, 11, 12 or 14-31."


@pytest.mark.parametrize("operation", ["ApproveAssignment", "RejectAssignment"])
def test_requester_feedback_with_a_control_character(server, calls, operation):
    params = {"AssignmentId": ASSIGNMENT, "RequesterFeedback": "Thanks\x07"}
    message = parameter_error(refused(server, calls, operation, params), "RequesterFeedback")
    assert message == (
        f'The value "Thanks\x07" is not valid for the parameter RequesterFeedback. {CONTROL_TEXT}'
    )


def test_requester_feedback_may_hold_tabs_newlines_and_be_empty(server, calls):
    for feedback in ("Line one\r\n\tLine two", ""):
        accepted(
            server,
            calls,
            "RejectAssignment",
            {"AssignmentId": ASSIGNMENT, "RequesterFeedback": feedback},
        )


def test_every_forbidden_control_character_and_only_those():
    forbidden = {*range(0, 9), 11, 12, *range(14, 32)}
    for code in range(0, 128):
        params = {"AssignmentId": ASSIGNMENT, "RequesterFeedback": f"a{chr(code)}b"}
        if code in forbidden:
            with pytest.raises(ParameterValidationError):
                refuse_invalid_values("ApproveAssignment", params)
        else:
            refuse_invalid_values("ApproveAssignment", params)


def test_over_long_feedback_is_a_validation_error_first(mturk, calls):
    message = refused_by_boto3(
        calls,
        lambda: mturk.approve_assignment(AssignmentId=ASSIGNMENT, RequesterFeedback="\x07" * 1025),
    )
    assert message.endswith("at 'requesterFeedback' failed to satisfy constraint: " + at_most(1024))


def test_feedback_error_through_boto3(mturk, calls):
    message = refused_by_boto3(
        calls,
        lambda: mturk.reject_assignment(AssignmentId=ASSIGNMENT, RequesterFeedback="\x1b[31m"),
        code="ParameterValidationError",
    )
    assert STAMPED.sub("", message).endswith(CONTROL_TEXT)


@pytest.mark.parametrize("operation", ["CreateHIT", "CreateHITWithHITType"])
def test_question_or_layout_exactly_one(server, calls, operation):
    base = (
        dict(HIT) if operation == "CreateHIT" else {"HITTypeId": "3TYPE", "LifetimeInSeconds": 60}
    )
    neither = {k: v for k, v in base.items() if k != "Question"}
    message = parameter_error(refused(server, calls, operation, neither), "Question")
    assert message == "Either the Question parameter or the HITLayoutId parameter must be provided."
    both = {**neither, "Question": EXTERNAL, "HITLayoutId": "3LAYOUT"}
    message = parameter_error(refused(server, calls, operation, both), "Question")
    assert (
        message
        == "Only one of the Question parameter and the HITLayoutId parameter may be provided."
    )
    accepted(server, calls, operation, {**neither, "HITLayoutId": "3LAYOUT"})
    accepted(server, calls, operation, {**neither, "Question": EXTERNAL})


def test_list_bonus_payments_needs_a_hit_or_an_assignment(server, calls, mturk):
    message = refused_by_boto3(
        calls, lambda: mturk.list_bonus_payments(), "ParameterValidationError"
    )
    assert STAMPED.sub("", message) == (
        "Either the HITId parameter or the AssignmentId parameter must be provided."
    )
    for params in (
        {"HITId": "3HIT"},
        {"AssignmentId": ASSIGNMENT},
        {"HITId": "3HIT", "AssignmentId": ASSIGNMENT},
    ):
        accepted(server, calls, "ListBonusPayments", params)


def test_update_notification_settings_needs_a_specification_or_active(server, calls):
    body = refused(server, calls, "UpdateNotificationSettings", {"HITTypeId": "3TYPE"})
    assert parameter_error(body, "Notification").startswith("Either the Notification parameter")
    accepted(server, calls, "UpdateNotificationSettings", {"HITTypeId": "3TYPE", "Active": False})


@pytest.mark.parametrize("count", [0, -5, 1000000001])
def test_additional_assignments_out_of_range(server, calls, count):
    params = {"HITId": "3HIT", "NumberOfAdditionalAssignments": count}
    body = refused(server, calls, "CreateAdditionalAssignmentsForHIT", params)
    assert parameter_error(body, "NumberOfAdditionalAssignments") == (
        f"The value {count} is invalid for NumberOfAdditionalAssignments."
        " Valid values range from 1 to 1000000000."
    )


def test_validation_errors_come_before_business_rules(server, calls):
    params = {"AssignmentId": ASSIGNMENT, "RequesterFeedback": "\x00" * 1025}
    assert refused(server, calls, "ApproveAssignment", params)["__type"] == "ValidationException"


# --- The Question document on the wire ------------------------------------------------------------


def test_a_question_that_is_not_xml(server, calls):
    body = refused(server, calls, "CreateHIT", {**HIT, "Question": "<ExternalQuestion>"})
    assert parameter_error(body, "Question") == (
        'The value "<ExternalQuestion>" is not valid for the parameter Question.'
        " The document is not well-formed XML: no element found: line 1, column 18."
    )


def test_http_external_urls_are_accepted_by_default(server, calls):
    accepted(server, calls, "CreateHIT", HIT)


def test_strict_https_gives_the_real_error():
    strict = Recorder(strict_https=True)
    with mockturk.serve([], handlers=strict.handlers()) as running:
        body = refused(running, strict.calls, "CreateHIT", HIT)
        assert parameter_error(body, "ExternalURL") == (
            'The value "http://localhost:5000/task?mode=debug" is not valid for the parameter'
            " ExternalURL. This URL must use the HTTPS protocol.."
        )
        secure = EXTERNAL.replace("http://localhost", "https://localhost")
        accepted(running, strict.calls, "CreateHIT", {**HIT, "Question": secure})


# --- Any JSON ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40) | st.floats(allow_nan=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
REQUIREMENT_MEMBERS = ("QualificationTypeId", "Comparator", "IntegerValues", "LocaleValues")
# Requirements with members drawn from anything, so that their rules meet odd values.
requirements = st.lists(
    st.fixed_dictionaries({}, optional={name: json_values for name in REQUIREMENT_MEMBERS}),
    max_size=3,
)


def member_values(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    members = load_spec().input_shape(operation).members
    optional: dict[str, st.SearchStrategy[Any]] = {name: json_values for name in members}
    if "QualificationRequirements" in members:
        optional["QualificationRequirements"] = json_values | requirements
    return st.fixed_dictionaries({}, optional=optional)


@pytest.mark.parametrize(
    "operation", ["CreateHIT", "CreateHITType", "RejectAssignment", "NotifyWorkers"]
)
@fuzz_settings(max_examples=60)
@given(data=st.data())
def test_any_json_gets_a_clean_answer(server, operation, data):
    params = data.draw(member_values(operation))
    response = raw_request(server, body=json.dumps(params), target=operation)
    check_response(operation, response.status, response.headers, response.json())
    assert response.status in (200, 400), response.json()
    assert server.take_faults() == []
