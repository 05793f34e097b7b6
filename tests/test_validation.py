"""Server-side validation against the model: what botocore does not check before sending."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from support import call

PREFIX = "1 validation error detected: "
STATUS_ENUM = "[Approved, Rejected, Submitted]"


def validation_message(response) -> str:
    assert response.status == 400
    body = response.json()
    assert body["__type"] == "ValidationException"
    return body["message"]


def boto3_validation_error(call_sdk) -> str:
    with pytest.raises(ClientError) as caught:
        call_sdk()
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error["Message"]


def test_max_results_over_100_through_boto3(mturk):
    message = boto3_validation_error(lambda: mturk.list_hits(MaxResults=101))
    assert message == (
        PREFIX + "Value '101' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )


def test_max_results_zero_from_a_raw_client(server):
    message = validation_message(call(server, "ListHITs", {"MaxResults": 0}))
    assert message == (
        PREFIX + "Value '0' at 'maxResults' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_malformed_hit_id_through_boto3(mturk):
    message = boto3_validation_error(lambda: mturk.list_assignments_for_hit(HITId="bad-id"))
    assert message == (
        PREFIX + "Value 'bad-id' at 'hITId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^[A-Z0-9]+$"
    )


def test_id_with_a_trailing_newline_breaks_the_pattern(mturk):
    message = boto3_validation_error(lambda: mturk.get_assignment(AssignmentId="3ABC\n"))
    assert "at 'assignmentId'" in message and "regular expression pattern" in message


def test_over_long_assignment_id(mturk):
    long_id = "3" * 65
    message = boto3_validation_error(lambda: mturk.get_assignment(AssignmentId=long_id))
    assert message == (
        PREFIX + f"Value '{long_id}' at 'assignmentId' failed to satisfy constraint: "
        "Member must have length less than or equal to 64"
    )


def test_status_outside_the_enum(mturk, default_dataset):
    hit_id = default_dataset.hits[0].HITId
    message = boto3_validation_error(
        lambda: mturk.list_assignments_for_hit(HITId=hit_id, AssignmentStatuses=["Foo"])
    )
    assert message == (
        PREFIX + "Value '[Foo]' at 'assignmentStatuses' failed to satisfy constraint: "
        f"Member must satisfy constraint: [Member must satisfy enum value set: {STATUS_ENUM}]"
    )


def test_over_long_next_token(mturk):
    token = "p1:" + "A" * 253
    message = boto3_validation_error(lambda: mturk.list_hits(NextToken=token))
    assert message == (
        PREFIX + f"Value '{token}' at 'nextToken' failed to satisfy constraint: "
        "Member must have length less than or equal to 255"
    )


def test_lengths_count_utf16_code_units_as_the_java_framework_does(server):
    # 128 characters outside the Basic Multilingual Plane are 256 UTF-16 code units.
    message = validation_message(call(server, "ListHITs", {"NextToken": "\U0001f600" * 128}))
    assert "at 'nextToken'" in message and "less than or equal to 255" in message
    short = call(server, "ListHITs", {"NextToken": "\U0001f600" * 127})
    assert short.status == 400 and short.json()["__type"] == "RequestError"


def test_missing_required_member_from_a_raw_client(server):
    message = validation_message(call(server, "GetAssignment", {}))
    assert message == (
        PREFIX
        + "Value null at 'assignmentId' failed to satisfy constraint: Member must not be null"
    )
    message = validation_message(call(server, "ListAssignmentsForHIT", {"HITId": None}))
    assert "Value null at 'hITId'" in message


@pytest.mark.parametrize(
    ("params", "member", "kind"),
    [
        ({"MaxResults": "10"}, "maxResults", "integer"),
        ({"MaxResults": 10.5}, "maxResults", "integer"),
        ({"MaxResults": True}, "maxResults", "integer"),
        ({"NextToken": 12}, "nextToken", "string"),
        ({"NextToken": ["p1:x"]}, "nextToken", "string"),
    ],
)
def test_wrong_json_types(server, params, member, kind):
    message = validation_message(call(server, "ListHITs", params))
    assert message.startswith(PREFIX)
    assert f"at '{member}' failed to satisfy constraint: Member must be of type {kind}" in message


def test_wrong_type_for_a_list_member(server, default_dataset):
    params = {"HITId": default_dataset.hits[0].HITId, "AssignmentStatuses": "Submitted"}
    message = validation_message(call(server, "ListAssignmentsForHIT", params))
    assert "at 'assignmentStatuses' failed to satisfy constraint: Member must be of type list" in (
        message
    )
    params["AssignmentStatuses"] = ["Submitted", 3]
    message = validation_message(call(server, "ListAssignmentsForHIT", params))
    assert "Member must satisfy constraint: [Member must be of type string]" in message


def test_every_violation_is_reported_together(server):
    params = {"HITId": "x", "MaxResults": 500, "AssignmentStatuses": ["Nope"]}
    message = validation_message(call(server, "ListAssignmentsForHIT", params))
    assert message.startswith("3 validation errors detected: ")
    parts = message.removeprefix("3 validation errors detected: ").split("; ")
    assert [p.split("'")[3] for p in parts] == ["hITId", "maxResults", "assignmentStatuses"]


def test_validation_comes_before_lookups(mturk):
    # A malformed ID is a validation error, never "does not exist".
    message = boto3_validation_error(lambda: mturk.get_assignment(AssignmentId="lower"))
    assert "does not exist" not in message
