"""The MTurk operations mockturk implements: one handler each, named as in the model.

Adding an operation means writing its handler and adding one line here; the protocol,
validation against the model, pagination and error handling come with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mockturk.operations import assignments, balance, bonuses, hit_types, hits, review
from mockturk.operations.context import Context, Handler

HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "ApproveAssignment": review.approve_assignment,
        "CreateHIT": hits.create_hit,
        "CreateHITType": hit_types.create_hit_type,
        "CreateHITWithHITType": hits.create_hit_with_hit_type,
        "GetAccountBalance": balance.get_account_balance,
        "GetAssignment": assignments.get_assignment,
        "GetHIT": hits.get_hit,
        "ListAssignmentsForHIT": assignments.list_assignments_for_hit,
        "ListBonusPayments": bonuses.list_bonus_payments,
        "ListHITs": hits.list_hits,
        "RejectAssignment": review.reject_assignment,
        "SendBonus": bonuses.send_bonus,
    }
)

__all__ = ["HANDLERS", "Context", "Handler"]
