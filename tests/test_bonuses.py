"""Bonuses through boto3: SendBonus's money, rules and errors, ListBonusPayments' listings, and
the account's balance options (a starting balance, a pinned balance, strict https)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import support
from botocore.exceptions import ClientError
from support import WireChecker, checked, client
from test_cli import Server, clean_env, run

from mockturk.testing import InProcessServer, Work, serve

START = support.LAB_START
STAMP = re.compile(r" \(\d+\)$")
QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>{url}</ExternalURL>'
    "<FrameHeight>600</FrameHeight></ExternalQuestion>"
)
HIT = {
    "Title": "Rate five sentences",
    "Description": "Read each sentence and rate how natural it sounds.",
    "Reward": "0.50",
    "AssignmentDurationInSeconds": 600,
    "AutoApprovalDelayInSeconds": 3600,
    "LifetimeInSeconds": 3600,
    "Question": QUESTION.format(url="https://example.com/task"),
}
BANNER_END = re.escape('print(mturk.list_hits()["NumResults"])')
INSUFFICIENT_FUNDS = (
    "This Requester has insufficient funds in their account to complete this transaction."
    " Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs."
)


class Lab(support.Lab):
    """The shared lab, and the work bonuses are paid for."""

    def new_hit(self, **fields: Any) -> str:
        return str(self.mturk.create_hit(**{**HIT, **fields})["HIT"]["HITId"])

    def submitted(self, hit_id: str, worker_id: str = "A1WORKER") -> Work:
        work = self.server.worker(worker_id).accept(hit_id)
        work.submit({"rating": "4"})
        return work

    def bonus(self, work: Work, amount: str = "0.50", **fields: Any) -> None:
        params = {"WorkerId": work.worker_id, "AssignmentId": work.assignment_id}
        self.mturk.send_bonus(**{**params, "BonusAmount": amount, "Reason": "Thanks", **fields})
        assert self.wire.seen[-1]["raw"] == "{}"

    def refused(self, call: Callable[[], Any]) -> dict[str, Any]:
        """The wire body of the error ``call`` gets, the stamp taken from its Message; and the
        account is exactly as it was."""
        before = self.server.state()
        with pytest.raises(ClientError):
            call()
        body = dict(self.wire.seen[-1]["body"])
        if "Message" in body:  # MTurk's own errors; the framework's have a "message"
            body["Message"] = STAMP.sub("", body["Message"])
        assert self.server.state() == before
        return body


@pytest.fixture
def lab(lab_server: InProcessServer, wire: WireChecker) -> Lab:
    lab_server.reset(empty=True)  # the clock too goes back to START
    return Lab(lab_server, wire)


# --- SendBonus: money ---------------------------------------------------------------------------


def test_two_fifty_cent_bonuses_cost_a_dollar_twenty(lab):
    work = lab.submitted(lab.new_hit())
    before = lab.balance()
    lab.bonus(work, "0.50")
    lab.bonus(work, "0.5")
    assert before - lab.balance() == Decimal("1.20")  # as a real account: $132.30 to $131.10


@pytest.mark.parametrize(
    ("amount", "cost"),
    [
        ("0.01", "0.02"),  # the fee's minimum, $0.01
        ("0.07", "0.08"),  # 20 % is $0.014: rounded down
        ("0.08", "0.10"),  # $0.016: rounded up
        ("2.53", "3.04"),  # $0.506: half up
        ("5", "6.00"),
        ("1000.", "1200.00"),
    ],
)
def test_a_bonus_costs_itself_and_a_fifth_at_once(lab, amount, cost):
    work = lab.submitted(lab.new_hit())
    before = lab.balance()
    lab.bonus(work, amount)
    assert before - lab.balance() == Decimal(cost)
    (payment,) = lab.mturk.list_bonus_payments(AssignmentId=work.assignment_id)["BonusPayments"]
    assert payment["BonusAmount"] == f"{Decimal(amount):.2f}"


def test_a_payment_records_worker_amount_assignment_reason_and_time(lab):
    work = lab.submitted(lab.new_hit())
    lab.server.clock.advance(90)
    lab.bonus(work, "1.25", Reason="For the careful comments")
    lab.mturk.list_bonus_payments(AssignmentId=work.assignment_id)
    (payment,) = lab.wire.seen[-1]["body"]["BonusPayments"]
    assert payment == {
        "WorkerId": "A1WORKER",
        "BonusAmount": "1.25",
        "AssignmentId": work.assignment_id,
        "Reason": "For the careful comments",
        "GrantTime": (START + timedelta(seconds=90)).timestamp(),
    }


@pytest.mark.parametrize("review", ["Submitted", "Approved", "Rejected"])
def test_submitted_and_reviewed_work_can_be_bonused(lab, review):
    work = lab.submitted(lab.new_hit())
    if review == "Approved":
        lab.mturk.approve_assignment(AssignmentId=work.assignment_id)
    elif review == "Rejected":
        lab.mturk.reject_assignment(AssignmentId=work.assignment_id, RequesterFeedback="No")
    before = lab.balance()
    lab.bonus(work, "1.00")
    assert before - lab.balance() == Decimal("1.20")


def test_a_bonus_the_balance_cannot_bear_is_the_real_error(lab):
    work = lab.submitted(lab.new_hit())
    assert lab.balance() == Decimal("9999.40")  # the HIT holds $0.60
    body = lab.refused(lambda: lab.bonus(work, "8332.84"))  # and $1666.57 of fee: a cent over
    assert body == {
        "__type": "RequestError",
        "Message": INSUFFICIENT_FUNDS,
        "TurkErrorCode": "AWS.MechanicalTurk.InsufficientFunds",
    }
    lab.bonus(work, "8332.83")  # and $1666.57: all there is
    assert lab.balance() == Decimal("0.00")


# --- SendBonus: what is refused -----------------------------------------------------------------


def test_work_in_progress_does_not_exist_for_a_bonus(lab):
    work = lab.server.worker("A1WORKER").accept(lab.new_hit())
    body = lab.refused(lambda: lab.bonus(work))
    assert body == {
        "__type": "RequestError",
        "Message": f"Assignment {work.assignment_id} does not exist.",
        "TurkErrorCode": "AWS.MechanicalTurk.AssignmentDoesNotExist",
    }


def test_an_unknown_assignment_does_not_exist(lab):
    lab.submitted(lab.new_hit())
    body = lab.refused(
        lambda: lab.mturk.send_bonus(
            WorkerId="A1WORKER", BonusAmount="1", AssignmentId="3NOSUCH", Reason="r"
        )
    )
    assert body["Message"] == "Assignment 3NOSUCH does not exist."


def test_the_assignment_of_a_deleted_hit_does_not_exist(lab):
    work = lab.submitted(lab.new_hit())
    lab.server.clock.advance(3600 + 120 * 86400)  # expired, auto-approved, then disposed
    assert lab.mturk.get_hit(HITId=work.hit_id)["HIT"]["HITStatus"] == "Disposed"
    body = lab.refused(lambda: lab.bonus(work))
    assert body["Message"] == f"Assignment {work.assignment_id} does not exist."


def test_a_worker_paired_with_another_workers_assignment_is_the_real_error(lab):
    hit_id = lab.new_hit(MaxAssignments=2)
    work, other = lab.submitted(hit_id, "A1WORKER"), lab.submitted(hit_id, "A2OTHER")
    for worker_id in ("A2OTHER", "A3STRANGER"):
        body = lab.refused(
            lambda worker_id=worker_id: lab.mturk.send_bonus(
                WorkerId=worker_id, BonusAmount="1", AssignmentId=work.assignment_id, Reason="r"
            )
        )
        assert body == {
            "__type": "ParameterValidationError",
            "Message": f'The value "{worker_id}" is not valid for the parameter WorkerId.',
            "Parameter": "WorkerId",
            "TurkErrorCode": "AWS.MechanicalTurk.InvalidParameterValue",
        }
    lab.bonus(other)  # each with their own


@pytest.mark.parametrize("amount", ["0", "0.00", "00.0", "0."])
def test_a_bonus_of_nothing_is_refused(lab, amount):
    work = lab.submitted(lab.new_hit())
    body = lab.refused(lambda: lab.bonus(work, amount))
    assert body == {
        "__type": "ParameterValidationError",
        "Message": f'The value "{amount}" is not valid for the parameter BonusAmount.',
        "Parameter": "BonusAmount",
        "TurkErrorCode": "AWS.MechanicalTurk.InvalidParameterValue",
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"BonusAmount": "0.9752"},
            "1 validation error detected: Value '0.9752' at 'bonusAmount' failed to satisfy"
            r" constraint: Member must satisfy regular expression pattern: ^[0-9]+(\.)?[0-9]{0,2}$",
        ),
        (
            {"WorkerId": "worker"},
            "1 validation error detected: Value 'worker' at 'workerId' failed to satisfy"
            " constraint: Member must satisfy regular expression pattern: ^A[A-Z0-9]+$",
        ),
    ],
    ids=["amount-pattern", "worker-pattern"],
)
def test_the_models_patterns_are_the_frameworks_errors(lab, params, message):
    work = lab.submitted(lab.new_hit())
    sent = {"WorkerId": "A1WORKER", "AssignmentId": work.assignment_id, "BonusAmount": "1"}
    body = lab.refused(lambda: lab.mturk.send_bonus(**{**sent, **params}, Reason="r"))
    assert body == {"__type": "ValidationException", "message": message}


# --- SendBonus: UniqueRequestToken --------------------------------------------------------------


def test_a_token_pays_once_for_24_hours(lab):
    work = lab.submitted(lab.new_hit())
    lab.bonus(work, "1.00", UniqueRequestToken="bonus-1")
    paid = lab.balance()
    for amount in ("1.00", "2.00"):  # whatever the rest of the request
        body = lab.refused(
            lambda amount=amount: lab.bonus(work, amount, UniqueRequestToken="bonus-1")
        )
        assert body == {
            "__type": "RequestError",
            "Message": 'The idempotency token "bonus-1" has already been processed.',
            "TurkErrorCode": "AWS.MechanicalTurk.IdempotencyTokenAlreadyProcessed",
        }
    lab.server.clock.advance(24 * 3600 - 1)
    lab.refused(lambda: lab.bonus(work, "1.00", UniqueRequestToken="bonus-1"))
    assert lab.balance() == paid
    lab.server.clock.advance(1)
    lab.bonus(work, "1.00", UniqueRequestToken="bonus-1")
    assert paid - lab.balance() == Decimal("1.20")
    listed = lab.mturk.list_bonus_payments(AssignmentId=work.assignment_id)
    assert listed["NumResults"] == 2


def test_tokens_of_hits_and_bonuses_are_apart(lab):
    work = lab.submitted(lab.new_hit(UniqueRequestToken="shared"))
    lab.bonus(work, UniqueRequestToken="shared")
    lab.bonus(work, UniqueRequestToken="other")
    assert lab.mturk.list_bonus_payments(HITId=work.hit_id)["NumResults"] == 2


def test_a_refused_bonus_does_not_spend_its_token(lab):
    work = lab.submitted(lab.new_hit())
    lab.refused(lambda: lab.bonus(work, "0", UniqueRequestToken="retry-me"))
    lab.refused(lambda: lab.bonus(work, "100000", UniqueRequestToken="retry-me"))
    lab.bonus(work, "1", UniqueRequestToken="retry-me")
    assert lab.mturk.list_bonus_payments(HITId=work.hit_id)["NumResults"] == 1


# --- ListBonusPayments ---------------------------------------------------------------------------


def walk(lab: Lab, page_size: int, **scope: str) -> list[dict[str, Any]]:
    """Every payment of a listing, page by page: each non-empty page with a NextToken, the
    last one empty without."""
    payments: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:
        page = lab.mturk.list_bonus_payments(**scope, MaxResults=page_size, **token)
        assert page["NumResults"] == len(page["BonusPayments"]) <= page_size
        if not page["BonusPayments"]:
            assert "NextToken" not in page
            return payments
        payments.extend(lab.wire.seen[-1]["body"]["BonusPayments"])
        token = {"NextToken": page["NextToken"]}


@pytest.fixture
def paid(lab: Lab) -> dict[str, Any]:
    """Two HITs; three assignments; seven bonuses, some granted in the same instant."""
    first, second = lab.new_hit(MaxAssignments=2), lab.new_hit()
    one, two = lab.submitted(first, "A1ONE"), lab.submitted(first, "A2TWO")
    three = lab.submitted(second, "A3THREE")
    for index, work in enumerate([two, one, one, three, two, one, three]):
        if index % 3 == 0:
            lab.server.clock.advance(60)
        lab.bonus(work, f"0.{index + 1}0", Reason=f"bonus {index}")
    return {"hits": (first, second), "works": (one, two, three)}


def expected(lab: Lab, keep: Callable[[dict[str, Any]], bool]) -> list[str]:
    """The Reasons of the payments kept, in the listing's order (GrantTime, then payment)."""
    payments = [p for p in lab.server.state()["BonusPayments"] if keep(p)]
    payments.sort(key=lambda p: (p["GrantTime"], p["PaymentId"]))
    return [p["Reason"] for p in payments]


