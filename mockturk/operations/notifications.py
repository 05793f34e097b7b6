"""Notifications: UpdateNotificationSettings and SendTestEventNotification.

A HIT type's settings name one destination, its transport, the document version and the event
types wanted; the commit path derives the events of every change and posts those a HIT type's
settings want to the outbox (:mod:`mockturk.state.outbox`), from which they are delivered.
"""

from __future__ import annotations

import re
from typing import Any

from mockturk.domain.events import PING, Event, NotificationSetting
from mockturk.errors import hit_type_does_not_exist, invalid_parameter, no_notification_to_activate
from mockturk.operations.context import Context, Params, Result

# What a destination must look like for its transport (chosen: the shapes the real service
# documented: an email address, a queue URL, a topic ARN; any http(s) host, for local queues).
_DESTINATIONS = {
    "Email": (re.compile(r"^[^@\s]+@[^@\s]+$"), "This is not a valid email address."),
    "SQS": (re.compile(r"^https?://[^/\s]+/\S+$"), "This is not a valid SQS queue URL."),
    "SNS": (re.compile(r"^arn:aws:sns:[^:\s]*:[^:\s]*:\S+$"), "This is not a valid SNS topic ARN."),
}
# Chosen: the placeholder IDs of a test message (the real ones are unknown), of the real shape.
TEST_HIT_ID = "3" + "0" * 29
TEST_HIT_TYPE_ID = "3" + "1" * 29
TEST_ASSIGNMENT_ID = "3" + "2" * 29


def update_notification_settings(ctx: Context, params: Params) -> Result:
    """Replace a HIT type's notification specification, or turn it on or off (``Active``)."""
    tx = ctx.account.transaction()
    hit_type_id = params["HITTypeId"]
    if tx.hit_type(hit_type_id) is None:
        raise hit_type_does_not_exist(hit_type_id)
    current = tx.notification_setting(hit_type_id)
    given = params.get("Notification")
    active = params.get("Active")
    if given is None:
        if current is None:
            raise no_notification_to_activate(hit_type_id)
        setting = current.changed(Active=active)
    else:
        # Chosen: a new specification alone is active, a replacement keeps the current switch.
        keep = current.Active if current is not None else True
        setting = specified(hit_type_id, given, keep if active is None else active)
        if PING in setting.EventTypes:
            raise invalid_parameter(
                "EventTypes", PING, "Ping is only valid for SendTestEventNotification."
            )
    tx.put_notification_setting(setting)
    ctx.account.commit(tx)
    return {}


def send_test_event_notification(ctx: Context, params: Params) -> Result:
    """One message with one event of ``TestEventType`` to the given destination, at once."""
    tx = ctx.account.transaction()
    setting = specified("", params["Notification"], True)
    test = params["TestEventType"]
    assignment_id = TEST_ASSIGNMENT_ID if test.startswith("Assignment") else None
    tx.send_test(setting, Event(test, tx.now, TEST_HIT_ID, TEST_HIT_TYPE_ID, assignment_id))
    ctx.account.commit(tx)
    return {}


def specified(hit_type_id: str, given: dict[str, Any], active: bool) -> NotificationSetting:
    """A Notification member as a setting, its destination checked against its transport."""
    transport, destination = given["Transport"], given["Destination"]
    pattern, reason = _DESTINATIONS[transport]
    if not pattern.match(destination):
        raise invalid_parameter("Destination", destination, reason)
    return NotificationSetting(
        HITTypeId=hit_type_id,
        Destination=destination,
        Transport=transport,
        Version=given["Version"],
        EventTypes=tuple(dict.fromkeys(given["EventTypes"])),
        Active=active,
    )
