"""Failures a test asks for, to see its client retry: per operation, the next N calls or a
(seeded) fraction of them fail as the real service failed; and a per-requester rate limit.

- ``Throttling``: 400 ``com.amazon.coral.availability#ThrottlingException``, ``Rate
  exceeded``, the AWS front end's answer that MTurk clients met in bulk (botocore retries it);
- ``ServiceUnavailable``: MTurk's own ``ServiceFault`` (500, TurkErrorCode
  ``AWS.ServiceUnavailable``, "...Try your call again."), the model's fault (retried too);
- ``Slow``: the right answer, ``seconds`` late (other clients are answered meanwhile), for a
  client's read timeout.

Faults are kept in the order given; a call takes the first that matches its operation (or
``*``) and fires. A reset clears them. The rate limit is a token bucket per access key ID
(one requester per key), refilled on the machine's clock, not the server's.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from mockturk.errors import AwsError, service_fault
from mockturk.trust.sigv4 import claimed_key_id

KINDS = ("Throttling", "ServiceUnavailable", "Slow")
ANY_OPERATION = "*"


class Throttling(AwsError):
    type_name = "com.amazon.coral.availability#ThrottlingException"


def rate_exceeded() -> Throttling:
    return Throttling("Rate exceeded")


class FaultError(ValueError):
    """A fault that cannot be injected as asked."""


@dataclass
class Fault:
    operation: str
    kind: str
    count: int | None = None  # the next N calls; None with a fraction
    fraction: float | None = None
    seed: int = 0
    seconds: float = 0.0
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def fires(self, operation: str) -> bool:
        if self.operation not in (operation, ANY_OPERATION):
            return False
        if self.count is not None:
            self.count -= 1
            return True
        return self._random.random() < (self.fraction or 0.0)

    def spent(self) -> bool:
        return self.count is not None and self.count <= 0

    def described(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"operation": self.operation, "fault": self.kind}
        if self.count is not None:
            shown["count"] = self.count
        else:
            shown["fraction"], shown["seed"] = self.fraction, self.seed
        if self.kind == "Slow":
            shown["seconds"] = self.seconds
        return shown


def fault_from(spec: Any, operations: frozenset[str]) -> Fault:
    """A fault from its JSON description; FaultError saying what is wrong."""
    example = '{"operation": "ListHITs", "fault": "Throttling", "count": 2}'
    if not isinstance(spec, dict):
        raise FaultError(f"Expected a JSON object such as {example}.")
    unknown = sorted(set(spec) - {"operation", "fault", "count", "fraction", "seed", "seconds"})
    if unknown:
        raise FaultError(f"Unknown members {unknown}; a fault is described as in {example}.")
    operation, kind = spec.get("operation"), spec.get("fault", "Throttling")
    if operation != ANY_OPERATION and operation not in operations:
        raise FaultError(f"operation: {operation!r} is not an MTurk operation (or '*').")
    if kind not in KINDS:
        raise FaultError(f"fault: {kind!r} is not one of {', '.join(KINDS)}.")
    count, fraction = spec.get("count"), spec.get("fraction")
    if (count is None) == (fraction is None):
        raise FaultError("Give either count (the next N calls) or fraction (of every call).")
    if count is not None and (not _is_int(count) or count < 1):
        raise FaultError(f"count: expected a whole number of calls, 1 or more, got {count!r}.")
    if fraction is not None and not (_is_number(fraction) and 0 < fraction <= 1):
        raise FaultError(f"fraction: expected a number above 0 and at most 1, got {fraction!r}.")
    seed, seconds = spec.get("seed", 0), spec.get("seconds", 1.0 if kind == "Slow" else 0.0)
    if not _is_int(seed):
        raise FaultError(f"seed: expected a whole number, got {seed!r}.")
    if not _is_number(seconds) or not 0 <= seconds <= 600:
        raise FaultError(f"seconds: expected a number from 0 to 600, got {seconds!r}.")
    return Fault(operation, kind, count, fraction, seed, float(seconds))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


class Faults:
    """The faults injected into one server, and its rate limit."""

    def __init__(self, rate_limit: float | None = None, burst: int | None = None) -> None:
        self.injected: list[Fault] = []
        self.rate_limit = rate_limit
        self.burst = burst or max(1, math.ceil(rate_limit or 1))
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self.active = rate_limit is not None  # an attribute: read on every call

    def inject(self, fault: Fault) -> None:
        self.injected.append(fault)
        self.active = True

    def clear(self) -> None:
        self.injected.clear()
        self._buckets.clear()
        self.active = self.rate_limit is not None

    def take(self, operation: str, requester: str) -> Fault | None:
        """The fault this call meets, if any; raises the rate limit's ThrottlingException."""
        if self.rate_limit is not None and not self._token(requester):
            raise rate_exceeded()
        for fault in self.injected:
            if fault.fires(operation):
                if fault.spent():
                    self.injected.remove(fault)
                    self.active = bool(self.injected) or self.rate_limit is not None
                if fault.kind == "Throttling":
                    raise rate_exceeded()
                if fault.kind == "ServiceUnavailable":
                    raise service_fault()
                return fault
        return None

    def _token(self, requester: str) -> bool:
        now = time.monotonic()
        tokens, at = self._buckets.get(requester, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * (self.rate_limit or 0.0))
        if tokens < 1:
            self._buckets[requester] = (tokens, now)
            return False
        self._buckets[requester] = (tokens - 1, now)
        return True


def requester_of(authorization: str | None) -> str:
    """Whose bucket a call draws on: its access key ID, from the signature's Credential."""
    return claimed_key_id(authorization) or "-"
