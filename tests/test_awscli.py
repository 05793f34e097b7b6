"""The AWS CLI against a real server, and its saved output used as fixtures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mockturk.fixtures import load_fixture_paths

AWS = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
pytestmark = pytest.mark.skipif(AWS is None, reason="the AWS CLI is a test dependency")


@pytest.fixture(scope="module", params=["none", "iso8601"])
def aws(request, server, tmp_path_factory):
    """Run ``aws mturk ...`` against the test server, with either timestamp output format."""
    home = tmp_path_factory.mktemp("aws")
    config = home / "config"
    config.write_text(f"[default]\ncli_timestamp_format = {request.param}\n")
    env = {
        **os.environ,
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_ACCESS_KEY_ID": "mock",
        "AWS_SECRET_ACCESS_KEY": "mock",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [AWS, "mturk", *args, "--endpoint-url", server.endpoint_url, "--output", "json"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        if check:
            assert done.returncode == 0, done.stderr
        return done

    return run


def test_list_hits_pages_through_everything(aws, default_dataset):
    output = json.loads(aws("list-hits").stdout)
    live = [h.HITId for h in default_dataset.hits if h.HITStatus != "Disposed"]
    assert sorted(h["HITId"] for h in output["HITs"]) == sorted(live)


def big_hit_id(data) -> str:
    return max(
        {h.HITId for h in data.hits},
        key=lambda hit_id: sum(a.HITId == hit_id for a in data.assignments),
    )


def test_cli_paging_with_max_items(aws, default_dataset):
    big = big_hit_id(default_dataset)
    first = json.loads(aws("list-assignments-for-hit", "--hit-id", big, "--max-items", "15").stdout)
    assert len(first["Assignments"]) == 15
    rest = json.loads(
        aws(
            "list-assignments-for-hit", "--hit-id", big, "--starting-token", first["NextToken"]
        ).stdout
    )
    seen = [a["AssignmentId"] for a in first["Assignments"] + rest["Assignments"]]
    assert len(seen) == len(set(seen)) == sum(a.HITId == big for a in default_dataset.assignments)


def test_cli_errors(aws):
    missing = aws("get-assignment", "--assignment-id", "3NOSUCHASSIGNMENT", check=False)
    assert missing.returncode != 0
    assert "RequestError" in missing.stderr and "does not exist" in missing.stderr
    too_many = aws("list-hits", "--max-results", "101", "--no-paginate", check=False)
    assert too_many.returncode != 0
    assert "ValidationException" in too_many.stderr
    assert "Traceback" not in missing.stderr + too_many.stderr


def test_saved_cli_output_is_a_valid_fixture(aws, default_dataset, tmp_path):
    # Saved list-hits output states every HIT's counters, even for assignments left unsaved.
    hits_output = aws("list-hits").stdout
    (tmp_path / "hits.json").write_text(hits_output)
    live = {h["HITId"] for h in json.loads(hits_output)["HITs"]}
    other = next(a.HITId for a in default_dataset.assignments if a.HITId in live)
    saved_for = {big_hit_id(default_dataset), other}
    for hit_id in saved_for:
        listing = aws("list-assignments-for-hit", "--hit-id", hit_id).stdout
        (tmp_path / f"assignments-{hit_id}.json").write_text(listing)

    reloaded = load_fixture_paths([tmp_path], datetime.now(UTC))

    assert {h.HITId: h for h in reloaded.hits} == {
        h.HITId: h for h in default_dataset.hits if h.HITId in live
    }
    assert {a.AssignmentId: a for a in reloaded.assignments} == {
        a.AssignmentId: a for a in default_dataset.assignments if a.HITId in saved_for
    }


def test_saved_get_assignment_output_is_a_valid_fixture(aws, default_dataset, tmp_path):
    live = {h.HITId for h in default_dataset.hits if h.HITStatus != "Disposed"}
    expected = next(a for a in default_dataset.assignments if a.HITId in live)
    saved = tmp_path / "one.json"
    saved.write_text(aws("get-assignment", "--assignment-id", expected.AssignmentId).stdout)

    reloaded = load_fixture_paths([saved], datetime.now(UTC))

    assert reloaded.assignments == [expected]
    assert [h.HITId for h in reloaded.hits] == [expected.HITId]
