from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from support import RunningServer, WireChecker, client, running

from mockturk.app import create_app
from mockturk.fixtures import Dataset, default_fixtures_path, load_fixture_paths


@pytest.fixture(scope="session")
def default_dataset() -> Dataset:
    return load_fixture_paths([default_fixtures_path()], datetime.now(UTC))


@pytest.fixture(scope="session")
def server(default_dataset: Dataset) -> Iterator[RunningServer]:
    """One server over the bundled data set, shared by tests that only read."""
    with running(create_app(default_dataset)) as running_server:
        yield running_server


@pytest.fixture
def wire() -> WireChecker:
    return WireChecker()


@pytest.fixture
def mturk(server: RunningServer, wire: WireChecker) -> Any:
    return client(server, wire)


@pytest.fixture(scope="module")
def scratch_server() -> Iterator[RunningServer]:
    """A server whose store a test module may reload and change freely."""
    with running(create_app()) as running_server:
        yield running_server


@pytest.fixture
def scratch(scratch_server: RunningServer, wire: WireChecker) -> tuple[RunningServer, Any]:
    scratch_server.store.clear()
    return scratch_server, client(scratch_server, wire)
