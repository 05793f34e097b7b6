"""mockturk inside a test suite: a real server in a background thread, or a remote one.

    with mockturk.serve() as server:            # the bundled data set, on a free port
        mturk = server.client()
        mturk.list_hits()
        server.load({"HITs": [...]})            # add records (fixture format)
        server.reset()                          # back to the start-up fixtures
        server.on_loop(lambda account: account.store.counts())  # look inside, safely
        server.clock.advance(3600)              # an hour passes, at once

:class:`InProcessServer` runs the real ASGI app under uvicorn on a loopback port of its own;
:class:`RemoteServer` drives one that is already running (a container in CI, say) through the
control API. Both offer the same methods, so the pytest plugin works with either; only the
in-process server can also run code of the test's own on the server's event loop
(:meth:`InProcessServer.on_loop`).
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar

import orjson
import uvicorn

from mockturk import cli
from mockturk.account import Account, NamedDocument
from mockturk.app import create_app
from mockturk.background import Deliverer, Routes
from mockturk.clock import (
    Clock,
    ClockChangeError,
    ControllableClock,
    MovableClock,
    checked_instant,
    checked_seconds,
)
from mockturk.control import start_over, unmovable
from mockturk.domain.money import DEFAULT_BALANCE, parse_amount
from mockturk.fixtures import (
    Dataset,
    FixtureError,
    build_dataset,
    default_fixtures_path,
    fixture_files,
    read_document,
)
from mockturk.operations import HANDLERS, Handler
from mockturk.requesters import MODES, ONE, Requesters
from mockturk.trust import TrustSettings, sigv4
from mockturk.trust.connections import ConnectionLimits
from mockturk.trust.faults import Faults

CONTROL_TOKEN_VARIABLE = "MOCKTURK_CONTROL_TOKEN"
DEFAULT_SECRET = "mock"  # what a requester's client signs with when no key is configured

# What may be given as fixtures: a file or directory path, a fixture-format dict, or a list of them.
FixtureSource = str | Path | Mapping[str, Any]
Fixtures = FixtureSource | Sequence[FixtureSource]

T = TypeVar("T")


class ServerError(RuntimeError):
    """The server failed: it could not start, or a request ended in an internal fault."""


class MockTurk(Protocol):
    """What a test sees of a mockturk server, in-process or remote."""

    @property
    def endpoint_url(self) -> str: ...

    def client(self, **settings: Any) -> Any: ...

    def reset(self, *, empty: bool = False) -> None: ...

    def load(
        self, fixtures: Fixtures, *, replace: bool = False, base: Path | None = None
    ) -> None: ...

    def state(self) -> dict[str, list[dict[str, Any]]]: ...

    def notifications(self) -> list[dict[str, Any]]: ...

    def take_faults(self) -> list[BaseException]: ...

    def worker(self, worker_id: str) -> Worker: ...

    def requester(self, name: str, secret: str | None = None) -> Requester: ...

    @property
    def clock(self) -> MovableClock: ...


def serve(
    fixtures: Fixtures | Dataset | None = None,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    clock: Clock | None = None,
    start_time: datetime | None = None,
    frozen_clock: bool = False,
    token_secret: bytes | None = None,
    handlers: Mapping[str, Handler] = HANDLERS,
    start_timeout: float = 10.0,
    balance: Decimal | str = DEFAULT_BALANCE,
    pinned_balance: bool = False,
    strict_https: bool = False,
    aws_endpoint: str | None = None,
    sns_http: Mapping[str, str] | None = None,
    control_token: str | None = None,
    verify_signatures: bool = False,
    access_keys: Mapping[str, str] | None = None,
    rate_limit: float | None = None,
    rate_burst: int | None = None,
    requesters: str = ONE,
) -> InProcessServer:
    """A mockturk server to use as a context manager (or to ``start()`` and ``stop()``).

    ``fixtures``: paths (files or directories) and/or fixture-format dicts; ``None`` for the
    bundled default data set, ``[]`` for none; or a :class:`~mockturk.fixtures.Dataset` already
    checked (from ``build_dataset`` or ``load_fixture_paths``), to start several servers on one
    large data set without reading it again. Bad fixtures raise FixtureError here, before
    anything starts. ``port=0`` picks a free port.

    The server's clock runs in real time, from now or from ``start_time`` (an aware datetime:
    fixtures are checked at it), or stands still there with ``frozen_clock``; a test moves it
    with ``server.clock``, and ``reset()`` puts it back. ``clock`` gives one of the caller's own
    instead: a :class:`~mockturk.clock.ControllableClock`, or any object with ``now()`` (which
    then cannot be moved).

    ``token_secret`` signs NextTokens; by default each start makes a new one, so a restarted
    server refuses the tokens of its previous run; servers given the same secret accept each
    other's tokens. ``handlers`` maps operation names to the functions that answer them: the
    real ones by default; a test may swap one in to see how a client copes with a
    failing operation.

    The account starts with ``balance`` available (``"10000.00"`` by default; a Decimal or a
    string of dollars and cents), spent as HITs hold their liability and approvals and bonuses
    pay out; ``pinned_balance`` shows it unchanged whatever is spent, and never runs out, as the
    real sandbox did. ``strict_https`` refuses an ExternalURL that is not https, as the real
    service did (by default http URLs are accepted, for local task pages). A balance that is not
    a whole, non-negative number of cents raises ValueError here.

    Notifications are delivered to SQS queues and SNS topics on ``aws_endpoint`` (an
    AWS-compatible endpoint: LocalStack, ElasticMQ, moto's server), and to the HTTP URLs that
    ``sns_http`` maps topic ARNs to (as SNS envelopes, so no AWS is needed); all of them are
    kept in the outbox (``server.notifications()``) with their delivery status.

    ``control_token`` makes the control API want it (``Authorization: Bearer``); the server's
    own ``worker()`` sends it. ``verify_signatures`` checks the SigV4 signature of every API
    request against ``access_keys`` (access key ID to secret; by default ``{"mock": "mock"}``,
    what ``client()`` signs with). ``rate_limit`` throttles each access key past that many calls
    a second (bursts of ``rate_burst``, by default the rate rounded up), as MTurk did; a test
    injects failures of its own with ``server.faults``.

    ``requesters="per-key"`` keeps requesters apart: each access key is a requester of its own,
    with its own HITs, qualification types, blocks, balance and notification settings, while
    workers are shared; ``server.requester(name)`` gives one requester's client and records.
    By default (``"one"``) every caller is the same requester.
    """
    return InProcessServer(
        fixtures,
        port=port,
        host=host,
        clock=clock,
        start_time=start_time,
        frozen_clock=frozen_clock,
        token_secret=token_secret,
        handlers=handlers,
        start_timeout=start_timeout,
        balance=balance,
        pinned_balance=pinned_balance,
        strict_https=strict_https,
        routes=Routes(aws_endpoint, dict(sns_http or {})),
        control_token=control_token,
        verify_signatures=verify_signatures,
        access_keys=access_keys,
        rate_limit=rate_limit,
        rate_burst=rate_burst,
        requesters=requesters,
    )


def boto3_client(endpoint_url: str, **settings: Any) -> Any:
    """A boto3 MTurk client for a mock endpoint: dummy credentials, us-east-1, no retries."""
    import boto3
    from botocore.config import Config

    # total_max_attempts counts the first try; max_attempts would count retries only.
    one_attempt = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    given = settings.pop("config", None)
    options: dict[str, Any] = {
        "region_name": "us-east-1",
        "aws_access_key_id": "mock",
        "aws_secret_access_key": "mock",
        "config": one_attempt.merge(given) if given is not None else one_attempt,
        **settings,
    }
    return boto3.client("mturk", endpoint_url=endpoint_url, **options)


def named_documents(fixtures: Fixtures | None, base: Path | None = None) -> list[NamedDocument]:
    """Fixture documents with the names their problems are reported under.

    Relative paths are taken from ``base`` when given. Raises FixtureError for unreadable files.
    """
    if fixtures is None:
        fixtures = [default_fixtures_path()]
    items: Sequence[FixtureSource] = (
        [fixtures] if isinstance(fixtures, str | Path | Mapping) else fixtures
    )
    documents: list[NamedDocument] = []
    for index, item in enumerate(items):
        if isinstance(item, Mapping):
            name = "fixtures" if len(items) == 1 else f"fixtures[{index}]"
            documents.append((name, dict(item)))
            continue
        path = Path(item)
        if base is not None and not path.is_absolute():
            path = base / path
        documents.extend((str(file), read_document(file)) for file in fixture_files([path]))
    return documents


class ThreadedServer:
    """Any ASGI app under uvicorn in a daemon thread, on its own event loop and port."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float = 10.0,
        limits: ConnectionLimits | None = None,
    ) -> None:
        self.app = app
        self.limits = limits or ConnectionLimits()
        self.host = host
        self._port = port
        self.timeout = timeout
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._uvicorn: uvicorn.Server | None = None
        self._socket: socket.socket | None = None

    @property
    def port(self) -> int:
        if self._socket is None:
            raise ServerError("the server is not running")
        return int(self._socket.getsockname()[1])

    def start(self) -> ThreadedServer:
        """Serve, once uvicorn reports it has started; ServerError if not within the timeout."""
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        try:
            # As uvicorn does: a port whose last connections are still closing can be reused.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self._port))
        except OSError as error:
            sock.close()
            raise ServerError(f"cannot listen on {self.host}:{self._port}: {error}") from error
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            server_header=False,
            lifespan="auto",
            **self.limits.uvicorn_settings(),
        )
        server = _Uvicorn(config)
        loop = (config.get_loop_factory() or asyncio.new_event_loop)()
        crashed: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(server.serve(sockets=[sock]))
            except BaseException as error:
                crashed.append(error)
            finally:
                server.start_ended.set()  # if it ended before its start-up did
                loop.close()

        thread = threading.Thread(target=run, name="mockturk-server", daemon=True)
        self._thread, self.loop, self._uvicorn, self._socket = thread, loop, server, sock
        thread.start()
        ended = server.start_ended.wait(self.timeout)
        if not server.started:
            self.stop()
            cause = crashed[0] if crashed else None
            reason = "it stopped" if ended else "the deadline passed"
            raise ServerError(
                f"mockturk did not start within {self.timeout:g} s ({reason})"
            ) from cause
        return self

    def stop(self) -> None:
        """Stop serving and release the port; idempotent."""
        thread, server, sock = self._thread, self._uvicorn, self._socket
        self._thread = self._uvicorn = self._socket = self.loop = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(self.timeout)
            if thread.is_alive():
                raise ServerError("mockturk did not stop within its deadline")
        if sock is not None:
            sock.close()


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, telling the thread that started it when its start-up is over."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.start_ended = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.start_ended.set()


