"""mockturk.serve(): the real server in a background thread, and RemoteServer over the control API.

Each test starts what it needs on a loopback port of its own (port 0); servers that only serve
reads are shared by the module.
"""

from __future__ import annotations

import errno
import io
import json
import socket
import sys
import threading
import unittest
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
import uvicorn
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError
from support import assignment_record, hit_record, raw_request

import mockturk
from mockturk.account import Account
from mockturk.clock import FixedClock, epoch_millis
from mockturk.fixtures import FixtureError, build_dataset
from mockturk.state.store import Store
from mockturk.testing import InProcessServer, RemoteServer, ServerError, serve

THREAD_NAME = "mockturk-server"
DEFAULT_COUNTS = {"HITs": 43, "Assignments": 330}
DEFAULT_LISTED = 31  # the bundled data set's HITs that are not Disposed
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})

SMALL = {
    "HITs": [
        hit_record("3SMALLA", MaxAssignments=2, CreationTime="2026-11-01T10:00:00Z"),
        hit_record("3SMALLB", CreationTime="2026-11-01T11:00:00Z"),
    ],
    "Assignments": [assignment_record("3ASMALL1", "3SMALLA", "AWORKERONE")],
}


def server_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()}


def ids(state: dict[str, Any], section: str = "HITs") -> list[str]:
    field = "HITId" if section == "HITs" else "AssignmentId"
    return [record[field] for record in state[section]]


def counts(state: dict[str, Any]) -> dict[str, int]:
    return {"HITs": len(state["HITs"]), "Assignments": len(state["Assignments"])}


def listed(mturk: Any) -> list[str]:
    pages = mturk.get_paginator("list_hits").paginate()
    return [hit["HITId"] for page in pages for hit in page["HITs"]]


def raiser(error: BaseException) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    return fail


def port_is_free(port: int) -> bool:
    """Whether a server could listen on the port now (as any server does, with SO_REUSEADDR)."""
    probe = socket.socket()
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(("127.0.0.1", port))
        probe.listen()
    except OSError:
        return False
    finally:
        probe.close()
    return True


@contextmanager
def reserved_port() -> Iterator[int]:
    """A loopback port that no other process can take while it is held, yet a server can use.

    A port found free and closed again may be taken by anyone before the server binds it. Held
    bound with SO_REUSEADDR but never listening, Linux lets only another SO_REUSEADDR socket
    (as every mockturk server's is) listen on it, and connections still find nobody there.
    """
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        if not sys.platform.startswith("linux"):
            holder.close()  # elsewhere the held port would keep the server out
        yield port
    finally:
        holder.close()


@pytest.fixture(scope="module")
def default_server() -> Iterator[InProcessServer]:
    with mockturk.serve() as server:
        yield server


@pytest.fixture(scope="module")
def small_module_server() -> Iterator[InProcessServer]:
    with serve(SMALL) as server:
        yield server


@pytest.fixture
def small_server(small_module_server: InProcessServer) -> InProcessServer:
    """The module's small server, back at its fixtures (faults a test leaves fail that test)."""
    small_module_server.reset()
    return small_module_server


