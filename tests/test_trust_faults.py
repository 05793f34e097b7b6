"""Injected faults and the rate limit, with botocore's own retries as the test: a client with
standard retries gets its answer after the injected failures; one without sees them as the
real service sent them."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any

import botocore.retries.standard
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError
from support import JSON_11, TARGET_PREFIX

from mockturk.testing import ControlError, InProcessServer, RemoteServer, serve

RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 3})


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with serve([]) as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults_left(server: InProcessServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # botocore's decisions, without its waits between attempts.
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", _no_wait)
    yield
    server.reset()
    assert server.faults.pending() == []


def _no_wait(self: Any, context: Any) -> float:
    return 0.0


def failure(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response  # type: ignore[no-any-return]


def test_standard_retries_get_through_injected_throttling(server: InProcessServer):
    server.faults.inject("ListHITs", "Throttling", count=2)
    answer = server.client(config=RETRIES).list_hits()
    assert answer["NumResults"] == 0
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2


def test_throttling_is_shaped_as_the_real_service_sent_it(server: InProcessServer):
    server.faults.inject("GetAccountBalance", "Throttling", count=1)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Content-Type": JSON_11, "X-Amz-Target": TARGET_PREFIX + "GetAccountBalance"}
    connection.request("POST", "/", b"{}", headers)
    response = connection.getresponse()
    assert response.status == 400
    assert json.loads(response.read()) == {
        "__type": "com.amazon.coral.availability#ThrottlingException",
        "message": "Rate exceeded",
    }
    connection.close()


def test_a_client_without_retries_sees_the_fault(server: InProcessServer):
    server.faults.inject("ListHITs", "ServiceUnavailable", count=1)
    response = failure(server.client().list_hits)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert response["Error"]["Code"] == "ServiceFault"
    assert response["TurkErrorCode"] == "AWS.ServiceUnavailable"
    assert server.client().list_hits()["NumResults"] == 0  # only the next call


def test_more_failures_than_attempts_reach_the_caller(server: InProcessServer):
    server.faults.inject("*", "Throttling", count=5)
    response = failure(server.client(config=RETRIES).get_account_balance)
    assert response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert server.faults.pending() == [{"operation": "*", "fault": "Throttling", "count": 2}]


def test_other_operations_are_untouched(server: InProcessServer):
    server.faults.inject("CreateHIT", "Throttling", count=3)
    assert server.client().list_hits()["NumResults"] == 0
    assert server.faults.pending()[0]["count"] == 3


def test_a_seeded_fraction_fails_the_same_calls_every_run(server: InProcessServer):
    def outcomes() -> list[bool]:
        server.faults.clear()
        server.faults.inject("ListHITs", "Throttling", fraction=0.5, seed=42)
        mturk = server.client()
        results = []
        for _ in range(20):
            try:
                mturk.list_hits()
                results.append(True)
            except ClientError:
                results.append(False)
        return results

    first = outcomes()
    assert first == outcomes()
    assert 0 < first.count(False) < 20


def test_a_slow_answer_trips_a_read_timeout_and_the_retry_gets_through(server: InProcessServer):
    server.faults.inject("ListHITs", "Slow", count=1, seconds=2)
    quick = Config(read_timeout=0.5, retries={"mode": "standard", "total_max_attempts": 1})
    with pytest.raises(ReadTimeoutError):
        server.client(config=quick).list_hits()
    server.faults.inject("ListHITs", "Slow", count=1, seconds=1)
    started = time.monotonic()
    assert server.client().list_hits()["NumResults"] == 0
    assert time.monotonic() - started >= 1


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ({"operation": "ListHITs", "fault": "Throttling"}, "either count"),
        ({"operation": "NoSuchOperation", "count": 1}, "not an MTurk operation"),
        ({"operation": "ListHITs", "fault": "Explode", "count": 1}, "not one of"),
        ({"operation": "ListHITs", "count": 0}, "count"),
        ({"operation": "ListHITs", "fraction": 1.5}, "fraction"),
        ({"operation": "ListHITs", "count": 1, "colour": "red"}, "Unknown members"),
    ],
)
def test_a_bad_fault_is_refused_whole(server: InProcessServer, spec, complaint):
    with pytest.raises(ControlError) as caught:
        RemoteServer(server.endpoint_url).faults._request("POST", spec)
    assert caught.value.status == 400 and caught.value.code == "InvalidFault"
    assert complaint in caught.value.message
    assert server.faults.pending() == []


def test_a_reset_clears_the_faults(server: InProcessServer):
    server.faults.inject("ListHITs", "Throttling", count=1)
    RemoteServer(server.endpoint_url).reset()
    assert server.faults.pending() == []


def test_the_rate_limit_throttles_each_key_past_its_burst():
    with serve([], rate_limit=0.001, rate_burst=2) as limited:  # a token every 1000 s
        mturk = limited.client()
        mturk.list_hits()
        mturk.get_account_balance()
        assert failure(mturk.list_hits)["Error"]["Code"] == "ThrottlingException"
        other = limited.client(aws_access_key_id="AKIAOTHERKEY")
        assert other.list_hits()["NumResults"] == 0  # a bucket of its own
