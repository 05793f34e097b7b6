"""AWS Signature Version 4, checked as the real service checks it (with ``--verify-signatures``).

Both forms: the ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
Signature=...`` header with ``X-Amz-Date`` (or ``Date``), and the presigned query
(``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-Expires``,
``X-Amz-SignedHeaders``, ``X-Amz-Signature``). The canonical request, string to sign and
signing key follow the SigV4 specification; nothing else of cryptography is done here.

Checked in the order AWS answers them: a signature at all (MissingAuthenticationToken), its
parts (IncompleteSignature), its time against the machine's clock, 5 minutes either way, as
AWS allows (the server's own clock is a test's to move; clients sign with the machine's), the
credential's scope (service ``mturk-requester``; the region is not checked: botocore signs
``sandbox`` for the sandbox), the key (UnrecognizedClient), and last the signature itself.
"""

from __future__ import annotations

import configparser
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

from mockturk.errors import CORAL, AwsError

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "mturk-requester"
TERMINATOR = "aws4_request"
MAX_SKEW = timedelta(minutes=5)
BASIC_FORMAT = "%Y%m%dT%H%M%SZ"
# What boto3_client(), the README and the pytest plugin sign with.
DEFAULT_KEYS = {"mock": "mock"}


class MissingAuthenticationToken(AwsError):
    type_name = CORAL + "MissingAuthenticationTokenException"


class IncompleteSignature(AwsError):
    type_name = CORAL + "IncompleteSignatureException"


class UnrecognizedClient(AwsError):
    type_name = CORAL + "UnrecognizedClientException"


def unrecognized_key() -> UnrecognizedClient:
    """The real answer to an access key the service does not know."""
    return UnrecognizedClient("The security token included in the request is invalid.")


class InvalidSignature(AwsError):
    type_name = CORAL + "InvalidSignatureException"


@dataclass(frozen=True)
class AccessKey:
    """A key pair the server accepts. ``requester`` is who signs with it (one requester for
    every key, for now)."""

    access_key_id: str
    secret_access_key: str
    requester: str | None = None


def access_keys(pairs: Mapping[str, str]) -> tuple[AccessKey, ...]:
    return tuple(AccessKey(key_id, secret) for key_id, secret in pairs.items())


def claimed_key_id(authorization: str | None, raw_query: bytes = b"") -> str | None:
    """The access key ID a request says it is signed with (its Credential, in the header or
    the presigned query), unchecked; None for an unsigned request."""
    if authorization is not None:
        _, found, rest = authorization.partition("Credential=")
        return rest.partition("/")[0] if found else None
    if b"X-Amz-Credential=" in raw_query:
        credential = dict(urllib.parse.parse_qsl(raw_query.decode("latin-1")))
        return credential.get("X-Amz-Credential", "").partition("/")[0] or None
    return None


def parse_access_key(text: str) -> AccessKey:
    """``ID:SECRET``, as ``--access-key`` takes it; ValueError otherwise."""
    key_id, colon, secret = text.partition(":")
    if not colon or not key_id.strip() or not secret:
        raise ValueError(f"{text[:40]!r} is not ACCESS_KEY_ID:SECRET_ACCESS_KEY")
    return AccessKey(key_id.strip(), secret)