@pytest.mark.parametrize("page_size", [1, 2, 3, 100])
def test_pages_walk_to_exactly_the_payments_of_a_hit(lab, paid, page_size):
    first, second = paid["hits"]
    assignments = {w.assignment_id: w.hit_id for w in paid["works"]}
    for hit_id, count in ((first, 5), (second, 2)):
        walked = walk(lab, page_size, HITId=hit_id)
        wanted = expected(lab, lambda p, hit_id=hit_id: assignments[p["AssignmentId"]] == hit_id)
        assert [p["Reason"] for p in walked] == wanted and len(wanted) == count


@pytest.mark.parametrize("page_size", [1, 2, 100])
def test_pages_walk_to_exactly_the_payments_of_an_assignment(lab, paid, page_size):
    for work in paid["works"]:
        walked = walk(lab, page_size, AssignmentId=work.assignment_id)
        wanted = expected(lab, lambda p, a=work.assignment_id: p["AssignmentId"] == a)
        assert [p["Reason"] for p in walked] == wanted
        assert {p["WorkerId"] for p in walked} == {work.worker_id}


def test_a_hit_and_an_assignment_filter_by_both(lab, paid):
    (first, second), (one, _, three) = paid["hits"], paid["works"]
    both = walk(lab, 2, HITId=first, AssignmentId=one.assignment_id)
    assert both == walk(lab, 2, AssignmentId=one.assignment_id) and len(both) == 3
    assert walk(lab, 2, HITId=second, AssignmentId=one.assignment_id) == []
    assert walk(lab, 2, HITId=first, AssignmentId=three.assignment_id) == []


