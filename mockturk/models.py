"""Records with the API's own field names, as fixtures write them and responses carry them.

Field names and Python types are written out here; enums, patterns and lengths are not: each
constrained field names its botocore shape (``Shaped("EntityId")``) and is checked against the
model. ``tests/test_models_in_step.py`` keeps these classes in step with the botocore shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
)
from pydantic_core import CoreSchema, core_schema

from mockturk.domain.questions import EMPTY_ANSWERS
from mockturk.quoted import python_text
from mockturk.spec import load_spec, scalar_violations, string_fast_check
from mockturk.wire import EARLIEST, LATEST, TIMESTAMP_RANGE, encodable, from_epoch_seconds


def _unicode_text(value: str) -> str:
    """Refuse a lone surrogate (YAML's "\\ud800" makes one): no JSON can carry it."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(
                f"not valid Unicode text: a lone surrogate at position {error.start}"
            ) from None
    return value


@dataclass(frozen=True)
class Shaped:
    """Marks a field as constrained by the named botocore shape, and checks it after its type."""

    shape: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self, handler(source))

    def __call__(self, value: Any) -> Any:
        fine = fast_check(self.shape)
        if fine is not None and fine(value):
            return value
        if isinstance(value, str):
            _unicode_text(value)
        problems = scalar_violations(load_spec().shape(self.shape), value)
        if problems:
            raise ValueError("; ".join(problems))
        return value


_fast_checks: dict[str, Callable[[Any], bool] | None] = {}


def fast_check(shape: str) -> Callable[[Any], bool] | None:
    """The named shape's quick test (:func:`mockturk.spec.string_fast_check`), made once."""
    if shape not in _fast_checks:
        _fast_checks[shape] = string_fast_check(load_spec().shape(shape))
    return _fast_checks[shape]


def parse_timestamp(value: Any) -> datetime:
    """ISO 8601 with an offset, epoch seconds (int or float), or an aware datetime (from YAML).

    The result is always in UTC, and in the range the wire carries exactly (:mod:`mockturk.wire`).
    """
    if isinstance(value, str):  # first: nearly every timestamp of a large load is one
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{python_text(value)} is not an ISO 8601 timestamp") from None
        return _in_utc(parsed)
    if isinstance(value, bool):
        raise ValueError("a timestamp must be an ISO 8601 string with offset or epoch seconds")
    if isinstance(value, int | float):
        try:
            return from_epoch_seconds(value)
        except ValueError:
            raise ValueError(
                f"{python_text(value)} is out of range for epoch seconds (epoch milliseconds are"
                f" not accepted): {TIMESTAMP_RANGE}"
            ) from None
    if isinstance(value, datetime):
        return _in_utc(value)
    if isinstance(value, date):
        raise ValueError("a date needs a time and a UTC offset (for example 2026-05-01T12:00:00Z)")
    raise ValueError("a timestamp must be an ISO 8601 string with offset or epoch seconds")


# Years in range whatever the offset: every real time stamp, checked without arithmetic.
_FIRST_SAFE_YEAR, _LAST_SAFE_YEAR = EARLIEST.year + 1, LATEST.year - 1


def _in_utc(instant: datetime) -> datetime:
    """An aware datetime in UTC, or ValueError if it has no offset or is outside the range the
    wire carries."""
    if instant.tzinfo is not UTC and instant.utcoffset() is None:  # naive: no instant
        raise ValueError("a timestamp needs a UTC offset (for example 2026-05-01T12:00:00Z)")
    if _FIRST_SAFE_YEAR <= instant.year <= _LAST_SAFE_YEAR:
        return instant if instant.tzinfo is UTC else instant.astimezone(UTC)
    try:
        utc: datetime | None = instant.astimezone(UTC)
    except OverflowError:  # past year 1 or 9999 in UTC
        utc = None
    if utc is None or not encodable(utc):
        raise ValueError(f"{instant.isoformat()} is out of range: {TIMESTAMP_RANGE}")
    return utc


Timestamp = Annotated[datetime, BeforeValidator(parse_timestamp)]
EntityId = Annotated[str, Shaped("EntityId")]
CustomerId = Annotated[str, Shaped("CustomerId")]
CurrencyAmount = Annotated[str, Shaped("CurrencyAmount")]
HITStatusEnum = Annotated[str, Shaped("HITStatus")]
HITReviewStatusEnum = Annotated[str, Shaped("HITReviewStatus")]
AssignmentStatusEnum = Annotated[str, Shaped("AssignmentStatus")]
ComparatorEnum = Annotated[str, Shaped("Comparator")]
HITAccessActionsEnum = Annotated[str, Shaped("HITAccessActions")]
CountryCode = Annotated[str, Shaped("CountryParameters")]
Text = Annotated[str, AfterValidator(_unicode_text)]

