"""The server's log: one line per request, written off the event loop, in order, none lost.

A line per request is the default of ``mockturk serve``, so its cost is paid on every call a
test suite makes. Through :mod:`logging` it costs a record, a formatter and a flushed write on
the event loop, a third of the server's throughput; here a request only appends a tuple to a
queue. A writer thread formats what has queued up and writes it in one call, at most ten
times a second, and on :meth:`LogWriter.close` writes what is left before the
process ends.

Everything else that is logged (uvicorn's lines, warnings, tracebacks) reaches the same queue
through :class:`QueueingHandler`, so all lines leave in the order they were logged, in one
format (:func:`format_line`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TextIO

REQUESTS_LOGGER = "mockturk.requests"
# How long the writer lets lines gather before writing them: a line is on its way at most
# this long (a person watching the log sees no lag), and a busy server wakes the writer ten
# times a second rather than once per request; each wake-up costs the event loop a hand-over
# of the interpreter lock, and at 50 a second that cost showed end to end.
BATCH_SECONDS = 0.1

RequestLog = Callable[[int, str], None]
"""Takes a level and a request's line (``ListHITs 200 0.4ms <request ID>``); cheap to call."""

# A queued line: when, level, logger name, message, and the formatted traceback if any.
_Entry = tuple[float, int, str, str, str | None]


def request_message(what: str, status: int, elapsed_ms: float, request_id: str | None) -> str:
    """The message of a request's line: what was asked, the status, the time taken, the ID."""
    return f"{what} {status} {elapsed_ms:.1f}ms {request_id or '-'}"


def format_line(created: float, level: int, name: str, message: str) -> str:
    """``2026-12-01 08:50:48,123 INFO mockturk.requests: ListHITs 200 0.4ms <id>``, as the
    logging format ``%(asctime)s %(levelname)s %(name)s: %(message)s`` writes it."""
    return _format_lines([(created, level, name, message, None)])


def _format_lines(entries: list[_Entry]) -> str:
    """Queued entries as lines of the log; the one place the format is written down.

    It runs for every line a busy server logs, so it keeps to one f-string per line, with the
    date written once per second and the level and logger once per pair.
    """
    lines = []
    stamp_second, stamp = -1, ""
    middles = _middles
    for created, level, name, message, traceback in entries:
        second = int(created)
        if second != stamp_second:
            stamp_second, stamp = second, _stamp(second)
        middle = middles.get((level, name))
        if middle is None:
            middle = middles[level, name] = f" {logging.getLevelName(level)} {name}: "
        millis = int((created - second) * 1000)  # as logging computes msecs
        lines.append(f"{stamp},{_MILLIS[millis]}{middle}{message}")
        if traceback:
            lines.append(traceback)
    return "\n".join(lines)


_MILLIS = [f"{n:03d}" for n in range(1000)]
_middles: dict[tuple[int, str], str] = {}


def _stamp(second: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))


def logging_request_log(level: int, message: str) -> None:
    """Request lines through :mod:`logging` (for servers embedded in another program)."""
    logger = logging.getLogger(REQUESTS_LOGGER)
    if logger.isEnabledFor(level):
        logger.log(level, "%s", message)


class LogWriter:
    """Lines queued from any thread, written to ``stream`` by a thread of its own."""

    def __init__(self, stream: TextIO, batch_seconds: float = BATCH_SECONDS) -> None:
        self._stream = stream
        self._batch_seconds = batch_seconds
        self._queue: deque[_Entry] = deque()
        self._pending = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="mockturk-log", daemon=True)
        self._thread.start()

    def add(
        self,
        level: int,
        name: str,
        message: str,
        traceback: str | None = None,
        created: float | None = None,
    ) -> None:
        """Queue a line (thread-safe, and costs about a microsecond)."""
        self._queue.append(
            (time.time() if created is None else created, level, name, message, traceback)
        )
        if not self._pending.is_set():
            self._pending.set()

    def request_log(self, minimum_level: int) -> RequestLog:
        """A :data:`RequestLog` writing the lines of ``minimum_level`` and above."""
        # The same as add(), in one call: this runs for every request.
        append, pending, clock = self._queue.append, self._pending, time.time

        def log(level: int, message: str) -> None:
            if level >= minimum_level:
                append((clock(), level, REQUESTS_LOGGER, message, None))
                if not pending.is_set():
                    pending.set()

        return log

    def close(self) -> None:
        """Write every line queued so far and stop the thread; idempotent."""
        self._closing = True
        self._pending.set()
        self._thread.join()
        self._write_queued()

    def _run(self) -> None:
        while not self._closing:
            self._pending.wait()
            if not self._closing:
                time.sleep(self._batch_seconds)  # let a burst gather into one write
            self._pending.clear()
            self._write_queued()

    def _write_queued(self) -> None:
        queue = self._queue
        count = len(queue)  # only this thread takes from the queue: these many are there
        if not count:
            return
        popleft = queue.popleft
        text = _format_lines([popleft() for _ in range(count)])
        try:
            self._stream.write(text + "\n")
            self._stream.flush()
        except (OSError, ValueError):
            pass  # the log's reader is gone (a closed pipe): there is no one to tell


class QueueingHandler(logging.Handler):
    """A logging handler that puts each record on a :class:`LogWriter`'s queue."""

    def __init__(self, writer: LogWriter, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._writer = writer
        self._tracebacks = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # Formatted now: the arguments and the traceback may change or go once this returns.
            message = record.getMessage()
            traceback = None
            if record.exc_info:
                traceback = self._tracebacks.formatException(record.exc_info)
            if record.stack_info:
                stack = self._tracebacks.formatStack(record.stack_info)
                traceback = f"{traceback}\n{stack}" if traceback else stack
            self._writer.add(record.levelno, record.name, message, traceback, record.created)
        except Exception:
            self.handleError(record)
