"""Notification events: which ones a change brings about, and the document that carries them.

Events are worked out in one place, from what a commit changes: each assignment's and each
HIT's record before and after it (:func:`assignment_events`, :func:`hit_events`). The commit
hands those of a HIT type with active notification settings to the outbox, one message per
HIT type and commit, so events that happen together travel together, as the real ones did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from mockturk.domain.records import (
    ACCEPTED,
    APPROVED,
    ASSIGNABLE,
    DISPOSED,
    HIT,
    REJECTED,
    REVIEWABLE,
    SUBMITTED,
    UNASSIGNABLE,
    Assignment,
    DomainRecord,
)

ASSIGNMENT_ACCEPTED, ASSIGNMENT_ABANDONED = "AssignmentAccepted", "AssignmentAbandoned"
ASSIGNMENT_RETURNED, ASSIGNMENT_SUBMITTED = "AssignmentReturned", "AssignmentSubmitted"
ASSIGNMENT_REJECTED, ASSIGNMENT_APPROVED = "AssignmentRejected", "AssignmentApproved"
HIT_CREATED, HIT_EXPIRED, HIT_REVIEWABLE = "HITCreated", "HITExpired", "HITReviewable"
HIT_EXTENDED, HIT_DISPOSED, PING = "HITExtended", "HITDisposed", "Ping"

TRANSPORTS = ("Email", "SQS", "SNS")
# The statuses a HIT is live in: becoming Reviewable from them is the HITReviewable event.
_LIVE = (ASSIGNABLE, UNASSIGNABLE)


@dataclass(frozen=True, slots=True)
class NotificationSetting(DomainRecord):
    """A HIT type's notification specification (UpdateNotificationSettings)."""

    HITTypeId: str
    Destination: str
    Transport: str
    Version: str
    EventTypes: tuple[str, ...]
    Active: bool = True

    WIRE = ("HITTypeId", "Destination", "Transport", "Version", "EventTypes", "Active")

    def wants(self, event_type: str) -> bool:
        return self.Active and event_type in self.EventTypes


@dataclass(frozen=True, slots=True)
class Event:
    EventType: str
    EventTimestamp: datetime
    HITId: str
    HITTypeId: str
    AssignmentId: str | None = None

    def to_document(self) -> dict[str, str]:
        """The event as real messages carried it, in their key order."""
        out = {
            "EventType": self.EventType,
            "EventTimestamp": whole_seconds(self.EventTimestamp),
            "HITId": self.HITId,
        }
        if self.AssignmentId is not None:
            out["AssignmentId"] = self.AssignmentId
        out["HITTypeId"] = self.HITTypeId
        return out


def whole_seconds(instant: datetime) -> str:
    """``2019-08-09T21:17:16Z``: real event timestamps had whole seconds and a Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assignment_events(
    before: Assignment | None, after: Assignment | None, hit_type_id: str, now: datetime
) -> list[Event]:
    """What an assignment's change is, as an event (none for a change no event names)."""
    old = before.AssignmentStatus if before is not None else None
    new = after.AssignmentStatus if after is not None else None
    current = after or before
    if current is None or old == new:
        return []
    event_type = None
    if new == ACCEPTED:
        event_type = ASSIGNMENT_ACCEPTED
    elif old == ACCEPTED and new is None:
        # Released at its deadline (the timeline's abandonment), or returned before it.
        due = before.due if before is not None else None
        event_type = ASSIGNMENT_ABANDONED if due is not None and now >= due else ASSIGNMENT_RETURNED
    elif new == SUBMITTED:
        event_type = ASSIGNMENT_SUBMITTED
    elif new == APPROVED:
        event_type = ASSIGNMENT_APPROVED
    elif new == REJECTED:
        event_type = ASSIGNMENT_REJECTED
    if event_type is None:
        return []
    return [Event(event_type, now, current.HITId, hit_type_id, current.AssignmentId)]


def hit_events(before: HIT | None, after: HIT, now: datetime, *, expiring: bool) -> list[Event]:
    """The HIT-level events of a HIT's change, in the order they happen.

    ``expiring``: the HIT's lifetime ran out in this change (the timeline's expiry, at its
    instant); an Expiration moved to now or earlier is seen here from the records.
    """
    found: list[str] = []
    if before is None:
        found.append(HIT_CREATED)
    else:
        if after.MaxAssignments > before.MaxAssignments or after.Expiration > before.Expiration:
            found.append(HIT_EXTENDED)
        if expiring or before.Expiration > now >= after.Expiration:
            found.append(HIT_EXPIRED)
        if became_reviewable(before, after):
            found.append(HIT_REVIEWABLE)
        if after.HITStatus == DISPOSED and before.HITStatus != DISPOSED:
            found.append(HIT_DISPOSED)
    return [Event(kind, now, after.HITId, after.HITTypeId) for kind in found]


def became_reviewable(before: HIT | None, after: HIT) -> bool:
    """Whether the HIT became Reviewable from a live status (its HIT review policy's moment)."""
    return before is not None and after.HITStatus == REVIEWABLE and before.HITStatus in _LIVE


def document(
    events: Sequence[Event], doc_id: str, source_account: str, customer_id: str, version: str
) -> str:
    """The message document, compact, in the key order of real deliveries."""
    body = {
        "Events": [event.to_document() for event in events],
        "EventDocId": doc_id,
        "SourceAccount": source_account,
        "CustomerId": customer_id,
        "EventDocVersion": version,
    }
    return orjson.dumps(body).decode()


def event_doc_id(serial: int, events: Sequence[Event]) -> str:
    """40 lower-case hex characters, as real EventDocIds were: a SHA-1 of the events and the
    outbox's serial, so no two messages share one (chosen)."""
    text = f"{serial}:" + "|".join(f"{e.EventType}:{e.HITId}:{e.AssignmentId}" for e in events)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
