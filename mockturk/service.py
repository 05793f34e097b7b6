"""One mock MTurk requester account: its state, and the pipeline that answers requests for it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response

from mockturk import protocol
from mockturk.clock import Clock, epoch_millis
from mockturk.errors import (
    AwsError,
    ValidationException,
    not_implemented,
    service_fault,
    wrong_method,
)
from mockturk.operations import Context, Handler
from mockturk.spec import ServiceSpec
from mockturk.wire import encode

logger = logging.getLogger("mockturk.requests")


class MTurkService:
    def __init__(
        self,
        context: Context,
        handlers: Mapping[str, Handler],
        on_fault: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.context = context
        self.handlers = handlers
        self.on_fault = on_fault

    @property
    def spec(self) -> ServiceSpec:
        return self.context.spec

    @property
    def clock(self) -> Clock:
        return self.context.clock

    async def handle(self, request: Request) -> Response:
        """Answer one AWS JSON request, in the order of checks given in :mod:`mockturk.protocol`."""
        started = time.perf_counter()
        request_id = protocol.new_request_id()
        operation = "-"
        try:
            if request.method != "POST":
                raise wrong_method(request.method)
            operation = protocol.operation_name(
                request.headers.get(protocol.TARGET_HEADER), self.spec
            )
            params = await protocol.read_params(request)
            response = protocol.success(self.call(operation, params), request_id)
        except AwsError as error:
            response = protocol.failure(error, request_id, epoch_millis(self.clock.now()))
        except Exception as error:
            logger.exception("internal failure in %s (request %s)", operation, request_id)
            if self.on_fault is not None:
                self.on_fault(error)
            response = protocol.failure(service_fault(), request_id, epoch_millis(self.clock.now()))
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info("%s %d %.1fms %s", operation, response.status_code, elapsed_ms, request_id)
        return response

    def call(self, operation: str, params: dict) -> bytes:
        """Validate, run the handler and encode its result by the model's output shape.

        Runs without awaiting, so a handler's changes to the store are never interleaved.
        """
        handler = self.handlers.get(operation)
        if handler is None:
            raise not_implemented(operation, sorted(self.handlers))
        violations = self.spec.input_violations(operation, params)
        if violations:
            raise ValidationException(violations)
        result = handler(self.context, params)
        return encode(self.spec.operation(operation).output_shape, result)
