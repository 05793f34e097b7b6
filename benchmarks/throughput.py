"""mockturk against the bare stack, case by case, at every store size, interleaved round by round.

For each case, every mockturk (one per store size) answers the request once; a bare Starlette
app per size then answers those very bytes. Each round drives mockturk at every size and its
baseline in turn with the same load, so slow drifts of the machine hit all of them alike.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass

import servers
from dataset import DataSet
from load import Measurement, Request, measure, mturk_request
from servers import Server


@dataclass(frozen=True)
class Case:
    name: str
    request: Request


@dataclass(frozen=True)
class Row:
    """One case at one store size: medians over rounds."""

    case: str
    size: str
    status: int
    body_bytes: int
    mock: Measurement
    bare: Measurement
    ratio: float  # mockturk req/s / baseline req/s, per round, medianed


@dataclass(frozen=True)
class Flatness:
    """One case at the largest size against the same case at the smallest, per round, medianed."""

    case: str
    small: str
    large: str
    cpu_ratio: float  # server CPU per request, large / small
    rps_ratio: float  # req/s, small / large
    baseline_ratio_ratio: float  # (mock / bare ratio) small / large


@dataclass(frozen=True)
class Served:
    """A mockturk process and the data set it serves."""

    data: DataSet
    server: Server


def cases(data: DataSet) -> list[Case]:
    """The cases; IDs are the data set's, the same at every size."""
    hit = data.big_hit_id
    return [
        Case("GetAssignment", mturk_request("GetAssignment",
             {"AssignmentId": data.sample_assignment_id})),
        Case("ListHITs MaxResults=100", mturk_request("ListHITs", {"MaxResults": 100})),
        Case("ListHITs default page", mturk_request("ListHITs", {})),
        Case("ListAssignmentsForHIT 100", mturk_request("ListAssignmentsForHIT",
             {"HITId": hit, "MaxResults": 100})),
        Case("ListAssignmentsForHIT filtered", mturk_request("ListAssignmentsForHIT",
             {"HITId": hit, "MaxResults": 100, "AssignmentStatuses": ["Submitted"]})),
        Case("error (unknown assignment)", mturk_request("GetAssignment",
             {"AssignmentId": "3NOSUCHASSIGNMENT"})),
    ]  # fmt: skip


def _ask(server: Server, request: Request) -> tuple[int, bytes]:
    return servers.post(server.port, request.target, request.params, request.content_type)


def _median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def _medians(measurements: list[Measurement]) -> Measurement:
    return Measurement(
        _median(m.requests_per_s for m in measurements),
        _median(m.p50_ms for m in measurements),
        _median(m.cpu_us_per_request for m in measurements),
    )


Pair = tuple[Measurement, Measurement]  # (mockturk, bare) in one round
AfterCase = Callable[[Case, Served, Server], None]


def run_case(
    case: Case,
    fleet: list[Served],
    rounds: int,
    seconds: float,
    wrk: bool,
    after: AfterCase | None = None,
) -> tuple[list[Row], Flatness | None]:
    """One case at every size: rows per size, and its flatness from smallest to largest size."""
    with ExitStack() as stack:
        answers = [_ask(served.server, case.request) for served in fleet]
        baselines = [stack.enter_context(servers.bare(body, status)) for status, body in answers]
        for baseline, (_, body) in zip(baselines, answers, strict=True):
            if _ask(baseline, case.request)[1] != body:
                raise RuntimeError(f"{case.name}: the baseline does not answer mockturk's bytes")
        pairs: list[list[Pair]] = [[] for _ in fleet]
        for _ in range(rounds):
            for served, baseline, size_pairs in zip(fleet, baselines, pairs, strict=True):
                mock = measure(
                    served.server.proc.pid, served.server.port, case.request, seconds, wrk
                )
                bare = measure(baseline.proc.pid, baseline.port, case.request, seconds, wrk)
                size_pairs.append((mock, bare))
        if after is not None:
            after(case, fleet[-1], baselines[-1])
    rows = [
        Row(
            case=case.name,
            size=served.data.name,
            status=status,
            body_bytes=len(body),
            mock=_medians([m for m, _ in size_pairs]),
            bare=_medians([b for _, b in size_pairs]),
            ratio=_median(m.requests_per_s / b.requests_per_s for m, b in size_pairs),
        )
        for served, (status, body), size_pairs in zip(fleet, answers, pairs, strict=True)
    ]
    return rows, _flatness(case, fleet, pairs)


def _flatness(case: Case, fleet: list[Served], pairs: list[list[Pair]]) -> Flatness | None:
    if len(fleet) < 2:
        return None
    small, large = pairs[0], pairs[-1]
    rounds = list(zip(small, large, strict=True))
    return Flatness(
        case=case.name,
        small=fleet[0].data.name,
        large=fleet[-1].data.name,
        cpu_ratio=_median(
            lm.cpu_us_per_request / sm.cpu_us_per_request for (sm, _), (lm, _) in rounds
        ),
        rps_ratio=_median(sm.requests_per_s / lm.requests_per_s for (sm, _), (lm, _) in rounds),
        baseline_ratio_ratio=_median(
            (sm.requests_per_s / sb.requests_per_s) / (lm.requests_per_s / lb.requests_per_s)
            for (sm, sb), (lm, lb) in rounds
        ),
    )
