"""Server processes: start mockturk, the bare baseline and moto_server; read their CPU and memory.

CPU time and memory come from ``/proc/PID/stat`` and ``/proc/PID/status`` (Linux): no
dependency is needed.
"""

from __future__ import annotations

import compileall
import functools
import http.client
import importlib.util
import io
import json
import os
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
MOCKTURK_BANNER = re.compile(r"^Endpoint: http://127\.0\.0\.1:(\d+)")
BARE_BANNER = re.compile(r"^port (\d+)")
POLL_S = 0.01


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: IO[str] | None = None  # where mockturk's stderr goes


@dataclass(frozen=True)
class Startup:
    """How one mockturk process started: time from spawn to its first healthy answer, memory."""

    healthy_s: float | None  # None: not healthy (see ``failure``)
    peak_rss: int  # bytes, VmHWM: the most the process ever held
    rss: int  # bytes, VmRSS once healthy
    failure: str | None = None


# --- /proc --------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in bytes; zeros once it has gone."""
    found = {"VmRSS": 0, "VmHWM": 0}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in found:
            found[name] = int(value.split()[0]) * 1024
    return found


# --- Starting and stopping ----------------------------------------------------------------------


def _lines(stream: object) -> queue.Queue[str | None]:
    """A process's output, line by line, read on a thread (``None`` at its end)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for_port(lines: queue.Queue[str | None], pattern: re.Pattern, deadline: float) -> int:
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            raise TimeoutError from None
        if line is None:
            raise RuntimeError("exited before it was ready")
        match = pattern.search(line)
        if match:
            return int(match.group(1))


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def is_healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/_mockturk/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _wait_healthy(proc: subprocess.Popen, port: int, deadline: float) -> None:
    while not is_healthy(port):
        if proc.poll() is not None:
            raise RuntimeError("exited before it was healthy")
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(POLL_S)


POOL_BYTES = 1 << 30


@functools.cache
def compile_bytecode() -> None:
    """Compile mockturk's modules once, as installing it does (pip compiles a package's
    modules; the container image has them compiled): a server started here then starts as an
    installed one does, also where PYTHONDONTWRITEBYTECODE keeps Python from writing the
    bytecode of a checkout at its first start."""
    found = importlib.util.find_spec("mockturk")
    assert found is not None and found.submodule_search_locations
    for location in found.submodule_search_locations:
        compileall.compile_dir(location, quiet=1)


@contextmanager
def mockturk(
    fixture: Path | None, timeout_s: float, log_level: str = "info", options: Sequence[str] = ()
) -> Iterator[tuple[Server | None, Startup]]:
    """A mockturk process serving ``fixture`` (None: what its options say), and how it
    started; its log goes to a file.

    ``log_level`` is ``info`` by default, as ``mockturk serve`` starts: a line per request.
    ``options`` are more of ``mockturk serve``'s (``--data-dir PATH``...).
    Yields ``(None, startup)`` when it did not become healthy within ``timeout_s`` (or failed):
    the measurement is then the failure, not an exception.
    """
    served = ["--fixtures", str(fixture)] if fixture is not None else []
    # The write cases load their pools of records through the control API, beyond the size
    # it takes by default (a load that holds other clients up, which nobody else is here).
    command = [sys.executable, "-m", "mockturk", "serve", *served,
               "--port", "0", "--log-level", log_level,
               "--max-fixture-bytes", str(POOL_BYTES), *options]  # fmt: skip
    compile_bytecode()
    with tempfile.TemporaryFile("w+") as errors:
        started = time.monotonic()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            yield _started(proc, started, timeout_s, errors)
        finally:
            _stop(proc)


def _started(
    proc: subprocess.Popen, started: float, timeout_s: float, errors: object
) -> tuple[Server | None, Startup]:
    deadline = started + timeout_s
    try:
        port = _wait_for_port(_lines(proc.stdout), MOCKTURK_BANNER, deadline)
        _wait_healthy(proc, port, deadline)
    except TimeoutError:
        peak = memory(proc.pid)["VmHWM"]
        return None, Startup(None, peak, 0, f"timed out after {timeout_s:g} s")
    except RuntimeError as error:
        proc.wait()
        errors.seek(0)  # type: ignore[attr-defined]
        detail = " ".join(errors.read().split())[-300:]  # type: ignore[attr-defined]
        return None, Startup(None, 0, 0, f"{error} (exit {proc.returncode}): {detail}")
    healthy_s = time.monotonic() - started
    held = memory(proc.pid)
    log = errors if isinstance(errors, io.TextIOBase) else None
    return Server(proc, port, log), Startup(healthy_s, held["VmHWM"], held["VmRSS"])


def logged_requests(server: Server) -> int:
    """How many request lines a mockturk has written to its log so far."""
    if server.log is None:
        return 0
    # A file description of its own: reading must not move the offset the server writes at.
    with open(f"/proc/self/fd/{server.log.fileno()}", errors="replace") as reading:
        return sum(1 for line in reading if " mockturk.requests: " in line)


@contextmanager
def bare(answers: dict[str, tuple[int, bytes]]) -> Iterator[Server]:
    """The baseline: a bare Starlette app on the same uvicorn stack, answering each route
    (a Starlette path pattern, ``/`` for the API) with its fixed status and body."""
    with ExitStack() as files:
        arguments = []
        for path, (status, body) in answers.items():
            body_file = files.enter_context(tempfile.NamedTemporaryFile(suffix=".json"))
            body_file.write(body)
            body_file.flush()
            arguments += [path, body_file.name, str(status)]
        command = [sys.executable, str(HERE / "bare_app.py"), *arguments]
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        try:
            port = _wait_for_port(_lines(proc.stdout), BARE_BANNER, time.monotonic() + 60)
            yield Server(proc, port)
        finally:
            _stop(proc)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_server() -> Iterator[Server]:
    """moto's stand-alone server (werkzeug, threaded), as ``moto_server`` runs it."""
    port = free_port()
    command = [sys.executable, "-c", "from moto.server import main; main()", "-p", str(port)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto_server did not start")
            time.sleep(0.05)
        yield Server(proc, port)
    finally:
        _stop(proc)


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/moto-api/")
        connection.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        connection.close()


def post(
    port: int, target: str, params: dict, content_type: str, extra: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One AWS JSON request; the answer's status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": content_type, "X-Amz-Target": target, **(extra or {})}
        connection.request("POST", "/", body=json.dumps(params), headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
