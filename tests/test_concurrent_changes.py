"""Listings stay consistent while the store changes between two page requests.

The NextToken is a keyset cursor, so whatever is added or removed between pages:

- every record present throughout the listing is returned exactly once;
- nothing is returned twice, and nothing is returned while it is absent (a record removed before
  it was seen never appears);
- records added meanwhile may or may not appear;
- the listing still comes out in its order (keyset pages continue after the cursor);
- removing the very record a token points at (the last one of the previous page) does not
  break the next page.

The store is changed between requests, on the server's own event loop (``server.on_loop``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import WireChecker, checked

from mockturk.models import HIT, Assignment
from mockturk.state.store import Store
from mockturk.testing import InProcessServer

BASE = datetime(2026, 1, 1, tzinfo=UTC)
PARENT = "PARENTHIT"
PARENT_CREATED = BASE - timedelta(days=1)
STATUSES = ("Submitted", "Approved", "Rejected")
HIT_NOT_FOUND = "AWS.MechanicalTurk.HITDoesNotExist"

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- Records ------------------------------------------------------------------------------------


def at(minute: float) -> datetime:
    return BASE + timedelta(minutes=minute)


def hit_fields(hit_id: str, minute: float, **fields: Any) -> dict[str, Any]:
    created = at(minute)
    return support.hit_record(
        hit_id,
        CreationTime=created.isoformat(),
        Expiration=(created + timedelta(days=7)).isoformat(),
        **fields,
    )


def make_hit(hit_id: str, minute: float, **fields: Any) -> HIT:
    return support.dataset([hit_fields(hit_id, minute, **fields)]).hits[0]


def parent_fields(max_assignments: int = 1, **fields: Any) -> dict[str, Any]:
    return support.hit_record(
        PARENT,
        CreationTime=PARENT_CREATED.isoformat(),
        Expiration=(PARENT_CREATED + timedelta(days=7)).isoformat(),
        MaxAssignments=max(max_assignments, 1),
        **fields,
    )


def assignment_fields(
    assignment_id: str, minute: float, status: str = "Submitted", worker: str | None = None
) -> dict[str, Any]:
    submitted = at(minute)
    fields: dict[str, Any] = {
        "AssignmentStatus": status,
        "AcceptTime": PARENT_CREATED.isoformat(),
        "SubmitTime": submitted.isoformat(),
    }
    if status == "Approved":
        fields["ApprovalTime"] = (submitted + timedelta(hours=1)).isoformat()
    if status == "Rejected":
        fields["RejectionTime"] = (submitted + timedelta(hours=1)).isoformat()
    return support.assignment_record(assignment_id, PARENT, worker or f"A{assignment_id}", **fields)


def make_assignment(assignment_id: str, minute: float, status: str = "Submitted") -> Assignment:
    dataset = support.dataset([parent_fields()], [assignment_fields(assignment_id, minute, status)])
    return dataset.assignments[0]


# Changes to the server's store, made on its own event loop, between requests.


def put_hit(server: InProcessServer, hit: HIT) -> None:
    server.on_loop(lambda account: account.store.put_hit(hit))


def remove_hit(server: InProcessServer, hit_id: str) -> None:
    server.on_loop(lambda account: account.store.remove_hit(hit_id))


def put_assignment(server: InProcessServer, assignment: Assignment) -> None:
    server.on_loop(lambda account: account.store.put_assignment(assignment))


def remove_assignment(server: InProcessServer, assignment_id: str) -> None:
    server.on_loop(lambda account: account.store.remove_assignment(assignment_id))


def load_hits(server: InProcessServer, minutes: dict[str, float]) -> None:
    server.load({"HITs": [hit_fields(h, m) for h, m in minutes.items()]}, replace=True)


def load_assignments(server: InProcessServer, assignments: dict[str, tuple[float, str]]) -> None:
    records = [assignment_fields(a, m, s) for a, (m, s) in assignments.items()]
    server.load({"HITs": [parent_fields(len(records))], "Assignments": records}, replace=True)


def hit_key(minute: float, hit_id: str) -> tuple[float, str]:
    """ListHITs order: newest first, ties by HITId."""
    return (-minute, hit_id)


def assignment_key(minute: float, assignment_id: str) -> tuple[float, str]:
    """ListAssignmentsForHIT order: oldest SubmitTime first, ties by AssignmentId."""
    return (minute, assignment_id)


# --- The invariant ------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What is in the listing's view over time, and what the pages returned."""

    keys: dict[str, Hashable]
    present: set[str] = field(default_factory=set)
    throughout: set[str] = field(default_factory=set)
    gone_unseen: set[str] = field(default_factory=set)
    returned: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, keys: dict[str, Hashable]) -> Ledger:
        return cls(keys=dict(keys), present=set(keys), throughout=set(keys))

    def add(self, record_id: str, key: Hashable) -> None:
        assert record_id not in self.keys or self.keys[record_id] == key
        self.keys[record_id] = key
        self.present.add(record_id)
        self.gone_unseen.discard(record_id)

    def remove(self, record_id: str) -> None:
        self.present.discard(record_id)
        self.throughout.discard(record_id)
        if record_id not in self.returned:
            self.gone_unseen.add(record_id)

    def saw(self, page_ids: list[str]) -> None:
        for record_id in page_ids:
            assert record_id in self.present, f"{record_id} was returned while absent"
        self.returned.extend(page_ids)

    def verify(self) -> None:
        twice = sorted(r for r, n in Counter(self.returned).items() if n > 1)
        assert not twice, f"returned more than once: {twice}"
        missing = sorted(self.throughout - set(self.returned))
        assert not missing, f"present throughout but never returned: {missing}"
        assert not self.gone_unseen & set(self.returned)
        order = [self.keys[r] for r in self.returned]
        assert order == sorted(order), "the pages together are out of listing order"  # type: ignore[type-var]


