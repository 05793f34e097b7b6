"""The quick ways through large loads give exactly what the full, explaining ways give."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import assignment_record, fuzz_settings, hit_record

from mockturk.models import (
    HIT,
    Assignment,
    Locale,
    QualificationRequirement,
    plain_assignment,
    plain_reader,
    plain_record,
    quick_reader,
)
from mockturk.spec import load_spec
from mockturk.state.timeline import Timeline

START = datetime(2026, 12, 1, tzinfo=UTC)

# Values of every kind a field might be given: valid, invalid, and of the wrong type.
IDS = ["3ABC", "3" + "Z" * 63, "3" + "Z" * 64, "abc", "", "3AB C", "3ÄB", 3, None, ["3ABC"]]
WORKERS = ["A1WORKER", "AZ", "A", "B1WORKER", "a1worker", "A" * 65, 17, None]
STATUSES = ["Submitted", "Approved", "Rejected", "Accepted", "submitted", "Returned", 1, None]
TIMES = [
    "2026-11-02T10:00:00Z",
    "2026-11-02T10:00:00.123456+02:00",
    "2026-11-02T10:00:00",  # no offset
    "2026-11-02",
    "2026-13-02T10:00:00Z",
    "1500-01-01T00:00:00Z",  # outside the range the wire carries
    "9999-12-31T23:59:59-23:59",
    "yesterday",
    1793527200,
    1793527200.5,
    True,
    datetime(2026, 11, 2, 10, tzinfo=UTC),
    None,
]
TEXTS = ["Done.", "", "Größe: 10 µm", "\ud800", "x" * 5000, 42, None, b"bytes"]
VALUES = {
    "AssignmentId": IDS,
    "WorkerId": WORKERS,
    "HITId": IDS,
    "AssignmentStatus": STATUSES,
    "AutoApprovalTime": TIMES,
    "AcceptTime": TIMES,
    "SubmitTime": TIMES,
    "ApprovalTime": TIMES,
    "RejectionTime": TIMES,
    "Deadline": TIMES,
    "Answer": TEXTS,
    "RequesterFeedback": TEXTS,
}


def model_fields(raw, model=Assignment):
    """What the model makes of ``raw``, or None when it refuses it."""
    try:
        return model.model_validate(raw).model_dump()
    except ValueError:
        return None


def test_the_quick_way_knows_every_field_of_the_model():
    assert quick_reader(Assignment) is not None
    assert set(VALUES) == set(Assignment.model_fields)


def test_plain_assignments_take_the_quick_way_to_the_models_fields():
    plain = [
        assignment_record("3A1", "3H1", "A1W"),
        assignment_record(
            "3A2", "3H1", "A2W", AssignmentStatus="Approved",
            ApprovalTime="2026-11-03T10:00:00.5+01:00", Answer="<x>Größe</x>",
        ),
        assignment_record(
            "3A3", "3H1", "A3W", AssignmentStatus="Rejected", RejectionTime="2026-11-03T10:00:00Z",
            RequesterFeedback="No.", AutoApprovalTime=None, Deadline="2026-11-02T11:00:00Z",
        ),
    ]  # fmt: skip
    for raw in plain:
        quick = plain_assignment(raw)
        assert quick is not None
        assert quick == model_fields(raw)
        assert [type(v) for v in quick.values()] == [type(v) for v in model_fields(raw).values()]


def records(keys):
    """Records of the given fields, each given any of its kinds of value."""
    return st.fixed_dictionaries({key: st.sampled_from(VALUES.get(key, ["x", 1])) for key in keys})


@fuzz_settings(max_examples=600)
@given(st.lists(st.sampled_from([*VALUES, "Extra"]), unique=True).flatmap(records))
def test_the_quick_way_never_differs_from_the_model(raw):
    quick = plain_assignment(raw)
    if quick is not None:
        assert quick == model_fields(raw)


@fuzz_settings(max_examples=200)
@given(records(VALUES))
def test_the_quick_way_never_differs_from_the_model_with_every_field_given(raw):
    quick = plain_assignment(raw)
    if quick is not None:
        assert quick == model_fields(raw)


PLAIN_TIMES = ["2026-11-02T10:00:00Z", "2026-11-02T10:00:00.123456+02:00"]
PLAIN_TEXTS = ["Done.", "", "Größe: 10 µm", "x" * 5000]
PLAIN_VALUES = {
    "AssignmentId": IDS[:2],
    "WorkerId": WORKERS[:2],
    "HITId": IDS[:2],
    "AssignmentStatus": STATUSES[:3],
    "AutoApprovalTime": [*PLAIN_TIMES, None],
    "AcceptTime": PLAIN_TIMES,
    "SubmitTime": PLAIN_TIMES,
    "ApprovalTime": [*PLAIN_TIMES, None],
    "RejectionTime": [*PLAIN_TIMES, None],
    "Deadline": [*PLAIN_TIMES, None],
    "Answer": PLAIN_TEXTS,
    "RequesterFeedback": [*PLAIN_TEXTS, None],
}
REQUIRED = [name for name, field in Assignment.model_fields.items() if field.is_required()]


@fuzz_settings(max_examples=200)
@given(
    st.lists(st.sampled_from(sorted(set(PLAIN_VALUES) - set(REQUIRED))), unique=True).flatmap(
        lambda optional: st.fixed_dictionaries(
            {key: st.sampled_from(PLAIN_VALUES[key]) for key in [*REQUIRED, *optional]}
        )
    )
)
def test_records_of_plain_values_take_the_quick_way(raw):
    assert plain_assignment(raw) == model_fields(raw) is not None


# HITs: every field of the model, given values of each kind.
COUNTS = [0, 1, 30, 2_592_000, 31_536_000, 1_000_000_000, 1_000_000_001, -1, True, 1.0, "1", None]
REQUIREMENTS = [
    [],
    [{"QualificationTypeId": "00000000000000000071", "Comparator": "EqualTo",
      "LocaleValues": [{"Country": "US"}]}],
    [{"QualificationTypeId": "000000000000000000L0", "Comparator": "GreaterThan",
      "IntegerValues": [95], "RequiredToPreview": True}],
    [{"QualificationTypeId": "000000000000000000L0", "Comparator": "Bigger"}],
    [{"QualificationTypeId": "000000000000000000L0", "Comparator": "Exists", "Extra": 1}],
    ({"QualificationTypeId": "000000000000000000L0", "Comparator": "Exists"},),
    ["Exists"],
    None,
]  # fmt: skip
HIT_VALUES = {
    "HITId": IDS,
    "HITTypeId": IDS,
    "HITGroupId": IDS,
    "HITLayoutId": IDS,
    "CreationTime": TIMES,
    "Title": TEXTS,
    "Description": TEXTS,
    "Question": TEXTS,
    "Keywords": TEXTS,
    "HITStatus": ["Assignable", "Reviewable", "Disposed", "Open", 1, None],
    "MaxAssignments": COUNTS,
    "Reward": ["0.50", "1", "10.", "0.505", "-1", "$1", 0.5, None],
    "AutoApprovalDelayInSeconds": COUNTS,
    "Expiration": TIMES,
    "AssignmentDurationInSeconds": COUNTS,
    "RequesterAnnotation": TEXTS,
    "QualificationRequirements": REQUIREMENTS,
    "HITReviewStatus": ["NotReviewed", "MarkedForReview", "Reviewed", None],
    "NumberOfAssignmentsPending": COUNTS,
    "NumberOfAssignmentsAvailable": COUNTS,
    "NumberOfAssignmentsCompleted": COUNTS,
}


def hit_model_fields(raw):
    try:
        return HIT.model_validate(raw).model_dump()
    except ValueError:
        return None


def test_the_quick_way_knows_every_field_of_a_hit():
    assert quick_reader(HIT) is not None
    assert set(HIT_VALUES) == set(HIT.model_fields)


def test_plain_hits_take_the_quick_way_to_the_models_fields():
    plain = [
        hit_record("3H1"),
        hit_record("3H2", QualificationRequirements=REQUIREMENTS[1], Keywords="a, b"),
        hit_record("3H3", HITStatus=None, NumberOfAssignmentsPending=0, MaxAssignments=1),
    ]
    for raw in plain:
        quick = plain_record(HIT, raw)
        assert quick is not None
        assert quick == hit_model_fields(raw)


@fuzz_settings(max_examples=400)
@given(
    st.lists(st.sampled_from([*HIT_VALUES, "Extra"]), unique=True).flatmap(
        lambda keys: st.fixed_dictionaries(
            {key: st.sampled_from(HIT_VALUES.get(key, ["x", 1])) for key in keys}
        )
    )
)
def test_the_quick_way_never_differs_from_the_model_for_hits(raw):
    quick = plain_record(HIT, raw)
    if quick is not None:
        assert quick == hit_model_fields(raw)


PLAIN_COUNTS = [30, 2_592_000]
PLAIN_HIT_VALUES = {
    **{key: [*values[:2], None] for key, values in HIT_VALUES.items()},
    **{key: PLAIN_TIMES for key in ("CreationTime", "Expiration")},
    **{key: PLAIN_TEXTS for key in ("Title", "Description", "Question")},
    **{key: [*PLAIN_TEXTS, None] for key in ("Keywords", "RequesterAnnotation")},
    **{key: PLAIN_COUNTS for key in ("MaxAssignments", "AutoApprovalDelayInSeconds")},
    **{key: [*PLAIN_COUNTS, None] for key in HIT_VALUES if key.startswith("NumberOf")},
    "HITId": IDS[:2],
    "Reward": ["0.50", "1", "10."],
    "AssignmentDurationInSeconds": PLAIN_COUNTS,
    "QualificationRequirements": REQUIREMENTS[:3],
    "HITReviewStatus": ["NotReviewed", "MarkedForReview"],
}
HIT_REQUIRED = [name for name, field in HIT.model_fields.items() if field.is_required()]


@fuzz_settings(max_examples=200)
@given(
    st.lists(st.sampled_from(sorted(set(HIT_VALUES) - set(HIT_REQUIRED))), unique=True).flatmap(
        lambda optional: st.fixed_dictionaries(
            {key: st.sampled_from(PLAIN_HIT_VALUES[key]) for key in [*HIT_REQUIRED, *optional]}
        )
    )
)
def test_hits_of_plain_values_take_the_quick_way(raw):
    assert plain_record(HIT, raw) == hit_model_fields(raw) is not None


def test_a_hit_s_requirements_are_its_own_when_left_out():
    first, second = (plain_record(HIT, hit_record(h)) for h in ("3H1", "3H2"))
    assert first is not None and second is not None
    assert first["QualificationRequirements"] == [] == second["QualificationRequirements"]
    assert first["QualificationRequirements"] is not second["QualificationRequirements"]


@fuzz_settings(max_examples=100)
@given(
    st.lists(st.lists(st.tuples(st.integers(0, 50), st.sampled_from(["a", "b"])), max_size=30)),
    st.integers(0, 60),
)
def test_planning_many_at_once_falls_due_as_one_at_a_time(batches, now):
    """A load plans its entries in one go (heapified); the order they fall due in is the same."""
    one_by_one, at_once = Timeline(), Timeline()
    for batch in batches:
        plans = [(START + timedelta(seconds=s), kind, f"{kind}{s}") for s, kind in batch]
        for plan in plans:
            one_by_one.schedule(*plan)
        at_once.schedule_many(plans)
    instant = START + timedelta(seconds=now)
    assert drained(one_by_one, instant) == drained(at_once, instant)
    assert len(one_by_one) == len(at_once)


def drained(line, instant):
    found = []
    while (entry := line.pop_due(instant)) is not None:
        found.append(entry)
    return found


# Qualification requirements (nested in HITs): every field given values of each kind.
LOCALES = [{"Country": "US"}, {"Country": "US", "Subdivision": "CA"}, {"Country": "USA"},
           {"Country": "DE", "Subdivision": None}, {"Subdivision": "CA"}, {"Country": "US", "X": 1},
           ("US",), "US", None]  # fmt: skip
REQUIREMENT_VALUES = {
    "QualificationTypeId": ["000000000000000000L0", "", "Größe", "\ud800", 7, None],
    "Comparator": ["EqualTo", "In", "Bigger", "equalto", 1, None],
    "IntegerValues": [[], [95], [0, -(2**31), 2**31 - 1], [2**31], [True], [1.0], ["1"], (1,),
                      [[1]], 95, None],
    "LocaleValues": [[], *([locale] for locale in LOCALES), LOCALES[:2], {"Country": "US"}, None],
    "RequiredToPreview": [True, False, 0, 1, "true", None],
    "ActionsGuarded": ["Accept", "DiscoverPreviewAndAccept", "accept", 3, None],
}  # fmt: skip


def test_the_quick_way_knows_every_field_of_a_requirement():
    assert quick_reader(QualificationRequirement) is not None
    assert set(REQUIREMENT_VALUES) == set(QualificationRequirement.model_fields)


@fuzz_settings(max_examples=400)
@given(
    st.lists(st.sampled_from([*REQUIREMENT_VALUES, "Extra"]), unique=True).flatmap(
        lambda keys: st.fixed_dictionaries(
            {key: st.sampled_from(REQUIREMENT_VALUES.get(key, ["x"])) for key in keys}
        )
    )
)
def test_the_quick_way_never_differs_from_the_model_for_requirements(raw):
    quick = plain_record(QualificationRequirement, raw)
    if quick is not None:  # repr: True and 1 are equal, but not the same value
        assert repr(quick) == repr(model_fields(raw, QualificationRequirement))


@fuzz_settings(max_examples=200)
@given(
    st.fixed_dictionaries(
        {"QualificationTypeId": st.sampled_from(REQUIREMENT_VALUES["QualificationTypeId"][:3]),
         "Comparator": st.sampled_from(REQUIREMENT_VALUES["Comparator"][:2])},
        optional={"IntegerValues": st.sampled_from(REQUIREMENT_VALUES["IntegerValues"][:3]),
                  "LocaleValues": st.sampled_from(
                      [[], [LOCALES[0]], [LOCALES[1]], [LOCALES[3]], LOCALES[:2]]),
                  "RequiredToPreview": st.sampled_from([True, False, None]),
                  "ActionsGuarded": st.sampled_from(["Accept", None])},
    )
)  # fmt: skip
def test_requirements_of_plain_values_take_the_quick_way(raw):
    quick = plain_record(QualificationRequirement, raw)
    assert quick is not None
    assert repr(quick) == repr(model_fields(raw, QualificationRequirement))


def test_a_requirement_s_lists_are_its_own():
    raw = {"QualificationTypeId": "00000000000000000071", "Comparator": "In",
           "IntegerValues": [1, 2], "LocaleValues": [{"Country": "US"}]}  # fmt: skip
    quick = plain_record(QualificationRequirement, raw)
    assert quick is not None
    assert quick["IntegerValues"] is not raw["IntegerValues"]
    assert quick["LocaleValues"][0] is not raw["LocaleValues"][0]


def test_no_assignment_status_of_the_model_is_that_of_work_in_progress():
    """A load reads an assignment by the Assignment model's quick way first, and as work in
    progress only when that refuses it: the model's statuses must leave Accepted out."""
    assert "Accepted" not in load_spec().shape("AssignmentStatus").metadata["enum"]


def test_a_reader_gives_the_fields_in_the_model_s_order_to_what_takes_them_so():
    def made(Country, Subdivision):
        return (Country, Subdivision)

    def swapped(Subdivision, Country):
        return (Country, Subdivision)

    assert plain_reader(Locale, made)({"Subdivision": "CA", "Country": "US"}) == ("US", "CA")
    with pytest.raises(TypeError, match="does not take the fields of Locale, in order"):
        plain_reader(Locale, swapped)
