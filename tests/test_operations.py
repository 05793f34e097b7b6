"""The three operations over the bundled data set, through boto3 against a real server."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from support import assignment_record, hit_record

from mockturk.fixtures import Dataset

STAMPED = re.compile(r" \(\d{13}\)$")


def listed_hits(data: Dataset) -> list:
    live = [h for h in data.hits if h.HITStatus != "Disposed"]
    return sorted(live, key=lambda h: (-h.CreationTime.timestamp(), h.HITId))


def big_hit(data: Dataset) -> str:
    counts = Counter(a.HITId for a in data.assignments)
    hit_id, count = counts.most_common(1)[0]
    assert count > 100
    return hit_id


def live_assignments(data: Dataset, status: str):
    disposed = {h.HITId for h in data.hits if h.HITStatus == "Disposed"}
    return [a for a in data.assignments if a.AssignmentStatus == status and a.HITId not in disposed]


# --- GetAssignment ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["Submitted", "Approved", "Rejected"])
def test_get_assignment_returns_the_assignment_and_its_hit(mturk, default_dataset, status):
    expected = live_assignments(default_dataset, status)[0]
    hit = next(h for h in default_dataset.hits if h.HITId == expected.HITId)

    response = mturk.get_assignment(AssignmentId=expected.AssignmentId)

    assignment = response["Assignment"]
    assert assignment["AssignmentId"] == expected.AssignmentId
    assert assignment["WorkerId"] == expected.WorkerId
    assert assignment["HITId"] == hit.HITId
    assert assignment["AssignmentStatus"] == status
    assert assignment["AcceptTime"] == expected.AcceptTime
    assert assignment["SubmitTime"] == expected.SubmitTime
    assert assignment["AutoApprovalTime"] == expected.SubmitTime + timedelta(
        seconds=hit.AutoApprovalDelayInSeconds
    )
    assert assignment["Answer"] == expected.Answer
    assert "Deadline" not in assignment
    assert ("ApprovalTime" in assignment) == (status == "Approved")
    assert ("RejectionTime" in assignment) == (status == "Rejected")
    assert response["HIT"]["HITId"] == hit.HITId
    assert response["HIT"]["Title"] == hit.Title
    assert response["HIT"]["CreationTime"] == hit.CreationTime


def test_timestamps_are_timezone_aware_instants(mturk, default_dataset):
    expected = live_assignments(default_dataset, "Approved")[0]
    assignment = mturk.get_assignment(AssignmentId=expected.AssignmentId)["Assignment"]
    for field in ("AcceptTime", "SubmitTime", "ApprovalTime", "AutoApprovalTime"):
        assert assignment[field].tzinfo is not None
        assert assignment[field] == getattr(expected, field)


def test_get_unknown_assignment_is_a_request_error(mturk):
    with pytest.raises(mturk.exceptions.RequestError) as caught:
        mturk.get_assignment(AssignmentId="3NGMS9VZTMUDW7YC4M011EINXJMFFB")
    response = caught.value.response
    assert response["TurkErrorCode"] == "AWS.MechanicalTurk.AssignmentDoesNotExist"
    assert response["Error"]["Code"] == "RequestError"
    message = response["Error"]["Message"]
    assert message.startswith("Assignment 3NGMS9VZTMUDW7YC4M011EINXJMFFB does not exist.")
    assert STAMPED.search(message)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_assignments_of_disposed_hits_are_gone(mturk, default_dataset):
    disposed = {h.HITId for h in default_dataset.hits if h.HITStatus == "Disposed"}
    orphan = next(a for a in default_dataset.assignments if a.HITId in disposed)
    with pytest.raises(mturk.exceptions.RequestError) as caught:
        mturk.get_assignment(AssignmentId=orphan.AssignmentId)
    assert caught.value.response["TurkErrorCode"] == "AWS.MechanicalTurk.AssignmentDoesNotExist"


# --- ListHITs -----------------------------------------------------------------------------------


def test_list_hits_pages_through_every_live_hit_newest_first(mturk, default_dataset):
    pages = list(mturk.get_paginator("list_hits").paginate())
    hits = [hit for page in pages for hit in page["HITs"]]

    assert [h["HITId"] for h in hits] == [h.HITId for h in listed_hits(default_dataset)]
    assert all(h["HITStatus"] != "Disposed" for h in hits)
    assert [p["NumResults"] for p in pages][:-1] == [len(p["HITs"]) for p in pages][:-1]
    assert all(p["NumResults"] == 10 for p in pages[:-2]), "the default page size is 10"
    assert pages[-1] == {**pages[-1], "NumResults": 0, "HITs": []}
    assert "NextToken" not in pages[-1]
    assert all("NextToken" in p for p in pages[:-1])


def test_list_hits_fields_follow_the_real_presence_rules(mturk, default_dataset):
    hits = mturk.list_hits(MaxResults=100)["HITs"]
    by_id = {h.HITId: h for h in default_dataset.hits}
    always = {
        "HITId", "HITTypeId", "HITGroupId", "CreationTime", "Title", "Description", "Question",
        "HITStatus", "MaxAssignments", "Reward", "AutoApprovalDelayInSeconds", "Expiration",
        "AssignmentDurationInSeconds", "QualificationRequirements", "HITReviewStatus",
        "NumberOfAssignmentsPending", "NumberOfAssignmentsAvailable",
        "NumberOfAssignmentsCompleted",
    }  # fmt: skip
    for hit in hits:
        assert always <= hit.keys(), always - hit.keys()
        source = by_id[hit["HITId"]]
        assert ("Keywords" in hit) == (source.Keywords is not None)
        assert ("RequesterAnnotation" in hit) == (source.RequesterAnnotation is not None)
        assert hit["Expiration"] == source.Expiration
        for requirement in hit["QualificationRequirements"]:
            assert requirement["ActionsGuarded"] in ("Accept", "PreviewAndAccept",
                                                     "DiscoverPreviewAndAccept")  # fmt: skip
            assert isinstance(requirement["RequiredToPreview"], bool)
    assert any(h["QualificationRequirements"] == [] for h in hits)
    assert any("Keywords" not in h for h in hits)


def test_counters_add_up_to_max_assignments(mturk, default_dataset):
    statuses = Counter((a.HITId, a.AssignmentStatus) for a in default_dataset.assignments)
    for hit in mturk.list_hits(MaxResults=100)["HITs"]:
        hit_id = hit["HITId"]
        submitted = statuses[(hit_id, "Submitted")]
        completed = statuses[(hit_id, "Approved")] + statuses[(hit_id, "Rejected")]
        assert hit["NumberOfAssignmentsCompleted"] == completed
        total = (
            hit["NumberOfAssignmentsAvailable"] + hit["NumberOfAssignmentsPending"]
            + submitted + completed
        )  # fmt: skip
        assert total == hit["MaxAssignments"]


def test_empty_account_lists_one_empty_page(scratch):
    _, mturk = scratch
    response = mturk.list_hits()
    assert response["NumResults"] == 0
    assert response["HITs"] == []
    assert "NextToken" not in response


def test_short_last_page_still_carries_a_token(scratch):
    server, mturk = scratch
    server.load({"HITs": [hit_record("3AAA"), hit_record("3BBB")]}, replace=True)
    first = mturk.list_hits(MaxResults=5)
    assert first["NumResults"] == 2 and first["NextToken"]
    last = mturk.list_hits(MaxResults=5, NextToken=first["NextToken"])
    assert last["NumResults"] == 0 and last["HITs"] == [] and "NextToken" not in last


def test_hits_created_at_the_same_instant_are_ordered_by_id(scratch):
    server, mturk = scratch
    server.load(
        {"HITs": [hit_record("3CCC"), hit_record("3AAA"), hit_record("3BBB")]}, replace=True
    )
    assert [h["HITId"] for h in mturk.list_hits()["HITs"]] == ["3AAA", "3BBB", "3CCC"]


# --- ListAssignmentsForHIT ----------------------------------------------------------------------


def test_list_assignments_pages_past_100_in_submit_order(mturk, default_dataset):
    hit_id = big_hit(default_dataset)
    expected = sorted(
        (a for a in default_dataset.assignments if a.HITId == hit_id),
        key=lambda a: (a.SubmitTime, a.AssignmentId),
    )
    first = mturk.list_assignments_for_hit(HITId=hit_id, MaxResults=100)
    assert first["NumResults"] == 100

    pages = list(
        mturk.get_paginator("list_assignments_for_hit").paginate(
            HITId=hit_id, PaginationConfig={"PageSize": 100}
        )
    )
    listed = [a for page in pages for a in page["Assignments"]]
    assert [a["AssignmentId"] for a in listed] == [a.AssignmentId for a in expected]
    assert [p["NumResults"] for p in pages] == [100, len(expected) - 100, 0]


@pytest.mark.parametrize(
    "statuses",
    [["Submitted"], ["Approved", "Rejected"], ["Rejected", "Rejected"], [], None],
)
def test_status_filter_is_a_set(mturk, default_dataset, statuses):
    hit_id = big_hit(default_dataset)
    wanted = set(statuses or ["Submitted", "Approved", "Rejected"])
    expected = sorted(
        (
            a
            for a in default_dataset.assignments
            if a.HITId == hit_id and a.AssignmentStatus in wanted
        ),
        key=lambda a: (a.SubmitTime, a.AssignmentId),
    )
    kwargs = (
        {"HITId": hit_id} if statuses is None else {"HITId": hit_id, "AssignmentStatuses": statuses}
    )
    pages = mturk.get_paginator("list_assignments_for_hit").paginate(**kwargs)
    listed = [a["AssignmentId"] for page in pages for a in page["Assignments"]]
    assert listed == [a.AssignmentId for a in expected]
    assert expected, "the bundled data set has assignments in every status on its largest HIT"


def test_list_assignments_for_unknown_or_disposed_hit(mturk, default_dataset):
    disposed = next(h.HITId for h in default_dataset.hits if h.HITStatus == "Disposed")
    for hit_id in ("3PR3LXCWSFNV4OJWZBHIMQOIJVSX9G", disposed):
        with pytest.raises(mturk.exceptions.RequestError) as caught:
            mturk.list_assignments_for_hit(HITId=hit_id)
        response = caught.value.response
        assert response["TurkErrorCode"] == "AWS.MechanicalTurk.HITDoesNotExist"
        assert response["Error"]["Message"].startswith(f"Hit {hit_id} does not exist. (")


def test_hit_without_assignments_lists_one_empty_page(mturk, default_dataset):
    with_work = {a.HITId for a in default_dataset.assignments}
    idle = next(h.HITId for h in listed_hits(default_dataset) if h.HITId not in with_work)
    response = mturk.list_assignments_for_hit(HITId=idle)
    assert response["NumResults"] == 0 and response["Assignments"] == []
    assert "NextToken" not in response


# --- The loops real clients run -----------------------------------------------------------------


def test_otree_assignment_loop(mturk, default_dataset):
    # oTree: reads NextToken unguarded on every non-empty page; stops on an empty page.
    hit_id = big_hit(default_dataset)
    args = {
        "HITId": hit_id,
        "MaxResults": 100,
        "AssignmentStatuses": ["Submitted", "Approved", "Rejected"],
    }
    seen = []
    while True:
        response = mturk.list_assignments_for_hit(**args)
        if not response["Assignments"]:
            break
        seen.extend(response["Assignments"])
        args["NextToken"] = response["NextToken"]
    assert len(seen) == sum(a.HITId == hit_id for a in default_dataset.assignments)


def test_mephisto_and_dallinger_hit_loops(mturk, default_dataset):
    expected = [h.HITId for h in listed_hits(default_dataset)]
    # Mephisto: loops while a page has HITs, reading NextToken unguarded.
    page = mturk.list_hits(MaxResults=100)
    mephisto = []
    while len(page["HITs"]) > 0:
        mephisto.extend(h["HITId"] for h in page["HITs"])
        page = mturk.list_hits(MaxResults=100, NextToken=page["NextToken"])
    # Dallinger: loops while the response has a NextToken.
    page = mturk.list_hits(MaxResults=100)
    dallinger = [h["HITId"] for h in page["HITs"]]
    while "NextToken" in page:
        page = mturk.list_hits(MaxResults=100, NextToken=page["NextToken"])
        dallinger.extend(h["HITId"] for h in page["HITs"])
    assert mephisto == expected
    assert dallinger == expected


# --- Wire format --------------------------------------------------------------------------------


def test_responses_are_compact_json_with_java_style_timestamps(mturk, wire):
    mturk.list_hits(MaxResults=3)
    raw = wire.seen[-1]["raw"]
    outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', raw)
    assert not re.search(r"\s", outside_strings), "compact JSON: no whitespace between tokens"
    assert len(re.findall(r'"CreationTime":\d\.\d+E9[,}]', raw)) == 3
    assert len(re.findall(r'"Expiration":\d\.\d+E9[,}]', raw)) == 3


def test_fractional_seconds_survive_the_round_trip(scratch):
    server, mturk = scratch
    server.load(
        {
            "HITs": [hit_record("3FRAC", CreationTime=1514770012.054)],
            "Assignments": [
                assignment_record(
                    "3ASSIGN",
                    "3FRAC",
                    "A1WORKER",
                    AcceptTime="2018-01-01T02:00:00.123456+00:00",
                    SubmitTime="2018-01-01T04:00:00.654321+02:00",
                )
            ],
        },
        replace=True,
    )
    hit = mturk.list_hits()["HITs"][0]
    assert hit["CreationTime"] == datetime(2018, 1, 1, 1, 26, 52, 54000, tzinfo=UTC)
    assignment = mturk.get_assignment(AssignmentId="3ASSIGN")["Assignment"]
    assert assignment["AcceptTime"] == datetime(2018, 1, 1, 2, 0, 0, 123456, tzinfo=UTC)
    assert assignment["SubmitTime"] == datetime(2018, 1, 1, 2, 0, 0, 654321, tzinfo=UTC)
