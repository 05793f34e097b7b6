"""The examples in the README and docs run, so they cannot drift from the code."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from mockturk.fixtures import FixtureError, build_dataset
from mockturk.operations import HANDLERS
from mockturk.spec import load_spec
from mockturk.testing import serve

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DEFAULT_URL = "http://127.0.0.1:8765"


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", path.read_text(), re.S | re.M)


def readme_test_files() -> dict[str, str]:
    """README examples that are whole test files, by the file name in their first line."""
    named = {}
    for block in blocks(ROOT / "README.md", "python"):
        first = block.splitlines()[0]
        if first.startswith("# test_") and first.endswith(".py"):
            named[first.removeprefix("# ")] = block
    return named


def test_readme_python_example_runs(server, capsys):
    (example,) = [b for b in blocks(ROOT / "README.md", "python") if not b.startswith("# ")]
    assert DEFAULT_URL in example
    exec(compile(example.replace(DEFAULT_URL, server.endpoint_url), "README", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) > 30
    assert printed[-1].startswith("A")  # the WorkerId of the fetched assignment


def fixture_blocks(path: Path) -> list[str]:
    """The YAML examples that are fixtures (the others are compose files, CI jobs...)."""
    return [b for b in blocks(path, "yaml") if re.search(r"^(HITs|Assignments):", b, re.M)]


@pytest.mark.parametrize(
    ("path", "index"),
    [(path, index) for path in DOCS for index, _ in enumerate(fixture_blocks(path))],
    ids=lambda value: value.name if isinstance(value, Path) else str(value),
)
def test_yaml_examples_are_valid_fixtures(path, index):
    document = yaml.safe_load(fixture_blocks(path)[index])
    data = build_dataset([(path.name, document)], datetime.now(UTC))
    assert data.hits and data.assignments


def test_readme_fixture_error_example_is_what_the_loader_says():
    readme = ROOT / "README.md"
    document = yaml.safe_load(fixture_blocks(readme)[0])
    document["HITs"][0]["Reward"] = "0.255"
    with pytest.raises(FixtureError) as caught:
        build_dataset([("my-hits.yaml", document)], datetime.now(UTC))
    shown = "mockturk: cannot start: " + str(caught.value)
    assert shown in readme.read_text()


def test_readme_pytest_example_passes_with_nothing_but_the_installed_plugin(tmp_path):
    (tmp_path / "test_hits.py").write_text(readme_test_files()["test_hits.py"])
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_hits.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout, done.stdout


def test_readme_unittest_example_runs_every_test_as_a_script(tmp_path):
    (tmp_path / "test_with_unittest.py").write_text(readme_test_files()["test_with_unittest.py"])
    done = subprocess.run(
        [sys.executable, "test_with_unittest.py", "-v"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Ran 3 tests" in done.stderr and done.stderr.rstrip().endswith("OK"), done.stderr


def curl_commands(path: Path) -> list[list[str]]:
    """The curl commands of a document's sh blocks, split as the shell would."""
    commands = []
    for block in blocks(path, "sh"):
        for line in block.replace("\\\n", " ").splitlines():
            if line.startswith("curl "):
                commands.append(shlex.split(line)[1:])
    return commands


def run_curl(arguments: list[str], endpoint: str, workdir: Path) -> tuple[int, bytes]:
    """Do what ``curl`` would do with the few options the README uses."""
    method, headers, data, output, url = "GET", {}, None, None, None
    options = iter(arguments)
    for option in options:
        if option == "-s":
            continue
        if option == "-X":
            method = next(options)
        elif option == "-H":
            name, value = next(options).split(": ", 1)
            headers[name] = value
        elif option == "--data-binary":
            source = next(options).removeprefix("@")
            local = workdir / source
            data = (local if local.exists() else ROOT / source).read_bytes()
            method = "POST" if method == "GET" else method
        elif option == "-d":
            data = next(options).encode()
            method = "POST" if method == "GET" else method
        elif option == "-o":
            output = workdir / next(options)
        else:
            assert option.startswith(DEFAULT_URL), option
            url = option.replace(DEFAULT_URL, endpoint)
    assert url is not None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        if output is not None:
            output.write_bytes(body)
        return response.status, body


def test_readme_curl_examples_work_in_order(default_dataset, tmp_path):
    commands = curl_commands(ROOT / "README.md")
    assert len(commands) == 10
    # On real time, as the README's readers run them; they count records, which time leaves.
    with serve(default_dataset) as server:
        before = datetime.now(UTC)
        for arguments in commands:
            status, body = run_curl(arguments, server.endpoint_url, tmp_path)
            assert status == 200, (arguments, body)
            assert json.loads(body)
        saved = json.loads((tmp_path / "state.json").read_text())
        assert len(saved["HITs"]) == 43 and len(saved["Assignments"]) == 330
        # The last fixtures example replaced everything with the HITs file alone.
        counts = server.on_loop(lambda account: account.store.counts())
        assert counts == {"HITs": 43, "Assignments": 0}
        # The clock examples left it running again, a day and an hour on from when they ran.
        assert not server.clock.frozen and server.clock.now() >= before + timedelta(hours=25)


def test_readme_clock_example_runs():
    readme = ROOT / "README.md"
    (example,) = [b for b in blocks(readme, "python") if b.startswith("# clock_example.py")]
    exec(compile(example, "README clock example", "exec"), {})


def test_readme_requesters_example_runs(capsys):
    readme = ROOT / "README.md"
    (example,) = [b for b in blocks(readme, "python") if b.startswith("# requesters_example.py")]
    exec(compile(example, "README requesters example", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert "when calling the GetHIT operation" in printed[0]
    assert re.search(r": Hit 3[0-9A-Z]{29} does not exist\. \(\d+\)$", printed[0])
    assert printed[1] == "1"


def test_readme_workflow_example_runs():
    readme = ROOT / "README.md"
    (example,) = [b for b in blocks(readme, "python") if b.startswith("# workflow_example.py")]
    exec(compile(example, "README workflow example", "exec"), {})


def test_readme_screening_example_runs():
    readme = ROOT / "README.md"
    (example,) = [b for b in blocks(readme, "python") if b.startswith("# screening_example.py")]
    exec(compile(example, "README screening example", "exec"), {})


def test_readme_notifications_example_runs(capsys):
    readme = ROOT / "README.md"
    (example,) = [b for b in blocks(readme, "python") if b.startswith("# notifications_example")]
    exec(compile(example, "README notifications example", "exec"), {})
    assert capsys.readouterr().out.splitlines()[-1] == "AssignmentSubmitted"


def test_the_docs_count_the_operations_there_are():
    readme = (ROOT / "README.md").read_text()
    behaviour = (ROOT / "docs" / "behaviour.md").read_text()
    every = f"All {len(load_spec().operation_names)} of the model's operations are implemented"
    assert len(HANDLERS) == len(load_spec().operation_names)
    assert every in readme
    assert every in behaviour
    table = readme[readme.index("## Supported operations") : readme.index("## Fixtures")]
    assert sorted(set(re.findall(r"`([A-Z][A-Za-z]+)`", table)) & set(HANDLERS)) == sorted(HANDLERS)


def test_the_handler_table_is_the_models_operations():
    """Every operation of the model has its handler, and no handler is for anything else."""
    assert set(HANDLERS) == set(load_spec().operation_names)
    assert len(HANDLERS) == 39
