"""mockturk against the bare stack, case by case, at every store size, interleaved round by round.

For each case, every mockturk (one per store size) answers the case's requests once; a bare
Starlette app per size then answers those very bytes, each at its path. Each round drives
mockturk at every size and its baseline in turn with the same load, so slow drifts of the
machine hit all of them alike. A case that changes the state (a write) is first put in its
starting state on mockturk, before it answers once and before each round, so that every round
meets the same state and the state stays bounded.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass

import servers
from dataset import DataSet
from load import Measurement, Workload, exchange_once, measure, mturk_request
from servers import Server

Answers = dict[str, tuple[int, bytes]]  # a route (Starlette path pattern) -> status and body


@dataclass(frozen=True)
class Case:
    name: str
    work: Workload  # a read's Request, repeated; or a script of requests
    routes: tuple[str, ...] = ("/",)  # the route of each request of one iteration of ``work``
    # Puts a mockturk in the state the case starts from (None: the case changes nothing).
    prepare: Callable[[Server], None] | None = None

    def answers(self, server: Server) -> Answers:
        """What ``server`` answers to one iteration of the case, by route."""
        found = exchange_once(server.port, self.work, 0)
        return dict(zip(self.routes, found, strict=True))


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
        answers = []
        for served in fleet:
            _prepare(case, served.server)
            answers.append(case.answers(served.server))
        baselines = [stack.enter_context(servers.bare(found)) for found in answers]
        for baseline, found in zip(baselines, answers, strict=True):
            if case.answers(baseline) != found:
                raise RuntimeError(f"{case.name}: the baseline does not answer mockturk's bytes")
        pairs: list[list[Pair]] = [[] for _ in fleet]
        for _ in range(rounds):
            for served, baseline, size_pairs in zip(fleet, baselines, pairs, strict=True):
                _prepare(case, served.server)
                mock = measure(served.server.proc.pid, served.server.port, case.work, seconds, wrk)
                _check_accepted(case, served, mock)
                bare = measure(baseline.proc.pid, baseline.port, case.work, seconds, wrk)
                size_pairs.append((mock, bare))
        if after is not None:
            after(case, fleet[-1], baselines[-1])
    rows = [
        Row(
            case=case.name,
            size=served.data.name,
            status=max(status for status, _ in found.values()),
            body_bytes=sum(len(body) for _, body in found.values()),
            mock=_medians([m for m, _ in size_pairs]),
            bare=_medians([b for _, b in size_pairs]),
            ratio=_median(m.requests_per_s / b.requests_per_s for m, b in size_pairs),
        )
        for served, found, size_pairs in zip(fleet, answers, pairs, strict=True)
    ]
    return rows, _flatness(case, fleet, pairs)


def _prepare(case: Case, server: Server) -> None:
    if case.prepare is not None:
        case.prepare(server)


def _check_accepted(case: Case, served: Served, mock: Measurement) -> None:
    """A write refused measures the refusal, not the write: the case is then set up wrong."""
    if case.prepare is not None and mock.not_ok:
        raise RuntimeError(
            f"{case.name} at {served.data.name}: mockturk refused {mock.not_ok} requests"
        )


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
