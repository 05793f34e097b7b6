"""The project as a user installs it: lint- and type-clean, and a wheel that carries its default
data and its type information."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff is a test dependency")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_is_clean(command):
    done = subprocess.run([RUFF, *command, "."], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_types_are_clean():
    # The files, strictness and Python version are [tool.mypy]'s in pyproject.toml; the cache
    # in .mypy_cache makes a second run take a fraction of a second.
    assert importlib.util.find_spec("mypy"), "mypy is a test dependency: pip install -e '.[test]'"
    done = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_wheel_carries_the_default_fixtures_and_type_information(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("mockturk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    bundled = sorted(n for n in names if n.startswith("mockturk/_default_fixtures/"))
    shipped = sorted(p.name for p in (ROOT / "fixtures" / "default").iterdir())
    assert [Path(n).name for n in bundled] == shipped
    assert not any(n.startswith("tests/") for n in names)
    assert "mockturk/py.typed" in names
