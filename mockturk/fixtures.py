"""Fixture files: read, validate and complete the records a server starts with.

A fixture is a JSON or YAML mapping with lists ``HITs`` and ``Assignments`` (and, so that saved
``get-hit``/``get-assignment`` output also loads, single ``HIT`` and ``Assignment`` objects).
Records use the API's field names. Every problem is reported with the file, the record (index
and ID) and the field; fields the real service computes are filled in when left out, and checked
when stated. The rules are written down in ``docs/fixtures.md``.
"""

from __future__ import annotations

import dataclasses
import sys
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson
from pydantic import ValidationError

from mockturk import json_pieces
from mockturk.domain import qualifications, records, workers
from mockturk.domain.events import NotificationSetting
from mockturk.domain.hit_types import complete_requirement, hit_group_id, hit_type_id
from mockturk.domain.ids import derived_id
from mockturk.models import (
    HIT,
    NOT_PLAIN,
    AcceptedAssignment,
    AccountRecord,
    Assignment,
    BonusPaymentRecord,
    ClockRecord,
    HITTypeRecord,
    IdempotencyTokenRecord,
    MessageRecord,
    NotificationRecord,
    NotificationSettingRecord,
    QualificationRecord,
    QualificationRequestRecord,
    QualificationRequirement,
    QualificationTypeRecord,
    Record,
    WorkerBlockRecord,
    WorkerProfileRecord,
    plain_reader,
    plain_record,
)
from mockturk.quoted import clipped, python_text
from mockturk.state.outbox import Notification
from mockturk.wire import TIMESTAMP_RANGE, encodable

FIXTURE_SUFFIXES = (".json", ".yaml", ".yml")
CURRENT_STATE = "the current state"  # the source name of held records checked with a load
MAX_REPORTED_PROBLEMS = 20

# Top-level keys: plural lists, singular objects, and keys of saved CLI output that carry no data.
_SECTIONS: dict[str, tuple[type[Record], str, bool]] = {
    "HITTypes": (HITTypeRecord, "HITTypeId", True),
    "HITs": (HIT, "HITId", True),
    "HIT": (HIT, "HITId", False),
    "Assignments": (Assignment, "AssignmentId", True),
    "Assignment": (Assignment, "AssignmentId", False),
    "BonusPayments": (BonusPaymentRecord, "PaymentId", True),
    "IdempotencyTokens": (IdempotencyTokenRecord, "Token", True),
    "NotificationSettings": (NotificationSettingRecord, "HITTypeId", True),
    "Notifications": (NotificationRecord, "EventDocId", True),
    "Account": (AccountRecord, "", False),
    "Clock": (ClockRecord, "", False),
    # Qualifications, worker blocks, profiles and messages (WorkerData)
    "QualificationTypes": (QualificationTypeRecord, "QualificationTypeId", True),
    "Qualifications": (QualificationRecord, "QualificationTypeId", True),
    "QualificationRequests": (QualificationRequestRecord, "QualificationRequestId", True),
    "WorkerBlocks": (WorkerBlockRecord, "WorkerId", True),
    "Workers": (WorkerProfileRecord, "WorkerId", True),
    "Messages": (MessageRecord, "WorkerId", True),
}
_BONUSES = frozenset(key for key, (model, _, _) in _SECTIONS.items() if model is BonusPaymentRecord)
Share = Callable[[str, str], str]
_HITFields = dict[str, Any]  # a HIT's fields, as its model gives them
_IGNORED_KEYS = frozenset({"NumResults", "NextToken", "ResponseMetadata"})
_WITH_HITS = (AccountRecord, ClockRecord)  # single objects read in the HITs' pass
T = TypeVar("T")


class Stream(ABC):
    """A section's records given one at a time rather than as a list (a large checkpoint's,
    parsed as they are needed): read once, to its end, by the pass that checks its section
    (so that a damaged record anywhere in it is found before the load is done)."""

    @abstractmethod
    def __iter__(self) -> Iterator[Any]: ...


class FixtureError(Exception):
    """Fixtures that cannot be loaded; the message names every file, record and field at fault."""

    def __init__(self, message: str, problems: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems) if problems is not None else [message]


@dataclass(frozen=True)
class WorkerData:
    """The qualification types, scores, requests, blocks, profiles and messages of a load."""

    qualification_types: Sequence[qualifications.QualificationType] = ()
    scores: Sequence[qualifications.Qualification] = ()
    requests: Sequence[qualifications.QualificationRequest] = ()
    blocks: Sequence[qualifications.WorkerBlock] = ()
    profiles: Sequence[workers.WorkerProfile] = ()
    messages: Sequence[workers.Message] = ()


