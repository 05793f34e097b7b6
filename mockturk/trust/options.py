"""The ``mockturk serve`` options of :mod:`mockturk.trust`, each with its environment variable."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from mockturk.requesters import MODES, ONE, PER_KEY
from mockturk.trust.connections import ConnectionLimits
from mockturk.trust.settings import DEFAULT_MAX_FIXTURE_BYTES
from mockturk.trust.sigv4 import AccessKey, parse_access_key, read_credentials_file


def add_to(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("safety (see docs/security.md)")
    group.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="a name the control API may be reached by, besides this machine's own names and "
        "any address (a container's service name, say); '*' for any; repeat for more "
        "[MOCKTURK_ALLOWED_HOSTS, comma-separated]",
    )
    group.add_argument(
        "--control-token",
        metavar="TOKEN",
        default=None,
        help="the control API then wants 'Authorization: Bearer TOKEN' "
        "[MOCKTURK_CONTROL_TOKEN] (default: no token)",
    )
    group.add_argument(
        "--control-api",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve the control API under /_mockturk/ (health is always served) "
        "[MOCKTURK_CONTROL_API: true/false/1/0] (default: on)",
    )
    group.add_argument(
        "--max-fixture-bytes",
        type=byte_count,
        default=None,
        metavar="BYTES",
        help="the largest body POST /_mockturk/fixtures reads [MOCKTURK_MAX_FIXTURE_BYTES] "
        f"(default {DEFAULT_MAX_FIXTURE_BYTES})",
    )
    group.add_argument(
        "--verify-signatures",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="check the AWS Signature Version 4 of every API request against the access keys "
        "[MOCKTURK_VERIFY_SIGNATURES: true/false/1/0] (default: not checked)",
    )
    group.add_argument(
        "--access-key",
        action="append",
        type=access_key,
        metavar="ID:SECRET",
        help="an access key pair that may sign requests; repeat for more "
        "[MOCKTURK_ACCESS_KEYS, comma-separated] (default: mock:mock)",
    )
    group.add_argument(
        "--credentials",
        type=Path,
        metavar="FILE",
        help="more key pairs, from a file in the format of ~/.aws/credentials "
        "[MOCKTURK_CREDENTIALS]",
    )
    group.add_argument(
        "--rate-limit",
        type=seconds,
        metavar="CALLS",
        help="throttle each access key past this many API calls a second (bursts of as many, "
        "rounded up), as MTurk did [MOCKTURK_RATE_LIMIT] (default: no limit)",
    )
    group.add_argument(
        "--requesters",
        choices=MODES,
        default=None,
        help=f"'{ONE}': every caller is the same requester; '{PER_KEY}': each access key is a "
        "requester of its own, with its own HITs, qualification types, blocks, balance and "
        f"notification settings (workers are shared) [MOCKTURK_REQUESTERS] (default: {ONE})",
    )
    add_connection_options(parser)


def requesters_mode(text: str) -> str:
    if text not in MODES:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(MODES)}")
    return text


def access_key(text: str) -> AccessKey:
    try:
        return parse_access_key(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def keys_from(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[AccessKey, ...]:
    """The key pairs of --access-key and --credentials, else of their variables."""
    pairs = args.access_key or [
        access_key(text) for text in listed(environ.get("MOCKTURK_ACCESS_KEYS", ""))
    ]
    path = args.credentials or (
        Path(environ["MOCKTURK_CREDENTIALS"]) if environ.get("MOCKTURK_CREDENTIALS") else None
    )
    if path is not None:
        try:
            pairs = [*pairs, *read_credentials_file(path)]
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return tuple(pairs)


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connections (see docs/security.md)")
    defaults = ConnectionLimits()
    for name, kind, default, what in (
        ("idle-timeout", seconds, defaults.idle_timeout, "close a connection idle this long"),
        ("request-timeout", seconds, defaults.request_timeout, "408 for a request not whole"),
        ("max-header-bytes", byte_count, defaults.max_header_bytes, "431 for larger headers"),
        ("max-connections", byte_count, defaults.max_connections, "503 past this many"),
    ):
        variable = "MOCKTURK_" + name.upper().replace("-", "_")
        group.add_argument(
            f"--{name}",
            type=kind,
            default=None,
            help=f"{what} [{variable}] (default {default:g})",
        )


def connection_limits(args: argparse.Namespace, environ: Mapping[str, str]) -> ConnectionLimits:
    """The limits the options give, else their environment variables, else the defaults."""
    given: dict[str, float] = {}
    for field, kind in (
        ("idle_timeout", seconds),
        ("request_timeout", seconds),
        ("max_header_bytes", byte_count),
        ("max_connections", byte_count),
    ):
        value = getattr(args, field)
        text = environ.get("MOCKTURK_" + field.upper(), "")
        if value is None and text:
            value = kind(text)
        if value is not None:
            given[field] = value
    return ConnectionLimits(**given)  # type: ignore[arg-type]


def seconds(text: str) -> float:
    """A positive number (of seconds, or of calls a second)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
    return value


def listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def byte_count(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of bytes (1 or more)")
    return int(text)
