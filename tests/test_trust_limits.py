"""Fixture bodies past the size limit, and YAML whose aliases would expand without bound, are
refused with a clear error before they cost anything, and change nothing."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest
from support import hit_record

from mockturk.app import create_app
from mockturk.fixtures import build_dataset
from mockturk.testing import ThreadedServer
from mockturk.trust import TrustSettings
from mockturk.yaml_documents import MIN_YAML_ALIAS_NODES

LIMIT = 4096
START = [hit_record("3LIMITA"), hit_record("3LIMITB")]


@pytest.fixture(scope="module")
def limited() -> Iterator[ThreadedServer]:
    from support import LAB_START

    dataset = build_dataset([("start", {"HITs": START})], LAB_START)
    app = create_app(dataset, trust=TrustSettings(max_fixture_bytes=LIMIT))
    server = ThreadedServer(app).start()
    yield server
    server.stop()


def post(
    server: ThreadedServer,
    path: str,
    body: bytes,
    content_type: str = "application/yaml",
    chunked: bool = False,
) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        headers = {"Content-Type": content_type}
        if chunked:
            connection.request("POST", path, iter([body]), headers, encode_chunked=True)
        else:
            connection.request("POST", path, body, headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def hit_ids(server: ThreadedServer) -> list[str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", "/_mockturk/state")
        return sorted(hit["HITId"] for hit in json.loads(connection.getresponse().read())["HITs"])
    finally:
        connection.close()


# A few hundred bytes that would expand to ten million values ("a billion laughs").
LAUGHS = "HITs: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]\n" for level in range(1, 7)
)


def test_yaml_aliases_that_expand_without_bound_are_refused(limited: ThreadedServer):
    assert len(LAUGHS) < 500
    status, answer = post(limited, "/_mockturk/fixtures?replace=true", LAUGHS.encode())
    assert status == 400 and answer["error"] == "MalformedBody"
    assert "aliases expand the document by" in str(answer["message"])
    assert len(json.dumps(answer)) < 1000
    assert hit_ids(limited) == ["3LIMITA", "3LIMITB"]


def test_an_alias_inside_its_own_value_is_refused(limited: ThreadedServer):
    status, answer = post(limited, "/_mockturk/fixtures", b"HITs: &h [*h]")
    assert status == 400 and "refers to a value that holds it" in str(answer["message"])


def test_aliases_within_the_bound_load_as_written_out(limited: ThreadedServer):
    first = json.dumps(hit_record("3ALIASA"))
    text = f"HITs:\n  - &first {first}\n  - {{<<: *first, HITId: 3ALIASB}}\n"
    status, answer = post(limited, "/_mockturk/fixtures?replace=true", text.encode())
    assert status == 200, answer
    assert hit_ids(limited) == ["3ALIASA", "3ALIASB"]
    post(limited, "/_mockturk/reset", b"", "application/json")
    assert MIN_YAML_ALIAS_NODES >= 100_000


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_a_body_past_the_limit_is_refused_with_413(limited: ThreadedServer, chunked: bool):
    body = json.dumps({"HITs": [hit_record("3TOOBIG", Description="x" * LIMIT)]}).encode()
    status, answer = post(
        limited, "/_mockturk/fixtures?replace=true", body, "application/json", chunked
    )
    assert status == 413 and answer["error"] == "BodyTooLarge"
    assert "--max-fixture-bytes" in str(answer["message"])
    assert hit_ids(limited) == ["3LIMITA", "3LIMITB"]


def test_a_body_within_the_limit_loads(limited: ThreadedServer):
    body = json.dumps({"HITs": [hit_record("3SMALL")]}).encode()
    assert len(body) < LIMIT
    assert post(limited, "/_mockturk/fixtures", body, "application/json", chunked=True)[0] == 200
    assert hit_ids(limited) == ["3LIMITA", "3LIMITB", "3SMALL"]
    post(limited, "/_mockturk/reset", b"", "application/json")
