"""Property tests: any data set, any page size, both list operations, paged to the end.

Every example loads a generated data set into the module's scratch server and pages through
it twice over loopback: by hand (NextToken loop) and with boto3's own paginator. The expected
listing is computed here from the generated records, by the rules of the specification:

- ListHITs: CreationTime descending, ties by HITId ascending; Disposed HITs never listed.
- ListAssignmentsForHIT: SubmitTime ascending, ties by AssignmentId ascending; the status
  filter is a set, and an omitted or empty filter means every status.
- Pages of the page size (10 by default), NumResults equal to the items on the page, the list
  key always present, a NextToken on every non-empty page (at most 255 characters), and an
  empty page without a NextToken at the end.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import WireChecker, checked

from mockturk.testing import InProcessServer

DEFAULT_PAGE_SIZE = 10
MAX_TOKEN_LENGTH = 255
TOKEN_PREFIX = "p1:"
STATUSES = ("Submitted", "Approved", "Rejected")
HIT_STATUSES = ("Assignable", "Unassignable", "Reviewable", "Reviewing", "Disposed")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2030, 1, 1, tzinfo=UTC)
HIT_NOT_FOUND = "AWS.MechanicalTurk.HITDoesNotExist"

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- Strategies ---------------------------------------------------------------------------------

OFFSETS = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=5, minutes=30)),
        timezone(timedelta(hours=-8)),
        timezone(timedelta(hours=14)),
        timezone(timedelta(hours=-12)),
    ]
)

# Instants with microsecond precision between 2000 and 2030 (generated in UTC, written with a
# random offset: the same instant under two offsets is a tie).
INSTANTS = st.datetimes(
    min_value=EARLIEST.replace(tzinfo=None),
    max_value=(LATEST - timedelta(microseconds=1)).replace(tzinfo=None),
    timezones=st.just(UTC),
)

ENTITY_IDS = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=64)
SHORT_IDS = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=6)
ANY_IDS = st.one_of(SHORT_IDS, ENTITY_IDS)
PAGE_SIZES = st.one_of(st.none(), st.integers(1, 12), st.integers(1, 100))
STATUS_FILTERS = st.one_of(st.none(), st.lists(st.sampled_from(STATUSES), max_size=6))


def written(instant: datetime, offset: timezone) -> str:
    """An instant as a fixture writes it: ISO 8601 with an offset, microseconds kept."""
    return instant.astimezone(offset).isoformat(timespec="microseconds")


@st.composite
def tied_instants(draw: st.DrawFn, pool: list[datetime]) -> datetime:
    """Mostly instants from a small shared pool (ties), sometimes a fresh one."""
    return draw(st.one_of(st.sampled_from(pool), INSTANTS))


@dataclass(frozen=True)
class GeneratedHIT:
    hit_id: str
    created: datetime
    offset: timezone
    status: str

    def record(self) -> dict[str, Any]:
        return support.hit_record(
            self.hit_id,
            CreationTime=written(self.created, self.offset),
            Expiration=written(self.created + timedelta(days=7), self.offset),
            HITStatus=self.status,
        )


@st.composite
def hit_sets(draw: st.DrawFn) -> list[GeneratedHIT]:
    count = draw(st.integers(0, 60))
    ids = draw(st.lists(ANY_IDS, min_size=count, max_size=count, unique=True))
    pool = draw(st.lists(INSTANTS, min_size=1, max_size=5))
    hits = []
    for hit_id in ids:
        status = draw(st.sampled_from(HIT_STATUSES)) if draw(st.integers(0, 4)) == 0 else None
        hits.append(
            GeneratedHIT(
                hit_id=hit_id,
                created=draw(tied_instants(pool)),
                offset=draw(OFFSETS),
                status=status or "Reviewable",
            )
        )
    return hits


@dataclass(frozen=True)
class GeneratedAssignment:
    assignment_id: str
    hit_id: str
    worker_id: str
    status: str
    submitted: datetime
    offset: timezone
    decided_after: timedelta

    def record(self, accepted: datetime) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "AssignmentStatus": self.status,
            "AcceptTime": written(accepted, self.offset),
            "SubmitTime": written(self.submitted, self.offset),
        }
        decided = written(self.submitted + self.decided_after, self.offset)
        if self.status == "Approved":
            fields["ApprovalTime"] = decided
        elif self.status == "Rejected":
            fields["RejectionTime"] = decided
        return support.assignment_record(self.assignment_id, self.hit_id, self.worker_id, **fields)


@dataclass(frozen=True)
class AssignmentWorld:
    hit_ids: list[str]
    created: datetime
    assignments: list[GeneratedAssignment]

    def records(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        counts = {hit_id: 0 for hit_id in self.hit_ids}
        for assignment in self.assignments:
            counts[assignment.hit_id] += 1
        hits = [
            support.hit_record(
                hit_id,
                CreationTime=written(self.created, UTC),
                Expiration=written(self.created + timedelta(days=7), UTC),
                MaxAssignments=max(count, 1),
            )
            for hit_id, count in counts.items()
        ]
        # Accepted the moment the HIT was created: never later than any SubmitTime.
        return hits, [a.record(self.created) for a in self.assignments]


@st.composite
def assignment_worlds(draw: st.DrawFn) -> AssignmentWorld:
    """One to three HITs (the first is the one listed) with 0..120 assignments in all."""
    hit_ids = draw(st.lists(SHORT_IDS, min_size=1, max_size=3, unique=True))
    count = draw(st.integers(0, 120))
    assignment_ids = draw(st.lists(ANY_IDS, min_size=count, max_size=count, unique=True))
    pool = draw(st.lists(INSTANTS, min_size=1, max_size=5))
    per_hit: dict[str, int] = {}
    assignments = []
    for assignment_id in assignment_ids:
        # Most assignments belong to the listed HIT; the others must never leak into it.
        hit_id = hit_ids[0] if draw(st.integers(0, 5)) else draw(st.sampled_from(hit_ids))
        per_hit[hit_id] = per_hit.get(hit_id, 0) + 1
        assignments.append(
            GeneratedAssignment(
                assignment_id=assignment_id,
                hit_id=hit_id,
                worker_id=f"A{per_hit[hit_id]}W",
                status=draw(st.sampled_from(STATUSES)),
                submitted=draw(tied_instants(pool)),
                offset=draw(OFFSETS),
                decided_after=timedelta(microseconds=draw(st.integers(0, 10**11))),
            )
        )
    return AssignmentWorld(hit_ids=hit_ids, created=EARLIEST, assignments=assignments)


# --- Expectations, computed here ----------------------------------------------------------------


def expected_hit_listing(hits: list[GeneratedHIT]) -> list[GeneratedHIT]:
    listed = [h for h in hits if h.status != "Disposed"]
    by_id = sorted(listed, key=lambda h: h.hit_id)
    # sort() is stable, also with reverse=True: ties keep their HITId order.
    return sorted(by_id, key=lambda h: h.created, reverse=True)


def expected_assignment_listing(
    world: AssignmentWorld, statuses: list[str] | None
) -> list[GeneratedAssignment]:
    wanted = set(statuses) if statuses else set(STATUSES)
    chosen = [a for a in world.assignments if a.hit_id == world.hit_ids[0] and a.status in wanted]
    by_id = sorted(chosen, key=lambda a: a.assignment_id)
    return sorted(by_id, key=lambda a: a.submitted)


# --- Paging -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(scratch_server: InProcessServer) -> tuple[InProcessServer, Any]:
    return scratch_server, checked(scratch_server.client(), WireChecker())


def pages_by_hand(
    client: Any, operation: str, size: int | None, params: dict[str, Any], limit: int
) -> list[dict[str, Any]]:
    pages = []
    token = None
    for _ in range(limit):
        request = dict(params)
        if size is not None:
            request["MaxResults"] = size
        if token is not None:
            request["NextToken"] = token
        page = getattr(client, operation)(**request)
        pages.append(page)
        token = page.get("NextToken")
        if token is None:
            return pages
    raise AssertionError(f"the listing did not end within {limit} pages")


def pages_by_paginator(
    client: Any, operation: str, size: int | None, params: dict[str, Any], limit: int
) -> list[dict[str, Any]]:
    config = {} if size is None else {"PaginationConfig": {"PageSize": size}}
    pages = []
    iterator: Iterator[dict[str, Any]] = iter(
        client.get_paginator(operation).paginate(**params, **config)
    )
    for page in iterator:
        pages.append(page)
        if len(pages) > limit:
            raise AssertionError(f"the paginator did not end within {limit} pages")
    return pages


def page_limit(total: int, size: int | None) -> int:
    return total // (size or DEFAULT_PAGE_SIZE) + 2


def check_pages(pages: list[dict[str, Any]], result_key: str, size: int | None, total: int) -> None:
    """Full pages, then a short (or full) last page, then one empty page without a token."""
    per_page = size or DEFAULT_PAGE_SIZE
    remaining = total
    for index, page in enumerate(pages):
        assert result_key in page, page
        items = page[result_key]
        assert page["NumResults"] == len(items)
        if index == len(pages) - 1:
            assert items == [], "the listing must end with an empty page"
            assert "NextToken" not in page, "the closing empty page must carry no NextToken"
        else:
            assert len(items) == min(per_page, remaining) > 0, (index, len(items), remaining)
            token = page.get("NextToken")
            assert isinstance(token, str), "every non-empty page must carry a NextToken"
            assert token.startswith(TOKEN_PREFIX)
            assert len(token) <= MAX_TOKEN_LENGTH
        remaining -= len(items)
    assert remaining == 0
    assert len(pages) == -(-total // per_page) + 1


def concatenated(pages: list[dict[str, Any]], result_key: str) -> list[dict[str, Any]]:
    return [item for page in pages for item in page[result_key]]


def tokens(pages: list[dict[str, Any]]) -> list[str | None]:
    return [page.get("NextToken") for page in pages]


def assert_instant(returned: Any, instant: datetime) -> None:
    assert isinstance(returned, datetime)
    assert returned.tzinfo is not None and returned.utcoffset() is not None
    assert returned == instant


# --- ListHITs -----------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(hits=hit_sets(), size=PAGE_SIZES)
def test_list_hits_pages_concatenate_to_the_full_ordered_listing(
    live: tuple[InProcessServer, Any], hits: list[GeneratedHIT], size: int | None
) -> None:
    server, client = live
    server.load({"HITs": [h.record() for h in hits]}, replace=True)
    expected = expected_hit_listing(hits)
    limit = page_limit(len(expected), size)

    by_hand = pages_by_hand(client, "list_hits", size, {}, limit)
    by_paginator = pages_by_paginator(client, "list_hits", size, {}, limit)

    for pages in (by_hand, by_paginator):
        check_pages(pages, "HITs", size, len(expected))
        listed = concatenated(pages, "HITs")
        returned_ids = [h["HITId"] for h in listed]
        assert len(set(returned_ids)) == len(returned_ids), "a HIT was listed twice"
        assert returned_ids == [h.hit_id for h in expected]
        for returned, generated in zip(listed, expected, strict=True):
            assert_instant(returned["CreationTime"], generated.created)
            assert returned["HITStatus"] == generated.status
    # Tokens are deterministic per position: both walks saw the same ones.
    assert tokens(by_hand) == tokens(by_paginator)


# --- ListAssignmentsForHIT ----------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(world=assignment_worlds(), size=PAGE_SIZES, statuses=STATUS_FILTERS)
def test_list_assignments_pages_concatenate_to_the_full_ordered_listing(
    live: tuple[InProcessServer, Any],
    world: AssignmentWorld,
    size: int | None,
    statuses: list[str] | None,
) -> None:
    server, client = live
    hits, assignments = world.records()
    server.load({"HITs": hits, "Assignments": assignments}, replace=True)
    expected = expected_assignment_listing(world, statuses)
    limit = page_limit(len(expected), size)
    params: dict[str, Any] = {"HITId": world.hit_ids[0]}
    if statuses is not None:
        params["AssignmentStatuses"] = statuses

    operation = "list_assignments_for_hit"
    by_hand = pages_by_hand(client, operation, size, params, limit)
    by_paginator = pages_by_paginator(client, operation, size, params, limit)

    for pages in (by_hand, by_paginator):
        check_pages(pages, "Assignments", size, len(expected))
        listed = concatenated(pages, "Assignments")
        returned_ids = [a["AssignmentId"] for a in listed]
        assert len(set(returned_ids)) == len(returned_ids), "an assignment was listed twice"
        assert returned_ids == [a.assignment_id for a in expected]
        for returned, generated in zip(listed, expected, strict=True):
            assert returned["HITId"] == world.hit_ids[0]
            assert returned["AssignmentStatus"] == generated.status
            assert_instant(returned["SubmitTime"], generated.submitted)
            assert_instant(returned["AcceptTime"], world.created)
    assert tokens(by_hand) == tokens(by_paginator)


@PROPERTY_SETTINGS
@given(world=assignment_worlds(), size=PAGE_SIZES, statuses=STATUS_FILTERS)
def test_equivalent_status_filters_give_the_same_pages(
    live: tuple[InProcessServer, Any],
    world: AssignmentWorld,
    size: int | None,
    statuses: list[str] | None,
) -> None:
    """Duplicates and order do not matter, and [] is the same as no filter at all."""
    server, client = live
    hits, assignments = world.records()
    server.load({"HITs": hits, "Assignments": assignments}, replace=True)
    expected_total = len(expected_assignment_listing(world, statuses))
    limit = page_limit(expected_total, size)
    hit_id = world.hit_ids[0]
    chosen = sorted(set(statuses)) if statuses else list(STATUSES)
    variants: list[dict[str, Any]] = [
        {"HITId": hit_id, "AssignmentStatuses": list(reversed(chosen)) + chosen},
        {"HITId": hit_id, "AssignmentStatuses": chosen},
    ]
    if not statuses or set(statuses) == set(STATUSES):
        variants += [{"HITId": hit_id}, {"HITId": hit_id, "AssignmentStatuses": []}]
    walks = [
        pages_by_hand(client, "list_assignments_for_hit", size, params, limit)
        for params in variants
    ]
    for pages in walks:
        check_pages(pages, "Assignments", size, expected_total)
        assert tokens(pages) == tokens(walks[0])
        assert concatenated(pages, "Assignments") == concatenated(walks[0], "Assignments")


# --- Examples of the same rules -----------------------------------------------------------------


def test_default_page_size_is_ten(scratch: tuple[InProcessServer, Any]) -> None:
    server, client = scratch
    hits = [
        support.hit_record(f"H{i:02d}", CreationTime=f"2026-10-{i + 1:02d}T00:00:00Z")
        for i in range(25)
    ]
    server.load({"HITs": hits}, replace=True)
    pages = pages_by_hand(client, "list_hits", None, {}, 10)
    assert [p["NumResults"] for p in pages] == [10, 10, 5, 0]
    assert [h["HITId"] for h in concatenated(pages, "HITs")] == [
        f"H{i:02d}" for i in reversed(range(25))
    ]


def test_an_empty_store_is_one_empty_page_without_token(
    scratch: tuple[InProcessServer, Any],
) -> None:
    _, client = scratch
    for size in (None, 1, 100):
        request = {} if size is None else {"MaxResults": size}
        page = client.list_hits(**request)
        assert page["NumResults"] == 0 and page["HITs"] == [] and "NextToken" not in page
    pages = list(client.get_paginator("list_hits").paginate())
    assert len(pages) == 1 and pages[0]["HITs"] == [] and "NextToken" not in pages[0]


def test_a_hit_without_assignments_is_one_empty_page(scratch: tuple[InProcessServer, Any]) -> None:
    server, client = scratch
    server.load({"HITs": [support.hit_record("H1")]}, replace=True)
    page = client.list_assignments_for_hit(HITId="H1")
    assert page["NumResults"] == 0 and page["Assignments"] == [] and "NextToken" not in page


def test_a_full_last_page_still_has_a_token_and_an_empty_page_follows(
    scratch: tuple[InProcessServer, Any],
) -> None:
    server, client = scratch
    hits = [
        support.hit_record(f"H{i}", CreationTime=f"2026-10-0{i}T00:00:00Z") for i in range(1, 5)
    ]
    server.load({"HITs": hits}, replace=True)
    first = client.list_hits(MaxResults=4)
    assert first["NumResults"] == 4 and first["NextToken"]
    last = client.list_hits(MaxResults=4, NextToken=first["NextToken"])
    assert last["NumResults"] == 0 and last["HITs"] == [] and "NextToken" not in last


@pytest.mark.parametrize("size", [0, 101, -1])
def test_max_results_outside_1_to_100_is_a_validation_error(
    scratch: tuple[InProcessServer, Any], size: int
) -> None:
    server, _ = scratch
    for operation, params in (("ListHITs", {}), ("ListAssignmentsForHIT", {"HITId": "H1"})):
        response = support.call(server, operation, {**params, "MaxResults": size})
        assert response.status == 400
        body = response.json()
        assert body["__type"] == "ValidationException"
        assert "maxResults" in body["message"]


def test_disposed_hits_are_never_listed(scratch: tuple[InProcessServer, Any]) -> None:
    server, client = scratch
    hits = [
        support.hit_record(
            f"H{i}",
            CreationTime=f"2026-10-0{i}T00:00:00Z",
            HITStatus="Disposed" if i % 2 else "Reviewable",
        )
        for i in range(1, 10)
    ]
    server.load({"HITs": hits}, replace=True)
    for size in (1, 2, 100):
        listed = concatenated(pages_by_hand(client, "list_hits", size, {}, 20), "HITs")
        assert [h["HITId"] for h in listed] == ["H8", "H6", "H4", "H2"]


@pytest.mark.parametrize("hit_id", ["NOSUCHHIT", "DISPOSED"])
def test_assignments_of_an_unknown_or_disposed_hit_do_not_exist(
    scratch: tuple[InProcessServer, Any], hit_id: str
) -> None:
    server, client = scratch
    server.load(
        {
            "HITs": [
                support.hit_record("DISPOSED", HITStatus="Disposed"),
                support.hit_record("LIVE"),
            ],
            "Assignments": [support.assignment_record("A1", "DISPOSED", "AW1")],
        },
        replace=True,
    )
    for params in ({}, {"MaxResults": 1}, {"AssignmentStatuses": ["Submitted"]}):
        with pytest.raises(client.exceptions.RequestError) as raised:
            client.list_assignments_for_hit(HITId=hit_id, **params)
        assert raised.value.response["TurkErrorCode"] == HIT_NOT_FOUND
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
