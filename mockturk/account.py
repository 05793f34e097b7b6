"""One mock requester account as a whole: its state, its clock, and the way every change is made.

Every change goes through :meth:`Account.transaction` and :meth:`Account.commit`: first the
timeline is caught up to the clock (whatever fell due is applied at its due instant, in time
order), then the change is staged and committed at the clock's "now", and anything the change
makes due at once (an auto-approval delay of 0) follows. Fixture loads take the same path.

Loads are checked as fixture files are at start-up (:func:`mockturk.fixtures.build_dataset`),
together with the held records they touch (the HITs they give or add assignments to), so a load
either applies completely or, with a :class:`FixtureError`, changes nothing, and costs what the
records it touches cost, whatever the size of the state. The export is itself fixture-format
data, so a state saved with :meth:`Account.state` loads back to the identical state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from mockturk.clock import Clock, ControllableClock
from mockturk.domain.hit_types import type_of
from mockturk.domain.money import DEFAULT_BALANCE, format_amount, parse_amount
from mockturk.domain.records import DomainRecord, HITType
from mockturk.fixtures import CURRENT_STATE, Dataset, build_dataset
from mockturk.state import changes, workers
from mockturk.state.store import Store, Tables, Token
from mockturk.state.transaction import Transaction
from mockturk.wire import EPOCH, to_micros

# A fixture document and the name its problems are reported under.
NamedDocument = tuple[str, Any]


class Journal(Protocol):
    def flush(self) -> None:
        """Keep every change made since the last call (mockturk.durable)."""


class Account:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        dataset: Dataset | None = None,
        *,
        balance: Decimal = DEFAULT_BALANCE,
        pinned_balance: bool = False,
        strict_https: bool = False,
    ) -> None:
        self.store = store
        self.clock = clock
        # Refuse ExternalURLs that are not https, as the real service did.
        self.strict_https = strict_https
        self.starting_balance = balance
        self.pinned_balance = pinned_balance
        tables = self.store.writable()
        tables.ledger = replace(tables.ledger, deposits=balance)
        if dataset is not None:
            self._seed(dataset, self.clock.now(), fresh=True)
        self._initial: Tables = store.snapshot()
        # --- Durable state (mockturk.durable) ---
        # Told after every change, before it is answered: it keeps the change in a data dir.
        self.journal: Journal | None = None
        # The fixtures a reset returns to, when not those the account started with.
        self._reset_document: Callable[[], NamedDocument] | None = None
        if isinstance(clock, ControllableClock):
            # What falls due when the clock is moved happens then, not at the next request.
            clock.subscribe(self._clock_moved)

    # --- The commit path -------------------------------------------------------------------------

    def catch_up(self) -> datetime:
        """Apply, in time order and each at its due instant, whatever fell due by now."""
        now = self.clock.now()
        while (entry := self.store.pop_due(now)) is not None:
            due_micros, _, kind, record_id = entry
            due = EPOCH + timedelta(microseconds=due_micros)
            tx = self._transaction_at(due)
            changes.fall_due(tx, kind, record_id, due)
            tx.commit()
        if self.journal is not None:
            self.journal.flush()
        return now

    def _clock_moved(self, now: datetime) -> None:
        self.catch_up()

    def transaction(self) -> Transaction:
        """A transaction at the clock's "now", once everything due before it has happened."""
        return self._transaction_at(self.catch_up())

    def commit(self, tx: Transaction) -> None:
        tx.commit()
        self.catch_up()

    def _transaction_at(self, now: datetime) -> Transaction:
        return Transaction(self.store, now, pinned_balance=self.pinned_balance)

    @property
    def available_balance(self) -> Decimal:
        if self.pinned_balance:
            return self.starting_balance
        return self.store.t.ledger.available

    # --- Whole-state operations ------------------------------------------------------------------

    def reset(self, *, empty: bool = False) -> None:
        """Back to the records the account started with, or to no records at all."""
        if empty:
            self.store.clear()
            tables = self.store.writable()
            tables.ledger = replace(tables.ledger, deposits=self.starting_balance)
        elif self._reset_document is not None:
            self.load([self._reset_document()], replace=True)
        else:
            self.store.restore(self._initial)
        self.catch_up()

    def resume(self, dataset: Dataset, reset_document: Callable[[], NamedDocument]) -> None:
        """Take up a kept state (an account made without records): ``dataset`` is its
        records, ``reset_document`` gives the fixtures a reset returns to from now on."""
        self._seed(dataset, self.clock.now(), fresh=True)
        self._reset_document = reset_document
        self.catch_up()

    def load(self, documents: Sequence[NamedDocument], *, replace: bool = False) -> None:
        """Add fixture documents' records; a record whose ID is already held replaces it.

        With ``replace``, the documents become the whole state instead. Raises FixtureError,
        naming each document, record and field at fault, and then nothing has changed.
        """
        now = self.catch_up()
        if replace:
            dataset = build_dataset(documents, now, requester=self.store.requester)
            self.store.clear()
            self._seed(dataset, now, fresh=True)
        else:
            kept = (CURRENT_STATE, self._touched_state(documents))
            dataset = build_dataset(
                [kept, *documents],
                now,
                held=self._held_assignment_hit,
                requester=self.store.requester,
            )
            self._seed(dataset, now, fresh=False)
        self._follow_clock(dataset)
        self.catch_up()

    def _follow_clock(self, dataset: Dataset) -> None:
        """A loaded Clock moves this one to its time, if that is later (time never goes back),
        and freezes or unfreezes it as it was."""
        given, clock = dataset.clock, self.clock
        if given is None or not isinstance(clock, ControllableClock):
            return
        later = given.Now if given.Now > clock.now() else None
        clock.change(to=later, frozen=given.Frozen)

    def _held_assignment_hit(self, assignment_id: str) -> str | None:
        row = self.store.assignment_entry(assignment_id)
        return row.record.HITId if row is not None else None

    def _seed(self, dataset: Dataset, now: datetime, *, fresh: bool) -> None:
        """Commit checked records as they are stated (they are a state, not a history)."""
        tx = self._transaction_at(now)
        tx.as_state()
        for hit_type in dataset.hit_types:
            tx.put_hit_type(hit_type)
        for hit in dataset.hits:
            tx.put_hit(hit, derive=False)
            if tx.hit_type(hit.HITTypeId) is None:
                tx.put_hit_type(type_of(hit))
        tx.put_assignments(dataset.assignments)
        for bonus in dataset.bonuses:
            tx.put_bonus(bonus)
        for setting in dataset.notification_settings:
            tx.put_notification_setting(setting)
        tx.put_notifications(dataset.notifications)
        for token in dataset.tokens:
            tx.put_token(
                Token(token.Operation, token.Token, token.Result, to_micros(token.Expires))
            )
        workers.stage_loaded(tx, dataset.workers)
        if fresh:
            tx.set_balance(
                parse_amount(dataset.balance) if dataset.balance else self.starting_balance
            )
        elif dataset.balance is not None:
            tx.set_balance(parse_amount(dataset.balance))
        else:
            tx.keep_balance()
        tx.commit()

    def _touched_state(self, documents: Sequence[NamedDocument]) -> dict[str, Any]:
        """The held HITs the documents touch, with their other assignments, as a document.

        A held HIT is touched when a document gives it again or gives an assignment of it (or
        moves one away from it). It is checked again with the documents, its counters and
        status derived afresh from its assignments, as the real service would update them.
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
        touched = set(given_hits)
        touched |= {
            a["HITId"] for a in given_assignments.values() if isinstance(a.get("HITId"), str)
        }
        for assignment_id in given_assignments:
            held = self.store.assignment_entry(assignment_id)
            if held is not None:
                touched.add(held.record.HITId)
        hits: list[dict[str, Any]] = []
        assignments: list[dict[str, Any]] = []
        for hit_id in sorted(touched):
            row = self.store.hit_entry(hit_id)
            if row is None:
                continue
            if hit_id not in given_hits:
                hits.append(_rederived(exported(row.record)))
            assignments.extend(
                exported(a)
                for a in self.store.assignments_of(hit_id)
                if a.AssignmentId not in given_assignments
            )
        return {"HITs": hits, "Assignments": assignments}

    def notifications(self) -> list[dict[str, Any]]:
        """The outbox: every notification message sent, oldest first, with its delivery status
        (in the fixture format, as the state exports it)."""
        return [exported(n) for n in self.store.t.outbox.values()]

    def state(self) -> dict[str, Any]:
        """Everything, Disposed HITs and work in progress included, in the fixture format
        (timestamps as ISO 8601). Sections with nothing in them are left out, but for HITs and
        Assignments; the balance is given when it is not the account's starting balance."""
        self.catch_up()
        store = self.store
        state: dict[str, Any] = {}
        hit_types = [e for t in store.all_hit_types() if (e := exported_hit_type(t)) is not None]
        if hit_types:
            state["HITTypes"] = hit_types
        state["HITs"] = [exported(row.record) for row in store.all_hits()]
        state["Assignments"] = [exported(row.record) for row in store.all_assignments()]
        bonuses = [exported(row.record) for row in store.all_bonuses()]
        if bonuses:
            state["BonusPayments"] = bonuses
        now = to_micros(self.clock.now())
        tokens = [exported_token(t) for t in store.t.tokens.values() if t.expires > now]
        if tokens:
            state["IdempotencyTokens"] = tokens
        state.update(
            (section, [exported(record) for record in records])
            for section, records in workers.exported_sections(store)
            if records
        )
        settings = [exported(s) for s in store.t.notification_settings.values()]
        if settings:
            state["NotificationSettings"] = settings
        sent = self.notifications()
        if sent:
            state["Notifications"] = sent
        clock = self.clock
        if isinstance(clock, ControllableClock) and not clock.real_time:
            state["Clock"] = {"Now": _plain(clock.now()), "Frozen": clock.frozen}
        # A pinned balance is not stated: what was spent never shows, and may exceed it.
        if self.available_balance != self.starting_balance:
            state["Account"] = {"AvailableBalance": format_amount(self.available_balance)}
        return state


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


def exported(record: DomainRecord) -> dict[str, Any]:
    return {name: _plain(value) for name, value in record.to_state().items()}


def exported_hit_type(hit_type: HITType) -> dict[str, Any] | None:
    """A HIT type as the export gives it; None for one only derived from its HITs."""
    return exported(hit_type) if stated(hit_type) else None


def stated(hit_type: HITType) -> bool:
    """Whether an export states the HIT type: one only derived from its HITs is not (they give
    it again when loaded)."""
    return hit_type.CreationTime is not None


def exported_token(token: Token) -> dict[str, Any]:
    return {
        "Operation": token.operation,
        "Token": token.token,
        "Result": token.result,
        "Expires": _plain(EPOCH + timedelta(microseconds=token.expires)),
    }


def _plain(value: Any) -> Any:
    """JSON-ready values: timestamps as ISO 8601 in UTC, to the microsecond, so nothing is lost."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
