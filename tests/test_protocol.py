"""The AWS JSON 1.1 wire protocol, spoken over raw HTTP and through boto3."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from botocore.exceptions import ClientError
from support import JSON_11, call, check_error_body, checked, raw_request

from mockturk.operations import HANDLERS
from mockturk.protocol import MAX_BODY_BYTES
from mockturk.testing import InProcessServer, serve

CORAL = "com.amazon.coral.service#"


def assert_aws_error(response, status: int, type_name: str) -> dict:
    assert response.status == status
    assert response.headers["content-type"] == JSON_11
    assert uuid.UUID(response.headers["x-amzn-requestid"])
    body = response.json()
    check_error_body(status, body)
    assert body["__type"] == type_name
    assert "Traceback" not in response.body.decode()
    return body


def test_success_carries_exactly_the_real_headers(server):
    response = call(server, "ListHITs", {"MaxResults": 1})
    assert response.status == 200
    assert set(response.headers) == {"content-type", "content-length", "date", "x-amzn-requestid"}
    assert (
        str(uuid.UUID(response.headers["x-amzn-requestid"])) == response.headers["x-amzn-requestid"]
    )
    assert int(response.headers["content-length"]) == len(response.body)


def test_each_response_has_its_own_request_id(server):
    ids = {raw_request(server, body={}, target="ListHITs").headers["x-amzn-requestid"]}
    ids.add(raw_request(server, body={}, target="ListHITs").headers["x-amzn-requestid"])
    assert len(ids) == 2


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "MTurkRequesterServiceV20170117.NoSuchOperation",
        "DynamoDB_20120810.ListTables",
        "MTurkRequesterServiceV20170117",
    ],
)
def test_unknown_or_missing_target(server, target):
    headers = {} if target is None else {"X-Amz-Target": target}
    response = raw_request(server, body={}, headers=headers)
    body = assert_aws_error(response, 400, CORAL + "UnknownOperationException")
    assert body["message"]


def test_an_operation_a_server_has_no_handler_for_answers_501():
    """Every operation of the model has its handler; a server given fewer (``serve(handlers=)``)
    answers the others 501, naming those it has."""
    handlers = {name: handler for name, handler in HANDLERS.items() if name != "ListHITs"}
    with serve([], handlers=handlers) as partial:
        response = raw_request(partial, body={}, target="ListHITs")
    body = assert_aws_error(response, 501, "NotImplementedException")
    assert "ListHITs" in body["message"]
    for implemented in handlers:
        assert implemented in body["message"]


@pytest.mark.parametrize(
    "payload",
    [b"{", b"not json", b'{"MaxResults": 5,}', b"\xff\xfe{}", b'{"a": NaN}'],
)
def test_malformed_json(server, payload):
    response = raw_request(server, body=payload, target="ListHITs")
    assert_aws_error(response, 400, CORAL + "SerializationException")


@pytest.mark.parametrize("payload", [b"[]", b'"text"', b"42", b"null"])
def test_json_that_is_not_an_object(server, payload):
    response = raw_request(server, body=payload, target="ListHITs")
    body = assert_aws_error(response, 400, CORAL + "SerializationException")
    assert "object" in body["message"]


def test_empty_body_counts_as_empty_object(server):
    response = call(server, "ListHITs", {})
    empty = raw_request(server, body=b"", target="ListHITs")
    assert empty.status == 200
    assert empty.json()["NumResults"] == response.json()["NumResults"] == 10


def test_oversized_body(server):
    payload = b'{"NextToken":"' + b"A" * MAX_BODY_BYTES + b'"}'
    response = raw_request(server, body=payload, target="ListHITs")
    assert_aws_error(response, 413, CORAL + "RequestEntityTooLargeException")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_wrong_method(server, method):
    response = raw_request(server, method=method, body=b"", target="ListHITs")
    assert_aws_error(response, 405, CORAL + "UnknownOperationException")


@pytest.mark.parametrize("path", ["/foo", "/2017-01-17/ListHITs", "//"])
def test_wrong_path(server, path):
    response = raw_request(server, path=path, body={}, target="ListHITs")
    assert_aws_error(response, 404, CORAL + "UnknownOperationException")


def test_control_paths_are_json_too(server):
    missing = raw_request(server, method="GET", path="/_mockturk/nothing-here")
    assert missing.status == 404 and missing.json()["error"] == "NotFound"
    wrong = raw_request(server, method="POST", path="/_mockturk/health", body={})
    assert wrong.status == 405 and wrong.json()["error"] == "MethodNotAllowed"


def test_health(server, default_dataset):
    response = raw_request(server, method="GET", path="/_mockturk/health")
    assert response.status == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"]
    assert body["records"] == {
        "HITs": len(default_dataset.hits),
        "Assignments": len(default_dataset.assignments),
    }


def test_control_plane_is_not_reachable_through_a_target(server):
    response = raw_request(
        server, body={}, target="MTurkRequesterServiceV20170117._mockturk/health"
    )
    assert_aws_error(response, 400, CORAL + "UnknownOperationException")


def test_any_credentials_and_no_signature_are_accepted(server):
    unsigned = raw_request(server, body={"MaxResults": 1}, target="ListHITs")
    assert unsigned.status == 200
    sandbox = checked(
        server.client(
            region_name="sandbox",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="whatever",
            aws_session_token="token",
        )
    )
    assert sandbox.list_hits(MaxResults=1)["NumResults"] == 1


def test_unknown_members_are_ignored_and_nulls_are_absent(server):
    response = call(server, "ListHITs", {"MaxResults": None, "Foo": 1, "NextToken": None})
    assert response.status == 200 and response.json()["NumResults"] == 10


# --- Internal failures --------------------------------------------------------------------------


def _exploding_handler(ctx, params):
    raise RuntimeError("boom: a bug in a handler")


@pytest.fixture(scope="module")
def faulty_server():
    """A server whose ListHITs handler raises: each test takes the faults it provokes."""
    with serve([], handlers={**HANDLERS, "ListHITs": _exploding_handler}) as server:
        yield server


def assert_one_handler_fault(server: InProcessServer) -> None:
    (fault,) = server.take_faults()
    assert isinstance(fault, RuntimeError)
    assert str(fault) == "boom: a bug in a handler"


def test_internal_failure_is_a_service_fault_without_traceback(faulty_server, caplog):
    caplog.set_level(logging.ERROR, logger="mockturk.requests")
    response = raw_request(faulty_server, body={}, target="ListHITs")
    body = assert_aws_error(response, 500, "ServiceFault")
    assert re.fullmatch(r"The service is temporarily unable .+ \(\d{13}\)", body["Message"])
    assert "boom" not in response.body.decode()
    logged = [r for r in caplog.records if r.name == "mockturk.requests"]
    assert logged and logged[-1].exc_info is not None
    assert "boom" in str(logged[-1].exc_info[1])
    assert_one_handler_fault(faulty_server)


def test_boto3_raises_service_fault(faulty_server):
    mturk = checked(faulty_server.client())
    with pytest.raises(mturk.exceptions.ServiceFault) as caught:
        mturk.list_hits()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert_one_handler_fault(faulty_server)
    # The other operations of the same server are unaffected.
    with pytest.raises(ClientError) as other:
        mturk.get_assignment(AssignmentId="3NOPE")
    assert other.value.response["Error"]["Code"] == "RequestError"
