"""``mockturk serve --data-dir``: the state kept across restarts, and across kill -9."""

import signal

from support import BUNDLED_CLI_CLOCK, LAB_QUESTION, raw_request
from test_cli import Server

from mockturk.durable.kinds import BY_TABLE, CONTROL, DERIVED
from mockturk.state.store import Tables
from mockturk.testing import boto3_client

EXIT_DATA_DIR = 4
START = BUNDLED_CLI_CLOCK[1]


def kept_server(data_dir, *args):
    return Server("--port", "0", "--data-dir", str(data_dir), *BUNDLED_CLI_CLOCK, *args)


def export(server_or_url):
    return raw_request(server_or_url, "GET", "/_mockturk/state").body


def control(endpoint, path, body=None):
    response = raw_request(endpoint, "POST", f"/_mockturk/{path}", body or {})
    assert response.status == 200, response.body
    return response.json()


def api(endpoint):
    return boto3_client(endpoint)


HIT = {
    "Title": "Rate sentences",
    "Description": "Rate how natural each sentence sounds.",
    "Reward": "0.25",
    "MaxAssignments": 3,
    "LifetimeInSeconds": 86400,
    "AssignmentDurationInSeconds": 600,
    "AutoApprovalDelayInSeconds": 3600,
    "Question": LAB_QUESTION,
}


def some_work(endpoint):
    """A little of everything: HITs, work in progress, submitted, approved, a bonus, time."""
    mturk = api(endpoint)
    hit_id = mturk.create_hit(**HIT, UniqueRequestToken="kept-token")["HIT"]["HITId"]
    accepted = [
        control(endpoint, f"workers/AWORKER{n}/accept", {"HITId": hit_id})["AssignmentId"]
        for n in range(3)
    ]
    control(endpoint, f"assignments/{accepted[0]}/submit", {"answers": {"rating": "4"}})
    control(endpoint, f"assignments/{accepted[1]}/submit", {"answers": {"rating": "2"}})
    control(endpoint, f"assignments/{accepted[2]}/return")
    mturk.approve_assignment(AssignmentId=accepted[0])
    mturk.send_bonus(
        WorkerId="AWORKER0", BonusAmount="1.00", AssignmentId=accepted[0], Reason="Thanks"
    )
    control(endpoint, "clock", {"advance": 60})
    return hit_id


def test_a_restart_gives_back_the_identical_state(tmp_path):
    with kept_server(tmp_path / "data") as server:
        some_work(server.endpoint())
        before = export(server.endpoint())
        assert server.stop() == 0
    with kept_server(tmp_path / "data") as server:
        assert export(server.endpoint()) == before
        assert server.stop() == 0
    with kept_server(tmp_path / "data") as server:
        assert export(server.endpoint()) == before


def test_what_was_answered_survives_kill_9(tmp_path):
    with kept_server(tmp_path / "data") as server:
        hit_id = some_work(server.endpoint())
        before = export(server.endpoint())
        server.stop(signal.SIGKILL)
    with kept_server(tmp_path / "data") as server:
        endpoint = server.endpoint()
        assert export(endpoint) == before
        # The IDs issued before are not issued again, and work goes on where it was.
        again = control(endpoint, "workers/AWORKER9/accept", {"HITId": hit_id})
        assert again["AssignmentId"] not in before.decode()


def test_every_part_of_the_tables_is_kept_or_rebuilt():
    """A table of primary records the journal does not know would be lost at a restart: a
    new kind needs its line in mockturk.durable.kinds.KINDS (or DERIVED, or CONTROL)."""
    fields = set(Tables.__dataclass_fields__)
    assert fields == set(BY_TABLE) | DERIVED | CONTROL
    assert not set(BY_TABLE) & (DERIVED | CONTROL)
