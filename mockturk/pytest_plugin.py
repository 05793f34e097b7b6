"""The pytest plugin: installed with mockturk (entry point ``pytest11``), nothing to set up.

Fixtures:

- ``mockturk_server``: the session's server (one per xdist worker), reset before each test to
  the session's fixtures, or seeded with the test's own (see ``mockturk_fixtures``), with its
  clock back where it started (a test moves it with ``mockturk_server.clock``).
- ``mturk_client``: a boto3 MTurk client pointed at it.
- ``mockturk_fixtures``: the test's own fixtures, from ``@pytest.mark.mockturk_fixtures(...)``
  or indirect parametrization; ``None`` for the session's.

Configuration: the ini option ``mockturk_fixtures`` (paths) sets the session's fixtures (the
bundled data set by default). With ``MOCKTURK_ENDPOINT`` set, no server is started: the tests
use that one (one URL per xdist worker, comma-separated, when running in parallel) and reset it
over HTTP.
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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        MARKER,
        type="paths",
        default=[],
        help="mockturk: fixture files or directories every test starts with "
        "(default: the bundled data set)",
    )


def pytest_configure(config: pytest.Config) -> None:
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
    with serve(configured) as server:
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
