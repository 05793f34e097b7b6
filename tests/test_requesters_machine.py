"""Two requesters and shared workers against one server that keeps requesters apart, in random
order, checked after every step:

- each requester lists exactly the HITs it created, and sees no HIT or assignment of the other's
  (a call with one answers "does not exist");
- a requester's balance moves only with its own calls;
- a worker's NumberHITsApproved counts what every requester approved;
- the workers' site and control API act on the HIT's own requester, whoever that is.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from support import LAB_HIT_TYPE, LAB_QUESTION, LAB_START, fuzz_settings

from mockturk.testing import ControlError, InProcessServer, serve

REQUESTERS = ("alice", "bob")
WORKERS = ("A1ANN", "A2BEN")
MAX_HITS = 6


class Apart(RuleBasedStateMachine):
    server: InProcessServer

    def __init__(self) -> None:
        super().__init__()
        self.server.reset(empty=True)
        self.clients = {name: self.server.requester(name).client() for name in REQUESTERS}
        self.owner: dict[str, str] = {}  # HITId -> its requester
        self.work: dict[str, tuple[str, str]] = {}  # AssignmentId -> (HITId, status)
        self.balances = {name: self.balance(name) for name in REQUESTERS}
        self.approved: dict[str, int] = dict.fromkeys(WORKERS, 0)

    def balance(self, name: str) -> str:
        return str(self.clients[name].get_account_balance()["AvailableBalance"])

    def acted(self, name: str) -> None:
        """The requester's own call: its balance may have moved."""
        self.balances[name] = self.balance(name)

    @precondition(lambda self: len(self.owner) < MAX_HITS)
    @rule(name=st.sampled_from(REQUESTERS), slots=st.integers(1, 2))
    def create_hit(self, name: str, slots: int) -> None:
        hit = self.clients[name].create_hit(
            **LAB_HIT_TYPE, MaxAssignments=slots, LifetimeInSeconds=3600, Question=LAB_QUESTION
        )["HIT"]
        assert hit["HITId"] not in self.owner
        self.owner[hit["HITId"]] = name
        self.acted(name)

    @precondition(lambda self: self.owner)
    @rule(data=st.data(), worker=st.sampled_from(WORKERS))
    def accept_and_submit(self, data: st.DataObject, worker: str) -> None:
        hit_id = data.draw(st.sampled_from(sorted(self.owner)))
        try:
            work = self.server.worker(worker).accept(hit_id)
        except ControlError as refused:
            assert refused.code in ("AlreadyAccepted", "AlreadySubmitted", "HITNotAssignable")
            return
        work.submit({"answer": "x"})
        self.work[work.assignment_id] = (hit_id, "Submitted")

    @precondition(lambda self: self.work)
    @rule(data=st.data(), name=st.sampled_from(REQUESTERS))
    def approve(self, data: st.DataObject, name: str) -> None:
        assignment_id = data.draw(st.sampled_from(sorted(self.work)))
        hit_id, status = self.work[assignment_id]
        mine = self.owner[hit_id] == name
        try:
            self.clients[name].approve_assignment(AssignmentId=assignment_id)
        except ClientError as error:
            message = error.response["Error"]["Message"]
            if not mine:
                assert f"Assignment {assignment_id} does not exist" in message
            else:
                assert status == "Approved", message
            return
        assert mine and status == "Submitted"
        self.work[assignment_id] = (hit_id, "Approved")
        worker = self.clients[name].get_assignment(AssignmentId=assignment_id)
        self.approved[worker["Assignment"]["WorkerId"]] += 1
        self.acted(name)

    @precondition(lambda self: self.owner)
    @rule(data=st.data(), name=st.sampled_from(REQUESTERS))
    def get_hit(self, data: st.DataObject, name: str) -> None:
        hit_id = data.draw(st.sampled_from(sorted(self.owner)))
        try:
            found = self.clients[name].get_hit(HITId=hit_id)["HIT"]["HITId"]
        except ClientError as error:
            assert self.owner[hit_id] != name
            assert f"Hit {hit_id} does not exist" in error.response["Error"]["Message"]
            return
        assert self.owner[hit_id] == name and found == hit_id

    @invariant()
    def each_lists_its_own(self) -> None:
        for name, client in self.clients.items():
            listed = {h["HITId"] for h in client.list_hits()["HITs"]}
            assert listed == {h for h, owner in self.owner.items() if owner == name}

    @invariant()
    def balances_move_with_their_own_calls_only(self) -> None:
        assert {name: self.balance(name) for name in REQUESTERS} == self.balances

    @invariant()
    def statistics_count_every_requesters_approvals(self) -> None:
        for worker, count in self.approved.items():
            assert self.server.worker(worker).profile()["NumberHITsApproved"] == count


@pytest.fixture(scope="module")
def apart_server() -> Any:
    with serve([], requesters="per-key", start_time=LAB_START, frozen_clock=True) as server:
        yield server


def test_requesters_stay_apart_and_workers_shared_under_random_workflows(apart_server):
    Apart.server = apart_server
    run_state_machine_as_test(Apart, settings=settings(fuzz_settings(25), stateful_step_count=15))
    apart_server.check()
