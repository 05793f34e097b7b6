"""Smoke-test a running mockturk server (the container) with boto3, as a user's tests would.

    .venv/bin/python .ci/container_smoke.py ENDPOINT_URL [--fixtures DIR]

DIR is the fixture directory the server was started with (default: the repository's bundled data
set, fixtures/default). The script checks that the server serves exactly DIR's records:

- GET /_mockturk/health answers 200 with DIR's record counts;
- ListHITs in pages of 10, following NextToken, returns every HIT of DIR but the Disposed ones,
  each once, in the order of one single large page, the last page without a NextToken; boto3's
  own paginator agrees;
- ListAssignmentsForHIT and GetAssignment return a HIT's assignments;
- GetAssignment of an unknown ID fails with the service's error (RequestError, HTTP 400).

It prints one line per check and exits 1 on the first failure. Run by .ci/container-check.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parent.parent
PAGE = 10
UNKNOWN_ASSIGNMENT = "3NOSUCHASSIGNMENT0000000000000"


class SmokeFailure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def load_records(directory: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The HIT and assignment records of a fixture directory (the keys this script needs)."""
    hits: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    files = sorted(p for p in directory.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
    check(bool(files), f"no fixture files in {directory}")
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        hits += data.get("HITs", []) + ([data["HIT"]] if "HIT" in data else [])
        assignments += data.get("Assignments", []) + (
            [data["Assignment"]] if "Assignment" in data else []
        )
    return hits, assignments


def client(endpoint_url: str) -> Any:
    return boto3.client(
        "mturk",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="mock",
        aws_secret_access_key="mock",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10),
    )


def check_health(endpoint_url: str, hits: int, assignments: int) -> None:
    with urllib.request.urlopen(f"{endpoint_url}/_mockturk/health", timeout=5) as response:
        check(response.status == 200, f"health: HTTP {response.status}")
        health = json.load(response)
    check(health.get("status") == "ok", f"health: {health}")
    expected = {"HITs": hits, "Assignments": assignments}
    records = health.get("records")
    check(records == expected, f"health records {records} != the fixtures' {expected}")
    print(f"ok  health: {health}")


def check_list_hits(mturk: Any, expected_ids: set[str]) -> None:
    everything = mturk.list_hits(MaxResults=100)
    all_ids = [hit["HITId"] for hit in everything["HITs"]]
    check(len(expected_ids) <= 100, "the smoke test expects at most 100 listed HITs")
    check("NextToken" in everything or not all_ids, "a non-empty page must carry a NextToken")

    paged: list[str] = []
    pages = 0
    kwargs: dict[str, Any] = {"MaxResults": PAGE}
    while True:
        page = mturk.list_hits(**kwargs)
        pages += 1
        ids = [hit["HITId"] for hit in page["HITs"]]
        check(page["NumResults"] == len(ids), f"page {pages}: NumResults != len(HITs)")
        check(len(ids) <= PAGE, f"page {pages}: {len(ids)} HITs > MaxResults {PAGE}")
        paged += ids
        if "NextToken" not in page:
            check(not ids, f"page {pages}: a non-empty page without a NextToken")
            break
        check(pages <= len(expected_ids) // PAGE + 2, "ListHITs does not stop paginating")
        kwargs["NextToken"] = page["NextToken"]

    check(len(paged) == len(set(paged)), "ListHITs pages repeat HITs")
    check(paged == all_ids, "pages of 10 do not equal one page of 100, in order")
    check(
        set(paged) == expected_ids,
        f"ListHITs returned {sorted(set(paged) ^ expected_ids)} unlike the fixtures",
    )
    via_paginator = [
        hit["HITId"]
        for page in mturk.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": PAGE})
        for hit in page["HITs"]
    ]
    check(via_paginator == paged, "boto3's paginator disagrees with manual paging")
    print(f"ok  ListHITs: {len(paged)} HITs over {pages} pages of {PAGE}, no repeats")


def check_assignments(mturk: Any, assignments: list[dict[str, Any]], listed: set[str]) -> None:
    candidates = [
        a
        for a in assignments
        if a["HITId"] in listed and a["AssignmentStatus"] in ("Submitted", "Approved", "Rejected")
    ]
    check(bool(candidates), "the fixtures have no listed assignment to look up")
    hit_id = candidates[0]["HITId"]
    expected = {a["AssignmentId"] for a in candidates if a["HITId"] == hit_id}
    found: list[dict[str, Any]] = []
    pages = 0
    kwargs: dict[str, Any] = {"HITId": hit_id, "MaxResults": 100}
    while True:
        page = mturk.list_assignments_for_hit(**kwargs)
        pages += 1
        found += page["Assignments"]
        if "NextToken" not in page:
            break
        check(pages <= len(expected) // 100 + 2, "ListAssignmentsForHIT does not stop paginating")
        kwargs["NextToken"] = page["NextToken"]
    found_ids = [a["AssignmentId"] for a in found]
    check(len(found_ids) == len(set(found_ids)), "ListAssignmentsForHIT pages repeat assignments")
    check(
        set(found_ids) == expected,
        f"ListAssignmentsForHIT({hit_id}) differs from the fixtures in "
        f"{sorted(set(found_ids) ^ expected)}",
    )
    first = found[0]
    got = mturk.get_assignment(AssignmentId=first["AssignmentId"])
    check(got["Assignment"] == first, "GetAssignment differs from ListAssignmentsForHIT's record")
    check(got["HIT"]["HITId"] == hit_id, "GetAssignment returned another HIT")
    print(
        f"ok  ListAssignmentsForHIT({hit_id}): {len(found)} over {pages} page(s); "
        f"GetAssignment({first['AssignmentId']}): {first['AssignmentStatus']}"
    )


def check_error(mturk: Any) -> None:
    try:
        mturk.get_assignment(AssignmentId=UNKNOWN_ASSIGNMENT)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        check(code == "RequestError" and status == 400, f"unknown assignment: {code} {status}")
        print(f"ok  GetAssignment(unknown): {code} ({error.response['Error']['Message']})")
        return
    raise SmokeFailure("GetAssignment of an unknown assignment succeeded")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint_url")
    parser.add_argument("--fixtures", type=Path, default=ROOT / "fixtures" / "default")
    args = parser.parse_args()
    endpoint_url = args.endpoint_url.rstrip("/")

    hits, assignments = load_records(args.fixtures)
    listed = {hit["HITId"] for hit in hits if hit.get("HITStatus") != "Disposed"}
    mturk = client(endpoint_url)
    try:
        check_health(endpoint_url, len(hits), len(assignments))
        check_list_hits(mturk, listed)
        check_assignments(mturk, assignments, listed)
        check_error(mturk)
    except SmokeFailure as failure:
        print(f"FAIL {endpoint_url}: {failure}", file=sys.stderr)
        return 1
    print(f"ok  boto3 smoke test passed against {endpoint_url}, serving {args.fixtures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
