"""Signature Version 4 with --verify-signatures, botocore's signer as the oracle: boto3 clients
holding the right, a wrong and an unknown key; presigned requests; clocks off by minutes."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from support import JSON_11, TARGET_PREFIX, RawResponse

from mockturk.testing import InProcessServer, boto3_client, serve
from mockturk.trust import sigv4

KEYS = {"AKIARIGHT": "right-secret", "mock": "mock"}
CORAL = "com.amazon.coral.service#"
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your"
    " AWS Secret Access Key and signing method. Consult the service documentation for details."
)


@pytest.fixture(scope="module")
def verifying() -> Iterator[InProcessServer]:
    with serve([], verify_signatures=True, access_keys=KEYS) as server:
        yield server


def client(server: InProcessServer, key: str, secret: str, **settings: Any) -> Any:
    return boto3_client(
        server.endpoint_url, aws_access_key_id=key, aws_secret_access_key=secret, **settings
    )


def refusal(call: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def signed(
    server: InProcessServer,
    body: bytes = b"{}",
    target: str = "ListHITs",
    signer: Any = None,
    tamper: bytes | None = None,
) -> RawResponse:
    """A raw request signed by botocore (header form by default), sent as signed."""
    request = AWSRequest(
        "POST",
        server.endpoint_url + "/",
        data=body,
        headers={"Content-Type": JSON_11, "X-Amz-Target": TARGET_PREFIX + target},
    )
    (
        signer
        or SigV4Auth(Credentials("AKIARIGHT", "right-secret"), "mturk-requester", "us-east-1")
    ).add_auth(request)
    prepared = request.prepare()
    url = urlsplit(prepared.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        path = url.path + (f"?{url.query}" if url.query else "")
        connection.request(
            "POST", path, tamper if tamper is not None else prepared.body, dict(prepared.headers)
        )
        response = connection.getresponse()
        return RawResponse(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


def error_of(response: RawResponse) -> tuple[int, str, str]:
    body = json.loads(response.body)
    return response.status, body["__type"], body["message"]


# --- boto3 clients with right, wrong and unknown keys --------------------------------------------


def test_clients_holding_a_configured_key_are_answered(verifying: InProcessServer):
    assert client(verifying, "AKIARIGHT", "right-secret").list_hits()["NumResults"] == 0
    assert verifying.client().get_account_balance()["AvailableBalance"]  # mock/mock, the default
    sandbox = client(verifying, "AKIARIGHT", "right-secret", region_name="sandbox")
    assert sandbox.list_hits()["NumResults"] == 0  # the region is not checked


def test_a_wrong_secret_is_an_invalid_signature(verifying: InProcessServer):
    wrong = client(verifying, "AKIARIGHT", "wrong-secret")
    assert refusal(wrong.list_hits) == (400, "InvalidSignatureException", MISMATCH)


def test_an_unknown_key_is_an_unrecognized_client(verifying: InProcessServer):
    unknown = client(verifying, "AKIAUNKNOWN", "right-secret")
    assert refusal(unknown.list_hits) == (
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


def test_a_refused_request_changes_nothing(verifying: InProcessServer):
    wrong = client(verifying, "AKIARIGHT", "wrong-secret")
    refusal(
        lambda: wrong.create_hit_type(
            Title="t", Description="d", Reward="0.10", AssignmentDurationInSeconds=60
        )
    )
    assert verifying.state()["HITs"] == [] and "HITTypes" not in verifying.state()


def test_an_unsigned_request_is_missing_its_token(verifying: InProcessServer):
    response = signed(verifying, signer=_Unsigned())
    assert error_of(response) == (
        400,
        CORAL + "MissingAuthenticationTokenException",
        "Request is missing Authentication Token",
    )


def test_a_body_changed_after_signing_fails_the_signature(verifying: InProcessServer):
    response = signed(verifying, b'{"MaxResults": 5}', tamper=b'{"MaxResults": 6}')
    assert error_of(response) == (400, CORAL + "InvalidSignatureException", MISMATCH)


def test_a_header_without_its_parts_is_an_incomplete_signature(verifying: InProcessServer):
    response = signed(verifying, signer=_Header("AWS4-HMAC-SHA256 Credential=AKIARIGHT/x"))
    status, kind, message = error_of(response)
    assert (status, kind) == (400, CORAL + "IncompleteSignatureException")
    assert message == (
        "Authorization header requires 'Signature' parameter. Authorization header requires"
        " 'SignedHeaders' parameter. Authorization header requires existence of either a"
        " 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256"
        " Credential=AKIARIGHT/x"
    )


def test_a_signature_for_another_service_is_refused(verifying: InProcessServer):
    other = SigV4Auth(Credentials("AKIARIGHT", "right-secret"), "mturk", "us-east-1")
    assert error_of(signed(verifying, signer=other)) == (
        400,
        CORAL + "InvalidSignatureException",
        "Credential should be scoped to correct service: 'mturk-requester'. ",
    )


# --- Time ----------------------------------------------------------------------------------------


@pytest.fixture
def signing_at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make botocore sign as if its clock were off by ``offset``."""

    def at(offset: timedelta) -> None:
        moved = datetime.now(UTC).replace(tzinfo=None) + offset
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: moved)

    return at


