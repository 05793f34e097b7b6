"""NextTokens: opaque, deterministic, bound to their listing, and tamper-evident.

A bad token -- garbled, truncated, bit-flipped, re-encoded, forged, or given to another
operation, HIT or status filter -- is a 400 RequestError (TurkErrorCode
AWS.MechanicalTurk.InvalidParameterValue, a message naming NextToken), never a 500 and never
data. A token of more than 255 characters breaks the model's PaginationToken constraint and is a
ValidationException instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import string
import struct
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import support
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support import checked

from mockturk.errors import RequestError
from mockturk.models import HIT
from mockturk.pagination import TokenCodec
from mockturk.state.store import Row
from mockturk.testing import InProcessServer, serve
from mockturk.wire import to_micros

PREFIX = "p1:"
MAX_TOKEN_LENGTH = 255
INVALID_VALUE = "AWS.MechanicalTurk.InvalidParameterValue"
STATUSES = ("Submitted", "Approved", "Rejected")
B64_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- The data set every test here pages over ----------------------------------------------------


def hit_id_of(index: int) -> str:
    # IDs of 9, 10 and 11 characters: tokens with no, two and one '=' of base64 padding.
    return f"TOKENHIT{index}" + ("Z" if index >= 10 and index % 4 == 1 else "")


HIT_IDS = [hit_id_of(i) for i in range(30)]
LISTED = "TOKENHIT0"  # the HIT whose assignments are listed
OTHER = "TOKENHIT1"  # another HIT with assignments


def creation_time(index: int) -> str:
    return f"2026-10-{index // 24 + 1:02d}T{index % 24:02d}:00:00.{index * 1111:06d}Z"


def assignment_records() -> list[dict[str, Any]]:
    records = []
    for hit_id, count in ((LISTED, 14), (OTHER, 5)):
        for n in range(count):
            status = STATUSES[n % 3]
            fields: dict[str, Any] = {
                "AssignmentStatus": status,
                "AcceptTime": "2026-11-02T10:00:00Z",
                # Pairs of equal SubmitTimes: ties broken by AssignmentId.
                "SubmitTime": f"2026-11-02T11:{n // 2:02d}:00Z",
            }
            if status == "Approved":
                fields["ApprovalTime"] = "2026-11-03T00:00:00Z"
            if status == "Rejected":
                fields["RejectionTime"] = "2026-11-03T00:00:00Z"
            records.append(
                support.assignment_record(f"{hit_id}A{n:02d}", hit_id, f"AW{n:02d}", **fields)
            )
    return records


def token_fixtures() -> dict[str, list[dict[str, Any]]]:
    hits = [
        support.hit_record(
            hit_id,
            CreationTime=creation_time(index),
            Expiration="2026-12-31T00:00:00Z",
            MaxAssignments=20,
        )
        for index, hit_id in enumerate(HIT_IDS)
    ]
    hits[0]["CreationTime"] = hits[1]["CreationTime"] = "2026-10-01T00:00:00Z"
    return {"HITs": hits, "Assignments": assignment_records()}


# Newest first: TOKENHIT29 ... TOKENHIT2, then the tie TOKENHIT0, TOKENHIT1.
EXPECTED_HITS = [HIT_IDS[i] for i in range(29, 1, -1)] + [HIT_IDS[0], HIT_IDS[1]]


@pytest.fixture
def loaded(scratch: tuple[InProcessServer, Any]) -> tuple[InProcessServer, Any]:
    server, client = scratch
    server.load(token_fixtures(), replace=True)
    return server, client


# --- Helpers ------------------------------------------------------------------------------------


def stored_hit(server: InProcessServer, hit_id: str) -> Row[HIT] | None:
    """The HIT as the server holds it, read on the server's own event loop."""
    return server.on_loop(lambda account: account.store.hit(hit_id))


def hit_ids(page: dict[str, Any]) -> list[str]:
    return [h["HITId"] for h in page["HITs"]]


def assignment_ids(page: dict[str, Any]) -> list[str]:
    return [a["AssignmentId"] for a in page["Assignments"]]


def walk_hits(client: Any, size: int, token: str | None = None) -> Iterator[dict[str, Any]]:
    """Every page of ListHITs from ``token`` on, the closing empty page included."""
    for _ in range(len(EXPECTED_HITS) + 2):
        params: dict[str, Any] = {"MaxResults": size}
        if token is not None:
            params["NextToken"] = token
        page = client.list_hits(**params)
        yield page
        token = page.get("NextToken")
        if token is None:
            return
    raise AssertionError("the listing did not end")


