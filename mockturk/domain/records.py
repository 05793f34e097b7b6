"""The account's records as the domain holds them, apart from the bytes the wire carries.

Each record has the API's field names (so fixtures, exports and responses read alike) and,
beside them, internal fields in lower case that never reach the wire: the number of submitted
assignments a HIT holds, the deadline of work in progress. ``to_api()`` is the wire projection,
members in the model's order, unset ones left out; ``to_state()`` adds what an export needs.
Records are immutable: a change is a new record, committed by a transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, dataclass_transform

if TYPE_CHECKING:
    from mockturk.models import QualificationRequirement

ACCEPTED = "Accepted"  # work in progress: invisible to the requester API
SUBMITTED, APPROVED, REJECTED = "Submitted", "Approved", "Rejected"
DISPOSED, REVIEWABLE, REVIEWING = "Disposed", "Reviewable", "Reviewing"
ASSIGNABLE, UNASSIGNABLE = "Assignable", "Unassignable"


R = TypeVar("R", bound="DomainRecord")
T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """A record class: a slotted dataclass, hashable, whose fields the type checker keeps
    read-only (mypy refuses an assignment to one).

    It is not frozen at run time: a frozen dataclass sets each field through
    ``object.__setattr__``, which makes building one several times slower, and a large load
    builds a million.
    """
    made: Callable[[type[T]], type[T]] = dataclass(slots=True, unsafe_hash=True)
    return made(cls)


class DomainRecord:
    """What every record offers: its wire projection and its full state."""

    __slots__ = ()
    WIRE: tuple[str, ...] = ()

    def to_api(self) -> dict[str, Any]:
        """The record as the wire carries it: model order, unset members left out."""
        out = {}
        for name in self.WIRE:
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def to_state(self) -> dict[str, Any]:
        """The record as an export keeps it (the wire fields, and any it must not lose)."""
        return self.to_api()

    def changed(self: R, **changes: Any) -> R:
        return replace(self, **changes)  # type: ignore[type-var]


@record
class HITType(DomainRecord):
    """A property set that HITs share; the same properties always give the same HITTypeId."""

    HITTypeId: str
    Title: str
    Description: str
    Reward: str
    AssignmentDurationInSeconds: int
    AutoApprovalDelayInSeconds: int = 2592000
    Keywords: str | None = None
    QualificationRequirements: tuple[QualificationRequirement, ...] = ()
    CreationTime: datetime | None = None

    WIRE = (
        "HITTypeId",
        "Title",
        "Description",
        "Reward",
        "AssignmentDurationInSeconds",
        "AutoApprovalDelayInSeconds",
        "Keywords",
        "QualificationRequirements",
        "CreationTime",
    )

    def to_api(self) -> dict[str, Any]:
        out = self.to_state()
        out.pop("CreationTime", None)  # no operation shows a HIT type; exports keep it
        return out

    def to_state(self) -> dict[str, Any]:
        out = DomainRecord.to_api(self)
        out["QualificationRequirements"] = [q.to_api() for q in self.QualificationRequirements]
        return out


@record
class HIT(DomainRecord):
    HITId: str
    HITTypeId: str
    HITGroupId: str
    CreationTime: datetime
    Title: str
    Description: str
    Question: str
    HITStatus: str
    MaxAssignments: int
    Reward: str
    AutoApprovalDelayInSeconds: int
    Expiration: datetime
    AssignmentDurationInSeconds: int
    NumberOfAssignmentsPending: int
    NumberOfAssignmentsAvailable: int
    NumberOfAssignmentsCompleted: int
    HITLayoutId: str | None = None
    Keywords: str | None = None
    RequesterAnnotation: str | None = None
    QualificationRequirements: tuple[QualificationRequirement, ...] = ()
    HITReviewStatus: str = "NotReviewed"
    # Internal: submitted work not yet reviewed (in none of the wire's counters). Records
    # compare by what they state; this count follows from the assignments held.
    submitted: int = field(default=0, compare=False)

    WIRE = (
        "HITId",
        "HITTypeId",
        "HITGroupId",
        "HITLayoutId",
        "CreationTime",
        "Title",
        "Description",
        "Question",
        "Keywords",
        "HITStatus",
        "MaxAssignments",
        "Reward",
        "AutoApprovalDelayInSeconds",
        "Expiration",
        "AssignmentDurationInSeconds",
        "RequesterAnnotation",
        "QualificationRequirements",
        "HITReviewStatus",
        "NumberOfAssignmentsPending",
        "NumberOfAssignmentsAvailable",
        "NumberOfAssignmentsCompleted",
    )

    def to_api(self) -> dict[str, Any]:
        out = DomainRecord.to_api(self)
        out["QualificationRequirements"] = [q.to_api() for q in self.QualificationRequirements]
        return out


@record
class Assignment(DomainRecord):
    AssignmentId: str
    WorkerId: str
    HITId: str
    AssignmentStatus: str
    AcceptTime: datetime
    SubmitTime: datetime | None = None
    AutoApprovalTime: datetime | None = None
    ApprovalTime: datetime | None = None
    RejectionTime: datetime | None = None
    Deadline: datetime | None = None  # shown only when a fixture states it, as the real never did
    Answer: str | None = None
    RequesterFeedback: str | None = None
    # Internal: when work in progress is abandoned (AcceptTime + AssignmentDurationInSeconds).
    due: datetime | None = None

    WIRE = (
        "AssignmentId",
        "WorkerId",
        "HITId",
        "AssignmentStatus",
        "AutoApprovalTime",
        "AcceptTime",
        "SubmitTime",
        "ApprovalTime",
        "RejectionTime",
        "Deadline",
        "Answer",
        "RequesterFeedback",
    )

    @property
    def visible(self) -> bool:
        """Whether the requester API shows it (work in progress it does not)."""
        return self.AssignmentStatus != ACCEPTED

    def to_state(self) -> dict[str, Any]:
        out = self.to_api()
        if self.AssignmentStatus == ACCEPTED and self.due is not None:
            out["Deadline"] = self.due
        return out


@record
class BonusPayment(DomainRecord):
    WorkerId: str
    BonusAmount: str
    AssignmentId: str
    Reason: str
    GrantTime: datetime
    HITId: str = ""  # internal: the HIT of the assignment, for ListBonusPayments by HITId
    PaymentId: str = ""  # internal: orders payments granted in the same instant

    WIRE = ("WorkerId", "BonusAmount", "AssignmentId", "Reason", "GrantTime")

    def to_state(self) -> dict[str, Any]:
        return {**self.to_api(), "PaymentId": self.PaymentId}
