"""Which requests a web page may make: one layer, one table of rules, in front of everything
but the AWS endpoint (which applies :func:`page_evidence` itself, on its fast path).

A page the developer visits can send "simple" cross-site requests (a form post, a ``fetch``
with ``text/plain``) with no preflight, and by DNS rebinding it can make its own name point at
this server and read the answers. So, by zone:

==============================  ==============================================================
zone                            rules
==============================  ==============================================================
``/mturk/externalSubmit``       none: a HIT's task page posts its form here from its own site,
                                as on MTurk
``/_mockturk/health``           own host, same origin
``/_mockturk/...`` (the rest)   control API on, own host, same origin, a JSON or YAML body,
                                the control token (when one is set), a body within the limit
``/`` (the AWS endpoint)        same origin, and own host when there is an Origin, applied
                                by the endpoint itself (403 AccessDeniedException): SDKs send
                                no Origin, and reach a container by any name
anything else                   none (pages served later add a zone of their own)
==============================  ==============================================================

- **own host**: the ``Host`` header names this server: an IP address (DNS rebinding needs a
  name), ``localhost`` or a ``*.localhost`` name, this machine's hostname, the bound name, or
  a name allowed with ``--allowed-host``.
- **same origin**: a browser's ``Origin`` (sent on every cross-origin request, and on every
  POST) is this server's own, and ``Sec-Fetch-Site`` (when sent) is ``same-origin`` or
  ``none`` (typed into the address bar).
- **a JSON or YAML body**: a POST's Content-Type is JSON or YAML, types a page cannot send
  cross-site without a preflight that is never granted; a POST with no body may omit it.
  Bodies declaring more than ``--max-fixture-bytes`` are refused before they are read (and
  the fixtures endpoint counts what arrives without a declared length).
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import orjson

from mockturk import protocol
from mockturk.trust.settings import TrustSettings
from mockturk.web import SITE

Headers = Mapping[bytes, bytes]
PREFIX = "/_mockturk"
EXTERNAL_SUBMIT = "/mturk/externalSubmit"


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


Rule = Callable[["Guard", str, Headers], Refusal | None]


class Guard:
    """An ASGI layer applying the table above; refusals are control-API JSON errors."""

    def __init__(self, app: protocol.Asgi, settings: TrustSettings) -> None:
        self.app = app
        self.settings = settings
        self.hosts = own_hosts(settings)

    async def __call__(
        self, scope: protocol.Scope, receive: protocol.Receive, send: protocol.Send
    ) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(scope["method"], scope["path"], dict(scope["headers"]))
            if refusal is not None:
                await send_refusal(send, refusal)
                return
        await self.app(scope, receive, send)

    def refusal(self, method: str, path: str, headers: Headers) -> Refusal | None:
        for rule in rules_for(path):
            refused = rule(self, method, headers)
            if refused is not None:
                return refused
        return None


# --- The rules ----------------------------------------------------------------------------------


def control_api_on(guard: Guard, method: str, headers: Headers) -> Refusal | None:
    if guard.settings.control_api:
        return None
    return Refusal(
        404, "NotFound", "The control API is turned off on this server (--no-control-api)."
    )


def own_host(guard: Guard, method: str, headers: Headers) -> Refusal | None:
    host = headers.get(b"host")
    if host is None or host_allowed(host.decode("latin-1"), guard.hosts):
        return None
    name = host.decode("latin-1")[:100]
    return Refusal(
        403,
        "ForeignHost",
        f"Host {name!r} is not a name of this server, so the request may come from a web page"
        " that rebound its own name to it. Reach the server by its address or a loopback name,"
        " or allow the name with --allowed-host (MOCKTURK_ALLOWED_HOSTS).",
    )


def same_origin(guard: Guard, method: str, headers: Headers) -> Refusal | None:
    evidence = cross_site_evidence(headers)
    return None if evidence is None else cross_site(evidence)


def cross_site_evidence(headers: Headers) -> str | None:
    """What shows a request to come from a web page of another site, if anything does."""
    site = headers.get(b"sec-fetch-site")
    origin = headers.get(b"origin")
    if site is not None and site not in (b"same-origin", b"none"):
        return f"Sec-Fetch-Site: {site.decode('latin-1')[:40]}"
    if origin is not None and not is_own_origin(origin, headers.get(b"host")):
        return f"Origin: {origin.decode('latin-1')[:100]}"
    return None


def page_evidence(headers: Headers, hosts: frozenset[str]) -> str | None:
    """For the AWS endpoint, which answers any Host: a page of another site, or a page under a
    name rebound to this server (its Origin is then its own, but its name is not ours)."""
    evidence = cross_site_evidence(headers)
    host = headers.get(b"host")
    foreign = host is not None and not host_allowed(host.decode("latin-1"), hosts)
    if evidence is None and b"origin" in headers and foreign:
        return f"Origin: {headers[b'origin'].decode('latin-1')[:100]}"
    return evidence


def json_or_yaml_body(guard: Guard, method: str, headers: Headers) -> Refusal | None:
    if method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = headers.get(b"content-type")
    if content_type is None:
        if headers.get(b"content-length", b"0") == b"0" and b"transfer-encoding" not in headers:
            return None
        given = "none"
    elif is_json_or_yaml(content_type):
        return None
    else:
        given = repr(content_type.decode("latin-1")[:100])
    return Refusal(
        415,
        "UnsupportedMediaType",
        f"Content-Type {given}: the control API takes JSON (application/json) or YAML"
        " (application/yaml), which web pages of other sites cannot send.",
    )


def declared_size_within_limit(guard: Guard, method: str, headers: Headers) -> Refusal | None:
    declared = headers.get(b"content-length", b"0")
    limit = guard.settings.max_fixture_bytes
    return body_too_large(limit) if declared.isdigit() and int(declared) > limit else None


def body_too_large(limit: int) -> Refusal:
    return Refusal(
        413,
        "BodyTooLarge",
        f"The body is larger than {limit} bytes (--max-fixture-bytes, MOCKTURK_MAX_FIXTURE_BYTES):"
        " a load that size would hold up every other client; load large data sets at start-up"
        " with --fixtures.",
    )


def control_token(guard: Guard, method: str, headers: Headers) -> Refusal | None:
    expected = guard.settings.control_token
    if expected is None:
        return None
    given = headers.get(b"authorization", b"")
    scheme, _, token = given.partition(b" ")
    if scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), expected.encode()):
        return None
    missing = "is missing" if not given else "is not this server's"
    return Refusal(
        401,
        "Unauthorized",
        f"The control token {missing}: send Authorization: Bearer <token>, the token given"
        " with --control-token (MOCKTURK_CONTROL_TOKEN).",
    )


_CONTROL = (
    control_api_on,
    own_host,
    same_origin,
    json_or_yaml_body,
    control_token,
    declared_size_within_limit,
)
_HEALTH = (own_host, same_origin)
# The worker site's pages show the state, so a rebound name may not read them; its forms carry
# tokens of their own and refuse other sites' posts (mockturk.web.guard).
_SITE = (own_host,)
_NO_RULES: tuple[Rule, ...] = ()


def rules_for(path: str) -> tuple[Rule, ...]:
    """The table's row for ``path``."""
    if path == PREFIX + "/health":
        return _HEALTH
    if path.startswith(PREFIX + "/"):
        return _CONTROL
    if path == SITE or path.startswith(SITE + "/"):
        return _SITE
    return _NO_RULES  # EXTERNAL_SUBMIT, the AWS endpoint, unknown paths


