"""``mockturk serve --data-dir``: the state kept across restarts, and across kill -9."""

import http.client
import json
import random
import shutil
import signal
import sqlite3
import threading
import urllib.parse
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from botocore.exceptions import BotoCoreError, ClientError
from support import BUNDLED_CLI_CLOCK, BUNDLED_CLOCK, LAB_QUESTION, raw_request
from test_cli import Server, clean_env, run

from mockturk.durable.data_dir import DATABASE
from mockturk.durable.kinds import BY_TABLE, CONTROL, DERIVED, JOURNAL_OPTIONS, KINDS, NOT_KEPT
from mockturk.fixtures import FixtureError, read_document
from mockturk.state.store import Tables
from mockturk.testing import boto3_client, serve

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
    hit = mturk.create_hit(**HIT, UniqueRequestToken="kept-token")["HIT"]
    hit_id = hit["HITId"]
    mturk.update_notification_settings(
        HITTypeId=hit["HITTypeId"],
        Notification={
            "Destination": "study@example.org",
            "Transport": "Email",
            "Version": "2006-05-05",
            "EventTypes": ["AssignmentSubmitted", "AssignmentReturned"],
        },
        Active=True,
    )
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
    some_screening(endpoint)
    return hit_id


WORKER_SECTIONS = (
    "QualificationTypes",
    "Qualifications",
    "QualificationRequests",
    "WorkerBlocks",
    "Workers",
    "Messages",
)


def some_screening(endpoint):
    """Qualification types, scores granted and revoked, a pending request, a block, a profile
    and messages: each kind of the worker tables."""
    mturk = api(endpoint)
    type_id = mturk.create_qualification_type(
        Name="Kept raters",
        Description="Passed the training",
        QualificationTypeStatus="Active",
        RetryDelayInSeconds=3600,
    )["QualificationType"]["QualificationTypeId"]
    for worker, value in (("AWORKER0", 90), ("AWORKER1", 40)):
        mturk.associate_qualification_with_worker(
            QualificationTypeId=type_id, WorkerId=worker, IntegerValue=value, SendNotification=True
        )
    mturk.disassociate_qualification_from_worker(
        QualificationTypeId=type_id, WorkerId="AWORKER1", Reason="Retrained"
    )
    control(endpoint, "workers/AWORKER2/qualification-requests", {"QualificationTypeId": type_id})
    control(endpoint, "workers/AWORKER2/profile", {"Country": "DE", "Masters": True})
    mturk.create_worker_block(WorkerId="AWORKER1", Reason="Spam")
    mturk.notify_workers(Subject="Thanks", MessageText="More soon", WorkerIds=["AWORKER0"])


def test_a_restart_gives_back_the_identical_state_after_sigterm_or_kill_9(tmp_path):
    with kept_server(tmp_path / "data") as server:
        hit_id = some_work(server.endpoint())
        first = api(server.endpoint()).list_hits(MaxResults=2)
        before = export(server.endpoint())
        kept = orjson.loads(before)
        for section in (
            *WORKER_SECTIONS,
            *("HITTypes", "BonusPayments", "IdempotencyTokens"),
            *("NotificationSettings", "Notifications"),
        ):
            assert kept.get(section), section  # every kind is there to be kept
        assert server.stop() == 0
    with kept_server(tmp_path / "data") as server:
        endpoint = server.endpoint()
        assert export(endpoint) == before
        # NextTokens of the previous run page on.
        rest = api(endpoint).list_hits(MaxResults=2, NextToken=first["NextToken"])
        assert {h["HITId"] for h in rest["HITs"]}.isdisjoint(h["HITId"] for h in first["HITs"])
        assert rest["NumResults"] == 2
        # The IDs issued before are not issued again, and work goes on where it was.
        again = control(endpoint, "workers/AWORKER9/accept", {"HITId": hit_id})
        assert again["AssignmentId"] not in before.decode()
        before = export(endpoint)
        server.stop(signal.SIGKILL)
    with kept_server(tmp_path / "data") as server:
        assert export(server.endpoint()) == before


