"""Bonuses: SendBonus and ListBonusPayments.

A bonus and MTurk's fee on it leave the balance at once (the commit refuses, with the real
insufficient-funds error, a bonus the balance cannot bear). Each payment is a record listed per
HIT and per assignment, by GrantTime.
"""

from __future__ import annotations

from mockturk.domain.money import bonus_cost, format_amount, parse_amount
from mockturk.domain.records import DISPOSED, Assignment, BonusPayment
from mockturk.errors import (
    assignment_does_not_exist,
    hit_does_not_exist,
    invalid_parameter,
    token_already_processed,
)
from mockturk.operations.context import Context, Params, Result
from mockturk.operations.hits import TOKEN_LIFETIME
from mockturk.state.store import Page
from mockturk.state.transaction import Transaction
from mockturk.wire import RawJSONList

_SEND_BONUS = "SendBonus"


def send_bonus(ctx: Context, params: Params) -> Result:
    """Pay a worker a bonus for an assignment of theirs, with MTurk's fee, at once.

    A zero BonusAmount never gets here: the server-side checks refuse it.
    """
    tx = ctx.account.transaction()
    token = params.get("UniqueRequestToken")
    if token is not None and tx.token_in_force(_SEND_BONUS, token) is not None:
        raise token_already_processed(token)
    assignment = _bonusable(tx, params["AssignmentId"])
    if assignment.WorkerId != params["WorkerId"]:
        # The real text for a worker unknown to the environment; the real service also refused
        # a worker paired with another worker's assignment.
        raise invalid_parameter("WorkerId", params["WorkerId"])
    amount = parse_amount(params["BonusAmount"])
    payment = BonusPayment(
        WorkerId=assignment.WorkerId,
        BonusAmount=format_amount(amount),  # two decimals, as a HIT's Reward is written
        AssignmentId=assignment.AssignmentId,
        Reason=params["Reason"],
        GrantTime=tx.now,
        HITId=assignment.HITId,
        PaymentId=tx.new_id("bonus"),
    )
    tx.pay(bonus_cost(amount))
    tx.put_bonus(payment)
    if token is not None:
        tx.remember_token(_SEND_BONUS, token, payment.PaymentId, TOKEN_LIFETIME)
    ctx.account.commit(tx)
    return {}


def list_bonus_payments(ctx: Context, params: Params) -> Result:
    """The bonuses paid for a HIT's assignments, or for one assignment, or both (the
    assignment's, if it is of that HIT), by GrantTime and then payment."""
    hit_id, assignment_id = params.get("HITId"), params.get("AssignmentId")
    store = ctx.store
    if hit_id is not None and store.hit_entry(hit_id) is None:
        raise hit_does_not_exist(hit_id)
    assignment = store.assignment_entry(assignment_id) if assignment_id is not None else None
    if assignment_id is not None and (assignment is None or not assignment.record.visible):
        raise assignment_does_not_exist(assignment_id)
    if assignment is not None and hit_id not in (None, assignment.record.HITId):
        scope = None  # both given, and the assignment is of another HIT: nothing is of both
    elif assignment_id is not None:
        scope = f"assignment:{assignment_id}"
    else:
        scope = f"hit:{hit_id}"
    return ctx.page(
        "ListBonusPayments",
        params,
        (f"hit:{hit_id or ''}", f"assignment:{assignment_id or ''}"),
        lambda after, limit: (
            store.bonuses_page(scope, after, limit) if scope else Page(RawJSONList(), None)
        ),
    )


def _bonusable(tx: Transaction, assignment_id: str) -> Assignment:
    """The assignment, if it is work the requester can see (submitted, approved or rejected)
    of a HIT that is not deleted; otherwise the real "does not exist" (the real service gave
    it for work in progress; for a deleted HIT's assignment it is chosen)."""
    assignment = tx.assignment(assignment_id)
    hit = tx.hit(assignment.HITId) if assignment is not None else None
    if assignment is None or not assignment.visible or hit is None or hit.HITStatus == DISPOSED:
        raise assignment_does_not_exist(assignment_id)
    return assignment
