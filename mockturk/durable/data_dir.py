"""The files of a data dir: checkpoints (full exports) and a SQLite journal of the changes since.

- ``mockturk.sqlite3``: SQLite in WAL mode. ``meta`` holds the data format, the mockturk
  version that last wrote it, the checkpoint's generation, what is kept beside its records
  (balance, clock, IDs issued) and the secret NextTokens are signed with; ``journal`` holds
  one row per change since that checkpoint.
- ``state-<generation>.json``: the checkpoint, an export of the whole state (fixture format),
  a record a line (:mod:`mockturk.durable.line_form`).
- ``seed.json``: the fixtures the data dir was first given, which a reset returns to.

A checkpoint file is written whole, synced and renamed into place before the database names
it, in the same transaction that empties the journal: a crash at any point leaves either the
old checkpoint and its journal, or the new one.

One server at a time: the database is opened in SQLite's exclusive locking mode, so a second
server on the same data dir is refused at start-up.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from mockturk import __version__

FORMAT = "mockturk data dir"
SCHEMA_VERSION = 1
DATABASE = "mockturk.sqlite3"
SEED = "seed.json"
SYNC_MODES = ("normal", "full")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, change BLOB NOT NULL)",
)
# How long a start-up waits for a data dir another server holds before it is refused.
_LOCK_WAIT_S = 1.0


class DataDirError(Exception):
    """A data dir that cannot be used: the message says which and why; nothing was changed."""


class DataDirInUse(DataDirError):
    """Another server holds the data dir."""


class DataDir:
    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    # --- Opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, sync: str = "normal", reset: bool = False) -> DataDir:
        """Open (or make) the data dir at ``path``; DataDirError if it is not one of this
        format, is damaged, or is in use by another server. With ``reset``, what it holds is
        discarded first (a damaged or foreign one's files too, but not one in use)."""
        try:
            data_dir = cls._open(Path(path), sync)
        except DataDirInUse:
            raise
        except DataDirError:
            if not reset:
                raise
            _remove_files(Path(path))
            return cls._open(Path(path), sync)
        if reset:
            data_dir.discard()
        return data_dir

    @classmethod
    def _open(cls, root: Path, sync: str) -> DataDir:
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataDirError(f"{root}: cannot be made a data dir ({error.strerror}).") from None
        if not root.is_dir():
            raise DataDirError(f"{root}: not a directory.")
        database = root / DATABASE
        if not database.exists() and _checkpoints(root):
            raise DataDirError(
                f"{root}: holds checkpoints but no {DATABASE}: damaged; restore it from a "
                "backup, or start with --reset-data to discard it."
            )
        try:
            connection = sqlite3.connect(
                database, timeout=_LOCK_WAIT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise _damaged(database, error) from None
        data_dir = cls(root, connection)
        try:
            data_dir._prepare(sync)
        except BaseException:
            connection.close()
            raise
        return data_dir

    def _prepare(self, sync: str) -> None:
        try:
            self._prepared(sync)
        except sqlite3.OperationalError as error:
            if "locked" in str(error):
                raise DataDirInUse(
                    f"{self.path}: in use by another mockturk server (one server per data dir)."
                ) from None
            raise _damaged(self.path / DATABASE, error) from None
        except sqlite3.DatabaseError as error:
            raise _damaged(self.path / DATABASE, error) from None

    def _prepared(self, sync: str) -> None:
        db = self._db
        db.execute("PRAGMA locking_mode = EXCLUSIVE")
        if db.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
            raise sqlite3.DatabaseError("cannot use write-ahead logging")
        db.execute(f"PRAGMA synchronous = {SYNC_MODES.index(sync) + 1}")  # NORMAL=1, FULL=2
        db.execute("BEGIN IMMEDIATE")  # takes the exclusive lock now, not at the first change
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if tables - {"meta", "journal", "sqlite_autoindex_meta_1"}:
                raise DataDirError(
                    f"{self.path / DATABASE}: not a mockturk data dir (a database of other tables)."
                )
            for statement in _SCHEMA:
                db.execute(statement)
            meta = self._meta()
            if not meta:
                self._set_meta(
                    format=FORMAT,
                    schema=str(SCHEMA_VERSION),
                    written_by=__version__,
                    generation="0",
                    token_secret=os.urandom(32).hex(),
                )
            else:
                self._check(meta)
                self._set_meta(written_by=__version__)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _check(self, meta: dict[str, str]) -> None:
        database = self.path / DATABASE
        if meta.get("format") != FORMAT:
            raise DataDirError(f"{database}: not a mockturk data dir (no mockturk format mark).")
        if meta.get("schema") != str(SCHEMA_VERSION):
            raise DataDirError(
                f"{database}: written by mockturk {meta.get('written_by', '?')} in data format "
                f"{meta.get('schema')}; this is mockturk {__version__}, which reads data format "
                f"{SCHEMA_VERSION} only. Use that version, or start with --reset-data to "
                "discard the data dir."
            )
        generation = int(meta.get("generation", "0"))
        if generation and not self._checkpoint_path(generation).is_file():
            raise DataDirError(
                f"{self.path}: {self._checkpoint_path(generation).name} is missing: damaged; "
                "restore it from a backup, or start with --reset-data to discard it."
            )

    # --- Reading ---------------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        return int(self._meta()["generation"])

    @property
    def token_secret(self) -> bytes:
        """What NextTokens are signed with, so that those issued before a restart still work."""
        return bytes.fromhex(self._meta()["token_secret"])

    @property
    def empty(self) -> bool:
        """Whether it holds no state yet (it is seeded from fixtures then)."""
        return self.generation == 0

    def checkpoint_path(self) -> Path:
        return self._checkpoint_path(self.generation)

    def seed_path(self) -> Path:
        return self.path / SEED

    def kept_control(self) -> dict[str, Any]:
        """What the checkpoint keeps beside its records."""
        loaded: dict[str, Any] = orjson.loads(self._meta()["control"])
        return loaded

    def journal_length(self) -> int:
        count: int = self._db.execute("SELECT count(*) FROM journal").fetchone()[0]
        return count

    def journal(self) -> Iterator[bytes]:
        """The changes since the checkpoint, in order."""
        for (change,) in self._db.execute("SELECT change FROM journal ORDER BY seq"):
            yield change

    # --- Writing ---------------------------------------------------------------------------------

    def append(self, change: bytes) -> None:
        """Keep a change: once this returns, it survives the process being killed."""
        self._db.execute("INSERT INTO journal (change) VALUES (?)", (change,))

    def checkpoint(
        self, document: Iterable[bytes], control: dict[str, Any], *, seed: bool = False
    ) -> None:
        """Make ``document`` (its JSON, in pieces) the state kept (and, with ``seed``, what a
        reset returns to); the journal starts empty."""
        old = self.generation
        new = self._checkpoint_path(old + 1)
        _write_durably(new, document)
        if seed:
            _replace_durably(new, self.seed_path())
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("DELETE FROM journal")
        self._set_meta(generation=str(old + 1), control=orjson.dumps(control).decode())
        self._db.execute("COMMIT")
        self._synced()
        self._remove_checkpoints(keep=new)

    def discard(self) -> None:
        """Forget the state kept (``--reset-data``): the data dir is empty again."""
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("DELETE FROM journal")
        self._set_meta(generation="0")
        self._db.execute("COMMIT")
        self._synced()
        self._remove_checkpoints(keep=None)
        self.seed_path().unlink(missing_ok=True)

    def close(self) -> None:
        self._db.close()

    # --- Inside ----------------------------------------------------------------------------------

    def _synced(self) -> None:
        """Everything committed so far on disk, power cut or not (whatever the sync mode):
        before an old checkpoint file goes, the database must name the new one for good."""
        self._db.execute("PRAGMA wal_checkpoint(FULL)")

    def _checkpoint_path(self, generation: int) -> Path:
        return self.path / f"state-{generation}.json"

    def _meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT name, value FROM meta"))

    def _set_meta(self, **values: str) -> None:
        self._db.executemany(
            "INSERT INTO meta (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            values.items(),
        )

    def _remove_checkpoints(self, keep: Path | None) -> None:
        """Checkpoints no longer named (and any left by a crash before they were)."""
        for path in _checkpoints(self.path):
            if path != keep:
                path.unlink(missing_ok=True)


def _checkpoints(root: Path) -> list[Path]:
    return [*root.glob("state-*.json"), *root.glob("state-*.json.tmp")]


def _remove_files(root: Path) -> None:
    """Every file of a data dir (and no other file there)."""
    for path in [*_checkpoints(root), root / SEED]:
        path.unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        (root / (DATABASE + suffix)).unlink(missing_ok=True)


def _damaged(database: Path, error: Exception) -> DataDirError:
    return DataDirError(
        f"{database}: not a mockturk data dir, or damaged ({error}). Restore it from a backup, "
        "or start with --reset-data to discard it."
    )


def _write_durably(path: Path, content: Iterable[bytes]) -> None:
    """``path`` holds ``content`` whole, on disk, or is not there at all."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as file:
        file.writelines(content)
        file.flush()
        os.fsync(file.fileno())
    _replace_durably(temporary, path)


def _replace_durably(source: Path, target: Path) -> None:
    """Put ``source`` in ``target``'s place (a copy by hard link when it stays too)."""
    if source.suffix == ".tmp":
        os.replace(source, target)
    else:
        linked = target.with_name(target.name + ".tmp")
        linked.unlink(missing_ok=True)
        os.link(source, linked)
        os.replace(linked, target)
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` survive a power cut (POSIX; elsewhere a no-op)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
