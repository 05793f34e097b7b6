"""The pipeline that answers API requests, each for the requester whose account it is."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from mockturk import protocol
from mockturk.account import Account
from mockturk.clock import Clock, epoch_millis
from mockturk.errors import (
    AwsError,
    ValidationException,
    cross_site_request,
    not_implemented,
    service_fault,
    wrong_method,
)
from mockturk.operations import Context, Handler, checks
from mockturk.requesters import Requesters, UnknownRequester
from mockturk.serverlog import REQUESTS_LOGGER, RequestLog, logging_request_log, request_message
from mockturk.spec import ServiceSpec
from mockturk.trust.faults import Faults, requester_of
from mockturk.trust.guard import page_evidence
from mockturk.trust.sigv4 import AccessKey, SignatureVerifier, claimed_key_id, unrecognized_key
from mockturk.wire import encode

logger = logging.getLogger(REQUESTS_LOGGER)


class MTurkService:
    def __init__(
        self,
        context: Context,
        handlers: Mapping[str, Handler],
        on_fault: Callable[[BaseException], None] | None = None,
        request_log: RequestLog = logging_request_log,
        own_hosts: frozenset[str] = frozenset(["*"]),
        verifier: SignatureVerifier | None = None,
        faults: Faults | None = None,
        requesters: Requesters | None = None,
    ) -> None:
        self.requesters = requesters or Requesters(context.account)
        self._contexts = {context.account: context}  # each requester's, once made
        self.verifier = verifier
        self.faults = faults or Faults()
        self.context = context
        self.own_hosts = own_hosts  # the names a page may reach it by (trust.guard.own_hosts)
        self.handlers = handlers
        self.on_fault = on_fault
        self.request_log = request_log

    @property
    def spec(self) -> ServiceSpec:
        return self.context.spec

    @property
    def clock(self) -> Clock:
        return self.context.clock

    async def __call__(
        self, scope: protocol.Scope, receive: protocol.Receive, send: protocol.Send
    ) -> None:
        """Answer one AWS JSON request (an ASGI app for ``/``), in the order of checks given in
        :mod:`mockturk.protocol`."""
        started = time.perf_counter()
        request_id = protocol.new_request_id()
        operation = "-"
        try:
            if scope["method"] != "POST":
                raise wrong_method(scope["method"])
            content_type, target, from_browser = protocol.routing_headers(scope)
            protocol.check_content_type(content_type)
            if from_browser:
                _refuse_pages(dict(scope["headers"]), self.own_hosts)
            operation = protocol.operation_name(target, self.spec)
            raw = await protocol.read_body(scope, receive)
            signer = None
            if self.verifier is not None:
                signer = self.verifier.verify(
                    scope["method"], scope["query_string"], scope["headers"], raw
                )
            context = self._caller(scope, signer) if self.requesters.isolated else self.context
            params = protocol.parse_params(raw)
            if self.faults.active:
                await self._feign(operation, protocol.header(scope, b"authorization"))
            status, body = 200, self.call(operation, params, context)
        except AwsError as error:
            status, body = error.status, self._error_body(error)
        except protocol.ClientGone:
            return
        except Exception as error:
            logger.exception("internal failure in %s (request %s)", operation, request_id)
            if self.on_fault is not None:
                self.on_fault(error)
            fault = service_fault()
            status, body = fault.status, self._error_body(fault)
        # Logged before the response leaves: a client that has its answer can find its line.
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.request_log(logging.INFO, request_message(operation, status, elapsed_ms, request_id))
        await protocol.respond(send, status, body, request_id)

    async def _feign(self, operation: str, authorization: str | None) -> None:
        """Fail, or wait, as a test asked (:mod:`mockturk.trust.faults`)."""
        fault = self.faults.take(operation, requester_of(authorization))
        if fault is not None:
            await asyncio.sleep(fault.seconds)

    def _caller(self, scope: protocol.Scope, signer: AccessKey | None) -> Context:
        """The context of the requester making the request (requesters kept apart)."""
        key_id = (
            signer.access_key_id
            if signer is not None
            else claimed_key_id(protocol.header(scope, b"authorization"), scope["query_string"])
        )
        try:
            account = self.requesters.of_key(key_id)
        except UnknownRequester:
            raise unrecognized_key() from None
        return self.context_of(account)

    def call_as(self, account: Account, operation: str, params: dict[str, Any]) -> bytes:
        """:meth:`call`, for the requester of ``account``."""
        return self.call(operation, params, self.context_of(account))

    def context_of(self, account: Account) -> Context:
        """What a handler is given for the account's requests."""
        found = self._contexts.get(account)
        if found is None:
            found = self._contexts[account] = replace(self.context, account=account)
        return found

    def _error_body(self, error: AwsError) -> bytes:
        return protocol.error_body(error, epoch_millis(self.clock.now()))

    def call(self, operation: str, params: dict[str, Any], context: Context | None = None) -> bytes:
        """Validate, run the handler and encode its result by the model's output shape, for the
        requester of ``context`` (by default the first).

        Runs without awaiting, so a handler's changes to the store are never interleaved.
        """
        context = context or self.context
        handler = self.handlers.get(operation)
        if handler is None:
            raise not_implemented(operation, sorted(self.handlers))
        violations = self.spec.input_violations(operation, params)
        violations += checks.violations(operation, params)
        if violations:
            raise ValidationException(violations)
        checks.refuse_invalid_values(operation, params)
        # Whatever fell due by now happens first: the request sees the world as of now.
        context.account.catch_up()
        result = handler(context, params)
        return encode(self.spec.output_shape(operation), result)


def _refuse_pages(headers: dict[bytes, bytes], own_hosts: frozenset[str]) -> None:
    evidence = page_evidence(headers, own_hosts)
    if evidence is not None:
        raise cross_site_request(evidence)
