"""What ``--data-dir`` costs: server CPU per write with and without it, and a restart at size.

    python benchmarks/durable.py             # the writes at 1k, 5 rounds of 3 s; restart at 1M
    python benchmarks/durable.py --quick     # smoke run: one short round, restart at 1k

The writes are those of ``writes.py`` (CreateHIT, ApproveAssignment, a worker's accept +
submit), each driven in interleaved rounds against three mockturks on the same data set: in
memory only, with a data dir (``--data-sync normal``, the default) and with ``--data-sync
full``. Each round starts from the same state (a reset, then the case's pool: outside the
round). The measure is the server's CPU time per request (user + system, from /proc), medianed
over rounds, and its ratio to the in-memory server's.

The restart: a data dir seeded from the data set, given a few thousand changes (a journal to
replay), stopped, and started again: time to the first healthy answer, and the CPU it took.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import servers
import writes
from dataset import dataset
from load import exchange_once, measure, mturk_request
from throughput import Case

VARIANTS = {  # name -> mockturk serve's options (a data dir's path follows those that end so)
    "memory": [],
    "data dir, sync normal": ["--data-sync", "normal", "--data-dir"],
    "data dir, sync full": ["--data-sync", "full", "--data-dir"],
}
RESTART_CHANGES = 2000  # CreateHITs made before the restart, replayed from the journal


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _options(variant: list[str], scratch: Path, name: str) -> list[str]:
    return [*variant, str(scratch / name.replace(" ", "-").replace(",", ""))] if variant else []


def measure_writes(size: str, rounds: int, seconds: float, wrk: bool, scratch: Path) -> str:
    data = dataset(size)
    lines = [
        f"## Writes at {size} ({data.records:,} records): server CPU µs per request",
        "",
        "| case | " + " | ".join(VARIANTS) + " | normal / memory | full / memory |",
        "|---|" + "---|" * (len(VARIANTS) + 2),
    ]
    with ExitStack() as stack:
        fleet = {}
        for name, variant in VARIANTS.items():
            options = _options(variant, scratch, name)
            server, startup = stack.enter_context(servers.mockturk(data.path, 300, options=options))
            if server is None:
                raise RuntimeError(f"{name}: {startup.failure}")
            fleet[name] = server
        for case in writes.write_cases(seconds):
            cpu = {name: [] for name in fleet}
            for _ in range(rounds):
                for name, server in fleet.items():
                    cpu[name].append(_round(case, server, seconds, wrk))
            median = {name: statistics.median(values) for name, values in cpu.items()}
            memory, normal, full = median.values()
            cells = " | ".join(f"{value:,.0f}" for value in median.values())
            ratios = f"{normal / memory:.2f}x | {full / memory:.2f}x"
            lines.append(f"| {case.name} | {cells} | {ratios} |")
            log(lines[-1])
    return "\n".join(lines)


def _round(case: Case, server: servers.Server, seconds: float, wrk: bool) -> float:
    if case.prepare is not None:
        case.prepare(server)
    found = measure(server.proc.pid, server.port, case.work, seconds, wrk)
    if found.not_ok:
        raise RuntimeError(f"{case.name}: {found.not_ok} requests refused")
    return found.cpu_us_per_request


def measure_restart(size: str, scratch: Path) -> str:
    data = dataset(size)
    kept = scratch / f"restart-{size}"
    options = ["--data-dir", str(kept)]
    with servers.mockturk(data.path, 600, options=options) as (server, seeded):
        if server is None:
            raise RuntimeError(f"seeding: {seeded.failure}")
        seed_cpu = servers.cpu_seconds(server.proc.pid)
        create = mturk_request("CreateHIT", writes.CREATE_HIT_PARAMS)
        for index in range(RESTART_CHANGES):
            exchange_once(server.port, create, index)
    with servers.mockturk(None, 600, options=options) as (server, restarted):
        if server is None:
            raise RuntimeError(f"restart: {restarted.failure}")
        restart_cpu = servers.cpu_seconds(server.proc.pid)
    files = sum(p.stat().st_size for p in kept.iterdir()) / 1e6
    return "\n".join(
        [
            f"## Restart at {size} ({data.records:,} records, a data dir of {files:,.0f} MB)",
            "",
            "| start | healthy after (s) | CPU (s) | peak RSS (MB) |",
            "|---|---|---|---|",
            f"| seeding from the fixtures | {seeded.healthy_s:.1f} | {seed_cpu:.1f} | "
            f"{seeded.peak_rss / 1e6:,.0f} |",
            f"| restart (checkpoint + {RESTART_CHANGES:,} journal entries) | "
            f"{restarted.healthy_s:.1f} | {restart_cpu:.1f} | {restarted.peak_rss / 1e6:,.0f} |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run (timings mean nothing)")
    parser.add_argument("--size", default="1k", help="data set of the writes (default 1k)")
    parser.add_argument("--restart-size", default="1M", help="data set of the restart")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--python-load", action="store_true", help="do not use wrk")
    args = parser.parse_args(argv)
    rounds, seconds = (1, 0.3) if args.quick else (args.rounds, args.seconds)
    restart_size = "1k" if args.quick else args.restart_size
    wrk = not args.python_load and shutil.which("wrk") is not None
    with tempfile.TemporaryDirectory(prefix="mockturk-durable-") as scratch:
        report = [
            measure_writes(args.size, rounds, seconds, wrk, Path(scratch)),
            measure_restart(restart_size, Path(scratch)),
        ]
    print("\n\n".join(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
