"""The control plane under ``/_mockturk/``: never reachable through ``X-Amz-Target``.

JSON in and out; every error is ``{"error": code, "message": text}`` with a 4xx status.

- ``GET  /_mockturk/health``: liveness and record counts.
- ``GET  /_mockturk/requesters``: each requester, its balance and its record counts.
- ``POST /_mockturk/reset``: back to the start-up fixtures; ``?to=empty`` for no records.
- ``POST /_mockturk/fixtures``: add records in the fixture format (``?replace=true`` to make
  them the whole state). The body is one fixture document (JSON, or YAML with a YAML
  content type), or ``{"documents": [{"source": NAME, "content": DOCUMENT}, ...]}`` to load
  several at once under their own names. All or nothing: a bad batch changes nothing.
- ``GET  /_mockturk/state``: every record, in the fixture format.
- ``GET  /_mockturk/notifications``: the outbox, ``{"Notifications": [...]}``: every
  notification message sent, oldest first, with its delivery status.
- ``GET  /_mockturk/clock``: the server's time, ``{"now": ISO 8601, "frozen": bool}``.
- ``POST /_mockturk/clock``: move it, with one or more of ``{"advance": SECONDS,
  "set": ISO 8601, "frozen": BOOL}`` taken as one change (see :meth:`ControllableClock.change`);
  a bad change is refused whole. Answers the new time, as GET does.
- ``GET /_mockturk/faults``, ``POST`` one (``{"operation": NAME or "*", "fault": "Throttling"
  | "ServiceUnavailable" | "Slow", "count": N}`` or ``"fraction": F`` with a ``"seed"``;
  ``"seconds"`` for Slow), ``DELETE`` them all (see :mod:`mockturk.trust.faults`).

With requesters kept apart (:mod:`mockturk.requesters`), ``?requester=NAME`` makes reset,
fixtures, state and notifications act on that requester alone (made if new); without it they
act on the first requester, and a reset on every requester, the clock and the faults.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mockturk import __version__
from mockturk.account import Account, NamedDocument
from mockturk.clock import Clock, ClockChangeError, ControllableClock, iso_utc
from mockturk.domain.money import format_amount
from mockturk.fixtures import FixtureError, NotYAML, build_dataset, parse_yaml
from mockturk.models import parse_timestamp
from mockturk.requesters import Requesters, UnknownRequester
from mockturk.trust.faults import FaultError, Faults, fault_from
from mockturk.trust.guard import body_too_large
from mockturk.trust.settings import DEFAULT_MAX_FIXTURE_BYTES

PREFIX = "/_mockturk"
REQUEST_BODY = "request body"
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no", "")


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details


def json_response(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status, media_type="application/json")


def control_error(status: int, code: str, message: str, **details: Any) -> Response:
    return json_response({"error": code, "message": message, **details}, status)


Endpoint = Callable[[Request], Awaitable[Response]]


class Control:
    def __init__(
        self,
        requesters: Requesters,
        clock: Clock,
        max_body_bytes: int = DEFAULT_MAX_FIXTURE_BYTES,
        faults: Faults | None = None,
        operations: Iterable[str] = (),
    ) -> None:
        self.requesters = requesters
        self.clock = clock
        self.max_body_bytes = max_body_bytes
        self.faults = faults or Faults()
        self.operations = frozenset(operations)

    def endpoints(self) -> dict[str, dict[str, Endpoint]]:
        """Path (under the prefix) to its endpoint for each method it answers."""
        return {
            "health": {"GET": self.health},
            "requesters": {"GET": self.list_requesters},
            "reset": {"POST": self.reset},
            "fixtures": {"POST": self.fixtures},
            "state": {"GET": self.state},
            "clock": {"GET": self.clock_time, "POST": self.change_clock},
            "notifications": {"GET": self.notifications},
            "faults": {"GET": self.list_faults, "POST": self.inject, "DELETE": self.clear_faults},
        }

    async def health(self, request: Request) -> Response:
        return json_response({"status": "ok", "version": __version__, "records": self._counts()})

    async def list_requesters(self, request: Request) -> Response:
        return json_response(
            {
                "Requesters": [
                    {
                        "Name": name,
                        "AvailableBalance": format_amount(account.available_balance),
                        "records": account.store.counts(),
                    }
                    for name, account in self.requesters.items()
                ]
            }
        )

    async def reset(self, request: Request) -> Response:
        to = request.query_params.get("to", "fixtures")
        if to not in ("fixtures", "empty"):
            raise ControlError(
                400, "InvalidParameter", f"to={to!r}: expected 'fixtures' (the default) or 'empty'."
            )
        one = self._addressed(request)
        if one is not None:
            one.reset(empty=to == "empty")
            return self._done(one)
        start_over(self.requesters, self.clock, empty=to == "empty", faults=self.faults)
        return self._done()

    async def fixtures(self, request: Request) -> Response:
        replace = _flag(request, "replace")
        documents = _documents(await _body_within(request, self.max_body_bytes), request)
        try:
            named = request.query_params.get("requester")
            if named is not None and named not in self.requesters:
                # A requester new to the server is made only for a load it can take.
                build_dataset(documents, self.clock.now())
            account = self._account(request)
            account.load(documents, replace=replace)
        except FixtureError as error:
            raise ControlError(
                400, "InvalidFixtures", str(error), problems=error.problems
            ) from None
        return self._done(account)

    async def state(self, request: Request) -> Response:
        return json_response(self._account(request).state())

    async def notifications(self, request: Request) -> Response:
        return json_response({"Notifications": self._account(request).notifications()})

    def _addressed(self, request: Request) -> Account | None:
        """The requester ``?requester=`` names, if it names one."""
        name = request.query_params.get("requester")
        if name is None:
            return None
        try:
            return self.requesters.named(name)
        except UnknownRequester as error:
            raise ControlError(400, "InvalidRequester", str(error)) from None

    def _account(self, request: Request) -> Account:
        """The requester addressed, else the first."""
        return self._addressed(request) or self.requesters.first

    def _counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for account in self.requesters:
            for kind, count in account.store.counts().items():
                totals[kind] = totals.get(kind, 0) + count
        return totals

    async def clock_time(self, request: Request) -> Response:
        frozen = isinstance(self.clock, ControllableClock) and self.clock.frozen
        return json_response({"now": iso_utc(self.clock.now()), "frozen": frozen})

    async def change_clock(self, request: Request) -> Response:
        clock = self.clock
        if not isinstance(clock, ControllableClock):
            raise ControlError(409, "ClockNotControllable", unmovable(clock))
        change = _clock_change(await request.body())
        try:
            clock.change(**change)
        except ClockChangeError as error:  # not what a listener raises: that is a fault
            raise invalid_clock_change(str(error)) from None
        return await self.clock_time(request)

    async def list_faults(self, request: Request) -> Response:
        return json_response({"faults": [fault.described() for fault in self.faults.injected]})

    async def inject(self, request: Request) -> Response:
        try:
            spec = orjson.loads(await _body_within(request, self.max_body_bytes))
            self.faults.inject(fault_from(spec, self.operations))
        except orjson.JSONDecodeError as error:
            raise ControlError(
                400, "MalformedBody", f"{REQUEST_BODY}: not JSON ({error})."
            ) from None
        except FaultError as error:
            raise ControlError(400, "InvalidFault", str(error)) from None
        return await self.list_faults(request)

    async def clear_faults(self, request: Request) -> Response:
        self.faults.clear()
        return await self.list_faults(request)

    def _done(self, account: Account | None = None) -> Response:
        counts = account.store.counts() if account is not None else self._counts()
        return json_response({"status": "ok", "records": counts})


def start_over(
    requesters: Requesters, clock: Clock, *, empty: bool = False, faults: Faults | None = None
) -> None:
    """Back to how the server started: no injected faults, its clock (when it can be moved),
    then every requester's records (or none), so that nothing in them falls due at a time the
    clock had been moved to."""
    if faults is not None:
        faults.clear()
    if isinstance(clock, ControllableClock):
        clock.reset()
    for account in requesters:
        account.reset(empty=empty)


def unmovable(clock: Clock) -> str:
    return (
        f"The server's clock ({type(clock).__name__}) cannot be moved: only a "
        "ControllableClock (the default) can be advanced, set, frozen or unfrozen."
    )


def guarded(endpoints: Mapping[str, Endpoint]) -> Endpoint:
    """One path's endpoints by method; a wrong method or a ControlError answers a JSON error."""
    methods = dict(endpoints)
    if "GET" in methods:
        methods.setdefault("HEAD", methods["GET"])
    named = " or ".join(endpoints)

    async def answer(request: Request) -> Response:
        endpoint = methods.get(request.method)
        if endpoint is None:
            return control_error(405, "MethodNotAllowed", f"Use {named} for {request.url.path}.")
        try:
            return await endpoint(request)
        except ControlError as error:
            return control_error(error.status, error.code, str(error), **error.details)

    return answer


