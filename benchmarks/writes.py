"""The writes: CreateHIT, ApproveAssignment and a simulated worker's accept + submit.

Each is measured as the reads are (:func:`throughput.run_case`): against a bare app answering
the bytes mockturk answered, in interleaved rounds, medians, the ratio taken per round. What
they change stays bounded: before each round on mockturk, the server is reset to its fixtures
(``POST /_mockturk/reset``) and given the pool the case draws on (``POST /_mockturk/fixtures``),
which is the same every round. That load is also the first change after the reset, which
copies the state the reset shares with its snapshot (seconds at 1M records): outside the round.

- CreateHIT: the same request again and again (each makes a new HIT, holding $0.02 of the
  balance).
- ApproveAssignment: a HIT with enough Submitted assignments for a round, each approved once,
  in turn.
- accept + submit: a worker's ``POST /_mockturk/workers/{WorkerId}/accept`` of a HIT with a
  million slots, then ``POST /_mockturk/assignments/{AssignmentId}/submit`` of the assignment
  that answer gave, a new worker each time: two requests an iteration, both counted, raw HTTP
  from the load generator as boto3 sends the API's.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from dataset import assignment_record, hit_record
from load import Exchange, Request, mturk_request, raw_request
from servers import Server
from throughput import Case

CREATE_HIT, APPROVE, ACCEPT_SUBMIT = "CreateHIT", "ApproveAssignment", "worker accept + submit"
CONTROL = "/_mockturk"
ACCEPT_ROUTE = CONTROL + "/workers/{worker}/accept"
SUBMIT_ROUTE = CONTROL + "/assignments/{assignment}/submit"
# The most writes a second any server here answers, with room: the approval pool holds this
# many for every second of a round, so it never runs out (a refusal stops the benchmark).
MAX_WRITES_PER_S = 8000

# IDs of the pool's records: the real shape (30 characters), and none a data set holds.
APPROVE_HIT = "3BENCHAPPROVEHIT" + "0" * 14
ACCEPT_HIT = "3BENCHACCEPTHIT" + "0" * 15
APPROVE_PREFIX, APPROVE_DIGITS = "3BENCHAPPROVE", 17  # + the assignment's number
POOL_WORKER_PREFIX, ACCEPTING_WORKER_PREFIX, WORKER_DIGITS = "ABENCHPOOL", "ABENCHWORKER", 9
ACCEPT_SLOTS = 1_000_000
_JSON = {"Content-Type": "application/json"}


def approvable_id(number: int) -> str:
    return f"{APPROVE_PREFIX}{number:0{APPROVE_DIGITS}d}"


def accepting_worker(number: int) -> str:
    return f"{ACCEPTING_WORKER_PREFIX}{number:0{WORKER_DIGITS}d}"


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a Lua string literal too


# --- Workloads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approvals:
    """ApproveAssignment of the pool's assignments in turn, from the first again after the last."""

    pool: int

    def _request(self, number: int) -> Request:
        return mturk_request("ApproveAssignment", {"AssignmentId": approvable_id(number)})

    def exchange(self, index: int) -> Exchange:
        yield self._request(index % self.pool).raw

    def wrk_script(self) -> str:
        headers = self._request(0).all_headers()
        lines = ['wrk.method = "POST"']
        lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()]
        return (
            "\n".join(lines)
            + f"""
local n = 0
request = function()
  local id = string.format("{APPROVE_PREFIX}%0{APPROVE_DIGITS}d", n % {self.pool})
  n = n + 1
  return wrk.format(nil, "/", nil, '{{"AssignmentId":"' .. id .. '"}}')
end
"""
        )


@dataclass(frozen=True)
class AcceptSubmit:
    """A new worker accepts the HIT, then submits the assignment the accept answered with."""

    hit_id: str
    answers: dict[str, str]

    @property
    def _accept_body(self) -> bytes:
        return orjson.dumps({"HITId": self.hit_id})

    @property
    def _submit_body(self) -> bytes:
        return orjson.dumps({"answers": self.answers})

    def exchange(self, index: int) -> Exchange:
        accept = f"{CONTROL}/workers/{accepting_worker(index)}/accept"
        status, body = yield raw_request("POST", accept, _JSON, self._accept_body)
        if status == 200:
            submit = f"{CONTROL}/assignments/{orjson.loads(body)['AssignmentId']}/submit"
            yield raw_request("POST", submit, _JSON, self._submit_body)

    def wrk_script(self) -> str:
        # wrk asks for each request when a connection is free, not per connection: accepted
        # assignments wait in a queue, and whichever connection is free next submits one.
        worker = f"{ACCEPTING_WORKER_PREFIX}%0{WORKER_DIGITS}d"
        return f"""wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local accept_body = {_lua_string(self._accept_body.decode())}
local submit_body = {_lua_string(self._submit_body.decode())}
local workers, queue, first, last = 0, {{}}, 1, 0
request = function()
  if first <= last then
    local id = queue[first]
    queue[first] = nil
    first = first + 1
    return wrk.format(nil, "{CONTROL}/assignments/" .. id .. "/submit", nil, submit_body)
  end
  local path = string.format("{CONTROL}/workers/{worker}/accept", workers)
  workers = workers + 1
  return wrk.format(nil, path, nil, accept_body)
end
response = function(status, headers, body)
  -- An accept's answer starts with the AssignmentId, then the HITId (a submit's does not).
  local id = string.match(body, '^{{"AssignmentId":"(%w+)","HITId"')
  if status == 200 and id then
    last = last + 1
    queue[last] = id
  end
end
"""


