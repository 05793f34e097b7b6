"""The benchmark's quick mode runs end to end, so it cannot rot (its timings are not judged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    "GetAssignment",
    "ListHITs MaxResults=100",
    "ListHITs default page",
    "ListAssignmentsForHIT 100",
    "ListAssignmentsForHIT filtered",
    "error (unknown assignment)",
]
WRITE_CASES = ["CreateHIT", "ApproveAssignment", "worker accept + submit"]
VERDICTS = {"yes", "**no**", "not measured"}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("benchmark") / "report.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--python-load",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out.read_text()


def table(report: str, heading: str) -> list[dict[str, str]]:
    """The first table under ``## heading``, as one dict per row keyed by column name."""
    lines = report.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0].splitlines()
    rows = [line for line in lines if line.startswith("| ")]
    if not rows:
        return []
    names = [cell.strip() for cell in rows[0].strip("|").split("|")]
    return [
        dict(zip(names, (cell.strip() for cell in row.strip("|").split("|")), strict=True))
        for row in rows[1:]
    ]


def number(text: str) -> float:
    return float(text.split()[0].rstrip("xs").replace(",", ""))


def test_every_target_is_stated_with_a_verdict(report):
    targets = table(report, "Targets")
    assert len(targets) == 11
    assert {row["met"] for row in targets} <= VERDICTS
    by_name = {row["target"].split(":")[0]: row for row in targets}
    for case in ("ListHITs MaxResults=100", "GetAssignment", *WRITE_CASES):
        assert by_name[case]["met"] in {"yes", "**no**"}  # measured even in quick mode
        assert by_name[case]["measured"].startswith("worst ")


def test_throughput_covers_every_case_against_the_baseline(report):
    rows = table(report, "Throughput: mockturk vs the bare stack")
    assert [row["case"] for row in rows] == CASES
    for row in rows:
        assert row["size"] == "1k"
        assert row["status"] == ("400" if row["case"].startswith("error") else "200")
        assert number(row["body bytes"]) > 0
        assert number(row["mockturk req/s"]) > 0 and number(row["bare req/s"]) > 0
        assert number(row["ratio"]) > 0


def test_writes_are_measured_against_the_baseline(report):
    rows = table(report, "Writes: mockturk vs the bare stack")
    assert [row["case"] for row in rows] == WRITE_CASES
    for row in rows:
        assert row["size"] == "1k"
        assert row["status"] == "200"  # a refused write stops the run instead
        assert number(row["body bytes"]) > 0
        assert number(row["mockturk req/s"]) > 0 and number(row["bare req/s"]) > 0
        assert number(row["ratio"]) > 0


def test_the_request_log_is_measured_against_a_quiet_server(report):
    rows = table(report, "The request log's cost")
    assert [row["case"] for row in rows] == CASES
    for row in rows:
        assert number(row["req/s, default (info)"]) > 0
        assert number(row["req/s, warning"]) > 0
        assert number(row["ratio"]) > 0
        assert 0 < number(row["ratio from CPU"]) <= 1.5
        float(row["added CPU µs/req, in process"])  # a signed number of microseconds
    # The default server really logged: the comparison would mean nothing otherwise.
    written = report.split("The logging server wrote ", 1)[1].split(" request lines", 1)[0]
    assert number(written) > 0


def test_startup_and_memory_are_measured(report):
    rows = {row["size"]: row for row in table(report, "Start-up and memory")}
    assert list(rows) == ["tiny", "1k"]
    for row in rows.values():
        assert number(row["spawn to healthy"]) > 0
        assert number(row["peak RSS (VmHWM)"]) > 0
    assert number(rows["1k"]["per record (RSS)"]) > 0


def test_boto3_calls_are_timed_against_both_servers(report):
    rows = table(report, "boto3 end to end")
    assert [row["case"] for row in rows] == CASES
    for row in rows:
        assert number(row["mockturk ms/call"]) > 0 and number(row["bare ms/call"]) > 0


def test_sections_that_quick_mode_skips_say_so(report):
    assert "## Flat in store size" in report
    assert "needs two sizes" in report
    assert "## moto_server on comparable calls" in report
