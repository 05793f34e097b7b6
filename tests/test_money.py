"""MTurk's fees and the requester's balance, exact to the cent (mockturk.domain.money)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockturk.domain.money import (
    DEFAULT_BALANCE,
    MASTERS_PRODUCTION,
    MASTERS_SANDBOX,
    Ledger,
    assignment_fee,
    bonus_fee,
    format_amount,
    parse_amount,
    requires_masters,
    round_half_up,
    slot_cost,
)
from tests.support import fuzz_settings

D = Decimal
SETTINGS = fuzz_settings(200)


def dollars(cents: int) -> Decimal:
    return D(cents).scaleb(-2)


amounts = st.integers(min_value=0, max_value=10**9).map(dollars)


@pytest.mark.parametrize(
    ("text", "amount"),
    [("5", "5.00"), ("5.", "5.00"), ("5.5", "5.50"), ("0.05", "0.05"), ("10000.00", "10000.00")],
)
def test_currency_amounts_parse_to_whole_cents(text, amount):
    parsed = parse_amount(text)
    assert parsed == D(amount)
    assert format_amount(parsed) == amount


@pytest.mark.parametrize("text", ["0.255", "-1.00", "NaN", "Infinity", "five"])
def test_what_is_not_a_whole_non_negative_number_of_cents_is_refused_not_rounded(text):
    with pytest.raises(ValueError, match="not a"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("amount", "text"),
    [(DEFAULT_BALANCE, "10000.00"), (D("0.5"), "0.50"), (D("0"), "0.00"), (D("7"), "7.00")],
)
def test_amounts_are_written_with_two_decimals_as_available_balance_is(amount, text):
    assert format_amount(amount) == text


@pytest.mark.parametrize(
    ("exact", "rounded"),
    [
        ("0.104", "0.10"),
        ("0.105", "0.11"),
        ("0.1049", "0.10"),
        ("0.115", "0.12"),
        ("0.125", "0.13"),
    ],
)
def test_rounding_is_half_up_as_the_pricing_page_says(exact, rounded):
    assert round_half_up(D(exact)) == D(rounded)


def test_two_half_dollar_bonuses_cost_what_a_real_balance_lost():
    ledger = Ledger(deposits=D("132.30"))
    for _ in range(2):
        ledger = ledger.charge(D("0.50") + bonus_fee(D("0.50")))
    assert format_amount(ledger.available) == "131.10"


@pytest.mark.parametrize(
    ("reward", "max_assignments", "masters", "fee"),
    [
        ("0.00", 1, False, "0.01"),  # a free HIT still pays the minimum
        ("0.01", 1, False, "0.01"),
        ("0.01", 10, True, "0.01"),
        ("0.50", 9, False, "0.10"),
        ("0.50", 10, False, "0.20"),  # 10 or more assignments: another 20 %
        ("0.50", 9, True, "0.13"),  # Masters: 25 % of 0.50 = 0.125, half up
        ("0.50", 10, True, "0.23"),  # 45 % of 0.50 = 0.225
        ("1.00", 100, True, "0.45"),
        ("0.52", 1, False, "0.10"),  # 0.104
        ("0.53", 1, False, "0.11"),  # 0.106
    ],
)
def test_assignment_fee(reward, max_assignments, masters, fee):
    assert assignment_fee(D(reward), max_assignments, masters) == D(fee)
    assert slot_cost(D(reward), max_assignments, masters) == D(reward) + D(fee)


def test_bonus_fee_has_no_large_batch_surcharge_and_the_same_minimum():
    assert bonus_fee(D("1.00")) == D("0.20")
    assert bonus_fee(D("0.02")) == D("0.01")
    assert bonus_fee(D("0.03")) == D("0.01")  # 0.006 rounds to 0.01
    assert bonus_fee(D("0.08")) == D("0.02")  # 0.016


def test_amounts_beyond_the_usual_decimal_precision_stay_exact():
    reward = D("1" * 40 + ".01")  # the default context keeps 28 digits
    assert assignment_fee(reward, 1) == D("2" * 39 + ".20")  # 222...2.202
    assert slot_cost(reward, 1) == D("1" + "3" * 39 + ".21")


def test_masters_is_required_by_either_environments_qualification_type():
    assert requires_masters(["000000000000000000L0", MASTERS_PRODUCTION])
    assert requires_masters((MASTERS_SANDBOX,))
    assert not requires_masters(["00000000000000000071", "3AWO4KN9YO3JRSN25G0KTXS4AQW9I6"])
    assert not requires_masters([])


@SETTINGS
@given(amounts, st.integers(min_value=1, max_value=1000), st.booleans())
def test_an_assignment_fee_is_whole_cents_and_at_least_one(reward, max_assignments, masters):
    fee = assignment_fee(reward, max_assignments, masters)
    assert fee >= D("0.01")
    assert fee == round_half_up(fee) and fee.as_tuple().exponent == -2


@SETTINGS
@given(amounts)
def test_a_bonus_fee_is_whole_cents_and_at_least_one(bonus):
    fee = bonus_fee(bonus)
    assert fee >= D("0.01")
    assert fee.as_tuple().exponent == -2


@SETTINGS
@given(amounts, amounts, st.integers(min_value=1, max_value=20), st.booleans())
def test_fees_never_fall_as_the_amount_rises(one, other, max_assignments, masters):
    low, high = sorted([one, other])
    assert assignment_fee(low, max_assignments, masters) <= assignment_fee(
        high, max_assignments, masters
    )
    assert bonus_fee(low) <= bonus_fee(high)


@SETTINGS
@given(amounts, amounts, amounts)
def test_holding_and_releasing_the_same_amount_leaves_the_balance_as_it_was(deposits, spent, x):
    ledger = Ledger(deposits=deposits + spent, spent=spent)
    held = ledger.hold(x)
    assert held.available == ledger.available - x
    assert held.release(x) == ledger
    assert held.release(x).available == ledger.available


OPERATIONS = st.sampled_from(["hold", "release", "pay_from_held", "charge"])


@SETTINGS
@given(st.lists(st.tuples(OPERATIONS, amounts, amounts), max_size=30))
def test_available_is_deposits_less_spent_less_held_after_any_operations(steps):
    ledger = Ledger()
    for operation, first, second in steps:
        before = ledger.available
        if operation == "hold":
            ledger, change = ledger.hold(first), -first
        elif operation == "release":
            taken = first % (ledger.held + D("0.01"))  # never more than is held
            ledger, change = ledger.release(taken), taken
        elif operation == "pay_from_held":
            taken = first % (ledger.held + D("0.01"))
            ledger, change = ledger.pay_from_held(taken, second), taken - second
        else:
            ledger, change = ledger.charge(first), -first
        assert ledger.available == before + change
        assert ledger.available == ledger.deposits - ledger.spent - ledger.held
        assert ledger.held >= 0
        assert ledger.available.as_tuple().exponent == -2


def test_taking_more_than_is_held_is_a_mistake_not_a_negative_liability():
    ledger = Ledger().hold(D("1.20"))
    with pytest.raises(ValueError, match="held"):
        ledger.release(D("1.21"))
    with pytest.raises(ValueError, match="held"):
        ledger.pay_from_held(D("1.21"), D("1.21"))


def test_a_ledger_affords_exactly_its_available_balance():
    ledger = Ledger(deposits=D("10.00")).hold(D("6.00")).charge(D("3.99"))
    assert ledger.available == D("0.01")
    assert ledger.can_afford(D("0.01"))
    assert not ledger.can_afford(D("0.02"))
    assert Ledger().available == DEFAULT_BALANCE
