"""The mockturk benchmark: throughput against the bare stack, start-up, memory, boto3, moto.

    python benchmarks/run.py                   # everything, at store sizes 1k, 100k and 1M
    python benchmarks/run.py --sizes 1k,100k   # fewer sizes
    python benchmarks/run.py --moto            # also moto_server (pip install 'moto[server]')
    python benchmarks/run.py --quick           # smoke run (CI): one short round, size 1k

It generates the data sets (``dataset.py``, cached in ``benchmarks/.data/``), starts one mockturk
per size in its default configuration (measuring start-up time and memory), compares each case
with a bare Starlette app that answers the very same bytes (``throughput.py``): the reads, then
the writes (``writes.py``), each round of a write from the same state; measures what
the request log costs (``log_cost.py``), times boto3 calls against both
(``boto_e2e.py``), optionally measures moto_server (``moto_compare.py``), and writes a markdown
report (``report.py``) stating each target and whether it is met, to
``benchmarks/results/latest.md``. The load generator is wrk when installed (Debian package
``wrk``), otherwise a Python asyncio client. Timings are not part of CI's pass/fail.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import boto_e2e
import log_cost
import moto_compare
import servers
import startup
import writes
from dataset import SIZES, DataSet, dataset
from report import Results, Settings, render
from throughput import Case, Served, cases, run_case

HERE = Path(__file__).resolve().parent
BASELINE_SIZE = "tiny"
DEFAULT_SIZES = ["1k", "100k", "1M"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _sizes(text: str) -> list[str]:
    sizes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [s for s in sizes if s not in SIZES or s == BASELINE_SIZE]
    if unknown or not sizes:
        known = ", ".join(s for s in SIZES if s != BASELINE_SIZE)
        raise argparse.ArgumentTypeError(f"unknown size(s) {unknown}; choose from {known}")
    return sorted(set(sizes), key=list(SIZES).index)


def parse_args(argv: list[str] | None) -> tuple[Path, Settings]:
    """Where to write the report, and what to run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: one short round at size 1k, few calls (timings mean nothing)",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=DEFAULT_SIZES,
        help="comma-separated store sizes: 1k, 100k, 1M (default: all)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per case")
    parser.add_argument("--seconds", type=float, default=3.0, help="load per round and server")
    parser.add_argument("--boto-calls", type=int, default=500, help="boto3 calls per case")
    parser.add_argument(
        "--startup-repeats",
        type=int,
        default=3,
        help="start-ups per size when quicker than 15 s (median reported)",
    )
    parser.add_argument("--startup-timeout", type=float, default=300.0, help="seconds")
    parser.add_argument("--python-load", action="store_true", help="do not use wrk")
    parser.add_argument("--moto", action="store_true", help="also measure moto_server")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.md")
    args = parser.parse_args(argv)
    quick = args.quick
    settings = Settings(
        sizes=["1k"] if quick else args.sizes,
        rounds=1 if quick else args.rounds,
        seconds=0.3 if quick else args.seconds,
        wrk=shutil.which("wrk") is not None and not args.python_load,
        quick=quick,
        boto_calls=20 if quick else args.boto_calls,
        startup_timeout_s=args.startup_timeout,
        startup_repeats=1 if quick else max(1, args.startup_repeats),
        moto=args.moto,
    )
    return args.out, settings


def start_fleet(stack: ExitStack, data: list[DataSet], results: Results) -> list[Served]:
    """One mockturk per size, kept running; each start-up measured on the way."""
    fleet = []
    timeout = results.settings.startup_timeout_s
    for one in data:
        log(f"starting mockturk on {one.name} ({one.records:,} records)")
        server, first = stack.enter_context(servers.mockturk(one.path, timeout))
        row = startup.repeated(one, first, results.settings.startup_repeats, timeout)
        results.startups.append(row)
        log(
            f"  {row.failure or f'healthy after {row.healthy_s:.2f} s'}, "
            f"peak RSS {row.peak_rss / 1e6:,.0f} MB"
        )
        if server is not None:
            fleet.append(Served(one, server))
    return fleet


def measure_throughput(fleet: list[Served], results: Results) -> None:
    s = results.settings
    boto_ready = boto_e2e.available()
    if not boto_ready:
        results.boto_note = "boto3 is not installed (pip install boto3)"

    def time_boto3(case: Case, served: Served, baseline: servers.Server) -> None:
        if boto_ready:
            results.boto.append(
                boto_e2e.time_calls(
                    case.name,
                    served.data.name,
                    case.work,
                    served.server.port,
                    baseline.port,
                    s.boto_calls,
                )
            )

    for case in cases(fleet[0].data):
        log(f"case {case.name} at {', '.join(f.data.name for f in fleet)}")
        rows, flat = run_case(case, fleet, s.rounds, s.seconds, s.wrk, after=time_boto3)
        results.rows += rows
        if flat is not None:
            results.flatness.append(flat)


def measure_writes(fleet: list[Served], results: Results) -> None:
    s = results.settings
    for case in writes.write_cases(s.seconds):
        log(f"case {case.name} at {', '.join(f.data.name for f in fleet)}")
        rows, flat = run_case(case, fleet, s.rounds, s.seconds, s.wrk)
        results.write_rows += rows
        if flat is not None:
            results.write_flatness.append(flat)


def measure_moto(results: Results) -> None:
    if not moto_compare.available():
        results.moto_note = "moto[server] is not installed (pip install 'moto[server]')"
        return
    log("moto_server")
    s = results.settings
    results.moto = moto_compare.run(s.rounds, s.seconds, s.wrk)


def run(settings: Settings) -> Results:
    started = time.monotonic()
    baseline = dataset(BASELINE_SIZE)
    data = []
    for name in settings.sizes:
        log(f"data set {name}")
        data.append(dataset(name))
    results = Results(settings, [baseline, *data], [])
    log("start-up baseline (tiny data set)")
    first = startup.once(baseline, settings.startup_timeout_s)
    results.startups.append(
        startup.repeated(baseline, first, settings.startup_repeats, settings.startup_timeout_s)
    )
    with ExitStack() as stack:
        fleet = start_fleet(stack, data, results)
        if fleet:
            measure_throughput(fleet, results)
            measure_writes(fleet, results)
    log(f"the request log's cost, at {data[0].name}")
    s = settings
    results.log_cost = log_cost.run(
        data[0], cases(data[0]), s.rounds, s.seconds, s.wrk, s.startup_timeout_s
    )
    if settings.moto:
        measure_moto(results)
    results.elapsed_s = time.monotonic() - started
    return results


def main(argv: list[str] | None = None) -> int:
    out, settings = parse_args(argv)
    text = render(run(settings))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    log(f"report written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
