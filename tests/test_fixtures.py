"""The fixture loader: files, timestamps, saved CLI output, problem reports, derived fields."""

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta

import orjson
import pytest
import yaml
from support import NOW, assignment_record, dataset, hit_record

from mockturk.fixtures import (
    MAX_REPORTED_PROBLEMS,
    FixtureError,
    build_dataset,
    default_fixtures_path,
    fixture_files,
    load_fixture_paths,
)
from mockturk.spec import load_spec

NOW_DT = datetime.fromisoformat(NOW)
# 2026-11-01T10:00:00Z, the CreationTime of support.hit_record, in every accepted spelling.
INSTANT = datetime(2026, 11, 1, 10, tzinfo=UTC)
INSTANT_EPOCH = 1793527200
SOURCE = "test-data"  # the source name support.dataset gives its one document
ID_PATTERN = re.compile(r"^[A-Z0-9]+$")
DEFAULT_AUTO_APPROVAL_DELAY = 2592000


def write_json(path, document):
    path.write_text(json.dumps(document))
    return path


def write_yaml(path, document):
    path.write_text(yaml.safe_dump(document))
    return path


def load_error(hits, assignments=()):
    """The FixtureError message for fixture records that must be refused."""
    with pytest.raises(FixtureError) as caught:
        dataset(hits, assignments)
    return str(caught.value)


def file_error(*paths):
    with pytest.raises(FixtureError) as caught:
        load_fixture_paths(list(paths), NOW_DT)
    return str(caught.value)


def problem_line(message, source, record, field=None):
    """The one report line that names the source, the record and (if given) the field."""
    lines = [
        line
        for line in message.splitlines()
        if line.startswith(f"{source}: ")
        and record in line
        and (field is None or f"field '{field}'" in line)
    ]
    assert len(lines) == 1, f"no single line names {source}, {record}, {field}:\n{message}"
    return lines[0]


def as_document(loaded):
    """A loaded data set written back as a fixture document, every computed field stated."""
    return {
        "HITs": [hit.to_api() for hit in loaded.hits],
        "Assignments": [assignment.to_api() for assignment in loaded.assignments],
    }


# --- Files and directories ----------------------------------------------------------------------


def test_json_and_yaml_files_both_load(tmp_path):
    json_file = write_json(tmp_path / "one.json", {"HITs": [hit_record("3JSON")]})
    yaml_file = write_yaml(tmp_path / "two.yaml", {"HITs": [hit_record("3YAML")]})
    yml_file = write_yaml(tmp_path / "three.yml", {"HITs": [hit_record("3YML")]})

    assert [h.HITId for h in load_fixture_paths([json_file], NOW_DT).hits] == ["3JSON"]
    assert [h.HITId for h in load_fixture_paths([yaml_file], NOW_DT).hits] == ["3YAML"]
    assert [h.HITId for h in load_fixture_paths([str(yml_file)], NOW_DT).hits] == ["3YML"]
    together = load_fixture_paths([json_file, yaml_file, yml_file], NOW_DT)
    assert [h.HITId for h in together.hits] == ["3JSON", "3YAML", "3YML"]


def test_a_directory_gives_its_own_fixture_files_sorted_by_name(tmp_path):
    folder = tmp_path / "fixtures"
    folder.mkdir()
    # Written out of order, so that sorting (not creation or directory order) decides.
    write_yaml(folder / "c.yml", {"HITs": [hit_record("3CCC")]})
    write_json(folder / "a.json", {"HITs": [hit_record("3AAA")]})
    write_yaml(folder / "b.yaml", {"HITs": [hit_record("3BBB")]})
    (folder / "notes.txt").write_text("not a fixture")
    (folder / "README.md").write_text("# not a fixture")
    nested = folder / "nested"
    nested.mkdir()
    write_json(nested / "d.json", {"HITs": [hit_record("3DDD")]})
    (folder / "looks-like.json").mkdir()  # a directory with a fixture suffix is not a file

    files = fixture_files([folder])
    assert files == [folder / "a.json", folder / "b.yaml", folder / "c.yml"]
    loaded = load_fixture_paths([folder], NOW_DT)
    assert [h.HITId for h in loaded.hits] == ["3AAA", "3BBB", "3CCC"]


def test_files_of_a_directory_are_read_in_name_order(tmp_path):
    # The same HIT in two files: the later file (by name) is the duplicate.
    write_yaml(tmp_path / "b.yaml", {"HITs": [hit_record("3DUP")]})
    write_json(tmp_path / "a.json", {"HITs": [hit_record("3DUP")]})

    message = file_error(tmp_path)
    line = problem_line(message, str(tmp_path / "b.yaml"), "HITs[0] (HITId 3DUP)", "HITId")
    assert str(tmp_path / "a.json") in line


def test_records_split_across_files_load_together(tmp_path):
    hits = write_json(tmp_path / "hits.json", {"HITs": [hit_record("3HIT", MaxAssignments=3)]})
    assignments = write_yaml(
        tmp_path / "assignments.yaml",
        {
            "Assignments": [
                assignment_record("3ASG1", "3HIT", "A1WORKER"),
                assignment_record(
                    "3ASG2",
                    "3HIT",
                    "A2WORKER",
                    AssignmentStatus="Approved",
                    ApprovalTime="2026-11-03T10:00:00Z",
                ),
            ]
        },
    )

    loaded = load_fixture_paths([hits, assignments], NOW_DT)
    (hit,) = loaded.hits
    assert {a.AssignmentId for a in loaded.assignments} == {"3ASG1", "3ASG2"}
    assert {a.HITId for a in loaded.assignments} == {"3HIT"}
    # The counters of the HIT in one file count the assignments of the other.
    assert hit.NumberOfAssignmentsCompleted == 1
    assert hit.NumberOfAssignmentsAvailable == 1


def test_an_unknown_suffix_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "hits.txt"
    path.write_text(json.dumps({"HITs": [hit_record("3ABC")]}))
    message = file_error(path)
    assert str(path) in message
    assert "not a fixture file" in message


def test_a_missing_path_is_refused_naming_it(tmp_path):
    path = tmp_path / "nowhere" / "hits.json"
    message = file_error(path)
    assert str(path) in message
    assert "no such file or directory" in message


@pytest.mark.parametrize("content", [[], ["notes.txt", "nested/"]], ids=["empty", "no-fixtures"])
def test_a_directory_without_fixture_files_is_refused_naming_it(tmp_path, content):
    folder = tmp_path / "fixtures"
    folder.mkdir()
    for name in content:
        if name.endswith("/"):
            (folder / name).mkdir()
            write_json(folder / name / "hits.json", {"HITs": [hit_record("3ABC")]})
        else:
            (folder / name).write_text("x")
    message = file_error(folder)
    assert str(folder) in message
    assert "holds no .json, .yaml or .yml files" in message


