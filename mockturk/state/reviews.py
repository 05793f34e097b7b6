"""What a HIT's review policies are, and what they found and did (ListReviewPolicyResultsForHIT)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Detail = dict[str, Any]  # a ReviewResultDetail or ReviewActionDetail, as the wire has it


@dataclass(frozen=True, slots=True)
class HITReview:
    HITId: str
    AssignmentReviewPolicy: dict[str, Any] | None = None
    HITReviewPolicy: dict[str, Any] | None = None
    assignment_results: tuple[Detail, ...] = ()
    assignment_actions: tuple[Detail, ...] = ()
    hit_results: tuple[Detail, ...] = ()
    hit_actions: tuple[Detail, ...] = ()