@pytest.fixture
def fixture_dir(tmp_path: Path) -> Path:
    """A directory of fixture files: HITs in YAML, their assignment in JSON."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a_hits.yaml").write_text(
        yaml.safe_dump({"HITs": [hit_record("3DIRHIT", MaxAssignments=2)]})
    )
    (folder / "b_assignments.json").write_text(
        json.dumps({"Assignments": [assignment_record("3ADIR", "3DIRHIT", "AWORKERONE")]})
    )
    (folder / "notes.txt").write_text("not a fixture")
    return folder


# --- serve() and its fixtures -------------------------------------------------------------------


def test_serve_without_fixtures_serves_the_bundled_data_set(default_server):
    assert mockturk.serve is serve
    assert counts(default_server.state()) == DEFAULT_COUNTS
    mturk = default_server.client()
    assert len(listed(mturk)) == DEFAULT_LISTED
    assert mturk.meta.endpoint_url == default_server.endpoint_url
    assert default_server.endpoint_url == f"http://127.0.0.1:{default_server.port}"


def test_serve_takes_a_dict(small_server):
    state = small_server.state()
    assert ids(state) == ["3SMALLA", "3SMALLB"]
    assert ids(state, "Assignments") == ["3ASMALL1"]
    mturk = small_server.client()
    assert listed(mturk) == ["3SMALLB", "3SMALLA"]
    assert mturk.get_assignment(AssignmentId="3ASMALL1")["HIT"]["HITId"] == "3SMALLA"


def test_serve_takes_a_file_path(tmp_path):
    file = tmp_path / "one.json"
    file.write_text(json.dumps(SMALL))
    with serve(file) as server:
        assert ids(server.state()) == ["3SMALLA", "3SMALLB"]
    with serve(str(file)) as server:
        assert listed(server.client()) == ["3SMALLB", "3SMALLA"]


def test_serve_takes_a_directory(fixture_dir):
    with serve(fixture_dir) as server:
        state = server.state()
        mturk = server.client()
        assert ids(state) == ["3DIRHIT"]
        assert ids(state, "Assignments") == ["3ADIR"]
        assert mturk.get_assignment(AssignmentId="3ADIR")["HIT"]["HITId"] == "3DIRHIT"


def test_serve_takes_a_list_mixing_paths_and_dicts(tmp_path, fixture_dir):
    file = tmp_path / "more.yaml"
    file.write_text(yaml.safe_dump({"HITs": [hit_record("3FILEHIT")]}))
    mixed = [fixture_dir, {"HITs": [hit_record("3DICTHIT")]}, str(file)]
    with serve(mixed) as server:
        assert ids(server.state()) == ["3DIRHIT", "3DICTHIT", "3FILEHIT"]
        assert len(listed(server.client())) == 3


def test_serve_takes_relative_paths_from_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "rel.json").write_text(json.dumps(SMALL))
    monkeypatch.chdir(tmp_path)
    with serve("rel.json") as server:
        assert counts(server.state()) == {"HITs": 2, "Assignments": 1}


def test_serve_with_an_empty_list_starts_empty():
    with serve([]) as server:
        assert server.state() == {"HITs": [], "Assignments": []}
        assert server.client().list_hits()["HITs"] == []
        server.load(SMALL)
        server.reset()
        assert server.state() == {"HITs": [], "Assignments": []}


@pytest.mark.parametrize(
    ("fixtures", "expected"),
    [
        (
            {"HITs": [hit_record("3BAD", Reward="1.234")]},
            "fixtures: HITs[0] (HITId 3BAD), field 'Reward': Member must satisfy regular"
            " expression pattern",
        ),
        (
            [SMALL, {"HITs": [hit_record("3BAD", MaxAssignments="3")]}],
            "fixtures[1]: HITs[0] (HITId 3BAD), field 'MaxAssignments': ",
        ),
        (
            {"Assignments": [assignment_record("3A", "3NOHIT", "AW")]},
            "fixtures: Assignments[0] (AssignmentId 3A), field 'HITId': no HIT 3NOHIT",
        ),
        ({"Requesters": []}, "fixtures: unknown top-level key 'Requesters'"),
    ],
)
def test_bad_fixtures_raise_from_serve_itself(fixtures, expected):
    before = server_threads()
    with pytest.raises(FixtureError) as caught:
        serve(fixtures)
    assert expected in str(caught.value)
    assert any(expected in problem for problem in caught.value.problems)
    assert server_threads() == before


def test_a_bad_fixture_file_is_named_with_its_path(tmp_path):
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump({"HITs": [hit_record("3BAD", HITStatus="Finished")]}))
    with pytest.raises(FixtureError) as caught:
        serve([SMALL, file])
    assert f"{file}: HITs[0] (HITId 3BAD), field 'HITStatus': " in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.json", None, "no such file or directory"),
        ("broken.yaml", "HITs: [", "not valid YAML"),
        ("broken.json", "{", "not valid JSON"),
        ("notes.txt", "HITs: []", "not a fixture file"),
        ("emptydir", "", "holds no .json, .yaml or .yml files"),
    ],
)
def test_unreadable_fixtures_raise_from_serve(tmp_path, name, content, expected):
    path = tmp_path / name
    if name == "emptydir":
        path.mkdir()
    elif content is not None:
        path.write_text(content)
    with pytest.raises(FixtureError) as caught:
        serve(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


# --- Lifecycle ----------------------------------------------------------------------------------


def test_the_server_runs_in_a_daemon_thread_only_while_entered():
    before = server_threads()
    with reserved_port() as port:
        with serve(SMALL, port=port) as server:
            started = server_threads() - before
            assert len(started) == 1
            (thread,) = started
            assert thread.daemon
            mturk = server.client()
            assert listed(mturk) == ["3SMALLB", "3SMALLA"]
            mturk.close()  # else the server closes it first and its end lingers (FIN-WAIT-2)
        assert not thread.is_alive()
        assert server_threads() == before
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        assert port_is_free(port)


def test_a_stopped_server_refuses_to_be_used_and_stops_idempotently():
    server = serve(SMALL).start()
    server.stop()
    server.stop()
    for use in (
        lambda: server.port,
        lambda: server.endpoint_url,
        server.state,
        server.reset,
        lambda: server.on_loop(lambda account: account.store.counts()),
    ):
        with pytest.raises(ServerError, match="not running"):
            use()
    with pytest.raises(ServerError, match="not running"):
        server.load(SMALL)


def test_start_twice_is_refused_and_a_stopped_server_starts_again():
    server = serve(SMALL).start()
    try:
        with pytest.raises(ServerError, match="already running"):
            server.start()
        server.reset(empty=True)
    finally:
        server.stop()
    with server:
        assert counts(server.state()) == {"HITs": 2, "Assignments": 1}
        assert listed(server.client()) == ["3SMALLB", "3SMALLA"]


def test_serve_listens_on_the_port_asked_for():
    with reserved_port() as port, serve([], port=port) as server:
        assert server.port == port
        assert server.endpoint_url == f"http://127.0.0.1:{port}"
        assert server.client().list_hits()["NumResults"] == 0


def test_a_port_in_use_raises_server_error():
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    before = server_threads()
    try:
        server = serve(SMALL, port=port)
        with pytest.raises(ServerError) as caught:
            server.start()
        assert f"cannot listen on 127.0.0.1:{port}" in str(caught.value)
        assert isinstance(caught.value.__cause__, OSError)
        assert caught.value.__cause__.errno == errno.EADDRINUSE
        with pytest.raises(ServerError), serve([], port=port):
            pass
        assert server_threads() == before
    finally:
        holder.close()


def test_a_server_that_fails_to_start_raises_server_error_at_once(monkeypatch):
    error = OSError("no event loop for you")

    async def failing_startup(self: Any, sockets: Any = None) -> None:
        raise error

    monkeypatch.setattr(uvicorn.Server, "startup", failing_startup)
    before = server_threads()
    server = serve(SMALL, start_timeout=600)  # failing must not mean waiting out the deadline
    with pytest.raises(ServerError, match=r"did not start within 600 s \(it stopped\)") as caught:
        server.start()
    assert caught.value.__cause__ is error
    assert server_threads() == before
    with pytest.raises(ServerError, match="not running"):
        server.state()


def test_serve_can_listen_again_on_the_port_it_just_released():
    with reserved_port() as port:
        with serve([], port=port) as first:
            mturk = first.client()
            mturk.list_hits()
        with serve([], port=port) as second:
            assert second.client().list_hits()["NumResults"] == 0
        del mturk


def test_serve_on_all_interfaces_gives_a_loopback_endpoint():
    with serve([], host="0.0.0.0") as server:
        assert server.endpoint_url == f"http://127.0.0.1:{server.port}"
        assert server.client().list_hits()["NumResults"] == 0


def test_serve_on_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with serve(SMALL, host="::1") as server:
        assert server.endpoint_url == f"http://[::1]:{server.port}"
        assert listed(server.client()) == ["3SMALLB", "3SMALLA"]


def test_client_settings_go_to_boto3(small_server):
    mturk = small_server.client(region_name="eu-west-1", aws_access_key_id="OTHER")
    assert mturk.meta.region_name == "eu-west-1"
    assert mturk.meta.endpoint_url == small_server.endpoint_url
    assert len(listed(mturk)) == 2


def test_the_client_needs_no_credentials_from_the_environment(small_server, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    mturk = small_server.client()
    assert mturk.meta.region_name == "us-east-1"
    assert listed(mturk) == ["3SMALLB", "3SMALLA"]


# --- reset, load, state -------------------------------------------------------------------------


def test_reset_returns_to_the_bundled_data_set(default_server):
    start = default_server.state()
    default_server.load({"HITs": [hit_record("3EXTRA")]})
    assert counts(default_server.state())["HITs"] == 44
    default_server.reset(empty=True)
    assert default_server.state() == {"HITs": [], "Assignments": []}
    assert default_server.client().list_hits()["NumResults"] == 0
    default_server.reset()
    assert default_server.state() == start
    assert len(listed(default_server.client())) == DEFAULT_LISTED


def test_load_adds_and_upserts(small_server):
    small_server.load({"HITs": [hit_record("3ADDED", CreationTime="2026-11-01T12:00:00Z")]})
    small_server.load({"HITs": [hit_record("3SMALLA", Title="Renamed", MaxAssignments=2)]})
    state = small_server.state()
    assert sorted(ids(state)) == ["3ADDED", "3SMALLA", "3SMALLB"]
    assert ids(state, "Assignments") == ["3ASMALL1"]
    mturk = small_server.client()
    assert listed(mturk) == ["3ADDED", "3SMALLB", "3SMALLA"]
    assert mturk.get_assignment(AssignmentId="3ASMALL1")["HIT"]["Title"] == "Renamed"


def test_load_with_replace(small_server):
    small_server.load({"HITs": [hit_record("3ONLY")]}, replace=True)
    assert ids(small_server.state()) == ["3ONLY"]
    assert small_server.state()["Assignments"] == []
    small_server.load([], replace=True)
    assert small_server.state() == {"HITs": [], "Assignments": []}


def test_load_takes_paths_relative_to_base(small_server, tmp_path, fixture_dir):
    (tmp_path / "extra.json").write_text(json.dumps({"HITs": [hit_record("3EXTRA")]}))
    small_server.load(["extra.json", "data"], base=tmp_path)
    assert ids(small_server.state()) == ["3SMALLA", "3SMALLB", "3EXTRA", "3DIRHIT"]
    small_server.load(fixture_dir / "a_hits.yaml", replace=True, base=Path("/nowhere"))
    assert ids(small_server.state()) == ["3DIRHIT"]


def test_a_bad_load_raises_fixture_error_and_changes_nothing(small_server):
    before = small_server.state()
    bad = {
        "HITs": [hit_record("3GOOD"), hit_record("3SMALLA", MaxAssignments=1)],
        "Assignments": [assignment_record("3ASMALL2", "3SMALLA", "AWORKERTWO")],
    }
    with pytest.raises(FixtureError) as caught:
        small_server.load(bad)
    assert caught.value.problems == [
        "fixtures: HITs[1] (HITId 3SMALLA), field 'MaxAssignments': is 1, but 2 assignments"
        " belong to it",
        "fixtures: HITs[1] (HITId 3SMALLA), field 'NumberOfAssignmentsAvailable': Available (0)"
        " + Pending (0) + Submitted (2) + Completed (0) exceed MaxAssignments (1)",
    ]
    with pytest.raises(FixtureError, match="field 'Reward'"):
        small_server.load(
            [{"HITs": [hit_record("3OK")]}, {"HITs": [hit_record("3X", Reward="x")]}], replace=True
        )
    with pytest.raises(FixtureError, match="no such file or directory"):
        small_server.load("missing.yaml", base=Path("/nowhere"))
    assert small_server.state() == before


def test_reset_load_and_state_run_on_the_server_thread(monkeypatch):
    seen: list[tuple[str, threading.Thread]] = []

    def watched(name: str) -> None:
        original = getattr(Account, name)

        def run(self: Account, *args: Any, **kwargs: Any) -> Any:
            seen.append((name, threading.current_thread()))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Account, name, run)

    for name in ("reset", "load", "state"):
        watched(name)
    before = server_threads()
    with serve([]) as server:
        (thread,) = server_threads() - before
        server.load(SMALL)
        server.state()
        server.reset()
    assert {name for name, _ in seen} == {"load", "state", "reset"}
    assert all(where is thread for _, where in seen)


def test_a_fixed_clock_stamps_errors_and_derives_statuses():
    clock = FixedClock(datetime(2026, 11, 2, tzinfo=UTC))
    open_hit = {k: v for k, v in hit_record("3OPEN").items() if k != "HITStatus"}
    with serve({"HITs": [open_hit]}, clock=clock) as server:
        assert server.state()["HITs"][0]["HITStatus"] == "Assignable"
        mturk = server.client()
        with pytest.raises(mturk.exceptions.RequestError) as caught:
            mturk.get_assignment(AssignmentId="3NOSUCH")
        now = server.on_loop(lambda account: account.clock.now())
        assert caught.value.response["Error"]["Message"].endswith(f"({epoch_millis(now)})")
        # Past the Expiration, the held HIT has expired, and a later load is checked at the
        # clock's new time. The clock is the server's: it is set on the server's loop.
        server.on_loop(lambda _: clock.set(datetime(2026, 12, 1, tzinfo=UTC)))
        server.load({"HITs": [{**open_hit, "HITId": "3LATE"}]})
        statuses = {h["HITId"]: h["HITStatus"] for h in server.state()["HITs"]}
        assert statuses == {"3OPEN": "Reviewable", "3LATE": "Reviewable"}


# --- on_loop, and the server's own parts --------------------------------------------------------


def test_on_loop_runs_fn_on_the_server_thread_and_returns_its_result():
    before = server_threads()
    with serve(SMALL) as server:
        (thread,) = server_threads() - before
        where, seen = server.on_loop(
            lambda account: (threading.current_thread(), account.store.counts())
        )
        assert where is thread
        assert seen == {"HITs": 2, "Assignments": 1}
        assert server.on_loop(lambda account: account.state()) == server.state()


def test_on_loop_changes_are_what_the_next_request_sees(small_server):
    mturk = small_server.client()
    assert listed(mturk) == ["3SMALLB", "3SMALLA"]
    assert small_server.on_loop(lambda account: account.store.remove_hit("3SMALLB")) is None
    assert listed(mturk) == ["3SMALLA"]
    held = small_server.on_loop(lambda account: account.store.hit("3SMALLA"))
    assert held is not None and held.record.Title == "Task 3SMALLA"


def test_on_loop_raises_the_error_of_fn_in_the_caller_and_records_no_fault(small_server):
    error = LookupError("not in the store")

    def fail(account: Account) -> None:
        raise error

    with pytest.raises(LookupError) as caught:
        small_server.on_loop(fail)
    assert caught.value is error
    assert small_server.take_faults() == []
    assert listed(small_server.client()) == ["3SMALLB", "3SMALLA"]  # still serving


def test_on_loop_may_be_called_from_fn_itself(small_server):
    outer = small_server.on_loop(
        lambda account: small_server.on_loop(lambda inner: (inner is account, inner.store.counts()))
    )
    assert outer == (True, {"HITs": 2, "Assignments": 1})


def test_a_prebuilt_dataset_starts_servers_without_reading_fixtures_again():
    dataset = build_dataset([("fixtures", SMALL)], datetime.now(UTC))
    with serve(SMALL) as from_dicts, serve(dataset) as first, serve(dataset) as second:
        assert first.state() == second.state() == from_dicts.state()
        first.load({"HITs": [hit_record("3ONLYFIRST")]})
        assert "3ONLYFIRST" not in ids(second.state())
        first.reset()
        assert first.state() == second.state()
        assert listed(second.client()) == ["3SMALLB", "3SMALLA"]


def test_a_token_secret_lets_a_restarted_server_accept_its_tokens():
    shared = serve(SMALL, token_secret=b"kept across runs")
    with shared:
        token = shared.client().list_hits(MaxResults=1)["NextToken"]
    with shared:
        assert shared.client().list_hits(NextToken=token)["HITs"][0]["HITId"] == "3SMALLA"
    fresh = serve(SMALL)  # a secret of its own for each run
    with fresh:
        token = fresh.client().list_hits(MaxResults=1)["NextToken"]
    with fresh:
        mturk = fresh.client()
        with pytest.raises(mturk.exceptions.RequestError, match="NextToken"):
            mturk.list_hits(NextToken=token)


def test_handlers_replace_the_servers_operations():
    def broken(ctx: Any, params: dict[str, Any]) -> Any:
        raise RuntimeError("a handler under test")

    with serve(SMALL, handlers={"ListHITs": broken}) as server:
        mturk = server.client()
        with pytest.raises(mturk.exceptions.ServiceFault):
            mturk.list_hits()
        (fault,) = server.take_faults()
        assert str(fault) == "a handler under test"
        response = raw_request(server, body={"AssignmentId": "3ASMALL1"}, target="GetAssignment")
        assert response.status == 501
        assert response.json()["__type"] == "NotImplementedException"


# --- Internal faults ----------------------------------------------------------------------------


def test_a_fault_is_answered_with_a_service_fault_and_raised_by_check(small_server, monkeypatch):
    error = RuntimeError("the listing broke")
    monkeypatch.setattr(Store, "hits_page", raiser(error))
    mturk = small_server.client(config=ONE_ATTEMPT)

    with pytest.raises(ClientError) as caught:
        mturk.list_hits()

    response = caught.value.response
    assert response["Error"]["Code"] == "ServiceFault"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert isinstance(caught.value, mturk.exceptions.ServiceFault)
    with pytest.raises(ServerError) as raised:
        small_server.check()
    assert raised.value.__cause__ is error
    assert str(raised.value) == (
        "1 request to mockturk ended in an internal fault (answered with HTTP 500); the first:"
        " RuntimeError: the listing broke"
    )
    small_server.check()  # reported once


def test_a_fault_does_not_break_later_requests(small_server, monkeypatch):
    monkeypatch.setattr(Store, "hits_page", raiser(ZeroDivisionError("boom")))
    mturk = small_server.client(config=ONE_ATTEMPT)
    for _ in range(3):
        with pytest.raises(mturk.exceptions.ServiceFault):
            mturk.list_hits()
    assert mturk.get_assignment(AssignmentId="3ASMALL1")["HIT"]["HITId"] == "3SMALLA"
    faults = small_server.take_faults()
    assert len(faults) == 3 and all(isinstance(f, ZeroDivisionError) for f in faults)
    assert small_server.take_faults() == []
    monkeypatch.undo()
    assert listed(mturk) == ["3SMALLB", "3SMALLA"]
    small_server.load({"HITs": [hit_record("3AFTER")]})
    assert "3AFTER" in ids(small_server.state())
    small_server.check()


def test_a_fault_in_a_control_endpoint_is_recorded(small_server, monkeypatch):
    error = KeyError("state broke")
    monkeypatch.setattr(Account, "state", raiser(error))
    response = raw_request(small_server, "GET", "/_mockturk/state")
    assert response.status == 500
    assert response.json() == {"error": "InternalError", "message": "KeyError: 'state broke'"}
    (fault,) = small_server.take_faults()
    assert fault is error


def test_exit_raises_a_fault_when_the_body_raised_nothing(monkeypatch):
    error = RuntimeError("the listing broke")
    monkeypatch.setattr(Store, "hits_page", raiser(error))
    before = server_threads()
    with pytest.raises(ServerError) as caught, serve(SMALL) as server, pytest.raises(ClientError):
        server.client(config=ONE_ATTEMPT).list_hits()
    assert caught.value.__cause__ is error
    assert "RuntimeError: the listing broke" in str(caught.value)
    assert server_threads() == before


def test_exit_lets_the_body_error_through_and_still_stops(monkeypatch):
    monkeypatch.setattr(Store, "hits_page", raiser(RuntimeError("the listing broke")))
    before = server_threads()
    with pytest.raises(LookupError, match="the test's own"), serve(SMALL) as server:
        with pytest.raises(ClientError):
            server.client(config=ONE_ATTEMPT).list_hits()
        raise LookupError("the test's own")
    assert server_threads() == before


def test_a_clean_exit_raises_nothing():
    with serve(SMALL) as server:
        mturk = server.client()
        with pytest.raises(mturk.exceptions.RequestError):
            mturk.get_assignment(AssignmentId="3NOSUCH")  # a 400 is no fault
    assert server.take_faults() == []


def test_server_clients_do_not_retry(small_server, monkeypatch):
    monkeypatch.setattr(Store, "hits_page", raiser(RuntimeError("the listing broke")))
    mturk = small_server.client()
    with pytest.raises(mturk.exceptions.ServiceFault):
        mturk.list_hits()
    assert len(small_server.take_faults()) == 1


def test_a_client_given_its_own_config_still_makes_one_attempt(small_server, monkeypatch):
    monkeypatch.setattr(Store, "hits_page", raiser(RuntimeError("the listing broke")))
    mturk = small_server.client(config=Config(read_timeout=7))
    assert mturk.meta.config.read_timeout == 7
    with pytest.raises(mturk.exceptions.ServiceFault):
        mturk.list_hits()
    assert len(small_server.take_faults()) == 1


# --- RemoteServer -------------------------------------------------------------------------------


@pytest.fixture
def remote(small_server: InProcessServer) -> RemoteServer:
    return RemoteServer(small_server.endpoint_url + "/")


def test_remote_server_drives_a_server_through_the_control_api(remote, small_server):
    assert remote.endpoint_url == small_server.endpoint_url
    assert remote.health()["records"] == {"HITs": 2, "Assignments": 1}
    assert remote.state() == small_server.state()
    remote.load({"HITs": [hit_record("3REMOTE")]})
    assert ids(small_server.state()) == ["3SMALLA", "3SMALLB", "3REMOTE"]
    remote.reset(empty=True)
    assert small_server.state() == {"HITs": [], "Assignments": []}
    remote.reset()
    assert counts(small_server.state()) == {"HITs": 2, "Assignments": 1}
    remote.load({"HITs": [hit_record("3ONLY")]}, replace=True)
    assert ids(remote.state()) == ["3ONLY"]
    assert listed(remote.client()) == ["3ONLY"]
    assert remote.take_faults() == []


def test_remote_server_loads_files_relative_to_base(remote, tmp_path, fixture_dir):
    remote.load(["data"], base=tmp_path)
    state = remote.state()
    assert ids(state)[-1] == "3DIRHIT"
    assert ids(state, "Assignments")[-1] == "3ADIR"


def test_remote_and_in_process_loads_read_yaml_files_alike(remote, small_server, tmp_path):
    """Unquoted YAML timestamps (with an offset) are datetimes once read; both loads agree."""
    file = tmp_path / "unquoted.yaml"
    file.write_text(
        "HITs:\n"
        "  - HITId: 3UNQUOTED\n"
        "    CreationTime: 2026-11-01T10:00:00.250000+02:00\n"
        "    Title: t\n"
        "    Description: d\n"
        "    Question: q\n"
        "    Reward: '0.10'\n"
        "    Expiration: 2026-11-08T10:00:00Z\n"
        "    AssignmentDurationInSeconds: 60\n"
    )
    small_server.load(file, replace=True)
    in_process = small_server.state()
    small_server.reset(empty=True)
    remote.load(file, replace=True)
    assert remote.state() == in_process
    assert in_process["HITs"][0]["CreationTime"] == "2026-11-01T08:00:00.250000Z"


def test_remote_and_in_process_loads_fail_with_the_same_fixture_error(remote, small_server):
    bad = [SMALL, {"HITs": [hit_record("3BAD", Reward="cheap")]}]
    before = small_server.state()
    with pytest.raises(FixtureError) as in_process:
        small_server.load(bad)
    with pytest.raises(FixtureError) as over_http:
        remote.load(bad)
    assert str(over_http.value) == str(in_process.value)
    assert over_http.value.problems == in_process.value.problems
    assert over_http.value.problems[0].startswith(
        "fixtures[1]: HITs[0] (HITId 3BAD), field 'Reward'"
    )
    assert len(over_http.value.problems) == 1
    assert small_server.state() == before


def test_remote_server_raises_server_error_for_other_http_errors(remote, small_server, monkeypatch):
    monkeypatch.setattr(Account, "state", raiser(KeyError("state broke")))
    with pytest.raises(ServerError, match=r"HTTP 500: KeyError: 'state broke'"):
        remote.state()
    assert len(small_server.take_faults()) == 1


def test_remote_server_that_cannot_be_reached():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = unused.getsockname()[1]
        remote = RemoteServer(f"http://127.0.0.1:{port}", timeout=5)
        with pytest.raises(ServerError, match="cannot be reached"):
            remote.health()
        with pytest.raises(ServerError, match="cannot be reached"):
            remote.reset()


# --- unittest -----------------------------------------------------------------------------------


def test_a_unittest_test_case_shares_one_server_per_class():
    before = server_threads()
    seen_ports: list[int] = []

    class MTurkTests(unittest.TestCase):
        server: ClassVar[InProcessServer]

        @classmethod
        def setUpClass(cls) -> None:
            cls.server = serve(SMALL).start()

        @classmethod
        def tearDownClass(cls) -> None:
            cls.server.stop()
            cls.server.check()

        def setUp(self) -> None:
            self.server.reset()
            self.mturk = self.server.client()
            seen_ports.append(self.server.port)

        def test_a_lists_the_fixtures(self) -> None:
            self.assertEqual(listed(self.mturk), ["3SMALLB", "3SMALLA"])

        def test_b_empties_the_account(self) -> None:
            self.server.reset(empty=True)
            self.assertEqual(self.mturk.list_hits()["NumResults"], 0)

        def test_c_starts_from_the_fixtures_again(self) -> None:
            self.assertEqual(len(listed(self.mturk)), 2)
            self.server.load({"HITs": [hit_record("3UNIT")]})
            self.assertIn("3UNIT", listed(self.mturk))

        def test_d_sees_a_missing_assignment(self) -> None:
            with self.assertRaises(self.mturk.exceptions.RequestError):
                self.mturk.get_assignment(AssignmentId="3NOSUCH")

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(MTurkTests)
    output = io.StringIO()
    result = unittest.TextTestRunner(stream=output, verbosity=2).run(suite)

    assert result.testsRun == 4
    assert result.wasSuccessful(), output.getvalue()
    assert len(set(seen_ports)) == 1
    assert server_threads() == before
