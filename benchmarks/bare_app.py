"""The baseline: a bare Starlette app on the same uvicorn stack, answering fixed bytes.

Usage: python benchmarks/bare_app.py PATH BODY_FILE STATUS [PATH BODY_FILE STATUS ...]
(prints "port N", then serves). ``POST PATH`` (a Starlette path pattern: ``/`` for the API,
``/_mockturk/workers/{worker}/accept`` for one of mockturk's own) answers that file's bytes.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

API_CONTENT_TYPE = "application/x-amz-json-1.1"
OWN_CONTENT_TYPE = "application/json"  # what mockturk's own endpoints answer with


def answering(
    body: bytes, status: int, media_type: str
) -> Callable[[Request], Awaitable[Response]]:
    async def answer(request: Request) -> Response:
        await request.body()
        return Response(body, status, media_type=media_type)

    return answer


def make_app(answers: list[tuple[str, bytes, int]]) -> Starlette:
    def route(path: str, body: bytes, status: int) -> Route:
        media_type = API_CONTENT_TYPE if path == "/" else OWN_CONTENT_TYPE
        return Route(path, answering(body, status, media_type), methods=["POST"])

    return Starlette(routes=[route(*answer) for answer in answers])


def main() -> None:
    given = sys.argv[1:]
    answers = [
        (given[i], Path(given[i + 1]).read_bytes(), int(given[i + 2]))
        for i in range(0, len(given), 3)
    ]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(f"port {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        make_app(answers), log_level="warning", access_log=False, server_header=False
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
