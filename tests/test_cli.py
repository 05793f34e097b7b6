"""The ``mockturk`` console script, run as a real process."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support import BUNDLED_CLI_CLOCK, assignment_record, client, hit_record

from mockturk import __version__

MOCKTURK = Path(sys.executable).parent / "mockturk"
if not MOCKTURK.exists():  # pragma: no cover - an installation without a venv beside python
    MOCKTURK = Path(shutil.which("mockturk") or "mockturk")

STARTUP_S = 30  # deadline for a server to print its banner
EXIT_S = 15  # deadline for a process to exit
ENDPOINT = re.compile(r"^Endpoint: (http://\S+)")
SUMMARY = re.compile(r"^mockturk (\S+): (\d+) HITs? and (\d+) assignments? from (.+)$")


def clean_env(**variables):
    """The environment without any MOCKTURK_* settings of the caller, plus ``variables``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MOCKTURK_")}
    env.update(variables)
    return env


def run(*args, env=None, command=(str(MOCKTURK),)):
    """Run a command that is expected to exit by itself (no server)."""
    return subprocess.run(
        [*command, *args],
        env=env or clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


class Lines:
    """The lines a stream yields, collected by a thread, waited for with a deadline."""

    def __init__(self, stream):
        self.lines = []
        self.closed = False
        self._stream = stream
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self):
        for line in self._stream:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_for(self, pattern, timeout=STARTUP_S):
        """The first match of ``pattern`` in a line, waiting for lines up to ``timeout``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        checked = 0
        with self._changed:
            while True:
                for line in self.lines[checked:]:
                    found = regex.search(line)
                    if found:
                        return found
                checked = len(self.lines)
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    state = "ended" if self.closed else "timed out"
                    raise AssertionError(f"{state} without {pattern!r}:\n{self.text()}")
                self._changed.wait(remaining)

    def count(self, pattern):
        regex = re.compile(pattern)
        with self._changed:
            return sum(1 for line in self.lines if regex.search(line))

    def text(self):
        with self._changed:
            return "\n".join(self.lines)

    def close(self):
        self._thread.join(EXIT_S)
        self._stream.close()


class Server:
    """``mockturk serve`` as a child process; always killed and reaped on exit."""

    def __init__(self, *args, env=None):
        self.process = subprocess.Popen(
            [str(MOCKTURK), "serve", *args],
            env=env or clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout = Lines(self.process.stdout)
        self.stderr = Lines(self.process.stderr)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def endpoint(self):
        try:
            return self.stdout.wait_for(ENDPOINT.pattern).group(1)
        except AssertionError as error:
            raise AssertionError(f"{error}\nstderr:\n{self.stderr.text()}") from None

    def port(self):
        return urlsplit(self.endpoint()).port

    def health(self):
        """GET /_mockturk/health over loopback: (status, JSON body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port(), timeout=10)
        try:
            connection.request("GET", "/_mockturk/health")
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def stop(self, sig=signal.SIGTERM):
        """Send ``sig`` and wait for the process to end; its exit code."""
        self.process.send_signal(sig)
        return self.process.wait(EXIT_S)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(EXIT_S)
        self.stdout.close()
        self.stderr.close()


@pytest.fixture(scope="module")
def default_server():
    """One server on the bundled data set, for the tests that only look at it."""
    with Server("--port", "0", *BUNDLED_CLI_CLOCK) as server:
        server.endpoint()
        yield server


@pytest.fixture
def split_fixtures(tmp_path):
    """Two HITs in a JSON file and three assignments in a YAML file."""
    hits = tmp_path / "hits.json"
    hits.write_text(
        json.dumps({"HITs": [hit_record("3HITONE"), hit_record("3HITTWO", MaxAssignments=2)]})
    )
    assignments = tmp_path / "assignments.yaml"
    assignments.write_text(
        json.dumps(  # JSON is YAML too
            {
                "Assignments": [
                    assignment_record("3ASGONE", "3HITONE", "A1WORKER"),
                    assignment_record("3ASGTWO", "3HITONE", "A2WORKER"),
                    assignment_record("3ASGTHREE", "3HITTWO", "A1WORKER"),
                ]
            }
        )
    )
    return hits, assignments