def hit_tokens(client: Any, size: int = 1) -> list[str]:
    return [p["NextToken"] for p in walk_hits(client, size) if "NextToken" in p]


def listed_from(client: Any, token: str | None, size: int = 100) -> list[str]:
    return [hit_id for page in walk_hits(client, size, token) for hit_id in hit_ids(page)]


def assert_rejected(client: Any, call: Callable[[], Any]) -> None:
    """The call fails with a 400 RequestError about the NextToken."""
    with pytest.raises(client.exceptions.RequestError) as raised:
        call()
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "RequestError"
    assert response["TurkErrorCode"] == INVALID_VALUE
    assert "NextToken" in response["Error"]["Message"]


def assert_hits_token_rejected(client: Any, token: str) -> None:
    assert_rejected(client, lambda: client.list_hits(NextToken=token))


def assert_raw_rejected(server: InProcessServer, operation: str, params: dict[str, Any]) -> None:
    response = support.call(server, operation, params)
    body = response.json()
    assert response.status == 400, body
    assert body["__type"] == "RequestError", body
    assert body["TurkErrorCode"] == INVALID_VALUE
    assert "NextToken" in body["Message"]


def assert_too_long(client: Any, call: Callable[[], Any]) -> None:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "ValidationException"
    assert "nextToken" in response["Error"]["Message"]
    assert "255" in response["Error"]["Message"]


def sealed(token: str) -> bytes:
    assert token.startswith(PREFIX)
    return base64.b64decode(token[len(PREFIX) :], validate=True)


def reseal(data: bytes) -> str:
    return PREFIX + base64.b64encode(data).decode("ascii")


def first_token_with(tokens: list[str], predicate: Callable[[str], bool]) -> str:
    found = [t for t in tokens if predicate(t)]
    assert found, "the data set yields no token of the kind this test needs"
    return found[0]


# --- Shape --------------------------------------------------------------------------------------


def test_tokens_are_opaque_and_short(loaded: tuple[InProcessServer, Any]) -> None:
    """No readable ID, time or offset, in the text or in its base64 payload."""
    server, client = loaded
    pages = list(walk_hits(client, 1))
    for offset, page in enumerate(pages[:-1], start=1):
        token = page["NextToken"]
        assert token.startswith(PREFIX)
        assert len(token) <= MAX_TOKEN_LENGTH
        last = stored_hit(server, page["HITs"][-1]["HITId"])
        assert last is not None
        hit_id = last.record.HITId
        micros = to_micros(last.record.CreationTime)
        payload = sealed(token)
        assert hit_id not in token and hit_id.lower() not in token.lower()
        for readable in (hit_id.encode(), str(micros).encode(), str(-micros).encode()):
            assert readable not in payload
        for number in (micros, -micros):
            assert struct.pack(">q", number) not in payload
            assert struct.pack("<q", number) not in payload
        for fmt in (">q", "<q", ">i", "<i"):
            assert struct.pack(fmt, offset) not in payload


def test_tokens_are_deterministic_per_position(loaded: tuple[InProcessServer, Any]) -> None:
    _, client = loaded
    first = client.list_hits(MaxResults=4)
    again = client.list_hits(MaxResults=4)
    assert first["NextToken"] == again["NextToken"]
    second = client.list_hits(MaxResults=4, NextToken=first["NextToken"])
    second_again = client.list_hits(MaxResults=4, NextToken=first["NextToken"])
    assert second["NextToken"] == second_again["NextToken"]
    assert hit_tokens(client, 3) == hit_tokens(client, 3)
    # The token names the position, not the page size: the same last item, the same token.
    one_by_one = hit_tokens(client, 1)
    positions = [*range(3, len(EXPECTED_HITS), 4), len(EXPECTED_HITS) - 1]
    assert hit_tokens(client, 4) == [one_by_one[i] for i in positions]
    status_pages = [
        client.list_assignments_for_hit(HITId=LISTED, MaxResults=2, AssignmentStatuses=["Approved"])
        for _ in range(2)
    ]
    assert status_pages[0]["NextToken"] == status_pages[1]["NextToken"]


