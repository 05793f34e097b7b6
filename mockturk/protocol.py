"""AWS JSON 1.1 on the wire: request to (operation, params); result or error to a response.

The order of checks for ``POST /`` decides which error a bad request gets, and is fixed:

1. method: only POST (405 UnknownOperationException);
2. content type: ``application/x-amz-json-1.1`` (or 1.0), or none (400
   UnknownOperationException); a browser's cross-site request (403, see
   :mod:`mockturk.trust.guard`);
3. target: ``X-Amz-Target: MTurkRequesterServiceV20170117.<Operation>`` naming an operation
   of the model (400 UnknownOperationException);
4. body: at most 2 MiB (413); then the signature, when the server verifies them
   (:mod:`mockturk.trust.sigv4`: the body is part of what is signed); then JSON (400
   SerializationException), an object at the top level (400 SerializationException); an
   empty body counts as ``{}``;
5. injected faults and the rate limit, when a test asked for them (:mod:`mockturk.trust.faults`);
6. implemented: the operation has a handler (501 NotImplementedException);
7. validation against the model's input shape (400 ValidationException);
8. the handler (400 RequestError; anything unexpected: 500 ServiceFault, logged).

Signatures are checked only with ``--verify-signatures``; regions are never checked.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

import orjson

from mockturk.errors import (
    AwsError,
    RequestTooLarge,
    SerializationError,
    unknown_operation,
    unsupported_content_type,
)
from mockturk.spec import ServiceSpec

# ASGI, spelled out: the service answers ``POST /`` itself, below any framework, because
# every microsecond of plumbing is paid on every call a test suite makes.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_HEADER = b"x-amz-target"
REQUEST_ID_HEADER = b"x-amzn-requestid"
MAX_BODY_BYTES = 2 * 1024 * 1024
_CONTENT_TYPE_HEADER = (b"content-type", CONTENT_TYPE.encode())


class ClientGone(Exception):
    """The client disconnected before its request was read; there is no one to answer."""


_UUID4_BITS = (0x4 << 76) | (0x2 << 62)
_UUID4_MASK = ~((0xF << 76) | (0x3 << 62))


def new_request_id() -> str:
    """A random (version 4) UUID; request IDs need no cryptographic randomness, and
    ``uuid.uuid4()`` costs a system call per request."""
    text = f"{(random.getrandbits(128) & _UUID4_MASK) | _UUID4_BITS:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# What the AWS JSON protocols carry; anything else is some other protocol, which MTurk lacks.
_AWS_JSON_TYPES = (b"application/x-amz-json-1.1", b"application/x-amz-json-1.0")


def check_content_type(content_type: bytes | None) -> None:
    """Refuse a body that is not AWS JSON, as AWS JSON services do; none at all is fine."""
    if content_type is None or content_type in _AWS_JSON_TYPES:
        return
    if content_type.partition(b";")[0].strip().lower() not in _AWS_JSON_TYPES:
        raise unsupported_content_type(content_type.decode("latin-1"))


def operation_name(target: str | None, spec: ServiceSpec) -> str:
    """The operation an ``X-Amz-Target`` header names, if the model has it."""
    prefix, _, name = (target or "").partition(".")
    if prefix != spec.target_prefix or name not in spec.operation_names:
        raise unknown_operation(target)
    return name


def routing_headers(scope: Scope) -> tuple[bytes | None, str | None, bool]:
    """Content-Type, X-Amz-Target, and whether a browser's Origin or Sec-Fetch-Site came with
    them: one pass over the headers, the cheapest on every call."""
    content_type = target = None
    from_browser = False
    for key, value in scope["headers"]:
        if key == b"content-type":
            content_type = value
        elif key == TARGET_HEADER:
            target = value.decode("latin-1")
        elif key in _BROWSER_HEADERS:
            from_browser = True
    return content_type, target, from_browser


_BROWSER_HEADERS = frozenset([b"origin", b"sec-fetch-site"])


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's value (ASGI gives names in lower case)."""
    headers: Iterable[tuple[bytes, bytes]] = scope["headers"]
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


async def read_body(scope: Scope, receive: Receive) -> bytes:
    """The whole request body, refused past MAX_BODY_BYTES (declared or actual)."""
    declared = header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def parse_params(raw: bytes) -> dict[str, Any]:
    """The request's JSON object; an empty body counts as ``{}``."""
    if not raw.strip():
        return {}
    try:
        params = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise SerializationError(f"The request body is not valid JSON: {error}.") from None
    if not isinstance(params, dict):
        raise SerializationError("The request body must be a JSON object.")
    return _without_nulls(params)


def _without_nulls(params: dict[str, Any]) -> dict[str, Any]:
    """The object with its null members left out, at every depth: a member whose value is null
    counts as absent (nulls in lists are kept, for validation to report). Iterative: requests
    may nest up to the parser's limit, past Python's recursion limit."""
    root: dict[str, Any] = {}
    pending: list[tuple[Any, Any]] = [(params, root)]
    while pending:
        source, copy = pending.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for name, value in items:
            if value is None and isinstance(source, dict):
                continue
            if isinstance(value, dict | list):
                inner: Any = {} if isinstance(value, dict) else []
                pending.append((value, inner))
                value = inner
            if isinstance(copy, dict):
                copy[name] = value
            else:
                copy.append(value)
    return root


def _too_large() -> RequestTooLarge:
    return RequestTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")


def error_body(error: AwsError, now_ms: int) -> bytes:
    return orjson.dumps(error.body(now_ms))


async def respond(send: Send, status: int, body: bytes, request_id: str) -> None:
    """Send a complete AWS JSON response (header names in lower case, as HTTP/2 would)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-length", str(len(body)).encode()),
                _CONTENT_TYPE_HEADER,
                (REQUEST_ID_HEADER, request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
