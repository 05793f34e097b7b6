"""The control plane under ``/_mockturk/``: never reachable through ``X-Amz-Target``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockturk import __version__
from mockturk.store import Store

PREFIX = "/_mockturk"


def control_error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"error": code, "message": message}, status_code=status)


class Control:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def health(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return control_error(405, "MethodNotAllowed", "Use GET for /_mockturk/health.")
        return JSONResponse(
            {"status": "ok", "version": __version__, "records": self.store.counts()}
        )