def test_tokens_stay_valid_after_the_store_is_reloaded(loaded: tuple[InProcessServer, Any]) -> None:
    server, client = loaded
    first = client.list_hits(MaxResults=5)
    assert hit_ids(first) == EXPECTED_HITS[:5]
    server.load(token_fixtures(), replace=True)
    assert listed_from(client, first["NextToken"]) == EXPECTED_HITS[5:]

    # Reloaded with one more HIT after the cursor and one before it: keyset, not a snapshot.
    fixtures = token_fixtures()
    fixtures["HITs"] += [
        support.hit_record(
            "NEWEST", CreationTime="2027-01-01T00:00:00Z", Expiration="2027-01-08T00:00:00Z"
        ),
        support.hit_record("OLDEST", CreationTime="2020-01-01T00:00:00Z"),
    ]
    server.load(fixtures, replace=True)
    assert listed_from(client, first["NextToken"]) == [*EXPECTED_HITS[5:], "OLDEST"]

    assignments = client.list_assignments_for_hit(HITId=LISTED, MaxResults=3)
    server.load(token_fixtures(), replace=True)
    rest = client.list_assignments_for_hit(
        HITId=LISTED, NextToken=assignments["NextToken"], MaxResults=100
    )
    assert assignment_ids(rest) == [f"{LISTED}A{n:02d}" for n in range(3, 14)]


def test_max_results_may_change_between_pages(loaded: tuple[InProcessServer, Any]) -> None:
    _, client = loaded
    listed: list[str] = []
    token = None
    for size in (3, 7, 1, 2, 100, 5):
        params: dict[str, Any] = {"MaxResults": size}
        if token is not None:
            params["NextToken"] = token
        page = client.list_hits(**params)
        listed += hit_ids(page)
        token = page.get("NextToken")
        if token is None:
            break
    assert listed == EXPECTED_HITS
    assert token is None


def test_the_last_token_leads_to_an_empty_page(loaded: tuple[InProcessServer, Any]) -> None:
    _, client = loaded
    first = client.list_hits(MaxResults=len(EXPECTED_HITS))
    assert hit_ids(first) == EXPECTED_HITS
    for _ in range(2):
        end = client.list_hits(NextToken=first["NextToken"])
        assert end["NumResults"] == 0 and end["HITs"] == [] and "NextToken" not in end


# --- Tampering ----------------------------------------------------------------------------------


GARBLINGS: dict[str, Callable[[str], str]] = {
    "middle replaced": lambda t: t[:10] + ("AAAAA" if t[10:15] != "AAAAA" else "BBBBB") + t[15:],
    "body reversed": lambda t: PREFIX + t[len(PREFIX) :][::-1],
    "body all A": lambda t: PREFIX + "A" * (len(t) - len(PREFIX)),
    "body of another length": lambda t: PREFIX + "QUJD" * 20,
    "words": lambda t: "p1:garbage",
    "not a token": lambda t: "not-a-token",
    "non-base64 characters": lambda t: t[:-4] + "!!!!",
    "leading space": lambda t: " " + t,
    "trailing space": lambda t: t + " ",
    "trailing newline": lambda t: t + "\n",
    "embedded newline": lambda t: t[:20] + "\n" + t[20:],
    "non-ASCII": lambda t: t[:-2] + "éß",
    "control character": lambda t: t[:5] + "\x00" + t[6:],
    "doubled": lambda t: t + t[len(PREFIX) :],
    "prefix only": lambda t: PREFIX,
    "JSON text": lambda t: '{"offset": 10}',
    "number": lambda t: "10",
}


@pytest.mark.parametrize("garble", GARBLINGS.values(), ids=GARBLINGS.keys())
def test_a_garbled_token_is_rejected(
    loaded: tuple[InProcessServer, Any], garble: Callable[[str], str]
) -> None:
    server, client = loaded
    for token in hit_tokens(client, 4)[:2]:
        bad = garble(token)
        assert bad != token
        assert_hits_token_rejected(client, bad)
        assert_raw_rejected(server, "ListHITs", {"NextToken": bad})
    assignments = client.list_assignments_for_hit(HITId=LISTED, MaxResults=2)
    bad = garble(assignments["NextToken"])
    assert_raw_rejected(server, "ListAssignmentsForHIT", {"HITId": LISTED, "NextToken": bad})