# The real CreateHIT's ranges, where the botocore model states none (a fixture holds what the
# service could have made); docs/fixtures.md lists them.
MAX_ASSIGNMENTS = 1_000_000_000
AssignmentCount = Annotated[int, Field(ge=1, le=MAX_ASSIGNMENTS)]
Count = Annotated[int, Field(ge=0, le=MAX_ASSIGNMENTS)]  # a counter never exceeds MaxAssignments
AutoApprovalDelay = Annotated[int, Field(ge=0, le=2_592_000)]  # up to 30 days
AssignmentDuration = Annotated[int, Field(ge=30, le=31_536_000)]  # 30 s to 365 days
JavaInteger = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]  # the model's Integer shape


def _accepted(value: str) -> str:
    if value != "Accepted":
        raise ValueError("expected 'Accepted'")
    return value


REQUEST_STATUSES = ("Pending", "Accepted", "Rejected")


def _request_status(value: str) -> str:
    if value not in REQUEST_STATUSES:
        raise ValueError(f"expected one of {', '.join(REQUEST_STATUSES)}")
    return value


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def to_api(self) -> dict[str, Any]:
        """The record as the wire carries it: unset optional members left out."""
        return self.model_dump(exclude_none=True)


class Locale(Record):
    Country: CountryCode
    Subdivision: CountryCode | None = None


class QualificationRequirement(Record):
    QualificationTypeId: Text
    Comparator: ComparatorEnum
    IntegerValues: list[JavaInteger] | None = None
    LocaleValues: list[Locale] | None = None
    RequiredToPreview: bool | None = None
    ActionsGuarded: HITAccessActionsEnum | None = None


class HIT(Record):
    HITId: EntityId
    HITTypeId: EntityId | None = None
    HITGroupId: EntityId | None = None
    HITLayoutId: EntityId | None = None
    CreationTime: Timestamp
    Title: Text
    Description: Text
    Question: Text
    Keywords: Text | None = None
    HITStatus: HITStatusEnum | None = None
    MaxAssignments: AssignmentCount = 1
    Reward: CurrencyAmount
    AutoApprovalDelayInSeconds: AutoApprovalDelay = 2592000
    Expiration: Timestamp
    AssignmentDurationInSeconds: AssignmentDuration
    RequesterAnnotation: Text | None = None
    QualificationRequirements: list[QualificationRequirement] = []
    HITReviewStatus: HITReviewStatusEnum = "NotReviewed"
    NumberOfAssignmentsPending: Count | None = None
    NumberOfAssignmentsAvailable: Count | None = None
    NumberOfAssignmentsCompleted: Count | None = None


class AcceptedAssignment(Record):
    """Work in progress, as exports keep it: accepted, not yet submitted (the API never shows
    it, so the model has no shape for it)."""

    AssignmentId: EntityId
    WorkerId: CustomerId
    HITId: EntityId
    AssignmentStatus: Annotated[str, AfterValidator(_accepted)]
    AcceptTime: Timestamp
    Deadline: Timestamp | None = None


class HITTypeRecord(Record):
    """A registered HIT type (CreateHITType's properties), as exports keep it."""

    HITTypeId: EntityId
    Title: Text
    Description: Text
    Reward: CurrencyAmount
    AssignmentDurationInSeconds: AssignmentDuration
    AutoApprovalDelayInSeconds: AutoApprovalDelay = 2592000
    Keywords: Text | None = None
    QualificationRequirements: list[QualificationRequirement] = []
    CreationTime: Timestamp | None = None


class BonusPaymentRecord(Record):
    WorkerId: CustomerId
    BonusAmount: CurrencyAmount
    AssignmentId: EntityId
    Reason: Text
    GrantTime: Timestamp
    PaymentId: EntityId | None = None


class IdempotencyTokenRecord(Record):
    """A UniqueRequestToken the account has seen, refused again until ``Expires``."""

    Operation: Text
    Token: Text
    Result: Text
    Expires: Timestamp


