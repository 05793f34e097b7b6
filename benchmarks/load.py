"""The load: one request, repeated over keep-alive connections by wrk or a Python fallback.

wrk (Debian package ``wrk``) is used when installed; the Python asyncio client saturates well
below the server, so its figures understate the differences between servers.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from servers import cpu_seconds

CONNECTIONS = 16
MTURK_TARGET = "MTurkRequesterServiceV20170117."
JSON_11 = "application/x-amz-json-1.1"


@dataclass(frozen=True)
class Request:
    """One AWS JSON request: the ``X-Amz-Target``, the body and any further headers."""

    target: str
    params: dict
    content_type: str = JSON_11
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> bytes:
        return json.dumps(self.params).encode()

    def all_headers(self) -> dict[str, str]:
        return {"Content-Type": self.content_type, "X-Amz-Target": self.target, **self.headers}


def mturk_request(operation: str, params: dict) -> Request:
    return Request(MTURK_TARGET + operation, params)


@dataclass(frozen=True)
class Measurement:
    requests_per_s: float
    p50_ms: float
    cpu_us_per_request: float


# --- wrk ----------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _wrk_script(request: Request) -> str:
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(request.body.decode())}"]
    for name, value in request.all_headers().items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def _wrk(port: int, request: Request, seconds: float) -> tuple[int, float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(_wrk_script(request))
        lua.flush()
        done = subprocess.run(
            ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency",
             "-s", lua.name, f"http://127.0.0.1:{port}/"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    count, elapsed, unit = re.search(r"(\d+) requests in ([\d.]+)(\w+),", done.stdout).groups()
    value, p50_unit = re.search(r"^\s+50%\s+([\d.]+)(\w+)", done.stdout, re.M).groups()
    elapsed_s = float(elapsed) * _UNITS[unit] / 1000
    return int(count), elapsed_s, float(value) * _UNITS[p50_unit]


# --- Python fallback ----------------------------------------------------------------------------


def _raw_request(request: Request) -> bytes:
    body = request.body
    head = "".join(f"{k}: {v}\r\n" for k, v in request.all_headers().items())
    return (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


_CLOSES = re.compile(rb"^connection: *close", re.I | re.M)


async def _python_load(port: int, request: Request, seconds: float) -> tuple[int, float, float]:
    raw = _raw_request(request)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        """Keep-alive requests; a new connection (timed) when the server closes one, as wrk does."""
        writer = None
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if _CLOSES.search(head):
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    elapsed = time.perf_counter() - started
    return len(latencies), elapsed, statistics.median(latencies) * 1000


def _python(port: int, request: Request, seconds: float) -> tuple[int, float, float]:
    return asyncio.run(_python_load(port, request, seconds))


# --- Measuring ----------------------------------------------------------------------------------


def measure(pid: int, port: int, request: Request, seconds: float, wrk: bool) -> Measurement:
    """Drive the server at ``port`` for ``seconds``; its rate, median latency and CPU/request."""
    before = cpu_seconds(pid)
    count, elapsed, p50_ms = (_wrk if wrk else _python)(port, request, seconds)
    used = cpu_seconds(pid) - before
    return Measurement(count / elapsed, p50_ms, used / max(count, 1) * 1e6)