@pytest.mark.parametrize("cut", [1, 2, 3, 4, 8, 20, -1])
def test_a_truncated_token_is_rejected(loaded: tuple[InProcessServer, Any], cut: int) -> None:
    server, client = loaded
    for token in hit_tokens(client, 5)[:3]:
        keep = len(PREFIX) + 1 if cut == -1 else len(token) - cut
        assert_hits_token_rejected(client, token[:keep])
        assert_raw_rejected(server, "ListHITs", {"NextToken": token[cut if cut > 0 else 1 :]})


def test_a_token_cut_to_whole_base64_quanta_is_rejected(
    loaded: tuple[InProcessServer, Any],
) -> None:
    """Shorter but still valid base64: the length or the MAC gives it away."""
    _, client = loaded
    token = hit_tokens(client, 5)[0]
    payload = sealed(token)
    for size in range(len(payload) - 1, 0, -1):
        assert_hits_token_rejected(client, reseal(payload[:size]))
        assert_hits_token_rejected(client, reseal(payload[-size:]))
    assert_hits_token_rejected(client, reseal(payload + b"\x00"))


def test_every_single_bit_flip_is_rejected(loaded: tuple[InProcessServer, Any]) -> None:
    """Each bit of the decoded token -- MAC, version, scope digest, key and ID -- is covered."""
    server, client = loaded
    token = hit_tokens(client, 3)[1]
    payload = sealed(token)
    for position in range(len(payload)):
        for bit in range(8):
            flipped = bytearray(payload)
            flipped[position] ^= 1 << bit
            assert_raw_rejected(server, "ListHITs", {"NextToken": reseal(bytes(flipped))})


@pytest.mark.parametrize("position", [0, 15, 16, 17, 24, 25, 32, 33, -1])
def test_a_bit_flipped_token_is_rejected_by_boto3_too(
    loaded: tuple[InProcessServer, Any], position: int
) -> None:
    _, client = loaded
    token = client.list_assignments_for_hit(HITId=LISTED, MaxResults=4)["NextToken"]
    payload = bytearray(sealed(token))
    payload[position] ^= 0x01
    bad = reseal(bytes(payload))
    assert_rejected(client, lambda: client.list_assignments_for_hit(HITId=LISTED, NextToken=bad))


def test_flipping_any_character_of_the_text_is_rejected(
    loaded: tuple[InProcessServer, Any],
) -> None:
    """Every position of tokens with no, one and two '=', another base64 character."""
    server, client = loaded
    tokens = hit_tokens(client, 1)
    for padding in ("", "=", "=="):
        token = first_token_with(tokens, lambda t, p=padding: len(t) - len(t.rstrip("=")) == len(p))
        for index in range(len(PREFIX), len(token.rstrip("="))):
            replacement = B64_ALPHABET[(B64_ALPHABET.index(token[index]) + 1) % 64]
            bad = token[:index] + replacement + token[index + 1 :]
            assert_raw_rejected(server, "ListHITs", {"NextToken": bad})


def canonical_twin(token: str) -> str:
    """Another spelling of the same bytes: the unused low bits before '=' padding set to 1."""
    body = token[len(PREFIX) :]
    data = body.rstrip("=")
    padding = body[len(data) :]
    slack = {1: 0b11, 2: 0b1111}[len(padding)]
    twin_char = B64_ALPHABET[B64_ALPHABET.index(data[-1]) ^ slack]
    return PREFIX + data[:-1] + twin_char + padding


def test_a_token_changed_in_its_padding_bits_is_rejected(
    loaded: tuple[InProcessServer, Any],
) -> None:
    server, client = loaded
    tokens = hit_tokens(client, 1)
    for padding in ("=", "=="):
        token = first_token_with(
            tokens, lambda t, p=padding: t.endswith(p) and not t.endswith("=" + p)
        )
        twin = canonical_twin(token)
        assert twin != token
        assert sealed(twin) == sealed(token)  # the same bytes, spelt differently
        assert_raw_rejected(server, "ListHITs", {"NextToken": twin})


