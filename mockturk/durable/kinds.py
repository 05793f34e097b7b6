"""The kinds of record a data dir keeps: one line each, and where every other part of the state
comes from.

Each :class:`Kind` names the field of :class:`~mockturk.state.store.Tables` that holds its
records, the export's section for them, how a record is exported (the form a fixture load
takes back) and how its key is found in an exported record. A new kind of record is kept by a
line in :data:`KINDS`, once its table's writes go through the Store's ``put``/``remove``
methods (which note them: ``Store._wrote``). Every other field of Tables is listed in
:data:`DERIVED` (rebuilt by the load) or :data:`CONTROL` (kept beside the records); a test
fails for a field in none of them.

A single object of the export rather than a section of records (the balance, the clock, an
account's settings) is kept beside the records: :meth:`mockturk.durable.keeper.Keeper.control`
writes it with every change, and :func:`mockturk.durable.keeper.kept_state` puts it back into
the document that is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import orjson

from mockturk.account import exported_token, stated
from mockturk.domain.records import DomainRecord, HITType
from mockturk.state.store import Row

# How the journal is written: orjson writes a record's timestamps (all of them UTC) as the
# export does, ISO 8601 to the microsecond with a Z, at a third of the cost of converting
# them in Python first (mockturk.account.exported): the journal's part of every change.
JOURNAL_OPTIONS = orjson.OPT_UTC_Z


@dataclass(frozen=True)
class Kind:
    section: str  # of the export
    table: str  # the Tables field
    key_fields: tuple[str, ...]  # of an exported record: its key in the table
    # A table's value in its export's form, for JOURNAL_OPTIONS to write (None: not exported);
    # a list of them for a kind that is ``many``.
    export: Callable[[Any], Any]
    # Whether the store moves a replaced record to the end of its table (and of the export).
    moves_when_replaced: bool = False
    # Whether a table's value is several records sharing its key (a worker's inbox).
    many: bool = False

    def key_of(self, record: dict[str, Any]) -> Hashable:
        """The table's key of an exported record."""
        if len(self.key_fields) == 1:
            key: Hashable = record[self.key_fields[0]]
            return key
        return tuple(record[name] for name in self.key_fields)

    def key_from_json(self, key: Any) -> Hashable:
        """A key as the journal wrote it in JSON (a tuple's as a list)."""
        return tuple(key) if isinstance(key, list) else key


def _kept(record: DomainRecord) -> dict[str, Any]:
    return record.to_state()


def _row(row: Row[Any]) -> dict[str, Any]:
    return _kept(row.record)


def _each(records: tuple[DomainRecord, ...]) -> list[dict[str, Any]]:
    return [_kept(record) for record in records]


def _hit_type(hit_type: HITType) -> dict[str, Any] | None:
    return _kept(hit_type) if stated(hit_type) else None


# In the export's order (sections the export leaves out when empty are left out here too).
KINDS: tuple[Kind, ...] = (
    Kind("HITTypes", "hit_types", ("HITTypeId",), _hit_type),
    Kind("HITs", "hits", ("HITId",), _row),
    Kind("Assignments", "assignments", ("AssignmentId",), _row, moves_when_replaced=True),
    Kind("BonusPayments", "bonuses", ("PaymentId",), _row),
    Kind("IdempotencyTokens", "tokens", ("Operation", "Token"), exported_token),
    Kind("QualificationTypes", "qualification_types", ("QualificationTypeId",), _kept),
    Kind("Qualifications", "qualifications", ("QualificationTypeId", "WorkerId"), _kept),
    Kind("QualificationRequests", "qualification_requests", ("QualificationRequestId",), _kept),
    Kind("WorkerBlocks", "worker_blocks", ("WorkerId",), _kept),
    Kind("Workers", "worker_profiles", ("WorkerId",), _kept),
    Kind("Messages", "inboxes", ("WorkerId",), _each, many=True),
    Kind("NotificationSettings", "notification_settings", ("HITTypeId",), _kept),
    Kind("Notifications", "outbox", ("EventDocId",), _kept),
)
BY_TABLE = {kind.table: kind for kind in KINDS}
BY_SECTION = {kind.section: kind for kind in KINDS}

# Tables fields a load rebuilds from the records: views, liability, the timeline.
DERIVED = frozenset(
    {
        "listed_hits",
        "by_hit",
        "in_progress",
        "workers",
        "reviewable",
        "bonuses_by",
        "held",
        "timeline",
        "worker_tallies",
        "sent",  # the outbox's length
    }
)
# Tables fields kept beside the records, in every journal entry: the balance (the ledger's
# available amount, which is what the export states) and the count of IDs issued.
CONTROL = frozenset({"ledger", "serial"})
# Tables fields not kept at all, and so lost at a restart (docs/durability.md says so): the
# review policies' results, which the export does not hold either.
NOT_KEPT = frozenset({"reviews"})
