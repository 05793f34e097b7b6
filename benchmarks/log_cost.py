"""What the request log costs: mockturk as it starts by default (``--log-level info``, a line
per request) against the same server at ``--log-level warning`` (no request lines).

Both serve the same data set and answer every case; rounds alternate between them so that
drifts of the machine hit both alike. The log goes to a file, as a container runtime or a
redirect would take it.
"""

from __future__ import annotations

import statistics
from contextlib import ExitStack
from dataclasses import dataclass

import servers
from dataset import DataSet
from load import Measurement, measure
from throughput import Case

DEFAULT_LEVEL, QUIET_LEVEL = "info", "warning"


@dataclass(frozen=True)
class LogCostRow:
    case: str
    size: str
    logged: Measurement  # medians over rounds, default configuration
    quiet: Measurement  # medians over rounds, --log-level warning
    ratio: float  # logged req/s / quiet req/s, per round, medianed
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
            for _ in range(rounds):
                a = measure(logged.proc.pid, logged.port, case.request, seconds, wrk)
                b = measure(quiet.proc.pid, quiet.port, case.request, seconds, wrk)
                pairs.append((a, b))
            rows.append(
                LogCostRow(
                    case=case.name,
                    size=data.name,
                    logged=_medians([a for a, _ in pairs]),
                    quiet=_medians([b for _, b in pairs]),
                    ratio=statistics.median(a.requests_per_s / b.requests_per_s for a, b in pairs),
                    lines_written=0,
                )
            )
        lines = servers.logged_requests(logged)
    return [_with_lines(row, lines) for row in rows]


def _with_lines(row: LogCostRow, lines: int) -> LogCostRow:
    return LogCostRow(row.case, row.size, row.logged, row.quiet, row.ratio, lines)


def _medians(measurements: list[Measurement]) -> Measurement:
    return Measurement(
        statistics.median(m.requests_per_s for m in measurements),
        statistics.median(m.p50_ms for m in measurements),
        statistics.median(m.cpu_us_per_request for m in measurements),
    )
