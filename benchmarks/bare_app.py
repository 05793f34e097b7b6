"""The baseline: a bare Starlette app on the same uvicorn stack, answering fixed bytes.

Usage: python benchmarks/bare_app.py BODY_FILE STATUS  (prints "port N", then serves)
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CONTENT_TYPE = "application/x-amz-json-1.1"


def make_app(body: bytes, status: int) -> Starlette:
    async def answer(request: Request) -> Response:
        await request.body()
        return Response(body, status, media_type=CONTENT_TYPE)

    return Starlette(routes=[Route("/", answer, methods=["POST"])])


def main() -> None:
    body = Path(sys.argv[1]).read_bytes()
    status = int(sys.argv[2])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(f"port {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        make_app(body, status), log_level="warning", access_log=False, server_header=False
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