class InProcessServer:
    """The real app under uvicorn in a daemon thread, on its own loopback port.

    Made by :func:`serve`, which documents the arguments.
    """

    def __init__(
        self,
        fixtures: Fixtures | Dataset | None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Clock | None = None,
        start_time: datetime | None = None,
        frozen_clock: bool = False,
        token_secret: bytes | None = None,
        handlers: Mapping[str, Handler] = HANDLERS,
        start_timeout: float = 10.0,
        balance: Decimal | str = DEFAULT_BALANCE,
        pinned_balance: bool = False,
        strict_https: bool = False,
        routes: Routes | None = None,
        control_token: str | None = None,
        verify_signatures: bool = False,
        access_keys: Mapping[str, str] | None = None,
        rate_limit: float | None = None,
        rate_burst: int | None = None,
        requesters: str = ONE,
    ) -> None:
        if requesters not in MODES:
            raise ValueError(f"requesters: {requesters!r} is not one of {', '.join(MODES)}")
        if clock is not None and (start_time is not None or frozen_clock):
            raise ValueError("give the server a clock, or a start_time and frozen_clock; not both")
        self._balance = parse_amount(str(balance))
        self._clock = clock or ControllableClock(start_time, frozen=frozen_clock)
        # Checked now, so bad fixtures fail in the caller before a thread exists.
        self._dataset = (
            fixtures
            if isinstance(fixtures, Dataset)
            else build_dataset(named_documents(fixtures), self._clock.now())
        )
        self._host = host
        self._port = port
        self._token_secret = token_secret
        self._handlers = handlers
        self._start_timeout = start_timeout
        self._pinned_balance = pinned_balance
        self._strict_https = strict_https
        self._routes = routes
        self._control_token = control_token
        self._signatures = verify_signatures
        self._access_keys = sigv4.access_keys(access_keys or {})
        self._rate = (rate_limit, rate_burst)
        self._requesters = requesters
        self._injected: Faults | None = None
        # Faults are recorded on the server's thread and taken on the caller's.
        self._faults: list[BaseException] = []
        self._faults_lock = threading.Lock()
        self._thread: ThreadedServer | None = None
        self._account: Account | None = None
        self._all: Requesters | None = None
        self._deliverer: Deliverer | None = None

    # --- Lifecycle -------------------------------------------------------------------------------

    def start(self) -> InProcessServer:
        if self._thread is not None:
            raise ServerError("the server is already running")
        app = create_app(
            self._dataset,
            clock=self._clock,
            token_secret=self._token_secret,
            handlers=self._handlers,
            on_fault=self._record_fault,
            balance=self._balance,
            pinned_balance=self._pinned_balance,
            strict_https=self._strict_https,
            routes=self._routes,
            trust=TrustSettings(
                bound_host=self._host,
                control_token=self._control_token,
                verify_signatures=self._signatures,
                access_keys=self._access_keys,
                rate_limit=self._rate[0],
                rate_burst=self._rate[1],
                requesters=self._requesters,
            ),
        )
        self._account = app.state.account
        self._all = app.state.requesters
        self._deliverer = app.state.deliverer
        self._injected = app.state.faults
        self._thread = ThreadedServer(app, self._host, self._port, self._start_timeout).start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; idempotent."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.stop()

    def __enter__(self) -> InProcessServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        if exc is None:
            self.check()

    # --- What tests use --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._thread is None:
            raise ServerError("the server is not running")
        return self._thread.port

    @property
    def endpoint_url(self) -> str:
        return cli.endpoint_url(self._host, self.port)

    def client(self, **settings: Any) -> Any:
        """A boto3 MTurk client bound to this server (``settings`` go to ``boto3.client``)."""
        return boto3_client(self.endpoint_url, **settings)

    def on_loop(self, fn: Callable[[Account], T]) -> T:
        """Run ``fn(account)`` on the server's event loop; return its result or raise its error.

        This is how a test looks at or changes the server's state directly, beyond what
        :meth:`load`, :meth:`reset` and :meth:`state` offer. ``fn`` runs on the thread that
        serves requests, and requests change the state without yielding that thread, so
        ``fn`` never meets a request, or anything the server does in the background, half-way
        through a change. Never touch the state from the test's own thread.

        ``fn`` receives the server's :class:`~mockturk.account.Account`: its ``store`` (the
        records and their indexes), its ``clock``, and ``reset``, ``load`` and ``state``.
        Requests wait while it runs, so it must not block; what it returns should be plain
        data or the store's records (immutable), not live parts of the store. Raises
        ServerError if the server is not running, or if ``fn`` has not run and returned within
        the start timeout.

            server.on_loop(lambda account: account.store.counts())   # {"HITs": 2, ...}
        """
        loop = self._thread.loop if self._thread is not None else None
        account = self._account
        if loop is None or account is None:
            raise ServerError("the server is not running")
        if _running_loop() is loop:
            return fn(account)  # called from the loop itself: waiting for it would deadlock
        done: Future[T] = Future()

        def run() -> None:
            try:
                done.set_result(fn(account))
            except BaseException as error:
                done.set_exception(error)

        loop.call_soon_threadsafe(run)
        try:
            return done.result(self._start_timeout)
        except TimeoutError:
            raise ServerError(
                f"the server's event loop did not run the call within {self._start_timeout:g} s"
            ) from None

    @property
    def clock(self) -> InProcessClock:
        """The server's clock: read and moved on the server's event loop."""
        return InProcessClock(self, self._clock)

    def reset(self, *, empty: bool = False) -> None:
        """Back to the fixtures the server started with (or to no records), and its clock to
        where it started: for every requester."""
        requesters = self._all
        if requesters is None:
            raise ServerError("the server is not running")
        self.on_loop(
            lambda _: start_over(requesters, self._clock, empty=empty, faults=self._injected)
        )

    def load(self, fixtures: Fixtures, *, replace: bool = False, base: Path | None = None) -> None:
        """Add fixture records (paths or dicts); all or nothing. See :meth:`Account.load`.

        ``replace`` makes them the whole state; relative paths are taken from ``base``.
        """
        documents = named_documents(fixtures, base)
        self.on_loop(lambda account: account.load(documents, replace=replace))

    def state(self) -> dict[str, list[dict[str, Any]]]:
        """Every record, in the fixture format."""
        return self.on_loop(lambda account: account.state())

    def notifications(self) -> list[dict[str, Any]]:
        """The outbox: every notification message sent, oldest first, with its delivery status."""
        return self.on_loop(lambda account: account.notifications())

    def deliveries(self, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The outbox once no message is pending delivery any more (each delivered, kept or
        failed for good); ServerError if some still are after ``timeout`` seconds."""
        deliverer = self._deliverer
        if deliverer is None:
            raise ServerError("the server is not running")
        deadline = time.monotonic() + timeout
        while True:
            with deliverer.passed:
                seen = deliverer.passes
            sent = self.notifications()
            if not any(n["Status"] == "Pending" for n in sent):
                return sent
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServerError(f"notifications still pending after {timeout:g} s")
            with deliverer.passed:
                if deliverer.passes == seen:  # no pass since the outbox was read
                    deliverer.passed.wait(remaining)

    @property
    def faults(self) -> InjectedFaults:
        """Failures to inject into the next calls (see :class:`InjectedFaults`)."""
        return InjectedFaults(self.endpoint_url, self._start_timeout, self._control_token)

    def worker(self, worker_id: str) -> Worker:
        """A simulated worker (see :class:`Worker`), working through this server's HTTP API."""
        return Worker(self.endpoint_url, worker_id, self._start_timeout, self._control_token)

    def requester(self, name: str, secret: str | None = None) -> Requester:
        """One requester of a server keeping them apart (see :class:`Requester`). Its client
        signs with the configured key whose ID (or credentials section) is ``name``, else with
        ``name`` as the key ID and ``secret`` (by default ``mock``)."""
        for key in self._access_keys:
            if name in (key.access_key_id, key.requester):
                key_pair = (key.access_key_id, key.secret_access_key)
                return Requester(self._control(), name, key_pair)
        return Requester(self._control(), name, (name, secret or DEFAULT_SECRET))

    def _control(self) -> Control:
        return Control(self.endpoint_url, self._start_timeout, self._control_token)

    def take_faults(self) -> list[BaseException]:
        """The internal faults since the last call (each already answered with a 500).

        A test that provokes faults on purpose takes them, and asserts on them, so that
        :meth:`check` and leaving the ``with`` block do not raise them.
        """
        with self._faults_lock:
            faults, self._faults = self._faults, []
        return faults

    def check(self) -> None:
        """Raise ServerError if a request ended in an internal fault since the last check."""
        raise_faults(self.take_faults())

    def _record_fault(self, error: BaseException) -> None:
        with self._faults_lock:
            self._faults.append(error)


class InProcessClock:
    """``server.clock`` of an in-process server: each call runs on the server's event loop,
    between requests, and raises what the clock raises (ClockChangeError for a move it refuses).
    """

    def __init__(self, server: InProcessServer, clock: Clock) -> None:
        self._server = server
        self._clock = clock

    @property
    def frozen(self) -> bool:
        clock = self._clock
        return isinstance(clock, ControllableClock) and self._server.on_loop(lambda _: clock.frozen)

    def now(self) -> datetime:
        return self._server.on_loop(lambda _: self._clock.now())

    def advance(self, seconds: float) -> datetime:
        return self._moved(lambda clock: clock.advance(seconds))

    def set(self, instant: datetime) -> datetime:
        return self._moved(lambda clock: clock.set(instant))

    def freeze(self) -> None:
        self._moved(lambda clock: clock.freeze())

    def unfreeze(self) -> None:
        self._moved(lambda clock: clock.unfreeze())

    def _moved(self, move: Callable[[ControllableClock], T]) -> T:
        clock = self._clock
        if not isinstance(clock, ControllableClock):
            raise ServerError(unmovable(clock))
        return self._server.on_loop(lambda _: move(clock))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def raise_faults(faults: Iterable[BaseException]) -> None:
    faults = list(faults)
    if faults:
        count = len(faults)
        raise ServerError(
            f"{count} request{'s' if count != 1 else ''} to mockturk ended in an internal fault"
            f" (answered with HTTP 500); the first: {type(faults[0]).__name__}: {faults[0]}"
        ) from faults[0]


class RemoteServer:
    """A mockturk server already running elsewhere, driven through its control API.

    ``control_token``: the server's, if it was given one; by default MOCKTURK_CONTROL_TOKEN.
    """

    def __init__(
        self, endpoint_url: str, timeout: float = 30.0, control_token: str | None = None
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self._timeout = timeout
        self._control_token = control_token or os.environ.get(CONTROL_TOKEN_VARIABLE) or None

    def client(self, **settings: Any) -> Any:
        return boto3_client(self.endpoint_url, **settings)

    def health(self) -> dict[str, Any]:
        return self._request("GET", "health")

    def reset(self, *, empty: bool = False) -> None:
        self._control().reset(empty=empty)

    def load(self, fixtures: Fixtures, *, replace: bool = False, base: Path | None = None) -> None:
        self._control().load(fixtures, replace=replace, base=base)

    def state(self) -> dict[str, list[dict[str, Any]]]:
        return self._control().state()

    def notifications(self) -> list[dict[str, Any]]:
        return self._control().notifications()

    def requester(self, name: str, secret: str | None = None) -> Requester:
        """One requester of a server keeping them apart (see :class:`Requester`); its client
        signs with ``name`` as the access key ID and ``secret`` (by default ``mock``)."""
        return Requester(self._control(), name, (name, secret or DEFAULT_SECRET))

    def _control(self) -> Control:
        return Control(self.endpoint_url, self._timeout, self._control_token)

    def take_faults(self) -> list[BaseException]:
        return []  # a remote server's faults reach its clients as 500s, and its own log

    @property
    def clock(self) -> RemoteClock:
        """The server's clock, through ``/_mockturk/clock``."""
        return RemoteClock(self._clock_request)

    def _clock_request(self, change: dict[str, Any] | None) -> dict[str, Any]:
        if change is None:
            return self._request("GET", "clock")
        return self._request("POST", "clock", body=change)

    def _request(
        self, method: str, name: str, query: dict[str, str] | None = None, body: Any = None
    ) -> dict[str, Any]:
        return control_request(
            self.endpoint_url, method, name, query, body, self._timeout, self._control_token
        )

    def worker(self, worker_id: str) -> Worker:
        """A simulated worker (see :class:`Worker`)."""
        return Worker(self.endpoint_url, worker_id, self._timeout, self._control_token)

    @property
    def faults(self) -> InjectedFaults:
        """Failures to inject into the next calls (see :class:`InjectedFaults`)."""
        return InjectedFaults(self.endpoint_url, self._timeout, self._control_token)


class Control:
    """A server's records through its control API: for the first requester, or for every
    requester (a reset), or for the one named."""

    def __init__(
        self,
        endpoint_url: str,
        timeout: float,
        control_token: str | None,
        requester: str | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self._timeout = timeout
        self._control_token = control_token
        self._requester = requester

    def of(self, requester: str) -> Control:
        return Control(self.endpoint_url, self._timeout, self._control_token, requester)

    def reset(self, *, empty: bool = False) -> None:
        self.request("POST", "reset", {"to": "empty" if empty else "fixtures"})

    def load(self, fixtures: Fixtures, *, replace: bool = False, base: Path | None = None) -> None:
        documents = [
            {"source": name, "content": _as_json(name, doc)}
            for name, doc in named_documents(fixtures, base)
        ]
        self.request(
            "POST", "fixtures", {"replace": str(replace).lower()}, {"documents": documents}
        )

    def state(self) -> dict[str, list[dict[str, Any]]]:
        return self.request("GET", "state")

    def notifications(self) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = self.request("GET", "notifications")["Notifications"]
        return sent

    def request(
        self, method: str, name: str, query: dict[str, str] | None = None, body: Any = None
    ) -> dict[str, Any]:
        query = dict(query or {})
        if self._requester is not None:
            query["requester"] = self._requester
        return control_request(
            self.endpoint_url, method, name, query, body, self._timeout, self._control_token
        )


class Requester:
    """``server.requester(name)``: one requester of a server that keeps requesters apart
    (``requesters="per-key"``), with a client of its own and its records alone.

        alice, bob = server.requester("alice"), server.requester("bob")
        hit_id = alice.client().create_hit(...)["HIT"]["HITId"]
        bob.client().get_hit(HITId=hit_id)       # RequestError: ... does not exist
        alice.state()["HITs"]                    # alice's HITs only
        bob.load({"HITs": [...]})                # into bob's account
        bob.reset(empty=True)                    # bob's records only; the clock stays

    A requester is made when first named, empty, with the server's starting balance. Through
    the control API (``?requester=NAME``); a refusal raises ControlError.
    """

    def __init__(self, control: Control, name: str, key: tuple[str, str]) -> None:
        self.name = name
        self.access_key = key
        self._control = control.of(name)

    def client(self, **settings: Any) -> Any:
        """A boto3 MTurk client signing as this requester (``settings`` go to ``boto3.client``)."""
        key_id, secret = self.access_key
        options = {"aws_access_key_id": key_id, "aws_secret_access_key": secret, **settings}
        return boto3_client(self._control.endpoint_url, **options)

    def reset(self, *, empty: bool = False) -> None:
        """This requester's records back to its start (the first requester's: the start-up
        fixtures; any other's: none), or to none."""
        self._control.reset(empty=empty)

    def load(self, fixtures: Fixtures, *, replace: bool = False, base: Path | None = None) -> None:
        self._control.load(fixtures, replace=replace, base=base)

    def state(self) -> dict[str, list[dict[str, Any]]]:
        return self._control.state()

    def notifications(self) -> list[dict[str, Any]]:
        return self._control.notifications()


class InjectedFaults:
    """``server.faults``: make calls fail as the real service failed, to test a client's retries.

        server.faults.inject("ListHITs", "Throttling", count=2)   # the next two calls
        server.faults.inject("*", "ServiceUnavailable", fraction=0.1, seed=7)
        server.faults.inject("GetHIT", "Slow", count=1, seconds=2.0)
        server.faults.clear()                                       # a reset clears them too

    Through the control API (``/_mockturk/faults``); a refused fault raises ControlError.
    """

    def __init__(self, endpoint_url: str, timeout: float, control_token: str | None) -> None:
        self._endpoint_url = endpoint_url
        self._timeout = timeout
        self._control_token = control_token

    def inject(
        self,
        operation: str,
        fault: str = "Throttling",
        *,
        count: int | None = None,
        fraction: float | None = None,
        seed: int = 0,
        seconds: float | None = None,
    ) -> list[dict[str, Any]]:
        """Add a fault; returns every fault still to fire."""
        spec: dict[str, Any] = {"operation": operation, "fault": fault, "seed": seed}
        if count is not None:
            spec["count"] = count
        if fraction is not None:
            spec["fraction"] = fraction
        if seconds is not None:
            spec["seconds"] = seconds
        return self._request("POST", spec)

    def pending(self) -> list[dict[str, Any]]:
        """Every fault still to fire."""
        return self._request("GET")

    def clear(self) -> None:
        self._request("DELETE")

    def _request(self, method: str, body: Any = None) -> list[dict[str, Any]]:
        answer = control_request(
            self._endpoint_url, method, "faults", None, body, self._timeout, self._control_token
        )
        faults: list[dict[str, Any]] = answer["faults"]
        return faults


class ControlError(ServerError):
    """The control API refused a request: its HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str, request: str = "") -> None:
        super().__init__(f"{request}: HTTP {status}: {message}" if request else message)
        self.status = status
        self.code = code
        self.message = message


def control_request(
    endpoint_url: str,
    method: str,
    name: str,
    query: dict[str, str] | None = None,
    body: Any = None,
    timeout: float = 30.0,
    control_token: str | None = None,
) -> dict[str, Any]:
    """One request to a server's control API; its JSON answer, or ControlError."""
    url = f"{endpoint_url}/_mockturk/{name}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = orjson.dumps(body) if body is not None else None
    headers = {"Content-Type": "application/json"}
    if control_token:
        headers["Authorization"] = f"Bearer {control_token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            document = orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            answer = orjson.loads(payload)
        except orjson.JSONDecodeError:
            answer = None
        if not isinstance(answer, dict):
            answer = {}
        message = answer.get("message") or payload.decode(errors="replace")
        if answer.get("error") == "InvalidFixtures":
            raise FixtureError(message, answer.get("problems")) from None
        if answer.get("error") == "InvalidClockChange":
            raise ClockChangeError(message) from None
        code = str(answer.get("error") or "HTTPError")
        raise ControlError(error.code, code, message, f"{method} {url}") from None
    except urllib.error.URLError as error:
        raise ServerError(f"mockturk at {endpoint_url} cannot be reached: {error}") from None
    if not isinstance(document, dict):
        raise ServerError(f"{method} {url}: the answer is not a JSON object: {document!r:.200}")
    return document


class Worker:
    """A simulated worker: accepts HITs and does them, as a person on the worker site would.

        work = server.worker("A1EXAMPLEWORKER").accept(hit_id)
        work.submit({"answer": "yes"})          # or work.return_()

    Errors (the HIT cannot be accepted, the work was already submitted...) raise
    :class:`ControlError` with the control API's code and message.
    """

    def __init__(
        self,
        endpoint_url: str,
        worker_id: str,
        timeout: float = 30.0,
        control_token: str | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.worker_id = worker_id
        self._timeout = timeout
        self._control_token = control_token

    def accept(self, hit_id: str) -> Work:
        answer = self._post(f"workers/{_path(self.worker_id)}/accept", {"HITId": hit_id})
        return Work(self, answer)

    def _post(self, name: str, body: Any = None) -> dict[str, Any]:
        return control_request(
            self.endpoint_url, "POST", name, None, body, self._timeout, self._control_token
        )

    # --- Profile, qualification requests, inbox ---------------------------------------------

    def profile(self, **changes: Any) -> dict[str, Any]:
        """The worker's profile after ``changes`` (Country, Subdivision, Masters, Adult, and the
        Approved and Rejected work done for others), with the approval figures derived from it.
        """
        name = f"workers/{_path(self.worker_id)}/profile"
        if changes:
            return self._post(name, changes)
        return control_request(self.endpoint_url, "GET", name, None, None, self._timeout)

    def request_qualification(
        self,
        type_id: str,
        answers: Mapping[str, str] | None = None,
        *,
        answer: str | None = None,
    ) -> dict[str, Any]:
        """Ask for a qualification (a Test answered with ``answers``, field -> text, or a whole
        QuestionFormAnswers ``answer``). The request comes back with its ``Status``: Accepted
        when granted at once, Pending when the requester decides."""
        body: dict[str, Any] = {"QualificationTypeId": type_id}
        if answer is not None:
            body["Answer"] = answer
        elif answers is not None:
            body["answers"] = dict(answers)
        return self._post(f"workers/{_path(self.worker_id)}/qualification-requests", body)

    def inbox(self) -> list[dict[str, Any]]:
        """The messages sent to the worker (NotifyWorkers, qualification news), oldest first."""
        name = f"workers/{_path(self.worker_id)}/inbox"
        answer = control_request(self.endpoint_url, "GET", name, None, None, self._timeout)
        messages: list[dict[str, Any]] = answer["Messages"]
        return messages


class Work:
    """An accepted assignment, in progress until submitted, returned or past its Deadline."""

    def __init__(self, worker: Worker, accepted: dict[str, Any]) -> None:
        self._worker = worker
        self.assignment_id: str = accepted["AssignmentId"]
        self.hit_id: str = accepted["HITId"]
        self.worker_id: str = accepted["WorkerId"]
        self.accept_time = _instant(accepted["AcceptTime"])
        self.deadline = _instant(accepted["Deadline"])

    def submit(
        self, answers: Mapping[str, str] | None = None, *, answer: str | None = None
    ) -> dict[str, Any]:
        """Hand the work in: ``answers`` (field -> text, each one FreeText answer, as a task
        page's form gives them) or a whole QuestionFormAnswers document as ``answer``. Returns
        the assignment as the server now holds it (timestamps as ISO 8601)."""
        body = {"Answer": answer} if answer is not None else {"answers": dict(answers or {})}
        return self._worker._post(f"assignments/{_path(self.assignment_id)}/submit", body)

    def return_(self) -> dict[str, Any]:
        """Give the assignment back; its slot is offered again unless the HIT has expired."""
        return self._worker._post(f"assignments/{_path(self.assignment_id)}/return")


def _path(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


class RemoteClock:
    """``server.clock`` of a remote server: each call is a request to ``/_mockturk/clock``,
    raising ClockChangeError for a move the server refuses, as the in-process clock does."""

    def __init__(self, request: Callable[[dict[str, Any] | None], dict[str, Any]]) -> None:
        self._request = request

    @property
    def frozen(self) -> bool:
        return bool(self._request(None)["frozen"])

    def now(self) -> datetime:
        return _now(self._request(None))

    def advance(self, seconds: float) -> datetime:
        # Checked here too: JSON cannot carry NaN or infinity to be refused there.
        return _now(self._request({"advance": checked_seconds(seconds)}))

    def set(self, instant: datetime) -> datetime:
        if not isinstance(instant, datetime):
            checked_instant(instant)  # the TypeError the in-process clock raises
        # As given, offset or none: the server says what is wrong with it.
        return _now(self._request({"set": instant.isoformat()}))

    def freeze(self) -> None:
        self._request({"frozen": True})

    def unfreeze(self) -> None:
        self._request({"frozen": False})


def _now(answer: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(answer["now"])


def _as_json(name: str, document: Any) -> orjson.Fragment:
    """A fixture document encoded for the control API; FixtureError if JSON cannot carry it."""
    try:
        return orjson.Fragment(orjson.dumps(document))
    except orjson.JSONEncodeError as error:  # an integer past 64 bits, a set, deep nesting...
        raise FixtureError(f"{name}: cannot be sent as JSON ({error}).") from None


__all__ = [
    "ClockChangeError",
    "ControlError",
    "FixtureError",
    "InProcessClock",
    "InProcessServer",
    "InjectedFaults",
    "MockTurk",
    "RemoteClock",
    "RemoteServer",
    "ServerError",
    "Work",
    "Worker",
    "boto3_client",
    "serve",
]