Fetch = Callable[[int, str | None], dict[str, Any]]


def walk(
    fetch: Fetch,
    result_key: str,
    id_key: str,
    ledger: Ledger,
    size: int,
    between: Callable[[int, list[str]], None],
    limit: int,
) -> None:
    """Page to the end, calling ``between(page_index, page_ids)`` before each next request."""
    token: str | None = None
    for index in range(limit):
        page = fetch(size, token)
        assert result_key in page
        page_ids = [item[id_key] for item in page[result_key]]
        assert page["NumResults"] == len(page_ids) <= size
        assert ("NextToken" in page) == bool(page_ids), "a token on every non-empty page only"
        ledger.saw(page_ids)
        token = page.get("NextToken")
        if token is None:
            ledger.verify()
            return
        between(index, page_ids)
    raise AssertionError(f"the listing did not end within {limit} pages")


def hits_fetch(client: Any) -> Fetch:
    def fetch(size: int, token: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"MaxResults": size}
        if token is not None:
            params["NextToken"] = token
        return client.list_hits(**params)

    return fetch


def assignments_fetch(client: Any, statuses: list[str] | None = None) -> Fetch:
    def fetch(size: int, token: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"HITId": PARENT, "MaxResults": size}
        if statuses is not None:
            params["AssignmentStatuses"] = statuses
        if token is not None:
            params["NextToken"] = token
        return client.list_assignments_for_hit(**params)

    return fetch


class HitWorld:
    """The scratch store's HITs and the ledger of a ListHITs walk over them, changed together."""

    def __init__(self, server: InProcessServer, minutes: dict[str, float]) -> None:
        self.server = server
        self.minutes = dict(minutes)
        load_hits(server, minutes)
        self.ledger = Ledger.start({h: hit_key(m, h) for h, m in minutes.items()})

    def insert(self, hit_id: str, minute: float) -> None:
        put_hit(self.server, make_hit(hit_id, minute))
        self.minutes[hit_id] = minute
        self.ledger.add(hit_id, hit_key(minute, hit_id))

    def delete(self, hit_id: str) -> None:
        remove_hit(self.server, hit_id)
        self.ledger.remove(hit_id)

    def dispose(self, hit_id: str) -> None:
        put_hit(self.server, make_hit(hit_id, self.minutes[hit_id], HITStatus="Disposed"))
        self.ledger.remove(hit_id)