# --- The pool -----------------------------------------------------------------------------------


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def _pool_hit(hit_id: str, max_assignments: int, now: datetime) -> dict:
    """A HIT like the data sets' (a task of theirs), current: created an hour before ``now``."""
    record = hit_record(0)
    record.update(
        HITId=hit_id,
        CreationTime=_iso(now - timedelta(hours=1)),
        Expiration=_iso(now + timedelta(days=7)),
        MaxAssignments=max_assignments,
        Reward="0.01",
        AutoApprovalDelayInSeconds=2_592_000,  # the longest: nothing is approved meanwhile
        AssignmentDurationInSeconds=3600,  # no work in progress is abandoned meanwhile
        RequesterAnnotation="benchmark pool",
    )
    return record


def approval_pool(size: int, now: datetime) -> bytes:
    """A fixture document: a HIT with ``size`` Submitted assignments, answered as the data
    sets' are."""
    created = now - timedelta(hours=1)
    answer = assignment_record(0, 0)["Answer"]
    assignments = [
        {
            "AssignmentId": approvable_id(number),
            "WorkerId": f"{POOL_WORKER_PREFIX}{number:0{WORKER_DIGITS}d}",
            "HITId": APPROVE_HIT,
            "AssignmentStatus": "Submitted",
            "AcceptTime": _iso(created + timedelta(minutes=1)),
            "SubmitTime": _iso(created + timedelta(minutes=10)),
            "Answer": answer,
        }
        for number in range(size)
    ]
    return orjson.dumps({"HITs": [_pool_hit(APPROVE_HIT, size, now)], "Assignments": assignments})


def accept_pool(now: datetime) -> bytes:
    return orjson.dumps({"HITs": [_pool_hit(ACCEPT_HIT, ACCEPT_SLOTS, now)]})


def _control(port: int, path: str, body: bytes = b"") -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        connection.request("POST", CONTROL + path, body=body, headers=_JSON)
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200:
            raise RuntimeError(f"POST {CONTROL}{path}: {response.status} {answer[:300]!r}")
    finally:
        connection.close()


NO_POOL = orjson.dumps({"HITs": []})


def starting_from(pool: bytes) -> Callable[[Server], None]:
    """Reset a mockturk to its fixtures, then load ``pool``."""

    def prepare(server: Server) -> None:
        _control(server.port, "/reset")
        _control(server.port, "/fixtures", pool)

    return prepare


# --- The cases ----------------------------------------------------------------------------------

CREATE_HIT_PARAMS = {
    "Title": "Rate short sentences",
    "Description": "Read five sentences and rate how natural each one sounds.",
    "Keywords": "rating, language, sentences",
    "Reward": "0.01",
    "MaxAssignments": 1,
    "LifetimeInSeconds": 86400,
    "AssignmentDurationInSeconds": 600,
    "AutoApprovalDelayInSeconds": 259200,
    "Question": hit_record(0)["Question"],
    "RequesterAnnotation": "benchmark",
}


def write_cases(seconds: float, now: datetime | None = None) -> list[Case]:
    """The write cases, their pools big enough for rounds of ``seconds``."""
    now = now or datetime.now(UTC)
    approvals = max(1000, round(seconds * MAX_WRITES_PER_S))
    return [
        Case(
            CREATE_HIT,
            mturk_request("CreateHIT", CREATE_HIT_PARAMS),
            prepare=starting_from(NO_POOL),
        ),
        Case(
            APPROVE,
            Approvals(approvals),
            prepare=starting_from(approval_pool(approvals, now)),
        ),
        Case(
            ACCEPT_SUBMIT,
            AcceptSubmit(ACCEPT_HIT, {"rating": "4", "comment": "Natural enough."}),
            routes=(ACCEPT_ROUTE, SUBMIT_ROUTE),
            prepare=starting_from(accept_pool(now)),
        ),
    ]
