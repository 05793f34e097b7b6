"""The server's log writer: the logging module's format, every line kept, in order."""

from __future__ import annotations

import io
import logging
import threading

from hypothesis import given
from hypothesis import strategies as st

from mockturk.serverlog import (
    REQUESTS_LOGGER,
    LogWriter,
    QueueingHandler,
    format_line,
    request_message,
)

LOGGING_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@given(
    created=st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False),
    level=st.sampled_from([logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR]),
    message=st.text(max_size=40),
)
def test_a_line_is_what_the_logging_format_would_write(created, level, message):
    record = logging.makeLogRecord(
        {"name": REQUESTS_LOGGER, "levelno": level, "levelname": logging.getLevelName(level)}
    )
    record.msg, record.args = message, None
    record.created = created
    record.msecs = int((created - int(created)) * 1000) + 0.0
    expected = logging.Formatter(LOGGING_FORMAT).format(record)
    assert format_line(created, level, REQUESTS_LOGGER, message) == expected


def test_request_message_reads_operation_status_time_and_id():
    assert request_message("ListHITs", 200, 0.44, "abc") == "ListHITs 200 0.4ms abc"
    assert request_message("GET /_mockturk/health", 200, 1.06, None).endswith(" 1.1ms -")


def test_lines_from_many_threads_are_all_written_each_thread_in_order():
    stream = io.StringIO()
    writer = LogWriter(stream, batch_seconds=0.001)
    log = writer.request_log(logging.INFO)

    def produce(name):
        for number in range(500):
            log(logging.INFO, f"{name} {number}")

    threads = [threading.Thread(target=produce, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()

    lines = stream.getvalue().splitlines()
    assert len(lines) == 2000
    for name in ("t0", "t1", "t2", "t3"):
        numbers = [int(line.split()[-1]) for line in lines if line.split()[-2] == name]
        assert numbers == list(range(500))


def test_lines_below_the_level_are_dropped():
    stream = io.StringIO()
    writer = LogWriter(stream)
    log = writer.request_log(logging.INFO)
    log(logging.DEBUG, "health")
    log(logging.INFO, "ListHITs 200 0.1ms x")
    writer.close()
    assert stream.getvalue().count("\n") == 1
    assert "ListHITs" in stream.getvalue()


def test_logging_records_keep_their_order_with_request_lines_and_their_tracebacks():
    stream = io.StringIO()
    writer = LogWriter(stream, batch_seconds=60)  # nothing is written until close
    logger = logging.getLogger("mockturk.test-serverlog")
    logger.propagate = False
    logger.addHandler(QueueingHandler(writer))
    try:
        writer.request_log(logging.INFO)(logging.INFO, "first")
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("second %s", "with args")
        writer.request_log(logging.INFO)(logging.INFO, "third")
        assert stream.getvalue() == ""
        writer.close()
    finally:
        logger.handlers.clear()
    text = stream.getvalue()
    assert text.index("first") < text.index("second with args") < text.index("third")
    assert "ERROR mockturk.test-serverlog: second with args\nTraceback" in text
    assert "ValueError: boom" in text


def test_a_closed_stream_loses_lines_quietly(capsys):
    stream = io.StringIO()
    writer = LogWriter(stream)
    stream.close()
    writer.request_log(logging.INFO)(logging.INFO, "nobody reads this")
    writer.close()
    writer.close()  # idempotent
    assert capsys.readouterr() == ("", "")  # no traceback, no "Logging error"