class AssignmentWorld:
    """The parent HIT's assignments and the ledger of a filtered walk over them."""

    def __init__(
        self,
        server: InProcessServer,
        assignments: dict[str, tuple[float, str]],
        statuses: list[str] | None = None,
    ) -> None:
        self.server = server
        self.records = dict(assignments)
        self.view = set(statuses) if statuses else set(STATUSES)
        load_assignments(server, assignments)
        self.ledger = Ledger.start(
            {a: assignment_key(m, a) for a, (m, s) in assignments.items() if s in self.view}
        )
        for a, (m, _) in assignments.items():
            self.ledger.keys[a] = assignment_key(m, a)

    def put(self, assignment_id: str, minute: float, status: str) -> None:
        put_assignment(self.server, make_assignment(assignment_id, minute, status))
        self.records[assignment_id] = (minute, status)
        if status in self.view:
            self.ledger.add(assignment_id, assignment_key(minute, assignment_id))
        else:
            self.ledger.remove(assignment_id)

    def restatus(self, assignment_id: str, status: str) -> None:
        self.put(assignment_id, self.records[assignment_id][0], status)

    def delete(self, assignment_id: str) -> None:
        remove_assignment(self.server, assignment_id)
        del self.records[assignment_id]
        self.ledger.remove(assignment_id)


# --- ListHITs, by example -----------------------------------------------------------------------

TWENTY = {f"H{i:02d}": float(i) for i in range(20)}  # listed H19 (newest) ... H00


def test_hits_added_and_removed_around_the_cursor(scratch: tuple[InProcessServer, Any]) -> None:
    server, client = scratch
    world = HitWorld(server, TWENTY)

    def between(index: int, page: list[str]) -> None:
        if index == 0:
            assert page == ["H19", "H18", "H17"]
            world.insert("NEWEST", 100)  # before the cursor in listing order
            world.insert("MIDDLE", 5.5)  # after it
            world.insert("OLDEST", -100)  # after it, at the very end
            world.delete("H18")  # already seen
            world.delete("H10")  # not yet seen
            world.delete("H17")  # the record the token points at
        elif index == 2:
            cursor = page[-1]
            minute = world.minutes[cursor]
            world.insert("A" + cursor, minute)  # a tie with the cursor, lower ID: before it
            world.insert("Z" + cursor, minute)  # a tie with the cursor, higher ID: after it
            world.delete(cursor)
            world.delete("H00")
        elif index == 4:
            world.delete(page[0])
            world.insert("LATE", 1.5)

    walk(hits_fetch(client), "HITs", "HITId", world.ledger, 3, between, 30)
    for gone in ("H10", "H00"):
        assert gone not in world.ledger.returned


def test_removing_the_record_a_token_points_at(scratch: tuple[InProcessServer, Any]) -> None:
    server, client = scratch
    load_hits(server, TWENTY)
    first = client.list_hits(MaxResults=4)
    assert [h["HITId"] for h in first["HITs"]] == ["H19", "H18", "H17", "H16"]
    remove_hit(server, "H16")
    second = client.list_hits(MaxResults=4, NextToken=first["NextToken"])
    assert [h["HITId"] for h in second["HITs"]] == ["H15", "H14", "H13", "H12"]
    # The cursor and everything up to the next page's first record gone.
    for hit_id in ("H12", "H11", "H10"):
        remove_hit(server, hit_id)
    third = client.list_hits(MaxResults=4, NextToken=second["NextToken"])
    assert [h["HITId"] for h in third["HITs"]] == ["H09", "H08", "H07", "H06"]
    # Disposed counts as deleted, for the cursor too.
    put_hit(server, make_hit("H06", TWENTY["H06"], HITStatus="Disposed"))
    fourth = client.list_hits(MaxResults=4, NextToken=third["NextToken"])
    assert [h["HITId"] for h in fourth["HITs"]] == ["H05", "H04", "H03", "H02"]
    # Everything after the cursor gone: the next page is the empty, closing one.
    for hit_id in ("H01", "H00"):
        remove_hit(server, hit_id)
    end = client.list_hits(MaxResults=4, NextToken=fourth["NextToken"])
    assert end["NumResults"] == 0 and end["HITs"] == [] and "NextToken" not in end