# --- Serving the bundled data set ---------------------------------------------------------------


def test_the_banner_gives_version_counts_and_endpoint(default_server, default_dataset):
    summary = default_server.stdout.wait_for(SUMMARY.pattern)
    assert summary.group(1) == __version__
    assert int(summary.group(2)) == len(default_dataset.hits)
    assert int(summary.group(3)) == len(default_dataset.assignments)
    url = default_server.endpoint()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert urlsplit(url).port != 0
    default_server.stdout.wait_for(re.escape(f"(health: {url}/_mockturk/health)"))
    default_server.stdout.wait_for(re.escape(f"Worker site: {url}/site/"))


def test_the_banner_snippet_runs_as_printed(default_server, default_dataset, capsys):
    url = default_server.endpoint()
    default_server.stdout.wait_for(re.escape('print(mturk.list_hits()["NumResults"])'))
    banner = default_server.stdout.text()
    assert "Clock: frozen at 2026-11-21T00:00:00" in banner  # not the real time: told
    snippet = textwrap.dedent(banner[banner.index("    import boto3") :])
    assert f'endpoint_url="{url}"' in snippet

    exec(compile(snippet, "<banner>", "exec"), {})  # the snippet a user would paste

    printed = capsys.readouterr().out.strip()
    assert printed.isdigit()
    assert 0 < int(printed) <= len(default_dataset.hits)


def test_the_banner_snippet_names_the_key_signatures_are_checked_with_never_its_secret():
    with Server(
        "--port", "0", "--verify-signatures", "--access-key", "AKIDSTUDY:s3cret-of-the-study"
    ) as server:
        server.stdout.wait_for(re.escape('print(mturk.list_hits()["NumResults"])'))
        banner = server.stdout.text()
    assert 'aws_access_key_id="AKIDSTUDY"' in banner
    assert 'aws_secret_access_key="<the secret of AKIDSTUDY>"' in banner
    assert "s3cret-of-the-study" not in banner


def test_the_requesters_setting_is_told_in_the_banner_and_a_bad_one_refused():
    env = clean_env(MOCKTURK_REQUESTERS="per-key")
    with Server("--port", "0", env=env) as server:
        server.stdout.wait_for("Requesters: one per access key")
    done = run("serve", "--requesters", "many")
    assert done.returncode == 2
    assert "invalid choice: 'many'" in done.stderr
    done = run("serve", env=clean_env(MOCKTURK_REQUESTERS="many"))
    assert done.returncode == 2
    assert "MOCKTURK_REQUESTERS: 'many' is not one of one, per-key" in done.stderr


def test_health_reports_the_loaded_records(default_server, default_dataset):
    status, body = default_server.health()
    assert status == 200
    assert body == {
        "status": "ok",
        "version": __version__,
        "records": {
            "HITs": len(default_dataset.hits),
            "Assignments": len(default_dataset.assignments),
        },
    }


