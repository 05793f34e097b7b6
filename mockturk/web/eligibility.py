"""Whether a worker may take a HIT, and why not: the one question the worker pages ask."""

from __future__ import annotations

from dataclasses import dataclass

from mockturk.account import Account
from mockturk.domain.records import HIT


@dataclass(frozen=True)
class Eligibility:
    qualified: bool
    reasons: tuple[str, ...] = ()  # why not, one sentence each


QUALIFIED = Eligibility(True)


def eligibility(account: Account, worker_id: str, hit: HIT) -> Eligibility:
    """Every worker is qualified for every HIT for now: no qualification is checked (an accept
    can still be refused, e.g. when no assignment is left; the accept says why)."""
    return QUALIFIED