def test_next_tokens_are_bound_to_their_filter(lab, paid):
    (first, second), (one, two, _) = paid["hits"], paid["works"]
    filters: list[dict[str, str]] = [
        {"HITId": first},
        {"HITId": second},
        {"AssignmentId": one.assignment_id},
        {"AssignmentId": two.assignment_id},
        {"HITId": first, "AssignmentId": one.assignment_id},
    ]
    for issued in filters:
        token = lab.mturk.list_bonus_payments(**issued, MaxResults=1)["NextToken"]
        for other in filters:
            if other == issued:
                continue
            body = lab.refused(
                lambda other=other, token=token: lab.mturk.list_bonus_payments(
                    **other, NextToken=token
                )
            )
            assert (
                body["Message"] == f'The value "{token}" is not valid for the parameter NextToken.'
            )


def test_a_listing_without_payments_is_one_empty_page(lab):
    work = lab.submitted(lab.new_hit())
    for scope in ({"HITId": work.hit_id}, {"AssignmentId": work.assignment_id}):
        lab.mturk.list_bonus_payments(**scope)
        assert lab.wire.seen[-1]["raw"] == '{"NumResults":0,"BonusPayments":[]}'


def test_unknown_hits_and_assignments_do_not_exist(lab):
    hit_id = lab.new_hit()
    in_progress = lab.server.worker("A1WORKER").accept(hit_id)
    for scope, message in [
        ({"HITId": "3NOSUCHHIT"}, "Hit 3NOSUCHHIT does not exist."),
        ({"AssignmentId": "3NOSUCH"}, "Assignment 3NOSUCH does not exist."),
        ({"HITId": hit_id, "AssignmentId": "3NOSUCH"}, "Assignment 3NOSUCH does not exist."),
        (
            {"AssignmentId": in_progress.assignment_id},
            f"Assignment {in_progress.assignment_id} does not exist.",
        ),
    ]:
        body = lab.refused(lambda scope=scope: lab.mturk.list_bonus_payments(**scope))
        assert (body["__type"], body["Message"]) == ("RequestError", message)


