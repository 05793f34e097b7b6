"""boto3 end to end: the time a client call takes against mockturk and against the bare app.

The bare app answers the very bytes mockturk answered, so boto3 parses identical responses and
the difference between the two is the server's share of a call. Calls alternate in blocks
between the two servers, one at a time (no concurrency), retries off; the server's share is
the median over pairs of neighbouring blocks of their difference, so that drifts in the
machine's speed (other processes) cancel out.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from load import MTURK_TARGET, Request

BLOCK = 10
WARM_UP = 10


@dataclass(frozen=True)
class CallTimes:
    case: str
    size: str
    calls: int
    mock_ms: float  # median per call
    bare_ms: float
    server_share_ms: float  # median over neighbouring blocks of (mockturk - bare)


def available() -> bool:
    return importlib.util.find_spec("boto3") is not None


def client(port: int) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "mturk",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="mock",
        aws_secret_access_key="mock",
        config=Config(retries={"total_max_attempts": 1}, tcp_keepalive=True),
    )


def _method(mturk: Any, request: Request) -> Any:
    from botocore import xform_name

    return getattr(mturk, xform_name(request.target.removeprefix(MTURK_TARGET)))


def _timed_call(call: Any, params: dict) -> float:
    from botocore.exceptions import ClientError

    started = time.perf_counter()
    with suppress(ClientError):  # the error case: boto3 parsed the error answer, as timed
        call(**params)
    return time.perf_counter() - started


def time_calls(
    name: str, size: str, request: Request, mock_port: int, bare_port: int, calls: int
) -> CallTimes:
    """``calls`` calls against each server, alternating in blocks; medians per call."""
    mock_call = _method(client(mock_port), request)
    bare_call = _method(client(bare_port), request)
    for _ in range(WARM_UP):
        _timed_call(mock_call, request.params)
        _timed_call(bare_call, request.params)
    mock_times: list[float] = []
    bare_times: list[float] = []
    differences: list[float] = []
    while len(mock_times) < calls:
        block = min(BLOCK, calls - len(mock_times))
        mock_block = [_timed_call(mock_call, request.params) for _ in range(block)]
        bare_block = [_timed_call(bare_call, request.params) for _ in range(block)]
        differences.append(statistics.median(mock_block) - statistics.median(bare_block))
        mock_times += mock_block
        bare_times += bare_block
    return CallTimes(
        case=name,
        size=size,
        calls=calls,
        mock_ms=statistics.median(mock_times) * 1000,
        bare_ms=statistics.median(bare_times) * 1000,
        server_share_ms=statistics.median(differences) * 1000,
    )