def test_every_part_of_the_tables_is_kept_or_rebuilt():
    """A table of primary records the journal does not know would be lost at a restart: a
    new kind needs its line in mockturk.durable.kinds.KINDS (or DERIVED, or CONTROL; or, said
    in docs/durability.md, NOT_KEPT)."""
    fields = set(Tables.__dataclass_fields__)
    assert fields == set(BY_TABLE) | DERIVED | CONTROL | NOT_KEPT
    assert not set(BY_TABLE) & (DERIVED | CONTROL | NOT_KEPT)
    assert not (DERIVED | CONTROL) & NOT_KEPT


def test_the_journal_writes_every_record_as_the_export_does():
    with serve([], **BUNDLED_CLOCK) as server:
        some_work(server.endpoint_url)  # every kind of record
        state = server.state()

        def journaled(account):
            return {
                kind.section: [
                    orjson.loads(orjson.dumps(kind.export(value), option=JOURNAL_OPTIONS))
                    for value in getattr(account.store.t, kind.table).values()
                ]
                for kind in KINDS
            }

        kept = server.on_loop(journaled)
    for kind in KINDS:
        records = kept[kind.section]
        records = [r for rs in records for r in rs] if kind.many else records
        assert [r for r in records if r is not None] == state.get(kind.section, []), kind.section
        assert records, kind.section  # every kind is there to be compared


def clock_now(endpoint):
    return raw_request(endpoint, "GET", "/_mockturk/clock").json()


def test_resets_loads_and_the_clock_are_kept(tmp_path):
    data = tmp_path / "data"
    with kept_server(data) as server:
        endpoint = server.endpoint()
        seeded = export(endpoint)
        some_work(endpoint)
        control(endpoint, "reset?to=empty")
        control(endpoint, "fixtures?replace=true", {"HITs": []})
        control(endpoint, "clock", {"advance": 3600, "frozen": False})
        server.stop(signal.SIGKILL)
    with kept_server(data) as server:
        endpoint = server.endpoint()
        assert json.loads(export(endpoint))["HITs"] == []
        # Running, an hour on from where it was frozen: still 9 days before the real time.
        clock = clock_now(endpoint)
        assert clock["frozen"] is False
        assert "2026-11-21T01:" <= clock["now"] < "2026-11-22"
        # A reset returns to the fixtures the data dir was seeded with, and is kept too.
        control(endpoint, "reset")
        assert export(endpoint) == seeded
        server.stop(signal.SIGKILL)
    with kept_server(data) as server:
        assert export(server.endpoint()) == seeded


def test_every_requester_kept_apart_is_kept_and_taken_up_again(tmp_path):
    data = tmp_path / "data"
    with kept_server(data, "--requesters", "per-key") as server:
        endpoint = server.endpoint()
        bob = boto3_client(endpoint, aws_access_key_id="AKIABOB")
        bob_hit = bob.create_hit(**HIT)["HIT"]["HITId"]
        work = control(endpoint, "workers/AWORKER9/accept", {"HITId": bob_hit})
        control(endpoint, f"assignments/{work['AssignmentId']}/submit", {"answers": {"a": "b"}})
        odd = boto3_client(endpoint, aws_access_key_id="..")  # a name, not a path
        odd.create_hit(**HIT)
        before = {name: export_of(endpoint, name) for name in ("AKIABOB", "..", "mock")}
        server.stop(signal.SIGKILL)
    with kept_server(data, "--requesters", "per-key") as server:
        endpoint = server.endpoint()
        assert {name: export_of(endpoint, name) for name in before} == before
        assert len(orjson.loads(before["AKIABOB"])["Assignments"]) == 1
        assert len(orjson.loads(before[".."])["HITs"]) == 1
        assert bob_hit not in before["mock"].decode()  # the first holds the bundled HITs
        listed = boto3_client(endpoint, aws_access_key_id="AKIABOB").list_hits()["HITs"]
        assert [h["HITId"] for h in listed] == [bob_hit]
    # A server that does not keep requesters apart would leave theirs out: refused.
    done = refused(data)
    assert done.returncode == EXIT_DATA_DIR
    assert "--requesters per-key" in done.stderr