def test_boto3_lists_the_hits_of_the_bundled_data(default_server, default_dataset):
    mturk = client(default_server.endpoint())
    seen = []
    for page in mturk.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 10}):
        assert page["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert page["NumResults"] == len(page["HITs"])
        seen.extend(hit["HITId"] for hit in page["HITs"])
    live = {hit.HITId for hit in default_dataset.hits if hit.HITStatus != "Disposed"}
    assert len(seen) == len(set(seen))
    assert set(seen) == live


def test_every_request_logs_one_line_with_operation_and_status(default_server):
    mturk = client(default_server.endpoint())
    listed = mturk.list_hits(MaxResults=1)["ResponseMetadata"]["RequestId"]
    with pytest.raises(mturk.exceptions.RequestError) as caught:
        mturk.get_assignment(AssignmentId="3NOSUCHASSIGNMENT")
    missing = caught.value.response["ResponseMetadata"]["RequestId"]

    # Lines are written off the event loop, a moment after the response: each is found by the
    # request ID its response carried, so no other test's requests can be mistaken for it.
    line = default_server.stderr.wait_for(rf"\bListHITs 200 \S+ms {listed}$").string
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO mockturk\.requests: ", line)
    default_server.stderr.wait_for(rf"\bGetAssignment 400 \S+ms {missing}$")
    assert default_server.stderr.count(listed) == 1
    assert default_server.stderr.count(missing) == 1
    assert "Traceback" not in default_server.stderr.text()


def test_control_plane_calls_are_logged_like_api_calls(tmp_path):
    with Server("--port", "0", "--log-level", "debug") as server:
        port = server.port()
        for method, path in [
            ("GET", "/_mockturk/health"),
            ("POST", "/_mockturk/reset?to=everything"),
            ("GET", "/no/such/%0Apath"),
        ]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request(method, path)
            connection.getresponse().read()
            connection.close()
        server.stderr.wait_for(r"DEBUG mockturk\.requests: GET /_mockturk/health 200 \S+ms -$")
        server.stderr.wait_for(
            r"INFO mockturk\.requests: POST /_mockturk/reset\?to=everything 400 "
        )
        # An AWS-shaped error carries its request ID; the path is logged as sent, encoded.
        server.stderr.wait_for(
            r"INFO mockturk\.requests: GET /no/such/%0Apath 404 \S+ms [0-9a-f-]{36}$"
        )
        assert server.stop(signal.SIGTERM) == 0
        assert "Traceback" not in server.stderr.text()


def test_health_checks_are_not_logged_at_the_default_level(default_server):
    mturk = client(default_server.endpoint())
    assert default_server.health()[0] == 200
    marker = mturk.list_hits(MaxResults=1)["ResponseMetadata"]["RequestId"]
    default_server.stderr.wait_for(marker)  # written after the health check's would have been
    assert default_server.stderr.count("/_mockturk/health") == 0


def test_every_line_is_written_before_the_server_exits(tmp_path):
    with Server("--port", "0") as server:
        mturk = client(server.endpoint())
        ids = [mturk.list_hits(MaxResults=1)["ResponseMetadata"]["RequestId"] for _ in range(50)]
        assert server.stop(signal.SIGTERM) == 0
        server.stderr.wait_for(r"Finished server process")
        server.stderr.close()  # read to the end of the stream
        text = server.stderr.text()
        assert all(text.count(request_id) == 1 for request_id in ids)
        last = text.rstrip().splitlines()[-1]
        assert last.endswith(f"Finished server process [{server.process.pid}]")


# --- Options and environment ----------------------------------------------------------------------


def test_fixtures_given_twice_are_served_together_and_sigterm_stops(split_fixtures):
    hits, assignments = split_fixtures
    # The options win over the environment: these settings must be ignored.
    env = clean_env(MOCKTURK_FIXTURES=str(hits.parent / "missing.json"), MOCKTURK_PORT="abc")
    args = ["--port", "0", "--fixtures", str(hits), "--fixtures", str(assignments)]
    with Server(*args, env=env) as server:
        summary = server.stdout.wait_for(SUMMARY.pattern)
        assert summary.group(2, 3) == ("2", "3")
        assert str(hits) in summary.group(4)
        assert str(assignments) in summary.group(4)
        status, body = server.health()
        assert status == 200
        assert body["records"] == {"HITs": 2, "Assignments": 3}

        server.stop(signal.SIGTERM)  # returns once the process has ended (or fails the test)
        server.stderr.wait_for(r"Finished server process")
        assert "Traceback" not in server.stderr.text()


def test_environment_variables_choose_fixtures_host_and_port(split_fixtures):
    hits, assignments = split_fixtures
    env = clean_env(
        MOCKTURK_FIXTURES=os.pathsep.join([str(hits), str(assignments)]),
        MOCKTURK_HOST="localhost",
        MOCKTURK_PORT="0",
    )
    with Server(env=env) as server:
        url = urlsplit(server.endpoint())
        assert url.hostname == "localhost"  # MOCKTURK_HOST, not the default 127.0.0.1
        assert url.port not in (0, 8765)  # MOCKTURK_PORT=0, not the default 8765
        status, body = server.health()
        assert status == 200
        assert body["records"] == {"HITs": 2, "Assignments": 3}


def test_sigterm_exits_zero():
    with Server("--port", "0") as server:
        assert server.health()[0] == 200  # serving, so the signal handlers are in place
        assert server.stop(signal.SIGTERM) == 0


def test_sigint_exits_zero_without_a_traceback():
    with Server("--port", "0") as server:
        assert server.health()[0] == 200
        code = server.stop(signal.SIGINT)
        server.stderr.wait_for(r"Finished server process")
        assert "Traceback" not in server.stderr.text()
        assert code == 0


# --- Start-up failures ---------------------------------------------------------------------------


def test_a_bad_fixture_exits_2_with_one_message(tmp_path):
    path = tmp_path / "hits.json"
    path.write_text(
        json.dumps({"HITs": [hit_record("3GOOD"), hit_record("3ABC", MaxAssignments="3")]})
    )
    done = run("serve", "--port", "0", "--fixtures", str(path))
    assert done.returncode == 2
    assert done.stdout == ""  # no banner: no server was started
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("mockturk: cannot start: 1 problem in the fixtures:")
    lines = done.stderr.splitlines()
    assert len(lines) == 2, done.stderr
    assert lines[1].startswith(f"{path}: HITs[1] (HITId 3ABC), field 'MaxAssignments'")


def test_a_missing_fixture_path_exits_2_naming_it(tmp_path):
    path = tmp_path / "nowhere.yaml"
    done = run("serve", "--port", "0", env=clean_env(MOCKTURK_FIXTURES=str(path)))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("mockturk: cannot start:")
    assert str(path) in done.stderr
    assert "Traceback" not in done.stderr


def test_epoch_milliseconds_in_a_fixture_exit_2_without_a_traceback(tmp_path):
    path = tmp_path / "hits.json"
    path.write_text(json.dumps({"HITs": [hit_record("3ABC", CreationTime=1793527200000)]}))
    done = run("serve", "--port", "0", "--fixtures", str(path))
    assert "Traceback" not in done.stderr
    assert done.returncode == 2
    assert "field 'CreationTime'" in done.stderr


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_port_in_use_exits_3_naming_the_port(how):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        if how == "option":
            done = run("serve", "--host", "127.0.0.1", "--port", str(port))
        else:
            done = run("serve", env=clean_env(MOCKTURK_HOST="127.0.0.1", MOCKTURK_PORT=str(port)))
    assert done.returncode == 3
    assert f"127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Endpoint:" not in done.stdout


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["serve", "--port", "abc"], "not a port number"),
        (["serve", "--port", "70000"], "not a port number"),
        (["serve", "--log-level", "loud"], "invalid choice"),
        ([], "required"),
        (["launch"], "invalid choice"),
    ],
    ids=["port-abc", "port-too-big", "log-level", "no-subcommand", "unknown-subcommand"],
)
def test_bad_arguments_exit_2_with_usage(args, complaint):
    done = run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "usage: mockturk" in done.stderr
    assert complaint in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_port_in_the_environment_exits_2():
    done = run("serve", env=clean_env(MOCKTURK_PORT="abc"))
    assert "MOCKTURK_PORT" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.returncode == 2


@pytest.mark.parametrize(
    "command",
    [(str(MOCKTURK),), (sys.executable, "-m", "mockturk")],
    ids=["script", "python-m"],
)
def test_version(command):
    done = run("--version", command=command)
    assert done.returncode == 0
    assert done.stdout.strip() == f"mockturk {__version__}"
