"""Whether a worker may take a HIT, and why not: the one question the worker pages ask.

The answer is the accept's own rule (:func:`mockturk.state.workers.refusal`: worker blocks,
then the HIT's QualificationRequirements for the action), so a page never offers what the
accept would refuse for want of a qualification, nor refuses what it would allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockturk.account import Account
from mockturk.domain import qualifications as q
from mockturk.domain.records import HIT
from mockturk.state import workers


@dataclass(frozen=True)
class Eligibility:
    qualified: bool
    reasons: tuple[str, ...] = ()  # why not, one sentence each


QUALIFIED = Eligibility(True)


def eligibility(account: Account, worker_id: str, hit: HIT, action: str = q.ACCEPT) -> Eligibility:
    """Whether the worker may do ``action`` (Discover, Preview, Accept) with the HIT: blocks and
    qualifications only (an accept can still be refused, e.g. when no assignment is left; the
    accept then says why)."""
    refused = workers.refusal(account.transaction(), hit, worker_id, action)
    if refused is None:
        return QUALIFIED
    return Eligibility(False, (refused.sentence(worker_id, hit.HITId),))