@dataclass(frozen=True)
class Dataset:
    """Complete, consistent records, ready for the store."""

    hits: Sequence[records.HIT]
    assignments: Sequence[records.Assignment]
    hit_types: Sequence[records.HITType] = ()
    bonuses: Sequence[records.BonusPayment] = ()
    tokens: Sequence[IdempotencyTokenRecord] = ()
    notification_settings: Sequence[NotificationSetting] = ()
    notifications: Sequence[Notification] = ()
    balance: str | None = None
    clock: ClockRecord | None = None
    workers: WorkerData = WorkerData()


class _Where(NamedTuple):
    source: str
    section: str
    position: int | None  # in its section's list (None: a single record)
    record_id: str | None
    id_field: str

    def __str__(self) -> str:
        # Held records are named by ID alone: their place in the state means nothing to a user.
        unplaced = self.position is None or self.source == CURRENT_STATE
        place = self.section if unplaced else f"{self.section}[{self.position}]"
        ident = f" ({self.id_field} {self.record_id})" if self.record_id else ""
        return f"{self.source}: {place}{ident}"


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: _Where | str, field: str | None, text: str) -> None:
        at = f", field '{clipped(field)}'" if field else ""
        line = f"{clipped(str(where))}{at}: {text}"
        # A lone surrogate (a YAML field name can hold one) would make the message unsendable.
        self.lines.append(line.encode("utf-8", "backslashreplace").decode("utf-8"))

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        shown = self.lines[:MAX_REPORTED_PROBLEMS]
        more = len(self.lines) - len(shown)
        tail = [f"... and {more} more problem(s)."] if more else []
        count = len(self.lines)
        head = f"{count} problem{'s' if count != 1 else ''} in the fixtures:"
        raise FixtureError("\n".join([head, *shown, *tail]), self.lines)


# --- Reading files -----------------------------------------------------------------------------


def default_fixtures_path() -> Path:
    """The bundled default data set: inside the installed package, or beside it in a checkout."""
    bundled = Path(str(resources.files("mockturk") / "_default_fixtures"))
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parent.parent / "fixtures" / "default"


def fixture_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories (their own .json/.yaml/.yml files, sorted by name) into files."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.suffix in FIXTURE_SUFFIXES and p.is_file()
            )
            if not found:
                raise FixtureError(f"{path}: the directory holds no .json, .yaml or .yml files.")
            files.extend(found)
        elif path.is_file():
            if path.suffix not in FIXTURE_SUFFIXES:
                raise FixtureError(f"{path}: not a fixture file (expected .json, .yaml or .yml).")
            files.append(path)
        else:
            raise FixtureError(f"{path}: no such file or directory.")
    return files


