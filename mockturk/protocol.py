"""AWS JSON 1.1 on the wire: request to (operation, params); result or error to a response.

The order of checks for ``POST /`` decides which error a bad request gets, and is fixed:

1. method: only POST (405 UnknownOperationException);
2. target: ``X-Amz-Target: MTurkRequesterServiceV20170117.<Operation>`` naming an operation
   of the model (400 UnknownOperationException);
3. body: at most 2 MiB (413), JSON (400 SerializationException), an object at the top level
   (400 SerializationException); an empty body counts as ``{}``;
4. implemented: the operation has a handler (501 NotImplementedException);
5. validation against the model's input shape (400 ValidationException);
6. the handler (400 RequestError; anything unexpected: 500 ServiceFault, logged).

Credentials, signatures, regions and the Content-Type of requests are not checked.
"""

from __future__ import annotations

import random
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mockturk.errors import (
    AwsError,
    RequestTooLarge,
    SerializationError,
    unknown_operation,
)
from mockturk.spec import ServiceSpec

CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_HEADER = "x-amz-target"
REQUEST_ID_HEADER = "x-amzn-RequestId"
MAX_BODY_BYTES = 2 * 1024 * 1024


_UUID4_BITS = (0x4 << 76) | (0x2 << 62)
_UUID4_MASK = ~((0xF << 76) | (0x3 << 62))


def new_request_id() -> str:
    """A random (version 4) UUID; request IDs need no cryptographic randomness, and
    ``uuid.uuid4()`` costs a system call per request."""
    text = f"{(random.getrandbits(128) & _UUID4_MASK) | _UUID4_BITS:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def operation_name(target: str | None, spec: ServiceSpec) -> str:
    """The operation an ``X-Amz-Target`` header names, if the model has it."""
    prefix, _, name = (target or "").partition(".")
    if prefix != spec.target_prefix or name not in spec.operation_names:
        raise unknown_operation(target)
    return name


async def read_params(request: Request) -> dict[str, Any]:
    """The request's JSON object, read with a size limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    try:
        params = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise SerializationError(f"The request body is not valid JSON: {error}.") from None
    if not isinstance(params, dict):
        raise SerializationError("The request body must be a JSON object.")
    return params


def _too_large() -> RequestTooLarge:
    return RequestTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")


def success(body: bytes, request_id: str) -> Response:
    return Response(body, 200, {REQUEST_ID_HEADER: request_id}, media_type=CONTENT_TYPE)


def failure(error: AwsError, request_id: str, now_ms: int) -> Response:
    body = orjson.dumps(error.body(now_ms))
    return Response(body, error.status, {REQUEST_ID_HEADER: request_id}, media_type=CONTENT_TYPE)
