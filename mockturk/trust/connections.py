"""How long and how large a connection may be before the server gives up on it.

uvicorn times out only the wait between two requests on a kept-alive connection. A
connection that sends nothing, or half a request, or a request a byte a minute, would
otherwise hold its socket (and, past the process's file limit, every new client) forever.
:class:`LimitedHttpProtocol` is uvicorn's httptools protocol with the missing limits:

- ``idle_timeout``: a connection with no request under way (before its first request, and
  between requests) is closed after this long; 5 s, uvicorn's own keep-alive default, far
  more than any client waits between calls of one test;
- ``request_timeout``: a request must arrive whole (headers and body) within this long of its
  first byte, else ``408`` and the connection is closed; 30 s: a 2 MiB API body or an
  8 MiB fixture body takes well under a second on any link a test runs over;
- ``max_header_bytes``: headers past this size get ``431`` and the connection is closed;
  64 KiB: botocore's headers are under 2 KiB;
- ``max_connections``: past this many open connections (or requests under way), uvicorn
  answers ``503``; 500 keeps the server below the usual limit of 1024 open files, where
  accepting would fail for everyone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


@dataclass(frozen=True)
class ConnectionLimits:
    idle_timeout: float = 5.0
    request_timeout: float = 30.0
    max_header_bytes: int = 64 * 1024
    max_connections: int = 500

    def uvicorn_settings(self) -> dict[str, Any]:
        """The ``uvicorn.Config`` arguments that apply these limits."""
        protocol = type("LimitedHttpProtocol", (LimitedHttpProtocol,), {"limits": self})
        return {
            "http": protocol,
            "timeout_keep_alive": self.idle_timeout,
            "limit_concurrency": self.max_connections,
        }


class LimitedHttpProtocol(HttpToolsProtocol):
    limits: ClassVar[ConnectionLimits] = ConnectionLimits()

    _request_timer: asyncio.TimerHandle | None = None
    _header_bytes: int | None = None  # counted while a request's headers are incomplete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Nothing sent yet: the same wait as between requests, in the slot uvicorn clears
        # when data arrives.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_bytes is not None and not self.transport.is_closing():
            self._header_bytes += len(data)
            if self._header_bytes > self.limits.max_header_bytes:
                limit = self.limits.max_header_bytes
                self._refuse(431, "Request Header Fields Too Large", f"headers over {limit} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._cancel_request_timer()
        self._request_timer = self.loop.call_later(self.limits.request_timeout, self._too_slow)

    def on_headers_complete(self) -> None:
        self._header_bytes = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._cancel_request_timer()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_request_timer()
        super().connection_lost(exc)

    def _cancel_request_timer(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _too_slow(self) -> None:
        self._request_timer = None
        if self.transport.is_closing():
            return
        answering = self._header_bytes is None and self.cycle is not None
        if answering and self.cycle.response_started:
            self.transport.close()  # too late for a status: the answer has begun
            return
        seconds = f"{self.limits.request_timeout:g}"
        self._refuse(408, "Request Timeout", f"a request not received whole within {seconds} s")

    def _refuse(self, status: int, reason: str, why: str) -> None:
        body = orjson.dumps(
            {"error": reason.replace(" ", ""), "message": f"Closed the connection: {why}."}
        )
        head = (
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        self.transport.close()
