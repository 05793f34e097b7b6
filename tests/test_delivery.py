"""Notifications delivered to real endpoints: SQS and SNS on moto's server (a real AWS-compatible
endpoint on a loopback port), and an HTTP listener that gets SNS envelopes with no AWS at all,
as Dallinger's /mturk-sns-listener does. Failed deliveries are retried; nothing waits on a
destination; what falls due happens on time with nobody calling."""

from __future__ import annotations

import http.server
import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import support
from moto.server import ThreadedMotoServer

from mockturk import cli
from mockturk.testing import InProcessServer, serve

QUESTION, TYPE = support.LAB_QUESTION, support.LAB_HIT_TYPE
TOPIC = "arn:aws:sns:us-east-1:123456789012:experiment"
LISTENED = "arn:aws:sns:us-east-1:047991105548:some-experiment-id"
# What Dallinger subscribes a HIT type to (dallinger/mturk.py).
DALLINGER_EVENTS = [
    "AssignmentAccepted",
    "AssignmentAbandoned",
    "AssignmentReturned",
    "AssignmentSubmitted",
    "HITReviewable",
    "HITExpired",
]
AWS = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}


class Listener:
    """An HTTP endpoint on loopback that keeps every POST it gets; it answers ``failures``
    requests with a 500 first."""

    def __init__(self, failures: int = 0) -> None:
        self.received: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
        self.failures = failures
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                failing = listener.failures > 0
                listener.failures -= 1
                listener.received.put(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mturk-sns-listener"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self) -> tuple[dict[str, str], dict[str, Any]]:
        headers, body = self.received.get(timeout=10)
        return headers, json.loads(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def aws_endpoint() -> Iterator[str]:
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    yield f"http://{host}:{port}"
    moto.stop()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


def subscribe(mturk: Any, transport: str, destination: str, events: list[str]) -> str:
    type_id: str = mturk.create_hit_type(**TYPE)["HITTypeId"]
    mturk.update_notification_settings(
        HITTypeId=type_id,
        Notification={
            "Destination": destination,
            "Transport": transport,
            "Version": "2014-08-15",
            "EventTypes": events,
        },
        Active=True,
    )
    return type_id


def submitted_hit(server: InProcessServer, mturk: Any, type_id: str) -> tuple[str, str]:
    hit = mturk.create_hit_with_hit_type(
        HITTypeId=type_id, LifetimeInSeconds=600, Question=QUESTION
    )
    work = server.worker("A1WORKER").accept(hit["HIT"]["HITId"])
    work.submit({"answer": "yes"})
    return hit["HIT"]["HITId"], work.assignment_id


def received_bodies(sqs: Any, queue_url: str, count: int) -> list[str]:
    """The bodies of ``count`` messages, each waited for up to the long poll's 10 s."""
    bodies: list[str] = []
    for _ in range(count * 3):
        answer = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10)
        bodies += [m["Body"] for m in answer.get("Messages", [])]
        if len(bodies) >= count:
            break
    return bodies


def test_sqs_gets_the_documents_as_their_bodies(aws_endpoint):
    sqs = boto3.client("sqs", endpoint_url=aws_endpoint, **AWS)
    queue_url = sqs.create_queue(QueueName="mturk-events")["QueueUrl"]
    with serve([], aws_endpoint=aws_endpoint) as server:
        mturk = support.checked(server.client())
        type_id = subscribe(mturk, "SQS", queue_url, ["AssignmentSubmitted"])
        hit_id, assignment_id = submitted_hit(server, mturk, type_id)
        (sent,) = server.deliveries()
        assert sent["Status"] == "Delivered" and sent["Attempts"] == 1
        (body,) = received_bodies(sqs, queue_url, 1)
    assert body == sent["Document"]
    (event,) = json.loads(body)["Events"]
    assert (event["EventType"], event["HITId"]) == ("AssignmentSubmitted", hit_id)
    assert event["AssignmentId"] == assignment_id


def test_an_sns_topic_on_the_endpoint_forwards_them_to_its_subscribers(aws_endpoint):
    sns = boto3.client("sns", endpoint_url=aws_endpoint, **AWS)
    sqs = boto3.client("sqs", endpoint_url=aws_endpoint, **AWS)
    topic = sns.create_topic(Name="experiment")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    with serve([], aws_endpoint=aws_endpoint) as server:
        mturk = support.checked(server.client())
        type_id = subscribe(mturk, "SNS", topic, ["AssignmentAccepted", "AssignmentSubmitted"])
        submitted_hit(server, mturk, type_id)
        sent = server.deliveries()
        bodies = received_bodies(sqs, queue_url, 2)
    envelopes = [json.loads(body) for body in bodies]
    assert {e["TopicArn"] for e in envelopes} == {topic}
    assert sorted(e["Message"] for e in envelopes) == sorted(n["Document"] for n in sent)
    assert [n["Status"] for n in sent] == ["Delivered", "Delivered"]


def test_dallinger_s_listener_gets_sns_envelopes_with_no_aws(listener):
    with serve([], sns_http={LISTENED: listener.url}) as server:
        mturk = support.checked(server.client())
        type_id = subscribe(mturk, "SNS", LISTENED, DALLINGER_EVENTS)
        hit_id, assignment_id = submitted_hit(server, mturk, type_id)
        received = [listener.next(), listener.next()]
        sent = server.deliveries()
    # What Dallinger's /mturk-sns-listener does with a request body.
    events = []
    for headers, content in received:
        assert content["Type"] == "Notification" and headers["x-amz-sns-message-type"] == (
            "Notification"
        )
        assert content["TopicArn"] == LISTENED and content["SignatureVersion"] == "1"
        events += json.loads(content["Message"])["Events"]
    assert [(e["EventType"], e.get("AssignmentId")) for e in events] == [
        ("AssignmentAccepted", assignment_id),
        ("AssignmentSubmitted", assignment_id),
        ("HITReviewable", None),  # the submit filled the HIT's one slot: batched with it
    ]
    assert {e["HITId"] for e in events} == {hit_id}
    # The SNS Subject is the epoch milliseconds, as in the real delivery Dallinger kept.
    assert all(content["Subject"].isdigit() for _, content in received)
    assert [n["Status"] for n in sent] == ["Delivered", "Delivered"]


def test_a_failed_delivery_is_retried_and_its_error_kept():
    flaky = Listener(failures=1)
    try:
        with serve([], sns_http={LISTENED: flaky.url}) as server:
            mturk = support.checked(server.client())
            type_id = subscribe(mturk, "SNS", LISTENED, ["HITCreated"])
            mturk.create_hit_with_hit_type(
                HITTypeId=type_id, LifetimeInSeconds=600, Question=QUESTION
            )
            (sent,) = server.deliveries()
        first, second = flaky.next(), flaky.next()
    finally:
        flaky.close()
    assert first[1]["Message"] == second[1]["Message"] == sent["Document"]
    assert (sent["Status"], sent["Attempts"]) == ("Delivered", 2)
    assert "500" in sent["LastError"]


def test_an_unreachable_destination_never_fails_a_request(listener):
    unreachable = listener.url.replace(str(listener.server.server_address[1]), "9")
    with serve([], sns_http={LISTENED: unreachable}) as server:
        mturk = support.checked(server.client())
        type_id = subscribe(mturk, "SNS", LISTENED, ["HITCreated"])
        hit = mturk.create_hit_with_hit_type(
            HITTypeId=type_id, LifetimeInSeconds=600, Question=QUESTION
        )["HIT"]
        assert mturk.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Assignable"
        (sent,) = server.notifications()
    # Still pending: tried again and again, a minute apart at most, before it is reported Failed.
    assert (sent["Status"], sent["Destination"]) == ("Pending", LISTENED)


def test_the_command_line_names_the_endpoint_and_the_listeners(listener):
    args = cli.build_parser().parse_args(
        [
            "serve",
            "--aws-endpoint",
            "http://127.0.0.1:4566",
            "--sns-http",
            f"{LISTENED}={listener.url}",
        ]
    )
    assert args.aws_endpoint == "http://127.0.0.1:4566"
    assert args.sns_http == [(LISTENED, listener.url)]
    with pytest.raises(SystemExit) as exited:
        cli.build_parser().parse_args(["serve", "--sns-http", listener.url])
    assert exited.value.code == 2


def test_auto_approval_happens_on_time_with_nobody_calling(listener):
    with serve([], sns_http={LISTENED: listener.url}) as server:  # on the real time
        mturk = support.checked(server.client())
        type_id: str = mturk.create_hit_type(**{**TYPE, "AutoApprovalDelayInSeconds": 1})[
            "HITTypeId"
        ]
        mturk.update_notification_settings(
            HITTypeId=type_id,
            Notification={
                "Destination": LISTENED,
                "Transport": "SNS",
                "Version": "2014-08-15",
                "EventTypes": ["AssignmentApproved"],
            },
        )
        hit = mturk.create_hit_with_hit_type(
            HITTypeId=type_id, LifetimeInSeconds=600, Question=QUESTION
        )["HIT"]
        work = server.worker("A1WORKER").accept(hit["HITId"])
        work.submit({"answer": "yes"})
        _, content = listener.next()  # within 10 s, though no request came after the submit
        (event,) = json.loads(content["Message"])["Events"]
        assert (event["EventType"], event["AssignmentId"]) == (
            "AssignmentApproved",
            work.assignment_id,
        )
        assert (
            mturk.get_assignment(AssignmentId=work.assignment_id)["Assignment"]["AssignmentStatus"]
            == "Approved"
        )