# --- What the rules rest on ---------------------------------------------------------------------


def own_hosts(settings: TrustSettings) -> frozenset[str]:
    names = {"localhost", socket.gethostname(), settings.bound_host, *settings.allowed_hosts}
    return frozenset(name.lower().rstrip(".") for name in names if name)


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    """Is ``host`` (a Host header: name or address, and maybe a port) one of this server's?"""
    name = host_name(host)
    if "*" in allowed or name in allowed or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True  # an address: no page can rebind it


def host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8765
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def is_own_origin(origin: bytes, host: bytes | None) -> bool:
    """An Origin of this server: the scheme and the very host and port the request came to."""
    scheme, _, rest = origin.lower().partition(b"://")
    return host is not None and scheme in (b"http", b"https") and rest == host.lower()


def cross_site(evidence: str) -> Refusal:
    return Refusal(
        403,
        "CrossSiteRequest",
        f"Refused a request from a web page of another site ({evidence}): the control API"
        " answers its own origin and clients that are not browsers only.",
    )


_JSON_SUBTYPES = ("json", "x-amz-json-1.0", "x-amz-json-1.1")
_YAML_SUBTYPES = ("yaml", "x-yaml")


def media_type(content_type: bytes) -> str:
    return content_type.decode("latin-1").partition(";")[0].strip().lower()


def is_json_or_yaml(content_type: bytes) -> bool:
    kind, _, subtype = media_type(content_type).partition("/")
    return kind in ("application", "text") and (
        subtype in _JSON_SUBTYPES or subtype in _YAML_SUBTYPES or subtype.endswith("+json")
    )


async def send_refusal(send: protocol.Send, refusal: Refusal) -> None:
    body = orjson.dumps({"error": refusal.code, "message": refusal.message})
    await send(
        {
            "type": "http.response.start",
            "status": refusal.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
