"""Records with the API's own field names, as fixtures write them and responses carry them.

Field names and Python types are written out here; enums, patterns and lengths are not: each
constrained field names its botocore shape (``Shaped("EntityId")``) and is checked against the
model. ``tests/test_models_in_step.py`` keeps these classes in step with the botocore shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from mockturk.spec import load_spec, scalar_violations, string_fast_check
from mockturk.wire import from_epoch_seconds


@dataclass(frozen=True)
class Shaped:
    """Marks a field as constrained by the named botocore shape, and checks it after its type."""

    shape: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self, handler(source))

    def __call__(self, value: Any) -> Any:
        if self.shape not in _fast_checks:
            _fast_checks[self.shape] = string_fast_check(load_spec().shape(self.shape))
        fine = _fast_checks[self.shape]
        if fine is not None and fine(value):
            return value
        problems = scalar_violations(load_spec().shape(self.shape), value)
        if problems:
            raise ValueError("; ".join(problems))
        return value


_fast_checks: dict[str, Callable[[Any], bool] | None] = {}


def parse_timestamp(value: Any) -> datetime:
    """ISO 8601 with an offset, epoch seconds (int or float), or an aware datetime (from YAML).

    The result is always in UTC.
    """
    if isinstance(value, bool):
        raise ValueError("a timestamp must be an ISO 8601 string with offset or epoch seconds")
    if isinstance(value, int | float):
        try:
            return from_epoch_seconds(value)
        except (OverflowError, ValueError):
            raise ValueError(
                f"{value!r} is out of range for epoch seconds (epoch milliseconds are not accepted)"
            ) from None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
        # "...Z" and "+00:00": already as wanted
        return parsed if parsed.tzinfo is UTC else _in_utc(parsed)
    if isinstance(value, datetime):
        return _in_utc(value)
    if isinstance(value, date):
        raise ValueError("a date needs a time and a UTC offset (for example 2026-05-01T12:00:00Z)")
    raise ValueError("a timestamp must be an ISO 8601 string with offset or epoch seconds")


def _in_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a timestamp needs a UTC offset (for example 2026-05-01T12:00:00Z)")
    return instant.astimezone(UTC)


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
Count = Annotated[int, Field(ge=0)]
Seconds = Annotated[int, Field(ge=0)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def to_api(self) -> dict[str, Any]:
        """The record as the wire carries it: unset optional members left out."""
        return self.model_dump(exclude_none=True)


class Locale(Record):
    Country: CountryCode
    Subdivision: CountryCode | None = None


class QualificationRequirement(Record):
    QualificationTypeId: str
    Comparator: ComparatorEnum
    IntegerValues: list[int] | None = None
    LocaleValues: list[Locale] | None = None
    RequiredToPreview: bool | None = None
    ActionsGuarded: HITAccessActionsEnum | None = None


class HIT(Record):
    HITId: EntityId
    HITTypeId: EntityId | None = None
    HITGroupId: EntityId | None = None
    HITLayoutId: EntityId | None = None
    CreationTime: Timestamp
    Title: str
    Description: str
    Question: str
    Keywords: str | None = None
    HITStatus: HITStatusEnum | None = None
    MaxAssignments: Annotated[int, Field(ge=1)] = 1
    Reward: CurrencyAmount
    AutoApprovalDelayInSeconds: Seconds = 2592000
    Expiration: Timestamp
    AssignmentDurationInSeconds: Seconds
    RequesterAnnotation: str | None = None
    QualificationRequirements: list[QualificationRequirement] = []
    HITReviewStatus: HITReviewStatusEnum = "NotReviewed"
    NumberOfAssignmentsPending: Count | None = None
    NumberOfAssignmentsAvailable: Count | None = None
    NumberOfAssignmentsCompleted: Count | None = None


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
    Answer: str = (
        '<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk'
        '.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"/>'
    )
    RequesterFeedback: str | None = None
