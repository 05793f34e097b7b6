"""Who may discover, preview and accept a HIT: the eligibility rule against a plain reference,
for every comparator, over generated requirements and worker profiles."""

from __future__ import annotations

from typing import Any

import support
from hypothesis import given
from hypothesis import strategies as st

from mockturk.domain import qualifications as q
from mockturk.domain.workers import WorkerProfile, system_values
from mockturk.models import Locale, QualificationRequirement

CUSTOM = "3CUSTOMTYPE000000000000000000A"
INTEGER_TYPES = [CUSTOM, q.NUMBER_HITS_APPROVED, q.PERCENT_APPROVED, q.ADULT, *q.MASTERS]
COMPARATORS = [
    "LessThan",
    "LessThanOrEqualTo",
    "GreaterThan",
    "GreaterThanOrEqualTo",
    "EqualTo",
    "NotEqualTo",
    "Exists",
    "DoesNotExist",
    "In",
    "NotIn",
]
ACTIONS = ["Accept", "PreviewAndAccept", "DiscoverPreviewAndAccept"]
LOCALE_COMPARATORS = ("EqualTo", "NotEqualTo", "In", "NotIn", "Exists", "DoesNotExist")
COUNTRIES, SUBDIVISIONS = ["US", "GB", "IN"], [None, "PA", "NY"]


def reference(requirement: dict[str, Any], value: Any) -> bool:
    """The documented rule, written out case by case (value None: the worker has none)."""
    comparator = requirement["Comparator"]
    if comparator == "DoesNotExist":
        return value is None
    if value is None:
        return False
    if comparator == "Exists":
        return True
    if isinstance(value, tuple):
        wanted = [(loc["Country"], loc.get("Subdivision")) for loc in requirement["LocaleValues"]]
        hits = [value[0] == c and (s is None or s == value[1]) for c, s in wanted]
        return {
            "EqualTo": any(hits),
            "In": any(hits),
            "NotEqualTo": not any(hits),
            "NotIn": not any(hits),
        }.get(comparator, False)
    numbers = requirement["IntegerValues"]
    first = numbers[0]
    return {
        "LessThan": value < first,
        "LessThanOrEqualTo": value <= first,
        "GreaterThan": value > first,
        "GreaterThanOrEqualTo": value >= first,
        "EqualTo": value == first,
        "NotEqualTo": value != first,
        "In": value in numbers,
        "NotIn": value not in numbers,
    }[comparator]


def guarded(requirement: dict[str, Any], action: str) -> bool:
    order = {"Discover": 0, "Preview": 1, "Accept": 2}
    lowest = {"Accept": 2, "PreviewAndAccept": 1, "DiscoverPreviewAndAccept": 0}
    return order[action] >= lowest[requirement["ActionsGuarded"]]


@st.composite
def requirements(draw: st.DrawFn) -> dict[str, Any]:
    comparator = draw(st.sampled_from(COMPARATORS))
    is_locale = draw(st.booleans()) and comparator in LOCALE_COMPARATORS
    many = comparator in ("In", "NotIn")
    requirement: dict[str, Any] = {
        "QualificationTypeId": q.LOCALE if is_locale else draw(st.sampled_from(INTEGER_TYPES)),
        "Comparator": comparator,
        "ActionsGuarded": draw(st.sampled_from(ACTIONS)),
    }
    if comparator in ("Exists", "DoesNotExist"):
        return requirement
    size = st.integers(1, 4) if many else st.just(1)
    count = draw(size)
    if is_locale:
        requirement["LocaleValues"] = [
            {
                k: v
                for k, v in {
                    "Country": draw(st.sampled_from(COUNTRIES)),
                    "Subdivision": draw(st.sampled_from(SUBDIVISIONS)),
                }.items()
                if v is not None
            }
            for _ in range(count)
        ]
    else:
        requirement["IntegerValues"] = [draw(st.integers(-2, 120)) for _ in range(count)]
    return requirement


profiles = st.builds(
    WorkerProfile,
    WorkerId=st.just("A1WORKER"),
    Country=st.sampled_from(COUNTRIES),
    Subdivision=st.sampled_from(SUBDIVISIONS),
    Masters=st.booleans(),
    Adult=st.booleans(),
    Approved=st.integers(0, 200),
    Rejected=st.integers(0, 50),
)


def model_of(requirement: dict[str, Any]) -> QualificationRequirement:
    fields = dict(requirement)
    if "LocaleValues" in fields:
        fields["LocaleValues"] = [Locale(**loc) for loc in fields["LocaleValues"]]
    return QualificationRequirement(**fields)


@support.fuzz_settings(500)
@given(
    st.lists(requirements(), max_size=4),
    profiles,
    st.one_of(st.none(), st.integers(-2, 120)),
    st.sampled_from(["Discover", "Preview", "Accept"]),
)
def test_the_rule_agrees_with_the_reference(given_requirements, profile, custom, action):
    values = system_values(profile, {})
    if custom is not None:
        values[CUSTOM] = custom
    expected = next(
        (
            r
            for r in given_requirements
            if guarded(r, action) and not reference(r, values.get(r["QualificationTypeId"]))
        ),
        None,
    )
    found = q.refusal([model_of(r) for r in given_requirements], values, action)
    assert (found.to_api() if found else None) == (
        model_of(expected).to_api() if expected else None
    )


@support.fuzz_settings(200)
@given(profiles, st.integers(0, 300))
def test_the_approval_rate_shows_100_below_100_submissions(profile, approved_here):
    values = system_values(profile, {"Approved": approved_here})
    approved = profile.Approved + approved_here
    submitted = approved + profile.Rejected
    assert values[q.NUMBER_HITS_APPROVED] == approved
    rate = values[q.PERCENT_APPROVED]
    if submitted < 100:
        assert rate == 100
    else:
        assert rate == approved * 100 // submitted
    assert (q.MASTERS[0] in values) == profile.Masters


def test_a_required_to_preview_requirement_guards_the_preview():
    requirement = QualificationRequirement(
        QualificationTypeId=CUSTOM, Comparator="Exists", RequiredToPreview=True
    )
    assert q.refusal([requirement], {}, "Preview") == requirement
    assert q.refusal([requirement], {}, "Discover") is None
