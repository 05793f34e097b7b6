"""Changing HITs after their creation, and listing those in review, through boto3: expiry and
extension, more assignments, review status, another HIT type, deletion, ListReviewableHITs.

Every refusal is checked for its exact text and for leaving the state as it was; the clock is
frozen and moved by the tests, and simulated workers do the work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import support
from botocore.exceptions import ClientError
from support import WireChecker, call, hit_record

from mockturk.quoted import java_date
from mockturk.testing import InProcessServer

START = support.LAB_START
QUESTION, TYPE = support.LAB_QUESTION, support.LAB_HIT_TYPE
SLOT = Decimal("0.60")  # a $0.50 reward and its 20 % fee
DELETE_STATES = "This operation can be called with a status of: Reviewing, Reviewable"


class Lab(support.Lab):
    def create(self, **fields: Any) -> str:
        params = {**TYPE, "LifetimeInSeconds": 3600, "Question": QUESTION, **fields}
        return self.mturk.create_hit(**params)["HIT"]["HITId"]

    def submitted(self, hit_id: str, worker_id: str = "A1WORKER") -> str:
        """A worker accepts and submits one assignment; its AssignmentId."""
        work = self.server.worker(worker_id).accept(hit_id)
        work.submit({"rating": "4"})
        return work.assignment_id

    def expire(self, hit_id: str) -> None:
        self.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)

    def reviewable(self, **filters: Any) -> list[str]:
        return [h["HITId"] for h in self.mturk.list_reviewable_hits(**filters)["HITs"]]

    def refused(self, call: Callable[[], Any], error: str = "RequestError") -> str:
        """The message (its stamp checked and removed) of a call that must change nothing."""
        before = self.server.state()
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == error
        assert self.server.state() == before
        message: str = self.last_error()["Message"]
        if self.last_error()["TurkErrorCode"] == "AWS.MechanicalTurk.InsufficientFunds":
            return message  # the real text has no stamp
        text, _, stamp = message.rpartition(" (")
        assert stamp.endswith(")") and stamp[:-1].isdigit(), message
        return text

    def last_error(self) -> dict[str, Any]:
        """The body of the last response, as it came over the wire."""
        body: dict[str, Any] = self.wire.seen[-1]["body"]
        return body


@pytest.fixture
def lab(lab_server: InProcessServer, wire: WireChecker) -> Lab:
    lab_server.reset(empty=True)  # the clock too goes back to START
    return Lab(lab_server, wire)


def increment_error(value: int) -> str:
    return (
        f"The value {value} is invalid for ExpirationIncrementInSeconds."
        " Valid values range from 60 to 31536000."
    )


# --- UpdateExpirationForHIT: expiring now --------------------------------------------------------


@pytest.mark.parametrize(
    "expire_at",
    [
        pytest.param(lambda now: 0, id="zero-dallinger"),
        pytest.param(lambda now: datetime(2015, 1, 1), id="2015-mephisto-otree"),
        pytest.param(lambda now: now - timedelta(days=30), id="a-month-ago-psiturk"),
        pytest.param(lambda now: datetime(1987, 1, 1, tzinfo=UTC), id="1987-awscli"),
        pytest.param(lambda now: now, id="now"),
    ],
)
def test_a_time_not_in_the_future_expires_the_hit_now(lab, expire_at):
    hit_id = lab.create(MaxAssignments=2)
    start = lab.balance()
    lab.advance(10)
    assert lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=expire_at(lab.now))
    hit = lab.hit(hit_id)
    assert hit["Expiration"] == lab.now  # the time of the call, not the date sent
    assert lab.counters(hit_id) == ("Reviewable", 2, 0, 0)  # untaken slots stay counted
    assert lab.balance() == start + 2 * SLOT  # and are no longer held
    assert lab.reviewable() == [hit_id]


def test_expiring_again_succeeds_and_changes_nothing(lab):
    by_itself = lab.create(LifetimeInSeconds=300)
    by_request = lab.create()
    lab.advance(400)
    lab.mturk.update_expiration_for_hit(HITId=by_request, ExpireAt=datetime(2015, 1, 1))
    expired_at = {by_itself: START + timedelta(seconds=300), by_request: lab.now}
    for _ in range(3):  # the clean-up loops of Mephisto and ParlAI
        lab.advance(30)
        for hit_id in expired_at:
            before = lab.server.state()
            response = lab.mturk.update_expiration_for_hit(
                HITId=hit_id, ExpireAt=datetime(2015, 1, 1)
            )
            assert set(response) == {"ResponseMetadata"}
            assert lab.server.state() == before
    assert {hit_id: lab.hit(hit_id)["Expiration"] for hit_id in expired_at} == expired_at


def test_workers_at_work_may_submit_after_an_expiry(lab):
    hit_id = lab.create(MaxAssignments=3)
    work = lab.server.worker("A1WORKER").accept(hit_id)
    lab.expire(hit_id)
    assert lab.counters(hit_id) == ("Unassignable", 2, 1, 0)
    assert lab.reviewable() == []
    work.submit({"rating": "5"})
    assert lab.counters(hit_id) == ("Reviewable", 2, 0, 0)
    assert lab.reviewable() == [hit_id]


def test_an_unknown_hit_does_not_exist(lab):
    for request in (
        lambda: lab.mturk.update_expiration_for_hit(HITId="3NOSUCHHIT", ExpireAt=0),
        lambda: lab.mturk.update_expiration_for_hit(HITId="3NOSUCHHIT", ExpireAt=lab.now),
        lambda: lab.mturk.create_additional_assignments_for_hit(
            HITId="3NOSUCHHIT", NumberOfAdditionalAssignments=1
        ),
        lambda: lab.mturk.update_hit_review_status(HITId="3NOSUCHHIT"),
        lambda: lab.mturk.update_hit_type_of_hit(HITId="3NOSUCHHIT", HITTypeId="3NOSUCHTYPE"),
        lambda: lab.mturk.delete_hit(HITId="3NOSUCHHIT"),
    ):
        assert lab.refused(request) == "Hit 3NOSUCHHIT does not exist."


# --- UpdateExpirationForHIT: extending -----------------------------------------------------------


def test_a_later_expiry_extends_the_hit_and_holds_until_then(lab):
    hit_id = lab.create()
    later = START + timedelta(hours=3)
    lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=later)
    assert lab.hit(hit_id)["Expiration"] == later
    lab.advance(3600)  # the first expiry passes: nothing happens
    assert lab.counters(hit_id) == ("Assignable", 1, 0, 0)
    lab.advance(2 * 3600)
    assert lab.counters(hit_id) == ("Reviewable", 1, 0, 0)


@pytest.mark.parametrize(
    ("lifetime", "target", "increment"),
    [
        pytest.param(3720, 3600, -120, id="now-plus-an-hour-before-the-expiry"),
        pytest.param(3589, 3600, 11, id="now-plus-an-hour-11s-after-the-expiry"),
        pytest.param(3541, 3600, 59, id="59s"),
        pytest.param(3600, 3600, 0, id="the-same-expiry"),
        pytest.param(3600, 3600 + 31536001, 31536001, id="a-year-and-a-second"),
    ],
)
def test_an_increment_out_of_range_is_the_real_error(lab, lifetime, target, increment):
    hit_id = lab.create(LifetimeInSeconds=lifetime)
    expire_at = lab.now + timedelta(seconds=target)
    message = lab.refused(
        lambda: lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=expire_at),
        "ParameterValidationError",
    )
    assert message == increment_error(increment)
    error = lab.last_error()
    assert (error["Parameter"], error["TurkErrorCode"]) == (
        "ExpirationIncrementInSeconds",
        "AWS.MechanicalTurk.InvalidParameterValue",
    )


def test_increments_of_a_minute_and_of_a_year_are_accepted(lab):
    hit_id = lab.create()
    expiry = START + timedelta(hours=1)
    for seconds in (60, 31536000):
        expiry += timedelta(seconds=seconds)
        lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=expiry)
        assert lab.hit(hit_id)["Expiration"] == expiry


def test_epoch_milliseconds_are_an_increment_out_of_range(lab):
    hit_id = lab.create()
    millis = round(lab.now.timestamp() * 1000) + 3_600_000
    before = lab.server.state()
    response = call(lab.server, "UpdateExpirationForHIT", {"HITId": hit_id, "ExpireAt": millis})
    increment = millis - round(lab.now.timestamp()) - 3600
    assert response.status == 400
    assert response.json()["Message"].startswith(increment_error(increment) + " (")
    assert lab.server.state() == before


def test_an_expiry_past_what_records_hold_is_refused(lab):
    late = hit_record("3LATEHIT", HITStatus="Assignable", Expiration="2242-03-01T00:00:00Z")
    lab.server.load({"HITs": [late]})
    beyond = 2**33 + 1  # 2242-03-16T12:56:33Z, within a year of the HIT's expiry
    before = lab.server.state()
    response = call(lab.server, "UpdateExpirationForHIT", {"HITId": "3LATEHIT", "ExpireAt": beyond})
    body = response.json()
    assert (response.status, body["Parameter"]) == (400, "ExpireAt")
    assert body["Message"].startswith(
        f'The value "{beyond}" is not valid for the parameter ExpireAt. Timestamps must lie'
        " between 1697-10-17T11:03:28Z and 2242-03-16T12:56:32Z"
    )
    assert lab.server.state() == before


def test_the_same_future_expiry_twice_is_the_real_idempotency_error(lab):
    hit_id = lab.create(LifetimeInSeconds=31536000)
    target = START + timedelta(days=400, microseconds=250_000)
    lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=target)
    token = hit_id + java_date(target)
    assert token.endswith("Wed Jan 05 09:00:00 UTC 2028")
    expected = f'The idempotency token "{token}" has already been processed.'
    # The token holds the date to the second, as Java's Date.toString writes it.
    for again in (target, target.replace(microsecond=0), target + timedelta(microseconds=500_000)):
        message = lab.refused(
            lambda again=again: lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=again)
        )
        assert message == expected
        assert (
            lab.last_error()["TurkErrorCode"]
            == "AWS.MechanicalTurk.IdempotencyTokenAlreadyProcessed"
        )
    lab.advance(24 * 3600)  # the token has lapsed: the same date is now no increment at all
    message = lab.refused(
        lambda: lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=target),
        "ParameterValidationError",
    )
    assert message == increment_error(0)


def test_the_idempotency_token_is_per_hit(lab):
    first, second = lab.create(), lab.create()
    target = START + timedelta(hours=5)
    for hit_id in (first, second):
        lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=target)
        assert lab.hit(hit_id)["Expiration"] == target


def test_an_expired_hit_is_revived_and_held_again(lab):
    start = lab.balance()
    hit_id = lab.create(MaxAssignments=2, LifetimeInSeconds=300)
    lab.advance(400)
    assert lab.counters(hit_id) == ("Reviewable", 2, 0, 0)
    assert lab.balance() == start
    # Measured from now, not from the expiry 100 s ago: 30 s is too little.
    message = lab.refused(
        lambda: lab.mturk.update_expiration_for_hit(
            HITId=hit_id, ExpireAt=lab.now + timedelta(seconds=30)
        ),
        "ParameterValidationError",
    )
    assert message == increment_error(30)
    revived = lab.now + timedelta(hours=1)
    lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=revived)
    assert lab.counters(hit_id) == ("Assignable", 2, 0, 0)
    assert lab.hit(hit_id)["Expiration"] == revived
    assert lab.balance() == start - 2 * SLOT
    assert lab.reviewable() == []
    lab.server.worker("A1WORKER").accept(hit_id)  # workers can take it again
    assert lab.counters(hit_id) == ("Assignable", 1, 1, 0)
    lab.advance(3600)  # the new expiry passes, and the work is abandoned
    assert lab.counters(hit_id) == ("Reviewable", 2, 0, 0)
    assert lab.balance() == start


def test_a_revival_the_balance_cannot_bear_is_refused(lab):
    big = lab.create(Reward="1000.00", MaxAssignments=8, LifetimeInSeconds=300)  # $9600
    lab.advance(400)
    lab.create(Reward="1000.00", MaxAssignments=7)  # $8400 of the $10000
    message = lab.refused(
        lambda: lab.mturk.update_expiration_for_hit(
            HITId=big, ExpireAt=lab.now + timedelta(hours=1)
        )
    )
    assert message.startswith("This Requester has insufficient funds in their account")
    assert lab.counters(big) == ("Reviewable", 8, 0, 0)
    assert lab.balance() == Decimal("1600.00")


# --- CreateAdditionalAssignmentsForHIT -----------------------------------------------------------


def test_additional_assignments_reopen_a_full_hit_and_are_held(lab):
    start = lab.balance()
    hit_id = lab.create(MaxAssignments=2)
    lab.submitted(hit_id, "A1FIRST")
    lab.submitted(hit_id, "A2SECOND")
    assert lab.counters(hit_id) == ("Reviewable", 0, 0, 0)
    assert lab.mturk.create_additional_assignments_for_hit(
        HITId=hit_id, NumberOfAdditionalAssignments=3
    )
    hit = lab.hit(hit_id)
    assert hit["MaxAssignments"] == 5
    assert lab.counters(hit_id) == ("Assignable", 3, 0, 0)
    assert lab.balance() == start - 5 * SLOT  # two submitted and three new slots held
    assert lab.reviewable() == []


def test_fewer_than_ten_assignments_cannot_become_ten_or_more(lab):
    small = lab.create(MaxAssignments=5)
    for count in (5, 100):
        message = lab.refused(
            lambda count=count: lab.mturk.create_additional_assignments_for_hit(
                HITId=small, NumberOfAdditionalAssignments=count
            )
        )
        assert message == (
            "HITs created with fewer than 10 assignments cannot be extended to have 10 or more"
            " assignments."
        )
        assert lab.last_error()["TurkErrorCode"] == (
            "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease"
        )
    lab.mturk.create_additional_assignments_for_hit(HITId=small, NumberOfAdditionalAssignments=4)
    assert lab.hit(small)["MaxAssignments"] == 9
    large = lab.create(MaxAssignments=10)
    lab.mturk.create_additional_assignments_for_hit(HITId=large, NumberOfAdditionalAssignments=90)
    assert lab.hit(large)["MaxAssignments"] == 100


def test_a_unique_request_token_adds_assignments_once_in_24_hours(lab):
    hit_id, other = lab.create(), lab.create()

    def add(hit: str) -> Any:
        return lab.mturk.create_additional_assignments_for_hit(
            HITId=hit, NumberOfAdditionalAssignments=2, UniqueRequestToken="more-1"
        )

    add(hit_id)
    expected = 'The idempotency token "more-1" has already been processed.'
    assert lab.refused(lambda: add(hit_id)) == expected
    assert lab.refused(lambda: add(other)) == expected  # tokens are the requester's
    assert lab.hit(hit_id)["MaxAssignments"] == 3
    lab.advance(24 * 3600 - 1)
    assert lab.refused(lambda: add(hit_id)) == expected
    lab.advance(1)
    add(hit_id)
    assert lab.hit(hit_id)["MaxAssignments"] == 5


def test_an_expired_hit_gets_assignments_and_stays_expired(lab):
    start = lab.balance()
    hit_id = lab.create(LifetimeInSeconds=300)
    lab.advance(300)
    lab.mturk.create_additional_assignments_for_hit(HITId=hit_id, NumberOfAdditionalAssignments=2)
    assert lab.counters(hit_id) == ("Reviewable", 3, 0, 0)
    assert lab.balance() == start  # slots nobody can take hold nothing
    lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=lab.now + timedelta(hours=1))
    assert lab.counters(hit_id) == ("Assignable", 3, 0, 0)
    assert lab.balance() == start - 3 * SLOT


def test_more_assignments_than_the_balance_bears_are_refused(lab):
    hit_id = lab.create(Reward="100.00", MaxAssignments=50)  # $7000 of the $10000
    message = lab.refused(
        lambda: lab.mturk.create_additional_assignments_for_hit(
            HITId=hit_id, NumberOfAdditionalAssignments=25
        )
    )
    assert message.startswith("This Requester has insufficient funds in their account")


def test_a_hit_never_holds_more_assignments_than_create_hit_allows(lab):
    # Expired, so that its slots hold nothing and only the cap can refuse.
    lab.server.load(
        {
            "HITs": [
                hit_record(
                    "3HUGEHIT",
                    CreationTime="2026-05-01T00:00:00Z",
                    Expiration="2026-05-08T00:00:00Z",
                    MaxAssignments=999_999_995,
                )
            ]
        }
    )
    message = lab.refused(
        lambda: lab.mturk.create_additional_assignments_for_hit(
            HITId="3HUGEHIT", NumberOfAdditionalAssignments=6
        ),
        "ParameterValidationError",
    )
    assert message == (
        "The value 6 is invalid for NumberOfAdditionalAssignments. Valid values range from 1 to 5."
    )
    assert lab.hit("3HUGEHIT")["MaxAssignments"] == 999_999_995
    lab.mturk.create_additional_assignments_for_hit(
        HITId="3HUGEHIT", NumberOfAdditionalAssignments=5
    )
    assert lab.hit("3HUGEHIT")["MaxAssignments"] == 1_000_000_000


def test_a_hit_created_before_july_22_2015_cannot_be_extended(lab):
    lab.server.load(
        {
            "HITs": [
                hit_record(
                    "3OLDHIT",
                    CreationTime="2015-07-21T23:59:59Z",
                    Expiration="2015-07-28T00:00:00Z",
                    MaxAssignments=3,
                )
            ]
        }
    )
    message = lab.refused(
        lambda: lab.mturk.create_additional_assignments_for_hit(
            HITId="3OLDHIT", NumberOfAdditionalAssignments=1
        )
    )
    assert message == "HITs that were created before July 22, 2015 cannot be extended."
    assert lab.last_error()["TurkErrorCode"] == "AWS.MechanicalTurk.HITTooOldForExtension"


# --- UpdateHITReviewStatus -----------------------------------------------------------------------


def test_a_reviewable_hit_is_set_aside_and_put_back(lab):
    hit_id = lab.create()
    lab.expire(hit_id)
    assert lab.mturk.update_hit_review_status(HITId=hit_id)
    assert lab.counters(hit_id) == ("Reviewing", 1, 0, 0)
    assert lab.reviewable() == []
    assert lab.reviewable(Status="Reviewing") == [hit_id]
    lab.mturk.update_hit_review_status(HITId=hit_id, Revert=True)
    assert lab.counters(hit_id) == ("Reviewable", 1, 0, 0)
    assert lab.reviewable() == [hit_id]
    assert lab.reviewable(Status="Reviewing") == []


@pytest.mark.parametrize(
    ("setup", "revert", "current", "allowed"),
    [
        pytest.param("live", False, "Assignable", "Reviewable", id="assignable"),
        pytest.param("working", False, "Unassignable", "Reviewable", id="unassignable"),
        pytest.param("reviewing", False, "Reviewing", "Reviewable", id="reviewing-again"),
        pytest.param("reviewable", True, "Reviewable", "Reviewing", id="revert-reviewable"),
        pytest.param("live", True, "Assignable", "Reviewing", id="revert-assignable"),
        pytest.param("deleted", False, "Disposed", "Reviewable", id="disposed"),
    ],
)
def test_review_status_in_the_wrong_state_is_refused(lab, setup, revert, current, allowed):
    hit_id = lab.create()
    if setup == "working":
        lab.server.worker("A1WORKER").accept(hit_id)
    if setup in ("reviewable", "reviewing", "deleted"):
        lab.expire(hit_id)
    if setup == "reviewing":
        lab.mturk.update_hit_review_status(HITId=hit_id)
    if setup == "deleted":
        lab.mturk.delete_hit(HITId=hit_id)
    message = lab.refused(lambda: lab.mturk.update_hit_review_status(HITId=hit_id, Revert=revert))
    assert message == (
        f"This HIT is currently in the state '{current}'.  This operation can be called with a"
        f" status of: {allowed}"
    )
    assert lab.last_error()["TurkErrorCode"] == "AWS.MechanicalTurk.InvalidHITState"


def test_a_hit_set_aside_and_reopened_becomes_reviewable_again(lab):
    hit_id = lab.create()
    lab.submitted(hit_id)
    lab.mturk.update_hit_review_status(HITId=hit_id)
    lab.mturk.create_additional_assignments_for_hit(HITId=hit_id, NumberOfAdditionalAssignments=1)
    assert lab.counters(hit_id) == ("Assignable", 1, 0, 0)
    lab.submitted(hit_id, "A2SECOND")
    assert lab.counters(hit_id) == ("Reviewable", 0, 0, 0)


# --- UpdateHITTypeOfHIT --------------------------------------------------------------------------


def test_a_hit_takes_the_properties_of_its_new_type(lab):
    start = lab.balance()
    hit_id = lab.create(MaxAssignments=3)
    old = lab.hit(hit_id)
    waiting = lab.server.worker("A1WAITING").accept(hit_id)
    waiting.submit({"rating": "3"})
    working = lab.server.worker("A2WORKING").accept(hit_id)
    new_type = {
        "Title": "Rate ten sentences",
        "Description": "Read each sentence and rate it.",
        "Reward": "1.00",
        "AssignmentDurationInSeconds": 1200,
        "AutoApprovalDelayInSeconds": 60,
        "Keywords": "rating, sentences",
    }
    type_id = lab.mturk.create_hit_type(**new_type)["HITTypeId"]
    lab.advance(10)
    assert lab.mturk.update_hit_type_of_hit(HITId=hit_id, HITTypeId=type_id)
    hit = lab.hit(hit_id)
    assert {k: hit[k] for k in new_type} == new_type
    assert hit["HITTypeId"] == type_id and hit["HITGroupId"] != old["HITGroupId"]
    kept = ("HITId", "CreationTime", "Expiration", "MaxAssignments", "Question")
    assert {k: hit[k] for k in kept} == {k: old[k] for k in kept}
    assert lab.counters(hit_id) == ("Assignable", 1, 1, 0)
    assert lab.balance() == start - 3 * Decimal("1.20")  # every live slot at the new reward
    # Submitted work keeps its AutoApprovalTime, work in progress its deadline.
    shown = lab.mturk.get_assignment(AssignmentId=waiting.assignment_id)["Assignment"]
    assert shown["AutoApprovalTime"] == START + timedelta(seconds=3600)
    lab.advance(600 - 10)
    assert lab.counters(hit_id) == ("Assignable", 2, 0, 0)  # abandoned after 600 s
    assert working.deadline == START + timedelta(seconds=600)
    lab.mturk.approve_assignment(AssignmentId=waiting.assignment_id)
    assert lab.balance() == start - 3 * Decimal("1.20")  # paid at the new reward


def test_another_hit_type_is_refused_for_an_unknown_type_or_too_little_money(lab):
    hit_id = lab.create(MaxAssignments=9)
    message = lab.refused(
        lambda: lab.mturk.update_hit_type_of_hit(HITId=hit_id, HITTypeId="3NOSUCHTYPE")
    )
    assert message == "HITType 3NOSUCHTYPE does not exist."
    dear = lab.mturk.create_hit_type(**{**TYPE, "Reward": "1000.00"})["HITTypeId"]
    message = lab.refused(lambda: lab.mturk.update_hit_type_of_hit(HITId=hit_id, HITTypeId=dear))
    assert message.startswith("This Requester has insufficient funds in their account")


# --- DeleteHIT -----------------------------------------------------------------------------------


def test_a_reviewed_hit_is_deleted_and_still_shown_as_disposed(lab):
    hit_id = lab.create(MaxAssignments=2)
    assignment_id = lab.submitted(hit_id)
    lab.expire(hit_id)
    lab.mturk.approve_assignment(AssignmentId=assignment_id)
    before = lab.balance()
    assert lab.mturk.delete_hit(HITId=hit_id)
    assert lab.counters(hit_id) == ("Disposed", 1, 0, 1)
    assert lab.balance() == before
    assert lab.mturk.list_hits()["HITs"] == []
    assert lab.reviewable() == []
    for request in (
        lambda: lab.mturk.list_assignments_for_hit(HITId=hit_id),
        lambda: lab.mturk.create_additional_assignments_for_hit(
            HITId=hit_id, NumberOfAdditionalAssignments=1
        ),
        lambda: lab.mturk.update_expiration_for_hit(
            HITId=hit_id, ExpireAt=lab.now + timedelta(hours=1)
        ),
        lambda: lab.mturk.update_hit_type_of_hit(
            HITId=hit_id, HITTypeId=lab.hit(hit_id)["HITTypeId"]
        ),
    ):
        assert lab.refused(request) == f"Hit {hit_id} does not exist."
    message = lab.refused(lambda: lab.mturk.get_assignment(AssignmentId=assignment_id))
    assert message == f"Assignment {assignment_id} does not exist."


def test_a_reviewing_hit_can_be_deleted(lab):
    hit_id = lab.create()
    lab.expire(hit_id)
    lab.mturk.update_hit_review_status(HITId=hit_id)
    lab.mturk.delete_hit(HITId=hit_id)
    assert lab.hit(hit_id)["HITStatus"] == "Disposed"
    assert lab.reviewable(Status="Reviewing") == []


@pytest.mark.parametrize(
    ("setup", "current"),
    [
        pytest.param("live", "Assignable", id="assignable"),
        pytest.param("working", "Unassignable", id="worker-at-work-after-expiry"),
        pytest.param("unreviewed", "Reviewable", id="unreviewed-work"),
    ],
)
def test_a_hit_with_work_left_cannot_be_deleted(lab, setup, current):
    hit_id = lab.create(MaxAssignments=2)
    if setup == "working":
        lab.server.worker("A1WORKER").accept(hit_id)
        lab.expire(hit_id)
    if setup == "unreviewed":
        lab.submitted(hit_id)
        lab.expire(hit_id)
    message = lab.refused(lambda: lab.mturk.delete_hit(HITId=hit_id))
    assert message == f"This HIT is currently in the state '{current}'.  {DELETE_STATES}"


def test_deleting_twice_is_the_disposed_error_dallinger_matches(lab):
    hit_id = lab.create()

    def disable_hit() -> Any:
        """Dallinger's disable_hit: expire (ExpireAt=0), then delete."""
        lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
        return lab.mturk.delete_hit(HITId=hit_id)

    disable_hit()
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        disable_hit()
    assert "currently in the state 'Disposed'" in str(caught.value)
    message = lab.refused(lambda: lab.mturk.delete_hit(HITId=hit_id))
    assert message == f"This HIT is currently in the state 'Disposed'.  {DELETE_STATES}"


