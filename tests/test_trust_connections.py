"""Connections that send nothing, half a request, a request too slowly or too large, or too many
of them: each limit, over raw sockets against a real server with short limits. Waits are
bounded by socket timeouts: a test reads until the server closes, never sleeps."""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Iterator

import pytest

from mockturk.app import create_app
from mockturk.testing import ThreadedServer, boto3_client
from mockturk.trust.connections import ConnectionLimits

LIMITS = ConnectionLimits(
    idle_timeout=0.3, request_timeout=0.5, max_header_bytes=2048, max_connections=4
)
BOUND = 10.0  # seconds any single wait may take before the test fails


@pytest.fixture
def faults() -> list[BaseException]:
    return []


def started(faults: list[BaseException], limits: ConnectionLimits) -> ThreadedServer:
    app = create_app(None, on_fault=faults.append, request_log=lambda level, message: None)
    return ThreadedServer(app, limits=limits).start()


@pytest.fixture
def limited(faults: list[BaseException]) -> Iterator[ThreadedServer]:
    server = started(faults, LIMITS)
    yield server
    server.stop()


@pytest.fixture
def patient(faults: list[BaseException]) -> Iterator[ThreadedServer]:
    """Idle connections stay open for the whole test."""
    server = started(faults, ConnectionLimits(idle_timeout=60, max_connections=4))
    yield server
    server.stop()


def connect(server: ThreadedServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=BOUND)


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    with sock:
        while chunk := sock.recv(65536):
            received += chunk
    return received


def still_serves(server: ThreadedServer, faults: list[BaseException]) -> None:
    assert boto3_client(f"http://127.0.0.1:{server.port}").list_hits()["NumResults"] == 0
    assert faults == []


def test_a_connection_that_sends_nothing_is_closed(limited, faults):
    assert until_closed(connect(limited)) == b""
    still_serves(limited, faults)


def test_a_kept_alive_connection_is_closed_once_idle(limited, faults):
    sock = connect(limited)
    sock.sendall(b"GET /_mockturk/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert until_closed(sock).startswith(b"HTTP/1.1 200 ")


def test_half_a_request_gets_408_and_is_closed(limited, faults):
    sock = connect(limited)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Tar")
    answer = until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert b'"error":"RequestTimeout"' in answer
    still_serves(limited, faults)


@pytest.mark.parametrize("path", ["/", "/_mockturk/fixtures"])
def test_a_body_that_never_arrives_gets_408_and_is_closed(limited, faults, path):
    sock = connect(limited)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: MTurkRequesterServiceV20170117.ListHITs\r\nContent-Length: 100\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"Max')
    assert until_closed(sock).startswith(b"HTTP/1.1 408 ")
    still_serves(limited, faults)


def test_headers_past_the_limit_get_431(limited, faults):
    sock = connect(limited)
    sock.sendall(b"GET /_mockturk/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"x" * 4096)
    assert until_closed(sock).startswith(b"HTTP/1.1 431 ")
    still_serves(limited, faults)


def test_connections_past_the_cap_get_503(patient, faults):
    """uvicorn counts the connection asking: the cap is connections open at once, this one too."""
    limited = patient
    held = [connect(limited) for _ in range(3)]
    try:
        for sock in held:  # each is open on the server before the next request is made
            sock.sendall(b"GET /_mockturk/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        with connect(limited) as extra:
            extra.sendall(b"GET /_mockturk/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert extra.recv(65536).startswith(b"HTTP/1.1 503 ")
    finally:
        for sock in held:
            sock.close()


def reset(sock: socket.socket) -> None:
    """Close with a TCP reset rather than an orderly shutdown."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_clients_that_go_away_leave_no_traceback(limited, faults, caplog):
    caplog.set_level(logging.DEBUG)
    api = (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
        b"X-Amz-Target: MTurkRequesterServiceV20170117.ListHITs\r\nContent-Length: 2\r\n\r\n{}"
    )
    state = b"GET /_mockturk/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    pipelined = connect(limited)
    pipelined.sendall((api + state) * 20)
    assert pipelined.recv(100).startswith(b"HTTP/1.1 200 ")
    reset(pipelined)
    for path in (b"/_mockturk/fixtures", b"/_mockturk/clock", b"/"):
        half = connect(limited)
        half.sendall(
            b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        reset(half)
    still_serves(limited, faults)
    # A request after the resets has been answered, so the server has seen them all.
    assert [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()] == []


def test_the_cli_reads_the_connection_options(monkeypatch):
    from mockturk import cli

    parser = cli.build_parser()
    monkeypatch.setenv("MOCKTURK_MAX_CONNECTIONS", "50")
    args = parser.parse_args(["serve", "--idle-timeout", "2", "--request-timeout", "9.5"])
    assert cli._limits(parser, args) == ConnectionLimits(
        idle_timeout=2, request_timeout=9.5, max_connections=50
    )
    monkeypatch.setenv("MOCKTURK_IDLE_TIMEOUT", "-1")
    with pytest.raises(SystemExit):
        cli._limits(parser, parser.parse_args(["serve"]))
