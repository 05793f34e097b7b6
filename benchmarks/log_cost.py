"""What the request log costs: mockturk as it starts by default (``--log-level info``, a line
per request) against the same server at ``--log-level warning`` (no request lines).

Two measurements:

- **End to end**: two ``mockturk serve`` processes on the same data set, driven in turn with
  the same load, each going first in every other round; the log goes to a file, as a container
  runtime or a redirect would take it. On a shared machine these rates move by +-10-20% from
  round to round, more than the difference sought, so they are medians of many rounds.
- **In process**: the request pipeline itself (the ASGI app, called directly, no sockets) with
  the log writer the CLI uses, at each level, interleaved; CPU time of the whole process, so the
  writer thread's share is counted. This resolves a microsecond; set against the CPU a request
  costs end to end, it gives the throughput ratio a CPU-bound server can reach.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import servers
from dataset import DataSet
from load import Measurement, Request, measure
from throughput import Case

DEFAULT_LEVEL = os.environ.get("MOCKTURK_BENCH_LOGGED_LEVEL", "info")
QUIET_LEVEL = "warning"
IN_PROCESS_CALLS = 20_000


@dataclass(frozen=True)
class LogCostRow:
    case: str
    size: str
    logged: Measurement  # medians over rounds, default configuration
    quiet: Measurement  # medians over rounds, --log-level warning
    ratio: float  # logged req/s / quiet req/s, per round, medianed
    added_cpu_us: float  # in process: CPU per request with the log, less without
    estimated_ratio: float  # quiet end-to-end CPU / (that + added_cpu_us)
    lines_written: int  # request lines the logging server wrote in all


def run(
    data: DataSet, cases: list[Case], rounds: int, seconds: float, wrk: bool, timeout_s: float
) -> list[LogCostRow]:
    rows = []
    with ExitStack() as stack:
        logged, _ = stack.enter_context(servers.mockturk(data.path, timeout_s, DEFAULT_LEVEL))
        quiet, _ = stack.enter_context(servers.mockturk(data.path, timeout_s, QUIET_LEVEL))
        if logged is None or quiet is None:
            return []
        for case in cases:
            pairs = []
            for round_number in range(rounds):
                # Each goes first in every other round, so that whatever favours the first
                # (or the second) of a pair favours both alike.
                order = [logged, quiet] if round_number % 2 == 0 else [quiet, logged]
                found = {
                    server.port: measure(server.proc.pid, server.port, case.work, seconds, wrk)
                    for server in order
                }
                pairs.append((found[logged.port], found[quiet.port]))
            quiet_medians = _medians([b for _, b in pairs])
            added = added_cpu_per_request(data, case.work, rounds)
            rows.append(
                LogCostRow(
                    case=case.name,
                    size=data.name,
                    logged=_medians([a for a, _ in pairs]),
                    quiet=quiet_medians,
                    ratio=statistics.median(a.requests_per_s / b.requests_per_s for a, b in pairs),
                    added_cpu_us=added,
                    estimated_ratio=quiet_medians.cpu_us_per_request
                    / (quiet_medians.cpu_us_per_request + added),
                    lines_written=0,
                )
            )
        lines = servers.logged_requests(logged)
    return [_with_lines(row, lines) for row in rows]


def added_cpu_per_request(data: DataSet, request: Request, rounds: int) -> float:
    """Median over rounds of the pipeline's CPU per request with request lines, less without."""
    from datetime import UTC, datetime

    from mockturk.app import create_app
    from mockturk.fixtures import load_fixture_paths
    from mockturk.serverlog import LogWriter

    dataset = load_fixture_paths([data.path], datetime.now(UTC))
    with tempfile.TemporaryFile("w") as sink:  # a real file, as the CLI's log would be
        writer = LogWriter(sink)
        try:
            apps = {
                level: create_app(dataset, request_log=writer.request_log(level))
                for level in (logging.INFO, logging.WARNING)
            }
            differences = []
            for _ in range(rounds):
                logged = _cpu_per_call(apps[logging.INFO], request)
                quiet = _cpu_per_call(apps[logging.WARNING], request)
                differences.append(logged - quiet)
        finally:
            writer.close()
    return statistics.median(differences)


def _cpu_per_call(app: Any, request: Request) -> float:
    """Process CPU µs per call of the ASGI app on one request, as uvicorn would make it."""
    body = request.body
    headers = [(k.lower().encode(), v.encode()) for k, v in request.all_headers().items()]
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    async def calls() -> None:
        for _ in range(IN_PROCESS_CALLS):
            await app(scope, receive, send)

    started = time.process_time()
    asyncio.run(calls())
    return (time.process_time() - started) / IN_PROCESS_CALLS * 1e6


def _with_lines(row: LogCostRow, lines: int) -> LogCostRow:
    return dataclasses.replace(row, lines_written=lines)


def _medians(measurements: list[Measurement]) -> Measurement:
    return Measurement(
        statistics.median(m.requests_per_s for m in measurements),
        statistics.median(m.p50_ms for m in measurements),
        statistics.median(m.cpu_us_per_request for m in measurements),
    )