def test_removing_every_hit_mid_listing_ends_it(scratch: tuple[InProcessServer, Any]) -> None:
    server, client = scratch
    load_hits(server, TWENTY)
    first = client.list_hits(MaxResults=5)
    for hit_id in TWENTY:
        remove_hit(server, hit_id)
    end = client.list_hits(MaxResults=5, NextToken=first["NextToken"])
    assert end["NumResults"] == 0 and end["HITs"] == [] and "NextToken" not in end


def test_disposing_and_replacing_hits_mid_listing(scratch: tuple[InProcessServer, Any]) -> None:
    server, client = scratch
    world = HitWorld(server, TWENTY)

    def between(index: int, page: list[str]) -> None:
        if index == 0:
            world.dispose("H19")  # seen
            world.dispose("H12")  # not yet seen
            world.dispose(page[-1])  # the cursor
            # Replaced in place (same key, new title): present throughout.
            put_hit(server, make_hit("H08", TWENTY["H08"], Title="Renamed"))
            put_hit(server, make_hit("H18", TWENTY["H18"], Title="Renamed"))

    walk(hits_fetch(client), "HITs", "HITId", world.ledger, 4, between, 30)
    assert "H12" not in world.ledger.returned


def test_the_next_page_shows_replaced_records_as_they_are_now(
    scratch: tuple[InProcessServer, Any],
) -> None:
    server, client = scratch
    load_hits(server, TWENTY)
    first = client.list_hits(MaxResults=2)
    put_hit(server, make_hit("H17", TWENTY["H17"], Title="Renamed"))
    second = client.list_hits(MaxResults=2, NextToken=first["NextToken"])
    assert [h["HITId"] for h in second["HITs"]] == ["H17", "H16"]
    assert second["HITs"][0]["Title"] == "Renamed"


# --- ListAssignmentsForHIT, by example ----------------------------------------------------------

