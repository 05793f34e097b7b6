"""The ``mockturk serve`` options of :mod:`mockturk.trust`, each with its environment variable."""

from __future__ import annotations

import argparse

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


def listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def byte_count(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of bytes (1 or more)")
    return int(text)