def test_a_deleted_hits_payments_are_still_listed(lab):
    work = lab.submitted(lab.new_hit())
    lab.bonus(work)
    lab.server.clock.advance(3600 + 120 * 86400)
    assert lab.mturk.get_hit(HITId=work.hit_id)["HIT"]["HITStatus"] == "Disposed"
    for scope in ({"HITId": work.hit_id}, {"AssignmentId": work.assignment_id}):
        assert lab.mturk.list_bonus_payments(**scope)["NumResults"] == 1


# --- Exports ------------------------------------------------------------------------------------


def test_an_exported_account_loads_back_and_pays_new_bonuses_apart(lab):
    work = lab.submitted(lab.new_hit())  # the HIT, assignment and payment take IDs 1, 2 and 3
    lab.bonus(work, "1.00")
    exported = lab.server.state()
    lab.server.reset(empty=True)
    lab.server.load(exported)
    lab.server.load(exported)  # again: the same payment replaces itself
    assert lab.server.state() == exported
    listed = lab.mturk.list_bonus_payments(AssignmentId=work.assignment_id)["BonusPayments"]
    assert [p["BonusAmount"] for p in listed] == ["1.00"]
    lab.new_hit()  # issues ID 2, as ID 1 is held: the next bonus is offered ID 3, also held
    lab.server.clock.advance(1)
    lab.bonus(work, "2.00")
    payments = lab.server.state()["BonusPayments"]
    assert len({p["PaymentId"] for p in payments}) == 2
    listed = lab.mturk.list_bonus_payments(AssignmentId=work.assignment_id)["BonusPayments"]
    assert [p["BonusAmount"] for p in listed] == ["1.00", "2.00"]