def test_a_signature_within_five_minutes_is_current(verifying, signing_at):
    signing_at(timedelta(minutes=-4))
    assert client(verifying, "AKIARIGHT", "right-secret").list_hits()["NumResults"] == 0
    signing_at(timedelta(minutes=4))
    assert client(verifying, "AKIARIGHT", "right-secret").list_hits()["NumResults"] == 0


def test_a_signature_from_ten_minutes_ago_has_expired(verifying, signing_at):
    signing_at(timedelta(minutes=-10))
    status, code, message = refusal(client(verifying, "AKIARIGHT", "right-secret").list_hits)
    assert (status, code) == (400, "InvalidSignatureException")
    assert message.startswith("Signature expired: ") and message.endswith(" - 5 min.)")
    assert " is now earlier than " in message


def test_a_signature_ten_minutes_ahead_is_not_yet_current(verifying, signing_at):
    signing_at(timedelta(minutes=10))
    status, code, message = refusal(client(verifying, "AKIARIGHT", "right-secret").list_hits)
    assert (status, code) == (400, "InvalidSignatureException")
    assert message.startswith("Signature not yet current: ") and message.endswith(" + 5 min.)")


# --- Presigned requests -------------------------------------------------------------------------


def presigner(expires: int = 60, secret: str = "right-secret") -> SigV4QueryAuth:
    return SigV4QueryAuth(
        Credentials("AKIARIGHT", secret), "mturk-requester", "us-east-1", expires=expires
    )


def test_a_presigned_request_is_answered(verifying: InProcessServer):
    response = signed(verifying, b"", signer=presigner())
    assert response.status == 200, response.body
    assert json.loads(response.body)["NumResults"] == 0


def test_a_presigned_request_with_a_wrong_secret_fails(verifying: InProcessServer):
    response = signed(verifying, b"", signer=presigner(secret="wrong"))
    assert error_of(response) == (400, CORAL + "InvalidSignatureException", MISMATCH)


def test_a_presigned_request_past_its_expiry_has_expired(verifying, signing_at):
    signing_at(timedelta(seconds=-120))
    status, kind, message = error_of(signed(verifying, b"", signer=presigner(expires=60)))
    assert (status, kind) == (400, CORAL + "InvalidSignatureException")
    assert message.startswith("Signature expired: ") and message.endswith(" - 60 sec.)")


# --- Key configuration --------------------------------------------------------------------------


def test_a_credentials_file_names_each_keys_requester(tmp_path: Path):
    path = tmp_path / "credentials"
    path.write_text(
        "[lab]\naws_access_key_id = AKIALAB\naws_secret_access_key = s1\n"
        "[other-lab]\naws_access_key_id=AKIAOTHER\naws_secret_access_key=s2\n"
    )
    assert sigv4.read_credentials_file(path) == (
        sigv4.AccessKey("AKIALAB", "s1", "lab"),
        sigv4.AccessKey("AKIAOTHER", "s2", "other-lab"),
    )
    path.write_text("[lab]\naws_access_key_id = AKIALAB\n")
    with pytest.raises(ValueError, match=r"\[lab\] needs"):
        sigv4.read_credentials_file(path)


def test_the_cli_reads_the_signature_options(monkeypatch, tmp_path):
    from mockturk import cli

    path = tmp_path / "credentials"
    path.write_text("[lab]\naws_access_key_id = AKIALAB\naws_secret_access_key = s1\n")
    parser = cli.build_parser()
    monkeypatch.setenv("MOCKTURK_VERIFY_SIGNATURES", "1")
    args = parser.parse_args(["serve", "--access-key", "AKIAX:sx", "--credentials", str(path)])
    trust = cli._trust(parser, args)
    assert trust.verify_signatures
    assert trust.access_keys == (
        sigv4.AccessKey("AKIAX", "sx"),
        sigv4.AccessKey("AKIALAB", "s1", "lab"),
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--access-key", "no-colon"])


class _Unsigned:
    def add_auth(self, request: AWSRequest) -> None:
        pass


class _Header:
    def __init__(self, value: str) -> None:
        self.value = value

    def add_auth(self, request: AWSRequest) -> None:
        request.headers["Authorization"] = self.value
