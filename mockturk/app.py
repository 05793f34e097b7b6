"""The ASGI application: routes, and error handlers that keep every answer JSON."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from decimal import Decimal

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from mockturk import protocol
from mockturk.account import Account
from mockturk.background import Deliverer, Routes, Ticker
from mockturk.clock import Clock, ControllableClock, epoch_millis
from mockturk.control import PREFIX, Control, control_error, guarded
from mockturk.domain.money import DEFAULT_BALANCE
from mockturk.errors import AwsError, service_fault, wrong_method, wrong_path
from mockturk.fixtures import Dataset
from mockturk.operations import HANDLERS, Context, Handler
from mockturk.pagination import TokenCodec
from mockturk.requesters import Requesters
from mockturk.serverlog import RequestLog, logging_request_log, request_message
from mockturk.service import MTurkService
from mockturk.spec import load_spec
from mockturk.state.store import Store
from mockturk.trust import TrustSettings
from mockturk.trust.faults import Faults
from mockturk.trust.guard import Guard, own_hosts
from mockturk.trust.sigv4 import DEFAULT_KEYS, SignatureVerifier, access_keys
from mockturk.web.site import Site
from mockturk.worker.endpoints import EXTERNAL_SUBMIT, WorkerEndpoints

ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def create_app(
    dataset: Dataset | None = None,
    *,
    clock: Clock | None = None,
    token_secret: bytes | None = None,
    handlers: Mapping[str, Handler] = HANDLERS,
    on_fault: Callable[[BaseException], None] | None = None,
    request_log: RequestLog = logging_request_log,
    balance: Decimal = DEFAULT_BALANCE,
    pinned_balance: bool = False,
    strict_https: bool = False,
    routes: Routes | None = None,
    trust: TrustSettings | None = None,
) -> MockTurkApp:
    """A new, independent server state seeded with ``dataset``; no state is shared between apps.

    ``dataset`` is also what ``/_mockturk/reset`` returns to. ``on_fault`` is told of every
    exception that became a 500 (an in-process test server raises them in its caller).
    ``request_log`` gets a line for every request answered (``mockturk serve`` writes them
    off the event loop; by default they go to the ``mockturk.requests`` logger). ``clock`` is
    real time by default; only a :class:`ControllableClock` can be moved through the control API.

    The account starts with ``balance`` available (and a reset starts it there again); with
    ``pinned_balance`` it shows that balance whatever is spent, and funds never run out, as in
    the real sandbox. ``strict_https`` refuses ExternalURLs that are not https, as the real
    service did. ``routes`` say where notifications are delivered (by default nowhere: they
    are kept in the outbox, readable at ``/_mockturk/notifications``). ``trust`` says which
    requests are refused (:mod:`mockturk.trust`).
    """
    settings = trust or TrustSettings()
    spec = load_spec()
    store = Store()
    clock = clock or ControllableClock()
    account = Account(
        store,
        clock,
        dataset,
        balance=balance,
        pinned_balance=pinned_balance,
        strict_https=strict_https,
    )
    context = Context(spec=spec, account=account, tokens=TokenCodec(token_secret))
    keys = settings.access_keys or access_keys(DEFAULT_KEYS)
    routes = routes or Routes()

    def new_account(name: str) -> Account:
        made = Account(
            Store(name),
            clock,
            balance=balance,
            pinned_balance=pinned_balance,
            strict_https=strict_https,
        )
        made.store.delivers = routes.delivers
        return made

    requesters = Requesters(
        account,
        mode=settings.requesters,
        first_name=keys[0].requester or keys[0].access_key_id,
        keys={key.access_key_id: key.requester or key.access_key_id for key in keys},
        make=new_account,
    )
    verifier = SignatureVerifier(keys) if settings.verify_signatures else None
    faults = Faults(settings.rate_limit, settings.rate_burst)
    service = MTurkService(
        context, handlers, on_fault, request_log, own_hosts(settings), verifier, faults, requesters
    )
    control = Control(requesters, clock, settings.max_fixture_bytes, faults, spec.operation_names)

    def aws_error(error: AwsError) -> Response:
        body = protocol.error_body(error, epoch_millis(context.clock.now()))
        headers = {protocol.REQUEST_ID_HEADER.decode(): protocol.new_request_id()}
        return Response(body, error.status, headers, media_type=protocol.CONTENT_TYPE)

    async def unknown_path(request: Request) -> Response:
        if request.url.path.startswith(PREFIX + "/"):
            return control_error(404, "NotFound", f"No control endpoint at {request.url.path}.")
        return aws_error(wrong_path(request.url.path))

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 400
        if request.url.path.startswith(PREFIX + "/"):
            return control_error(
                status, "MethodNotAllowed" if status == 405 else "BadRequest", str(exc)
            )
        if status == 405:
            return aws_error(wrong_method(request.method))
        return aws_error(wrong_path(request.url.path))

    async def internal_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, ClientDisconnect):  # nobody to answer, and nothing went wrong
            return Response(status_code=400)
        if on_fault is not None:
            on_fault(exc)
        if request.url.path.startswith(PREFIX + "/"):
            return control_error(500, "InternalError", f"{type(exc).__name__}: {exc}")
        return aws_error(service_fault())

    control_routes = [
        Route(f"{PREFIX}/{name}", guarded(endpoints), methods=ANY_METHOD)
        for name, endpoints in control.endpoints().items()
    ]
    workers = WorkerEndpoints(requesters)
    worker_routes = [
        Route(
            path,
            guarded(endpoint if isinstance(endpoint, dict) else {"POST": endpoint}),
            methods=ANY_METHOD,
        )
        for path, endpoint in workers.routes().items()
    ]
    worker_routes.append(Route(EXTERNAL_SUBMIT, workers.external_submit, methods=["POST"]))
    store.delivers = routes.delivers
    deliverer = Deliverer(requesters, routes)

    @contextlib.asynccontextmanager
    async def background(_: Starlette) -> AsyncIterator[None]:
        # The ticker and the deliverer run while the server does, and end with it.
        tasks = [
            asyncio.create_task(Ticker(requesters).run(), name="mockturk-ticker"),
            asyncio.create_task(deliverer.run(), name="mockturk-deliverer"),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    site = Site(requesters, service.call_as)
    framework = Starlette(
        lifespan=background,
        routes=[
            *control_routes,
            *worker_routes,
            *site.routes(),
            Route("/{path:path}", unknown_path, methods=ANY_METHOD),
        ],
        exception_handlers={HTTPException: http_error, Exception: internal_error},
    )
    app = MockTurkApp(service, framework, request_log, Guard(framework, settings))
    app.state.service = service
    app.state.store = store
    app.state.account = account
    app.state.requesters = requesters
    app.state.clock = clock
    app.state.deliverer = deliverer
    app.state.faults = faults
    return app


class MockTurkApp:
    """The ASGI app: the AWS endpoint ``/`` straight to the service, all else to Starlette.

    The endpoint bypasses the framework's routing, request and response objects: they cost
    more per call than the service's own work. Every other request is logged here, as the
    service logs its own.
    """

    def __init__(
        self,
        service: MTurkService,
        framework: Starlette,
        request_log: RequestLog,
        guarded: protocol.Asgi | None = None,
    ) -> None:
        self.service = service
        self.framework = framework
        self.request_log = request_log
        self.guarded = guarded or framework  # the framework behind the rules of the guard

    @property
    def state(self) -> State:
        return self.framework.state

    async def __call__(
        self, scope: protocol.Scope, receive: protocol.Receive, send: protocol.Send
    ) -> None:
        if scope["type"] != "http":
            await self.framework(scope, receive, send)
        elif scope["path"] == "/" and not _browser_visit(scope):
            await self.service(scope, receive, send)
        else:
            # A client that left before its request was read: Starlette re-raises that.
            with contextlib.suppress(ClientDisconnect):
                await self.guarded(scope, receive, self._logging(scope, send))

    def _logging(self, scope: protocol.Scope, send: protocol.Send) -> protocol.Send:
        """``send``, logging the request's line just before its response starts."""
        started = time.perf_counter()

        async def logged_send(message: protocol.Message) -> None:
            if message["type"] == "http.response.start":
                elapsed_ms = (time.perf_counter() - started) * 1000
                request_id = dict(message.get("headers", ())).get(protocol.REQUEST_ID_HEADER)
                self.request_log(
                    _level(scope),
                    request_message(
                        _request_line(scope),
                        message["status"],
                        elapsed_ms,
                        request_id.decode("latin-1") if request_id else None,
                    ),
                )
            await send(message)

        return logged_send


_MAX_LOGGED_TARGET = 200
_HEALTH = PREFIX + "/health"


def _request_line(scope: protocol.Scope) -> str:
    """Method and target as the client sent them: still percent-encoded, so a path cannot
    put a line break or a control character into the log; long targets are cut short."""
    target = bytes(scope.get("raw_path") or scope["path"].encode())
    if scope.get("query_string"):
        target += b"?" + bytes(scope["query_string"])
    text = target[:_MAX_LOGGED_TARGET].decode("latin-1")
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    cut = "..." if len(target) > _MAX_LOGGED_TARGET else ""
    return f"{scope['method']} {text}{cut}"


def _browser_visit(scope: protocol.Scope) -> bool:
    """A person opening the endpoint URL (a GET asking for HTML): sent on to the site. The API's
    POSTs are told apart by their method alone."""
    return scope["method"] in ("GET", "HEAD") and "text/html" in (
        protocol.header(scope, b"accept") or ""
    )


def _level(scope: protocol.Scope) -> int:
    # Health checks come every few seconds from container runtimes: logged only at debug level.
    return logging.DEBUG if scope["path"] == _HEALTH else logging.INFO