# Pairs of equal SubmitTimes (ties by ID); statuses in turn.
FIFTEEN = {f"X{n:02d}": (float(n // 2), STATUSES[n % 3]) for n in range(15)}


@pytest.mark.parametrize("statuses", [None, ["Submitted", "Approved"], ["Rejected"], []])
def test_assignments_added_and_removed_around_the_cursor(
    scratch: tuple[InProcessServer, Any], statuses: list[str] | None
) -> None:
    server, client = scratch
    world = AssignmentWorld(server, FIFTEEN, statuses)

    def between(index: int, page: list[str]) -> None:
        cursor = page[-1]
        minute = world.records[cursor][0]
        if index == 0:
            world.put("EARLY", -5, "Submitted")  # before the cursor
            world.put("LATE", 50, "Approved")  # after it
            world.put("LATER", 60, "Rejected")  # after it, another status
            world.put("A" + cursor, minute, "Submitted")  # tie, lower ID: before it
            world.put("Z" + cursor, minute, "Rejected")  # tie, higher ID: after it
            world.delete(cursor)  # the record the token points at
            world.delete("X13")  # not yet seen
            seen = [a for a in page if a != cursor]
            if seen:
                world.delete(seen[0])  # already seen
        elif index == 1:
            # Status changes: the key stays, the record moves between status indexes.
            for assignment_id in ("X11", "X12", cursor):
                if assignment_id in world.records:
                    world.restatus(assignment_id, "Approved")
        elif index == 2:
            world.delete(cursor)
            world.put("MID", minute + 0.5, "Submitted")

    walk(
        assignments_fetch(client, statuses),
        "Assignments",
        "AssignmentId",
        world.ledger,
        2,
        between,
        30,
    )
    assert "X13" not in world.ledger.returned


def test_removing_the_assignment_a_token_points_at(scratch: tuple[InProcessServer, Any]) -> None:
    server, client = scratch
    load_assignments(server, FIFTEEN)
    first = client.list_assignments_for_hit(HITId=PARENT, MaxResults=3)
    assert [a["AssignmentId"] for a in first["Assignments"]] == ["X00", "X01", "X02"]
    remove_assignment(server, "X02")
    remove_assignment(server, "X03")
    second = client.list_assignments_for_hit(
        HITId=PARENT, MaxResults=3, NextToken=first["NextToken"]
    )
    assert [a["AssignmentId"] for a in second["Assignments"]] == ["X04", "X05", "X06"]
    # The cursor moved to another status index (its key unchanged): the walk goes on from it.
    put_assignment(server, make_assignment("X06", FIFTEEN["X06"][0], "Rejected"))
    rest = client.list_assignments_for_hit(
        HITId=PARENT, MaxResults=100, NextToken=second["NextToken"]
    )
    assert [a["AssignmentId"] for a in rest["Assignments"]] == [f"X{n:02d}" for n in range(7, 15)]


@pytest.mark.parametrize("how", ["removed", "disposed"])
def test_a_hit_deleted_mid_listing_no_longer_exists(
    scratch: tuple[InProcessServer, Any], how: str
) -> None:
    server, client = scratch
    load_assignments(server, FIFTEEN)
    first = client.list_assignments_for_hit(HITId=PARENT, MaxResults=3)
    if how == "removed":
        remove_hit(server, PARENT)
    else:
        dataset = support.dataset([parent_fields(15, HITStatus="Disposed")])
        put_hit(server, dataset.hits[0])
    with pytest.raises(client.exceptions.RequestError) as raised:
        client.list_assignments_for_hit(HITId=PARENT, NextToken=first["NextToken"])
    assert raised.value.response["TurkErrorCode"] == HIT_NOT_FOUND


# --- Random interleavings -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(scratch_server: InProcessServer) -> tuple[InProcessServer, Any]:
    return scratch_server, checked(scratch_server.client(), WireChecker())


CHANGE_BUDGET = 40


@dataclass
class Budget:
    """Changes left for one walk: insertions after the cursor could otherwise go on forever."""

    left: int

    def take(self, changes: list[Any]) -> list[Any]:
        granted = changes[: self.left]
        self.left -= len(granted)
        return granted


MINUTES = st.integers(-3, 24).map(float)  # few values: many ties, before and after any cursor


def sized_lists(elements: st.SearchStrategy[Any], most: int) -> st.SearchStrategy[list[Any]]:
    """Lists whose length is drawn first, so that long ones are as likely as short ones."""
    return st.integers(0, most).flatmap(lambda n: st.lists(elements, min_size=n, max_size=n))


PICKS = st.integers(0, 10**6)

HIT_CHANGES = st.one_of(
    st.tuples(st.just("insert"), MINUTES),
    st.tuples(st.just("delete"), PICKS),
    st.tuples(st.just("delete cursor")),
    st.tuples(st.just("dispose"), PICKS),
)


@PROPERTY_SETTINGS
@given(
    initial=sized_lists(MINUTES, 30),
    size=st.integers(1, 6),
    data=st.data(),
)
def test_hits_listing_under_random_changes(
    live: tuple[InProcessServer, Any], initial: list[float], size: int, data: Any
) -> None:
    server, client = live
    world = HitWorld(server, {f"I{n}": minute for n, minute in enumerate(initial)})
    fresh = iter(range(CHANGE_BUDGET))
    budget = Budget(CHANGE_BUDGET)

    def between(_: int, page: list[str]) -> None:
        for change in budget.take(data.draw(st.lists(HIT_CHANGES, max_size=4))):
            listed = sorted(world.ledger.present)
            if change[0] == "insert":
                world.insert(f"N{next(fresh)}", change[1])
            elif change[0] == "delete cursor" and page[-1] in world.ledger.present:
                world.delete(page[-1])
            elif change[0] == "delete" and listed:
                world.delete(listed[change[1] % len(listed)])
            elif change[0] == "dispose" and listed:
                world.dispose(listed[change[1] % len(listed)])

    limit = len(initial) + CHANGE_BUDGET + 2
    walk(hits_fetch(client), "HITs", "HITId", world.ledger, size, between, limit)


ASSIGNMENT_CHANGES = st.one_of(
    st.tuples(st.just("insert"), MINUTES, st.sampled_from(STATUSES)),
    st.tuples(st.just("delete"), PICKS),
    st.tuples(st.just("delete cursor")),
    st.tuples(st.just("restatus"), PICKS, st.sampled_from(STATUSES)),
)


@PROPERTY_SETTINGS
@given(
    initial=sized_lists(st.tuples(MINUTES, st.sampled_from(STATUSES)), 40),
    statuses=st.one_of(st.none(), st.lists(st.sampled_from(STATUSES), max_size=4)),
    size=st.integers(1, 6),
    data=st.data(),
)
def test_assignments_listing_under_random_changes(
    live: tuple[InProcessServer, Any],
    initial: list[tuple[float, str]],
    statuses: list[str] | None,
    size: int,
    data: Any,
) -> None:
    server, client = live
    world = AssignmentWorld(server, {f"I{n}": record for n, record in enumerate(initial)}, statuses)
    fresh = iter(range(CHANGE_BUDGET))
    budget = Budget(CHANGE_BUDGET)

    def between(_: int, page: list[str]) -> None:
        for change in budget.take(data.draw(st.lists(ASSIGNMENT_CHANGES, max_size=4))):
            stored = sorted(world.records)
            if change[0] == "insert":
                world.put(f"N{next(fresh)}", change[1], change[2])
            elif change[0] == "delete cursor" and page[-1] in world.records:
                world.delete(page[-1])
            elif change[0] == "delete" and stored:
                world.delete(stored[change[1] % len(stored)])
            elif change[0] == "restatus" and stored:
                world.restatus(stored[change[1] % len(stored)], change[2])

    limit = len(initial) + CHANGE_BUDGET + 2
    fetch = assignments_fetch(client, statuses)
    walk(fetch, "Assignments", "AssignmentId", world.ledger, size, between, limit)


# --- The views by status, made when first asked for ---------------------------------------------


def statuses_page(store: Store, statuses: list[str] | None) -> list[tuple[str, str]]:
    page = store.assignments_page(PARENT, statuses, None, 100)
    return [
        (a["AssignmentId"], a["AssignmentStatus"]) for a in orjson.loads(orjson.dumps(page.records))
    ]


def test_views_by_status_agree_with_the_view_of_all_before_and_after_changes() -> None:
    """A load makes a HIT's view of all its assignments only; the first page by status makes
    the views by status from it, and later changes keep them in step."""
    store = Store()
    store.put_hits(support.dataset([parent_fields(max_assignments=20)]).hits)
    store.put_assignments([make_assignment(f"X{n:02d}", n, STATUSES[n % 2]) for n in range(8)])

    def agree() -> None:
        everything = statuses_page(store, None)
        for chosen in ([], ["Submitted"], ["Approved"], ["Rejected"], ["Rejected", "Submitted"]):
            assert statuses_page(store, chosen) == [a for a in everything if a[1] in chosen]

    assert statuses_page(store, ["Approved"]) == [(f"X{n:02d}", "Approved") for n in (1, 3, 5, 7)]
    agree()
    store.put_assignments(
        [make_assignment("X08", 8, "Rejected"), make_assignment("X01", 1, "Rejected")]
    )
    store.remove_assignment("X02")
    assert statuses_page(store, ["Rejected"]) == [("X01", "Rejected"), ("X08", "Rejected")]
    agree()
