"""Start-up: time from spawn to the first healthy answer, peak RSS, and memory per record."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import servers
from dataset import DataSet
from servers import Startup

REPEAT_UNDER_S = 15.0  # start-ups quicker than this are repeated, and medianed


@dataclass(frozen=True)
class StartupRow:
    data: DataSet
    runs: list[Startup]

    @property
    def failure(self) -> str | None:
        return next((run.failure for run in self.runs if run.failure), None)

    @property
    def healthy_s(self) -> float | None:
        times = [run.healthy_s for run in self.runs if run.healthy_s is not None]
        return statistics.median(times) if times and not self.failure else None

    @property
    def peak_rss(self) -> int:
        return max(run.peak_rss for run in self.runs)

    @property
    def rss(self) -> int:
        return int(statistics.median(run.rss for run in self.runs))


def once(data: DataSet, timeout_s: float) -> Startup:
    """Start mockturk on ``data``, measure, stop it."""
    with servers.mockturk(data.path, timeout_s) as (_, startup):
        return startup


def repeated(data: DataSet, first: Startup, repeats: int, timeout_s: float) -> StartupRow:
    """``first`` plus further start-ups when it was quick (one start-up is noisy)."""
    runs = [first]
    if first.healthy_s is not None and first.healthy_s < REPEAT_UNDER_S:
        runs += [once(data, timeout_s) for _ in range(repeats - 1)]
    return StartupRow(data, runs)


def bytes_per_record(row: StartupRow, baseline: StartupRow) -> float | None:
    """Steady RSS per record: (RSS at this size - RSS of the tiny data set) / extra records."""
    extra = row.data.records - baseline.data.records
    if row.failure or extra <= 0:
        return None
    return (row.rss - baseline.rss) / extra
