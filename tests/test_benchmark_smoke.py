"""The benchmark's quick mode runs end to end, so it cannot rot (its timings are not judged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_quick_mode_reports_every_case(tmp_path):
    report = tmp_path / "report.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--python-load",
         "--out", str(report)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [line for line in report.read_text().splitlines() if line.startswith("| ")][1:]
    cases = [row.split("|")[1].strip() for row in rows]
    assert cases == [
        "GetAssignment",
        "ListHITs MaxResults=100",
        "ListHITs default page",
        "ListAssignmentsForHIT 100",
        "ListAssignmentsForHIT filtered",
        "error (unknown assignment)",
    ]
    for row in rows:
        ratio = float(row.split("|")[5].strip().rstrip("x"))
        assert ratio > 0