# --- Timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-01T10:00:00Z",
        "2026-11-01T10:00:00+00:00",
        "2026-11-01T12:00:00+02:00",
        "2026-11-01T05:00:00-05:00",
        "2026-11-01T10:00:00.000Z",
        INSTANT_EPOCH,
        float(INSTANT_EPOCH),
    ],
)
def test_timestamps_with_an_offset_or_in_epoch_seconds_give_the_same_instant(value):
    (hit,) = dataset([hit_record("3ABC", CreationTime=value)]).hits
    assert hit.CreationTime.tzinfo is not None
    assert hit.CreationTime == INSTANT


def test_fractional_epoch_seconds_keep_their_fraction():
    (hit,) = dataset([hit_record("3ABC", CreationTime=INSTANT_EPOCH + 0.25)]).hits
    assert hit.CreationTime == INSTANT + timedelta(milliseconds=250)


@pytest.mark.parametrize("value", ["2026-11-01T12:00:00+02:00", "2026-11-01T05:00:00-05:00"])
def test_timestamps_with_an_offset_are_normalised_to_utc(value):
    (hit,) = dataset([hit_record("3ABC", CreationTime=value)]).hits
    assert hit.CreationTime.utcoffset() == timedelta(0)


YAML_HIT = """\
HITs:
  - HITId: 3ABC
    CreationTime: {creation}
    Expiration: {expiration}
    Title: Unquoted timestamps
    Description: PyYAML turns unquoted timestamps into datetimes.
    Question: <HTMLQuestion/>
    Reward: "0.50"
    AssignmentDurationInSeconds: 600
"""


def test_unquoted_yaml_timestamps_with_an_offset_load(tmp_path):
    path = tmp_path / "hits.yaml"
    path.write_text(
        YAML_HIT.format(creation="2026-11-01T12:00:00+02:00", expiration="2026-11-08 10:00:00Z")
    )
    raw = yaml.safe_load(path.read_text())["HITs"][0]
    # The case under test: PyYAML hands the loader datetimes, not strings.
    assert isinstance(raw["CreationTime"], datetime)
    assert isinstance(raw["Expiration"], datetime)

    (hit,) = load_fixture_paths([path], NOW_DT).hits
    assert hit.CreationTime == INSTANT
    assert hit.Expiration == datetime(2026, 11, 8, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("2026-11-01T10:00:00", "needs a UTC offset"),
        ("2026-11-01", "needs a UTC offset"),
        ("next tuesday", "not an ISO 8601 timestamp"),
        (True, "ISO 8601 string with offset or epoch seconds"),
        (False, "ISO 8601 string with offset or epoch seconds"),
        (None, "CreationTime"),
    ],
)
def test_unusable_timestamps_are_refused_naming_the_field(value, complaint):
    message = load_error([hit_record("3ABC", CreationTime=value)])
    line = problem_line(message, SOURCE, "HITs[0] (HITId 3ABC)", "CreationTime")
    assert complaint in line


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("2026-11-01 10:00:00", "needs a UTC offset"),  # PyYAML: a naive datetime
        ("2026-11-01", "a date needs a time and a UTC offset"),  # PyYAML: a date
    ],
)
def test_unquoted_yaml_timestamps_without_an_offset_are_refused(tmp_path, text, complaint):
    path = tmp_path / "hits.yaml"
    path.write_text(YAML_HIT.format(creation=text, expiration="2026-11-08T10:00:00Z"))
    raw = yaml.safe_load(path.read_text())["HITs"][0]
    assert not isinstance(raw["CreationTime"], str)  # PyYAML made a date or naive datetime

    message = file_error(path)
    line = problem_line(message, str(path), "HITs[0] (HITId 3ABC)", "CreationTime")
    assert complaint in line


def test_an_assignment_timestamp_problem_names_the_assignment_and_field():
    message = load_error(
        [hit_record("3ABC")],
        [assignment_record("3ASG", "3ABC", "A1WORKER", SubmitTime="2026-11-02T10:05:00")],
    )
    line = problem_line(message, SOURCE, "Assignments[0] (AssignmentId 3ASG)", "SubmitTime")
    assert "needs a UTC offset" in line


@pytest.mark.parametrize("value", [INSTANT_EPOCH * 1000, 1.0e20], ids=["epoch-millis", "huge"])
def test_out_of_range_epoch_seconds_are_refused_naming_the_field(value):
    message = load_error([hit_record("3ABC", CreationTime=value)])
    problem_line(message, SOURCE, "HITs[0] (HITId 3ABC)", "CreationTime")


# --- Saved AWS CLI output -------------------------------------------------------------------------

