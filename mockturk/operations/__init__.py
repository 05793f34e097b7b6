"""The MTurk operations mockturk implements: one handler each, named as in the model.

Adding an operation means writing its handler and adding one line here; the protocol,
validation against the model, pagination and error handling come with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mockturk.operations import assignments, hits
from mockturk.operations.context import Context, Handler

HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "GetAssignment": assignments.get_assignment,
        "ListAssignmentsForHIT": assignments.list_assignments_for_hit,
        "ListHITs": hits.list_hits,
    }
)

__all__ = ["HANDLERS", "Context", "Handler"]
