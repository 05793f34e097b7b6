"""The load: a workload (one request, or a script of them) repeated over keep-alive
connections by wrk or a Python fallback.

wrk (Debian package ``wrk``) is used when installed; the Python asyncio client saturates well
below the server, so its figures understate the differences between servers. A workload other
than a fixed request (the writes' rotating bodies, a worker's accept then submit) states itself
both ways: as a wrk Lua script and as a Python script of exchanges.
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import re
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from servers import cpu_seconds

CONNECTIONS = 16
MTURK_TARGET = "MTurkRequesterServiceV20170117."
JSON_11 = "application/x-amz-json-1.1"

# One iteration of a workload: yields raw HTTP requests and is sent each one's (status, body).
Exchange = Generator[bytes, tuple[int, bytes], None]


class Workload(Protocol):
    def wrk_script(self) -> str:
        """The workload as wrk's Lua script (one thread, many connections)."""
        ...

    def exchange(self, index: int) -> Exchange:
        """Iteration ``index`` (0, 1, ... across all connections) for the Python client."""
        ...


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

    @cached_property
    def raw(self) -> bytes:
        """The whole HTTP request, as the Python client sends it."""
        return raw_request("POST", "/", self.all_headers(), self.body)

    def wrk_script(self) -> str:
        lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(self.body.decode())}"]
        for name, value in self.all_headers().items():
            lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
        return "\n".join(lines) + "\n"

    def exchange(self, index: int) -> Exchange:
        yield self.raw


def mturk_request(operation: str, params: dict) -> Request:
    return Request(MTURK_TARGET + operation, params)


@dataclass(frozen=True)
class Measurement:
    requests_per_s: float
    p50_ms: float
    cpu_us_per_request: float
    not_ok: int = 0  # answers with a status of 400 or more


def raw_request(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    start = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    return f"{start}{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


# --- wrk ----------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _wrk(port: int, work: Workload, seconds: float) -> tuple[int, float, float, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(work.wrk_script())
        lua.flush()
        done = subprocess.run(
            ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency",
             "-s", lua.name, f"http://127.0.0.1:{port}/"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    count, elapsed, unit = re.search(r"(\d+) requests in ([\d.]+)(\w+),", done.stdout).groups()
    value, p50_unit = re.search(r"^\s+50%\s+([\d.]+)(\w+)", done.stdout, re.M).groups()
    not_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    elapsed_s = float(elapsed) * _UNITS[unit] / 1000
    p50_ms = float(value) * _UNITS[p50_unit]
    return int(count), elapsed_s, p50_ms, int(not_ok.group(1)) if not_ok else 0


# --- Python fallback ----------------------------------------------------------------------------


_CLOSES = re.compile(rb"^connection: *close", re.I | re.M)
_LENGTH = re.compile(rb"content-length: *(\d+)", re.I)


async def _python_load(port: int, work: Workload, seconds: float) -> tuple[int, float, float, int]:
    latencies: list[float] = []
    not_ok = 0
    iterations = itertools.count()
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        """Keep-alive requests; a new connection (timed) when the server closes one, as wrk does."""
        nonlocal not_ok
        writer = None
        while time.perf_counter() < deadline:
            steps = work.exchange(next(iterations))
            raw = next(steps)
            while True:
                started = time.perf_counter()
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(raw)
                head = await reader.readuntil(b"\r\n\r\n")
                body = await reader.readexactly(int(_LENGTH.search(head).group(1)))
                latencies.append(time.perf_counter() - started)
                status = int(head.split(b" ", 2)[1])
                not_ok += status >= 400
                if _CLOSES.search(head):
                    writer.close()
                    writer = None
                try:
                    raw = steps.send((status, body))
                except StopIteration:
                    break
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    elapsed = time.perf_counter() - started
    return len(latencies), elapsed, statistics.median(latencies) * 1000, not_ok


def _python(port: int, work: Workload, seconds: float) -> tuple[int, float, float, int]:
    return asyncio.run(_python_load(port, work, seconds))


def exchange_once(port: int, work: Workload, index: int) -> list[tuple[int, bytes]]:
    """Iteration ``index`` of ``work`` on one connection: each answer's status and body."""
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        steps = work.exchange(index)
        raw = next(steps)
        while True:
            sock.sendall(raw)
            response = http.client.HTTPResponse(sock)
            response.begin()
            answer = (response.status, response.read())
            answers.append(answer)
            try:
                raw = steps.send(answer)
            except StopIteration:
                return answers


# --- Measuring ----------------------------------------------------------------------------------


def measure(pid: int, port: int, work: Workload, seconds: float, wrk: bool) -> Measurement:
    """Drive the server at ``port`` for ``seconds``; its rate, median latency and CPU/request."""
    before = cpu_seconds(pid)
    count, elapsed, p50_ms, not_ok = (_wrk if wrk else _python)(port, work, seconds)
    used = cpu_seconds(pid) - before
    return Measurement(count / elapsed, p50_ms, used / max(count, 1) * 1e6, not_ok)
