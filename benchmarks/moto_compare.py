"""moto_server on comparable calls (``--moto``; needs ``pip install 'moto[server]'``).

moto does not implement MTurk, so each MTurk case is compared with the closest calls
moto_server does serve over the same AWS JSON protocol, on records of about the same size:

- GetAssignment: DynamoDB GetItem of one item (about an assignment's size);
- the listings: DynamoDB Scan, Limit=100, over items of about a HIT's size, and CloudWatch Logs
  DescribeLogGroups (AWS JSON 1.1, a default page of 50 groups);
- the error: DynamoDB GetItem on a table that does not exist (400 ResourceNotFoundException).

Where a case has several comparable calls, the report takes the fastest (the hardest to beat).
moto_server is measured with the same load generator, in the same run, after mockturk.
"""

from __future__ import annotations

import importlib.util
import statistics
from dataclasses import dataclass
from typing import Any

import servers
from load import Measurement, Request, measure

TABLE = "benchmark"
ITEMS = 200
LOG_GROUPS = 100
JSON_10 = "application/x-amz-json-1.0"
PAD = "x" * 560  # makes an item about as large as a HIT on the wire


@dataclass(frozen=True)
class MotoCall:
    name: str
    request: Request
    compares_with: tuple[str, ...]  # the mockturk cases it is comparable with


@dataclass(frozen=True)
class MotoRow:
    call: MotoCall
    measurement: Measurement
    body_bytes: int


def available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("moto", "flask", "boto3"))


def _signed(service: str) -> dict[str, str]:
    """An Authorization header whose credential scope names the service (moto routes by it)."""
    scope = f"mock/20260101/us-east-1/{service}/aws4_request"
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0"
    }


def _dynamodb(operation: str, params: dict) -> Request:
    return Request(f"DynamoDB_20120810.{operation}", params, JSON_10, _signed("dynamodb"))


LISTINGS = (
    "ListHITs MaxResults=100",
    "ListHITs default page",
    "ListAssignmentsForHIT 100",
    "ListAssignmentsForHIT filtered",
)


def calls() -> list[MotoCall]:
    get_item = {"TableName": TABLE, "Key": {"id": {"S": "item-7"}}}
    missing = {"TableName": "nosuchtable", "Key": {"id": {"S": "x"}}}
    log_groups = Request("Logs_20140328.DescribeLogGroups", {}, headers=_signed("logs"))
    return [
        MotoCall("DynamoDB GetItem", _dynamodb("GetItem", get_item), ("GetAssignment",)),
        MotoCall("DynamoDB Scan Limit=100", _dynamodb("Scan", {"TableName": TABLE, "Limit": 100}),
                 LISTINGS),
        MotoCall("Logs DescribeLogGroups (50)", log_groups, LISTINGS),
        MotoCall("DynamoDB GetItem, no such table", _dynamodb("GetItem", missing),
                 ("error (unknown assignment)",)),
    ]  # fmt: skip


def _client(service: str, port: int) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="mock",
        aws_secret_access_key="mock",
    )


def _seed(port: int) -> None:
    dynamodb = _client("dynamodb", port)
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for number in range(ITEMS):
        item = {
            "id": {"S": f"item-{number}"},
            "title": {"S": "Rate short sentences"},
            "created": {"N": str(1780315144 - number * 60)},
            "status": {"S": "Reviewable"},
            "max": {"N": "10"},
            "body": {"S": PAD},
        }
        dynamodb.put_item(TableName=TABLE, Item=item)
    logs = _client("logs", port)
    for number in range(LOG_GROUPS):
        logs.create_log_group(logGroupName=f"/mockturk/benchmark/group-{number:03d}")


def run(rounds: int, seconds: float, wrk: bool) -> list[MotoRow]:
    rows = []
    with servers.moto_server() as moto:
        _seed(moto.port)
        for call in calls():
            request = call.request
            _, body = servers.post(
                moto.port, request.target, request.params, request.content_type, request.headers
            )
            found = [
                measure(moto.proc.pid, moto.port, request, seconds, wrk) for _ in range(rounds)
            ]
            rows.append(MotoRow(call, _medians(found), len(body)))
    return rows


def _medians(found: list[Measurement]) -> Measurement:
    return Measurement(
        statistics.median(m.requests_per_s for m in found),
        statistics.median(m.p50_ms for m in found),
        statistics.median(m.cpu_us_per_request for m in found),
    )
