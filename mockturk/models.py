"""Records with the API's own field names, as fixtures write them and responses carry them.

Field names and Python types are written out here; enums, patterns and lengths are not: each
constrained field names its botocore shape (``Shaped("EntityId")``) and is checked against the
model. ``tests/test_models_in_step.py`` keeps these classes in step with the botocore shapes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum, auto
from functools import cache, partial
from types import UnionType
from typing import Annotated, Any, Literal, NamedTuple, TypeVar, Union, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
)
from pydantic.fields import FieldInfo
from pydantic_core import CoreSchema, core_schema

from mockturk.domain.questions import EMPTY_ANSWERS
from mockturk.quoted import python_text
from mockturk.spec import load_spec, scalar_violations, string_fast_check, string_fast_test
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
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

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


# --- The quick way through for plain records -----------------------------------------------------

# A large load is mostly plain records: IDs that pass their shapes' quick tests, ISO 8601
# timestamps in UTC, text as str, integers in range. For such a record, one function made from
# the model's own fields gives what the model would, at a fraction of the cost; any other
# record it leaves (None) to the model, which reads it, and explains.


def _optional(annotation: Any) -> tuple[Any, bool]:
    """A field's annotation without ``| None``, and whether it had it."""
    args = get_args(annotation)
    if get_origin(annotation) in (Union, UnionType) and len(args) == 2 and type(None) in args:
        return next(a for a in args if a is not type(None)), True
    return annotation, False