RE_ENCODINGS: dict[str, tuple[Callable[[str], bool], Callable[[str], str]]] = {
    "url-safe base64": (
        lambda t: "+" in t or "/" in t,
        lambda t: PREFIX + base64.urlsafe_b64encode(sealed(t)).decode(),
    ),
    "padding stripped": (lambda t: t.endswith("="), lambda t: t.rstrip("=")),
    "padding added": (lambda t: True, lambda t: t + "="),
    "MIME line breaks": (
        lambda t: True,
        lambda t: PREFIX + base64.encodebytes(sealed(t)).decode().replace("\n", "\r\n"),
    ),
    "split every 16": (
        lambda t: True,
        lambda t: "\n".join(t[i : i + 16] for i in range(0, len(t), 16)),
    ),
    "hex": (lambda t: True, lambda t: PREFIX + sealed(t).hex()),
    "base32": (lambda t: True, lambda t: PREFIX + base64.b32encode(sealed(t)).decode()),
    "base85": (lambda t: True, lambda t: PREFIX + base64.b85encode(sealed(t)).decode()),
    "percent-encoded": (
        lambda t: any(c in t for c in "+/="),
        lambda t: urllib.parse.quote(t, safe=""),
    ),
    "base64 of the token": (
        lambda t: True,
        lambda t: PREFIX + base64.b64encode(t.encode()).decode(),
    ),
    "upper-case prefix": (lambda t: True, lambda t: "P1:" + t[len(PREFIX) :]),
    "other version prefix": (lambda t: True, lambda t: "p2:" + t[len(PREFIX) :]),
    "no prefix": (lambda t: True, lambda t: t[len(PREFIX) :]),
    "prefix twice": (lambda t: True, lambda t: PREFIX + t),
    "swapped case": (lambda t: True, lambda t: PREFIX + t[len(PREFIX) :].swapcase()),
}


@pytest.mark.parametrize("encoding", RE_ENCODINGS.values(), ids=RE_ENCODINGS.keys())
def test_a_re_encoded_token_is_rejected(
    loaded: tuple[InProcessServer, Any],
    encoding: tuple[Callable[[str], bool], Callable[[str], str]],
) -> None:
    server, client = loaded
    applies, re_encode = encoding
    token = first_token_with(hit_tokens(client, 1), applies)
    bad = re_encode(token)
    assert bad != token
    assert_hits_token_rejected(client, bad)
    assert_raw_rejected(server, "ListHITs", {"NextToken": bad})


# --- Forgery ------------------------------------------------------------------------------------


def hit_cursor(server: InProcessServer, hit_id: str) -> tuple[int, str]:
    stored = stored_hit(server, hit_id)
    assert stored is not None
    return (-to_micros(stored.record.CreationTime), hit_id)


def assignments_scope(hit_id: str, statuses: tuple[str, ...] = STATUSES) -> str:
    return "\x1f".join(("ListAssignmentsForHIT", hit_id, *sorted(set(statuses))))


def test_a_token_from_another_secret_is_rejected(loaded: tuple[InProcessServer, Any]) -> None:
    server, client = loaded
    cursor = hit_cursor(server, EXPECTED_HITS[4])
    for secret in (b"", b"another secret", bytes(32)):
        forged = TokenCodec(secret).issue("ListHITs", cursor)
        assert forged.startswith(PREFIX) and len(forged) <= MAX_TOKEN_LENGTH
        assert_hits_token_rejected(client, forged)
        forged = TokenCodec(secret).issue(assignments_scope(LISTED), (0, f"{LISTED}A03"))
        assert_rejected(
            client, lambda f=forged: client.list_assignments_for_hit(HITId=LISTED, NextToken=f)
        )


def test_a_token_from_another_server_instance_is_rejected(
    loaded: tuple[InProcessServer, Any],
) -> None:
    _, client = loaded
    with serve(token_fixtures()) as other_server:
        other = checked(other_server.client())
        theirs = other.list_hits(MaxResults=3)["NextToken"]
        ours = client.list_hits(MaxResults=3)["NextToken"]
        assert theirs != ours
        assert_hits_token_rejected(client, theirs)
        assert_hits_token_rejected(other, ours)
        theirs = other.list_assignments_for_hit(HITId=LISTED, MaxResults=3)["NextToken"]
        assert_rejected(
            client, lambda: client.list_assignments_for_hit(HITId=LISTED, NextToken=theirs)
        )
    # The same secret on both sides would accept it: the secret is what binds a token.
    with (
        serve(token_fixtures(), token_secret=b"shared") as one,
        serve(token_fixtures(), token_secret=b"shared") as two,
    ):
        token = checked(one.client()).list_hits(MaxResults=3)["NextToken"]
        assert listed_from(checked(two.client()), token) == EXPECTED_HITS[3:]