LIST_HITS_OUTPUT = {
    "HITs": [
        {
            "HITId": "3SAVEDHITONE0000000000000000AA",
            "HITTypeId": "3SAVEDTYPE00000000000000000AAA",
            "HITGroupId": "3SAVEDGROUP0000000000000000AAA",
            "HITLayoutId": "3SAVEDLAYOUT000000000000000AAA",
            "CreationTime": "2026-11-01T10:00:00+00:00",
            "Title": "Transcribe a receipt",
            "Description": "Type the total shown on a receipt.",
            "Question": "<HTMLQuestion/>",
            "Keywords": "receipt, transcription",
            "HITStatus": "Assignable",
            "MaxAssignments": 3,
            "Reward": "0.25",
            "AutoApprovalDelayInSeconds": 86400,
            "Expiration": "2026-12-01T10:00:00+00:00",
            "AssignmentDurationInSeconds": 900,
            "RequesterAnnotation": "batch-7",
            "QualificationRequirements": [
                {
                    "QualificationTypeId": "000000000000000000L0",
                    "Comparator": "GreaterThanOrEqualTo",
                    "IntegerValues": [95],
                    "RequiredToPreview": False,
                    "ActionsGuarded": "Accept",
                }
            ],
            "HITReviewStatus": "NotReviewed",
            "NumberOfAssignmentsPending": 0,
            "NumberOfAssignmentsAvailable": 3,
            "NumberOfAssignmentsCompleted": 0,
        },
        {
            "HITId": "3SAVEDHITTWO0000000000000000BB",
            "HITTypeId": "3SAVEDTYPE00000000000000000BBB",
            "HITGroupId": "3SAVEDGROUP0000000000000000BBB",
            "CreationTime": "2026-11-02T08:30:00+00:00",
            "Title": "Is this sentence positive?",
            "Description": "Read one sentence and pick its tone.",
            "Question": "<HTMLQuestion/>",
            "HITStatus": "Unassignable",
            "MaxAssignments": 2,
            "Reward": "0.05",
            "AutoApprovalDelayInSeconds": 2592000,
            "Expiration": "2026-12-02T08:30:00+00:00",
            "AssignmentDurationInSeconds": 300,
            "QualificationRequirements": [
                {
                    "QualificationTypeId": "00000000000000000071",
                    "Comparator": "In",
                    "LocaleValues": [{"Country": "US"}, {"Country": "CA", "Subdivision": "ON"}],
                    "RequiredToPreview": True,
                    "ActionsGuarded": "PreviewAndAccept",
                }
            ],
            "HITReviewStatus": "MarkedForReview",
            "NumberOfAssignmentsPending": 2,
            "NumberOfAssignmentsAvailable": 0,
            "NumberOfAssignmentsCompleted": 0,
        },
        {
            # Its two reviewed assignments were not saved: the counters still describe them.
            "HITId": "3SAVEDHITTHREE0000000000000000",
            "HITTypeId": "3SAVEDTYPE00000000000000000AAA",
            "HITGroupId": "3SAVEDGROUP0000000000000000AAA",
            "CreationTime": "2026-10-20T10:00:00+00:00",
            "Title": "Transcribe a receipt",
            "Description": "Type the total shown on a receipt.",
            "Question": "<HTMLQuestion/>",
            "HITStatus": "Reviewable",
            "MaxAssignments": 2,
            "Reward": "0.25",
            "AutoApprovalDelayInSeconds": 86400,
            "Expiration": "2026-10-27T10:00:00+00:00",
            "AssignmentDurationInSeconds": 900,
            "QualificationRequirements": [],
            "HITReviewStatus": "NotReviewed",
            "NumberOfAssignmentsPending": 0,
            "NumberOfAssignmentsAvailable": 0,
            "NumberOfAssignmentsCompleted": 2,
        },
    ],
    "NumResults": 3,
    "NextToken": "p1:Xq0bW1tOiPmV2k3y9A8cQ==",
}

# `aws mturk get-assignment` as AWS CLI v1 prints it: timestamps as epoch seconds.
GET_ASSIGNMENT_OUTPUT = {
    "Assignment": {
        "AssignmentId": "3SAVEDASSIGNMENT00000000000CCC",
        "WorkerId": "A2SAVEDWORKER7",
        "HITId": "3SAVEDHITTHREE00000000000000CC",
        "AssignmentStatus": "Approved",
        "AutoApprovalTime": 1793532000.0 + 3600,
        "AcceptTime": 1793531700.0,
        "SubmitTime": 1793532000.0,
        "ApprovalTime": 1793532600.5,
        "Deadline": 1793532300.0,
        "Answer": "<QuestionFormAnswers/>",
        "RequesterFeedback": "Thanks!",
    },
    "HIT": {
        "HITId": "3SAVEDHITTHREE00000000000000CC",
        "HITTypeId": "3SAVEDTYPE00000000000000000CCC",
        "HITGroupId": "3SAVEDGROUP0000000000000000CCC",
        "CreationTime": 1793527200.0,
        "Title": "Name the animal",
        "Description": "Look at a photo and name the animal.",
        "Question": "<HTMLQuestion/>",
        "Keywords": "image, animal",
        "HITStatus": "Reviewable",
        "MaxAssignments": 1,
        "Reward": "0.10",
        "AutoApprovalDelayInSeconds": 3600,
        "Expiration": 1793613600.0,
        "AssignmentDurationInSeconds": 600,
        "QualificationRequirements": [],
        "HITReviewStatus": "NotReviewed",
        "NumberOfAssignmentsPending": 0,
        "NumberOfAssignmentsAvailable": 0,
        "NumberOfAssignmentsCompleted": 1,
    },
    "ResponseMetadata": {
        "RequestId": "5c1f8e5e-0f4a-4d5b-9a53-2c0e6c5e1a11",
        "HTTPStatusCode": 200,
    },
}

TIMESTAMP_FIELDS = {
    "CreationTime",
    "Expiration",
    "AutoApprovalTime",
    "AcceptTime",
    "SubmitTime",
    "ApprovalTime",
    "RejectionTime",
    "Deadline",
}


def as_loaded(record):
    """A saved record as the loader should keep it: every field, timestamps as instants."""
    out = {}
    for key, value in record.items():
        if key in TIMESTAMP_FIELDS:
            value = (
                datetime.fromisoformat(value)
                if isinstance(value, str)
                else datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=value)
            )
        out[key] = value
    return out


def test_saved_list_hits_output_loads_unchanged(tmp_path):
    path = write_json(tmp_path / "list-hits.json", LIST_HITS_OUTPUT)
    loaded = load_fixture_paths([path], NOW_DT)
    assert loaded.assignments == []
    assert [hit.to_api() for hit in loaded.hits] == [as_loaded(h) for h in LIST_HITS_OUTPUT["HITs"]]


def test_saved_get_assignment_output_loads_unchanged(tmp_path):
    path = write_json(tmp_path / "get-assignment.json", GET_ASSIGNMENT_OUTPUT)
    loaded = load_fixture_paths([path], NOW_DT)
    (hit,) = loaded.hits
    (assignment,) = loaded.assignments
    assert hit.to_api() == as_loaded(GET_ASSIGNMENT_OUTPUT["HIT"])
    assert assignment.to_api() == as_loaded(GET_ASSIGNMENT_OUTPUT["Assignment"])


def test_saved_get_hit_output_and_its_assignments_load_together(tmp_path):
    hit_file = write_json(tmp_path / "get-hit.json", {"HIT": GET_ASSIGNMENT_OUTPUT["HIT"]})
    assignment_file = write_yaml(
        tmp_path / "assignment.yaml", {"Assignment": GET_ASSIGNMENT_OUTPUT["Assignment"]}
    )
    loaded = load_fixture_paths([hit_file, assignment_file], NOW_DT)
    assert [h.HITId for h in loaded.hits] == [GET_ASSIGNMENT_OUTPUT["HIT"]["HITId"]]
    assert [a.AssignmentId for a in loaded.assignments] == [
        GET_ASSIGNMENT_OUTPUT["Assignment"]["AssignmentId"]
    ]


# --- Problem reports ----------------------------------------------------------------------------

QUALIFICATION = {"QualificationTypeId": "000000000000000000L0", "Comparator": "Exists"}


