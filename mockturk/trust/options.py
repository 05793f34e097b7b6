"""The ``mockturk serve`` options of :mod:`mockturk.trust`, each with its environment variable."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from mockturk.trust.connections import ConnectionLimits
from mockturk.trust.settings import DEFAULT_MAX_FIXTURE_BYTES


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
    add_connection_options(parser)


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
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (above 0)")
    return value


def listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def byte_count(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of bytes (1 or more)")
    return int(text)