def test_a_hand_made_token_is_rejected(loaded: tuple[InProcessServer, Any]) -> None:
    """The documented layout, built without the secret: zero MAC, guessed keys, no encryption."""
    server, client = loaded
    key, hit_id = hit_cursor(server, EXPECTED_HITS[2])
    scope = hashlib.sha256(b"ListHITs").digest()[:8]
    plain = struct.pack(">B8sq", 1, scope, key) + hit_id.encode()
    for mac in (
        bytes(16),
        hmac.digest(b"", plain, "sha256")[:16],
        hashlib.sha256(plain).digest()[:16],
    ):
        assert_hits_token_rejected(client, reseal(mac + plain))
    # Any offset-looking token.
    for text in ("p1:MTA=", PREFIX + base64.b64encode(struct.pack(">q", 10)).decode()):
        assert_hits_token_rejected(client, text)


# --- Scope: operation, HIT, filter ------------------------------------------------------------


def test_a_list_hits_token_is_rejected_by_list_assignments(
    loaded: tuple[InProcessServer, Any],
) -> None:
    server, client = loaded
    for token in hit_tokens(client, 7):
        assert_rejected(
            client, lambda t=token: client.list_assignments_for_hit(HITId=LISTED, NextToken=t)
        )
        assert_raw_rejected(server, "ListAssignmentsForHIT", {"HITId": LISTED, "NextToken": token})


def test_a_list_assignments_token_is_rejected_by_list_hits(
    loaded: tuple[InProcessServer, Any],
) -> None:
    _, client = loaded
    token = client.list_assignments_for_hit(HITId=LISTED, MaxResults=3)["NextToken"]
    assert_hits_token_rejected(client, token)


def test_a_token_for_one_hit_is_rejected_for_another(loaded: tuple[InProcessServer, Any]) -> None:
    _, client = loaded
    for statuses in (None, ["Submitted"], []):
        params: dict[str, Any] = {} if statuses is None else {"AssignmentStatuses": statuses}
        token = client.list_assignments_for_hit(HITId=LISTED, MaxResults=1, **params)["NextToken"]
        for other in (OTHER, "TOKENHIT7"):  # with and without assignments
            assert_rejected(
                client,
                lambda o=other, t=token, p=params: client.list_assignments_for_hit(
                    HITId=o, NextToken=t, **p
                ),
            )
        back = client.list_assignments_for_hit(HITId=OTHER, MaxResults=1, **params)["NextToken"]
        assert_rejected(
            client,
            lambda t=back, p=params: client.list_assignments_for_hit(
                HITId=LISTED, NextToken=t, **p
            ),
        )


DIFFERENT_FILTERS = [
    (None, ["Submitted"]),
    ([], ["Approved", "Rejected"]),
    (["Submitted"], ["Approved"]),
    (["Submitted"], ["Submitted", "Approved"]),
    (["Submitted", "Approved"], ["Submitted"]),
    (["Approved", "Rejected"], None),
    (["Rejected"], []),
]


@pytest.mark.parametrize(("first", "then"), DIFFERENT_FILTERS)
def test_a_token_reused_with_another_status_filter_is_rejected(
    loaded: tuple[InProcessServer, Any], first: list[str] | None, then: list[str] | None
) -> None:
    _, client = loaded
    params = {} if first is None else {"AssignmentStatuses": first}
    token = client.list_assignments_for_hit(HITId=LISTED, MaxResults=1, **params)["NextToken"]
    again = {} if then is None else {"AssignmentStatuses": then}
    assert_rejected(
        client,
        lambda: client.list_assignments_for_hit(HITId=LISTED, NextToken=token, **again),
    )


SAME_FILTERS = [
    (None, []),
    ([], None),
    (None, ["Rejected", "Submitted", "Approved"]),
    (["Submitted", "Approved", "Rejected"], []),
    (["Submitted", "Submitted"], ["Submitted"]),
    (["Approved", "Rejected"], ["Rejected", "Approved", "Rejected"]),
]


