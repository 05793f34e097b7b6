"""A checkpoint in the line form: one JSON document, its records one a line, read a few at a time.

A checkpoint is written so::

    {
    "HITs":[
    {"HITId":...},
    {"HITId":...}
    ],
    "Account":{"AvailableBalance":"10000.00"}
    }

which is still a fixture file (any JSON reader takes it whole), but which a restart reads
section by section, a piece of lines at a time, without ever holding the whole document parsed:
the file is mapped, its sections found by their lines, and a section's records parsed as the
load reaches them (:class:`mockturk.fixtures.Stream`).

A record never holds a raw line break (JSON escapes it in strings), so a line that opens with
``]`` closes its section. What the lines are taken for is trusted only because each part parses
as it should: a file that is not in this form, or damaged, raises :class:`Unstreamable`
(perhaps only once its load is under way), and is then read whole, which gives the result, or
the error, it always gave.
"""

from __future__ import annotations

import mmap
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from mockturk.fixtures import Stream

OPENING = b"{\n"
PIECE_BYTES = 2**18  # of lines parsed at once: orjson's working copy stays in the CPU's cache
# A closing line is found by its "]" alone (a search for one byte) while the records hold few of
# them, fewer than one in this many bytes; else by the line break before it too.
_BYTES_A_BRACKET = 256
_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)


class Unstreamable(Exception):
    """The checkpoint is not in the line form, or is damaged: it is to be read whole."""


def written(document: dict[str, Any]) -> Iterator[bytes]:
    """``document`` in the line form, in pieces to be written one after the other."""
    yield OPENING
    last = len(document) - 1
    for index, (name, value) in enumerate(document.items()):
        after = b"\n" if index == last else b",\n"
        if isinstance(value, list) and value:
            # A piece a record, written before the next is made: holding many at once would
            # cost a page of fresh memory for each.
            yield orjson.dumps(name) + b":[\n" + orjson.dumps(value[0])
            for record in islice(value, 1, None):
                yield b",\n" + orjson.dumps(record)
            yield b"\n]" + after
        else:
            yield orjson.dumps(name) + b":" + orjson.dumps(value) + after
    yield b"}\n"


@contextmanager
def opened(path: Path, streamed: Collection[str]) -> Iterator[dict[str, Any] | None]:
    """The document of the checkpoint at ``path``, its sections named in ``streamed`` as
    Streams (the others as parsed), while the file stays mapped; None for a file that is
    not in the line form (or cannot be read: reading it whole reports why)."""
    mapped = _mapped(path)
    if mapped is None:
        yield None
        return
    lines = _Lines(mapped)
    try:
        yield lines.document(streamed)
    finally:
        lines.close()


def _mapped(path: Path) -> mmap.mmap | None:
    try:
        with open(path, "rb") as file:
            if file.read(len(OPENING)) != OPENING:
                return None
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


class _Lines:
    """A mapped checkpoint's lines."""

    def __init__(self, mapped: mmap.mmap) -> None:
        self.mapped = mapped
        self.view = memoryview(mapped)

    def close(self) -> None:
        self.view.release()
        self.mapped.close()

    def document(self, streamed: Collection[str]) -> dict[str, Any]:
        """The members, each a line (or, for an array of records, a line opening it, a line
        each record and a line closing it), and the document's closing line."""
        mapped = self.mapped
        document: dict[str, Any] = {}
        pos, more = len(OPENING), True
        while True:
            end = mapped.find(b"\n", pos)
            if end < 0:
                end = len(mapped)
            line = mapped[pos:end]
            if line == b"}":
                if (more and document) or end < len(mapped) - 1:
                    raise Unstreamable
                break
            if not more:
                raise Unstreamable
            if line.endswith(b":["):
                name, value, end, more = self._section(line[:-2], end, streamed)
            else:
                more = line.endswith(b",")
                name, value = _member(line[:-1] if more else line)
            if name in document:
                raise Unstreamable  # read whole, it gives the last (and finds the first damaged)
            document[name] = value
            pos = end + 1
        self.dropped(0, len(mapped))  # finding the lines read every page
        return document

    def _section(
        self, name: bytes, opening_end: int, streamed: Collection[str]
    ) -> tuple[str, Any, int, bool]:
        """An array member from its opening line: its name, its records (a Stream, or parsed
        for a name not in ``streamed``), the end of its closing line and whether a member
        follows."""
        mapped = self.mapped
        section = _parsed(name)
        if not isinstance(section, str):
            raise Unstreamable
        closing = _closing(mapped, opening_end + 1) - 1  # the line break before it
        if closing < 0:
            raise Unstreamable
        end = mapped.find(b"\n", closing + 1)
        if end < 0:
            end = len(mapped)
        after = mapped[closing + 2 : end]
        if after not in (b"", b","):
            raise Unstreamable
        records = _Section(self, opening_end + 1, max(closing, opening_end + 1))
        value = records if section in streamed else list(records)
        return section, value, end, after == b","

    def records(self, start: int, end: int) -> Iterator[Any]:
        """The records of the lines from ``start`` to ``end``, parsed a piece at a time."""
        mapped, view = self.mapped, self.view
        while start < end:
            cut = mapped.find(b"\n", min(start + PIECE_BYTES, end), end)
            if cut < 0:
                cut = end
            elif mapped[cut - 1] != ord(","):  # a record's line: it has one, but for the last
                raise Unstreamable
            # In an array in an array: as deep as in the document (orjson bounds the depth).
            piece = _parsed(b"".join((b"[[", view[start : cut - (cut < end)], b"]]")))
            if len(piece) != 1:  # the lines closed the array: not records
                raise Unstreamable
            self.dropped(start, cut)
            start = cut + 1
            yield from piece[0]

    def dropped(self, start: int, end: int) -> None:
        """The pages from ``start`` to ``end`` read: out of the process (the kernel keeps them
        cached), so that the file's size never adds to the process's."""
        if _DONTNEED is not None:
            aligned = start - start % mmap.PAGESIZE
            self.mapped.madvise(_DONTNEED, aligned, end - aligned)


class _Section(Stream):
    """An array member's records, parsed as they are reached, once."""

    def __init__(self, lines: _Lines, start: int, end: int) -> None:
        self._lines: _Lines | None = lines
        self._start = start
        self._end = end

    def __iter__(self) -> Iterator[Any]:
        lines, self._lines = self._lines, None
        if lines is None:
            raise RuntimeError("a checkpoint's section is read once")
        return lines.records(self._start, self._end)


def _closing(mapped: mmap.mmap, start: int) -> int:
    """Where the first line from ``start`` that opens with "]" begins (-1: none)."""
    pos, brackets = start, 0
    while (found := mapped.find(b"]", pos)) >= 0:
        if mapped[found - 1] == ord("\n"):
            return found
        pos, brackets = found + 1, brackets + 1
        if brackets > 64 and brackets * _BYTES_A_BRACKET > pos - start:
            found = mapped.find(b"\n]", pos - 1)
            return found + 1 if found >= 0 else -1
    return -1


def _member(line: bytes) -> tuple[str, Any]:
    """A member on a line of its own (``"name":value``)."""
    members = _parsed(b"{" + line + b"}")
    if len(members) != 1:
        raise Unstreamable
    name, value = next(iter(members.items()))
    return name, value


def _parsed(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Unstreamable from None
