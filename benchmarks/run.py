"""mockturk against the bare HTTP stack: the same bytes, the same load, round by round.

For each case, mockturk (one uvicorn worker, per-request logging off) answers a request; a bare
Starlette app on the same uvicorn stack is then started to answer those very bytes. Both are
driven with the same load, interleaved round by round, and the report gives requests per
second, median latency, server CPU per request, and the ratio mockturk / baseline per round
(medians over rounds).

    python benchmarks/run.py                 # full run, wrk if installed
    python benchmarks/run.py --quick         # a smoke run: one short round, any load generator

The load generator is wrk (Debian package ``wrk``) when installed, otherwise a Python asyncio
client (which saturates well below the server, so its ratios understate the gap less reliably).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = "MTurkRequesterServiceV20170117."
CONNECTIONS = 16


@dataclass(frozen=True)
class Case:
    name: str
    operation: str
    params: dict


@dataclass(frozen=True)
class Measurement:
    requests_per_s: float
    p50_ms: float
    cpu_us_per_request: float


# --- Processes ----------------------------------------------------------------------------------


@contextmanager
def process(command: list[str], pattern: str) -> Iterator[tuple[subprocess.Popen, int]]:
    """Start a server, read its port from the first output line matching ``pattern``."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            match = re.search(pattern, line)
            if match:
                yield proc, int(match.group(1))
                return
        raise RuntimeError(f"{command[0]} exited before it was ready")
    finally:
        proc.terminate()
        proc.wait(10)


def mockturk_server() -> Iterator[tuple[subprocess.Popen, int]]:
    command = [sys.executable, "-m", "mockturk", "serve", "--port", "0", "--log-level", "warning"]
    return process(command, r"^Endpoint: http://127\.0\.0\.1:(\d+)")


def bare_server(body_file: Path, status: int) -> Iterator[tuple[subprocess.Popen, int]]:
    command = [sys.executable, str(HERE / "bare_app.py"), str(body_file), str(status)]
    return process(command, r"^port (\d+)")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post(port: int, case: Case) -> tuple[int, bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": TARGET + case.operation,
    }
    connection.request("POST", "/", body=json.dumps(case.params), headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


# --- Load generators ----------------------------------------------------------------------------


def load_with_wrk(port: int, case: Case, seconds: float) -> tuple[float, float]:
    script = (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(case.params))}\n"
        'wrk.headers["Content-Type"] = "application/x-amz-json-1.1"\n'
        f'wrk.headers["X-Amz-Target"] = "{TARGET}{case.operation}"\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        done = subprocess.run(
            ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency",
             "-s", lua.name,
             f"http://127.0.0.1:{port}/"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))
    value, unit = re.search(r"^\s+50%\s+([\d.]+)(\w+)", done.stdout, re.M).groups()
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rate, float(value) * scale


async def _python_load(port: int, case: Case, seconds: float) -> tuple[float, float]:
    body = json.dumps(case.params).encode()
    request = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
        f"X-Amz-Target: {TARGET}{case.operation}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, statistics.median(latencies) * 1000


def load_with_python(port: int, case: Case, seconds: float) -> tuple[float, float]:
    return asyncio.run(_python_load(port, case, seconds))


def measure(
    proc: subprocess.Popen, port: int, case: Case, seconds: float, wrk: bool
) -> Measurement:
    before = cpu_seconds(proc.pid)
    rate, p50 = (load_with_wrk if wrk else load_with_python)(port, case, seconds)
    used = cpu_seconds(proc.pid) - before
    return Measurement(rate, p50, used / max(rate * seconds, 1) * 1e6)


# --- The run ------------------------------------------------------------------------------------


