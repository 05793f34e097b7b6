"""The control plane under ``/_mockturk/``: never reachable through ``X-Amz-Target``.

JSON in and out; every error is ``{"error": code, "message": text}`` with a 4xx status.

- ``GET  /_mockturk/health``: liveness and record counts.
- ``POST /_mockturk/reset``: back to the start-up fixtures; ``?to=empty`` for no records.
- ``POST /_mockturk/fixtures``: add records in the fixture format (``?replace=true`` to make
  them the whole state). The body is one fixture document (JSON, or YAML with a YAML
  content type), or ``{"documents": [{"source": NAME, "content": DOCUMENT}, ...]}`` to load
  several at once under their own names. All or nothing: a bad batch changes nothing.
- ``GET  /_mockturk/state``: every record, in the fixture format.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response

from mockturk import __version__
from mockturk.account import Account, NamedDocument
from mockturk.fixtures import FixtureError, parse_yaml

PREFIX = "/_mockturk"
REQUEST_BODY = "request body"
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no", "")


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details


def json_response(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status, media_type="application/json")


def control_error(status: int, code: str, message: str, **details: Any) -> Response:
    return json_response({"error": code, "message": message, **details}, status)


Endpoint = Callable[[Request], Awaitable[Response]]


class Control:
    def __init__(self, account: Account) -> None:
        self.account = account

    def endpoints(self) -> dict[str, tuple[str, Endpoint]]:
        """Path (under the prefix) to its method and endpoint."""
        return {
            "health": ("GET", self.health),
            "reset": ("POST", self.reset),
            "fixtures": ("POST", self.fixtures),
            "state": ("GET", self.state),
        }

    async def health(self, request: Request) -> Response:
        return json_response(
            {"status": "ok", "version": __version__, "records": self.account.store.counts()}
        )

    async def reset(self, request: Request) -> Response:
        to = request.query_params.get("to", "fixtures")
        if to not in ("fixtures", "empty"):
            raise ControlError(
                400, "InvalidParameter", f"to={to!r}: expected 'fixtures' (the default) or 'empty'."
            )
        self.account.reset(empty=to == "empty")
        return self._done()

    async def fixtures(self, request: Request) -> Response:
        replace = _flag(request, "replace")
        documents = _documents(await request.body(), request)
        try:
            self.account.load(documents, replace=replace)
        except FixtureError as error:
            raise ControlError(
                400, "InvalidFixtures", str(error), problems=error.problems
            ) from None
        return self._done()

    async def state(self, request: Request) -> Response:
        return json_response(self.account.state())

    def _done(self) -> Response:
        return json_response({"status": "ok", "records": self.account.store.counts()})


def guarded(endpoint: Endpoint, method: str) -> Endpoint:
    """An endpoint that answers a wrong method or a ControlError as a JSON error."""

    async def answer(request: Request) -> Response:
        allowed = (method, "HEAD") if method == "GET" else (method,)
        if request.method not in allowed:
            return control_error(405, "MethodNotAllowed", f"Use {method} for {request.url.path}.")
        try:
            return await endpoint(request)
        except ControlError as error:
            return control_error(error.status, error.code, str(error), **error.details)

    return answer


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value not in _TRUE + _FALSE:
        raise ControlError(400, "InvalidParameter", f"{name}={value!r}: expected true or false.")
    return value in _TRUE


def _documents(body: bytes, request: Request) -> list[NamedDocument]:
    source = request.query_params.get("source") or REQUEST_BODY
    content_type = request.headers.get("content-type", "")
    try:
        if "yaml" in content_type:
            parsed = parse_yaml(body) if body.strip() else None
        else:
            parsed = orjson.loads(body) if body.strip() else None
    except (orjson.JSONDecodeError, yaml.YAMLError) as error:
        detail = " ".join(str(error).split())
        raise ControlError(
            400, "MalformedBody", f"{source}: cannot be parsed ({detail})."
        ) from None
    if parsed is None:
        raise ControlError(
            400, "MalformedBody", f"{source}: empty; expected a fixture document (JSON or YAML)."
        )
    if isinstance(parsed, dict) and "documents" in parsed:
        return _named_documents(parsed)
    return [(source, parsed)]


def _named_documents(body: dict[str, Any]) -> list[NamedDocument]:
    documents = body["documents"]
    wrong = ControlError(
        400,
        "MalformedBody",
        'documents: expected a list of {"source": NAME, "content": DOCUMENT} objects.',
    )
    if set(body) != {"documents"} or not isinstance(documents, list):
        raise wrong
    named: list[NamedDocument] = []
    for index, item in enumerate(documents):
        if not isinstance(item, dict) or set(item) - {"source", "content"} or "content" not in item:
            raise wrong
        source = item.get("source") or f"documents[{index}]"
        if not isinstance(source, str):
            raise wrong
        named.append((source, item["content"]))
    return named
