"""Large JSON documents of records, parsed a piece at a time: what ``orjson.loads`` gives, at a
fraction of its peak memory.

orjson reads a document into a working copy of its own while it builds the Python objects, so
a 730 MB fixture file needs 3.3 GB at once. A fixture is an object whose large members are
arrays of records; such an array is cut between records into pieces of about a megabyte, each
parsed alone by orjson, so that only one piece's working copy exists at a time (and a third
of the parse's time goes with the page faults of the rest).

A cut is found by its look (a record's ``}``, a comma, and the opening of a record like the
array's first), and trusted only because what lies between two cuts parses as whole values in
an array as deep as the document's (a cut inside a string or a nested object never does).
Anything else, and any invalid JSON, is left to one ``orjson.loads`` of the whole document,
which gives the result, or the error, it always gives. So is a document whose neighbouring
arrays hold records that open alike (fixtures' sections open with their own IDs: HITId,
AssignmentId...): cuts cannot tell one array's records from the other's.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

WHOLE_BELOW = 8 * 2**20  # documents smaller than this are parsed in one go
# Pieces this small are also quicker than one parse of the whole: the memory orjson works in
# for each is used again by the next, instead of a document's worth handed over afresh.
PIECE_BYTES = 2**20
_MISSES = 16  # cuts that turn out not to be between records, before giving up
_VALUE_TRIES = 64  # ends tried for a value that is not an array, or an array's last record

_WS = rb"[ \t\n\r]*"  # JSON's whitespace
_STRING = rb'"(?:[^"\\]|\\.)*"'
_SPACE = re.compile(_WS)
_MEMBER = re.compile(_WS + rb"(" + _STRING + rb")" + _WS + rb":" + _WS)
_AFTER_MEMBER = re.compile(_WS + rb"([,}])")
_RECORD_OPENING = re.compile(rb"\{" + _WS + _STRING)
_VALUE_END = re.compile(rb"[,}]")
_LAST_RECORD_END = re.compile(rb"\}" + _WS + rb"\]")


class _Unusual(Exception):
    """The document is not what pieces are made of: it is parsed whole instead."""


def loads(raw: bytes, *, whole_below: int = WHOLE_BELOW, piece_bytes: int = PIECE_BYTES) -> Any:
    """``orjson.loads(raw)``, with the same result or error; large documents in pieces."""
    if len(raw) >= whole_below:
        try:
            return _Pieces(raw, piece_bytes).document()
        except (_Unusual, orjson.JSONDecodeError):
            pass
    return orjson.loads(raw)


class _Pieces:
    def __init__(self, raw: bytes, piece_bytes: int) -> None:
        self.raw = raw
        self.view = memoryview(raw)
        self.piece_bytes = piece_bytes
        self.misses = 0
        # Each piece is parsed from this one buffer: a new copy of every piece would be memory
        # the system hands over afresh, page by page, each time.
        self.buffer = bytearray()

    def _missed(self) -> None:
        self.misses += 1
        if self.misses > _MISSES:
            raise _Unusual

    def _space_after(self, pos: int) -> int:
        found = _SPACE.match(self.raw, pos)
        assert found is not None  # whitespace may be empty
        return found.end()

    def document(self) -> dict[str, Any]:
        """An object whose members' values are parsed whole, or in pieces for arrays."""
        raw = self.raw
        pos = self._space_after(0)
        if raw[pos : pos + 1] != b"{":
            raise _Unusual
        document: dict[str, Any] = {}
        pos += 1
        while True:
            member = _MEMBER.match(raw, pos)
            if member is None:
                raise _Unusual
            name = orjson.loads(member.group(1))
            pos = member.end()
            if raw[pos : pos + 1] == b"[":
                value, pos = self._array(pos)
            else:
                value, pos = self._value(pos)
            document[name] = value
            after = _AFTER_MEMBER.match(raw, pos)
            if after is None:
                raise _Unusual
            pos = after.end()
            if after.group(1) == b"}":
                break
        if self._space_after(pos) != len(raw):
            raise _Unusual
        return document

    def _value(self, pos: int) -> tuple[Any, int]:
        """A member's value that is not an array: it ends where it first parses whole (in an
        array, so as deep as in the document)."""
        for tries, end in enumerate(_VALUE_END.finditer(self.raw, pos)):
            try:
                wrapped = orjson.loads(b"[" + self.view[pos : end.start()] + b"]")
            except orjson.JSONDecodeError:
                if tries > _VALUE_TRIES:
                    break
                continue
            if len(wrapped) == 1:
                return wrapped[0], end.start()
        raise _Unusual

    def _array(self, pos: int) -> tuple[list[Any], int]:
        """An array of records, cut between records into pieces; the position after it."""
        raw, piece = self.raw, self.piece_bytes
        start = self._space_after(pos + 1)
        if raw[start : start + 1] == b"]":
            return [], start + 1
        opening = _RECORD_OPENING.match(raw, start)
        if opening is None:
            raise _Unusual
        # A cut: a record's end, a comma, and the next record opening as the first one did.
        cuts = re.compile(rb"\}" + _WS + rb"," + _WS + re.escape(opening.group()))
        records: list[Any] = []
        search = start + piece
        while (cut := cuts.search(raw, search, search + 4 * piece)) is not None:
            following = cut.end() - len(opening.group())
            if self._add_piece(records, start, cut.start() + 1):
                start = following
                search = start + piece
            else:
                search = following
        # No cut far enough on: the array's last records. The last of them ends the array.
        last = start
        for cut in cuts.finditer(raw, start, search + 4 * piece):
            last = cut.end() - len(opening.group())
        end = self._end_of_record(last)
        if not self._add_piece(records, start, end):
            raise _Unusual
        closing = _LAST_RECORD_END.match(raw, end - 1)
        assert closing is not None
        return records, closing.end()

    def _end_of_record(self, pos: int) -> int:
        """The end of the record at ``pos``, the last of its array: where it first parses whole
        before the array's ``]``."""
        for tries, end in enumerate(_LAST_RECORD_END.finditer(self.raw, pos)):
            try:
                orjson.loads(self.view[pos : end.start() + 1])
                return end.start() + 1
            except orjson.JSONDecodeError:
                if tries > _VALUE_TRIES:  # a record's own arrays end like its array does
                    break
        raise _Unusual

    def _add_piece(self, records: list[Any], start: int, end: int) -> bool:
        """Add the records from ``start`` to ``end`` if that is whole records, parsed in an
        array nested as deeply as the document's (an object's member)."""
        size = end - start + 4
        if len(self.buffer) < size:
            self.buffer = bytearray(size + self.piece_bytes)  # room for the next, a little longer
        buffer = self.buffer
        buffer[:2], buffer[size - 2 : size] = b"[[", b"]]"
        buffer[2 : size - 2] = self.view[start:end]
        try:
            wrapped = orjson.loads(memoryview(buffer)[:size])
        except orjson.JSONDecodeError:
            self._missed()
            return False
        if len(wrapped) != 1:  # the piece closed the inner array: not whole records
            self._missed()
            return False
        records += wrapped[0]
        return True
