"""Where start-up time and memory go: load a generated data set in-process, phase by phase.

    python benchmarks/profile_load.py 100k              # time and RSS per phase
    python benchmarks/profile_load.py 1M --cprofile     # plus the top functions by own time
    python benchmarks/profile_load.py 100k --tracemalloc  # plus the top allocating lines (slow)

Phases: reading and parsing the file, checking and completing the records (pydantic), and the
account's seeding of the store (one transaction), which it shares with the snapshot a reset
returns to; the same calls ``mockturk serve`` makes before it listens, with the cyclic
collector off as it has it. Last, the copy the first change after start-up makes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dataset import SIZES, dataset
from servers import memory


def _memory_mb() -> dict[str, float]:
    found = memory(int(Path("/proc/self/stat").read_text().split()[0]))
    return {name: value / 1e6 for name, value in found.items()}


def _rss_mb() -> float:
    return _memory_mb()["VmRSS"]


def phase(name: str, action: Callable[[], Any]) -> Any:
    """Run ``action``; print its wall and CPU time (steadier on a shared machine), the change
    in RSS and the peak RSS so far."""
    before_rss = _rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = _memory_mb()
    print(
        f"{name:<36} {elapsed:6.2f} s (CPU {cpu:6.2f} s)   RSS {before_rss:6,.0f} -> "
        f"{after['VmRSS']:6,.0f} MB   peak {after['VmHWM']:6,.0f} MB"
    )
    return result


def load(path: Path) -> Any:
    """The calls ``mockturk serve`` makes, in its loading context (the cyclic collector off)."""
    from mockturk.account import Account
    from mockturk.cli import _loading
    from mockturk.clock import ControllableClock
    from mockturk.fixtures import build_dataset, read_document
    from mockturk.state.store import Store

    clock = ControllableClock()
    with _loading():
        documents = [(str(path), phase("read + parse JSON (orjson)", lambda: read_document(path)))]
        checked = phase(
            "build_dataset (check, complete)",
            lambda: build_dataset(documents, clock.now(), consume=True),
        )
        documents.clear()
        store = Store()
        account = phase(
            "Account (seed, snapshot for reset)", lambda: Account(store, clock, checked)
        )
        checked = None  # as ``mockturk serve`` drops it: the store holds the records now
    phase("the first change's copy (writable)", store.writable)
    return account


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", choices=list(SIZES))
    parser.add_argument("--cprofile", action="store_true", help="print the top functions")
    parser.add_argument("--tracemalloc", action="store_true", help="print the top allocators")
    args = parser.parse_args()
    data = dataset(args.size)
    print(f"{data.name}: {data.hits:,} HITs + {data.assignments:,} assignments, {data.path}")
    phase("import mockturk", lambda: __import__("mockturk.app"))
    empty_mb = _rss_mb()
    if args.tracemalloc:
        tracemalloc.start(1)
    profiler = cProfile.Profile() if args.cprofile else None
    if profiler:
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    kept = load(data.path)
    per_record = (_rss_mb() - empty_mb) * 1e6 / data.records
    print(f"{'total':<36} {time.perf_counter() - started:6.2f} s (CPU "
          f"{time.process_time() - cpu:6.2f} s)   RSS {_rss_mb():,.0f} MB, {per_record:,.0f} "
          "B/record beyond the code")  # fmt: skip
    if profiler:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    if args.tracemalloc:
        for stat in tracemalloc.take_snapshot().statistics("lineno")[:20]:
            print(stat)
    del kept
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
