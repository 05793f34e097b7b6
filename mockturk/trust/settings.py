"""The trust settings of one server, as ``mockturk serve`` options and :func:`mockturk.serve`
arguments give them; the defaults need no set-up."""

from __future__ import annotations

from dataclasses import dataclass

from mockturk.requesters import ONE
from mockturk.trust.sigv4 import AccessKey

# A fixture body is parsed and checked on the event loop, at about 9 MiB per second of CPU on
# a laptop core: 8 MiB holds every other client up for about a second at most. Larger data
# sets load at start-up (--fixtures), where nobody waits.
DEFAULT_MAX_FIXTURE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class TrustSettings:
    """``allowed_hosts``: names, besides this machine's own, that the control API answers
    under (a container's service name, say); ``"*"`` allows any. ``control_token``: when set,
    the control API wants ``Authorization: Bearer <token>``. ``control_api``: off, nothing
    under ``/_mockturk/`` answers but health. ``max_fixture_bytes``: the largest body
    ``POST /_mockturk/fixtures`` reads. ``verify_signatures``: API requests must be signed
    (SigV4) with one of ``access_keys`` (by default ``mock``/``mock``). ``rate_limit``: calls
    per second each access key may make (bursts of ``rate_burst``), past which calls are
    throttled; none by default. ``requesters``: ``"one"``, every caller the same requester, or
    ``"per-key"``, each access key a requester of its own (:mod:`mockturk.requesters`)."""

    allowed_hosts: tuple[str, ...] = ()
    control_token: str | None = None
    control_api: bool = True
    max_fixture_bytes: int = DEFAULT_MAX_FIXTURE_BYTES
    bound_host: str = "127.0.0.1"
    verify_signatures: bool = False
    access_keys: tuple[AccessKey, ...] = ()
    rate_limit: float | None = None
    rate_burst: int | None = None
    requesters: str = ONE
