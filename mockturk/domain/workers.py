"""Simulated workers: the profile MTurk knew of each, and the messages they were sent.

A profile holds what the real service knew of a worker from elsewhere: the mailing address's
country and subdivision, Masters, the adult-content acknowledgement, and the work approved and
rejected for other requesters. The system qualification values follow from it and from the
worker's work in this account, as the real service derived them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mockturk.domain import qualifications as q
from mockturk.domain.records import APPROVED, REJECTED, SUBMITTED, DomainRecord

# Below this many submissions the approval rate shows 100 (write-side sheet §5.3).
RATE_SHOWN_FROM = 100


@dataclass(frozen=True, slots=True)
class WorkerProfile(DomainRecord):
    WorkerId: str
    Country: str = "US"  # chosen default: a worker in the United States
    Subdivision: str | None = None
    Masters: bool = False
    Adult: bool = False
    Approved: int = 0  # work approved and rejected for other requesters, before now
    Rejected: int = 0

    WIRE = ("WorkerId", "Country", "Subdivision", "Masters", "Adult", "Approved", "Rejected")


@dataclass(frozen=True, slots=True)
class Message(DomainRecord):
    """A message in a worker's inbox: NotifyWorkers, or news of a qualification."""

    WorkerId: str
    SentTime: datetime
    Subject: str
    MessageText: str
    Kind: str = "NotifyWorkers"

    WIRE = ("WorkerId", "SentTime", "Kind", "Subject", "MessageText")


def approval_counts(profile: WorkerProfile, tally: Mapping[str, int]) -> tuple[int, int, int]:
    """Approved, rejected and submitted work, all time (``tally``: this account's assignments of
    the worker by status)."""
    approved = profile.Approved + tally.get(APPROVED, 0)
    rejected = profile.Rejected + tally.get(REJECTED, 0)
    return approved, rejected, approved + rejected + tally.get(SUBMITTED, 0)


def percent_approved(approved: int, rejected: int, submitted: int) -> int:
    if submitted < RATE_SHOWN_FROM or approved + rejected == 0:
        return 100
    return approved * 100 // (approved + rejected)


def system_values(profile: WorkerProfile, tally: Mapping[str, int]) -> dict[str, q.Value]:
    """The worker's value for each system qualification type they hold."""
    approved, rejected, submitted = approval_counts(profile, tally)
    values: dict[str, q.Value] = {
        q.NUMBER_HITS_APPROVED: approved,
        q.PERCENT_APPROVED: percent_approved(approved, rejected, submitted),
        q.LOCALE: (profile.Country, profile.Subdivision),
        q.ADULT: int(profile.Adult),
    }
    if profile.Masters:
        values.update(dict.fromkeys(q.MASTERS, 1))
    return values


def described(profile: WorkerProfile, tally: Mapping[str, int]) -> dict[str, Any]:
    """The profile and what follows from it, as the control API shows it."""
    values = system_values(profile, tally)
    return {
        **profile.to_api(),
        "NumberHITsApproved": values[q.NUMBER_HITS_APPROVED],
        "PercentAssignmentsApproved": values[q.PERCENT_APPROVED],
    }
