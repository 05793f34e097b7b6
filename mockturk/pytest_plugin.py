"""The pytest plugin: installed with mockturk (entry point ``pytest11``), nothing to set up.

Fixtures:

- ``mockturk_server``: the session's server (one per xdist worker), reset before each test to
  the session's fixtures, or seeded with the test's own (see ``mockturk_fixtures``), with its
  clock back where it started (a test moves it with ``mockturk_server.clock``).
- ``mturk_client``: a boto3 MTurk client pointed at it.
- ``mockturk_fixtures``: the test's own fixtures, from ``@pytest.mark.mockturk_fixtures(...)``
  or indirect parametrization; ``None`` for the session's.

Configuration (ini options): ``mockturk_fixtures`` (paths) sets the session's fixtures (the
bundled data set by default); ``mockturk_start_time`` (ISO 8601 with an offset) starts the
clock there, and ``mockturk_frozen_clock = true`` keeps it still until a test moves it;
``mockturk_balance`` (e.g. ``250.00``) is the account's starting balance, and
``mockturk_pinned_balance = true`` keeps it there, as the real sandbox did;
``mockturk_requesters = per-key`` makes each access key a requester of its own (a test then
takes one with ``mockturk_server.requester(name)``). With
``MOCKTURK_ENDPOINT`` set, no server is started: the tests use that one (one URL per xdist
worker, comma-separated, when running in parallel) and reset it over HTTP; the clock and
balance are then that server's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockturk.testing import Fixtures, MockTurk

MARKER = "mockturk_fixtures"
ENDPOINT_VARIABLE = "MOCKTURK_ENDPOINT"
START_TIME, FROZEN_CLOCK = "mockturk_start_time", "mockturk_frozen_clock"
BALANCE, PINNED_BALANCE = "mockturk_balance", "mockturk_pinned_balance"
REQUESTERS = "mockturk_requesters"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        MARKER,
        type="paths",
        default=[],
        help="mockturk: fixture files or directories every test starts with "
        "(default: the bundled data set)",
    )
    parser.addini(
        START_TIME,
        type="string",
        default="",
        help="mockturk: the clock's start, ISO 8601 with an offset (default: now)",
    )
    parser.addini(
        FROZEN_CLOCK,
        type="bool",
        default=False,
        help="mockturk: the clock stands still until a test moves it",
    )
    parser.addini(
        BALANCE,
        type="string",
        default="",
        help="mockturk: the account's starting balance (default: 10000.00)",
    )
    parser.addini(
        PINNED_BALANCE,
        type="bool",
        default=False,
        help="mockturk: the balance never moves, as the real sandbox's did",
    )
    parser.addini(
        REQUESTERS,
        type="string",
        default="",
        help="mockturk: 'per-key' for a requester of its own per access key (default: 'one')",
    )


def _server_settings(config: pytest.Config) -> dict[str, Any]:
    """``serve()``'s keywords from the ini options; a bad value is a usage error, told once."""
    from mockturk.domain.money import parse_balance
    from mockturk.models import parse_timestamp
    from mockturk.requesters import MODES

    settings: dict[str, Any] = {
        "frozen_clock": bool(config.getini(FROZEN_CLOCK)),
        "pinned_balance": bool(config.getini(PINNED_BALANCE)),
    }
    try:
        if start := str(config.getini(START_TIME)).strip():
            settings["start_time"] = parse_timestamp(start)
        if balance := str(config.getini(BALANCE)).strip():
            settings["balance"] = parse_balance(balance)
        if requesters := str(config.getini(REQUESTERS)).strip():
            if requesters not in MODES:
                raise ValueError(
                    f"{REQUESTERS} = {requesters!r}: expected one of {', '.join(MODES)}"
                )
            settings["requesters"] = requesters
    except ValueError as error:
        raise pytest.UsageError(f"mockturk: bad ini setting: {error}") from None
    return settings


def pytest_configure(config: pytest.Config) -> None:
    _server_settings(config)  # a bad setting stops the run here, before any test
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*fixtures): seed this test's mockturk server with these fixtures (paths "
        "relative to the test file, or fixture-format dicts) instead of the session's.",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse, before any test runs, an external server shared by parallel workers."""
    config = session.config
    if hasattr(config, "workerinput"):
        return  # an xdist worker: its controller has checked
    workers = getattr(config.option, "numprocesses", None)
    if isinstance(workers, int) and workers > 1:
        _check_endpoints(_endpoints(), workers)


class _Session:
    """The session's server and what each test is reset to."""

    def __init__(self, server: MockTurk, initial: Fixtures | None) -> None:
        self.server = server
        self.initial = initial  # None: the server's own start-up fixtures

    def prepare(self, fixtures: Fixtures | None, base: Path) -> None:
        """Start the test over: the server's clock back to its start, then the records."""
        if fixtures is not None:
            self.server.reset(empty=True)
            self.server.load(fixtures, base=base)
        elif self.initial is not None:
            self.server.reset(empty=True)
            self.server.load(self.initial)
        else:
            self.server.reset()


@pytest.fixture(scope="session")
def mockturk_session(pytestconfig: pytest.Config) -> Iterator[_Session]:
    """One server for the session (per xdist worker): started here, or the external one."""
    from mockturk.testing import RemoteServer, serve

    configured = [Path(p) for p in pytestconfig.getini(MARKER)] or None
    endpoint = _external_endpoint()
    if endpoint is not None:
        remote = RemoteServer(endpoint)
        remote.health()  # fail here, clearly, if it cannot be reached
        yield _Session(remote, configured)
        return
    with serve(configured, **_server_settings(pytestconfig)) as server:
        yield _Session(server, None)


@pytest.fixture
def mockturk_fixtures(request: pytest.FixtureRequest) -> Any:
    """The test's own fixtures: an indirect parameter, else the marker's arguments, else None."""
    if hasattr(request, "param"):
        return request.param
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return None
    if len(marker.args) == 1 and isinstance(marker.args[0], list | tuple):
        return list(marker.args[0])
    return list(marker.args)


@pytest.fixture
def mockturk_server(
    mockturk_session: _Session, mockturk_fixtures: Any, request: pytest.FixtureRequest
) -> Iterator[MockTurk]:
    """The server, holding exactly this test's fixtures; internal faults fail the test."""
    from mockturk.testing import raise_faults

    server = mockturk_session.server
    server.take_faults()
    mockturk_session.prepare(mockturk_fixtures, Path(request.path).parent)
    yield server
    raise_faults(server.take_faults())


@pytest.fixture
def mturk_client(mockturk_server: MockTurk) -> Any:
    """A boto3 MTurk client (dummy credentials, us-east-1, no retries) for ``mockturk_server``."""
    return mockturk_server.client()


def _endpoints() -> list[str]:
    value = os.environ.get(ENDPOINT_VARIABLE, "")
    return [part.strip() for part in value.split(",") if part.strip()]


def _check_endpoints(endpoints: list[str], workers: int) -> None:
    if endpoints and workers > 1 and len(endpoints) < workers:
        raise pytest.UsageError(
            f"{ENDPOINT_VARIABLE} names {len(endpoints)} server(s) for {workers} pytest-xdist "
            "workers: tests running at once would share one server's state. Give one URL per "
            "worker, comma-separated, or run without -n."
        )


def _external_endpoint() -> str | None:
    """This process's external server: its worker's entry of MOCKTURK_ENDPOINT, if set."""
    endpoints = _endpoints()
    if not endpoints:
        return None
    _check_endpoints(endpoints, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw")) if worker.startswith("gw") else 0
    return endpoints[index]
