"""The outbox: every notification message the account has sent, with its delivery status.

A commit posts its messages here (:func:`post`); the deliverer (:mod:`mockturk.delivery`)
takes the pending ones to their destinations after the response and records how that went.
Email is never sent: its messages are kept here, which is the mailbox; so are the messages for
a destination the server has no route to (no AWS endpoint, no HTTP listener for the topic).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mockturk.domain.events import Event, NotificationSetting, document, event_doc_id
from mockturk.domain.records import DomainRecord

PENDING, DELIVERED, FAILED, KEPT = "Pending", "Delivered", "Failed", "Kept"
# Chosen: the requester's customer ID (an "A" and 12 more, as real ones were), and the AWS
# account a destination names, or twelve zeros when it names none (an email address).
CUSTOMER_ID = "AMOCKTURK0001"
NO_ACCOUNT = "000000000000"
_ACCOUNT = re.compile(r"(?:^arn:aws:sns:[^:]*:|^https?://[^/]+/)(\d{12})(?:[:/]|$)")


@dataclass(frozen=True, slots=True)
class Notification(DomainRecord):
    EventDocId: str
    Destination: str
    Transport: str
    Document: str
    CreationTime: datetime
    HITTypeId: str | None = None
    Status: str = PENDING
    Attempts: int = 0
    LastError: str | None = None
    DeliveryTime: datetime | None = None

    WIRE = (
        "EventDocId",
        "Destination",
        "Transport",
        "Document",
        "CreationTime",
        "HITTypeId",
        "Status",
        "Attempts",
        "LastError",
        "DeliveryTime",
    )


def source_account(destination: str) -> str:
    """The AWS account of a topic ARN or queue URL (real messages carried the topic's)."""
    found = _ACCOUNT.search(destination)
    return found.group(1) if found else NO_ACCOUNT


def message(
    setting: NotificationSetting,
    events: Sequence[Event],
    serial: int,
    now: datetime,
    *,
    routed: bool,
) -> Notification:
    """The message carrying ``events`` to a setting's destination, as the real service sent it:
    pending delivery if the server delivers there (``routed``), else kept in the outbox alone."""
    doc_id = event_doc_id(serial, events)
    body = document(
        events, doc_id, source_account(setting.Destination), CUSTOMER_ID, setting.Version
    )
    return Notification(
        EventDocId=doc_id,
        Destination=setting.Destination,
        Transport=setting.Transport,
        Document=body,
        CreationTime=now,
        HITTypeId=setting.HITTypeId or None,
        Status=PENDING if routed else KEPT,
    )
