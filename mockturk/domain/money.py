"""Amounts of money and MTurk's fees, exact to the cent.

Every amount is a :class:`~decimal.Decimal` holding a whole number of cents; no float ever
touches money. Arithmetic runs in a context wide enough that sums and products are exact, so
the only rounding anywhere is the pricing page's half-up rounding of a fee to the cent.

The fee schedule (2015-07-21 until the service closed) is MTurk's pricing page: a commission of
20 % of the reward and of any bonus, another 20 % of the reward for HITs with 10 or more
assignments, 5 % of the reward when Masters are required, at least $0.01 per assignment or bonus.
Premium qualifications' fees are not charged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import MAX_PREC, ROUND_HALF_UP, Context, Decimal, InvalidOperation

Amount = Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MINIMUM_FEE = CENT
DEFAULT_BALANCE = Decimal("10000.00")

BASE_COMMISSION = Decimal("0.20")
LARGE_BATCH_COMMISSION = Decimal("0.20")  # of the reward only, never of bonuses
MASTERS_COMMISSION = Decimal("0.05")
LARGE_BATCH = 10  # MaxAssignments from which the large-batch commission applies


def crosses_large_batch(max_assignments: int, more: int) -> bool:
    """Whether ``more`` assignments take a HIT from under 10 to 10 or more, which would change
    the fee of every slot: the real service refused it."""
    return max_assignments < LARGE_BATCH <= max_assignments + more


MASTERS_PRODUCTION = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"
MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"
MASTERS_QUALIFICATION_TYPE_IDS = frozenset({MASTERS_PRODUCTION, MASTERS_SANDBOX})

# As wide as decimal allows: sums and products of amounts never round, whatever their size.
_EXACT = Context(prec=MAX_PREC, rounding=ROUND_HALF_UP)


def parse_balance(text: str) -> Decimal:
    """A starting balance given by a person (a command-line option, an ini setting): dollars
    and cents as the API's CurrencyAmount reads them; ValueError for anything else."""
    from mockturk.spec import load_spec, scalar_violations  # the model: only when asked

    if scalar_violations(load_spec().shape("CurrencyAmount"), text):
        raise ValueError(f"{text!r} is not an amount of dollars and cents, such as 5.00")
    return parse_amount(text)


def parse_amount(text: str) -> Decimal:
    """A CurrencyAmount as sent on the wire ("5", "5." and "5.00" all mean $5.00).

    The model's pattern has been checked before; anything that still is not a whole, non-negative
    number of cents raises ValueError rather than being rounded.
    """
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount of money") from None
    return _whole_cents(amount)


def format_amount(amount: Decimal) -> str:
    """Two decimals, as the real service writes AvailableBalance ("10000.00", "0.50").

    A balance never goes below zero (every debit is checked with :meth:`Ledger.can_afford`
    first), so how the real service would write a negative one does not arise.
    """
    return f"{round_half_up(amount):f}"


def round_half_up(amount: Decimal) -> Decimal:
    """To the cent, half up, as the pricing page says: $0.104 → $0.10, $0.105 → $0.11."""
    return amount.quantize(CENT, context=_EXACT)


def assignment_fee(reward: Decimal, max_assignments: int, masters: bool = False) -> Decimal:
    """MTurk's commission on one approved assignment of a HIT."""
    rate = BASE_COMMISSION
    if max_assignments >= LARGE_BATCH:
        rate += LARGE_BATCH_COMMISSION
    if masters:
        rate += MASTERS_COMMISSION
    return _commission(reward, rate)


def bonus_fee(bonus: Decimal) -> Decimal:
    """MTurk's commission on one bonus payment."""
    return _commission(bonus, BASE_COMMISSION)


def slot_cost(reward: Decimal, max_assignments: int, masters: bool = False) -> Decimal:
    """What one live assignment slot holds as liability: its reward and its fee."""
    return _EXACT.add(reward, assignment_fee(reward, max_assignments, masters))


def bonus_cost(bonus: Decimal) -> Decimal:
    """What a bonus takes from the balance, at once: itself and its fee."""
    return _EXACT.add(bonus, bonus_fee(bonus))


def requires_masters(qualification_type_ids: Iterable[str]) -> bool:
    """Whether a HIT's qualification requirements include Masters (either environment's ID)."""
    return any(qid in MASTERS_QUALIFICATION_TYPE_IDS for qid in qualification_type_ids)


def _commission(amount: Decimal, rate: Decimal) -> Decimal:
    return max(MINIMUM_FEE, round_half_up(_EXACT.multiply(amount, rate)))


def _whole_cents(amount: Decimal) -> Decimal:
    """The amount with exactly two decimals; ValueError if it is not a whole number of cents."""
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{amount} is not an amount of money")
    cents = round_half_up(amount)
    if cents != amount:
        raise ValueError(f"{amount} is not a whole number of cents")
    return cents.copy_abs()  # "-0" is $0.00


@dataclass(frozen=True)
class Ledger:
    """A requester's money: what was deposited, what was spent, what is held as liability.

    ``spent`` is rewards, bonuses and their fees paid out; ``held`` is the liability of live
    assignment slots (each at its :func:`slot_cost`). Every method returns a new Ledger. None of
    them checks affordability: an operation asks :meth:`can_afford` first and refuses with
    insufficient funds before it changes anything.
    """

    deposits: Decimal = DEFAULT_BALANCE
    spent: Decimal = ZERO
    held: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return _EXACT.subtract(_EXACT.subtract(self.deposits, self.spent), self.held)

    def can_afford(self, amount: Decimal) -> bool:
        return amount <= self.available

    def hold(self, amount: Decimal) -> Ledger:
        """Liability for new slots (CreateHIT, more assignments)."""
        return replace(self, held=_EXACT.add(self.held, _whole_cents(amount)))

    def release(self, amount: Decimal) -> Ledger:
        """Liability that ends unpaid: a rejection, an expired or returned slot."""
        return replace(self, held=self._held_less(amount))

    def pay_from_held(self, held_amount: Decimal, paid_amount: Decimal) -> Ledger:
        """An approval: the slot's held cost leaves ``held`` and what is paid goes to ``spent``.

        The two are the same amount when the fee has not changed since the slot was held; any
        difference goes back to (or comes from) the available balance.
        """
        spent = _EXACT.add(self.spent, _whole_cents(paid_amount))
        return replace(self, held=self._held_less(held_amount), spent=spent)

    def charge(self, amount: Decimal) -> Ledger:
        """Money paid at once, never held: a bonus and its fee."""
        return replace(self, spent=_EXACT.add(self.spent, _whole_cents(amount)))

    def _held_less(self, amount: Decimal) -> Decimal:
        held = _EXACT.subtract(self.held, _whole_cents(amount))
        if held < 0:
            raise ValueError(f"cannot take {amount} from {self.held} held")
        return held
