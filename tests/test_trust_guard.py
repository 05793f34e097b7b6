"""What web pages can do to a server: the attacks, repeated against a real server, refused with
nothing changed; and what must keep working (SDKs by any name, task pages posting their form,
curl, the Python API with a control token)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from support import JSON_11, RawResponse, hit_record, raw_request

import mockturk
from mockturk.app import create_app
from mockturk.testing import (
    ControlError,
    InProcessServer,
    RemoteServer,
    ThreadedServer,
    boto3_client,
    serve,
)
from mockturk.trust import TrustSettings

EVIL = "http://evil.example"
OPEN = {"HITStatus": "Assignable", "Expiration": "2099-01-01T00:00:00Z"}
HITS = [hit_record("3TRUSTA", MaxAssignments=3, **OPEN), hit_record("3TRUSTB")]


@pytest.fixture(scope="module")
def guarded() -> Iterator[InProcessServer]:
    with serve({"HITs": HITS}) as server:
        yield server


def records(server: InProcessServer) -> dict[str, int]:
    return server.on_loop(lambda account: account.store.counts())


def send(
    server: InProcessServer | ThreadedServer | str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> RawResponse:
    """A request with exactly these headers (http.client adds Host unless one is given)."""
    port = server.port if not isinstance(server, str) else int(server.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        received = {k.lower(): v for k, v in response.getheaders()}
        return RawResponse(response.status, received, response.read())
    finally:
        connection.close()


def refused(response: RawResponse, status: int, code: str) -> dict[str, Any]:
    assert response.status == status, response.body
    assert response.headers["content-type"] == "application/json"
    answer = json.loads(response.body)
    assert answer["error"] == code and answer["message"], answer
    return answer


# --- The attacks ---------------------------------------------------------------------------------


def test_a_simple_cross_site_post_cannot_reset_the_state(guarded: InProcessServer):
    before = records(guarded)
    response = send(
        guarded,
        "POST",
        "/_mockturk/reset?to=empty",
        b"x",
        {"Origin": EVIL, "Content-Type": "text/plain"},
    )
    answer = refused(response, 403, "CrossSiteRequest")
    assert "Origin: http://evil.example" in answer["message"]
    assert records(guarded) == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_body_a_page_could_post_is_refused_even_without_an_origin(guarded, content_type):
    """Old browsers sent no Origin on a form post: the content type alone refuses it."""
    before = records(guarded)
    body = b'{"HITs": []}'
    response = send(
        guarded, "POST", "/_mockturk/fixtures?replace=true", body, {"Content-Type": content_type}
    )
    refused(response, 415, "UnsupportedMediaType")
    assert records(guarded) == before


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_sec_fetch_site_from_another_site_is_refused(guarded, site):
    before = records(guarded)
    response = send(guarded, "POST", "/_mockturk/reset?to=empty", None, {"Sec-Fetch-Site": site})
    refused(response, 403, "CrossSiteRequest")
    assert records(guarded) == before


def test_dns_rebinding_can_neither_read_nor_change_the_state(guarded: InProcessServer):
    rebound = f"attacker.example:{guarded.port}"
    refused(send(guarded, "GET", "/_mockturk/state", None, {"Host": rebound}), 403, "ForeignHost")
    before = records(guarded)
    same_origin = {"Host": rebound, "Origin": f"http://{rebound}", "Content-Type": JSON_11}
    response = send(guarded, "POST", "/_mockturk/reset?to=empty", b"", same_origin)
    refused(response, 403, "ForeignHost")
    assert records(guarded) == before


@pytest.mark.parametrize("path", ["/site/", "/site/requester", "/site"])
def test_dns_rebinding_cannot_read_the_worker_sites_pages(guarded: InProcessServer, path):
    rebound = f"attacker.example:{guarded.port}"
    refused(send(guarded, "GET", path, None, {"Host": rebound}), 403, "ForeignHost")
    assert send(guarded, "GET", "/site/", None, {}).status == 200  # its own name reads them


def test_a_rebound_page_cannot_call_the_api_either(guarded: InProcessServer):
    """The page shares the rebound origin, so it may send X-Amz-Target: its Origin gives it away."""
    rebound = f"attacker.example:{guarded.port}"
    headers = {
        "Host": rebound,
        "Origin": f"http://{rebound}",
        "Content-Type": JSON_11,
        "X-Amz-Target": "MTurkRequesterServiceV20170117.DeleteHIT",
    }
    before = records(guarded)
    response = send(guarded, "POST", "/", b'{"HITId": "3TRUSTB"}', headers)
    assert response.status == 403
    assert json.loads(response.body)["__type"] == "com.amazon.coral.service#AccessDeniedException"
    assert records(guarded) == before


# --- What keeps working -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "[::1]", "mockturk.localhost", "10.1.2.3", "LOCALHOST."]
)
def test_loopback_names_and_any_address_are_the_servers_own(guarded, host):
    headers = {"Host": f"{host}:{guarded.port}", "Origin": f"http://{host}:{guarded.port}"}
    assert send(guarded, "GET", "/_mockturk/state", None, headers).status == 200


def test_curl_posts_with_no_body_and_no_content_type(guarded: InProcessServer):
    assert send(guarded, "POST", "/_mockturk/reset").status == 200
    assert send(guarded, "GET", "/_mockturk/health", None, {"Sec-Fetch-Site": "none"}).status == 200


def test_sdks_reach_the_api_by_any_name(guarded: InProcessServer):
    """A container is reached as mockturk:8765 and the like: API clients are not browsers."""
    headers = {
        "Host": "mockturk:8765",
        "Content-Type": JSON_11,
        "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance",
    }
    response = send(guarded, "POST", "/", b"{}", headers)
    assert response.status == 200, response.body
    assert "AvailableBalance" in json.loads(response.body)


def test_a_task_page_on_another_site_still_posts_its_form(guarded: InProcessServer):
    guarded.reset()
    work = guarded.worker("A1TRUSTWORKER").accept("3TRUSTA")
    form = f"assignmentId={work.assignment_id}&answer=yes".encode()
    headers = {
        "Origin": "https://tasks.example.org",
        "Sec-Fetch-Site": "cross-site",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    response = send(guarded, "POST", "/mturk/externalSubmit", form, headers)
    assert response.status == 200 and b"Thank you" in response.body
    status = guarded.client().get_assignment(AssignmentId=work.assignment_id)
    assert status["Assignment"]["AssignmentStatus"] == "Submitted"
    guarded.reset()


# --- The content type of API requests ------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "application/xml"])
def test_a_foreign_content_type_is_an_unknown_operation(guarded, content_type):
    response = raw_request(
        guarded, body={}, target="GetAccountBalance", headers={"Content-Type": content_type}
    )
    assert response.status == 400
    body = response.json()
    assert body["__type"] == "com.amazon.coral.service#UnknownOperationException"
    assert content_type in body["message"]


@pytest.mark.parametrize("content_type", [JSON_11, "application/x-amz-json-1.0", None])
def test_the_aws_json_types_or_none_are_answered(guarded, content_type):
    headers = {
        "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance",
        **({"Content-Type": content_type} if content_type else {}),
    }
    assert send(guarded, "POST", "/", b"{}", headers).status == 200


# --- The control token and the off switch ------------------------------------------------------


def test_a_control_token_guards_the_control_api_but_not_health(monkeypatch):
    with serve({"HITs": HITS}, control_token="s3cret") as server:
        refused(send(server, "POST", "/_mockturk/reset"), 401, "Unauthorized")
        wrong = {"Authorization": "Bearer guess"}
        refused(send(server, "POST", "/_mockturk/reset", None, wrong), 401, "Unauthorized")
        right = {"Authorization": "Bearer s3cret"}
        assert send(server, "POST", "/_mockturk/reset", None, right).status == 200
        assert send(server, "GET", "/_mockturk/health").status == 200
        # The server's own Python API carries the token.
        server.worker("A1TOKENWORKER").accept("3TRUSTA").return_()
        with pytest.raises(ControlError) as caught:
            RemoteServer(server.endpoint_url).reset()
        assert caught.value.status == 401
        monkeypatch.setenv("MOCKTURK_CONTROL_TOKEN", "s3cret")
        RemoteServer(server.endpoint_url).reset()


def threaded(trust: TrustSettings) -> ThreadedServer:
    app = create_app(None, trust=trust, request_log=lambda level, message: None)
    return ThreadedServer(app).start()


def test_the_control_api_can_be_turned_off_all_but_health():
    server = threaded(TrustSettings(control_api=False))
    try:
        refused(send(server, "GET", "/_mockturk/state"), 404, "NotFound")
        refused(send(server, "POST", "/_mockturk/workers/A1X/accept", b"{}"), 404, "NotFound")
        assert send(server, "GET", "/_mockturk/health").status == 200
        mturk = boto3_client(f"http://127.0.0.1:{server.port}")
        assert mturk.list_hits()["NumResults"] == 0
    finally:
        server.stop()


def test_allowed_hosts_name_a_container_for_the_control_api():
    server = threaded(TrustSettings(allowed_hosts=("mockturk",)))
    try:
        assert (
            send(server, "GET", "/_mockturk/state", None, {"Host": "mockturk:8765"}).status == 200
        )
        named = {"Host": "other:8765"}
        refused(send(server, "GET", "/_mockturk/state", None, named), 403, "ForeignHost")
    finally:
        server.stop()


def test_the_cli_reads_the_safety_options(monkeypatch):
    from mockturk import cli

    parser = cli.build_parser()
    monkeypatch.setenv("MOCKTURK_ALLOWED_HOSTS", "mockturk, api.internal")
    monkeypatch.setenv("MOCKTURK_CONTROL_API", "false")
    args = parser.parse_args(["serve", "--control-token", "t", "--max-fixture-bytes", "100"])
    trust = cli._trust(parser, args)
    assert trust == TrustSettings(
        allowed_hosts=("mockturk", "api.internal"),
        control_token="t",
        control_api=False,
        max_fixture_bytes=100,
        bound_host="127.0.0.1",
    )
    assert mockturk.serve  # the Python API is unchanged for those who pass nothing
