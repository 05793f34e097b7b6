"""The checks the real MTurk made on requests that the botocore model does not state.

The model's own constraints are checked by :mod:`mockturk.spec`. The real service enforced more,
documented in its API reference: lengths and ranges (Title at most 128 characters, a HIT living
30 seconds to a year...), the values a qualification requirement may compare with, one of two
members that must be given. Each rule is written once, for a member name, and applies to every
operation whose input has that member.

Two kinds, by how the real service answered:

- :func:`violations`: lengths, ranges and counts, in the model's own terms (``min``/``max``), so
  they join the model's violations in one ValidationException, worded as the framework words them.
- :func:`refuse_invalid_values`: business rules on the request alone, answered with a
  ParameterValidationError. Both run before the handler, so a refused request changes nothing.

What needs more than the request is the handlers' to check: a Question document is checked by
:func:`~mockturk.domain.questions.check_question` (its result is what the handler keeps, and the
https rule depends on the server's settings); existence and state checks need the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from mockturk.domain.money import ZERO, parse_amount
from mockturk.domain.questions import check_question
from mockturk.errors import (
    ParameterValidationError,
    invalid_parameter,
    missing_one_of,
    more_than_one_of,
    requester_feedback_not_valid,
    value_out_of_range,
)
from mockturk.service_model import Shape
from mockturk.spec import (
    NOT_NULL,
    PathPart,
    Violation,
    enum_constraint,
    java_length,
    length_violations,
    load_spec,
    range_violations,
)

__all__ = ["LIMITS", "Limit", "check_question", "refuse_invalid_values", "violations"]

Path = tuple[PathPart, ...]

# The Worker_Locale system qualification: compared with LocaleValues, never IntegerValues.
WORKER_LOCALE = "00000000000000000071"


@dataclass(frozen=True)
class Limit:
    """Bounds the real service set on a member, written as the model would have written them:
    a length for strings (in UTF-16 code units, or UTF-8 bytes where the documentation counts
    bytes) and lists, a value for integers."""

    min: int | None = None
    max: int | None = None
    in_bytes: bool = False

    def meta(self) -> dict[str, int]:
        return {
            key: bound for key, bound in (("min", self.min), ("max", self.max)) if bound is not None
        }

    def broken(self, kind: str, value: Any) -> list[str]:
        """The constraints ``value`` breaks, if it has the type ``kind`` (the model's type of the
        member); a value of another type breaks the model, which says so."""
        if kind == "string" and isinstance(value, str):
            size = (
                len(value.encode("utf-8", "surrogatepass")) if self.in_bytes else java_length(value)
            )
            return list(length_violations(self.meta(), size))
        if kind == "list" and isinstance(value, list):
            return list(length_violations(self.meta(), len(value)))
        if kind in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
            return list(range_violations(self.meta(), value))
        return []


SECONDS_IN_A_YEAR = 31_536_000
MAX_ASSIGNMENTS = 1_000_000_000  # a HIT's most, however it got them

# Member name -> what the real service allowed, wherever the member is in an operation's input.
# Sources: the API reference of each operation (the legacy one for Title, Description, Keywords,
# the durations and MaxAssignments), and the model's member documentation, which states limits
# its constraints leave out. tests/test_checks.py makes sure none repeats a model constraint.
LIMITS: Mapping[str, Limit] = MappingProxyType(
    {
        "Title": Limit(max=128),
        "Description": Limit(max=2000),
        "Keywords": Limit(max=1000),
        "RequesterAnnotation": Limit(max=255),
        "LifetimeInSeconds": Limit(min=30, max=SECONDS_IN_A_YEAR),
        "AssignmentDurationInSeconds": Limit(min=30, max=SECONDS_IN_A_YEAR),
        "AutoApprovalDelayInSeconds": Limit(min=0, max=2_592_000),  # 30 days
        "MaxAssignments": Limit(min=1, max=MAX_ASSIGNMENTS),
        "QualificationRequirements": Limit(max=10),
        "RequesterFeedback": Limit(max=1024),
        "Question": Limit(max=65535, in_bytes=True),
        "Test": Limit(max=65535, in_bytes=True),
        "AnswerKey": Limit(max=65535, in_bytes=True),
        "Subject": Limit(max=200),  # NotifyWorkers
        "MessageText": Limit(max=4096),
        "WorkerIds": Limit(max=100),
    }
)


# --- Qualification requirements ---------------------------------------------------------------

# Comparator -> how many values a requirement compares with: (fewest, most); None: the most a
# set comparison takes, which depends on the kind of value (SET_SIZES).
VALUE_COUNTS: Mapping[str, tuple[int, int | None]] = MappingProxyType(
    {
        "Exists": (0, 0),
        "DoesNotExist": (0, 0),
        "LessThan": (1, 1),
        "LessThanOrEqualTo": (1, 1),
        "GreaterThan": (1, 1),
        "GreaterThanOrEqualTo": (1, 1),
        "EqualTo": (1, 1),
        "NotEqualTo": (1, 1),
        "In": (1, None),
        "NotIn": (1, None),
    }
)
SET_SIZES: Mapping[str, int] = MappingProxyType({"IntegerValues": 15, "LocaleValues": 30})
# A locale is equal or not, in a set or not; it has no order.
LOCALE_COMPARATORS = ("DoesNotExist", "EqualTo", "Exists", "In", "NotEqualTo", "NotIn")


def requirement_violations(path: Path, requirement: Any) -> Iterator[Violation]:
    """The values one QualificationRequirement compares with: LocaleValues for Worker_Locale,
    IntegerValues for every other type, as many as its comparator takes."""
    if not isinstance(requirement, dict):
        return  # the model reports the type
    comparator = requirement.get("Comparator")
    counts = VALUE_COUNTS.get(comparator) if isinstance(comparator, str) else None
    if counts is None:
        return  # missing or outside the enum: the model reports it
    is_locale = requirement.get("QualificationTypeId") == WORKER_LOCALE
    if is_locale and comparator not in LOCALE_COMPARATORS:
        yield Violation((*path, "Comparator"), comparator, enum_constraint(LOCALE_COMPARATORS))
        return
    used, unused = (
        ("LocaleValues", "IntegerValues") if is_locale else ("IntegerValues", "LocaleValues")
    )
    fewest, most = counts
    yield from _count_violations((*path, unused), requirement.get(unused), 0, 0)
    yield from _count_violations(
        (*path, used), requirement.get(used), fewest, SET_SIZES[used] if most is None else most
    )


def _count_violations(path: Path, values: Any, fewest: int, most: int) -> Iterator[Violation]:
    if values is None:
        if fewest:
            yield Violation(path, None, NOT_NULL)
        return
    if isinstance(values, list):
        for text in length_violations({"min": fewest, "max": most}, len(values)):
            yield Violation(path, values, text)


def _each(
    rule: Callable[[Path, Any], Iterator[Violation]],
) -> Callable[[Path, Any], Iterator[Violation]]:
    def every(path: Path, items: Any) -> Iterator[Violation]:
        if isinstance(items, list):
            for index, item in enumerate(items):
                yield from rule((*path, index), item)

    return every


# Member name -> a check of its parts, wherever the member is in an operation's input.
PART_RULES: Mapping[str, Callable[[Path, Any], Iterator[Violation]]] = MappingProxyType(
    {"QualificationRequirements": _each(requirement_violations)}
)


# --- Business rules ---------------------------------------------------------------------------

# Characters RequesterFeedback must not hold (ApproveAssignment, RejectAssignment).
FEEDBACK_FORBIDDEN = frozenset(chr(code) for code in (*range(0, 9), 11, 12, *range(14, 32)))


def _refuse_control_characters(name: str, value: Any) -> ParameterValidationError | None:
    if isinstance(value, str) and not FEEDBACK_FORBIDDEN.isdisjoint(value):
        return requester_feedback_not_valid(value)
    return None


def _range_refusal(low: int, high: int) -> Callable[[str, Any], ParameterValidationError | None]:
    def refusal(name: str, value: Any) -> ParameterValidationError | None:
        if isinstance(value, int) and not isinstance(value, bool) and not low <= value <= high:
            return value_out_of_range(name, value, low, high)
        return None

    return refusal


def _refuse_zero_amount(name: str, value: Any) -> ParameterValidationError | None:
    # Chosen: the pattern allows "0" and "0.00"; a bonus of nothing is refused.
    if isinstance(value, str) and parse_amount(value) == ZERO:
        return invalid_parameter(name, value)
    return None


# Member name -> its refusal, wherever the member is in an operation's input.
MEMBER_REFUSALS: Mapping[str, Callable[[str, Any], ParameterValidationError | None]] = (
    MappingProxyType(
        {
            "RequesterFeedback": _refuse_control_characters,
            "NumberOfAdditionalAssignments": _range_refusal(1, MAX_ASSIGNMENTS),
            "BonusAmount": _refuse_zero_amount,
        }
    )
)


@dataclass(frozen=True)
class OneOf:
    """Two members of which one must be given; ``exclusive``: and not both."""

    first: str
    second: str
    exclusive: bool = False

    def refusal(self, params: Mapping[str, Any]) -> ParameterValidationError | None:
        given = [params.get(name) is not None for name in (self.first, self.second)]
        if not any(given):
            return missing_one_of(self.first, self.second)
        if self.exclusive and all(given):
            return more_than_one_of(self.first, self.second)
        return None


QUESTION_OR_LAYOUT = OneOf("Question", "HITLayoutId", exclusive=True)
# Operation -> the pair of members it needs one of (the model's documentation states each).
ONE_OF: Mapping[str, OneOf] = MappingProxyType(
    {
        "CreateHIT": QUESTION_OR_LAYOUT,
        "CreateHITWithHITType": QUESTION_OR_LAYOUT,
        "ListBonusPayments": OneOf("HITId", "AssignmentId"),
        "UpdateNotificationSettings": OneOf("Notification", "Active"),
    }
)


# --- Running them -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _MemberChecks:
    name: str
    kind: str  # the model's type of the member
    limit: Limit | None
    parts: Callable[[Path, Any], Iterator[Violation]] | None
    refusal: Callable[[str, Any], ParameterValidationError | None] | None


@cache
def _member_checks(operation: str) -> tuple[_MemberChecks, ...]:
    """The checks for an operation's members, in the model's member order."""
    members: Mapping[str, Shape] = load_spec().input_shape(operation).members
    return tuple(
        _MemberChecks(
            name, shape.type_name, LIMITS.get(name), PART_RULES.get(name), MEMBER_REFUSALS.get(name)
        )
        for name, shape in members.items()
        if name in LIMITS or name in PART_RULES or name in MEMBER_REFUSALS
    )


def violations(operation: str, params: Mapping[str, Any]) -> list[Violation]:
    """The limits of :data:`LIMITS` and the requirement rules the request breaks, in the model's
    member order: what the real service reported with the model's violations."""
    found: list[Violation] = []
    for checks in _member_checks(operation):
        value = params.get(checks.name)
        if value is None:
            continue
        if checks.limit is not None:
            found.extend(
                Violation((checks.name,), value, text)
                for text in checks.limit.broken(checks.kind, value)
            )
        if checks.parts is not None:
            found.extend(checks.parts((checks.name,), value))
    return found


def refuse_invalid_values(operation: str, params: Mapping[str, Any]) -> None:
    """Raise the ParameterValidationError of the first business rule the request breaks.

    Runs after :func:`violations` and the model found nothing, so every value has its type.
    """
    refusal = _first_refusal(operation, params)
    if refusal is not None:
        raise refusal


def _first_refusal(operation: str, params: Mapping[str, Any]) -> ParameterValidationError | None:
    one_of = ONE_OF.get(operation)
    refusal = one_of.refusal(params) if one_of is not None else None
    if refusal is not None:
        return refusal
    for checks in _member_checks(operation):
        value = params.get(checks.name)
        if checks.refusal is not None and value is not None:
            refusal = checks.refusal(checks.name, value)
            if refusal is not None:
                return refusal
    return None
