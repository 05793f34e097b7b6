"""The pytest plugin, from the outside: inner pytest runs (pytester) of small test suites.

The plugin is registered through its ``pytest11`` entry point, so inner runs get it with no
setup, exactly as a project that installs mockturk does.
"""

from __future__ import annotations

import json
import re
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import assignment_record, hit_record

from mockturk.testing import InProcessServer, serve

pytest_plugins = ["pytester"]

# Plugins the inner suites do not use stay out: hypothesis alone costs a subprocess a second.
INNER_INI = """
[pytest]
addopts = -p no:cacheprovider -p no:hypothesispytest -p no:anyio
filterwarnings = error
{extra}
"""
SEEDED = "mockturk_fixtures = seed.yaml"

SMALL = {
    "HITs": [
        hit_record("3SMALLA", MaxAssignments=2, CreationTime="2026-11-01T10:00:00Z"),
        hit_record("3SMALLB", CreationTime="2026-11-01T11:00:00Z"),
    ],
    "Assignments": [assignment_record("3ASMALL1", "3SMALLA", "AWORKERONE")],
}

# Inner test modules start with this: helpers over what the plugin hands them.
INNER_HELPERS = """
import json
import os
from pathlib import Path

import pytest


def hit(hit_id):
    return {
        "HITId": hit_id, "CreationTime": "2026-11-01T10:00:00Z", "Title": "t",
        "Description": "d", "Question": "q", "Reward": "0.10",
        "Expiration": "2026-11-08T10:00:00Z", "AssignmentDurationInSeconds": 60,
    }


def hit_ids(server):
    return [h["HITId"] for h in server.state()["HITs"]]


def counts(server):
    state = server.state()
    return len(state["HITs"]), len(state["Assignments"])


def listed(mturk):
    pages = mturk.get_paginator("list_hits").paginate()
    return [h["HITId"] for page in pages for h in page["HITs"]]


def create_hit(mturk, reward="1.00"):
    question = (
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
        'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
        "<ExternalURL>https://example.org/task</ExternalURL>"
        "<FrameHeight>400</FrameHeight></ExternalQuestion>"
    )
    return mturk.create_hit(
        Title="t", Description="d", Reward=reward, MaxAssignments=1, LifetimeInSeconds=3600,
        AssignmentDurationInSeconds=60, Question=question,
    )["HIT"]
"""