async def _body_within(request: Request, limit: int) -> bytes:
    """The body, refused once more than ``limit`` bytes of it have arrived."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            refusal = body_too_large(limit)
            raise ControlError(refusal.status, refusal.code, refusal.message)
        chunks.append(chunk)
    return b"".join(chunks)


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value not in _TRUE + _FALSE:
        raise ControlError(400, "InvalidParameter", f"{name}={value!r}: expected true or false.")
    return value in _TRUE


def _documents(body: bytes, request: Request) -> list[NamedDocument]:
    source = request.query_params.get("source") or REQUEST_BODY
    content_type = request.headers.get("content-type", "")
    try:
        if "yaml" in content_type:
            parsed = parse_yaml(body) if body.strip() else None
        else:
            parsed = orjson.loads(body) if body.strip() else None
    except (orjson.JSONDecodeError, NotYAML) as error:
        detail = " ".join(str(error).split())
        raise ControlError(
            400, "MalformedBody", f"{source}: cannot be parsed ({detail})."
        ) from None
    if parsed is None:
        raise ControlError(
            400, "MalformedBody", f"{source}: empty; expected a fixture document (JSON or YAML)."
        )
    if isinstance(parsed, dict) and "documents" in parsed:
        return _named_documents(parsed)
    return [(source, parsed)]


def _named_documents(body: dict[str, Any]) -> list[NamedDocument]:
    documents = body["documents"]
    wrong = ControlError(
        400,
        "MalformedBody",
        'documents: expected a list of {"source": NAME, "content": DOCUMENT} objects.',
    )
    if set(body) != {"documents"} or not isinstance(documents, list):
        raise wrong
    named: list[NamedDocument] = []
    for index, item in enumerate(documents):
        if not isinstance(item, dict) or set(item) - {"source", "content"} or "content" not in item:
            raise wrong
        source = item.get("source") or f"documents[{index}]"
        if not isinstance(source, str):
            raise wrong
        named.append((source, item["content"]))
    return named


# What a POST to /_mockturk/clock may hold, and the JSON value each must be.
_CLOCK_CHANGES = {
    "advance": "a number of seconds",
    "set": "an ISO 8601 time with a UTC offset",
    "frozen": "true or false",
}
_CLOCK_EXAMPLE = '{"advance": 60}, {"set": "2026-12-01T00:00:00Z"} or {"frozen": true}'


def invalid_clock_change(message: str) -> ControlError:
    return ControlError(400, "InvalidClockChange", message)


def _clock_change(body: bytes) -> dict[str, Any]:
    """The arguments of :meth:`ControllableClock.change` that a clock body asks for."""
    if not body.strip():
        expected = f"expected a JSON object: {_CLOCK_EXAMPLE}"
        raise ControlError(400, "MalformedBody", f"{REQUEST_BODY}: empty; {expected}.")
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        detail = " ".join(str(error).split())
        raise ControlError(400, "MalformedBody", f"{REQUEST_BODY}: not JSON ({detail}).") from None
    if not isinstance(parsed, dict) or not parsed:
        raise invalid_clock_change(
            f"Expected a JSON object of one or more of advance, set and frozen: {_CLOCK_EXAMPLE}."
        )
    unknown = sorted(set(parsed) - set(_CLOCK_CHANGES))
    if unknown:
        raise invalid_clock_change(
            f"Unknown member{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}:"
            " a clock change holds advance, set and frozen only."
        )
    for name, value in parsed.items():
        if not _of_its_type(name, value):
            given = orjson.dumps(value).decode()[:100]
            raise invalid_clock_change(f"{name}: expected {_CLOCK_CHANGES[name]}, got {given}.")
    change: dict[str, Any] = {"advance": parsed.get("advance", 0), "frozen": parsed.get("frozen")}
    if "set" in parsed:
        try:
            change["to"] = parse_timestamp(parsed["set"])
        except ValueError as error:
            raise invalid_clock_change(f"set: {error}") from None
    return change


def _of_its_type(name: str, value: Any) -> bool:
    if name == "advance":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "set":
        return isinstance(value, str)
    return isinstance(value, bool)