# --- The balance options ------------------------------------------------------------------------


def test_a_pinned_balance_never_moves_and_never_runs_out():
    with serve([], start_time=START, frozen_clock=True, pinned_balance=True) as server:
        lab = Lab(server, WireChecker())
        work = lab.submitted(lab.new_hit(Reward="100.00", MaxAssignments=200))  # $28000 held
        lab.bonus(work, "50000")
        lab.mturk.approve_assignment(AssignmentId=work.assignment_id)
        assert lab.mturk.get_account_balance()["AvailableBalance"] == "10000.00"
        assert "Account" not in server.state()
        assert lab.mturk.list_bonus_payments(HITId=work.hit_id)["NumResults"] == 1


def test_a_starting_balance_is_spent_and_restored_by_a_reset():
    with serve([], start_time=START, frozen_clock=True, balance="5.00") as server:
        lab = Lab(server, WireChecker())
        assert lab.mturk.get_account_balance()["AvailableBalance"] == "5.00"
        work = lab.submitted(lab.new_hit(Reward="2.00"))  # holds $2.40
        lab.bonus(work, "2.00")  # $2.40: $0.20 left
        assert lab.mturk.get_account_balance()["AvailableBalance"] == "0.20"
        body = lab.refused(lambda: lab.bonus(work, "0.18"))  # and $0.04 of fee
        assert body["Message"] == INSUFFICIENT_FUNDS
        lab.bonus(work, "0.17")  # and $0.03 of fee
        assert lab.mturk.get_account_balance()["AvailableBalance"] == "0.00"
        server.reset(empty=True)
        assert lab.mturk.get_account_balance()["AvailableBalance"] == "5.00"


def test_a_pinned_balance_shows_the_starting_balance():
    with serve([], pinned_balance=True, balance=Decimal("250")) as server:
        assert server.client().get_account_balance()["AvailableBalance"] == "250.00"


@pytest.mark.parametrize("balance", ["-1", "0.001", "abc", Decimal("NaN")])
def test_a_balance_that_is_not_money_is_refused_before_anything_starts(balance):
    with pytest.raises(ValueError, match=r"amount of money|whole number of cents"):
        serve([], balance=balance)


