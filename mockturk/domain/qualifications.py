"""Qualification types, the scores workers hold, their requests, and who may work on what.

The records have the API's field names (``to_api()`` is the wire projection, as for HITs). The
rule that decides whether a worker may discover, preview or accept a HIT is one pure function,
:func:`refusal`: a HIT's requirements and the worker's qualification values in, ``None`` or the
first requirement the worker fails out. Every accept, and anything that shows HITs to a worker,
asks it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mockturk.domain.hit_types import complete_requirement
from mockturk.domain.money import MASTERS_PRODUCTION, MASTERS_SANDBOX
from mockturk.domain.records import DomainRecord

if TYPE_CHECKING:
    from mockturk.models import QualificationRequirement

ACTIVE, INACTIVE = "Active", "Inactive"
GRANTED, REVOKED = "Granted", "Revoked"
# A request's fate (internal: the API lists pending requests only).
PENDING, ACCEPTED_REQUEST, REJECTED_REQUEST = "Pending", "Accepted", "Rejected"

# The system qualification types every worker has a value for (write-side sheet §5.3).
NUMBER_HITS_APPROVED = "00000000000000000040"
LOCALE = "00000000000000000071"
ADULT = "00000000000000000060"
PERCENT_APPROVED = "000000000000000000L0"
MASTERS = (MASTERS_PRODUCTION, MASTERS_SANDBOX)

# A worker's value for one type: an IntegerValue, or a locale (Country, Subdivision or None).
LocaleValue = tuple[str, str | None]
Value = int | LocaleValue


@dataclass(frozen=True, slots=True)
class QualificationType(DomainRecord):
    QualificationTypeId: str
    CreationTime: datetime
    Name: str
    Description: str
    QualificationTypeStatus: str
    Keywords: str | None = None
    Test: str | None = None
    TestDurationInSeconds: int | None = None
    AnswerKey: str | None = None
    RetryDelayInSeconds: int | None = None
    AutoGranted: bool = False
    AutoGrantedValue: int | None = None
    system: bool = False  # internal: one of MTurk's own types, owned by no requester

    WIRE = (
        "QualificationTypeId",
        "CreationTime",
        "Name",
        "Description",
        "Keywords",
        "QualificationTypeStatus",
        "Test",
        "TestDurationInSeconds",
        "AnswerKey",
        "RetryDelayInSeconds",
        "IsRequestable",
        "AutoGranted",
        "AutoGrantedValue",
    )

    @property
    def IsRequestable(self) -> bool:
        # Chosen: a requester's type is requestable while it is Active; system types never are.
        return not self.system and self.QualificationTypeStatus == ACTIVE

    def to_state(self) -> dict[str, Any]:
        out = self.to_api()
        del out["IsRequestable"]  # follows from the status
        return out


@dataclass(frozen=True, slots=True)
class Qualification(DomainRecord):
    """A score a worker holds (Granted) or held (Revoked) for one of the requester's types."""

    QualificationTypeId: str
    WorkerId: str
    GrantTime: datetime
    IntegerValue: int | None = 1
    LocaleValue: LocaleValue | None = None
    Status: str = GRANTED

    WIRE = ("QualificationTypeId", "WorkerId", "GrantTime", "IntegerValue", "LocaleValue", "Status")

    def to_api(self) -> dict[str, Any]:
        out = DomainRecord.to_api(self)
        if self.LocaleValue is not None:
            out["LocaleValue"] = locale_api(self.LocaleValue)
        return out

    @property
    def value(self) -> Value | None:
        if self.Status != GRANTED:
            return None
        return self.LocaleValue if self.LocaleValue is not None else self.IntegerValue


@dataclass(frozen=True, slots=True)
class QualificationRequest(DomainRecord):
    QualificationRequestId: str
    QualificationTypeId: str
    WorkerId: str
    SubmitTime: datetime
    Test: str | None = None
    Answer: str | None = None
    RequestStatus: str = PENDING  # internal, kept in exports: only pending ones are listed

    WIRE = (
        "QualificationRequestId",
        "QualificationTypeId",
        "WorkerId",
        "Test",
        "Answer",
        "SubmitTime",
    )

    def to_state(self) -> dict[str, Any]:
        return {**self.to_api(), "RequestStatus": self.RequestStatus}


@dataclass(frozen=True, slots=True)
class WorkerBlock(DomainRecord):
    WorkerId: str
    Reason: str

    WIRE = ("WorkerId", "Reason")


def locale_api(locale: LocaleValue) -> dict[str, str]:
    country, subdivision = locale
    return (
        {"Country": country}
        if subdivision is None
        else {"Country": country, "Subdivision": subdivision}
    )


# --- System types ---------------------------------------------------------------------------------

# Chosen: a fixed creation time and the documented constant names; the real names are unknown.
_SYSTEM_CREATED = datetime(2005, 11, 2, tzinfo=UTC)