def read_document(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FixtureError(f"{path}: cannot be read ({error.strerror}).") from None
    if not raw or raw.isspace():  # not raw.strip(): that would copy the whole file
        return None
    try:
        if path.suffix == ".json":
            return json_pieces.loads(raw)  # a large file a piece at a time
        return parse_yaml(raw)
    except orjson.JSONDecodeError as error:
        raise FixtureError(f"{path}: not valid JSON ({error}).") from None
    except NotYAML as error:
        raise FixtureError(f"{path}: not valid YAML ({error}).") from None


class NotYAML(ValueError):
    """Raised by :func:`parse_yaml` for a document that is not YAML, or one refused."""


def parse_yaml(raw: bytes) -> Any:
    """A YAML document; NotYAML when it is not one. PyYAML is imported at the first YAML
    document, so that a start-up on JSON fixtures does without it."""
    from mockturk import yaml_documents

    try:
        return yaml_documents.parse(raw)
    except yaml_documents.YAMLError as error:
        raise NotYAML(" ".join(str(error).split())) from None


def load_fixture_paths(paths: Sequence[str | Path], now: datetime) -> Dataset:
    """Read and check every fixture file under ``paths``."""
    documents = [(str(path), read_document(path)) for path in fixture_files(paths)]
    return build_dataset(documents, now, consume=True)


# --- Checking and completing records -----------------------------------------------------------


def build_dataset(
    documents: Sequence[tuple[str, Any]],
    now: datetime,
    *,
    consume: bool = False,
    held: Callable[[str], str | None] | None = None,
    requester: str = "",
) -> Dataset:
    """Validate named fixture documents together; raise FixtureError listing every problem.

    HITs are checked first, then each assignment against its HIT, then bonus payments against
    their assignments. Records become the domain's (:mod:`mockturk.domain.records`) as they
    come, so a million of them never exist as models at once. With ``consume``, each raw
    record is dropped from its document once read (for documents nobody else holds), which
    keeps the peak memory of a large load near that of the loaded store. ``held`` finds the
    HIT of an assignment already held (a bonus payment may be loaded for one). ``requester``:
    whose records they are (:func:`mockturk.domain.hit_types.hit_type_id`), for the HIT type
    IDs the load derives.
    """
    problems = _Problems()
    singles: dict[type[Record], Record] = {}
    hit_types: dict[str, records.HITType] = {}
    for source, document in documents:
        for record, where in _records(source, document, problems, HITTypeRecord, consume):
            if isinstance(record, HITTypeRecord):
                if record.HITTypeId in hit_types:
                    problems.add(where, where.id_field, "duplicate ID")
                hit_types[record.HITTypeId] = _hit_type(record)

    # One object for each text a load repeats (workers, feedback, the properties of a batch of
    # HITs), not one per record: every copy would hold memory of its own.
    shared: dict[str, str] = {}
    share: Share = shared.setdefault  # share(text, text): the first equal text seen
    hits: dict[str, _LoadedHIT] = {}
    invalid_hit_ids: set[str] = set()
    for source, document in documents:
        for model, raw, where in _raw_records(source, document, problems, HIT, consume):
            if model is not HIT:  # the Account or the Clock
                if (single := _validated(model, raw, where, problems)) is not None:
                    singles[model] = single
                continue
            hit = _fields(HIT, raw, where, problems)
            if hit is None:
                if isinstance(where.record_id, str):
                    invalid_hit_ids.add(where.record_id)
            elif (where.record_id or "") in hits:
                first = hits[where.record_id or ""].where
                problems.add(where, where.id_field, f"duplicate ID, first given at {first}")
            else:
                hits[where.record_id or ""] = _LoadedHIT(hit, where)

    bonuses_given = any(isinstance(d, dict) and not _BONUSES.isdisjoint(d) for _, d in documents)
    assignments = _Assignments(hits, invalid_hit_ids, problems, share, bonuses_given)
    for source, document in documents:
        assignments.read(source, document, consume)
    hit_of_assignment = assignments.hit_of_assignment

    bonuses: list[records.BonusPayment] = []
    tokens: list[IdempotencyTokenRecord] = []
    notification_settings: list[NotificationSetting] = []
    notifications: list[Notification] = []
    for source, document in documents:
        for record, where in _records(source, document, problems, BonusPaymentRecord, consume):
            if isinstance(record, BonusPaymentRecord):
                bonus_hit = hit_of_assignment.get(record.AssignmentId)
                if bonus_hit is None and held is not None:
                    bonus_hit = held(record.AssignmentId)
                if bonus_hit is None:
                    problems.add(
                        where,
                        "AssignmentId",
                        f"no assignment {record.AssignmentId} is in the fixtures",
                    )
                    continue
                payment_id = record.PaymentId or derived_id(
                    "bonus", f"{record.AssignmentId}:{len(bonuses)}:{record.GrantTime}"
                )
                bonuses.append(
                    records.BonusPayment(
                        WorkerId=record.WorkerId,
                        BonusAmount=record.BonusAmount,
                        AssignmentId=record.AssignmentId,
                        Reason=record.Reason,
                        GrantTime=record.GrantTime,
                        HITId=bonus_hit,
                        PaymentId=payment_id,
                    )
                )
        for record, _ in _records(source, document, problems, IdempotencyTokenRecord, consume):
            if isinstance(record, IdempotencyTokenRecord):
                tokens.append(record)
        settings, sent = _notifications(source, document, problems, consume)
        notification_settings += settings
        notifications += sent
    worker_data = _worker_data(documents, problems, consume)
    types = _TypesOfHITs(requester)
    completed_hits = [
        _complete_hit(hit.fields, hit.statuses, hit.where, now, problems, share, types)
        for hit in hits.values()
    ]
    problems.raise_if_any()
    account = singles.get(AccountRecord)
    return Dataset(
        hits=completed_hits,
        assignments=assignments.completed,
        hit_types=list(hit_types.values()),
        bonuses=bonuses,
        tokens=tokens,
        notification_settings=notification_settings,
        notifications=notifications,
        balance=account.AvailableBalance if isinstance(account, AccountRecord) else None,
        clock=singles.get(ClockRecord),  # type: ignore[arg-type]
        workers=worker_data,
    )


def _worker_data(
    documents: Sequence[tuple[str, Any]], problems: _Problems, consume: bool
) -> WorkerData:
    """The worker sections' records, checked each by its model, as the domain's records."""
    found: dict[type[Record], list[Any]] = defaultdict(list)
    for model in _WORKER_RECORDS:
        for source, document in documents:
            for record, _ in _records(source, document, problems, model, consume):
                if record is not None:
                    found[model].append(_WORKER_RECORDS[model](record.model_dump()))
    return WorkerData(
        *(tuple(found[model]) for model in _WORKER_RECORDS)  # in WorkerData's field order
    )


def _locale_of(fields: dict[str, Any]) -> dict[str, Any]:
    locale = fields.get("LocaleValue")
    if locale is not None:
        fields["LocaleValue"] = (locale["Country"], locale.get("Subdivision"))
    return fields


def _without(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def dropped(fields: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in fields.items() if k not in names}

    return dropped


# Model -> how its fields become the domain record, in WorkerData's field order.
_WORKER_RECORDS: dict[type[Record], Callable[[dict[str, Any]], Any]] = {
    QualificationTypeRecord: lambda f: qualifications.QualificationType(
        **_without("IsRequestable")(f)
    ),
    QualificationRecord: lambda f: qualifications.Qualification(**_locale_of(f)),
    QualificationRequestRecord: lambda f: qualifications.QualificationRequest(**f),
    WorkerBlockRecord: lambda f: qualifications.WorkerBlock(**f),
    WorkerProfileRecord: lambda f: workers.WorkerProfile(**f),
    MessageRecord: lambda f: workers.Message(**f),
}


def _notifications(
    source: str, document: Any, problems: _Problems, consume: bool
) -> tuple[list[NotificationSetting], list[Notification]]:
    """A document's notification settings and outbox messages, as the domain holds them."""
    settings = [
        NotificationSetting(**{**record.model_dump(), "EventTypes": tuple(record.EventTypes)})
        for record, _ in _records(source, document, problems, NotificationSettingRecord, consume)
        if isinstance(record, NotificationSettingRecord)
    ]
    sent = [
        Notification(**record.model_dump())
        for record, _ in _records(source, document, problems, NotificationRecord, consume)
        if isinstance(record, NotificationRecord)
    ]
    return settings, sent


def _hit_type(record: HITTypeRecord) -> records.HITType:
    fields = record.model_dump(exclude_none=True)
    fields["QualificationRequirements"] = tuple(
        complete_requirement(q) for q in record.QualificationRequirements
    )
    return records.HITType(**fields)


def _records(
    source: str, document: Any, problems: _Problems, wanted: type[Record], consume: bool
) -> Iterable[tuple[Record | None, _Where]]:
    """Each record of a document of the ``wanted`` kind, validated; ``None`` for one with
    problems (reported). Problems of the document itself are reported with its HITs."""
    for model, raw, where in _raw_records(source, document, problems, wanted, consume):
        yield _validated(model, raw, where, problems), where


def _raw_records(
    source: str, document: Any, problems: _Problems, wanted: type[Record], consume: bool
) -> Iterable[tuple[type[Record], dict[Any, Any], _Where]]:
    """Each record of a document of the ``wanted`` kind, unchecked but for being a mapping,
    with the model of its section; problems of the document itself are reported with its
    HITs."""
    for model, key, id_field, content, many in _sections(source, document, problems, wanted):
        items = enumerate(content) if many else [(None, content)]
        dropping = consume and isinstance(content, list)  # a Stream holds no records
        for index, raw in items:
            record_id = raw.get(id_field) if isinstance(raw, dict) else None
            where = _Where(
                source, key, index, record_id if isinstance(record_id, str) else None, id_field
            )
            if dropping and index is not None:
                content[index] = None  # the raw record is not needed again
            if not isinstance(raw, dict):
                problems.add(where, None, NOT_A_MAPPING)
                continue
            yield model, raw, where


NOT_A_MAPPING = "a record must be a mapping of field names to values"


def _sections(
    source: str, document: Any, problems: _Problems, wanted: type[Record]
) -> Iterable[tuple[type[Record], str, str, Any, bool]]:
    """Each section of a document with records of the ``wanted`` kind: its model, key, ID
    field, content (a list of records, or one), and whether it is a list. Problems of the
    document itself are reported with its HITs."""
    if wanted is not HIT:
        if not isinstance(document, dict):
            return
    elif document is None:
        problems.add(
            source, None, "the file is empty; expected a mapping with HITs and/or Assignments"
        )
        return
    if not isinstance(document, dict):
        problems.add(
            source, None, "expected a mapping with HITs and/or Assignments at the top level"
        )
        return
    for key, content in document.items():
        if key in _IGNORED_KEYS:
            continue
        if key not in _SECTIONS:
            if wanted is HIT:  # reported once, in the first pass
                known = ", ".join(_SECTIONS)
                problems.add(
                    source, None, f"unknown top-level key {python_text(key)} (expected {known})"
                )
            continue
        model, id_field, many = _SECTIONS[key]
        if model is not wanted and not (wanted is HIT and model in _WITH_HITS):
            continue
        if many and not isinstance(content, (list, Stream)):
            problems.add(source, None, f"{key} must be a list of records")
            continue
        yield model, key, id_field, content, many


def _validated(
    model: type[Record], raw: dict[Any, Any], where: _Where, problems: _Problems
) -> Record | None:
    """The record as its model reads it; ``None`` when it has problems (reported)."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        for detail in error.errors():
            problems.add(where, _field_name(detail["loc"]), _describe(detail))
        return None


def _fields(
    model: type[Record], raw: dict[Any, Any], where: _Where, problems: _Problems
) -> dict[str, Any] | None:
    """A record's fields, as its model gives them; ``None`` when it has problems (reported).
    Plain records, most of a large load, are read without building a model."""
    fields = plain_record(model, raw)
    if fields is not None:
        return fields
    record = _validated(model, raw, where, problems)
    return None if record is None else record.model_dump()


def _field_name(loc: tuple[int | str, ...]) -> str | None:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or None


def _describe(detail: Any) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        return "not a field of this record (field names are the API's, e.g. HITId, CreationTime)"
    message = str(detail["msg"]).removeprefix("Value error, ")
    return f"{message} (got {python_text(detail['input'])})"


class _LoadedHIT:
    """A HIT of a load while its assignments are read: its fields, where it was given, and
    how many of its assignments so far have each status."""

    __slots__ = (
        "auto_approval_delay",
        "creation",
        "duration",
        "expiration",
        "fields",
        "hit_id",
        "statuses",
        "where",
    )

    def __init__(self, fields: _HITFields, where: _Where) -> None:
        self.fields = fields
        self.where = where
        # What each of its assignments is checked against or completed with.
        self.hit_id: str = fields["HITId"]
        self.creation: datetime = fields["CreationTime"]
        self.expiration: datetime = fields["Expiration"]
        self.auto_approval_delay = _seconds(fields["AutoApprovalDelayInSeconds"])
        self.duration = _seconds(fields["AssignmentDurationInSeconds"])
        self.statuses: dict[str, int] = {}  # how many of its assignments have each status


class _Places:
    """Where a load's records of one kind were given, by their number in the load. A load
    keeps numbers, not a _Where for each of a million records: a _Where is made only for a
    problem's report."""

    def __init__(self, id_field: str) -> None:
        self._id_field = id_field
        self._starts: list[int] = []  # the number of each section's first record
        self._sections: list[tuple[str, str, bool]] = []  # source, key, whether a list
        self._count = 0

    def section(self, source: str, key: str, many: bool) -> int:
        """The number of the section's first record; :meth:`end` says how many it had (a
        Stream's count is known only once it has been read)."""
        self._starts.append(self._count)
        self._sections.append((source, key, many))
        return self._count

    def end(self, count: int) -> None:
        """The number of the next section's first record."""
        self._count = count

    def where(self, number: int, record_id: Any) -> _Where:
        at = bisect_right(self._starts, number) - 1
        source, key, many = self._sections[at]
        position = number - self._starts[at] if many else None
        named = record_id if isinstance(record_id, str) else None
        return _Where(source, key, position, named, self._id_field)


def _by_position(cls: type[T]) -> Callable[..., T]:
    """A record class's constructor, called by field name at the cost of a call by position.

    A class called by name gathers its arguments into a dict first: several times slower, and
    a load builds a million records.
    """
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if any(f.default_factory is not dataclasses.MISSING for f in fields):
        raise TypeError(f"{cls.__name__}: a field made by a factory has no default to give")
    defaults = {f"default_{f.name}": f.default for f in fields}
    params = ", ".join(
        f.name if f.default is dataclasses.MISSING else f"{f.name}=default_{f.name}" for f in fields
    )
    source = f"def make({params}):\n    return cls({', '.join(f.name for f in fields)})\n"
    names: dict[str, Any] = {"cls": cls, **defaults}
    exec(compile(source, f"<{cls.__name__} by position>", "exec"), names)
    make: Callable[..., T] = names["make"]
    return make


_new_assignment = _by_position(records.Assignment)
_new_hit = _by_position(records.HIT)


class _Assignments:
    """A load's assignments, each checked as it is read (against its HIT and the others) and
    completed into the domain's record: one pass over the raw record, no model built for a
    plain one, and a _Where only for a problem."""

    def __init__(
        self,
        hits: dict[str, _LoadedHIT],
        invalid_hit_ids: set[str],
        problems: _Problems,
        share: Share,
        bonuses_given: bool,
    ) -> None:
        self._hits = hits
        self._invalid_hit_ids = invalid_hit_ids
        self._problems = problems
        self._share = share
        self._bonuses_given = bonuses_given
        self._places = _Places("AssignmentId")
        self._seen: dict[str, int] = {}  # assignment ID -> the number of its record
        # (HIT, worker) -> the ID of the worker's assignment of the HIT. One dict for the load,
        # not one per HIT: a million small ones, once freed, would leave memory behind.
        self._workers: dict[tuple[str, str], str] = {}
        self._number = 0  # the record being read, and its ID: where its problems are
        self._id = ""
        self.completed: list[records.Assignment] = []
        self.hit_of_assignment: dict[str, str] = {}  # what bonus payments are checked against

    def read(self, source: str, document: Any, consume: bool) -> None:
        """Check and complete the document's assignments."""
        submitted = plain_reader(Assignment, self._submitted)
        accepted = plain_reader(AcceptedAssignment, self._accepted)
        for model, key, _, content, many in _sections(source, document, self._problems, Assignment):
            start = self._places.section(source, key, many)
            number = start - 1  # no record read yet
            items = enumerate(content, start) if many else ((start, content),)
            dropping = consume and isinstance(content, list)  # a Stream holds no records
            for number, raw in items:
                if dropping:
                    content[number - start] = None  # the raw record is not needed again
                self._number = number
                if not isinstance(raw, dict):
                    self._problems.add(self._places.where(number, None), None, NOT_A_MAPPING)
                # Work in progress has a model of its own: no Assignment's status is Accepted.
                elif submitted(raw) is not NOT_PLAIN:
                    continue
                elif raw.get("AssignmentStatus") != records.ACCEPTED:
                    self._validated(model, raw, self._submitted)
                elif accepted(raw) is NOT_PLAIN:
                    self._validated(AcceptedAssignment, raw, self._accepted)
            self._places.end(number + 1)

    def _validated(
        self, model: type[Record], raw: dict[Any, Any], finish: Callable[..., None]
    ) -> None:
        """A record the quick way leaves to its model: read by it, and explained."""
        where = self._places.where(self._number, raw.get("AssignmentId"))
        record = _validated(model, raw, where, self._problems)
        if record is not None:
            finish(**record.model_dump())

    def _report(self, field: str | None, text: str) -> None:
        """A problem of the record being read."""
        self._problems.add(self._places.where(self._number, self._id), field, text)

    def _parent(self, assignment_id: str, hit_id: str, worker_id: str) -> _LoadedHIT | None:
        """The HIT of the assignment being read, if it is one the load can keep (else its
        problem is reported)."""
        self._id = assignment_id
        first = self._seen.setdefault(assignment_id, self._number)
        if first != self._number:
            self._report("AssignmentId", f"duplicate ID, first given at {self._at(assignment_id)}")
            return None
        parent = self._hits.get(hit_id)
        if parent is None:
            if hit_id not in self._invalid_hit_ids:  # that HIT's own problems are reported
                self._report("HITId", f"no HIT {hit_id} is in the fixtures")
            return None
        held = self._workers.setdefault((hit_id, worker_id), assignment_id)
        if held != assignment_id:
            self._report(
                "WorkerId",
                f"this worker already holds an assignment of the HIT, at {self._at(held)}",
            )
        return parent

    def _at(self, assignment_id: str) -> _Where:
        """Where the assignment of that ID was first given."""
        return self._places.where(self._seen[assignment_id], assignment_id)

    def _during(self, hit: _LoadedHIT, accepted: datetime) -> None:
        """Check that the assignment was accepted while its HIT was up."""
        if accepted > hit.expiration:
            self._report("AcceptTime", f"is after the HIT's Expiration ({hit.expiration})")
        if accepted < hit.creation:
            self._report("AcceptTime", f"is earlier than the HIT's CreationTime ({hit.creation})")

    def _keep(self, parent: _LoadedHIT, assignment: records.Assignment) -> None:
        status = assignment.AssignmentStatus
        parent.statuses[status] = parent.statuses.get(status, 0) + 1
        if self._bonuses_given:
            self.hit_of_assignment[assignment.AssignmentId] = assignment.HITId
        if not self._problems.lines:  # once anything is wrong, nothing will be loaded
            self.completed.append(assignment)

    def _submitted(
        self,
        AssignmentId: str,
        WorkerId: str,
        HITId: str,
        AssignmentStatus: str,
        AutoApprovalTime: datetime | None,
        AcceptTime: datetime,
        SubmitTime: datetime,
        ApprovalTime: datetime | None,
        RejectionTime: datetime | None,
        Deadline: datetime | None,
        Answer: str,
        RequesterFeedback: str | None,
    ) -> None:
        """Keep an assignment (its model's fields, in its order: unset ones None, the defaults)
        with its derived AutoApprovalTime, once checked."""
        parent = self._parent(AssignmentId, HITId, WorkerId)
        if parent is None:
            return
        status = AssignmentStatus
        if AcceptTime > SubmitTime:
            self._report("SubmitTime", "is earlier than AcceptTime")
        self._during(parent, AcceptTime)
        self._review_time("ApprovalTime", ApprovalTime, "Approved", status, SubmitTime)
        self._review_time("RejectionTime", RejectionTime, "Rejected", status, SubmitTime)
        approved, rejected = ApprovalTime, RejectionTime
        if status == "Approved" and approved and rejected and approved < rejected:
            self._report("ApprovalTime", "is earlier than the RejectionTime it overrode")
        auto_approval = SubmitTime + parent.auto_approval_delay
        if not encodable(auto_approval):
            self._report(
                "SubmitTime",
                f"plus the HIT's AutoApprovalDelayInSeconds gives an AutoApprovalTime out of"
                f" range ({auto_approval.isoformat()}): {TIMESTAMP_RANGE}",
            )
        if AutoApprovalTime is not None and AutoApprovalTime != auto_approval:
            self._report(
                "AutoApprovalTime",
                f"must be SubmitTime + the HIT's AutoApprovalDelayInSeconds"
                f" ({auto_approval.isoformat()}), or be left out",
            )
        share = self._share
        # One string object per HIT ID, status, worker and feedback, not one per assignment.
        assignment = _new_assignment(
            AssignmentId=AssignmentId,
            WorkerId=share(WorkerId, WorkerId),
            HITId=parent.hit_id,
            AssignmentStatus=sys.intern(status),
            AcceptTime=AcceptTime,
            SubmitTime=SubmitTime,
            AutoApprovalTime=auto_approval,
            ApprovalTime=ApprovalTime,
            RejectionTime=RejectionTime,
            Deadline=Deadline,
            Answer=Answer,
            RequesterFeedback=None
            if RequesterFeedback is None
            else share(RequesterFeedback, RequesterFeedback),
        )
        self._keep(parent, assignment)

    def _review_time(
        self, field: str, value: datetime | None, wanted: str, status: str, submitted: datetime
    ) -> None:
        """Check an ApprovalTime or RejectionTime against the status and the SubmitTime."""
        # An approval that overrode a rejection keeps its RejectionTime, as the real one did.
        overridden = field == "RejectionTime" and status == "Approved"
        if value is None and status == wanted:
            self._report(field, f"required for a {wanted} assignment")
        elif value is not None and status != wanted and not overridden:
            self._report(
                field,
                f"only a {wanted} assignment (or an Approved one whose rejection was overridden)"
                f" has one (this one is {status})"
                if field == "RejectionTime"
                else f"only a {wanted} assignment has one (this one is {status})",
            )
        elif value is not None and value < submitted:
            self._report(field, "is earlier than SubmitTime")

    def _accepted(
        self,
        AssignmentId: str,
        WorkerId: str,
        HITId: str,
        AssignmentStatus: str,
        AcceptTime: datetime,
        Deadline: datetime | None,
    ) -> None:
        """Keep work in progress (its model's fields) with its deadline, as the record holds
        it: as stated, or AcceptTime + the HIT's duration."""
        parent = self._parent(AssignmentId, HITId, WorkerId)
        if parent is None:
            return
        self._during(parent, AcceptTime)
        deadline = Deadline or AcceptTime + parent.duration
        if not encodable(deadline):
            self._report(
                "AcceptTime", f"plus the HIT's duration is out of range: {TIMESTAMP_RANGE}"
            )
        if deadline < AcceptTime:
            self._report("Deadline", "is earlier than AcceptTime")
        assignment = _new_assignment(
            AssignmentId=AssignmentId,
            WorkerId=self._share(WorkerId, WorkerId),
            HITId=parent.hit_id,
            AssignmentStatus=sys.intern(AssignmentStatus),
            AcceptTime=AcceptTime,
            due=deadline,
        )
        self._keep(parent, assignment)


@cache
def _seconds(count: int) -> timedelta:
    """A HIT's delay or duration as a timedelta, made once (a load adds it a million times)."""
    return timedelta(seconds=count)


def _complete_hit(
    hit: _HITFields,
    statuses: dict[str, int],
    where: _Where,
    now: datetime,
    problems: _Problems,
    share: Share,
    types: _TypesOfHITs,
) -> records.HIT:
    """The HIT with its derived fields, given its assignments' statuses; its texts and its
    qualification requirements shared with the other HITs' that state the same."""
    submitted = statuses.get("Submitted", 0)
    accepted = statuses.get(records.ACCEPTED, 0)
    completed = statuses.get("Approved", 0) + statuses.get("Rejected", 0)
    held = sum(statuses.values())
    if held > hit["MaxAssignments"]:
        problems.add(
            where,
            "MaxAssignments",
            f"is {hit['MaxAssignments']}, but {held} assignments belong to it",
        )
    if hit["Expiration"] < hit["CreationTime"]:
        problems.add(where, "Expiration", "is earlier than CreationTime")
    pending, available, completed = _counters(hit, accepted, submitted, completed, where, problems)
    status = hit["HITStatus"] or _derived_status(hit, available, pending, now)
    if status == "Assignable" and available == 0:
        problems.add(where, "HITStatus", "is Assignable, but no assignment is available")
    if status == "Unassignable" and pending == 0:
        problems.add(where, "HITStatus", "is Unassignable, but no assignment is pending")
    requirements, identity = types.requirements(hit["QualificationRequirements"])
    type_id = hit["HITTypeId"] or types.type_id(hit, requirements, identity)
    fields = {
        **hit,
        "HITStatus": status,
        "HITTypeId": type_id,
        "HITGroupId": hit["HITGroupId"] or types.group_id(type_id),
        "QualificationRequirements": requirements,
        "NumberOfAssignmentsPending": pending,
        "NumberOfAssignmentsAvailable": available,
        "NumberOfAssignmentsCompleted": completed,
        "submitted": submitted,
    }
    for name, value in fields.items():
        if isinstance(value, str):
            fields[name] = share(value, value)
    return _new_hit(**fields)


class _TypeProperties(NamedTuple):
    """What a HIT's type ID follows from (mockturk.domain.hit_types.TypeProperties), its
    requirements by what identifies them: the same for every HIT of a batch."""

    Title: str
    Description: str
    Reward: str
    Keywords: str | None
    AssignmentDurationInSeconds: int
    AutoApprovalDelayInSeconds: int
    requirements: bytes


class _TypesOfHITs:
    """The requirements, type IDs and group IDs of a load's HITs, each worked out once for the
    HITs that state the same (a batch does), and shared by them."""

    def __init__(self, requester: str = "") -> None:
        self._requester = requester
        self._stated: dict[bytes, tuple[tuple[QualificationRequirement, ...], bytes]] = {}
        self._completed: dict[bytes, tuple[QualificationRequirement, ...]] = {}
        self._type_ids: dict[_TypeProperties, str] = {}
        self._group_ids: dict[str, str] = {}

    def requirements(
        self, stated: list[dict[str, Any]]
    ) -> tuple[tuple[QualificationRequirement, ...], bytes]:
        """Requirements (their model's fields) completed, and what identifies them: their
        JSON as the wire gives it."""
        key = orjson.dumps(stated)  # plain data: the model's fields
        found = self._stated.get(key)
        if found is None:
            made = tuple(
                complete_requirement(QualificationRequirement.model_validate(q)) for q in stated
            )
            completed = orjson.dumps([q.to_api() for q in made])
            found = self._stated[key] = (self._completed.setdefault(completed, made), completed)
        return found

    def type_id(
        self, hit: _HITFields, requirements: tuple[QualificationRequirement, ...], identity: bytes
    ) -> str:
        properties = _TypeProperties(
            hit["Title"],
            hit["Description"],
            hit["Reward"],
            hit["Keywords"],
            hit["AssignmentDurationInSeconds"],
            hit["AutoApprovalDelayInSeconds"],
            identity,
        )
        found = self._type_ids.get(properties)
        if found is None:
            found = self._type_ids[properties] = hit_type_id(
                properties, requirements, self._requester
            )
        return found

    def group_id(self, type_id: str) -> str:
        found = self._group_ids.get(type_id)
        if found is None:
            found = self._group_ids[type_id] = hit_group_id(type_id)
        return found


def _counters(
    hit: _HITFields,
    accepted: int,
    submitted: int,
    completed: int,
    where: _Where,
    problems: _Problems,
) -> tuple[int, int, int]:
    """Pending, Available and Completed: as stated, or derived from the HIT's assignments.

    Stated counters may describe assignments the fixtures leave out (saved ``list-hits`` output
    states them for every HIT), so they are checked for contradictions, not for equality.
    """
    if hit["NumberOfAssignmentsCompleted"] is not None:
        if hit["NumberOfAssignmentsCompleted"] < completed:
            problems.add(
                where,
                "NumberOfAssignmentsCompleted",
                f"is {hit['NumberOfAssignmentsCompleted']}, but {completed} of its assignments are"
                f" Approved or Rejected (leave it out to have it computed)",
            )
        completed = hit["NumberOfAssignmentsCompleted"]
    open_slots = max(hit["MaxAssignments"] - submitted - completed, 0)
    pending = hit["NumberOfAssignmentsPending"]
    if pending is not None and pending < accepted:
        problems.add(
            where,
            "NumberOfAssignmentsPending",
            f"is {pending}, but {accepted} of its assignments are Accepted (leave it out to have"
            f" it computed)",
        )
    if pending is None and accepted:
        pending = accepted
    if pending is None:
        stated_available = hit["NumberOfAssignmentsAvailable"] or 0
        pending = max(open_slots - stated_available, 0) if hit["HITStatus"] == "Unassignable" else 0
    available = hit["NumberOfAssignmentsAvailable"]
    if available is None:
        available = max(open_slots - pending, 0)
    if available + pending + submitted + completed > hit["MaxAssignments"]:
        problems.add(
            where,
            "NumberOfAssignmentsAvailable",
            f"Available ({available}) + Pending ({pending}) + Submitted ({submitted}) + Completed"
            f" ({completed}) exceed MaxAssignments ({hit['MaxAssignments']})",
        )
    return pending, available, completed


def _derived_status(hit: _HITFields, available: int, pending: int, now: datetime) -> str:
    if available > 0 and now < hit["Expiration"]:
        return "Assignable"
    return "Unassignable" if pending > 0 else "Reviewable"
