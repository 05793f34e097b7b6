"""Keeping an account's state in a data dir, and taking it up again.

The in-memory tables stay the serving path. After every change, before it is answered
(:meth:`Account.catch_up` calls :meth:`Keeper.flush`), the records the change wrote are
written to the journal in their export form, with the balance, the clock's setting and the
count of IDs issued: one SQLite transaction per request. A reset, or a load replacing the
state, writes a checkpoint (the whole export) instead, and so does a journal grown longer than
the state is large.

Taking the state up again is a fixture load: the checkpoint's document with the journal's
records replayed over it (each record put in the place the store had given it), checked and
seeded as fixtures are (:func:`mockturk.fixtures.build_dataset`), at the kept clock. A
checkpoint in the line form (:mod:`mockturk.durable.line_form`, as checkpoints are written) is
read a few records at a time as the load reaches them, the journal's records put in as they
stream past, so that the whole document never exists parsed at once; any other, or one that
turns out damaged, is read whole.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import Any

import orjson

from mockturk.account import Account, NamedDocument
from mockturk.clock import ControllableClock
from mockturk.domain.money import format_amount
from mockturk.durable.data_dir import DataDir, DataDirError
from mockturk.durable.kinds import BY_SECTION, BY_TABLE, JOURNAL_OPTIONS, Kind
from mockturk.durable.line_form import Unstreamable, opened, written
from mockturk.fixtures import Dataset, FixtureError, Stream, build_dataset, read_document

# The journal is folded into a new checkpoint once it holds more entries than this, or than
# the state holds records, whichever is more: a checkpoint costs time in proportion to the
# state, so its cost per change stays bounded.
COMPACT_AFTER = 10_000


class Keeper:
    """Writes every change of ``account`` to ``data_dir`` (attached by :meth:`start`)."""

    def __init__(self, account: Account, data_dir: DataDir) -> None:
        self.account = account
        self.data_dir = data_dir
        self._entries = data_dir.journal_length()
        self._control: dict[str, Any] | None = None
        self._busy = False  # writing a checkpoint (whose export catches up, and flushes)

    def start(self, *, seed: bool = False) -> None:
        """Journal every change from now on. With ``seed`` (a new data dir), the state as it is
        becomes the checkpoint and what a reset returns to; a long journal is compacted."""
        store = self.account.store
        store.written = []
        store.replaced = False
        self.account.journal = self
        self._control = self.control()
        if seed or self._entries > self._compact_after():
            self.checkpoint(seed=seed)

    def control(self) -> dict[str, Any]:
        """What is kept beside the records (the kinds' CONTROL, and the clock)."""
        account = self.account
        clock = account.clock
        return {
            "balance": format_amount(account.available_balance),
            "serial": account.store.t.serial,
            "clock": clock.setting() if isinstance(clock, ControllableClock) else None,
        }

    def flush(self) -> None:
        """Keep what changed since the last call, in one transaction; nothing when nothing did."""
        store = self.account.store
        if self._busy:
            return
        if store.replaced:
            self.checkpoint()
            return
        written = store.written
        control = self.control()
        if not written and control == self._control:
            return
        store.written = []
        records = [self._entry(table, key) for table, key in _distinct(written or ())]
        try:
            entry = {"records": records, "control": control}
            self.data_dir.append(orjson.dumps(entry, option=JOURNAL_OPTIONS))
        except BaseException:
            # Not kept (a full disk...): the request fails, and the next change keeps this too.
            store.written = [*(written or ()), *store.written]
            raise
        self._control = control
        self._entries += 1
        if self._entries > self._compact_after():
            self.checkpoint()

    def _entry(self, table: str, key: Any) -> tuple[str, Any, dict[str, Any] | None]:
        """A record written: its kind's section, its key, and its export (None: gone)."""
        kind = BY_TABLE[table]
        value = getattr(self.account.store.t, table).get(key)
        return (kind.section, key, None if value is None else kind.export(value))

    def checkpoint(self, *, seed: bool = False) -> None:
        """The whole state becomes the checkpoint; the journal starts empty."""
        self._busy = True
        try:
            document = kept_document(self.account.state())
            control = self.control()
            store = self.account.store
            store.written = []
            store.replaced = False
            self.data_dir.checkpoint(written(document), control, seed=seed)
            self._control = control
            self._entries = 0
        finally:
            self._busy = False

    def _compact_after(self) -> int:
        return max(COMPACT_AFTER, sum(self.account.store.counts().values()))


def _distinct(written: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Each record written, once. Every entry of it would carry the record as it is now, and
    the replay would give it the same place: its first write's, or for a kind the store moves
    to the end when replaced, its last's (a change to an assignment removes and adds it)."""
    kept: dict[tuple[str, Any], None] = {}
    for write in written:
        if write in kept:
            if not BY_TABLE[write[0]].moves_when_replaced:
                continue
            del kept[write]
        kept[write] = None
    return list(kept)


def kept_document(state: dict[str, Any]) -> dict[str, Any]:
    """An export as a checkpoint keeps it: the clock is kept beside it (a reset to the seed
    sets the clock back as the server's start-up options say)."""
    return {section: value for section, value in state.items() if section != "Clock"}


def take_up(account: Account, data_dir: DataDir, *, clock: bool = True) -> Keeper:
    """Give ``account`` (made without records) the state kept in ``data_dir``, and keep it
    there from now on; DataDirError if the kept state cannot be loaded. ``clock``: the kept
    clock's setting is taken up too (the first requester's only: the clock is the server's)."""
    try:
        with opened(data_dir.checkpoint_path(), BY_SECTION) as streamed:
            dataset, control = _kept_dataset(account, data_dir, streamed, clock)
    except Unstreamable:  # found as the records were read: the load starts over, reading it whole
        dataset, control = _kept_dataset(account, data_dir, None, clock)
    account.resume(dataset, lambda: _seed_document(data_dir))
    account.store.writable().serial = control["serial"]
    keeper = Keeper(account, data_dir)
    keeper.start()
    return keeper


def _kept_dataset(
    account: Account, data_dir: DataDir, streamed: dict[str, Any] | None, clock: bool
) -> tuple[Dataset, dict[str, Any]]:
    document, control = kept_state(data_dir, streamed)
    server_clock = account.clock
    if clock and isinstance(server_clock, ControllableClock) and control.get("clock") is not None:
        server_clock.resume(control["clock"])
    return _checked(data_dir, document, account), control


def kept_state(
    data_dir: DataDir, streamed: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The state a data dir keeps, as a fixture document, and what it keeps beside it.
    ``streamed``: the checkpoint's document in the line form (None: the checkpoint is read
    whole); Unstreamable instead of the journal's error then, which reading it whole reports
    as it always has."""
    path = data_dir.checkpoint_path()
    if streamed is not None:
        document = streamed
    else:
        try:
            document = read_document(path)
        except FixtureError as error:
            raise _damaged(data_dir, str(error)) from None
        if not isinstance(document, dict):
            raise _damaged(data_dir, f"{path.name} does not hold an export")
    control = data_dir.kept_control()
    try:
        control = replayed(document, data_dir.journal(), control)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        if streamed is not None:
            raise Unstreamable from None
        raise _damaged(data_dir, f"the journal cannot be read ({error!r})") from None
    document["Account"] = {"AvailableBalance": control["balance"]}
    return document, control


def replayed(
    document: dict[str, Any], entries: Iterable[bytes], control: dict[str, Any]
) -> dict[str, Any]:
    """Apply journal entries to an export, in place; the control of the last one. A section
    given as a Stream stays one, the entries' records put in as it streams past."""
    tables: dict[str, Any] = {}
    for raw in entries:
        entry = orjson.loads(raw)
        for section, key, record in entry["records"]:
            kind = BY_SECTION[section]
            table = tables.get(section)
            if table is None:
                table = tables[section] = _table(kind, document.get(section))
            key = kind.key_from_json(key)
            if record is None or kind.moves_when_replaced:
                table.pop(key, None)
            if record is not None:
                table[key] = record
        control = entry["control"]
    for section, table in tables.items():
        document[section] = _section(BY_SECTION[section], table)
    return control


def _table(kind: Kind, records: Any) -> Any:
    """A section, to replay changes over: as its table holds it (a Stream's, the changes)."""
    if not isinstance(records, Stream):
        return _keyed(kind, records or [])
    if kind.many:  # its records are grouped by key: the section is taken up whole
        return _keyed(kind, list(records))
    return _Changes(kind, records)


def _section(kind: Kind, table: Any) -> Any:
    """A section again, from what :func:`_table` gave, its changes replayed."""
    if isinstance(table, _Changes):
        return table
    kept = list(table.values())
    return [r for rs in kept for r in rs] if kind.many else kept


def _keyed(kind: Kind, records: list[dict[str, Any]]) -> dict[Hashable, Any]:
    """An export's section as its table holds it: by key (several records a key, in order,
    for a kind that is ``many``)."""
    if not kind.many:
        return {kind.key_of(r): r for r in records}
    grouped: dict[Hashable, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(kind.key_of(record), []).append(record)
    return grouped


class _Changes(Stream):
    """A streamed section with changes put in as its records stream past, each where a
    dict of its records by key (:func:`_keyed`) would give it: a record replaced in its place,
    a new one (or one removed and added again) at the end, in the order of its adding.

    Checkpoints are written from the tables, so they hold each key once; one that does not
    (whose replay would keep one record a key) is Unstreamable, as is a record without a key.
    """

    def __init__(self, kind: Kind, records: Stream) -> None:
        self._kind = kind
        self._records = records
        # key -> (removed since the checkpoint, when added: the order at the end, record)
        self._changed: dict[Hashable, tuple[bool, int, dict[str, Any] | None]] = {}
        self._added = 0

    def pop(self, key: Hashable, default: None) -> None:
        self._changed[key] = (True, 0, None)

    def __setitem__(self, key: Hashable, record: dict[str, Any]) -> None:
        removed, added, before = self._changed.get(key, (False, self._added, None))
        if before is None:  # new to the table (or the checkpoint's record, in place)
            added = self._added
        self._changed[key] = (removed, added, record)
        self._added += 1

    def __iter__(self) -> Iterator[Any]:
        changed, key_of = self._changed, self._kind.key_of
        seen: set[Hashable] = set()
        for record in self._records:
            try:
                key = key_of(record)
                if key in seen:
                    raise Unstreamable
                seen.add(key)
            except (KeyError, TypeError):
                raise Unstreamable from None
            change = changed.get(key)
            if change is None:
                yield record
            elif not change[0]:  # replaced in its place (not removed meanwhile)
                yield change[2]
        at_end = [
            (added, record)
            for key, (removed, added, record) in changed.items()
            if record is not None and (removed or key not in seen)
        ]
        at_end.sort(key=lambda change: change[0])
        for _, record in at_end:
            yield record


def _checked(data_dir: DataDir, document: dict[str, Any], account: Account) -> Dataset:
    try:
        return build_dataset(
            [(str(data_dir.checkpoint_path()), document)],
            account.clock.now(),
            consume=True,
            requester=account.store.requester,
        )
    except FixtureError as error:
        raise _damaged(data_dir, str(error)) from None


def _seed_document(data_dir: DataDir) -> NamedDocument:
    path = data_dir.seed_path()
    return (str(path), read_document(path))


def _damaged(data_dir: DataDir, detail: str) -> DataDirError:
    return DataDirError(
        f"{data_dir.path}: the state kept cannot be loaded: {detail}. Restore the data dir "
        "from a backup, or start with --reset-data to discard it."
    )
