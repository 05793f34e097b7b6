"""A random requester and random workers against a real server, checked after every step.

Hypothesis drives create / accept / submit / return / approve / reject / bonus / expire /
extend / add assignments / set aside for review / delete / grant / revoke / block / unblock /
advance-the-clock through boto3 and the simulated-worker API, and after every step checks what
must always hold, computed here from the exported records rather than from the server's own
rules:

- each HIT's counters and status agree with its assignments and its expiry;
- the balance is the start less what was paid, its fees, and the liability still held;
- every listing pages (two at a time) to exactly the records the API shows;
- a worker may accept exactly when not blocked and, for a screened HIT, granted a high enough
  score;
- exporting the state and loading it back gives the identical state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
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
from support import checked, fuzz_settings, raw_request

from mockturk.domain.money import assignment_fee, bonus_fee, parse_amount
from mockturk.testing import ControlError, InProcessServer, serve

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
START_BALANCE = Decimal("10000.00")
QUESTION = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><p>Rate it</p>]]>'
    "</HTMLContent><FrameHeight>400</FrameHeight></HTMLQuestion>"
)
WORKERS = ["A1ANN", "A2BOB", "A3CAT"]
MAX_HITS = 5
SCREEN_MINIMUM = 2  # a screened HIT requires a score of at least this


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Account:
    """What the checks need of the exported state, indexed."""

    def __init__(self, state: dict[str, Any], now: datetime) -> None:
        self.state = state
        self.now = now
        self.hits = {h["HITId"]: h for h in state["HITs"]}
        self.assignments = state["Assignments"]

    def of(self, hit_id: str, *statuses: str) -> list[dict[str, Any]]:
        return [
            a
            for a in self.assignments
            if a["HITId"] == hit_id and (not statuses or a["AssignmentStatus"] in statuses)
        ]

    def expired(self, hit: dict[str, Any]) -> bool:
        return self.now >= parse_time(hit["Expiration"])


class Lifecycle(RuleBasedStateMachine):
    server: InProcessServer

    def __init__(self) -> None:
        super().__init__()
        self.server.reset(empty=True)
        self.mturk = checked(self.server.client())
        self.tokens: dict[str, datetime] = {}
        self.screen = self.mturk.create_qualification_type(
            Name="Screened", Description="Passed screening", QualificationTypeStatus="Active"
        )["QualificationType"]["QualificationTypeId"]
        self.account()

    # --- Reading -----------------------------------------------------------------------------

    def account(self) -> Account:
        """The state now; kept as ``seen`` for the preconditions of the next step (the checks
        read it after every step, so it is never stale when a rule is chosen)."""
        self.seen = Account(self.server.state(), self.server.clock.now())
        return self.seen

    def has(self, *statuses: str) -> bool:
        return any(a["AssignmentStatus"] in statuses for a in self.seen.assignments)

    def pick(self, data: st.DataObject, choices: list[Any]) -> Any:
        return data.draw(st.sampled_from(sorted(choices, key=str)))

    # --- The requester ---------------------------------------------------------------------------

    @precondition(lambda self: len(self.seen.hits) < MAX_HITS)
    @rule(
        max_assignments=st.integers(1, 12),
        lifetime=st.sampled_from([60, 600, 3600]),
        duration=st.sampled_from([30, 300]),
        delay=st.sampled_from([0, 120, 3600]),
        reward=st.sampled_from(["0.00", "0.05", "0.50", "1.25"]),
        token=st.none() | st.sampled_from(["t1", "t2"]),
        screened=st.booleans(),
    )
    def create_hit(self, max_assignments, lifetime, duration, delay, reward, token, screened):
        params: dict[str, Any] = {
            "Title": f"Rate sentences ({reward})",
            "Description": "Rate how natural each sentence sounds.",
            "Reward": reward,
            "AssignmentDurationInSeconds": duration,
            "AutoApprovalDelayInSeconds": delay,
            "LifetimeInSeconds": lifetime,
            "MaxAssignments": max_assignments,
            "Question": QUESTION,
        }
        if screened:
            params["QualificationRequirements"] = [
                {
                    "QualificationTypeId": self.screen,
                    "Comparator": "GreaterThanOrEqualTo",
                    "IntegerValues": [SCREEN_MINIMUM],
                }
            ]
        now = self.server.clock.now()
        repeated = token is not None and token in self.tokens and now < self.tokens[token]
        if token is not None:
            params["UniqueRequestToken"] = token
        if repeated:
            with pytest.raises(self.mturk.exceptions.RequestError):
                self.mturk.create_hit(**params)
            return
        hit = self.mturk.create_hit(**params)["HIT"]
        assert hit["NumberOfAssignmentsAvailable"] == max_assignments
        if token is not None:
            self.tokens[token] = now + timedelta(hours=24)

    @precondition(lambda self: self.has("Submitted"))
    @rule(data=st.data())
    def approve(self, data):
        account = self.account()
        submitted = [a for a in account.assignments if a["AssignmentStatus"] == "Submitted"]
        if not submitted:
            return
        chosen = self.pick(data, [a["AssignmentId"] for a in submitted])
        self.mturk.approve_assignment(AssignmentId=chosen)

    @precondition(lambda self: self.has("Submitted", "Rejected"))
    @rule(data=st.data(), override=st.booleans())
    def reject_or_override(self, data, override):
        account = self.account()
        wanted = "Rejected" if override else "Submitted"
        found = [a for a in account.assignments if a["AssignmentStatus"] == wanted]
        if not found:
            return
        chosen = self.pick(data, found)
        if not override:
            self.mturk.reject_assignment(AssignmentId=chosen["AssignmentId"], RequesterFeedback="")
            return
        within = account.now - parse_time(chosen["SubmitTime"]) <= timedelta(days=30)
        if within:
            self.mturk.approve_assignment(
                AssignmentId=chosen["AssignmentId"], OverrideRejection=True
            )
        else:
            with pytest.raises(self.mturk.exceptions.RequestError):
                self.mturk.approve_assignment(
                    AssignmentId=chosen["AssignmentId"], OverrideRejection=True
                )

    # --- Workers ---------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.seen.hits))
    @rule(data=st.data(), worker=st.sampled_from(WORKERS))
    def accept(self, data, worker):
        account = self.account()
        if not account.hits:
            return
        hit_id = self.pick(data, list(account.hits))
        hit = account.hits[hit_id]
        held = [a for a in account.of(hit_id) if a["WorkerId"] == worker]
        can = hit["HITStatus"] == "Assignable" and not held
        allowed = worker not in self.blocked(account) and (
            not hit["QualificationRequirements"]
            or self.scores(account).get(worker, -1) >= SCREEN_MINIMUM
        )
        try:
            work = self.server.worker(worker).accept(hit_id)
        except ControlError as error:
            assert not (can and allowed), error
            assert error.status in ((404, 409) if not can else (403,)), error
            return
        assert can and allowed
        assert work.deadline == work.accept_time + timedelta(
            seconds=hit["AssignmentDurationInSeconds"]
        )

    @precondition(lambda self: self.has("Accepted"))
    @rule(data=st.data(), submit=st.booleans())
    def finish(self, data, submit):
        """A worker at work submits (answers of a few fields) or returns the assignment."""
        account = self.account()
        doing = [a for a in account.assignments if a["AssignmentStatus"] == "Accepted"]
        if not doing:
            return
        chosen = self.pick(data, [a["AssignmentId"] for a in doing])
        path = f"/_mockturk/assignments/{chosen}/" + ("submit" if submit else "return")
        body = {"answers": {"rating": "4"}} if submit else None
        response = raw_request(self.server, path=path, body=body)
        assert response.status == 200, response.body

    @precondition(lambda self: self.has("Submitted", "Approved", "Rejected"))
    @rule(data=st.data(), amount=st.sampled_from(["0.01", "0.50", "2.00"]))
    def bonus(self, data, amount):
        account = self.account()
        visible = [
            a
            for a in account.assignments
            if a["AssignmentStatus"] != "Accepted"
            and account.hits[a["HITId"]]["HITStatus"] != "Disposed"
        ]
        if not visible:
            return
        chosen = self.pick(data, visible)
        self.mturk.send_bonus(
            WorkerId=chosen["WorkerId"],
            BonusAmount=amount,
            AssignmentId=chosen["AssignmentId"],
            Reason="Thank you.",
        )

    @precondition(lambda self: bool(self.seen.hits))
    @rule(data=st.data(), past=st.booleans(), minutes=st.sampled_from([0, 1, 30, 600]))
    def expire_or_extend(self, data, past, minutes):
        account = self.account()
        if not account.hits:
            return
        hit = account.hits[self.pick(data, list(account.hits))]
        if past:  # as clients expire HITs: again and again, deleted or not
            self.mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2015, 1, 1))
            return
        base = max(parse_time(hit["Expiration"]), account.now)
        expire_at = base + timedelta(minutes=minutes)
        expiring = expire_at <= account.now  # an ExpireAt not in the future expires it now
        extensible = minutes >= 1 and hit["HITStatus"] != "Disposed"
        try:
            self.mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=expire_at)
        except ClientError as error:
            repeated = error.response["Error"]["Code"] == "RequestError" and extensible
            assert not expiring and (not extensible or repeated), error
            return
        assert expiring or extensible

    @precondition(lambda self: bool(self.seen.hits))
    @rule(data=st.data(), count=st.sampled_from([1, 2, 5]))
    def add_assignments(self, data, count):
        account = self.account()
        if not account.hits:
            return
        hit = account.hits[self.pick(data, list(account.hits))]
        maximum = hit["MaxAssignments"]
        can = hit["HITStatus"] != "Disposed" and not (maximum < 10 <= maximum + count)
        try:
            self.mturk.create_additional_assignments_for_hit(
                HITId=hit["HITId"], NumberOfAdditionalAssignments=count
            )
        except ClientError:
            assert not can
            return
        assert can

    @precondition(lambda self: bool(self.seen.hits))
    @rule(data=st.data(), revert=st.booleans())
    def review_status(self, data, revert):
        account = self.account()
        if not account.hits:
            return
        hit = account.hits[self.pick(data, list(account.hits))]
        can = hit["HITStatus"] == ("Reviewing" if revert else "Reviewable")
        try:
            self.mturk.update_hit_review_status(HITId=hit["HITId"], Revert=revert)
        except ClientError:
            assert not can
            return
        assert can

    @precondition(lambda self: bool(self.seen.hits))
    @rule(data=st.data())
    def delete(self, data):
        account = self.account()
        if not account.hits:
            return
        hit_id = self.pick(data, list(account.hits))
        hit = account.hits[hit_id]
        can = hit["HITStatus"] in ("Reviewable", "Reviewing") and not account.of(
            hit_id, "Accepted", "Submitted"
        )
        try:
            self.mturk.delete_hit(HITId=hit_id)
        except ClientError as error:
            assert not can, error
            return
        assert can

    # --- Screening ---------------------------------------------------------------------------

    def scores(self, account: Account) -> dict[str, int]:
        """Workers' granted scores of the screening type."""
        return {
            q["WorkerId"]: q["IntegerValue"]
            for q in account.state.get("Qualifications", [])
            if q["Status"] == "Granted"
        }

    def blocked(self, account: Account) -> set[str]:
        return {b["WorkerId"] for b in account.state.get("WorkerBlocks", [])}

    @rule(worker=st.sampled_from(WORKERS), value=st.integers(0, 3))
    def grant(self, worker, value):
        self.mturk.associate_qualification_with_worker(
            QualificationTypeId=self.screen, WorkerId=worker, IntegerValue=value
        )

    @rule(worker=st.sampled_from(WORKERS))
    def revoke(self, worker):
        granted = worker in self.scores(self.account())
        try:
            self.mturk.disassociate_qualification_from_worker(
                QualificationTypeId=self.screen, WorkerId=worker, Reason="Rescreening"
            )
        except ClientError as error:
            assert not granted, error
            return
        assert granted

    @rule(worker=st.sampled_from(WORKERS), block=st.booleans())
    def block_or_unblock(self, worker, block):
        account = self.account()
        if not block:
            self.mturk.delete_worker_block(WorkerId=worker)
            return
        known = any(a["WorkerId"] == worker for a in account.assignments) or any(
            q["WorkerId"] == worker for q in account.state.get("Qualifications", [])
        )
        try:
            self.mturk.create_worker_block(WorkerId=worker, Reason="Too fast")
        except ClientError as error:
            assert not known, error
            return
        assert known

    @rule(seconds=st.sampled_from([1, 29, 59, 300, 3600, 86400, 31 * 86400]))
    def advance(self, seconds):
        self.server.clock.advance(seconds)

    # --- What always holds -----------------------------------------------------------------------

    @invariant()
    def counters_and_status_agree_with_the_assignments(self):
        account = self.account()
        for hit_id, hit in account.hits.items():
            pending = len(account.of(hit_id, "Accepted"))
            submitted = len(account.of(hit_id, "Submitted"))
            completed = len(account.of(hit_id, "Approved", "Rejected"))
            available = hit["MaxAssignments"] - pending - submitted - completed
            assert hit["NumberOfAssignmentsPending"] == pending, hit
            assert hit["NumberOfAssignmentsCompleted"] == completed, hit
            assert hit["NumberOfAssignmentsAvailable"] == available, hit
            if hit["HITStatus"] in ("Disposed", "Reviewing"):
                continue
            if available > 0 and not account.expired(hit):
                expected = "Assignable"
            elif pending > 0:
                expected = "Unassignable"
            else:
                expected = "Reviewable"
            assert hit["HITStatus"] == expected, hit
        for assignment in account.assignments:
            if assignment["AssignmentStatus"] == "Accepted":
                assert parse_time(assignment["Deadline"]) > account.now, assignment
            if assignment["AssignmentStatus"] == "Submitted":
                assert parse_time(assignment["AutoApprovalTime"]) > account.now, assignment
            if assignment["AssignmentStatus"] == "Approved" and "RejectionTime" not in assignment:
                assert parse_time(assignment["ApprovalTime"]) <= parse_time(
                    assignment["AutoApprovalTime"]
                )

    @invariant()
    def the_balance_is_the_start_less_what_was_paid_and_held(self):
        account = self.account()
        paid = held = Decimal("0.00")
        for hit_id, hit in account.hits.items():
            reward = parse_amount(hit["Reward"])
            cost = reward + assignment_fee(reward, hit["MaxAssignments"])
            paid += cost * len(account.of(hit_id, "Approved"))
            live = len(account.of(hit_id, "Accepted", "Submitted"))
            if hit["HITStatus"] != "Disposed" and not account.expired(hit):
                live += hit["NumberOfAssignmentsAvailable"]
            held += cost * live
        for bonus in account.state.get("BonusPayments", []):
            amount = parse_amount(bonus["BonusAmount"])
            paid += amount + bonus_fee(amount)
        balance = Decimal(self.mturk.get_account_balance()["AvailableBalance"])
        assert balance == START_BALANCE - paid - held

    @invariant()
    def every_listing_pages_to_exactly_the_visible_records(self):
        account = self.account()
        listed = sorted(
            (h for h in account.hits.values() if h["HITStatus"] != "Disposed"),
            key=lambda h: (-parse_time(h["CreationTime"]).timestamp(), h["HITId"]),
        )
        assert self.walk("list_hits", "HITs", "HITId") == [h["HITId"] for h in listed]
        for hit in listed:
            shown = sorted(
                (a for a in account.of(hit["HITId"]) if a["AssignmentStatus"] != "Accepted"),
                key=lambda a: (parse_time(a["SubmitTime"]), a["AssignmentId"]),
            )
            walked = self.walk(
                "list_assignments_for_hit", "Assignments", "AssignmentId", HITId=hit["HITId"]
            )
            assert walked == [a["AssignmentId"] for a in shown]

    @invariant()
    def reviewable_hits_bonuses_scores_and_blocks_list_exactly(self):
        account = self.account()
        order = sorted(
            account.hits.values(),
            key=lambda h: (-parse_time(h["CreationTime"]).timestamp(), h["HITId"]),
        )
        for status in ("Reviewable", "Reviewing"):
            walked = self.walk("list_reviewable_hits", "HITs", "HITId", Status=status)
            assert walked == [h["HITId"] for h in order if h["HITStatus"] == status]
        bonuses = account.state.get("BonusPayments", [])
        for hit_id in account.hits:
            of_hit = [b for b in bonuses if account_hit(account, b) == hit_id]
            of_hit.sort(key=lambda b: (parse_time(b["GrantTime"]), b["PaymentId"]))
            walked = self.walk("list_bonus_payments", "BonusPayments", "AssignmentId", HITId=hit_id)
            assert walked == [b["AssignmentId"] for b in of_hit]
        self.scores_and_blocks_list_exactly(account)

    def scores_and_blocks_list_exactly(self, account: Account) -> None:
        walked = self.walk(
            "list_workers_with_qualification_type",
            "Qualifications",
            "WorkerId",
            QualificationTypeId=self.screen,
        )
        qualifications = account.state.get("Qualifications", [])
        expected = sorted(qualifications, key=lambda q: (parse_time(q["GrantTime"]), q["WorkerId"]))
        assert walked == [q["WorkerId"] for q in expected]
        assert self.walk("list_worker_blocks", "WorkerBlocks", "WorkerId") == sorted(
            self.blocked(account)
        )

    @invariant()
    def export_then_load_is_the_identity(self):
        state = self.server.state()
        self.server.load(state, replace=True)
        assert self.server.state() == state

    def walk(self, operation: str, key: str, id_field: str, **params: Any) -> list[str]:
        found: list[str] = []
        token = None
        for _ in range(100):
            page = getattr(self.mturk, operation)(
                MaxResults=2, **params, **({"NextToken": token} if token else {})
            )
            found += [record[id_field] for record in page[key]]
            token = page.get("NextToken")
            if not page[key]:
                assert token is None
                return found
        raise AssertionError("the listing never ended")


def account_hit(account: Account, bonus: dict[str, Any]) -> str:
    (assignment,) = [a for a in account.assignments if a["AssignmentId"] == bonus["AssignmentId"]]
    return str(assignment["HITId"])


@pytest.fixture(scope="module")
def machine_server():
    with serve([], start_time=START, frozen_clock=True) as server:
        yield server


def test_the_lifecycle_holds_under_random_workflows(machine_server):
    Lifecycle.server = machine_server
    run_state_machine_as_test(
        Lifecycle, settings=settings(fuzz_settings(40), stateful_step_count=25)
    )
    machine_server.check()