def test_mephisto_cleanup_deletes_what_it_can_and_expires_the_rest(lab):
    done, busy = lab.create(LifetimeInSeconds=300), lab.create()
    lab.server.worker("A1WORKER").accept(busy)
    lab.advance(300)
    left = []
    for hit_id in (done, busy):  # Mephisto's try_delete_hits
        try:
            lab.mturk.delete_hit(HITId=hit_id)
        except lab.mturk.exceptions.RequestError:
            lab.mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=datetime(2015, 1, 1))
            left.append(hit_id)
    assert left == [busy]
    assert lab.counters(busy) == ("Unassignable", 0, 1, 0)
    assert [h["HITId"] for h in lab.mturk.list_hits()["HITs"]] == [busy]


# --- ListReviewableHITs --------------------------------------------------------------------------


def test_reviewable_hits_are_paged_by_status_and_type(lab):
    one = lab.mturk.create_hit_type(**TYPE)["HITTypeId"]
    two = lab.mturk.create_hit_type(**{**TYPE, "Title": "Another task"})["HITTypeId"]
    hits: dict[str, list[str]] = {one: [], two: []}
    for index in range(9):
        type_id = (one, two)[index % 2]
        lab.advance(1)
        hit_id = lab.mturk.create_hit_with_hit_type(
            HITTypeId=type_id, LifetimeInSeconds=600, Question=QUESTION
        )["HIT"]["HITId"]
        hits[type_id].append(hit_id)
        if index % 3 != 2:
            lab.expire(hit_id)  # two in three are in review
        if index % 3 == 1:
            lab.mturk.update_hit_review_status(HITId=hit_id)  # one in three set aside
    newest_first = [h["HITId"] for h in lab.mturk.list_hits(MaxResults=100)["HITs"]]

    def in_review(status: str, type_id: str | None = None) -> list[str]:
        return [
            h
            for h in newest_first
            if lab.hit(h)["HITStatus"] == status and (type_id is None or h in hits[type_id])
        ]

    for status in ("Reviewable", "Reviewing"):
        for type_id in (None, one, two):
            filters = {"Status": status} | ({"HITTypeId": type_id} if type_id else {})
            assert walk(lab, filters, 2) == in_review(status, type_id)
    assert walk(lab, {}, 100) == in_review("Reviewable")  # the default status
    assert len(in_review("Reviewable")) == len(in_review("Reviewing")) == 3


