"""Test support over mockturk.testing: wire checks, raw HTTP, and small data sets.

Servers come from ``mockturk.testing.serve()``; what is here only checks what they answer and
builds the records they are given.
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from mockturk.fixtures import Dataset, build_dataset
from mockturk.spec import load_spec
from mockturk.testing import MockTurk, boto3_client

TARGET_PREFIX = "MTurkRequesterServiceV20170117."
JSON_11 = "application/x-amz-json-1.1"

# A server to send requests to: a harness server, or the endpoint URL of one running elsewhere.
Endpoint = MockTurk | str


@dataclass
class WireChecker:
    """Checks every response botocore receives against the model before botocore parses it."""

    seen: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        headers = {k.lower(): v for k, v in response_dict["headers"].items()}
        body = json.loads(response_dict["body"])
        self.seen.append(
            {
                "status": response_dict["status_code"],
                "headers": headers,
                "body": body,
                "raw": response_dict["body"].decode(),
            }
        )
        check_response(operation_model.name, response_dict["status_code"], headers, body)


def check_response(operation: str, status: int, headers: dict[str, str], body: Any) -> None:
    """Fail unless a response is exactly what the model allows, success or error."""
    assert headers["content-type"] == JSON_11
    assert len(headers["x-amzn-requestid"]) == 36
    assert isinstance(body, dict)
    if status == 200:
        assert not {"__type", "Message", "TurkErrorCode"} & body.keys(), body
        violations = load_spec().output_violations(operation, body)
        assert not violations, [
            f"{v.json_path()}: {v.constraint} ({v.value!r})" for v in violations
        ]
        return
    check_error_body(status, body)


def check_error_body(status: int, body: dict[str, Any]) -> None:
    assert isinstance(body.get("__type"), str) and body["__type"], body
    if body["__type"] in ("RequestError", "ServiceFault"):
        assert list(body) == ["__type", "Message", "TurkErrorCode"], body
        # Every MTurk message ends with its time stamp, but the real insufficient-funds one.
        stamped = body["TurkErrorCode"] != "AWS.MechanicalTurk.InsufficientFunds"
        assert body["Message"].endswith(")") or not stamped, body
        assert isinstance(body["TurkErrorCode"], str)
        assert status == (500 if body["__type"] == "ServiceFault" else 400)
    elif body["__type"] == "ParameterValidationError":
        assert list(body) == ["__type", "Message", "Parameter", "TurkErrorCode"], body
        assert body["Message"].endswith(")") and isinstance(body["TurkErrorCode"], str)
        assert status == 400
    else:
        assert list(body) == ["__type", "message"], body
        assert 400 <= status < 600


def checked(mturk: Any, checker: WireChecker | None = None) -> Any:
    """``mturk`` (a boto3 MTurk client) with every response it receives checked by ``checker``."""
    mturk.meta.events.register("before-parse.mturk.*", checker or WireChecker())
    return mturk


def client(endpoint_url: str, checker: WireChecker | None = None) -> Any:
    """A checked boto3 client for a server outside this process (a ``mockturk serve``)."""
    return checked(boto3_client(endpoint_url), checker)


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def raw_request(
    server: Endpoint,
    method: str = "POST",
    path: str = "/",
    body: bytes | str | dict[str, Any] | list[Any] | None = None,
    headers: dict[str, str] | None = None,
    target: str | None = None,
) -> RawResponse:
    """One HTTP request with no SDK in between."""
    if isinstance(body, dict | list):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    sent = {"Content-Type": JSON_11, **(headers or {})}
    if target is not None:
        sent["X-Amz-Target"] = TARGET_PREFIX + target if "." not in target else target
    url = urlsplit(server if isinstance(server, str) else server.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        payload = response.read()
        received = {k.lower(): v for k, v in response.getheaders()}
        return RawResponse(response.status, received, payload)
    finally:
        connection.close()


def call(server: Endpoint, operation: str, params: dict[str, Any]) -> RawResponse:
    """A raw AWS JSON call, checked against the model like the SDK's calls."""
    response = raw_request(server, body=params, target=operation)
    check_response(operation, response.status, response.headers, response.json())
    return response


# --- A server a test drives through time ---------------------------------------------------------

LAB_START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LAB_QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.com/task</ExternalURL>'
    "<FrameHeight>600</FrameHeight></ExternalQuestion>"
)
LAB_HIT_TYPE = {  # CreateHITType's members, and CreateHIT's with a lifetime and a Question
    "Title": "Rate five sentences",
    "Description": "Read each sentence and rate how natural it sounds.",
    "Reward": "0.50",
    "AssignmentDurationInSeconds": 600,
    "AutoApprovalDelayInSeconds": 3600,
}