def _system(type_id: str, name: str, description: str) -> QualificationType:
    return QualificationType(
        QualificationTypeId=type_id,
        CreationTime=_SYSTEM_CREATED,
        Name=name,
        Description=description,
        QualificationTypeStatus=ACTIVE,
        system=True,
    )


SYSTEM_TYPES: Mapping[str, QualificationType] = {
    t.QualificationTypeId: t
    for t in (
        # Both environments' Masters IDs exist here: a mock serves sandbox and production code.
        _system(MASTERS_PRODUCTION, "Masters", "Workers who have demonstrated excellence."),
        _system(MASTERS_SANDBOX, "Masters (sandbox)", "Workers who have demonstrated excellence."),
        _system(NUMBER_HITS_APPROVED, "Worker_NumberHITsApproved", "HITs approved, all time."),
        _system(LOCALE, "Worker_Locale", "The country (and subdivision) of the worker."),
        _system(PERCENT_APPROVED, "Worker_PercentAssignmentsApproved", "Approval rate (%)."),
        _system(ADULT, "Worker_Adult", "Whether the worker agreed to see adult content."),
    )
}


# --- Who may work on what -----------------------------------------------------------------------

DISCOVER, PREVIEW, ACCEPT = "Discover", "Preview", "Accept"
# ActionsGuarded -> the actions a requirement guards (each implies the later ones).
_GUARDS: Mapping[str, tuple[str, ...]] = {
    "Accept": (ACCEPT,),
    "PreviewAndAccept": (PREVIEW, ACCEPT),
    "DiscoverPreviewAndAccept": (DISCOVER, PREVIEW, ACCEPT),
}


def guards(requirement: QualificationRequirement, action: str) -> bool:
    guarded = requirement.ActionsGuarded
    if guarded is None:  # a HIT's requirements are completed when stored; others may not be
        guarded = complete_requirement(requirement).ActionsGuarded
    return action in _GUARDS.get(guarded or "Accept", (ACCEPT,))


def meets(requirement: QualificationRequirement, value: Value | None) -> bool:
    """Whether a worker whose value for the requirement's type is ``value`` (None: not held, or
    revoked) meets it. Chosen: only DoesNotExist admits a worker without the qualification."""
    comparator = requirement.Comparator
    if comparator == "DoesNotExist":
        return value is None
    if value is None:
        return False
    if comparator == "Exists":
        return True
    if isinstance(value, tuple):
        wanted = [(loc.Country, loc.Subdivision) for loc in requirement.LocaleValues or ()]
        matched = [_locale_matches(value, w) for w in wanted]
        return _compare_set(comparator, matched)
    numbers = list(requirement.IntegerValues or ())
    if comparator in ("In", "NotIn"):
        return _compare_set(comparator, [value == n for n in numbers])
    if not numbers:
        return False
    return _compare(comparator, value, numbers[0])


def _locale_matches(value: LocaleValue, wanted: LocaleValue) -> bool:
    """A country alone matches all its subdivisions; with a subdivision, only that one."""
    return value[0] == wanted[0] and wanted[1] in (None, value[1])


def _compare_set(comparator: str, matched: list[bool]) -> bool:
    if comparator in ("EqualTo", "In"):
        return any(matched)
    if comparator in ("NotEqualTo", "NotIn"):
        return bool(matched) and not any(matched)
    return False  # an order comparator on a locale: nothing meets it


def _compare(comparator: str, value: int, bound: int) -> bool:
    return {
        "LessThan": value < bound,
        "LessThanOrEqualTo": value <= bound,
        "GreaterThan": value > bound,
        "GreaterThanOrEqualTo": value >= bound,
        "EqualTo": value == bound,
        "NotEqualTo": value != bound,
    }.get(comparator, False)


def refusal(
    requirements: Sequence[QualificationRequirement],
    values: Mapping[str, Value],
    action: str = ACCEPT,
) -> QualificationRequirement | None:
    """The first requirement guarding ``action`` that a worker with ``values`` (type ID -> value,
    for the types the worker holds) fails; None when the worker may do it."""
    for requirement in requirements:
        if guards(requirement, action) and not meets(
            requirement, values.get(requirement.QualificationTypeId)
        ):
            return requirement
    return None


def describe(requirement: QualificationRequirement) -> str:
    """A requirement in words, for the worker told why they cannot do a HIT."""
    values: list[str] = [str(n) for n in requirement.IntegerValues or ()]
    values += [
        loc.Country + (f"-{loc.Subdivision}" if loc.Subdivision else "")
        for loc in requirement.LocaleValues or ()
    ]
    name = SYSTEM_TYPES.get(requirement.QualificationTypeId)
    label = (
        f"{name.Name} ({requirement.QualificationTypeId})"
        if name
        else requirement.QualificationTypeId
    )
    shown = f" {', '.join(values)}" if values else ""
    return f"{label} {requirement.Comparator}{shown}"
