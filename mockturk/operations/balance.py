"""The account's money: GetAccountBalance."""

from __future__ import annotations

from mockturk.domain.money import format_amount
from mockturk.operations.context import Context, Params, Result


def get_account_balance(ctx: Context, params: Params) -> Result:
    """What the requester can still spend: deposits less what was paid and what is held.

    OnHoldBalance is left out, as the real service documented it as unused.
    """
    return {"AvailableBalance": format_amount(ctx.account.available_balance)}