def test_strict_https_refuses_http_external_urls_as_the_real_service():
    http_question = QUESTION.format(url="http://localhost:8000/task")
    with serve([], strict_https=True) as server:
        mturk = checked(server.client())
        with pytest.raises(ClientError) as caught:
            mturk.create_hit(**{**HIT, "Question": http_question})
        assert STAMP.sub("", caught.value.response["Error"]["Message"]) == (
            'The value "http://localhost:8000/task" is not valid for the parameter ExternalURL.'
            " This URL must use the HTTPS protocol.."
        )
        assert mturk.create_hit(**HIT)["HIT"]["HITStatus"] == "Assignable"
    with serve([]) as server:
        assert server.client().create_hit(**{**HIT, "Question": http_question})["HIT"]


# --- mockturk serve --balance / --pinned-balance / --strict-https ---------------------------------


def test_the_cli_starts_with_a_balance_and_https_only(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    args = ["--port", "0", "--fixtures", str(empty), "--balance", "5.00", "--strict-https"]
    with Server(*args) as server:
        server.stdout.wait_for(r"^Balance: 5\.00$")
        server.stdout.wait_for(r"^ExternalURLs: https only")
        mturk = client(server.endpoint())
        assert mturk.get_account_balance()["AvailableBalance"] == "5.00"
        with pytest.raises(ClientError) as caught:
            mturk.create_hit(**{**HIT, "Reward": "4.50"})  # $4.50 and $0.90 of fee
        assert caught.value.response["Error"]["Message"] == INSUFFICIENT_FUNDS
        with pytest.raises(ClientError) as caught:
            mturk.create_hit(**{**HIT, "Question": QUESTION.format(url="http://localhost/t")})
        assert "must use the HTTPS protocol.." in caught.value.response["Error"]["Message"]
        mturk.create_hit(**{**HIT, "Reward": "4.16"})  # $4.16 and $0.83 of fee: fine
        assert mturk.get_account_balance()["AvailableBalance"] == "0.01"


def test_the_cli_reads_the_account_from_the_environment_and_options_win(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    env = clean_env(
        MOCKTURK_PORT="0",
        MOCKTURK_FIXTURES=str(empty),
        MOCKTURK_BALANCE="1.00",
        MOCKTURK_PINNED_BALANCE="true",
        MOCKTURK_STRICT_HTTPS="1",
    )
    with Server("--balance", "20", "--no-strict-https", env=env) as server:
        server.stdout.wait_for(r"^Balance: 20\.00, pinned \(never spent, as in the real sandbox\)")
        mturk = client(server.endpoint())
        http_question = QUESTION.format(url="http://localhost/task")
        mturk.create_hit(**{**HIT, "Reward": "100.00", "Question": http_question})
        assert mturk.get_account_balance()["AvailableBalance"] == "20.00"
        server.stdout.wait_for(BANNER_END)
        assert "ExternalURLs" not in server.stdout.text()


def test_the_cli_says_nothing_of_the_default_account(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    with Server("--port", "0", "--fixtures", str(empty), "--balance", "10000") as server:
        assert client(server.endpoint()).get_account_balance()["AvailableBalance"] == "10000.00"
        server.stdout.wait_for(BANNER_END)
        assert "Balance:" not in server.stdout.text()


@pytest.mark.parametrize(
    ("args", "env", "complaint"),
    [
        (["--balance", "lots"], {}, "'lots' is not an amount of dollars and cents, such as 5.00"),
        (["--balance", "1e3"], {}, "'1e3' is not an amount of dollars and cents"),
        ([], {"MOCKTURK_BALANCE": "5,00"}, "MOCKTURK_BALANCE: '5,00' is not an amount of"),
        ([], {"MOCKTURK_PINNED_BALANCE": "yes"}, "MOCKTURK_PINNED_BALANCE: 'yes' is not true or"),
        ([], {"MOCKTURK_STRICT_HTTPS": "on"}, "MOCKTURK_STRICT_HTTPS: 'on' is not true or false"),
    ],
    ids=["word", "exponent", "env-comma", "env-pinned", "env-https"],
)
def test_a_bad_account_setting_exits_2_with_usage(args, env, complaint):
    done = run("serve", "--port", "0", *args, env=clean_env(**env))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "usage: mockturk" in done.stderr
    assert complaint in done.stderr
    assert "Traceback" not in done.stderr