class ClockRecord(Record):
    """The clock an export was taken at."""

    Now: Timestamp
    Frozen: bool = False


# --- Notifications, as exports keep them ----------------------------------------------------


class NotificationSettingRecord(Record):
    """A HIT type's notification specification (UpdateNotificationSettings)."""

    HITTypeId: EntityId
    Destination: Text
    Transport: Literal["Email", "SQS", "SNS"]
    Version: Text
    EventTypes: list[Text]
    Active: bool = True


class NotificationRecord(Record):
    """A message of the outbox: its document, where it goes, and how its delivery went."""

    EventDocId: Text
    Destination: Text
    Transport: Literal["Email", "SQS", "SNS"]
    Document: Text
    CreationTime: Timestamp
    HITTypeId: EntityId | None = None
    Status: Literal["Pending", "Delivered", "Failed", "Kept"] = "Pending"
    Attempts: Annotated[int, Field(ge=0)] = 0
    LastError: Text | None = None
    DeliveryTime: Timestamp | None = None


class AccountRecord(Record):
    AvailableBalance: CurrencyAmount


class Assignment(Record):
    AssignmentId: EntityId
    WorkerId: CustomerId
    HITId: EntityId
    AssignmentStatus: AssignmentStatusEnum
    AutoApprovalTime: Timestamp | None = None
    AcceptTime: Timestamp
    SubmitTime: Timestamp
    ApprovalTime: Timestamp | None = None
    RejectionTime: Timestamp | None = None
    Deadline: Timestamp | None = None
    Answer: Text = EMPTY_ANSWERS
    RequesterFeedback: Text | None = None


# --- The quick way through for plain assignments -----------------------------------------------

# How Assignment checks each of its fields, for the quick way: a shape's quick test, a timestamp,
# or text; and whether it may be None. A field of the model the quick way does not know
# (tests/test_quick_load.py checks they are in step) turns the quick way off.
_SHAPED, _TIME, _TEXT = "shaped", "time", "text"
_PLAIN_ASSIGNMENT: dict[str, tuple[str, str | None, bool]] = {
    "AssignmentId": (_SHAPED, "EntityId", False),
    "WorkerId": (_SHAPED, "CustomerId", False),
    "HITId": (_SHAPED, "EntityId", False),
    "AssignmentStatus": (_SHAPED, "AssignmentStatus", False),
    "AutoApprovalTime": (_TIME, None, True),
    "AcceptTime": (_TIME, None, False),
    "SubmitTime": (_TIME, None, False),
    "ApprovalTime": (_TIME, None, True),
    "RejectionTime": (_TIME, None, True),
    "Deadline": (_TIME, None, True),
    "Answer": (_TEXT, None, False),
    "RequesterFeedback": (_TEXT, None, True),
}
# Fields whose values repeat across a load (a HIT's ten assignments, a worker's hundred): a
# value that passed once is remembered, and not tested again.
_REPEATING = frozenset({"WorkerId", "HITId", "AssignmentStatus"})
_ASSIGNMENT_DEFAULTS = {  # model order; a required field's place is always filled
    name: None if field.is_required() else field.default
    for name, field in Assignment.model_fields.items()
}
_ASSIGNMENT_REQUIRED = frozenset(
    name for name, field in Assignment.model_fields.items() if field.is_required()
)
QUICK_ASSIGNMENTS = _PLAIN_ASSIGNMENT.keys() == Assignment.model_fields.keys()


class _NotPlain(Exception):
    """A value the quick way does not take: the model then reads the record, and explains."""


def _quick_timestamp(value: Any) -> datetime:
    """:func:`parse_timestamp` for an ISO 8601 string, with nearly every real one (UTC, a
    year far from the range's ends) taken without a further call."""
    if type(value) is not str:
        raise _NotPlain
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _NotPlain from None
    if parsed.tzinfo is UTC and _FIRST_SAFE_YEAR <= parsed.year <= _LAST_SAFE_YEAR:
        return parsed
    try:
        return _in_utc(parsed)
    except ValueError:
        raise _NotPlain from None


def _quick_text(value: Any) -> str:
    if type(value) is not str:
        raise _NotPlain
    try:
        return _unicode_text(value)
    except ValueError:
        raise _NotPlain from None


_REMEMBERED_MAX = 1 << 16  # values remembered per field before starting afresh