def _constraints(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """The Python type of a field and what it is annotated with, pydantic's nesting undone."""
    found = list(metadata)
    while get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        for item in extra:
            found.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return annotation, found


class _Fragment(NamedTuple):
    """How the quick reader tests one field: source lines testing ``v`` (leaving the value in
    it), and the names they use."""

    lines: list[str]
    names: dict[str, Any]


def _quick_test(kind: Any, constraints: list[Any], slot: str, repeats: bool) -> _Fragment | None:
    """The test of one field's value; None for a field the quick way does not know. A value
    of a field whose values ``repeats`` that passed once is remembered, not tested again."""
    if kind is str and len(constraints) == 1 and isinstance(constraints[0], Shaped):
        found = string_fast_test(load_spec().shape(constraints[0].shape), f"shape_{slot}_")
        if found is None:
            return None
        fine, names = found
        if not repeats:
            return _Fragment([f"if not {fine}: return NOT_PLAIN"], names)
        return _Fragment(
            [
                "if type(v) is not str: return NOT_PLAIN",
                f"if v not in passed_{slot}:",
                f"    if not {fine}: return NOT_PLAIN",
                f"    if len(passed_{slot}) >= REMEMBERED_MAX: passed_{slot}.clear()",
                f"    passed_{slot}.add(v)",
            ],
            {**names, f"passed_{slot}": set()},
        )
    if kind is str and constraints == [AfterValidator(_unicode_text)]:
        return _Fragment(
            ["if type(v) is not str or not (v.isascii() or unicode(v)): return NOT_PLAIN"], {}
        )
    if kind is datetime and constraints == [BeforeValidator(parse_timestamp)]:
        return _Fragment(
            [
                "if type(v) is not str: return NOT_PLAIN",
                "try: v = fromisoformat(v)",
                "except ValueError: return NOT_PLAIN",
                "if v.tzinfo is not UTC or not FIRST_SAFE_YEAR <= v.year <= LAST_SAFE_YEAR:",
                "    v = in_utc(v)",
                "    if v is None: return NOT_PLAIN",
            ],
            {},
        )
    if _is_record(kind) and not constraints:
        nested = quick_reader(kind)
        if nested is None:
            return None
        return _Fragment(
            [
                "if type(v) is not dict: return NOT_PLAIN",
                f"v = read_{slot}(v)",
                "if v is NOT_PLAIN: return NOT_PLAIN",
            ],
            {f"read_{slot}": partial(nested, fields_dict(kind))},
        )
    if kind is bool and not constraints:
        return _Fragment(["if type(v) is not bool: return NOT_PLAIN"], {})
    (item,) = get_args(kind) or (None,)
    if get_origin(kind) is list and not constraints:
        return _list_test(item, slot)
    bounds = [c for c in constraints if isinstance(c, Ge | Le)]
    if kind is int and len(bounds) == len(constraints):
        low = next((c.ge for c in bounds if isinstance(c, Ge)), None)
        high = next((c.le for c in bounds if isinstance(c, Le)), None)
        tests = ["type(v) is not int"]
        tests += [f"v < {low!r}"] if low is not None else []
        tests += [f"v > {high!r}"] if high is not None else []
        return _Fragment([f"if {' or '.join(tests)}: return NOT_PLAIN"], {})
    return None


def _is_record(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Record)


def _list_test(item: Any, slot: str) -> _Fragment | None:
    """The test of a list, each of its items tested as a field of the item's kind is (a list
    of records: each read by its model's quick reader; of their model, if it has none), the
    list made anew, as the model's dump makes it."""
    kind, constraints = _constraints(item, [])
    test = _quick_test(kind, constraints, f"{slot}_item", False)
    if test is None:
        if not _is_record(item):
            return None
        return _Fragment(
            [f"v = records_{slot}(v)", "if v is None: return NOT_PLAIN"],
            {f"records_{slot}": _dumped_records(item)},
        )
    loop = ["made = []", "for v in items:", *(f"    {line}" for line in test.lines)]
    lines = ["if type(v) is not list: return NOT_PLAIN", "items = v", *loop]
    return _Fragment([*lines, "    made.append(v)", "v = made"], test.names)


def _dumped_records(model: type[Record]) -> Callable[[Any], list[dict[str, Any]] | None]:
    """A list of records checked by their own model (nested: no quick way of their own),
    dumped; None for anything else."""

    def dumped(items: Any) -> list[dict[str, Any]] | None:
        if type(items) is not list:
            return None
        try:
            return [model.model_validate(item).model_dump() for item in items]
        except ValidationError:
            return None

    return dumped


def _unicode(value: str) -> bool:
    try:
        _unicode_text(value)
    except ValueError:
        return False
    return True


def _in_utc_or_none(instant: datetime) -> datetime | None:
    try:
        return _in_utc(instant)
    except ValueError:
        return None


_REMEMBERED_MAX = 1 << 16  # values remembered per field before starting afresh
_MISSING = object()


class NotPlain(Enum):
    """What a quick reader gives for a record it leaves to the model."""

    NOT_PLAIN = auto()


NOT_PLAIN = NotPlain.NOT_PLAIN
T = TypeVar("T")
# A quick reader: given what to make of a record's fields (called with them in the model's
# order) and a raw record, what that made, or NOT_PLAIN.
QuickReader = Callable[[Callable[..., T], dict[Any, Any]], T | NotPlain]


def quick_reader(
    model: type[Record], repeating: frozenset[str] = frozenset()
) -> QuickReader[Any] | None:
    """``finish(*model.model_validate(raw).model_dump().values())`` for a record of plain
    values, made into one function from the model's fields (their shapes' quick tests, made
    from the botocore model); ``None`` for a model with a field the quick way does not know.
    Values of the fields named ``repeating`` repeat across a load (a HIT's ten assignments, a
    worker's hundred)."""
    names: dict[str, Any] = {
        "UTC": UTC,
        "fromisoformat": datetime.fromisoformat,
        "in_utc": _in_utc_or_none,
        "unicode": _unicode,
        "FIRST_SAFE_YEAR": _FIRST_SAFE_YEAR,
        "LAST_SAFE_YEAR": _LAST_SAFE_YEAR,
        "REMEMBERED_MAX": _REMEMBERED_MAX,
        "MISSING": _MISSING,
        "NOT_PLAIN": NOT_PLAIN,
        "KNOWN": frozenset(model.model_fields),
    }
    # A required field left out raises KeyError where it is read: no test of its own.
    body = ["if not KNOWN.issuperset(raw): return NOT_PLAIN", "get = raw.get"]
    for slot, (name, field) in enumerate(model.model_fields.items()):
        annotation, nullable = _optional(field.annotation)
        kind, constraints = _constraints(annotation, field.metadata)
        test = _quick_test(kind, constraints, str(slot), name in repeating)
        default = None if field.is_required() else field.default
        if test is None or (nullable and default is not None) or isinstance(default, dict | set):
            return None
        names |= test.names
        names[f"default_{slot}"] = default
        indented = [f"    {line}" for line in test.lines]
        if nullable:  # left out or None: None
            body += [f"v = get({name!r})", "if v is not None:", *indented]
        elif field.is_required():
            body += [f"v = raw[{name!r}]", *test.lines]
        else:
            body += [f"v = get({name!r}, MISSING)", "if v is MISSING:"]
            fresh = "list(" if isinstance(default, list) else "("  # each record its own
            body += [f"    v = {fresh}default_{slot})", "else:", *indented]
        body.append(f"f{slot} = v")
    members = ", ".join(f"f{slot}" for slot in range(len(model.model_fields)))
    source = (
        "def read(finish, raw):\n    try:\n"
        + "".join(f"        {line}\n" for line in body)
        + f"    except KeyError:\n        return NOT_PLAIN\n    return finish({members})\n"
    )
    exec(compile(source, f"<quick reader of {model.__name__}>", "exec"), names)
    reader: QuickReader[Any] = names["read"]
    return reader


_QUICK_READERS: dict[type[Record], QuickReader[Any] | None] = {}
# Fields whose values repeat across a load, by model.
_REPEATING: dict[type[Record], frozenset[str]] = {
    Assignment: frozenset({"WorkerId", "HITId"}),
    AcceptedAssignment: frozenset({"WorkerId", "HITId"}),
    HIT: frozenset({"HITTypeId", "HITGroupId", "HITLayoutId", "Reward"}),
}


def plain_reader(
    model: type[Record], finish: Callable[..., T]
) -> Callable[[dict[Any, Any]], T | NotPlain]:
    """What ``finish`` makes of a plain record's fields (given in the model's order, as its
    parameters must be named), or NOT_PLAIN for a record the model must read. The model's
    quick reader is made on first use (the shapes' tests need the botocore model loaded)."""
    taken = list(inspect.signature(finish).parameters)
    if taken != list(model.model_fields):
        raise TypeError(f"{finish} does not take the fields of {model.__name__}, in order")
    if model not in _QUICK_READERS:
        _QUICK_READERS[model] = quick_reader(model, _REPEATING.get(model, frozenset()))
    return partial(_QUICK_READERS[model] or _not_plain, finish)


def _not_plain(finish: Callable[..., Any], raw: dict[Any, Any]) -> NotPlain:
    return NOT_PLAIN


@cache
def fields_dict(model: type[Record]) -> Callable[..., dict[str, Any]]:
    """A function making the dict of a model's fields from them, given in the model's order."""
    names = list(model.model_fields)
    members = ", ".join(f"{name!r}: {name}" for name in names)
    source = f"def fields({', '.join(names)}):\n    return {{{members}}}\n"
    made: dict[str, Any] = {}
    exec(compile(source, f"<fields of {model.__name__}>", "exec"), made)
    fields: Callable[..., dict[str, Any]] = made["fields"]
    return fields


@cache
def _dict_reader(model: type[Record]) -> Callable[[dict[Any, Any]], dict[str, Any] | NotPlain]:
    return plain_reader(model, fields_dict(model))


def plain_record(model: type[Record], raw: dict[Any, Any]) -> dict[str, Any] | None:
    """``model.model_validate(raw).model_dump()`` for a record of plain values, at a fraction
    of the cost; ``None`` for any other record, which the model then validates, and explains."""
    fields = _dict_reader(model)(raw)
    return None if isinstance(fields, NotPlain) else fields


def plain_assignment(raw: dict[Any, Any]) -> dict[str, Any] | None:
    """:func:`plain_record` for an assignment."""
    return plain_record(Assignment, raw)


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