@pytest.mark.parametrize(
    ("hits", "assignments", "record", "field", "detail"),
    [
        pytest.param(
            [hit_record("3GOOD"), hit_record("3ABC", Colour="red")],
            [],
            "HITs[1] (HITId 3ABC)",
            "Colour",
            "not a field of this record",
            id="unknown-field",
        ),
        pytest.param(
            [hit_record("3GOOD"), hit_record("3ABC", MaxAssignments="3")],
            [],
            "HITs[1] (HITId 3ABC)",
            "MaxAssignments",
            "'3'",
            id="string-for-integer",
        ),
        pytest.param(
            [hit_record("3ABC", MaxAssignments=True)],
            [],
            "HITs[0] (HITId 3ABC)",
            "MaxAssignments",
            "True",
            id="bool-for-integer",
        ),
        pytest.param(
            [hit_record("3ABC", Reward=0.5)],
            [],
            "HITs[0] (HITId 3ABC)",
            "Reward",
            "0.5",
            id="number-for-string",
        ),
        pytest.param(
            [hit_record("3ABC", MaxAssignments=0)],
            [],
            "HITs[0] (HITId 3ABC)",
            "MaxAssignments",
            "greater than or equal to 1",
            id="no-assignments",
        ),
        pytest.param(
            [hit_record("3ABC", HITStatus="Open")],
            [],
            "HITs[0] (HITId 3ABC)",
            "HITStatus",
            "'Open'",
            id="bad-hit-status",
        ),
        pytest.param(
            [hit_record("3ABC", HITReviewStatus="Fine")],
            [],
            "HITs[0] (HITId 3ABC)",
            "HITReviewStatus",
            "'Fine'",
            id="bad-review-status",
        ),
        pytest.param(
            [hit_record("3ABC")],
            [assignment_record("3ASG", "3ABC", "A1WORKER", AssignmentStatus="Returned")],
            "Assignments[0] (AssignmentId 3ASG)",
            "AssignmentStatus",
            "'Returned'",
            id="bad-assignment-status",
        ),
        pytest.param(
            [hit_record("3ABC", QualificationRequirements=[{**QUALIFICATION, "Comparator": "Is"}])],
            [],
            "HITs[0] (HITId 3ABC)",
            "QualificationRequirements[0].Comparator",
            "'Is'",
            id="bad-comparator",
        ),
        pytest.param(
            [
                hit_record(
                    "3ABC",
                    QualificationRequirements=[
                        QUALIFICATION,
                        {**QUALIFICATION, "ActionsGuarded": "Everything"},
                    ],
                )
            ],
            [],
            "HITs[0] (HITId 3ABC)",
            "QualificationRequirements[1].ActionsGuarded",
            "'Everything'",
            id="bad-actions-guarded",
        ),
        pytest.param(
            [hit_record("3ABC", Reward="1.234")],
            [],
            "HITs[0] (HITId 3ABC)",
            "Reward",
            "'1.234'",
            id="reward-pattern",
        ),
        pytest.param(
            [hit_record("3abc")],
            [],
            "HITs[0] (HITId 3abc)",
            "HITId",
            "regular expression pattern",
            id="lowercase-hit-id",
        ),
        pytest.param(
            [hit_record("3ABC")],
            [assignment_record("3ASG", "3ABC", "B1WORKER")],
            "Assignments[0] (AssignmentId 3ASG)",
            "WorkerId",
            "'B1WORKER'",
            id="worker-id-pattern",
        ),
        pytest.param(
            [{k: v for k, v in hit_record("3ABC").items() if k != "Title"}],
            [],
            "HITs[0] (HITId 3ABC)",
            "Title",
            "required",
            id="missing-field",
        ),
        pytest.param(
            [hit_record("3ABC")],
            [assignment_record("3ASG", "3NOSUCHHIT", "A1WORKER")],
            "Assignments[0] (AssignmentId 3ASG)",
            "HITId",
            "no HIT 3NOSUCHHIT",
            id="assignment-of-unknown-hit",
        ),
    ],
)
def test_a_bad_record_is_refused_naming_record_and_field(hits, assignments, record, field, detail):
    message = load_error(hits, assignments)
    assert message.startswith("1 problem in the fixtures:")
    assert detail in problem_line(message, SOURCE, record, field)


def test_a_record_that_is_not_a_mapping_is_refused_naming_it():
    message = load_error([hit_record("3GOOD"), "3ABC"])
    assert "must be a mapping" in problem_line(message, SOURCE, "HITs[1]")


def test_a_duplicate_hit_id_is_refused_naming_both_places(tmp_path):
    first = write_json(tmp_path / "first.json", {"HITs": [hit_record("3DUP")]})
    second = write_yaml(
        tmp_path / "second.yaml", {"HITs": [hit_record("3OTHER"), hit_record("3DUP")]}
    )
    message = file_error(first, second)
    line = problem_line(message, str(second), "HITs[1] (HITId 3DUP)", "HITId")
    assert "duplicate" in line
    assert f"{first}: HITs[0] (HITId 3DUP)" in line


def test_a_duplicate_assignment_id_is_refused_naming_both_places():
    message = load_error(
        [hit_record("3ABC")],
        [
            assignment_record("3ASG", "3ABC", "A1WORKER"),
            assignment_record("3ASG", "3ABC", "A2WORKER"),
        ],
    )
    line = problem_line(message, SOURCE, "Assignments[1] (AssignmentId 3ASG)", "AssignmentId")
    assert "duplicate" in line
    assert "Assignments[0]" in line


def test_assignment_problems_name_their_places_across_documents_and_sections():
    """Each problem names its record's document, section and position, and a repeated ID or
    worker the place it was first given, whatever came before it."""
    first = assignment_record("3A1", "3ABC", "A1WORKER")
    in_progress = assignment_record("3A4", "3ABC", "A4WORKER", AssignmentStatus="Accepted")
    del in_progress["SubmitTime"]
    documents = [
        ("a.json", {"HITs": [hit_record("3ABC")], "Assignments": []}),
        ("b.yaml", {"Assignment": first}),
        (
            "c.json",
            {
                "Assignments": [
                    "3A0",
                    assignment_record("3A1", "3ABC", "A2WORKER"),
                    assignment_record("3A3", "3ABC", "A1WORKER"),
                    {**in_progress, "AcceptTime": "2026-11-01T09:00:00Z"},
                    {**in_progress, "AssignmentId": "3A8", "Deadline": 1},
                    assignment_record("3A5", "3ABC", "A5WORKER", AcceptTime=INSTANT_EPOCH - 60),
                    assignment_record("3A6", "3ABC", "A6WORKER", Extra=1),
                ],
                "Assignment": assignment_record("3A3", "3ABC", "A7WORKER"),
            },
        ),
    ]  # fmt: skip
    with pytest.raises(FixtureError) as caught:
        build_dataset(documents, NOW_DT)
    created = "2026-11-01 10:00:00+00:00"
    assert caught.value.problems == [
        "c.json: Assignments[0]: a record must be a mapping of field names to values",
        "c.json: Assignments[1] (AssignmentId 3A1), field 'AssignmentId': duplicate ID, first"
        " given at b.yaml: Assignment (AssignmentId 3A1)",
        "c.json: Assignments[2] (AssignmentId 3A3), field 'WorkerId': this worker already holds"
        " an assignment of the HIT, at b.yaml: Assignment (AssignmentId 3A1)",
        f"c.json: Assignments[3] (AssignmentId 3A4), field 'AcceptTime': is earlier than the"
        f" HIT's CreationTime ({created})",
        "c.json: Assignments[4] (AssignmentId 3A8), field 'WorkerId': this worker already holds"
        " an assignment of the HIT, at c.json: Assignments[3] (AssignmentId 3A4)",
        "c.json: Assignments[4] (AssignmentId 3A8), field 'Deadline': is earlier than AcceptTime",
        f"c.json: Assignments[5] (AssignmentId 3A5), field 'AcceptTime': is earlier than the"
        f" HIT's CreationTime ({created})",
        "c.json: Assignments[6] (AssignmentId 3A6), field 'Extra': not a field of this record"
        " (field names are the API's, e.g. HITId, CreationTime)",
        "c.json: Assignment (AssignmentId 3A3), field 'AssignmentId': duplicate ID, first given"
        " at c.json: Assignments[2] (AssignmentId 3A3)",
    ]


