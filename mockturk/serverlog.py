"""The server's log: one line per request, written off the event loop, in order, none lost.

A line per request is the default of ``mockturk serve``, so its cost is paid on every call a
test suite makes. Through :mod:`logging` it costs a record, a formatter and a flushed write on
the event loop, a third of the server's throughput; here a request only appends a tuple to a
queue. A writer thread formats what has queued up and writes it in one call, a few times a
second at most under load, and on :meth:`LogWriter.close` writes what is left before the
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
# this long, and a busy server makes a few dozen writes a second rather than one per request.
BATCH_SECONDS = 0.02

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
    second = int(created)
    millis = int((created - second) * 1000)  # as logging computes msecs
    middle = _middles.get((level, name))
    if middle is None:
        middle = _middles[level, name] = f" {logging.getLevelName(level)} {name}: "
    return f"{_stamp(second)},{millis:03d}{middle}{message}"


# Written once per level and logger, and the date once per second, not once per line.
_middles: dict[tuple[int, str], str] = {}
_last_second = -1
_last_stamp = ""


def _stamp(second: int) -> str:
    global _last_second, _last_stamp
    if second != _last_second:
        _last_stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        _last_second = second
    return _last_stamp


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
        lines = []
        queue = self._queue
        while queue:
            created, level, name, message, traceback = queue.popleft()
            lines.append(format_line(created, level, name, message))
            if traceback:
                lines.append(traceback)
        if not lines:
            return
        try:
            self._stream.write("\n".join(lines) + "\n")
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
