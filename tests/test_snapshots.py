"""A reset returns to the state the server started with, after changes of every kind and however
often. The start-up state is shared with the running one until the first change copies it, so
no change may reach it, through any of the tables, views, balance or timeline."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from support import assignment_record, hit_record

from mockturk.state import store
from mockturk.testing import InProcessServer, serve

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.com/task</ExternalURL>'
    "<FrameHeight>600</FrameHeight></ExternalQuestion>"
)
LIVE = {  # open until a week after START; submitted work is approved an hour after it came
    "CreationTime": "2026-11-30T09:00:00Z",
    "Expiration": "2026-12-08T09:00:00Z",
    "AutoApprovalDelayInSeconds": 3600,
    "HITStatus": None,
}
FIXTURES = {
    "HITs": [
        {k: v for k, v in hit_record("3SNAPLIVE", MaxAssignments=5, **LIVE).items() if v},
        hit_record("3SNAPOLD"),
    ],
    "Assignments": [
        assignment_record(
            "3ASNAP1", "3SNAPLIVE", "AWORKERONE",
            AcceptTime="2026-12-01T08:00:00Z", SubmitTime="2026-12-01T08:30:00Z",
        ),
        assignment_record(
            "3ASNAP2", "3SNAPLIVE", "AWORKERTWO",
            AcceptTime="2026-12-01T08:00:00Z", SubmitTime="2026-12-01T08:59:00Z",
        ),
        assignment_record("3ASNAP3", "3SNAPOLD", "AWORKERONE"),
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with serve(FIXTURES, start_time=START, frozen_clock=True) as running:
        yield running


def seen(server: InProcessServer, mturk: Any) -> dict[str, Any]:
    """The state, and what the listings and the balance show of it."""
    return {
        "state": server.state(),
        "listed": mturk.list_hits()["HITs"],
        "assignments": mturk.list_assignments_for_hit(HITId="3SNAPLIVE")["Assignments"],
        "submitted": mturk.list_assignments_for_hit(
            HITId="3SNAPLIVE", AssignmentStatuses=["Submitted"]
        )["Assignments"],
        "balance": mturk.get_account_balance()["AvailableBalance"],
    }


def create(server: InProcessServer, mturk: Any) -> None:
    mturk.create_hit(
        Title="Another task", Description="More of the same.", Reward="0.20",
        AssignmentDurationInSeconds=600, LifetimeInSeconds=3600, Question=QUESTION,
    )  # fmt: skip


def accept(server: InProcessServer, mturk: Any) -> None:
    server.worker("AWORKERBUSY").accept("3SNAPLIVE")  # left in progress


def do_the_work(server: InProcessServer, mturk: Any) -> None:
    work = server.worker("AWORKERNEW").accept("3SNAPLIVE")
    work.submit({"rating": "3"})
    mturk.approve_assignment(AssignmentId=work.assignment_id)


def reject(server: InProcessServer, mturk: Any) -> None:
    mturk.reject_assignment(AssignmentId="3ASNAP2", RequesterFeedback="Not what was asked.")


def time_passes(server: InProcessServer, mturk: Any) -> None:
    server.clock.advance(2700)  # 3ASNAP1's auto-approval falls due (9:30), not 3ASNAP2's (9:59)


def load(server: InProcessServer, mturk: Any) -> None:
    server.load({"HITs": [hit_record("3SNAPEXTRA")]})


CHANGES = [create, accept, do_the_work, reject, time_passes, load]


@pytest.mark.parametrize("first", CHANGES, ids=lambda change: change.__name__)
def test_a_reset_returns_to_the_start_whatever_changed_first(server, first):
    mturk = server.client()
    server.reset()
    start = seen(server, mturk)
    assert [a["AssignmentStatus"] for a in start["assignments"]] == ["Submitted", "Submitted"]
    for _ in range(2):
        for change in [first, *(c for c in CHANGES if c is not first)]:
            change(server, mturk)
        status = mturk.get_assignment(AssignmentId="3ASNAP1")["Assignment"]["AssignmentStatus"]
        assert status == "Approved"
        assert seen(server, mturk) != start
        server.reset()
        assert seen(server, mturk) == start


def test_an_empty_reset_leaves_the_start_to_return_to(server):
    mturk = server.client()
    server.reset()
    start = seen(server, mturk)
    server.reset(empty=True)
    server.load(FIXTURES)
    for change in CHANGES:
        change(server, mturk)
    server.reset()
    assert seen(server, mturk) == start


def test_a_copy_of_a_large_state_is_set_aside_from_the_collector(server, monkeypatch):
    mturk = server.client()
    server.reset()
    start = seen(server, mturk)
    monkeypatch.setattr(store, "SET_ASIDE_FROM", 1)  # this state counts as large
    frozen = gc.get_freeze_count()
    try:
        create(server, mturk)  # the first change: the copy
        assert gc.get_freeze_count() > frozen
        server.reset()
        assert seen(server, mturk) == start
    finally:
        gc.unfreeze()