@pytest.mark.parametrize(
    ("name", "text", "complaint"),
    [
        ("unknown-key.json", json.dumps({"HITs": [], "Requesters": []}), "'Requesters'"),
        ("list.json", json.dumps([hit_record("3ABC")]), "expected a mapping"),
        ("scalar.yaml", "just some text\n", "expected a mapping"),
        ("hits-not-list.yaml", "HITs:\n  HITId: 3ABC\n", "HITs must be a list"),
        ("empty.yaml", "", "the file is empty"),
        ("comments-only.yml", "# nothing here yet\n", "the file is empty"),
        ("empty.json", "", "the file is empty"),
        ("broken.json", '{"HITs": [', "not valid JSON"),
        ("trailing-comma.json", '{"HITs": [],}', "not valid JSON"),
        ("broken.yaml", "HITs: [\n  {HITId: 3ABC\n", "not valid YAML"),
        ("two-documents.yaml", "HITs: []\n---\nHITs: []\n", "not valid YAML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file(tmp_path, name, text, complaint):
    path = tmp_path / name
    path.write_text(text)
    message = file_error(path)
    (line,) = [line for line in message.splitlines() if line.startswith(f"{path}: ")]
    assert complaint in line


def test_several_problems_are_reported_together(tmp_path):
    hits = write_json(
        tmp_path / "hits.json",
        {"HITs": [hit_record("3ONE", Colour="red"), hit_record("3TWO", Reward="1.234")]},
    )
    assignments = write_json(
        tmp_path / "assignments.json",
        {"Assignments": [assignment_record("3ASG", "3ONE", "B1WORKER")]},
    )
    message = file_error(hits, assignments)
    assert message.startswith("3 problems in the fixtures:")
    problem_line(message, str(hits), "HITs[0] (HITId 3ONE)", "Colour")
    problem_line(message, str(hits), "HITs[1] (HITId 3TWO)", "Reward")
    problem_line(message, str(assignments), "Assignments[0] (AssignmentId 3ASG)", "WorkerId")


def test_consistency_problems_are_reported_together():
    message = load_error(
        [
            hit_record("3ONE", NumberOfAssignmentsAvailable=11),
            hit_record("3TWO", Expiration="2026-10-01T10:00:00Z"),
        ]
    )
    assert message.startswith("2 problems in the fixtures:")
    problem_line(message, SOURCE, "HITs[0] (HITId 3ONE)", "NumberOfAssignmentsAvailable")
    problem_line(message, SOURCE, "HITs[1] (HITId 3TWO)", "Expiration")


def test_shape_and_consistency_problems_are_reported_together():
    message = load_error(
        [
            hit_record("3ONE", Reward="1.234"),
            hit_record("3TWO", Expiration="2026-10-01T10:00:00Z"),
        ]
    )
    problem_line(message, SOURCE, "HITs[0] (HITId 3ONE)", "Reward")
    problem_line(message, SOURCE, "HITs[1] (HITId 3TWO)", "Expiration")


def test_the_problem_list_is_capped():
    extra = 7
    total = MAX_REPORTED_PROBLEMS + extra
    message = load_error([hit_record(f"3H{i}", Colour="red") for i in range(total)])
    lines = message.splitlines()
    assert lines[0] == f"{total} problems in the fixtures:"
    assert len(lines) == 1 + MAX_REPORTED_PROBLEMS + 1
    assert all("field 'Colour'" in line for line in lines[1:-1])
    assert lines[1].startswith(f"{SOURCE}: HITs[0] (HITId 3H0)")
    assert lines[-1] == f"... and {extra} more problem(s)."


# --- Derived fields -----------------------------------------------------------------------------


def minimal_hit(hit_id, **fields):
    """A HIT with only the fields a fixture must give."""
    record = {
        key: value
        for key, value in hit_record(hit_id).items()
        if key not in ("HITStatus", "MaxAssignments")
    }
    record.update(fields)
    return record


def test_omitted_fields_get_their_defaults():
    (hit,) = dataset([minimal_hit("3ABC")]).hits
    assert hit.MaxAssignments == 1
    assert hit.AutoApprovalDelayInSeconds == DEFAULT_AUTO_APPROVAL_DELAY
    assert hit.HITReviewStatus == "NotReviewed"
    assert list(hit.QualificationRequirements) == []
    assert (
        hit.NumberOfAssignmentsAvailable,
        hit.NumberOfAssignmentsPending,
        hit.NumberOfAssignmentsCompleted,
    ) == (1, 0, 0)


MIXED_ASSIGNMENTS = [
    assignment_record(
        "3ASG1", "3ABC", "A1WORKER", AssignmentStatus="Approved", ApprovalTime="2026-11-03T00:00Z"
    ),
    assignment_record(
        "3ASG2", "3ABC", "A2WORKER", AssignmentStatus="Approved", ApprovalTime="2026-11-03T00:00Z"
    ),
    assignment_record(
        "3ASG3", "3ABC", "A3WORKER", AssignmentStatus="Rejected", RejectionTime="2026-11-03T00:00Z"
    ),
    assignment_record("3ASG4", "3ABC", "A4WORKER"),
]


@pytest.mark.parametrize(
    ("status", "available", "pending"),
    [("Assignable", 2, 0), ("Reviewable", 2, 0), ("Reviewing", 2, 0), ("Unassignable", 0, 2)],
)
def test_counters_are_computed_from_the_assignments(status, available, pending):
    # MaxAssignments 6: 2 Approved + 1 Rejected = 3 completed, 1 submitted, 2 open slots.
    (hit,) = dataset(
        [hit_record("3ABC", HITStatus=status, MaxAssignments=6)], MIXED_ASSIGNMENTS
    ).hits
    assert hit.NumberOfAssignmentsCompleted == 3
    assert hit.NumberOfAssignmentsAvailable == available
    assert hit.NumberOfAssignmentsPending == pending


@pytest.mark.parametrize("delay", [None, 0, 3600])
def test_auto_approval_time_is_submit_time_plus_the_hits_delay(delay):
    hit = (
        hit_record("3ABC")
        if delay is None
        else hit_record("3ABC", AutoApprovalDelayInSeconds=delay)
    )
    loaded = dataset([hit], [assignment_record("3ASG", "3ABC", "A1WORKER")])
    (assignment,) = loaded.assignments
    expected_delay = DEFAULT_AUTO_APPROVAL_DELAY if delay is None else delay
    submitted = datetime(2026, 11, 2, 10, 5, tzinfo=UTC)
    assert assignment.SubmitTime == submitted
    assert assignment.AutoApprovalTime == submitted + timedelta(seconds=expected_delay)


@pytest.mark.parametrize(
    ("given", "actions_guarded", "required_to_preview"),
    [
        ({}, "Accept", False),
        ({"RequiredToPreview": False}, "Accept", False),
        ({"RequiredToPreview": True}, "PreviewAndAccept", True),
        ({"ActionsGuarded": "Accept"}, "Accept", False),
        ({"ActionsGuarded": "PreviewAndAccept"}, "PreviewAndAccept", True),
        ({"ActionsGuarded": "DiscoverPreviewAndAccept"}, "DiscoverPreviewAndAccept", True),
    ],
)
def test_qualification_requirement_access_fields_are_completed(
    given, actions_guarded, required_to_preview
):
    requirement = {**QUALIFICATION, **given}
    (hit,) = dataset([hit_record("3ABC", QualificationRequirements=[requirement])]).hits
    (completed,) = hit.QualificationRequirements
    assert completed.ActionsGuarded == actions_guarded
    assert completed.RequiredToPreview is required_to_preview
    assert completed.QualificationTypeId == QUALIFICATION["QualificationTypeId"]
    assert completed.Comparator == "Exists"


def test_hit_type_and_group_ids_are_derived_deterministically():
    type_fields = {
        "Title": "Label images",
        "Keywords": "image, label",
        "QualificationRequirements": [QUALIFICATION],
    }
    first = dataset([hit_record("3ONE", **type_fields)]).hits[0]
    # Same type properties, different HIT: ID, times, size and status are not type properties.
    same = dataset(
        [
            hit_record(
                "3TWO",
                CreationTime="2026-11-05T00:00:00Z",
                Expiration="2026-11-09T00:00:00Z",
                MaxAssignments=3,
                HITStatus="Reviewing",
                **type_fields,
            )
        ]
    ).hits[0]
    retitled = dataset([hit_record("3ONE", **{**type_fields, "Title": "Other"})]).hits[0]
    repriced = dataset([hit_record("3ONE", Reward="0.75", **type_fields)]).hits[0]

    for hit in (first, retitled):
        for derived in (hit.HITTypeId, hit.HITGroupId):
            assert len(derived) == 30
            assert ID_PATTERN.match(derived)
        assert hit.HITGroupId != hit.HITTypeId
    assert (same.HITTypeId, same.HITGroupId) == (first.HITTypeId, first.HITGroupId)
    assert retitled.HITTypeId != first.HITTypeId
    assert retitled.HITGroupId != first.HITGroupId
    assert repriced.HITTypeId != first.HITTypeId


def test_stated_hit_type_and_group_ids_are_kept():
    (hit,) = dataset([hit_record("3ABC", HITTypeId="3MYTYPE", HITGroupId="3MYGROUP")]).hits
    assert (hit.HITTypeId, hit.HITGroupId) == ("3MYTYPE", "3MYGROUP")


def test_stating_requirement_defaults_does_not_change_the_hit_type():
    implicit = dataset([hit_record("3ABC", QualificationRequirements=[QUALIFICATION])]).hits[0]
    explicit_requirement = {**QUALIFICATION, "RequiredToPreview": False, "ActionsGuarded": "Accept"}
    explicit = dataset([hit_record("3ABC", QualificationRequirements=[explicit_requirement])]).hits[
        0
    ]
    assert implicit.QualificationRequirements == explicit.QualificationRequirements
    assert implicit.HITTypeId == explicit.HITTypeId


FUTURE = "2026-12-01T10:00:00Z"  # after NOW
PAST = "2026-11-10T10:00:00Z"  # before NOW


@pytest.mark.parametrize(
    ("fields", "assignments", "status"),
    [
        pytest.param({"Expiration": FUTURE, "MaxAssignments": 3}, [], "Assignable", id="open"),
        pytest.param({"Expiration": PAST, "MaxAssignments": 3}, [], "Reviewable", id="expired"),
        pytest.param(
            {"Expiration": FUTURE},
            [assignment_record("3ASG", "3ABC", "A1WORKER")],
            "Reviewable",
            id="all-submitted",
        ),
        pytest.param(
            {
                "Expiration": FUTURE,
                "MaxAssignments": 2,
                "NumberOfAssignmentsPending": 2,
                "NumberOfAssignmentsAvailable": 0,
            },
            [],
            "Unassignable",
            id="all-pending",
        ),
    ],
)
def test_hit_status_is_derived_when_omitted(fields, assignments, status):
    (hit,) = dataset([minimal_hit("3ABC", **fields)], assignments).hits
    assert hit.HITStatus == status


def test_a_derived_status_is_one_the_loader_accepts():
    # Expired, 1 submitted, 1 pending, 1 still available: HITStatus left out.
    hit = minimal_hit(
        "3ABC",
        Expiration=PAST,
        MaxAssignments=3,
        NumberOfAssignmentsPending=1,
        NumberOfAssignmentsAvailable=1,
    )
    loaded = dataset([hit], [assignment_record("3ASG", "3ABC", "A1WORKER")])
    assert build_dataset([("stated", as_document(loaded))], NOW_DT) == loaded


def test_the_derived_status_depends_on_the_time_given():
    document = {"HITs": [minimal_hit("3ABC", Expiration=FUTURE, MaxAssignments=2)]}
    before = build_dataset([("doc", document)], datetime(2026, 11, 30, tzinfo=UTC))
    after = build_dataset([("doc", document)], datetime(2026, 12, 2, tzinfo=UTC))
    assert before.hits[0].HITStatus == "Assignable"
    assert after.hits[0].HITStatus == "Reviewable"


def test_computed_fields_stated_consistently_are_accepted():
    hits = [
        hit_record("3ABC", HITStatus="Unassignable", MaxAssignments=6),
        minimal_hit(
            "3DEF", Expiration=FUTURE, MaxAssignments=4, QualificationRequirements=[QUALIFICATION]
        ),
    ]
    assignments = [*MIXED_ASSIGNMENTS, assignment_record("3ASG5", "3DEF", "A1WORKER")]
    loaded = dataset(hits, assignments)
    stated = as_document(loaded)
    # The document states every computed field (counters, AutoApprovalTime, HITTypeId...).
    assert {"HITTypeId", "HITGroupId", "NumberOfAssignmentsCompleted"} <= stated["HITs"][1].keys()
    assert "AutoApprovalTime" in stated["Assignments"][0]

    reloaded = build_dataset([("stated", stated)], NOW_DT)
    assert reloaded == loaded


def test_computed_fields_stated_consistently_in_json_are_accepted(tmp_path):
    loaded = dataset(
        [hit_record("3ABC", HITStatus="Unassignable", MaxAssignments=6)], MIXED_ASSIGNMENTS
    )
    path = tmp_path / "stated.json"
    path.write_bytes(orjson.dumps(as_document(loaded)))  # timestamps as RFC 3339 strings
    assert load_fixture_paths([path], NOW_DT) == loaded


@pytest.mark.parametrize(
    ("hit_fields", "assignment_fields", "record", "field"),
    [
        pytest.param(
            {"NumberOfAssignmentsCompleted": 2},
            {},
            "HITs[0] (HITId 3ABC)",
            "NumberOfAssignmentsCompleted",
            id="completed-fewer-than-reviewed",
        ),
        pytest.param(
            {},
            {3: {"AutoApprovalTime": "2026-11-02T10:05:00Z"}},
            "Assignments[3] (AssignmentId 3ASG4)",
            "AutoApprovalTime",
            id="auto-approval-time-wrong",
        ),
        pytest.param(
            {"NumberOfAssignmentsAvailable": 3},
            {},
            "HITs[0] (HITId 3ABC)",
            "NumberOfAssignmentsAvailable",
            id="available-exceeds-max",
        ),
        pytest.param(
            {"NumberOfAssignmentsAvailable": 0, "NumberOfAssignmentsPending": 3},
            {},
            "HITs[0] (HITId 3ABC)",
            "NumberOfAssignmentsAvailable",
            id="pending-exceeds-max",
        ),
        pytest.param(
            {"NumberOfAssignmentsCompleted": 4, "NumberOfAssignmentsAvailable": 2},
            {},
            "HITs[0] (HITId 3ABC)",
            "NumberOfAssignmentsAvailable",
            id="completed-and-available-exceed-max",
        ),
        pytest.param(
            {"HITStatus": "Assignable", "MaxAssignments": 4, "NumberOfAssignmentsAvailable": 0},
            {},
            "HITs[0] (HITId 3ABC)",
            "HITStatus",
            id="assignable-with-none-available",
        ),
        pytest.param(
            {"HITStatus": "Unassignable", "NumberOfAssignmentsPending": 0},
            {},
            "HITs[0] (HITId 3ABC)",
            "HITStatus",
            id="unassignable-with-none-pending",
        ),
        pytest.param(
            {"HITStatus": "Unassignable", "MaxAssignments": 4},
            {},
            "HITs[0] (HITId 3ABC)",
            "HITStatus",
            id="unassignable-with-every-slot-used",
        ),
    ],
)
def test_computed_fields_stated_inconsistently_are_refused(
    hit_fields, assignment_fields, record, field
):
    # The base case is consistent: MaxAssignments 6, 3 completed, 1 submitted, 2 open.
    hit = hit_record("3ABC", **{"MaxAssignments": 6, "HITStatus": "Reviewable", **hit_fields})
    assignments = [
        {**assignment, **assignment_fields.get(index, {})}
        for index, assignment in enumerate(MIXED_ASSIGNMENTS)
    ]
    message = load_error([hit], assignments)
    assert message.startswith("1 problem in the fixtures:")
    problem_line(message, SOURCE, record, field)


@pytest.mark.parametrize(
    ("hit_fields", "counters"),
    [
        # Assignments the fixtures leave out: counters stated beyond what is present.
        ({"NumberOfAssignmentsCompleted": 5}, (0, 0, 5)),
        ({"NumberOfAssignmentsCompleted": 4, "HITStatus": "Assignable"}, (1, 0, 4)),
        ({"NumberOfAssignmentsAvailable": 1}, (1, 0, 3)),
        ({"NumberOfAssignmentsAvailable": 0, "NumberOfAssignmentsCompleted": 4}, (0, 0, 4)),
        (
            {"HITStatus": "Unassignable", "NumberOfAssignmentsAvailable": 0},
            (0, 2, 3),
        ),
        (
            {"HITStatus": "Unassignable", "NumberOfAssignmentsPending": 2},
            (0, 2, 3),
        ),
    ],
)
def test_stated_counters_that_contradict_nothing_are_kept(hit_fields, counters):
    hit = hit_record("3ABC", **{"MaxAssignments": 6, **hit_fields})
    (loaded,) = dataset([hit], MIXED_ASSIGNMENTS).hits
    assert (
        loaded.NumberOfAssignmentsAvailable,
        loaded.NumberOfAssignmentsPending,
        loaded.NumberOfAssignmentsCompleted,
    ) == counters


def test_the_auto_approval_problem_gives_the_expected_time():
    wrong = {**MIXED_ASSIGNMENTS[3], "AutoApprovalTime": "2026-11-02T10:05:00Z"}
    message = load_error([hit_record("3ABC", MaxAssignments=6)], [*MIXED_ASSIGNMENTS[:3], wrong])
    line = problem_line(message, SOURCE, "Assignments[3]", "AutoApprovalTime")
    expected = datetime(2026, 11, 2, 10, 5, tzinfo=UTC) + timedelta(
        seconds=DEFAULT_AUTO_APPROVAL_DELAY
    )
    assert expected.isoformat() in line


def submitted(assignment_id, worker, **fields):
    return assignment_record(assignment_id, "3ABC", worker, **fields)


@pytest.mark.parametrize(
    ("hit_fields", "assignments", "record", "field", "detail"),
    [
        pytest.param(
            {"MaxAssignments": 1},
            [submitted("3ASG1", "A1WORKER"), submitted("3ASG2", "A2WORKER")],
            "HITs[0] (HITId 3ABC)",
            "MaxAssignments",
            "2 assignments",
            id="more-assignments-than-max",
        ),
        pytest.param(
            {},
            [submitted("3ASG1", "A1WORKER"), submitted("3ASG2", "A1WORKER")],
            "Assignments[1] (AssignmentId 3ASG2)",
            "WorkerId",
            "already holds an assignment of the HIT, at test-data: Assignments[0]",
            id="worker-twice-on-one-hit",
        ),
        pytest.param(
            {},
            [submitted("3ASG", "A1WORKER", SubmitTime="2026-11-02T09:59:59Z")],
            "Assignments[0] (AssignmentId 3ASG)",
            "SubmitTime",
            "earlier than AcceptTime",
            id="submitted-before-accepted",
        ),
        pytest.param(
            {"Expiration": "2026-11-02T09:00:00Z"},
            [submitted("3ASG", "A1WORKER")],
            "Assignments[0] (AssignmentId 3ASG)",
            "AcceptTime",
            "is after the HIT's Expiration",
            id="accepted-after-expiration",
        ),
        pytest.param(
            {},
            [submitted("3ASG", "A1WORKER", AcceptTime="2026-11-01T09:00:00Z")],
            "Assignments[0] (AssignmentId 3ASG)",
            "AcceptTime",
            "CreationTime",
            id="accepted-before-hit-created",
        ),
        pytest.param(
            {},
            [submitted("3ASG", "A1WORKER", AssignmentStatus="Approved")],
            "Assignments[0] (AssignmentId 3ASG)",
            "ApprovalTime",
            "required",
            id="approved-without-approval-time",
        ),
        pytest.param(
            {},
            [submitted("3ASG", "A1WORKER", ApprovalTime="2026-11-03T00:00:00Z")],
            "Assignments[0] (AssignmentId 3ASG)",
            "ApprovalTime",
            "only a Approved assignment",
            id="submitted-with-approval-time",
        ),
        pytest.param(
            {},
            [
                submitted(
                    "3ASG",
                    "A1WORKER",
                    AssignmentStatus="Approved",
                    ApprovalTime="2026-11-02T10:00:00Z",
                )
            ],
            "Assignments[0] (AssignmentId 3ASG)",
            "ApprovalTime",
            "earlier than SubmitTime",
            id="approved-before-submitted",
        ),
        pytest.param(
            {},
            [submitted("3ASG", "A1WORKER", AssignmentStatus="Rejected")],
            "Assignments[0] (AssignmentId 3ASG)",
            "RejectionTime",
            "required",
            id="rejected-without-rejection-time",
        ),
        pytest.param(
            {},
            [submitted("3ASG", "A1WORKER", RejectionTime="2026-11-03T00:00:00Z")],
            "Assignments[0] (AssignmentId 3ASG)",
            "RejectionTime",
            "only a Rejected assignment",
            id="submitted-with-rejection-time",
        ),
        pytest.param(
            {},
            [
                submitted(
                    "3ASG",
                    "A1WORKER",
                    AssignmentStatus="Approved",
                    ApprovalTime="2026-11-03T00:00:00Z",
                    RejectionTime="2026-11-04T00:00:00Z",
                )
            ],
            "Assignments[0] (AssignmentId 3ASG)",
            "ApprovalTime",
            "earlier than the RejectionTime it overrode",
            id="approved-before-the-rejection-it-overrode",
        ),
        pytest.param(
            {"Expiration": "2026-11-01T09:59:59Z"},
            [],
            "HITs[0] (HITId 3ABC)",
            "Expiration",
            "earlier than CreationTime",
            id="expires-before-created",
        ),
    ],
)
def test_inconsistent_records_are_refused(hit_fields, assignments, record, field, detail):
    message = load_error([hit_record("3ABC", **hit_fields)], assignments)
    assert detail in problem_line(message, SOURCE, record, field)


# --- The bundled default data set ---------------------------------------------------------------


def test_the_default_data_set_path_holds_fixture_files():
    files = fixture_files([default_fixtures_path()])
    assert files
    assert all(path.suffix in (".json", ".yaml", ".yml") for path in files)


def test_the_default_data_set_loads_with_enough_hits(default_dataset):
    assert len(default_dataset.hits) >= 30
    assert len(default_dataset.assignments) > len(default_dataset.hits)


def test_the_default_data_set_has_every_hit_status(default_dataset):
    statuses = set(load_spec().shape("HITStatus").enum)
    assert statuses == {hit.HITStatus for hit in default_dataset.hits}


def test_the_default_data_set_has_every_assignment_status(default_dataset):
    statuses = set(load_spec().shape("AssignmentStatus").enum)
    assert statuses == {a.AssignmentStatus for a in default_dataset.assignments}


def test_the_default_data_set_has_every_question_kind(default_dataset):
    kinds = Counter(
        ET.fromstring(hit.Question).tag.rsplit("}", 1)[-1] for hit in default_dataset.hits
    )
    assert {"ExternalQuestion", "HTMLQuestion", "QuestionForm"} <= kinds.keys()


def test_the_default_data_set_has_qualification_requirements(default_dataset):
    with_requirements = [hit for hit in default_dataset.hits if hit.QualificationRequirements]
    assert with_requirements
    assert len(with_requirements) < len(default_dataset.hits)


def test_the_default_data_set_has_a_hit_with_over_100_assignments(default_dataset):
    per_hit = Counter(a.HITId for a in default_dataset.assignments)
    hit_id, count = per_hit.most_common(1)[0]
    assert count > 100
    (hit,) = [h for h in default_dataset.hits if h.HITId == hit_id]
    assert hit.MaxAssignments >= count


def test_the_default_data_set_xml_is_well_formed(default_dataset):
    bad = []
    for hit in default_dataset.hits:
        try:
            ET.fromstring(hit.Question)
        except ET.ParseError as error:
            bad.append(f"Question of HIT {hit.HITId}: {error}")
    for assignment in default_dataset.assignments:
        try:
            ET.fromstring(assignment.Answer)
        except ET.ParseError as error:
            bad.append(f"Answer of assignment {assignment.AssignmentId}: {error}")
    assert not bad, "\n".join(bad)


def test_the_default_data_set_is_consistent_when_fully_stated(default_dataset):
    stated = as_document(default_dataset)
    assert build_dataset([("stated", stated)], NOW_DT) == default_dataset


def test_the_default_data_set_hit_ids_are_well_formed(default_dataset):
    for hit in default_dataset.hits:
        for value in (hit.HITId, hit.HITTypeId, hit.HITGroupId):
            assert ID_PATTERN.match(value), value
