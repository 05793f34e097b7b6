"""The command line: ``mockturk serve``.

Exit codes: 0 after a clean shutdown, 2 for bad arguments or fixtures, 3 when the address
cannot be bound (for example, the port is in use), 4 for a data dir that cannot be used
(damaged, of another data format, or in use by another server).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import uvicorn

from mockturk import __version__
from mockturk.app import MockTurkApp, create_app
from mockturk.background import Routes
from mockturk.clock import ControllableClock, iso_utc
from mockturk.domain.money import DEFAULT_BALANCE, format_amount, parse_balance
from mockturk.durable.data_dir import SYNC_MODES, DataDir, DataDirError
from mockturk.durable.keeper import Keeper, take_up
from mockturk.durable.requesters import keep_every_requester
from mockturk.fixtures import FixtureError, default_fixtures_path, load_fixture_paths
from mockturk.models import parse_timestamp
from mockturk.requesters import ONE
from mockturk.serverlog import LogWriter, QueueingHandler, RequestLog
from mockturk.trust import TrustSettings
from mockturk.trust import options as trust_options
from mockturk.trust.connections import ConnectionLimits
from mockturk.trust.settings import DEFAULT_MAX_FIXTURE_BYTES
from mockturk.trust.sigv4 import DEFAULT_KEYS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
EXIT_USAGE = 2
EXIT_BIND = 3
EXIT_DATA_DIR = 4

log = logging.getLogger("mockturk")

T = TypeVar("T")


def _env_fixtures() -> list[str] | None:
    value = os.environ.get("MOCKTURK_FIXTURES")
    return [part for part in value.split(os.pathsep) if part] if value else None


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def _start_time(text: str) -> datetime:
    try:
        return parse_timestamp(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a start time: {error}") from None


def _balance(text: str) -> Decimal:
    try:
        return parse_balance(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _boolean(text: str) -> bool:
    value = _BOOLEANS.get(text.strip().lower())
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not true or false (true, false, 1 or 0)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockturk",
        description="A local server that speaks the Amazon Mechanical Turk requester API.",
    )
    parser.add_argument("--version", action="version", version=f"mockturk {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the MTurk requester API over fixture data",
        description="Serve the MTurk requester API over fixture data. Every option also reads "
        "an environment variable (given in brackets); the option wins.",
    )
    serve.add_argument(
        "--host",
        default=os.environ.get("MOCKTURK_HOST", DEFAULT_HOST),
        help=f"address to bind [MOCKTURK_HOST] (default {DEFAULT_HOST})",
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"port to bind, 0 for any free port [MOCKTURK_PORT] (default {DEFAULT_PORT})",
    )
    serve.add_argument(
        "--fixtures",
        action="append",
        metavar="PATH",
        help="a .json/.yaml/.yml fixture file or a directory of them; repeat for more "
        "[MOCKTURK_FIXTURES, separated by the OS path separator] (default: the bundled data set)",
    )
    serve.add_argument(
        "--log-level",
        default=os.environ.get("MOCKTURK_LOG_LEVEL", "info"),
        choices=["debug", "info", "warning", "error"],
        help="log level [MOCKTURK_LOG_LEVEL] (default info: one line per request)",
    )
    serve.add_argument(
        "--start-time",
        type=_start_time,
        default=None,
        metavar="ISO8601",
        help="start the server's clock at this time, with a UTC offset, e.g. "
        "2026-11-20T12:00:00Z; fixtures are checked at it [MOCKTURK_START_TIME] "
        "(default: the real time)",
    )
    serve.add_argument(
        "--frozen-clock",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep the clock still until moved through POST /_mockturk/clock "
        "[MOCKTURK_FROZEN_CLOCK: true/false/1/0] (default: it runs)",
    )
    serve.add_argument(
        "--balance",
        type=_balance,
        default=None,
        metavar="AMOUNT",
        help="the account's available balance at start, in dollars and cents; HITs, approvals "
        f"and bonuses spend it [MOCKTURK_BALANCE] (default {format_amount(DEFAULT_BALANCE)})",
    )
    serve.add_argument(
        "--pinned-balance",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="always show the starting balance and never run out of funds, as the real "
        "sandbox did [MOCKTURK_PINNED_BALANCE: true/false/1/0] (default: the balance moves)",
    )
    serve.add_argument(
        "--strict-https",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="refuse ExternalURLs that are not https, as the real service did "
        "[MOCKTURK_STRICT_HTTPS: true/false/1/0] (default: http is accepted)",
    )
    serve.add_argument(
        "--aws-endpoint",
        default=os.environ.get("MOCKTURK_AWS_ENDPOINT") or None,
        metavar="URL",
        help="an AWS-compatible endpoint (LocalStack, ElasticMQ, moto) to deliver SQS and SNS "
        "notifications to [MOCKTURK_AWS_ENDPOINT] (default: none; they are kept in the outbox)",
    )
    serve.add_argument(
        "--sns-http",
        type=_topic_url,
        action="append",
        metavar="ARN=URL",
        help="post the SNS notifications of this topic to this HTTP URL as SNS would, with no "
        "AWS; repeat for more [MOCKTURK_SNS_HTTP, separated by spaces]",
    )
    _data_dir_options(serve)
    trust_options.add_to(serve)
    return parser


def _topic_url(text: str) -> tuple[str, str]:
    arn, _, url = text.partition("=")
    if not arn.startswith("arn:aws:sns:") or not url.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(
            "expected TOPIC-ARN=URL, e.g. arn:aws:sns:us-east-1:123456789012:study"
            f"=http://127.0.0.1:5000/mturk-sns-listener, got {text!r}"
        )
    return arn, url


# --- Durable state (mockturk.durable) ----------------------------------------------------------


def _data_dir_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--data-dir",
        default=os.environ.get("MOCKTURK_DATA_DIR") or None,
        metavar="PATH",
        help="keep the whole state in this directory and take it up again at the next start; "
        "fixtures seed only an empty one [MOCKTURK_DATA_DIR] (default: memory only)",
    )
    serve.add_argument(
        "--data-sync",
        default=os.environ.get("MOCKTURK_DATA_SYNC") or "normal",
        choices=SYNC_MODES,
        help="normal: a change answered survives the server being killed; full: a power cut "
        "too, at more cost per change [MOCKTURK_DATA_SYNC] (default normal)",
    )
    serve.add_argument(
        "--reset-data",
        action="store_true",
        help="discard what the data dir holds and seed it again from the fixtures",
    )


@dataclass(frozen=True)
class DataSettings:
    """Where and how the state is kept (see docs/durability.md)."""

    path: str
    sync: str = "normal"
    reset: bool = False
    # Fixtures given on the command line refuse a data dir that holds a state; those of
    # MOCKTURK_FIXTURES (an image's default) seed an empty one only.
    fixtures_given: bool = False


def _data_settings(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> DataSettings | None:
    if args.data_dir is None:
        if args.reset_data:
            parser.error("--reset-data: no data dir given (--data-dir or MOCKTURK_DATA_DIR)")
        return None
    return DataSettings(args.data_dir, args.data_sync, args.reset_data, bool(args.fixtures))


def _from_env(parser: argparse.ArgumentParser, name: str, convert: Callable[[str], T]) -> T | None:
    """The environment variable's value, converted; None when unset or empty. A bad value
    ends the program as a bad option does (exit 2), naming the variable."""
    text = os.environ.get(name, "")
    if not text:
        return None
    try:
        return convert(text)
    except argparse.ArgumentTypeError as error:
        parser.error(f"{name}: {error}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    port = args.port
    if port is None:
        try:
            port = _port(os.environ.get("MOCKTURK_PORT", str(DEFAULT_PORT)))
        except argparse.ArgumentTypeError as error:
            parser.error(f"MOCKTURK_PORT: {error}")
    start_time = args.start_time or _from_env(parser, "MOCKTURK_START_TIME", _start_time)
    balance = args.balance
    if balance is None:
        balance = _from_env(parser, "MOCKTURK_BALANCE", _balance)
    account = AccountSettings(
        balance=DEFAULT_BALANCE if balance is None else balance,
        pinned_balance=_switch(parser, args.pinned_balance, "MOCKTURK_PINNED_BALANCE"),
        strict_https=_switch(parser, args.strict_https, "MOCKTURK_STRICT_HTTPS"),
        routes=Routes(args.aws_endpoint, dict(args.sns_http or _env_topic_urls(parser))),
    )
    return serve(
        host=args.host,
        port=port,
        fixtures=args.fixtures or _env_fixtures(),
        log_level=args.log_level,
        start_time=start_time,
        frozen_clock=_switch(parser, args.frozen_clock, "MOCKTURK_FROZEN_CLOCK"),
        account=account,
        data=_data_settings(parser, args),
        trust=_trust(parser, args),
        limits=_limits(parser, args),
    )


def _limits(parser: argparse.ArgumentParser, args: argparse.Namespace) -> ConnectionLimits:
    try:
        return trust_options.connection_limits(args, os.environ)
    except argparse.ArgumentTypeError as error:
        parser.error(f"connection limits: {error}")


def _trust(parser: argparse.ArgumentParser, args: argparse.Namespace) -> TrustSettings:
    """The safety options (:mod:`mockturk.trust.options`), else their environment variables."""
    control_api = args.control_api
    if control_api is None:
        control_api = _from_env(parser, "MOCKTURK_CONTROL_API", _boolean)
    max_bytes = args.max_fixture_bytes
    if max_bytes is None:
        max_bytes = _from_env(parser, "MOCKTURK_MAX_FIXTURE_BYTES", trust_options.byte_count)
    hosts = args.allowed_host or trust_options.listed(os.environ.get("MOCKTURK_ALLOWED_HOSTS", ""))
    try:
        keys = trust_options.keys_from(args, os.environ)
    except argparse.ArgumentTypeError as error:
        parser.error(f"access keys: {error}")
    rate = args.rate_limit or _from_env(parser, "MOCKTURK_RATE_LIMIT", trust_options.seconds)
    requesters = args.requesters or _from_env(
        parser, "MOCKTURK_REQUESTERS", trust_options.requesters_mode
    )
    return TrustSettings(
        allowed_hosts=tuple(hosts),
        control_token=args.control_token or os.environ.get("MOCKTURK_CONTROL_TOKEN") or None,
        control_api=control_api is not False,
        max_fixture_bytes=max_bytes or DEFAULT_MAX_FIXTURE_BYTES,
        bound_host=args.host,
        verify_signatures=_switch(parser, args.verify_signatures, "MOCKTURK_VERIFY_SIGNATURES"),
        access_keys=keys,
        rate_limit=rate,
        requesters=requesters or ONE,
    )


def _env_topic_urls(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    pairs = os.environ.get("MOCKTURK_SNS_HTTP", "").split()
    try:
        return [_topic_url(pair) for pair in pairs]
    except argparse.ArgumentTypeError as error:
        parser.error(f"MOCKTURK_SNS_HTTP: {error}")


def _switch(parser: argparse.ArgumentParser, given: bool | None, variable: str) -> bool:
    """An on/off option: as given, else as its environment variable says, else off."""
    if given is not None:
        return given
    return _from_env(parser, variable, _boolean) or False


@dataclass(frozen=True)
class AccountSettings:
    """How the served account handles money and ExternalURLs (see :func:`create_app`)."""

    balance: Decimal = DEFAULT_BALANCE
    pinned_balance: bool = False
    strict_https: bool = False
    routes: Routes = field(default_factory=Routes)

    def banner_lines(self) -> str:
        """What the banner says of them: nothing for the defaults."""
        lines = ""
        if self.pinned_balance:
            lines += (
                f"Balance: {format_amount(self.balance)}, pinned (never spent, as in the real"
                " sandbox)\n"
            )
        elif self.balance != DEFAULT_BALANCE:
            lines += f"Balance: {format_amount(self.balance)}\n"
        if self.strict_https:
            lines += "ExternalURLs: https only, as the real service required\n"
        if self.routes.aws_endpoint:
            lines += f"Notifications: SQS and SNS at {self.routes.aws_endpoint}\n"
        for arn, url in self.routes.sns_http.items():
            lines += f"Notifications: SNS topic {arn} posted to {url}\n"
        return lines


def serve(
    host: str,
    port: int,
    fixtures: list[str] | None,
    log_level: str,
    start_time: datetime | None = None,
    frozen_clock: bool = False,
    account: AccountSettings | None = None,
    data: DataSettings | None = None,
    trust: TrustSettings | None = None,
    limits: ConnectionLimits | None = None,
) -> int:
    # Every line of the log, the requests' and uvicorn's alike, leaves through one writer
    # thread, so logging costs the event loop next to nothing; closing it writes the rest.
    writer = LogWriter(sys.stderr)
    level = logging.getLevelNamesMapping()[log_level.upper()]
    logging.basicConfig(level=level, handlers=[QueueingHandler(writer)])
    try:
        clock = ControllableClock(start_time, frozen=frozen_clock)
        # The banner tells of the clock only when it is not simply the real time.
        clock_line = None
        if start_time is not None or frozen_clock:
            clock_line = _clock_line(start_time or clock.now(), frozen_clock)
        request_log = writer.request_log(level)
        return _serve(
            host,
            port,
            fixtures,
            log_level,
            request_log,
            clock,
            clock_line,
            account or AccountSettings(),
            trust or TrustSettings(bound_host=host),
            limits or ConnectionLimits(),
            data,
        )
    finally:
        writer.close()


def _serve(
    host: str,
    port: int,
    fixtures: list[str] | None,
    log_level: str,
    request_log: RequestLog,
    clock: ControllableClock,
    clock_line: str | None,
    account: AccountSettings,
    trust: TrustSettings,
    limits: ConnectionLimits,
    data: DataSettings | None = None,
) -> int:
    paths = [Path(p) for p in fixtures] if fixtures else [default_fixtures_path()]
    make_app = functools.partial(
        create_app,
        clock=clock,
        request_log=request_log,
        balance=account.balance,
        pinned_balance=account.pinned_balance,
        strict_https=account.strict_https,
        routes=account.routes,
        trust=trust,
    )
    sources = ", ".join(str(p) for p in paths)
    with _loading():
        try:
            if data is None:
                app = make_app(load_fixture_paths(paths, clock.now()))
            else:
                app, sources = _kept_app(data, paths, clock, make_app)
        except FixtureError as error:
            print(f"mockturk: cannot start: {error}", file=sys.stderr)
            return EXIT_USAGE
        except DataDirError as error:
            print(f"mockturk: cannot start: {error}", file=sys.stderr)
            return EXIT_DATA_DIR
        except _Refused as error:
            print(f"mockturk: cannot start: {error}", file=sys.stderr)
            return EXIT_USAGE
        counts = app.state.account.store.counts()
        hits, assignments = counts["HITs"], counts["Assignments"]
    try:
        sock = _bind(host, port)
    except OSError as error:
        print(
            f"mockturk: cannot listen on {host}:{port}: {error.strerror or error}. "
            f"{_bind_advice(error)}",
            file=sys.stderr,
        )
        return EXIT_BIND
    bound_port = sock.getsockname()[1]
    notes = (clock_line or "") + account.banner_lines() + _trust_lines(trust)
    print(
        _banner(host, bound_port, sources, hits, assignments, notes, _signing_key(trust)),
        flush=True,
    )
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level=log_level,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
        **limits.uvicorn_settings(),
    )
    _Server(config).run(sockets=[sock])
    return 0


class _Refused(Exception):
    """Options that contradict each other (exit 2)."""


def _kept_app(
    data: DataSettings,
    paths: list[Path],
    clock: ControllableClock,
    make_app: Callable[..., MockTurkApp],
) -> tuple[MockTurkApp, str]:
    """The app over the state a data dir keeps, or over the fixtures that seed an empty one;
    and where its records came from, for the banner."""
    data_dir = DataDir.open(data.path, sync=data.sync, reset=data.reset)
    make_app = functools.partial(make_app, token_secret=data_dir.token_secret)
    if data_dir.empty:
        app = make_app(load_fixture_paths(paths, clock.now()))
        Keeper(app.state.account, data_dir).start(seed=True)
        keep_every_requester(app.state.requesters, data_dir.path, sync=data.sync, reset=True)
        sources = ", ".join(str(p) for p in paths)
        return app, f"{sources} (kept in {data.path})"
    if data.fixtures_given:
        data_dir.close()
        raise _Refused(
            f"--fixtures seeds an empty data dir only, and {data.path} holds a state. "
            "Leave --fixtures out to take that state up, or add --reset-data to discard it "
            "and start from the fixtures."
        )
    app = make_app(None)
    take_up(app.state.account, data_dir)
    keep_every_requester(app.state.requesters, data_dir.path, sync=data.sync)
    return app, f"{data.path} (kept state)"


@contextlib.contextmanager
def _loading() -> Iterator[None]:
    """Load without the cyclic garbage collector, then set the loaded records aside for good.

    A large load allocates millions of objects that all stay alive, so collections during it
    find nothing and cost a fifth of the time; frozen afterwards, the records are never
    scanned by the collections that requests cause.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
        _return_free_memory()