def export_of(endpoint, requester):
    query = urllib.parse.urlencode({"requester": requester})
    return raw_request(endpoint, "GET", f"/_mockturk/state?{query}").body


def refused(data_dir, *args):
    done = run("serve", "--port", "0", "--data-dir", str(data_dir), *args)
    assert "Traceback" not in done.stderr
    assert "Endpoint:" not in done.stdout
    return done


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A data dir seeded with the bundled fixtures (copied by each test that damages it)."""
    data = tmp_path_factory.mktemp("seeded") / "data"
    with kept_server(data) as server:
        server.endpoint()
    return data


@pytest.fixture
def seeded_copy(seeded, tmp_path):
    return Path(shutil.copytree(seeded, tmp_path / "data"))


def test_a_data_dir_of_another_data_format_is_refused_and_left_alone(seeded_copy):
    data = seeded_copy
    with sqlite3.connect(data / DATABASE) as db:
        db.execute("UPDATE meta SET value = '99' WHERE name = 'schema'")
    db.close()
    done = refused(data)
    assert done.returncode == EXIT_DATA_DIR
    assert "data format 99" in done.stderr and "--reset-data" in done.stderr
    assert refused(data).returncode == EXIT_DATA_DIR  # nothing was changed


@pytest.mark.parametrize("damage", ["garbage database", "lost checkpoint", "bad checkpoint"])
def test_a_damaged_data_dir_is_refused_never_reset(seeded_copy, damage):
    data = seeded_copy
    checkpoint = next(data.glob("state-*.json"))
    if damage == "garbage database":
        for path in data.glob(DATABASE + "*"):
            path.unlink()
        (data / DATABASE).write_bytes(b"not a database at all" * 100)
    elif damage == "lost checkpoint":
        checkpoint.unlink()
    else:
        checkpoint.write_text('{"HITs": [{"HITId": 1}]}')
    done = refused(data)
    assert done.returncode == EXIT_DATA_DIR, done.stderr
    assert str(data) in done.stderr and "--reset-data" in done.stderr
    if damage == "garbage database":  # --reset-data discards it, and seeds it again
        with kept_server(data, "--reset-data") as server:
            assert server.health()[1]["records"]["HITs"] > 0


def lines_of(path):
    return path.read_bytes().split(b"\n")


def test_a_checkpoint_in_one_line_as_written_before_is_still_taken_up(seeded_copy):
    data = seeded_copy
    with kept_server(data) as server:
        api(server.endpoint()).create_hit(**HIT)  # in the journal, replayed over it
        before = export(server.endpoint())
    checkpoint = next(data.glob("state-*.json"))
    assert lines_of(checkpoint)[:2] == [b"{", b'"HITs":[']  # written a record a line
    checkpoint.write_bytes(orjson.dumps(orjson.loads(checkpoint.read_bytes())))
    with kept_server(data) as server:
        assert export(server.endpoint()) == before


@pytest.mark.parametrize("damage", ["cut in a record", "a comma lost"])
def test_a_damaged_checkpoint_in_lines_is_refused_as_reading_it_whole_refuses_it(
    seeded_copy, damage
):
    data = seeded_copy
    checkpoint = next(data.glob("state-*.json"))
    lines = lines_of(checkpoint)
    if damage == "cut in a record":
        damaged = b"\n".join(lines[:5]) + b"\n" + lines[5][:40]
    else:
        damaged = b"\n".join([*lines[:3], lines[3].removesuffix(b","), *lines[4:]])
    checkpoint.write_bytes(damaged)
    with pytest.raises(FixtureError, match="not valid JSON") as whole:
        read_document(checkpoint)
    done = refused(data)
    assert done.returncode == EXIT_DATA_DIR
    assert done.stderr == (
        f"mockturk: cannot start: {data}: the state kept cannot be loaded: {whole.value}. "
        "Restore the data dir from a backup, or start with --reset-data to discard it.\n"
    )


def test_a_checkpoint_in_lines_the_replay_cannot_stream_is_taken_up_as_read_whole(
    seeded_copy, tmp_path
):
    """A record twice in a section the journal changes (which a checkpoint written by a server
    never holds) is found only once the load is under way: the load starts over, reading the
    checkpoint whole, and gives what reading it whole always gave."""
    data = seeded_copy
    with kept_server(data) as server:
        api(server.endpoint()).create_hit(**HIT)
    checkpoint = next(data.glob("state-*.json"))
    lines = lines_of(checkpoint)
    checkpoint.write_bytes(b"\n".join([*lines[:3], lines[2], *lines[3:]]))
    whole = Path(shutil.copytree(data, tmp_path / "whole"))
    one_line = next(whole.glob("state-*.json"))
    one_line.write_bytes(orjson.dumps(orjson.loads(one_line.read_bytes())))
    with kept_server(whole) as server:
        expected = export(server.endpoint())
    with kept_server(data) as server:
        assert export(server.endpoint()) == expected


def test_fixtures_given_for_a_data_dir_holding_a_state_are_refused(seeded_copy, tmp_path):
    data = seeded_copy
    empty = tmp_path / "empty.json"
    empty.write_text('{"HITs": []}')
    done = refused(data, "--fixtures", str(empty))
    assert done.returncode == 2
    assert "--reset-data" in done.stderr
    # Those of the environment (an image's default) seed an empty data dir only.
    with Server(
        "--port", "0", "--data-dir", str(data), env=clean_env(MOCKTURK_FIXTURES=str(empty))
    ) as server:
        assert server.health()[1]["records"]["HITs"] > 0
    with kept_server(data, "--fixtures", str(empty), "--reset-data") as server:
        assert server.health()[1]["records"] == {"HITs": 0, "Assignments": 0}


def test_one_server_per_data_dir(seeded_copy):
    with kept_server(seeded_copy, "--data-sync", "full") as server:
        server.endpoint()
        done = run("serve", "--port", "0", env=clean_env(MOCKTURK_DATA_DIR=str(seeded_copy)))
        assert done.returncode == EXIT_DATA_DIR
        assert "in use by another mockturk server" in done.stderr


# --- Killed at random points -------------------------------------------------------------------

KILLS = 8  # kill -9s per run of the crash test
MAX_STEPS = 400  # a bound on its length, however the draws fall
KILL_CHANCE = 0.2  # of a step being killed
KILL_WITHIN_S = 0.004  # the kill lands this soon after the request starts: before, in, after it
WORKERS = [f"AKILLWORKER{n}" for n in range(6)]
DIED = (BotoCoreError, OSError, http.client.HTTPException)
_clients = {}


def api_call(operation, **params):
    """A boto3 call, as an answer to compare: the result (without request IDs) or the error."""

    def call(endpoint):
        mturk = _clients.get(endpoint) or _clients.setdefault(endpoint, api(endpoint))
        try:
            result = getattr(mturk, operation)(**params)
        except ClientError as error:
            return ("error", error.response["Error"]["Code"])
        result.pop("ResponseMetadata", None)
        return ("ok", result)

    return call


def control_call(path, body=None):
    def call(endpoint):
        response = raw_request(endpoint, "POST", f"/_mockturk/{path}", body or {})
        return (response.status, response.json())

    return call


def random_action(rng, state):
    """A change to make next, drawn from what the state holds."""
    hits = [h["HITId"] for h in state["HITs"] if h["HITStatus"] == "Assignable"]
    held = {}
    for a in state["Assignments"]:
        held.setdefault(a["AssignmentStatus"], []).append(a["AssignmentId"])
    choices = {
        "create": lambda: api_call(
            "create_hit",
            **{**HIT, "MaxAssignments": rng.randint(1, 3)},
            UniqueRequestToken=f"kill-{rng.randrange(40)}",
        ),
        "clock": lambda: control_call("clock", {"advance": rng.choice([1, 600, 4000])}),
        "reset": lambda: control_call("reset"),
    }
    weights = {"create": 3, "clock": 1, "reset": 0.1}
    if hits:
        choices["accept"] = lambda: control_call(
            f"workers/{rng.choice(WORKERS)}/accept", {"HITId": rng.choice(hits)}
        )
        choices["expire"] = lambda: api_call(
            "update_expiration_for_hit", HITId=rng.choice(hits), ExpireAt=datetime(2020, 1, 1)
        )
        weights |= {"accept": 5, "expire": 0.5}
    if held.get("Accepted"):
        assignment = rng.choice(held["Accepted"])
        choices["submit"] = lambda: control_call(
            f"assignments/{assignment}/submit", {"answers": {"rating": str(rng.randint(1, 5))}}
        )
        choices["return"] = lambda: control_call(f"assignments/{assignment}/return")
        weights |= {"submit": 4, "return": 1}
    if held.get("Submitted"):
        assignment = rng.choice(held["Submitted"])
        choices["approve"] = lambda: api_call("approve_assignment", AssignmentId=assignment)
        choices["reject"] = lambda: api_call(
            "reject_assignment", AssignmentId=assignment, RequesterFeedback="Incomplete."
        )
        weights |= {"approve": 3, "reject": 1}
    if held.get("Approved"):
        approved = next(a for a in state["Assignments"] if a["AssignmentStatus"] == "Approved")
        choices["bonus"] = lambda: api_call(
            "send_bonus",
            WorkerId=approved["WorkerId"],
            AssignmentId=approved["AssignmentId"],
            BonusAmount="0.10",
            Reason="Well done.",
        )
        weights["bonus"] = 1
    names = list(choices)
    name = rng.choices(names, [weights[n] for n in names])[0]
    return name, choices[name]()


def parsed_state(endpoint):
    return json.loads(export(endpoint))


def test_every_answered_change_survives_kill_9_at_random_points(tmp_path):
    """A server with a data dir and one without (the reference) take the same random changes;
    the first is killed at random moments and restarted. Once restarted, it holds every change
    it answered and nothing else: the change it was killed in is there whole or not at all
    (then it is sent again, as a client would)."""
    rng = random.Random(20261201)
    data = tmp_path / "data"
    durable = kept_server(data)
    kills = steps = 0
    try:
        with serve(**BUNDLED_CLOCK) as reference:
            endpoint, ref = durable.endpoint(), reference.endpoint_url
            assert parsed_state(endpoint) == parsed_state(ref)
            while kills < KILLS and steps < MAX_STEPS:
                steps += 1
                before = parsed_state(ref)
                name, act = random_action(rng, before)
                expected = act(ref)
                after = parsed_state(ref)
                killer = None
                if rng.random() < KILL_CHANCE:
                    delay = rng.uniform(0, KILL_WITHIN_S)
                    killer = threading.Timer(delay, durable.process.kill)
                    killer.start()
                try:
                    answer = act(endpoint)
                except DIED:
                    answer = None
                if killer is None:
                    assert answer == expected, name
                    continue
                killer.join()
                durable.close()
                kills += 1
                durable = kept_server(data)
                endpoint = durable.endpoint()
                kept = parsed_state(endpoint)
                if answer is not None:
                    assert answer == expected, name
                    assert kept == after, f"{name}: an answered change was lost"
                elif kept != after:
                    assert kept == before, f"{name}: a change was kept in part"
                    assert act(endpoint) == expected, name
                    assert parsed_state(endpoint) == after, name
            assert kills == KILLS, f"only {kills} kills in {steps} steps"
            assert parsed_state(endpoint) == parsed_state(ref)
    finally:
        durable.close()
