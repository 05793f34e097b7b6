from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support import BUNDLED_CLOCK, LAB_START, WireChecker, checked

from mockturk.fixtures import Dataset, default_fixtures_path, load_fixture_paths
from mockturk.testing import InProcessServer, serve


@pytest.fixture(scope="session")
def default_dataset() -> Dataset:
    return load_fixture_paths([default_fixtures_path()], BUNDLED_CLOCK["start_time"])


@pytest.fixture(scope="session")
def server(default_dataset: Dataset) -> Iterator[InProcessServer]:
    """One server over the bundled data set, shared by tests that only read."""
    with serve(default_dataset, **BUNDLED_CLOCK) as running_server:
        yield running_server


@pytest.fixture(autouse=True)
def faults_fail_their_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """An internal fault in any server a test used fails that test, not a later teardown.

    A test that provokes faults on purpose takes them (``take_faults()``) and asserts on them.
    """
    yield
    for value in request.node.funcargs.values():
        if isinstance(value, InProcessServer):
            value.check()


@pytest.fixture
def wire() -> WireChecker:
    return WireChecker()


@pytest.fixture
def mturk(server: InProcessServer, wire: WireChecker) -> Any:
    return checked(server.client(), wire)


@pytest.fixture(scope="module")
def lab_server() -> Iterator[InProcessServer]:
    """A module's server on a frozen clock at LAB_START, for tests that move time; the
    modules' ``lab`` fixtures reset it (records and clock) before each test."""
    with serve([], start_time=LAB_START, frozen_clock=True) as running_server:
        yield running_server


@pytest.fixture(scope="module")
def scratch_server() -> Iterator[InProcessServer]:
    """A server whose records a test module may reload and change freely."""
    with serve([]) as running_server:
        yield running_server


@pytest.fixture
def scratch(scratch_server: InProcessServer, wire: WireChecker) -> tuple[InProcessServer, Any]:
    """The module's scratch server, emptied, and a checked client for it."""
    scratch_server.reset(empty=True)
    return scratch_server, checked(scratch_server.client(), wire)