OUTER_VARIABLES = ("MOCKTURK_ENDPOINT", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs must not see an outer MOCKTURK_ENDPOINT or the outer xdist worker's variables."""
    for name in OUTER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def inner_ini(pytester: pytest.Pytester, extra: str = "") -> None:
    pytester.makeini(INNER_INI.format(extra=extra))


def seeded_ini(pytester: pytest.Pytester, extra: str = "") -> None:
    """Session fixtures: SMALL (quicker to load than the bundled data set), and ``extra``."""
    write_yaml(pytester.path / "seed.yaml", SMALL)
    inner_ini(pytester, f"{SEEDED}\n{extra}")


def inner_module(pytester: pytest.Pytester, name: str, source: str) -> Path:
    return pytester.makepyfile(**{name: INNER_HELPERS + textwrap.dedent(source)})


def write_yaml(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture
def outer_server() -> Iterator[InProcessServer]:
    """A server the outer test owns, for inner runs to reach through MOCKTURK_ENDPOINT."""
    with serve(SMALL) as server:
        yield server


def hit_ids(state: dict[str, Any]) -> list[str]:
    return [h["HITId"] for h in state["HITs"]]


# --- No setup -----------------------------------------------------------------------------------


def test_the_plugin_is_registered_through_its_entry_point(pytester):
    inner_ini(pytester)
    result = pytester.runpytest("--fixtures")
    listed_fixtures = result.stdout.str()
    for name in ("mockturk_server", "mturk_client", "mockturk_fixtures"):
        assert re.search(rf"^{name} -- .*mockturk[/\\]pytest_plugin.py", listed_fixtures, re.M)
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.mockturk_fixtures(*fixtures)*"])
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*mockturk_fixtures (paths):*"])


def test_a_test_lists_hits_with_no_setup(pytester):
    inner_ini(pytester)
    inner_module(
        pytester,
        "test_zero_setup",
        """
        def test_lists_the_bundled_hits(mturk_client, mockturk_server):
            assert len(listed(mturk_client)) == 31
            assert counts(mockturk_server) == (43, 330)
            assert mturk_client.meta.endpoint_url == mockturk_server.endpoint_url
            assert mturk_client.meta.region_name == "us-east-1"
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_state_does_not_leak_between_tests(pytester):
    inner_ini(pytester)
    inner_module(
        pytester,
        "test_leaks",
        """
        def test_1_empties_and_loads(mockturk_server, mturk_client):
            mockturk_server.reset(empty=True)
            mockturk_server.load({"HITs": [hit("3LEAKED")]})
            assert listed(mturk_client) == ["3LEAKED"]
            mockturk_server.clock.advance(86400 * 365 * 10)
            mockturk_server.clock.freeze()

        def test_2_sees_the_bundled_data_set(mockturk_server, mturk_client):
            assert counts(mockturk_server) == (43, 330)
            assert "3LEAKED" not in listed(mturk_client)
            assert not mockturk_server.clock.frozen  # the clock is back to the real time
            assert mockturk_server.clock.now().year < 2100
            mockturk_server.load({"HITs": [hit("3LEAKEDTOO")]}, replace=True)
            mockturk_server.clock.advance(86400 * 365 * 10)

        @pytest.mark.mockturk_fixtures({"HITs": [hit("3OWN")]})
        def test_3_has_its_own(mockturk_server):
            assert hit_ids(mockturk_server) == ["3OWN"]
            assert mockturk_server.clock.now().year < 2100

        def test_4_sees_the_bundled_data_set_again(mockturk_server):
            assert counts(mockturk_server) == (43, 330)

        def test_5_does_not_use_the_server():
            pass

        def test_6_same_server_for_the_session(mockturk_server, request):
            assert counts(mockturk_server) == (43, 330)
        """,
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        [
            "*test_1_empties_and_loads PASSED*",
            "*test_2_sees_the_bundled_data_set PASSED*",
            "*test_3_has_its_own PASSED*",
            "*test_4_sees_the_bundled_data_set_again PASSED*",
        ]
    )


# --- The test's own fixtures --------------------------------------------------------------------


def test_the_marker_takes_dicts_and_paths_relative_to_the_test_file(pytester):
    seeded_ini(pytester)
    write_yaml(pytester.path / "suite" / "data" / "mine.yaml", SMALL)
    write_yaml(pytester.path / "suite" / "data" / "more.yaml", {"HITs": [hit_record("3MORE")]})
    # The same name relative to the working directory holds something else.
    write_yaml(pytester.path / "data" / "mine.yaml", {"HITs": [hit_record("3WRONG")]})
    (pytester.path / "suite").joinpath("test_marked.py").write_text(
        INNER_HELPERS
        + textwrap.dedent(
            """
            pytestmark = pytest.mark.mockturk_fixtures("data/mine.yaml")

            def test_module_marker(mockturk_server, mturk_client):
                assert hit_ids(mockturk_server) == ["3SMALLA", "3SMALLB"]
                assert listed(mturk_client) == ["3SMALLB", "3SMALLA"]

            @pytest.mark.mockturk_fixtures({"HITs": [hit("3DICT")]})
            def test_a_dict_wins_over_the_module_marker(mockturk_server):
                assert hit_ids(mockturk_server) == ["3DICT"]

            @pytest.mark.mockturk_fixtures("data/mine.yaml", {"HITs": [hit("3DICT")]},
                                           Path(__file__).parent / "data" / "more.yaml")
            def test_several(mockturk_server, mturk_client):
                assert hit_ids(mockturk_server) == ["3SMALLA", "3SMALLB", "3DICT", "3MORE"]
                assert mturk_client.get_assignment(AssignmentId="3ASMALL1")["HIT"]["HITId"] == (
                    "3SMALLA"
                )

            @pytest.mark.mockturk_fixtures(["data/mine.yaml", "data/more.yaml"])
            def test_a_list(mockturk_server):
                assert hit_ids(mockturk_server) == ["3SMALLA", "3SMALLB", "3MORE"]

            @pytest.mark.mockturk_fixtures([])
            def test_an_empty_list(mockturk_server):
                assert hit_ids(mockturk_server) == []

            class TestInAClass:
                @pytest.mark.mockturk_fixtures("data/more.yaml")
                def test_method(self, mockturk_server):
                    assert hit_ids(mockturk_server) == ["3MORE"]
            """
        )
    )
    result = pytester.runpytest("suite")
    result.assert_outcomes(passed=6)


def test_bad_marker_fixtures_fail_the_test_naming_the_field(pytester):
    seeded_ini(pytester)
    inner_module(
        pytester,
        "test_bad_marker",
        """
        @pytest.mark.mockturk_fixtures({"HITs": [dict(hit("3BAD"), Reward="1.234")]})
        def test_bad(mockturk_server):
            pass

        @pytest.mark.mockturk_fixtures("missing.yaml")
        def test_missing(mockturk_server):
            pass

        def test_after(mockturk_server):
            assert counts(mockturk_server) == (2, 1)
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_bad*",
            "E *FixtureError: 1 problem in the fixtures:",
            "E *fixtures: HITs[[]0[]] (HITId 3BAD), field 'Reward': Member must satisfy*",
            "*ERROR at setup of test_missing*",
            f"E *FixtureError: {pytester.path / 'missing.yaml'}: no such file or directory.",
        ]
    )


def test_indirect_parametrization_gives_each_test_its_fixtures(pytester):
    seeded_ini(pytester)
    write_yaml(pytester.path / "data" / "mine.yaml", {"HITs": [hit_record("3MINE")]})
    inner_module(
        pytester,
        "test_indirect",
        """
        CASES = [
            (None, ["3SMALLA", "3SMALLB"]),
            ([], []),
            ({"HITs": [hit("3PARAM")]}, ["3PARAM"]),
            ("data/mine.yaml", ["3MINE"]),
            ([{"HITs": [hit("3PARAM")]}, "data/mine.yaml"], ["3PARAM", "3MINE"]),
        ]

        @pytest.mark.parametrize(
            ("mockturk_fixtures", "expected"), CASES, indirect=["mockturk_fixtures"]
        )
        def test_param(mockturk_server, mockturk_fixtures, expected):
            assert hit_ids(mockturk_server) == expected
            mockturk_server.load({"HITs": [hit("3LEFTOVER")]})

        @pytest.mark.mockturk_fixtures({"HITs": [hit("3MARKER")]})
        @pytest.mark.parametrize("mockturk_fixtures", [{"HITs": [hit("3PARAM")]}], indirect=True)
        def test_the_parameter_wins_over_the_marker(mockturk_server):
            assert hit_ids(mockturk_server) == ["3PARAM"]
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=6)


def test_the_ini_option_sets_the_session_fixtures(pytester):
    write_yaml(pytester.path / "seed" / "hits.yaml", {"HITs": SMALL["HITs"]})
    write_yaml(pytester.path / "seed" / "assignments.yaml", {"Assignments": SMALL["Assignments"]})
    inner_ini(pytester, "mockturk_fixtures = seed/hits.yaml seed/assignments.yaml")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_session.py").write_text(
        INNER_HELPERS
        + textwrap.dedent(
            """
            def test_1_starts_with_the_ini_fixtures(mockturk_server, mturk_client):
                assert hit_ids(mockturk_server) == ["3SMALLA", "3SMALLB"]
                assert listed(mturk_client) == ["3SMALLB", "3SMALLA"]
                mockturk_server.reset(empty=True)

            def test_2_is_back_to_them(mockturk_server):
                assert counts(mockturk_server) == (2, 1)
                mockturk_server.load({"HITs": [hit("3EXTRA")]})

            @pytest.mark.mockturk_fixtures({"HITs": [hit("3OWN")]})
            def test_3_a_marker_still_wins(mockturk_server):
                assert hit_ids(mockturk_server) == ["3OWN"]

            def test_4_is_back_to_them_again(mockturk_server):
                assert hit_ids(mockturk_server) == ["3SMALLA", "3SMALLB"]
                mockturk_server.reset()
                assert hit_ids(mockturk_server) == ["3SMALLA", "3SMALLB"]
            """
        )
    )
    # Run from elsewhere: the ini's paths are relative to the ini file.
    result = pytester.runpytest(str(pytester.path / "tests"), "--rootdir", str(pytester.path))
    result.assert_outcomes(passed=4)


def test_ini_options_set_the_clock_and_the_balance(pytester):
    seeded_ini(
        pytester,
        "mockturk_start_time = 2026-11-02T09:30:00+01:00\n"
        "mockturk_frozen_clock = true\n"
        "mockturk_balance = 250.00",
    )
    inner_module(
        pytester,
        "test_settings",
        """
        from datetime import datetime, timedelta, timezone

        START = datetime(2026, 11, 2, 8, 30, tzinfo=timezone.utc)

        def test_1_starts_frozen_at_the_start_time_with_the_balance(mockturk_server, mturk_client):
            assert mockturk_server.clock.now() == START
            assert mockturk_server.clock.frozen
            assert mturk_client.get_account_balance()["AvailableBalance"] == "250.00"
            mockturk_server.clock.advance(3600)
            assert create_hit(mturk_client)["CreationTime"] == START + timedelta(hours=1)
            assert mturk_client.get_account_balance()["AvailableBalance"] == "248.80"

        def test_2_is_back_at_the_start(mockturk_server, mturk_client):
            assert mockturk_server.clock.now() == START
            assert mturk_client.get_account_balance()["AvailableBalance"] == "250.00"
        """,
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_the_pinned_balance_ini_option_keeps_the_balance(pytester):
    seeded_ini(pytester, "mockturk_pinned_balance = true")
    inner_module(
        pytester,
        "test_pinned",
        """
        def test_pinned(mockturk_server, mturk_client):
            assert mturk_client.get_account_balance()["AvailableBalance"] == "10000.00"
            create_hit(mturk_client, reward="100.00")
            assert mturk_client.get_account_balance()["AvailableBalance"] == "10000.00"
        """,
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_requesters_ini_option_keeps_requesters_apart_and_resets_them_all(pytester):
    seeded_ini(pytester, "mockturk_requesters = per-key")
    inner_module(
        pytester,
        "test_apart",
        """
        def test_1_each_key_is_a_requester(mockturk_server, mturk_client):
            bob = mockturk_server.requester("bob")
            made = create_hit(bob.client())
            assert [h["HITId"] for h in bob.state()["HITs"]] == [made["HITId"]]
            assert made["HITId"] not in listed(mturk_client)
            assert len(listed(mturk_client)) == len(hit_ids(mockturk_server))

        def test_2_the_next_test_finds_every_requester_reset(mockturk_server):
            assert mockturk_server.requester("bob").state()["HITs"] == []
        """,
    )
    pytester.runpytest().assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("setting", "told"),
    [
        ("mockturk_balance = 12.345", "'12.345' is not an amount of dollars and cents"),
        ("mockturk_start_time = 2026-11-02T09:30:00", "needs a UTC offset"),
        ("mockturk_requesters = many", "expected one of one, per-key"),
    ],
)
def test_a_bad_ini_setting_stops_the_run_before_any_test(pytester, setting, told):
    seeded_ini(pytester, setting)
    inner_module(pytester, "test_never", "def test_never(mockturk_server):\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*mockturk: bad ini setting: *{told}*"])


def test_bad_ini_fixtures_fail_every_test_that_uses_the_server(pytester):
    write_yaml(pytester.path / "seed.yaml", {"HITs": [hit_record("3BAD", MaxAssignments=0)]})
    inner_ini(pytester, "mockturk_fixtures = seed.yaml")
    inner_module(
        pytester,
        "test_bad_ini",
        """
        def test_one(mockturk_server):
            pass

        def test_two(mturk_client):
            pass

        def test_without_server():
            pass
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*seed.yaml: HITs[[]0[]] (HITId 3BAD), field 'MaxAssignments'*"])


# --- Faults -------------------------------------------------------------------------------------


def test_an_internal_fault_fails_the_test_at_teardown(pytester):
    seeded_ini(pytester)
    inner_module(
        pytester,
        "test_fault",
        """
        from mockturk.state.store import Store

        def test_1_hits_a_fault(mturk_client, monkeypatch):
            def broken(*args, **kwargs):
                raise ZeroDivisionError("the listing broke")

            monkeypatch.setattr(Store, "hits_page", broken)
            with pytest.raises(mturk_client.exceptions.ServiceFault):
                mturk_client.list_hits()

        def test_2_is_not_blamed(mturk_client):
            assert mturk_client.list_hits()["NumResults"] == 2

        def test_3_a_400_is_no_fault(mturk_client):
            with pytest.raises(mturk_client.exceptions.RequestError):
                mturk_client.get_assignment(AssignmentId="3NOSUCH")
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_1_hits_a_fault*",
            "*ServerError: * to mockturk ended in an internal fault (answered with HTTP 500);"
            " the first: ZeroDivisionError: the listing broke",
        ]
    )
    assert "ERROR at teardown of test_2" not in result.stdout.str()


# --- Parallel runs ------------------------------------------------------------------------------

PARALLEL_TESTS = """
SEEN = Path(__file__).parent / "seen"


@pytest.mark.parametrize("number", range(8))
def test_mutates_its_own_server(mockturk_server, mturk_client, number):
    assert hit_ids(mockturk_server) == ["3SMALLA", "3SMALLB"], "another test's changes leaked"
    mockturk_server.load({"HITs": [hit(f"3N{number}")]}, replace=True)
    assert listed(mturk_client) == [f"3N{number}"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "none")
    SEEN.mkdir(exist_ok=True)
    (SEEN / f"{worker}-{number}.json").write_text(
        json.dumps({"worker": worker, "endpoint": mockturk_server.endpoint_url})
    )
"""


def seen_endpoints(pytester: pytest.Pytester) -> dict[str, set[str]]:
    by_worker: dict[str, set[str]] = {}
    for file in (pytester.path / "seen").iterdir():
        record = json.loads(file.read_text())
        by_worker.setdefault(record["worker"], set()).add(record["endpoint"])
    return by_worker


def test_parallel_workers_each_get_their_own_server(pytester):
    seeded_ini(pytester)
    inner_module(pytester, "test_parallel", PARALLEL_TESTS)
    result = pytester.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["created: 2/2 workers", "2 workers [[]8 items[]]"])
    by_worker = seen_endpoints(pytester)
    assert set(by_worker) == {"gw0", "gw1"}
    assert all(len(endpoints) == 1 for endpoints in by_worker.values())
    assert by_worker["gw0"] != by_worker["gw1"]


# --- An external server -------------------------------------------------------------------------


def test_mockturk_endpoint_makes_the_tests_use_that_server(pytester, outer_server, monkeypatch):
    outer_server.load({"HITs": [hit_record("3DIRTY")]})  # reset must clear this
    monkeypatch.setenv("MOCKTURK_ENDPOINT", outer_server.endpoint_url)
    inner_ini(pytester)
    inner_module(
        pytester,
        "test_external",
        """
        def test_1_uses_the_external_server(mockturk_server, mturk_client):
            assert type(mockturk_server).__name__ == "RemoteServer"
            assert mockturk_server.endpoint_url == os.environ["MOCKTURK_ENDPOINT"]
            assert mturk_client.meta.endpoint_url == os.environ["MOCKTURK_ENDPOINT"]
            assert hit_ids(mockturk_server) == ["3SMALLA", "3SMALLB"]
            mockturk_server.load({"HITs": [hit("3INNER")]})
            assert "3INNER" in listed(mturk_client)
            mockturk_server.clock.advance(86400 * 365 * 10)

        @pytest.mark.mockturk_fixtures({"HITs": [hit("3MARKED")]})
        def test_2_loads_its_marker_over_http(mockturk_server, mturk_client):
            assert listed(mturk_client) == ["3MARKED"]
            assert mockturk_server.clock.now().year < 2100  # reset over HTTP too
            mockturk_server.clock.freeze()

        def test_3_was_reset_over_http(mockturk_server):
            assert hit_ids(mockturk_server) == ["3SMALLA", "3SMALLB"]
            assert not mockturk_server.clock.frozen
            mockturk_server.load({"HITs": [hit("3LAST")]})
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)
    assert hit_ids(outer_server.state()) == ["3SMALLA", "3SMALLB", "3LAST"]


def test_mockturk_endpoint_with_the_ini_fixtures(pytester, outer_server, monkeypatch):
    write_yaml(pytester.path / "seed.yaml", {"HITs": [hit_record("3SEEDED")]})
    monkeypatch.setenv("MOCKTURK_ENDPOINT", outer_server.endpoint_url + "/")
    inner_ini(pytester, "mockturk_fixtures = seed.yaml")
    inner_module(
        pytester,
        "test_external_ini",
        """
        def test_1_starts_with_the_ini_fixtures(mockturk_server):
            assert hit_ids(mockturk_server) == ["3SEEDED"]
            mockturk_server.reset(empty=True)

        def test_2_starts_with_them_again(mockturk_server):
            assert hit_ids(mockturk_server) == ["3SEEDED"]
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    assert hit_ids(outer_server.state()) == ["3SEEDED"]
    outer_server.reset()  # the external server's own fixtures are untouched
    assert hit_ids(outer_server.state()) == ["3SMALLA", "3SMALLB"]


def test_an_unreachable_mockturk_endpoint_fails_clearly(pytester, monkeypatch):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
        monkeypatch.setenv("MOCKTURK_ENDPOINT", url)
        inner_ini(pytester)
        inner_module(
            pytester,
            "test_unreachable",
            """
            def test_uses_it(mturk_client):
                pass
            """,
        )
        result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*ServerError: mockturk at {url} cannot be reached*"])


def test_mockturk_endpoint_gives_each_worker_its_own_server(pytester, monkeypatch):
    with serve(SMALL) as first, serve(SMALL) as second:
        first.load({"HITs": [hit_record("3DIRTY")]})
        monkeypatch.setenv("MOCKTURK_ENDPOINT", f"{first.endpoint_url}, {second.endpoint_url}")
        inner_ini(pytester)
        inner_module(pytester, "test_parallel", PARALLEL_TESTS)
        result = pytester.runpytest_subprocess("-n", "2")
        result.assert_outcomes(passed=8)
        assert seen_endpoints(pytester) == {
            "gw0": {first.endpoint_url},
            "gw1": {second.endpoint_url},
        }
        for server in (first, second):
            (only,) = hit_ids(server.state())
            assert only.startswith("3N")


def test_one_mockturk_endpoint_for_two_workers_is_a_usage_error(
    pytester, outer_server, monkeypatch
):
    monkeypatch.setenv("MOCKTURK_ENDPOINT", outer_server.endpoint_url)
    inner_ini(pytester)
    inner_module(pytester, "test_parallel", PARALLEL_TESTS)
    before = outer_server.state()
    result = pytester.runpytest_subprocess("-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: MOCKTURK_ENDPOINT names 1 server(s) for 2 pytest-xdist workers: tests running"
            " at once would share one server's state. Give one URL per worker, comma-separated,"
            " or run without -n."
        ]
    )
    assert not (pytester.path / "seen").exists(), "no test may run against the shared server"
    assert outer_server.state() == before