def cases(port: int) -> list[Case]:
    """The cases, with IDs taken from the data the server holds."""
    _, raw = post(port, Case("", "ListHITs", {"MaxResults": 100}))
    hits = json.loads(raw)["HITs"]
    busiest = max(hits, key=lambda h: h["MaxAssignments"] - h["NumberOfAssignmentsAvailable"])
    _, raw = post(port, Case("", "ListAssignmentsForHIT", {"HITId": busiest["HITId"]}))
    assignment_id = json.loads(raw)["Assignments"][0]["AssignmentId"]
    hit_id = busiest["HITId"]
    return [
        Case("GetAssignment", "GetAssignment", {"AssignmentId": assignment_id}),
        Case("ListHITs MaxResults=100", "ListHITs", {"MaxResults": 100}),
        Case("ListHITs default page", "ListHITs", {}),
        Case("ListAssignmentsForHIT 100", "ListAssignmentsForHIT",
             {"HITId": hit_id, "MaxResults": 100}),
        Case("ListAssignmentsForHIT filtered", "ListAssignmentsForHIT",
             {"HITId": hit_id, "MaxResults": 100, "AssignmentStatuses": ["Submitted"]}),
        Case("error (unknown assignment)", "GetAssignment", {"AssignmentId": "3NOSUCHASSIGNMENT"}),
    ]  # fmt: skip


def run(rounds: int, seconds: float, wrk: bool) -> list[dict]:
    rows = []
    with mockturk_server() as (mock, mock_port), tempfile.TemporaryDirectory() as scratch:
        for case in cases(mock_port):
            status, body = post(mock_port, case)
            body_file = Path(scratch) / "body.json"
            body_file.write_bytes(body)
            with bare_server(body_file, status) as (bare, bare_port):
                assert post(bare_port, case)[1] == body
                pairs = []
                for _ in range(rounds):
                    pairs.append(
                        (
                            measure(mock, mock_port, case, seconds, wrk),
                            measure(bare, bare_port, case, seconds, wrk),
                        )
                    )
            rows.append(summarize(case, len(body), pairs))
    return rows


def summarize(case: Case, size: int, pairs: list[tuple[Measurement, Measurement]]) -> dict:
    def median(values: Iterator[float]) -> float:
        return statistics.median(list(values))

    return {
        "case": case.name,
        "bytes": size,
        "mock_rps": median(m.requests_per_s for m, _ in pairs),
        "bare_rps": median(b.requests_per_s for _, b in pairs),
        "ratio": median(m.requests_per_s / b.requests_per_s for m, b in pairs),
        "mock_p50": median(m.p50_ms for m, _ in pairs),
        "bare_p50": median(b.p50_ms for _, b in pairs),
        "mock_cpu": median(m.cpu_us_per_request for m, _ in pairs),
        "bare_cpu": median(b.cpu_us_per_request for _, b in pairs),
    }


def report(rows: list[dict], rounds: int, seconds: float, wrk: bool) -> str:
    generator = f"wrk, {CONNECTIONS} connections" if wrk else f"Python asyncio, {CONNECTIONS} conn."
    lines = [
        "# mockturk vs the bare uvicorn + Starlette stack",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; load: {generator}; "
        f"{rounds} interleaved rounds of {seconds:g} s per case; medians over rounds.",
        "",
        "| case | body bytes | mockturk req/s | bare req/s | ratio | p50 ms (mock / bare) "
        "| server CPU µs/req (mock / bare) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['bytes']:,} | {r['mock_rps']:,.0f} | {r['bare_rps']:,.0f} "
            f"| {r['ratio']:.2f}x | {r['mock_p50']:.2f} / {r['bare_p50']:.2f} "
            f"| {r['mock_cpu']:.0f} / {r['bare_cpu']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one short round (a smoke run)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--python-load", action="store_true", help="do not use wrk")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.md")
    args = parser.parse_args()
    rounds, seconds = (1, 0.3) if args.quick else (args.rounds, args.seconds)
    wrk = shutil.which("wrk") is not None and not args.python_load
    rows = run(rounds, seconds, wrk)
    text = report(rows, rounds, seconds, wrk)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