def _return_free_memory() -> None:
    """Hand the memory the raw fixtures occupied back to the system (glibc only; else a no-op)."""
    import ctypes  # here, not with the server: only a load's end needs it

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)  # the process's own symbols: glibc's, where it is


class _Server(uvicorn.Server):
    """uvicorn's server, ending with exit status 0 after a graceful shutdown on SIGINT/SIGTERM.

    uvicorn re-raises the signal once it has shut down, so the process would die of it (and
    print a KeyboardInterrupt traceback for Ctrl-C); for a service, stopping on request is success.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        stop_signals = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in stop_signals}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _bind_advice(error: OSError) -> str:
    if error.errno in (errno.EADDRINUSE, errno.EACCES):
        return "Choose another port with --port (or MOCKTURK_PORT), or 0 for any free port."
    return (
        "Choose an address of this machine with --host (or MOCKTURK_HOST): 127.0.0.1 for "
        "this machine only, 0.0.0.0 for every interface."
    )


def endpoint_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _trust_lines(trust: TrustSettings) -> str:
    """What the banner says of the safety options: nothing for the defaults."""
    lines = ""
    if trust.verify_signatures:
        count = len(trust.access_keys) or 1
        lines += f"Signatures: verified (SigV4), {_count(count, 'access key')}\n"
    if not trust.control_api:
        lines += "Control API: off (health only)\n"
    elif trust.control_token:
        lines += "Control API: wants its token (Authorization: Bearer ...)\n"
    if trust.rate_limit:
        lines += f"Rate limit: {trust.rate_limit:g} calls a second per access key\n"
    if trust.requesters != ONE:
        lines += "Requesters: one per access key (GET /_mockturk/requesters lists them)\n"
    return lines


def _clock_line(start: datetime, frozen: bool) -> str:
    how = "frozen at" if frozen else "running from"
    return f"Clock: {how} {iso_utc(start)}   (move it: POST /_mockturk/clock)\n"


def _signing_key(trust: TrustSettings) -> tuple[str, str]:
    """The key pair the banner's snippet signs with: any will do, unless signatures are
    checked against keys of the user's own (whose secret a log line must not show)."""
    if not (trust.verify_signatures and trust.access_keys):
        return "mock", "mock"
    first = trust.access_keys[0]
    if first.secret_access_key == DEFAULT_KEYS.get(first.access_key_id):
        return first.access_key_id, first.secret_access_key
    return first.access_key_id, f"<the secret of {first.access_key_id}>"


def _banner(
    host: str,
    port: int,
    sources: str,
    hits: int,
    assignments: int,
    notes: str = "",
    key: tuple[str, str] = ("mock", "mock"),
) -> str:
    url = endpoint_url(host, port)
    records = f"{_count(hits, 'HIT')} and {_count(assignments, 'assignment')}"
    return f"""mockturk {__version__}: {records} from {sources}
Endpoint: {url}   (health: {url}/_mockturk/health)
Worker site: {url}/site/   (do the HITs in a browser)
{notes}
    import boto3
    mturk = boto3.client(
        "mturk",
        endpoint_url="{url}",
        region_name="us-east-1",
        aws_access_key_id="{key[0]}",
        aws_secret_access_key="{key[1]}",
    )
    print(mturk.list_hits()["NumResults"])
"""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