@pytest.mark.parametrize(("first", "then"), SAME_FILTERS)
def test_a_token_reused_with_the_same_status_set_is_accepted(
    loaded: tuple[InProcessServer, Any], first: list[str] | None, then: list[str] | None
) -> None:
    _, client = loaded
    wanted = set(first or STATUSES)
    expected = [
        f"{LISTED}A{n:02d}" for n in range(14) if STATUSES[n % 3] in wanted
    ]  # ascending SubmitTime, then AssignmentId
    params = {} if first is None else {"AssignmentStatuses": first}
    page = client.list_assignments_for_hit(HITId=LISTED, MaxResults=2, **params)
    again = {} if then is None else {"AssignmentStatuses": then}
    rest = client.list_assignments_for_hit(
        HITId=LISTED, NextToken=page["NextToken"], MaxResults=100, **again
    )
    assert assignment_ids(page) + assignment_ids(rest) == expected


# --- Length -------------------------------------------------------------------------------------


def test_a_token_over_255_characters_is_a_validation_exception(
    loaded: tuple[InProcessServer, Any],
) -> None:
    server, client = loaded
    token = hit_tokens(client, 3)[0]
    for bad in (
        token + "A" * (MAX_TOKEN_LENGTH + 1 - len(token)),
        PREFIX + "A" * (MAX_TOKEN_LENGTH + 1 - len(PREFIX)),
        "x" * 1000,
        token * 10,
    ):
        assert len(bad) > MAX_TOKEN_LENGTH
        assert_too_long(client, lambda b=bad: client.list_hits(NextToken=b))
        assert_too_long(
            client, lambda b=bad: client.list_assignments_for_hit(HITId=LISTED, NextToken=b)
        )
        response = support.call(server, "ListHITs", {"NextToken": bad})
        assert response.status == 400
        assert response.json()["__type"] == "ValidationException"


def test_a_bad_token_of_exactly_255_characters_is_a_request_error(
    loaded: tuple[InProcessServer, Any],
) -> None:
    _, client = loaded
    token = hit_tokens(client, 3)[0]
    assert_hits_token_rejected(client, token + "A" * (MAX_TOKEN_LENGTH - len(token)))
    assert_hits_token_rejected(client, "A" * MAX_TOKEN_LENGTH)


@pytest.mark.parametrize("value", ["", 10, True, ["p1:"], {"token": "p1:"}])
def test_an_empty_or_non_string_token_is_a_validation_exception(
    loaded: tuple[InProcessServer, Any], value: Any
) -> None:
    """The model's PaginationToken is a string of 1..255 characters."""
    server, _ = loaded
    for operation, params in (("ListHITs", {}), ("ListAssignmentsForHIT", {"HITId": LISTED})):
        response = support.call(server, operation, {**params, "NextToken": value})
        assert response.status == 400
        body = response.json()
        assert body["__type"] == "ValidationException"
        assert "nextToken" in body["message"]


# --- Any text, any mutation ---------------------------------------------------------------------


def java_length(text: str) -> int:
    """Length in UTF-16 code units, as the AWS framework counts the 255-character limit."""
    return len(text.encode("utf-16-le")) // 2


def check_never_data(server: InProcessServer, operation: str, params: dict[str, Any]) -> None:
    """400 and the right error for the token's length; never 200, never 500."""
    token = params["NextToken"]
    response = support.call(server, operation, params)
    body = response.json()
    assert response.status == 400, (token, response.status, body)
    if java_length(token) > MAX_TOKEN_LENGTH:
        assert body["__type"] == "ValidationException", body
        assert "nextToken" in body["message"] and "255" in body["message"]
    else:
        assert body["__type"] == "RequestError", body
        assert body["TurkErrorCode"] == INVALID_VALUE
        assert "NextToken" in body["Message"]


TEXT_TOKENS = st.one_of(
    st.text(min_size=1, max_size=300),
    st.text(alphabet=B64_ALPHABET + "=", min_size=1, max_size=300),
    st.builds(lambda s: PREFIX + s, st.text(alphabet=B64_ALPHABET + "=", max_size=260)),
    st.builds(lambda s: PREFIX + s, st.text(max_size=260)),
)


@PROPERTY_SETTINGS
@given(text=TEXT_TOKENS)
def test_arbitrary_text_is_never_accepted_as_a_token(
    loaded: tuple[InProcessServer, Any], text: str
) -> None:
    server, client = loaded
    check_never_data(server, "ListHITs", {"NextToken": text})
    check_never_data(server, "ListAssignmentsForHIT", {"HITId": LISTED, "NextToken": text})

    def call() -> Any:
        return client.list_hits(NextToken=text)

    if java_length(text) > MAX_TOKEN_LENGTH:
        assert_too_long(client, call)
    else:
        assert_rejected(client, call)