class Lab:
    """A server on a frozen clock the test moves (the ``lab`` fixtures), a boto3 client whose
    every response is checked against the model, and the responses it saw (``wire``)."""

    def __init__(self, server: Any, wire: WireChecker | None = None) -> None:
        self.server = server
        self.wire = wire if wire is not None else WireChecker()
        self.mturk = checked(server.client(), self.wire)

    @property
    def now(self) -> datetime:
        return self.server.clock.now()  # type: ignore[no-any-return]

    def advance(self, seconds: float) -> None:
        self.server.clock.advance(seconds)

    def hit(self, hit_id: str) -> dict[str, Any]:
        return self.mturk.get_hit(HITId=hit_id)["HIT"]  # type: ignore[no-any-return]

    def counters(self, hit_id: str) -> tuple[str, int, int, int]:
        """HITStatus, and the Available, Pending and Completed counters."""
        hit = self.hit(hit_id)
        return (
            hit["HITStatus"],
            hit["NumberOfAssignmentsAvailable"],
            hit["NumberOfAssignmentsPending"],
            hit["NumberOfAssignmentsCompleted"],
        )

    def balance(self) -> Decimal:
        return Decimal(self.mturk.get_account_balance()["AvailableBalance"])


# --- The bundled data set's time ---------------------------------------------------------------

# Test servers over the bundled data set stand still at this instant, just after its newest
# record: what falls due in it (auto-approvals, expiries) can never happen during a test run,
# whatever the date the suite runs on.
BUNDLED_NOW = "2026-11-21T00:00:00Z"
BUNDLED_CLOCK = {"start_time": datetime.fromisoformat(BUNDLED_NOW), "frozen_clock": True}
BUNDLED_CLI_CLOCK = ["--start-time", BUNDLED_NOW, "--frozen-clock"]

# --- Building small data sets -------------------------------------------------------------------

NOW = "2026-11-20T12:00:00Z"


def hit_record(hit_id: str, **fields: Any) -> dict[str, Any]:
    """A valid fixture HIT with sensible values; ``fields`` override or add members."""
    record: dict[str, Any] = {
        "HITId": hit_id,
        "CreationTime": "2026-11-01T10:00:00Z",
        "Title": f"Task {hit_id}",
        "Description": "Label a few images.",
        "Question": "<HTMLQuestion/>",
        "HITStatus": "Reviewable",
        "MaxAssignments": 10,
        "Reward": "0.50",
        "Expiration": "2026-11-08T10:00:00Z",
        "AssignmentDurationInSeconds": 600,
    }
    record.update(fields)
    return record


def assignment_record(
    assignment_id: str, hit_id: str, worker: str, **fields: Any
) -> dict[str, Any]:
    """A valid Submitted fixture assignment; ``fields`` override or add members."""
    record: dict[str, Any] = {
        "AssignmentId": assignment_id,
        "WorkerId": worker,
        "HITId": hit_id,
        "AssignmentStatus": "Submitted",
        "AcceptTime": "2026-11-02T10:00:00Z",
        "SubmitTime": "2026-11-02T10:05:00Z",
    }
    record.update(fields)
    return record


def dataset(hits: Sequence[dict[str, Any]], assignments: Sequence[dict[str, Any]] = ()) -> Dataset:
    """A checked data set from fixture-format records, as the server would load it."""
    document = {"HITs": list(hits), "Assignments": list(assignments)}
    return build_dataset([("test-data", document)], datetime.fromisoformat(NOW))


def nested_list(depth: int) -> list[Any]:
    """``[[[...]]]``, ``depth`` lists deep, built without recursion."""
    outer: list[Any] = []
    inner = outer
    for _ in range(depth - 1):
        inner.append([])
        inner = inner[0]
    return outer


def fuzz_settings(max_examples: int) -> Any:
    """Hypothesis settings for the tests that throw arbitrary input at the server.

    Derandomized and without an example database, so every run tries the same inputs and the
    suite cannot pass or fail by luck; ``MOCKTURK_FUZZ=explore`` asks for new random inputs,
    ten times as many, to hunt for what the fixed ones miss.
    """
    from hypothesis import HealthCheck, settings

    explore = os.environ.get("MOCKTURK_FUZZ") == "explore"
    return settings(
        max_examples=max_examples * 10 if explore else max_examples,
        deadline=None,
        derandomize=not explore,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