def read_credentials_file(path: Path) -> tuple[AccessKey, ...]:
    """The key pairs of an AWS shared credentials file (``~/.aws/credentials``): one per
    section with ``aws_access_key_id`` and ``aws_secret_access_key``; the section's name is
    kept as the key's requester. ValueError for a file that is not one."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(), str(path))
    except (OSError, UnicodeError, configparser.Error) as error:
        raise ValueError(f"{path}: not a readable credentials file ({error})") from None
    keys = []
    for section in parser.sections():
        key_id = parser.get(section, "aws_access_key_id", fallback="").strip()
        secret = parser.get(section, "aws_secret_access_key", fallback="").strip()
        if not key_id or not secret:
            raise ValueError(
                f"{path}: [{section}] needs aws_access_key_id and aws_secret_access_key"
            )
        keys.append(AccessKey(key_id, secret, section))
    if not keys:
        raise ValueError(f"{path}: holds no key pairs")
    return tuple(keys)


@dataclass(frozen=True)
class _Signed:
    """What a request says of its signature, from either form."""

    credential: str
    signed_headers: str
    signature: str
    stamp: str
    expires: int | None  # presigned only
    query: list[tuple[str, str]]  # without X-Amz-Signature


class SignatureVerifier:
    def __init__(self, keys: Iterable[AccessKey]) -> None:
        self.keys = {key.access_key_id: key for key in keys}

    def verify(
        self,
        method: str,
        raw_query: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        now: float | None = None,
    ) -> AccessKey:
        """The key that signed the request; the AWS error otherwise."""
        query = urllib.parse.parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)
        found = {name: value.decode("latin-1") for name, value in headers}
        signed = _presigned(query) if _is_presigned(query) else _from_header(found)
        instant = datetime.fromtimestamp(time.time() if now is None else now, UTC)
        _check_time(signed, instant)
        key_id, date, region, service = _scope(signed.credential, signed.stamp)
        key = self.keys.get(key_id)
        if key is None:
            raise unrecognized_key()
        canonical = _canonical_request(method, signed, headers, body, found)
        scope = f"{date}/{region}/{service}/{TERMINATOR}"
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        to_sign = f"{ALGORITHM}\n{signed.stamp}\n{scope}\n{digest}"
        expected = _signature(key.secret_access_key, date, region, service, to_sign)
        if not hmac.compare_digest(expected, signed.signature):
            raise InvalidSignature(
                "The request signature we calculated does not match the signature you provided."
                " Check your AWS Secret Access Key and signing method. Consult the service"
                " documentation for details."
            )
        return key


def _is_presigned(query: list[tuple[str, str]]) -> bool:
    return any(name == "X-Amz-Algorithm" for name, _ in query)


def _from_header(headers: Mapping[bytes, str]) -> _Signed:
    header = headers.get(b"authorization")
    if header is None:
        raise MissingAuthenticationToken("Request is missing Authentication Token")
    algorithm, _, rest = header.strip().partition(" ")
    parts: dict[str, str] = {}
    for part in rest.replace(",", " ").split():
        name, equals, value = part.partition("=")
        if not equals:
            raise IncompleteSignature(
                f"'{part}' not a valid key=value pair (missing equal-sign) in Authorization"
                f" header: '{header}'."
            )
        parts[name] = value
    stamp = headers.get(b"x-amz-date")
    if stamp is None and b"date" in headers:
        stamp = _basic_from_http_date(headers[b"date"])
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in parts
    ]
    if stamp is None:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if missing:
        raise IncompleteSignature(" ".join([*missing, f"Authorization={header}"]))
    if algorithm != ALGORITHM:
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{algorithm}'")
    assert stamp is not None
    return _Signed(parts["Credential"], parts["SignedHeaders"], parts["Signature"], stamp, None, [])


def _presigned(query: list[tuple[str, str]]) -> _Signed:
    given = dict(query)
    names = ("X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
    missing = [name for name in ("X-Amz-Algorithm", *names, "X-Amz-Expires") if name not in given]
    if missing:
        raise IncompleteSignature(
            f"AWS query-string parameters must include {', '.join(map(repr, missing))}."
            " Re-examine the query-string parameters."
        )
    if given["X-Amz-Algorithm"] != ALGORITHM:
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{given['X-Amz-Algorithm']}'")
    expires = given["X-Amz-Expires"]
    if not expires.isdigit() or not 0 < int(expires) <= 604800:
        raise IncompleteSignature(
            "X-Amz-Expires must be a number of seconds from 1 to 604800 (a week)."
        )
    return _Signed(
        given["X-Amz-Credential"],
        given["X-Amz-SignedHeaders"],
        given["X-Amz-Signature"],
        given["X-Amz-Date"],
        int(expires),
        [(name, value) for name, value in query if name != "X-Amz-Signature"],
    )


def _basic_from_http_date(text: str) -> str:
    try:
        return parsedate_to_datetime(text).astimezone(UTC).strftime(BASIC_FORMAT)
    except (TypeError, ValueError):
        return text  # refused below, with the text as given


def _check_time(signed: _Signed, now: datetime) -> None:
    try:
        stamp = datetime.strptime(signed.stamp, BASIC_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise IncompleteSignature(
            f"Date must be in ISO-8601 'basic format'. Got '{signed.stamp}'. See"
            " http://en.wikipedia.org/wiki/ISO_8601"
        ) from None
    if stamp > now + MAX_SKEW:
        raise InvalidSignature(
            f"Signature not yet current: {signed.stamp} is still later than"
            f" {_basic(now + MAX_SKEW)} ({_basic(now)} + 5 min.)"
        )
    # A presigned request is good from its date to its expiry (AWS's text for it unknown:
    # the header form's, with the expiry in place of the 5 minutes).
    window = MAX_SKEW if signed.expires is None else timedelta(seconds=signed.expires)
    if stamp < now - window:
        late = "5 min." if signed.expires is None else f"{signed.expires} sec."
        raise InvalidSignature(
            f"Signature expired: {signed.stamp} is now earlier than {_basic(now - window)}"
            f" ({_basic(now)} - {late})"
        )


def _basic(instant: datetime) -> str:
    return instant.strftime(BASIC_FORMAT)


def _scope(credential: str, stamp: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5:
        raise IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, e.g."
            f" keyid/date/region/service/term, got '{credential}'"
        )
    key_id, date, region, service, terminator = parts
    if date != stamp[:8]:
        raise InvalidSignature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date"
            f" from HTTP: '{date}' != '{stamp[:8]}', from '{stamp}'."
        )
    if service != SERVICE:
        raise InvalidSignature(f"Credential should be scoped to correct service: '{SERVICE}'. ")
    if terminator != TERMINATOR:
        raise InvalidSignature(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not"
            f" '{terminator}'. "
        )
    return key_id, date, region, service


def _canonical_request(
    method: str,
    signed: _Signed,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    found: Mapping[bytes, str],
) -> str:
    query = "&".join(f"{_encode(name)}={_encode(value)}" for name, value in sorted(signed.query))
    names = signed.signed_headers.split(";")
    values: dict[str, list[str]] = {name: [] for name in names}
    for name, value in headers:
        listed = values.get(name.decode("latin-1"))
        if listed is not None:
            listed.append(" ".join(value.decode("latin-1").split()))
    lines = "".join(f"{name}:{','.join(values[name])}\n" for name in names)
    payload = found.get(b"x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    return f"{method}\n/\n{query}\n{lines}\n{signed.signed_headers}\n{payload}"


def _encode(text: str) -> str:
    return urllib.parse.quote(text, safe="-_.~")


def _signature(secret: str, date: str, region: str, service: str, to_sign: str) -> str:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, TERMINATOR):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