@st.composite
def mutations(draw: st.DrawFn, token: str) -> str:
    """A valid token flipped at one character, cut, extended, or with a character added or lost."""
    kind = draw(st.sampled_from(["flip", "cut", "append", "insert", "delete"]))
    if kind == "flip":
        index = draw(st.integers(0, len(token) - 1))
        char = draw(st.one_of(st.sampled_from(B64_ALPHABET + "=:"), st.characters()))
        assume(char != token[index])
        return token[:index] + char + token[index + 1 :]
    if kind == "cut":
        return token[: draw(st.integers(0, len(token) - 1))] or "p"
    if kind == "append":
        return token + draw(st.text(min_size=1, max_size=300))
    if kind == "insert":
        index = draw(st.integers(0, len(token)))
        return token[:index] + draw(st.text(min_size=1, max_size=8)) + token[index:]
    index = draw(st.integers(0, len(token) - 1))
    return token[:index] + token[index + 1 :]


@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_mutated_token_is_never_accepted(loaded: tuple[InProcessServer, Any], data: Any) -> None:
    server, _ = loaded
    operation, params, page = data.draw(
        st.sampled_from(
            [
                ("ListHITs", {}, 1),
                ("ListHITs", {}, 5),
                ("ListAssignmentsForHIT", {"HITId": LISTED}, 3),
                ("ListAssignmentsForHIT", {"HITId": LISTED, "AssignmentStatuses": ["Approved"]}, 1),
            ]
        )
    )
    first = support.call(server, operation, {**params, "MaxResults": page}).json()
    token = first["NextToken"]
    mutated = data.draw(mutations(token))
    assume(mutated != token)
    check_never_data(server, operation, {**params, "NextToken": mutated})


# --- TokenCodec, unit level ---------------------------------------------------------------------

KEYS = st.integers(-(2**63), 2**63 - 1)
RECORD_IDS = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=64)
SCOPES = st.text(max_size=200)
SECRETS = st.one_of(st.none(), st.binary(max_size=64))


@settings(max_examples=300, deadline=None)
@given(key=KEYS, record_id=RECORD_IDS, scope=SCOPES, secret=SECRETS)
def test_codec_round_trips_any_cursor(
    key: int, record_id: str, scope: str, secret: bytes | None
) -> None:
    codec = TokenCodec(secret)
    token = codec.issue(scope, (key, record_id))
    assert token.startswith(PREFIX)
    assert len(token) <= MAX_TOKEN_LENGTH
    assert token.isascii() and token.isprintable()
    assert record_id not in token[len(PREFIX) :] or len(record_id) < 6
    assert codec.open(token, scope) == (key, record_id)
    assert codec.issue(scope, (key, record_id)) == token


@settings(max_examples=100, deadline=None)
@given(key=KEYS, record_id=RECORD_IDS, scope=SCOPES, other_scope=SCOPES)
def test_codec_refuses_another_scope_or_secret(
    key: int, record_id: str, scope: str, other_scope: str
) -> None:
    codec = TokenCodec()
    token = codec.issue(scope, (key, record_id))
    with pytest.raises(RequestError) as raised:
        TokenCodec().open(token, scope)
    assert raised.value.turk_error_code == INVALID_VALUE
    assert "NextToken" in raised.value.message
    if other_scope != scope:
        with pytest.raises(RequestError):
            codec.open(token, other_scope)


def test_codec_longest_token_fits() -> None:
    codec = TokenCodec()
    for key in (-(2**63), 0, 2**63 - 1):
        token = codec.issue("x" * 10_000, (key, "Z" * 64))
        assert len(token) <= MAX_TOKEN_LENGTH
        assert codec.open(token, "x" * 10_000) == (key, "Z" * 64)
    assert codec.open(None, "ListHITs") is None


def test_codec_keys_of_real_instants_round_trip() -> None:
    codec = TokenCodec()
    for text in ("2000-01-01T00:00:00+00:00", "2029-12-31T23:59:59.999999+14:00"):
        micros = to_micros(datetime.fromisoformat(text))
        for key in (micros, -micros):
            assert codec.open(codec.issue("s", (key, "ID")), "s") == (key, "ID")
