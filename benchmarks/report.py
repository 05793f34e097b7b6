"""The markdown report: the run's settings, each target and whether it is met, then the tables."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from boto_e2e import CallTimes
from dataset import DataSet
from load import CONNECTIONS
from log_cost import QUIET_LEVEL, LogCostRow
from moto_compare import MotoRow
from startup import StartupRow, bytes_per_record
from throughput import Flatness, Row
from writes import ACCEPT_SUBMIT, APPROVE, CREATE_HIT, MAX_WRITES_PER_S

ROOT = Path(__file__).resolve().parent.parent
GB = 1e9
MB = 1e6

# The targets.
LIST_HITS_CASE = "ListHITs MaxResults=100"
GET_ASSIGNMENT_CASE = "GetAssignment"
LIST_HITS_MIN_RATIO = 0.75
GET_ASSIGNMENT_MIN_RATIO = 0.85
# Not the issue's: a write's own work (its transaction, the records it encodes again, the
# listings and the timeline it updates) at most what the bare stack spends on the request,
# so at least half its rate.
WRITE_CASES = (CREATE_HIT, APPROVE, ACCEPT_SUBMIT)
WRITE_MIN_RATIO = 0.5
MOTO_MIN_FACTOR = 10.0
FLAT_MAX_FACTOR = 1.2
BIG_START_SIZE, BIG_START_MAX_S, BIG_START_MAX_RSS = "1M", 60.0, 3 * GB
SMALL_START_SIZE, SMALL_START_MAX_S = "100k", 3.0
LOG_COST_MIN_RATIO = 0.95


@dataclass
class Settings:
    sizes: list[str]
    rounds: int
    seconds: float
    wrk: bool
    quick: bool
    boto_calls: int
    startup_timeout_s: float
    startup_repeats: int
    moto: bool


@dataclass
class Results:
    settings: Settings
    datasets: list[DataSet]
    startups: list[StartupRow]  # the tiny baseline first
    rows: list[Row] = field(default_factory=list)
    flatness: list[Flatness] = field(default_factory=list)
    write_rows: list[Row] = field(default_factory=list)
    write_flatness: list[Flatness] = field(default_factory=list)
    boto: list[CallTimes] = field(default_factory=list)
    boto_note: str | None = None
    moto: list[MotoRow] = field(default_factory=list)
    moto_note: str | None = "not run (add --moto; needs `pip install 'moto[server]'`)"
    log_cost: list[LogCostRow] = field(default_factory=list)
    elapsed_s: float = 0.0


# --- Formatting ---------------------------------------------------------------------------------


def _table(header: list[str], align: str, rows: Iterable[list[str]]) -> list[str]:
    """A markdown table; ``align`` has one letter per column: l(eft) or r(ight)."""
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _verdict(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "not measured"}[met]


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{seconds:.1f} s"


def _size_bytes(value: float) -> str:
    return f"{value / GB:.2f} GB" if value >= GB else f"{value / MB:,.0f} MB"


def _git() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--", "mockturk")
    return f"commit {commit}" + (" + uncommitted changes to mockturk/" if dirty else "")


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        total_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
        memory = f", {total_kb * 1024 / GB:.0f} GB RAM"
    except (OSError, StopIteration):
        memory = ""
    return (
        f"{cpu} ({platform.machine()}), {os.cpu_count()} cores{memory}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def _mockturk_version() -> str:
    try:
        from mockturk import __version__
    except ImportError:
        return "?"
    return __version__


# --- Targets ------------------------------------------------------------------------------------


def _worst_ratio(rows: list[Row], case: str) -> tuple[float | None, str]:
    found = [r for r in rows if r.case == case]
    if not found:
        return None, "-"
    detail = ", ".join(f"{r.size}: {r.ratio:.2f}x" for r in found)
    return min(r.ratio for r in found), detail


def _ratio_target(rows: list[Row], case: str, minimum: float) -> list[str]:
    worst, detail = _worst_ratio(rows, case)
    measured = "-" if worst is None else f"worst {worst:.2f}x ({detail})"
    met = None if worst is None else worst >= minimum
    return [f"{case}: >= {minimum:.2f}x the bare stack's req/s", measured, _verdict(met)]


def _moto_target(results: Results) -> list[str]:
    target = f"every operation: >= {MOTO_MIN_FACTOR:g}x moto_server on a comparable call"
    factors = _moto_factors(results)
    if not factors:
        return [target, results.moto_note or "-", _verdict(None)]
    case, factor = min(factors.items(), key=lambda item: item[1])
    return [target, f"lowest {factor:.1f}x ({case})", _verdict(factor >= MOTO_MIN_FACTOR)]


def _flat_target(flatness: list[Flatness]) -> list[str]:
    if not flatness:
        return [
            f"flat in store size: a page at the largest size within {FLAT_MAX_FACTOR}x of "
            "the smallest",
            "needs two sizes",
            _verdict(None),
        ]
    worst = max(flatness, key=lambda f: f.cpu_ratio)
    target = (
        f"flat in store size: a read's server CPU per request at {worst.large} within "
        f"{FLAT_MAX_FACTOR}x of {worst.small}"
    )
    measured = f"worst {worst.cpu_ratio:.2f}x ({worst.case})"
    return [target, measured, _verdict(worst.cpu_ratio <= FLAT_MAX_FACTOR)]


def _log_cost_target(rows: list[LogCostRow]) -> list[str]:
    target = (
        f"the default configuration (a log line per request) >= {LOG_COST_MIN_RATIO:.2f}x "
        f"the req/s of --log-level {QUIET_LEVEL}"
    )
    if not rows:
        return [target, "-", _verdict(None)]
    worst = min(rows, key=lambda r: r.estimated_ratio)
    measured = (
        f"worst {worst.estimated_ratio:.3f}x from CPU: +{worst.added_cpu_us:.1f} µs on "
        f"{worst.quiet.cpu_us_per_request:.0f} µs ({worst.case}); by req/s, median "
        f"{statistics.median(r.ratio for r in rows):.2f}x"
    )
    return [target, measured, _verdict(worst.estimated_ratio >= LOG_COST_MIN_RATIO)]


def _startup_of(results: Results, size: str) -> StartupRow | None:
    return next((s for s in results.startups if s.data.name == size), None)


def _time_target(row: StartupRow | None, what: str, max_s: float) -> list[str]:
    target = f"start-up: {what} healthy in < {max_s:g} s"
    if row is None:
        return [target, "size not in this run", _verdict(None)]
    seconds = row.healthy_s
    shown = row.failure if seconds is None else f"{seconds:.2f} s ({row.data.name})"
    return [target, shown or "-", _verdict(seconds is not None and seconds < max_s)]


def _rss_target(row: StartupRow | None, what: str, max_bytes: float) -> list[str]:
    target = f"start-up: {what} in < {_size_bytes(max_bytes)} RSS"
    if row is None:
        return [target, "size not in this run", _verdict(None)]
    gave_up = " (when it gave up)" if row.failure else ""
    shown = f"peak {_size_bytes(row.peak_rss)}{gave_up} ({row.data.name})"
    return [target, shown, _verdict(not row.failure and row.peak_rss < max_bytes)]


def _startup_targets(results: Results) -> list[list[str]]:
    big = _startup_of(results, BIG_START_SIZE)
    small = _startup_of(results, SMALL_START_SIZE)
    return [
        _time_target(big, "100k HITs + 1M assignments", BIG_START_MAX_S),
        _rss_target(big, "100k HITs + 1M assignments", BIG_START_MAX_RSS),
        _time_target(small, "10k HITs (x 10 assignments)", SMALL_START_MAX_S),
    ]


def targets(results: Results) -> list[str]:
    rows = [
        _ratio_target(results.rows, LIST_HITS_CASE, LIST_HITS_MIN_RATIO),
        _ratio_target(results.rows, GET_ASSIGNMENT_CASE, GET_ASSIGNMENT_MIN_RATIO),
        *(_ratio_target(results.write_rows, case, WRITE_MIN_RATIO) for case in WRITE_CASES),
        _moto_target(results),
        _flat_target(results.flatness),
        _log_cost_target(results.log_cost),
        *_startup_targets(results),
    ]
    return ["## Targets", "", *_table(["target", "measured", "met"], "lll", rows)]


# --- Sections -----------------------------------------------------------------------------------


def header(results: Results) -> list[str]:
    s = results.settings
    load = (
        f"wrk, {CONNECTIONS} connections"
        if s.wrk
        else (
            f"Python asyncio client, {CONNECTIONS} connections (wrk not used: figures understate "
            "the differences)"
        )
    )
    mode = "quick smoke run: its timings mean nothing. " if s.quick else ""
    return [
        "# mockturk benchmark",
        "",
        f"{mode}{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; mockturk "
        f"{_mockturk_version()} ({_git()}); {_machine()}.",
        "",
        f"Load: {load}; {s.rounds} interleaved round(s) of {s.seconds:g} s per case and size; "
        "figures are medians over rounds, and each ratio is taken per round, then medianed. "
        "mockturk runs one uvicorn worker as `mockturk serve` starts it (a log line per "
        "request, to a file); the baseline is a bare Starlette app on the same uvicorn stack "
        "answering the very bytes mockturk answered. "
        f"The whole run took {_duration(results.elapsed_s)}.",
    ]


def datasets(results: Results) -> list[str]:
    rows = [
        [
            d.name,
            f"{d.hits:,}",
            f"{d.assignments:,}",
            f"{d.records:,}",
            f"{d.path.stat().st_size / MB:,.1f} MB",
        ]
        for d in results.datasets
    ]
    return [
        "## Data sets",
        "",
        "Generated by `benchmarks/dataset.py` (deterministic; cached in `benchmarks/.data/`): "
        "10 assignments per HIT, and one HIT with 200 (Submitted, Approved and Rejected mixed) "
        "that the ListAssignmentsForHIT and GetAssignment cases use. The newest HITs and the big "
        "HIT's assignments are the same bytes at every size.",
        "",
        *_table(["size", "HITs", "assignments", "records", "JSON fixture"], "lrrrr", rows),
    ]


def _throughput_table(rows: list[Row]) -> list[str]:
    cells = [
        [
            r.case,
            r.size,
            str(r.status),
            f"{r.body_bytes:,}",
            f"{r.mock.requests_per_s:,.0f}",
            f"{r.bare.requests_per_s:,.0f}",
            f"{r.ratio:.2f}x",
            f"{r.mock.p50_ms:.2f} / {r.bare.p50_ms:.2f}",
            f"{r.mock.cpu_us_per_request:.0f} / {r.bare.cpu_us_per_request:.0f}",
        ]
        for r in rows
    ]
    header = [
        "case",
        "size",
        "status",
        "body bytes",
        "mockturk req/s",
        "bare req/s",
        "ratio",
        "p50 ms (mock / bare)",
        "server CPU µs/req (mock / bare)",
    ]
    return _table(header, "llrrrrrrr", cells)


def throughput(results: Results) -> list[str]:
    return ["## Throughput: mockturk vs the bare stack", "", *_throughput_table(results.rows)]


def writes(results: Results) -> list[str]:
    title = ["## Writes: mockturk vs the bare stack", ""]
    if not results.write_rows:
        return [*title, "Not measured."]
    return [
        *title,
        "Measured as the reads are, each round of mockturk from the same state: before it, the "
        "server is reset to its fixtures (`POST /_mockturk/reset`) and given what the case "
        "draws on (`POST /_mockturk/fixtures`), so the state stays bounded. CreateHIT sends "
        "the same request again and again (a HIT of one $0.01 assignment each); "
        "ApproveAssignment approves, each once, the Submitted assignments of a HIT given "
        f"{MAX_WRITES_PER_S:,} of them for every second of a round; accept + submit is a new "
        "simulated worker accepting a HIT of a million slots "
        "(`POST /_mockturk/workers/{WorkerId}/accept`) and submitting the assignment it got "
        "(`POST /_mockturk/assignments/{AssignmentId}/submit`): both requests are counted, and "
        "its body bytes are both answers. The bare app answers each path with the bytes "
        "mockturk answered there. A write mockturk refused would stop the run. The writes' "
        f"target, {WRITE_MIN_RATIO:.2f}x, is not the issue's, which asks only that the reads "
        "not fall below theirs: it allows a write's own work (its transaction, the records it "
        "encodes again, the listings and the timeline it updates) to cost what the bare stack "
        "spends on the request, no more.",
        "",
        *_throughput_table(results.write_rows),
    ]


def flatness(results: Results) -> list[str]:
    if not results.flatness:
        return ["## Flat in store size", "", "Not measured: it needs two sizes (`--sizes`)."]
    first = results.flatness[0]
    rows = [
        [
            f.case,
            f"{f.cpu_ratio:.2f}x",
            f"{f.rps_ratio:.2f}x",
            f"{f.baseline_ratio_ratio:.2f}x",
            _verdict(f.cpu_ratio <= FLAT_MAX_FACTOR),
        ]
        for f in [*results.flatness, *results.write_flatness]
    ]
    header = [
        "case",
        f"server CPU/req, {first.large} / {first.small}",
        f"req/s, {first.small} / {first.large}",
        f"ratio to baseline, {first.small} / {first.large}",
        f"CPU within {FLAT_MAX_FACTOR}x",
    ]
    return [
        "## Flat in store size",
        "",
        f"The same request against the {first.large} store and the {first.small} store, in the "
        "same rounds; 1.00x is perfectly flat, higher means the large store costs more. The "
        "target is the reads'; the writes follow them.",
        "",
        *_table(header, "lrrrl", rows),
    ]


def startups(results: Results) -> list[str]:
    baseline = results.startups[0]
    rows = []
    for row in results.startups:
        per_record = bytes_per_record(row, baseline)
        per_record_peak = None
        extra = row.data.records - baseline.data.records
        if per_record is not None:
            per_record_peak = (row.peak_rss - baseline.peak_rss) / extra
        rows.append(
            [
                row.data.name,
                f"{row.data.hits:,}",
                f"{row.data.assignments:,}",
                row.failure or f"{row.healthy_s:.2f} s",
                str(len(row.runs)),
                _size_bytes(row.peak_rss),
                "-" if row.failure else _size_bytes(row.rss),
                "-" if per_record is None else f"{per_record:,.0f} B",
                "-" if per_record_peak is None else f"{per_record_peak:,.0f} B",
            ]
        )
    header = [
        "size",
        "HITs",
        "assignments",
        "spawn to healthy",
        "runs",
        "peak RSS (VmHWM)",
        "RSS when healthy",
        "per record (RSS)",
        "per record (peak)",
    ]
    return [
        "## Start-up and memory",
        "",
        "From spawning `mockturk serve --fixtures FILE` to its first 200 from "
        "`GET /_mockturk/health` (the median when repeated); memory from /proc/PID/status. Per "
        f"record: (RSS - RSS with the {baseline.data.name} data set) / the extra records. "
        f"Start-ups give up after {results.settings.startup_timeout_s:g} s.",
        "",
        *_table(header, "lrrrrrrrr", rows),
    ]


def boto(results: Results) -> list[str]:
    title = ["## boto3 end to end", ""]
    if not results.boto:
        return [*title, f"Not measured: {results.boto_note or 'no cases ran'}."]
    rows = [
        [
            c.case,
            c.size,
            f"{c.calls:,}",
            f"{c.mock_ms:.3f}",
            f"{c.bare_ms:.3f}",
            f"{c.server_share_ms:+.3f}",
        ]
        for c in results.boto
    ]
    header = ["case", "size", "calls", "mockturk ms/call", "bare ms/call", "server's share ms"]
    return [
        *title,
        "A boto3 client (retries off, one call at a time) against mockturk and against the bare "
        "app answering the same bytes, alternating in blocks of 10 calls; medians per call. The "
        "server's share is what mockturk adds to a client's call: the median, over neighbouring "
        "blocks, of the difference of their medians.",
        "",
        *_table(header, "llrrrr", rows),
    ]


def _lowest_rps(rows: list[Row]) -> dict[str, Row]:
    lowest: dict[str, Row] = {}
    for row in rows:
        if row.case not in lowest or row.mock.requests_per_s < lowest[row.case].mock.requests_per_s:
            lowest[row.case] = row
    return lowest


def _moto_comparisons(results: Results) -> dict[str, tuple[Row, MotoRow, float]]:
    """Per mockturk case: its slowest size, the fastest comparable moto call, and the factor."""
    lowest = _lowest_rps(results.rows)
    found: dict[str, tuple[Row, MotoRow, float]] = {}
    for case, row in lowest.items():
        comparable = [m for m in results.moto if case in m.call.compares_with]
        if comparable:
            fastest = max(comparable, key=lambda m: m.measurement.requests_per_s)
            factor = row.mock.requests_per_s / fastest.measurement.requests_per_s
            found[case] = (row, fastest, factor)
    return found


def _moto_factors(results: Results) -> dict[str, float]:
    return {case: factor for case, (_, _, factor) in _moto_comparisons(results).items()}


def _moto_calls(results: Results) -> list[str]:
    rows = [
        [m.call.name, f"{m.body_bytes:,}", f"{m.measurement.requests_per_s:,.0f}",
         f"{m.measurement.p50_ms:.2f}", f"{m.measurement.cpu_us_per_request:,.0f}"]
        for m in results.moto
    ]  # fmt: skip
    header = ["moto call", "body bytes", "req/s", "p50 ms", "server CPU µs/req"]
    return _table(header, "lrrrr", rows)


def moto(results: Results) -> list[str]:
    title = ["## moto_server on comparable calls", ""]
    if not results.moto:
        return [*title, f"Not measured: {results.moto_note}."]
    rows = [
        [case, f"{row.mock.requests_per_s:,.0f} ({row.size})", m.call.name,
         f"{m.measurement.requests_per_s:,.0f}", f"{factor:.1f}x",
         _verdict(factor >= MOTO_MIN_FACTOR)]
        for case, (row, m, factor) in _moto_comparisons(results).items()
    ]  # fmt: skip
    header = ["mockturk case", "mockturk req/s (slowest size)", "fastest comparable moto call",
              "moto req/s", "mockturk / moto", f">= {MOTO_MIN_FACTOR:g}x"]  # fmt: skip
    return [
        *title,
        "moto does not serve MTurk; each case is set against the closest calls moto_server "
        "(werkzeug, threaded) does serve over AWS JSON, measured with the same load generator "
        "in the same run: DynamoDB GetItem of one item for GetAssignment; for the listings, "
        "DynamoDB Scan of 100 items of about a HIT's size and CloudWatch Logs DescribeLogGroups "
        "(AWS JSON 1.1, 50 groups), whichever is faster; GetItem on a missing table for the "
        "error. moto_server closes the connection after every answer (`Connection: close`), so "
        "each of its requests includes a new TCP connection, as it does for any client.",
        "",
        *_table(header, "lrlrrl", rows),
        "",
        *_moto_calls(results),
    ]


def log_cost(results: Results) -> list[str]:
    title = ["## The request log's cost", ""]
    if not results.log_cost:
        return [*title, "Not measured."]
    rows = [
        [r.case, r.size, f"{r.logged.requests_per_s:,.0f}", f"{r.quiet.requests_per_s:,.0f}",
         f"{r.ratio:.2f}", f"{r.logged.cpu_us_per_request:.0f} / {r.quiet.cpu_us_per_request:.0f}",
         f"{r.added_cpu_us:+.1f}", f"{r.estimated_ratio:.3f}"]
        for r in results.log_cost
    ]  # fmt: skip
    header = ["case", "size", "req/s, default (info)", f"req/s, {QUIET_LEVEL}", "ratio",
              "server CPU µs/req (info / warning)", "added CPU µs/req, in process",
              "ratio from CPU"]  # fmt: skip
    return [
        *title,
        "End to end: mockturk as `mockturk serve` starts it, writing a line per request to its "
        f"log (a file here), against the same server at `--log-level {QUIET_LEVEL}`, in turn, "
        "each first in every other round. In process: the request pipeline called directly "
        "with the log writer the CLI uses, at each level, interleaved; the CPU of the whole "
        "process, the writer thread's included. 'Ratio from CPU' sets that added CPU against "
        f"the CPU a request costs the server at `{QUIET_LEVEL}` end to end: the throughput "
        "ratio of a CPU-bound server. The end-to-end rates move by 10-20% between rounds on a "
        f"shared machine. The logging server wrote {results.log_cost[0].lines_written:,} "
        "request lines.",
        "",
        *_table(header, "llrrrrrr", rows),
    ]


def render(results: Results) -> str:
    sections = [
        header, targets, datasets, throughput, writes, log_cost, flatness, startups, boto, moto
    ]  # fmt: skip
    lines: list[str] = []
    for section in sections:
        lines += [*section(results), ""]
    return "\n".join(lines)
