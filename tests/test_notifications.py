"""Notifications: the settings, the events each change brings about, the message documents as
real deliveries were, and the outbox that keeps them (delivery itself: test_delivery.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import support
from support import WireChecker

from mockturk.testing import InProcessServer

QUESTION, TYPE = support.LAB_QUESTION, support.LAB_HIT_TYPE
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/study-events"
TOPIC = "arn:aws:sns:us-east-1:047991105548:some-experiment-id"
EVERY_EVENT = [
    "AssignmentAccepted",
    "AssignmentAbandoned",
    "AssignmentReturned",
    "AssignmentSubmitted",
    "AssignmentRejected",
    "AssignmentApproved",
    "HITCreated",
    "HITExpired",
    "HITReviewable",
    "HITExtended",
    "HITDisposed",
]


class Lab(support.Lab):
    def subscribe(self, events: list[str] = EVERY_EVENT, **notification: Any) -> str:
        """A HIT type whose every event goes to a queue; its ID."""
        type_id: str = self.mturk.create_hit_type(**TYPE)["HITTypeId"]
        spec = {"Destination": QUEUE, "Transport": "SQS", "Version": "2014-08-15"}
        self.mturk.update_notification_settings(
            HITTypeId=type_id,
            Notification={**spec, "EventTypes": events, **notification},
            Active=True,
        )
        return type_id

    def create(self, type_id: str, **fields: Any) -> dict[str, Any]:
        params = {"LifetimeInSeconds": 3600, "Question": QUESTION, **fields}
        hit: dict[str, Any] = self.mturk.create_hit_with_hit_type(HITTypeId=type_id, **params)
        return hit["HIT"]  # type: ignore[no-any-return]

    def sent(self) -> list[dict[str, Any]]:
        return self.server.notifications()  # type: ignore[no-any-return]

    def events(self) -> list[tuple[str, ...]]:
        """Every event sent, as (type, HIT, assignment or None), in the order sent."""
        return [
            (e["EventType"], e["HITId"], e.get("AssignmentId"))
            for n in self.sent()
            for e in json.loads(n["Document"])["Events"]
        ]


@pytest.fixture
def lab(lab_server: InProcessServer, wire: WireChecker) -> Lab:
    lab_server.reset(empty=True)
    return Lab(lab_server, wire)


def test_the_whole_life_of_a_hit_sends_its_events_in_order(lab):
    type_id = lab.subscribe()
    hit_id = lab.create(type_id, MaxAssignments=3)["HITId"]
    returned = lab.server.worker("A1RETURNS").accept(hit_id)
    returned.return_()
    abandoned = lab.server.worker("A2ABANDONS").accept(hit_id)
    approved = lab.server.worker("A3APPROVED").accept(hit_id)
    approved.submit({"answer": "yes"})
    rejected = lab.server.worker("A4REJECTED").accept(hit_id)
    rejected.submit({"answer": "no"})
    lab.advance(600)  # the abandoned work's deadline passes
    lab.mturk.approve_assignment(AssignmentId=approved.assignment_id)
    lab.mturk.reject_assignment(AssignmentId=rejected.assignment_id, RequesterFeedback="no")
    lab.mturk.create_additional_assignments_for_hit(HITId=hit_id, NumberOfAdditionalAssignments=1)
    lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    lab.mturk.delete_hit(HITId=hit_id)
    assert lab.events() == [
        ("HITCreated", hit_id, None),
        ("AssignmentAccepted", hit_id, returned.assignment_id),
        ("AssignmentReturned", hit_id, returned.assignment_id),
        ("AssignmentAccepted", hit_id, abandoned.assignment_id),
        ("AssignmentAccepted", hit_id, approved.assignment_id),
        ("AssignmentSubmitted", hit_id, approved.assignment_id),
        ("AssignmentAccepted", hit_id, rejected.assignment_id),
        ("AssignmentSubmitted", hit_id, rejected.assignment_id),
        ("AssignmentAbandoned", hit_id, abandoned.assignment_id),
        ("AssignmentApproved", hit_id, approved.assignment_id),
        ("AssignmentRejected", hit_id, rejected.assignment_id),
        ("HITExtended", hit_id, None),
        ("HITExpired", hit_id, None),
        ("HITReviewable", hit_id, None),
        ("HITDisposed", hit_id, None),
    ]


def test_a_document_is_as_real_deliveries_were(lab):
    type_id = lab.subscribe(["AssignmentSubmitted"], Version="2006-05-05")
    hit_id = lab.create(type_id)["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    work.submit({"answer": "yes"})
    (sent,) = lab.sent()
    assert (sent["Transport"], sent["Destination"], sent["Status"]) == ("SQS", QUEUE, "Kept")
    document = sent["Document"]
    assert ": " not in document and ", " not in document  # compact
    parsed = json.loads(document)
    assert list(parsed) == [
        "Events",
        "EventDocId",
        "SourceAccount",
        "CustomerId",
        "EventDocVersion",
    ]
    (event,) = parsed["Events"]
    assert list(event) == ["EventType", "EventTimestamp", "HITId", "AssignmentId", "HITTypeId"]
    assert event == {
        "EventType": "AssignmentSubmitted",
        "EventTimestamp": lab.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "HITId": hit_id,
        "AssignmentId": work.assignment_id,
        "HITTypeId": type_id,
    }
    assert re.fullmatch(r"[0-9a-f]{40}", parsed["EventDocId"])
    assert parsed["EventDocId"] == sent["EventDocId"]
    assert parsed["SourceAccount"] == "123456789012"  # the queue's account
    assert re.fullmatch(r"A[0-9A-Z]{12}", parsed["CustomerId"])
    assert parsed["EventDocVersion"] == "2006-05-05"  # the requested version, echoed


def test_events_that_happen_together_travel_in_one_message(lab):
    type_id = lab.subscribe(["AssignmentSubmitted", "HITReviewable", "HITExpired"])
    hit_id = lab.create(type_id)["HITId"]
    lab.server.worker("A1WORKER").accept(hit_id).submit({"answer": "yes"})
    (sent,) = lab.sent()
    events = json.loads(sent["Document"])["Events"]
    assert [e["EventType"] for e in events] == ["AssignmentSubmitted", "HITReviewable"]
    other = lab.create(type_id)["HITId"]
    lab.advance(3600)  # its lifetime runs out with no request: caught up on the clock's move
    last = json.loads(lab.sent()[-1]["Document"])["Events"]
    assert [(e["EventType"], e["HITId"]) for e in last] == [
        ("HITExpired", other),
        ("HITReviewable", other),
    ]


def test_auto_approval_sends_assignment_approved_on_time(lab):
    type_id = lab.subscribe(["AssignmentApproved"])
    hit_id = lab.create(type_id)["HITId"]
    work = lab.server.worker("A1WORKER").accept(hit_id)
    work.submit({"answer": "yes"})
    submitted_at = lab.now
    lab.advance(TYPE["AutoApprovalDelayInSeconds"])
    (sent,) = lab.sent()
    (event,) = json.loads(sent["Document"])["Events"]
    assert event["EventType"] == "AssignmentApproved"
    assert event["AssignmentId"] == work.assignment_id
    approved_at = submitted_at.timestamp() + TYPE["AutoApprovalDelayInSeconds"]
    assert event["EventTimestamp"] == lab.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert lab.now.timestamp() == approved_at


def test_only_the_subscribed_events_of_an_active_setting_are_sent(lab):
    type_id = lab.subscribe(["HITReviewable"])
    hit_id = lab.create(type_id)["HITId"]
    lab.server.worker("A1WORKER").accept(hit_id)
    assert lab.sent() == []
    lab.mturk.update_notification_settings(HITTypeId=type_id, Active=False)
    lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    assert lab.sent() == []
    lab.mturk.update_notification_settings(HITTypeId=type_id, Active=True)
    lab.mturk.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=60, Question=QUESTION)
    lab.advance(60)
    assert [e[0] for e in lab.events()] == ["HITReviewable"]


def test_hits_of_other_types_and_loaded_fixtures_send_nothing(lab):
    lab.subscribe()
    other = lab.mturk.create_hit_type(**{**TYPE, "Title": "Another study"})["HITTypeId"]
    lab.create(other)
    lab.server.load({"HITs": [support.hit_record("3LOADED", HITTypeId=other)]})
    assert lab.sent() == []


def test_email_is_kept_in_the_mailbox_never_sent(lab):
    type_id = lab.subscribe(["HITCreated"], Transport="Email", Destination="me@example.org")
    hit_id = lab.create(type_id)["HITId"]
    (sent,) = lab.sent()
    assert (sent["Transport"], sent["Status"]) == ("Email", "Kept")
    assert json.loads(sent["Document"])["Events"][0]["HITId"] == hit_id


def test_a_test_event_goes_to_the_given_destination_at_once(lab):
    lab.mturk.send_test_event_notification(
        Notification={
            "Destination": TOPIC,
            "Transport": "SNS",
            "Version": "2014-08-15",
            "EventTypes": ["AssignmentSubmitted"],
        },
        TestEventType="Ping",
    )
    (sent,) = lab.sent()
    parsed = json.loads(sent["Document"])
    (event,) = parsed["Events"]
    assert event["EventType"] == "Ping" and len(event["HITId"]) == 30
    assert "AssignmentId" not in event
    assert (sent["Destination"], parsed["SourceAccount"]) == (TOPIC, "047991105548")


def test_settings_are_exported_and_loaded_back_with_the_outbox(lab):
    type_id = lab.subscribe(["HITCreated"])
    lab.create(type_id)
    state = lab.server.state()
    assert state["NotificationSettings"] == [
        {
            "HITTypeId": type_id,
            "Destination": QUEUE,
            "Transport": "SQS",
            "Version": "2014-08-15",
            "EventTypes": ["HITCreated"],
            "Active": True,
        }
    ]
    assert len(state["Notifications"]) == 1
    lab.server.reset(empty=True)
    assert lab.server.notifications() == []
    lab.server.load(state, replace=True)
    assert lab.server.state() == state
    lab.create(type_id)  # the loaded settings still send
    assert len(lab.sent()) == 2


@pytest.mark.parametrize(
    ("notification", "message"),
    [
        ({"Transport": "SQS", "Destination": "not a url"}, "not a valid SQS queue URL"),
        ({"Transport": "SNS", "Destination": QUEUE}, "not a valid SNS topic ARN"),
        ({"Transport": "Email", "Destination": "nobody"}, "not a valid email address"),
        ({"EventTypes": ["Ping"]}, "Ping is only valid for SendTestEventNotification"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(lab, notification, message):
    type_id = lab.mturk.create_hit_type(**TYPE)["HITTypeId"]
    spec = {
        "Destination": QUEUE,
        "Transport": "SQS",
        "Version": "2014-08-15",
        "EventTypes": ["HITCreated"],
        **notification,
    }
    with pytest.raises(lab.mturk.exceptions.ClientError) as caught:
        lab.mturk.update_notification_settings(HITTypeId=type_id, Notification=spec)
    assert message in caught.value.response["Error"]["Message"]
    assert "NotificationSettings" not in lab.server.state()


def test_settings_need_a_hit_type_and_active_alone_needs_settings(lab):
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        lab.mturk.update_notification_settings(HITTypeId="3NOSUCHTYPE", Active=True)
    assert "3NOSUCHTYPE does not exist" in caught.value.response["Error"]["Message"]
    type_id = lab.mturk.create_hit_type(**TYPE)["HITTypeId"]
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        lab.mturk.update_notification_settings(HITTypeId=type_id, Active=False)
    assert "no notification specification" in caught.value.response["Error"]["Message"]


def test_the_outbox_is_readable_over_http(lab):
    type_id = lab.subscribe(["HITCreated"])
    lab.create(type_id)
    response = support.raw_request(lab.server, "GET", "/_mockturk/notifications")
    assert response.status == 200
    assert response.json()["Notifications"] == lab.sent()