def walk(lab: Lab, filters: dict[str, Any], page_size: int) -> list[str]:
    """Every page of a listing; each element is a HITId and nothing else."""
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = lab.mturk.list_reviewable_hits(**filters, MaxResults=page_size, **token)
        assert page["NumResults"] == len(page["HITs"]) <= page_size
        assert all(list(h) == ["HITId"] for h in page["HITs"])
        seen += [h["HITId"] for h in page["HITs"]]
        if "NextToken" not in page:
            assert page["NumResults"] == 0
            return seen
        token = {"NextToken": page["NextToken"]}


def test_the_boto3_paginator_walks_the_reviewable_hits(lab):
    made = [lab.create() for _ in range(5)]
    for hit_id in made:
        lab.expire(hit_id)
    pages = lab.mturk.get_paginator("list_reviewable_hits").paginate(
        PaginationConfig={"PageSize": 2}
    )
    assert sorted(h["HITId"] for page in pages for h in page["HITs"]) == sorted(made)


def test_a_next_token_is_only_good_for_its_filter(lab):
    type_id = lab.mturk.create_hit_type(**TYPE)["HITTypeId"]
    for _ in range(3):
        lab.expire(lab.create())
    token = lab.mturk.list_reviewable_hits(MaxResults=1)["NextToken"]
    for other in ({"Status": "Reviewing"}, {"HITTypeId": type_id}):
        message = lab.refused(
            lambda other=other: lab.mturk.list_reviewable_hits(NextToken=token, **other)
        )
        assert message == f'The value "{token}" is not valid for the parameter NextToken.'
    # Reviewable is the default, so naming it is the same filter.
    assert lab.mturk.list_reviewable_hits(NextToken=token, Status="Reviewable")["NumResults"] == 2


def test_an_unknown_hit_type_has_no_reviewable_hits(lab):
    lab.expire(lab.create())
    page = lab.mturk.list_reviewable_hits(HITTypeId="3NOSUCHTYPE")
    assert (page["NumResults"], page["HITs"]) == (0, [])
    assert lab.wire.seen[-1]["raw"] == '{"NumResults":0,"HITs":[]}'


def test_java_date_is_what_javas_date_to_string_writes():
    assert java_date(datetime(2021, 7, 14, 20, 26, 6, 999_000, tzinfo=UTC)) == (
        "Wed Jul 14 20:26:06 UTC 2021"
    )
    assert java_date(datetime(2027, 3, 1, 1, 2, 3, tzinfo=UTC)) == "Mon Mar 01 01:02:03 UTC 2027"