def _quick_shaped(shape: str, repeating: bool) -> Callable[[Any], Any]:
    fine = fast_check(shape)
    if fine is None:
        raise TypeError(f"{shape} has no quick test")
    passed: set[str] = set()

    def check(value: Any) -> Any:
        if type(value) is not str:
            raise _NotPlain
        if value in passed:
            return value
        if not fine(value):
            raise _NotPlain
        if repeating:
            if len(passed) >= _REMEMBERED_MAX:
                passed.clear()
            passed.add(value)
        return value

    return check


_QUICK_CHECKS: dict[str, tuple[Callable[[Any], Any], bool]] = {}


def _quick_checks() -> dict[str, tuple[Callable[[Any], Any], bool]]:
    """Each field's check (returning its value, raising _NotPlain) and whether it may be None;
    made on first use, since the shapes' tests need the model loaded."""
    if not _QUICK_CHECKS:
        for name, (kind, shape, optional) in _PLAIN_ASSIGNMENT.items():
            if kind is _TIME:
                checker: Callable[[Any], Any] = _quick_timestamp
            elif kind is _TEXT:
                checker = _quick_text
            else:
                checker = _quick_shaped(shape or "", name in _REPEATING)
            _QUICK_CHECKS[name] = (checker, optional)
    return _QUICK_CHECKS


def plain_assignment(raw: dict[Any, Any]) -> dict[str, Any] | None:
    """``Assignment.model_validate(raw).model_dump()`` for a record of plain values (IDs that
    pass their shapes' quick tests, ISO 8601 timestamps, text as str), at a fraction of the
    cost; ``None`` for any other record, which the model then validates, and explains."""
    given = raw.keys()
    if not (
        QUICK_ASSIGNMENTS and given <= _PLAIN_ASSIGNMENT.keys() and given >= _ASSIGNMENT_REQUIRED
    ):
        return None
    checks = _QUICK_CHECKS or _quick_checks()
    fields = dict(_ASSIGNMENT_DEFAULTS)
    try:
        for name, value in raw.items():
            check, optional = checks[name]
            if value is None and optional:
                continue  # the default, None
            fields[name] = check(value)
    except _NotPlain:
        return None
    return fields


# --- Qualifications, worker blocks, profiles and messages ------------------------------------


class QualificationTypeRecord(Record):
    """A qualification type of the requester's, as GetQualificationType shows it."""

    QualificationTypeId: EntityId
    CreationTime: Timestamp
    Name: Text
    Description: Text
    QualificationTypeStatus: Annotated[str, Shaped("QualificationTypeStatus")]
    Keywords: Text | None = None
    Test: Text | None = None
    TestDurationInSeconds: Annotated[int, Field(ge=0)] | None = None
    AnswerKey: Text | None = None
    RetryDelayInSeconds: Annotated[int, Field(ge=0)] | None = None
    IsRequestable: bool | None = None  # follows from the status; accepted from saved output
    AutoGranted: bool = False
    AutoGrantedValue: JavaInteger | None = None


class QualificationRecord(Record):
    """A score a worker holds (or held: Revoked) for one of the requester's types."""

    QualificationTypeId: EntityId
    WorkerId: CustomerId
    GrantTime: Timestamp
    IntegerValue: JavaInteger | None = 1
    LocaleValue: Locale | None = None
    Status: Annotated[str, Shaped("QualificationStatus")] = "Granted"


class QualificationRequestRecord(Record):
    QualificationRequestId: EntityId
    QualificationTypeId: EntityId
    WorkerId: CustomerId
    SubmitTime: Timestamp
    Test: Text | None = None
    Answer: Text | None = None
    RequestStatus: Annotated[str, AfterValidator(_request_status)] = "Pending"


class WorkerBlockRecord(Record):
    WorkerId: CustomerId
    Reason: Text


class WorkerProfileRecord(Record):
    """What MTurk knew of a simulated worker (mockturk.domain.workers.WorkerProfile)."""

    WorkerId: CustomerId
    Country: CountryCode = "US"
    Subdivision: CountryCode | None = None
    Masters: bool = False
    Adult: bool = False
    Approved: Annotated[int, Field(ge=0)] = 0
    Rejected: Annotated[int, Field(ge=0)] = 0


class MessageRecord(Record):
    """A message in a worker's inbox."""

    WorkerId: CustomerId
    SentTime: Timestamp
    Subject: Text
    MessageText: Text
    Kind: Text = "NotifyWorkers"
