"""One mock requester account's data as a whole: reset it, load records into it, export it.

This is what the control API and the in-process test server drive. Loads go through the same
checks as fixture files at start-up (:func:`mockturk.fixtures.build_dataset`), together with the
records already held, so a load either applies completely or, with a :class:`FixtureError`,
changes nothing. The export is itself fixture-format data, so a state saved with
:meth:`Account.state` loads back to the identical state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from mockturk.clock import Clock
from mockturk.fixtures import Dataset, build_dataset
from mockturk.models import Record
from mockturk.store import Snapshot, Store

CURRENT_STATE = "the current state"

# A fixture document and the name its problems are reported under.
NamedDocument = tuple[str, Any]


class Account:
    def __init__(self, store: Store, clock: Clock, dataset: Dataset | None = None) -> None:
        self.store = store
        self.clock = clock
        if dataset is not None:
            store.load(dataset)
        self._initial: Snapshot = store.snapshot()

    def reset(self, *, empty: bool = False) -> None:
        """Back to the records the account started with, or to no records at all."""
        if empty:
            self.store.clear()
        else:
            self.store.restore(self._initial)

    def load(self, documents: Sequence[NamedDocument], *, replace: bool = False) -> None:
        """Add fixture documents' records; a record whose ID is already held replaces it.

        With ``replace``, the documents become the whole state instead. Raises FixtureError,
        naming each document, record and field at fault, and then nothing has changed.
        """
        kept: list[NamedDocument] = []
        if not replace:
            kept = [(CURRENT_STATE, self._unreplaced_state(documents))]
        dataset = build_dataset([*kept, *documents], self.clock.now())
        self.store.load(dataset)

    def state(self) -> dict[str, list[dict[str, Any]]]:
        """Every record, Disposed HITs included, in the fixture format (timestamps as ISO 8601)."""
        return {
            "HITs": [_exported(stored.record) for stored in self.store.all_hits()],
            "Assignments": [_exported(stored.record) for stored in self.store.all_assignments()],
        }

    def _unreplaced_state(self, documents: Sequence[NamedDocument]) -> dict[str, Any]:
        """The current state less the records the documents give again (by ID).

        A held HIT whose assignments change has its derived counters and status left out, so
        they are derived afresh, as the real service would update them.
        """
        given_hits: set[str] = set()
        given_assignments: dict[str, Any] = {}
        for _, document in documents:
            if not isinstance(document, dict):
                continue  # reported by the loader
            given_hits |= set(_records_by_id(document, ("HITs", "HIT"), "HITId"))
            given_assignments |= _records_by_id(
                document, ("Assignments", "Assignment"), "AssignmentId"
            )
        changed_hits = {
            a["HITId"] for a in given_assignments.values() if isinstance(a.get("HITId"), str)
        }
        for assignment_id in given_assignments:
            held = self.store.assignment_entry(assignment_id)
            if held is not None:
                changed_hits.add(held.hit_id)
        state = self.state()
        return {
            "HITs": [
                _rederived(h) if h["HITId"] in changed_hits else h
                for h in state["HITs"]
                if h["HITId"] not in given_hits
            ],
            "Assignments": [
                a for a in state["Assignments"] if a["AssignmentId"] not in given_assignments
            ],
        }


# Fields the loader derives from a HIT's assignments. Pending stays: it counts workers at work,
# whom no fixture holds. So do the statuses that assignments do not decide.
_DERIVED_FROM_ASSIGNMENTS = ("NumberOfAssignmentsAvailable", "NumberOfAssignmentsCompleted")
_STATUSES_DERIVED = ("Assignable", "Unassignable")


def _rederived(hit: dict[str, Any]) -> dict[str, Any]:
    """A held HIT with what its assignments decide left out, to be derived again."""
    dropped = set(_DERIVED_FROM_ASSIGNMENTS)
    if hit.get("HITStatus") in _STATUSES_DERIVED:
        dropped.add("HITStatus")
    return {name: value for name, value in hit.items() if name not in dropped}


def _records_by_id(
    document: dict[str, Any], sections: tuple[str, str], id_field: str
) -> dict[str, Any]:
    many, one = document.get(sections[0]), document.get(sections[1])
    records = [*(many if isinstance(many, list) else []), one]
    return {
        r[id_field]: r for r in records if isinstance(r, dict) and isinstance(r.get(id_field), str)
    }


def _exported(record: Record) -> dict[str, Any]:
    return {name: _plain(value) for name, value in record.to_api().items()}


def _plain(value: Any) -> Any:
    """JSON-ready values: timestamps as ISO 8601 in UTC, to the microsecond, so nothing is lost."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
