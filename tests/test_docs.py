"""The examples in the README and docs run, so they cannot drift from the code."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from mockturk.fixtures import FixtureError, build_dataset

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DEFAULT_URL = "http://127.0.0.1:8765"


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", path.read_text(), re.S | re.M)


def test_readme_python_example_runs(server, capsys):
    (example,) = blocks(ROOT / "README.md", "python")
    assert DEFAULT_URL in example
    exec(compile(example.replace(DEFAULT_URL, server.endpoint_url), "README", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) > 30
    assert printed[-1].startswith("A")  # the WorkerId of the fetched assignment


@pytest.mark.parametrize(
    ("path", "index"),
    [(path, index) for path in DOCS for index, _ in enumerate(blocks(path, "yaml"))],
    ids=lambda value: value.name if isinstance(value, Path) else str(value),
)
def test_yaml_examples_are_valid_fixtures(path, index):
    document = yaml.safe_load(blocks(path, "yaml")[index])
    data = build_dataset([(path.name, document)], datetime.now(UTC))
    assert data.hits and data.assignments


def test_readme_fixture_error_example_is_what_the_loader_says():
    readme = ROOT / "README.md"
    document = yaml.safe_load(blocks(readme, "yaml")[0])
    document["HITs"][0]["Reward"] = "0.255"
    with pytest.raises(FixtureError) as caught:
        build_dataset([("my-hits.yaml", document)], datetime.now(UTC))
    shown = "mockturk: cannot start: " + str(caught.value)
    assert shown in readme.read_text()
