"""What the server does with nobody calling: the ticker and the deliverer, two asyncio tasks.

The ticker sleeps until the timeline's next due instant (or until the clock is moved or a
change plans something sooner) and then catches every requester's account up, so
auto-approvals, expiries and their notifications happen on time in real time with no request.
On a frozen clock nothing falls due by itself, and it sleeps until the clock moves.

The deliverer takes the outbox's pending messages to their destinations after the responses
that posted them: SQS and SNS through boto3 on a configured AWS-compatible endpoint
(LocalStack, ElasticMQ, moto's server), or an SNS topic mapped to an HTTP URL, which gets the
SNS envelope a subscribed endpoint would. The sending runs in threads, so the event loop never
waits on a destination; a failure is retried with backoff, and its error kept in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
import urllib.request
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC
from typing import Any

import orjson

from mockturk.account import Account
from mockturk.clock import ControllableClock, epoch_millis
from mockturk.requesters import Requesters
from mockturk.state.outbox import DELIVERED, FAILED, PENDING, Notification
from mockturk.wire import to_micros

logger = logging.getLogger("mockturk.notifications")

# A failed delivery is tried again after 0.5 s, 1 s, 2 s ... at most a minute apart, and
# reported Failed after this many attempts (chosen), its last error kept.
MAX_ATTEMPTS = 10
FIRST_RETRY, LONGEST_RETRY = 0.5, 60.0
SEND_TIMEOUT = 10.0
DEFAULT_REGION = "us-east-1"
# Placeholders where real SNS put its signature and its certificate's URL (chosen).
SIGNATURE = "EXAMPLE"
SIGNING_CERT_URL = "http://127.0.0.1/SimpleNotificationService-mockturk.pem"


# --- The ticker --------------------------------------------------------------------------------


class Ticker:
    def __init__(self, requesters: Requesters) -> None:
        self.requesters = requesters
        self._poked = asyncio.Event()

    def poke(self, *_: Any) -> None:
        self._poked.set()

    async def run(self) -> None:
        clock = self.requesters.first.clock
        stop_listening = (
            clock.subscribe(self.poke) if isinstance(clock, ControllableClock) else None
        )
        for account in self.requesters:
            self._watch(account)
        self.requesters.added.append(lambda _, account: self._watch(account))
        try:
            while True:
                self._poked.clear()
                try:
                    for account in self.requesters:
                        account.catch_up()
                except Exception:
                    logger.exception("the timeline could not be caught up")
                    await self._poked.wait()
                    continue
                await _until(self._poked, self._delay())
        finally:
            if stop_listening is not None:
                stop_listening()

    def _watch(self, account: Account) -> None:
        account.store.planned = self.poke

    def _delay(self) -> float | None:
        """Seconds until the next due instant; None if nothing falls due by itself."""
        dues = [d for a in self.requesters if (d := a.store.t.timeline.next_due()) is not None]
        clock = self.requesters.first.clock
        if not dues or (isinstance(clock, ControllableClock) and clock.frozen):
            return None
        due = min(dues)
        # A millisecond late rather than early: woken early, it would only sleep again.
        return max(0.0, (due - to_micros(clock.now())) / 1e6) + 0.001


async def _until(event: asyncio.Event, timeout: float | None) -> None:
    """Wait for ``event``, or ``timeout`` seconds (None: for ever)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)


# --- Where messages go ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Routes:
    """The destinations this server delivers to: an AWS-compatible endpoint for SQS and SNS,
    and SNS topics mapped to HTTP URLs (which need no AWS at all)."""

    aws_endpoint: str | None = None
    sns_http: Mapping[str, str] = field(default_factory=dict)

    def delivers(self, transport: str, destination: str) -> bool:
        if transport == "SNS":
            return destination in self.sns_http or self.aws_endpoint is not None
        return transport == "SQS" and self.aws_endpoint is not None


def sns_envelope(message: Notification, message_id: str) -> dict[str, str]:
    """The message as SNS posts it to a subscribed HTTP endpoint (the real one Dallinger kept:
    Subject the epoch milliseconds, Message the document)."""
    created = message.CreationTime.astimezone(UTC)
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": message.Destination,
        "Subject": str(epoch_millis(created)),
        "Message": message.Document,
        "Timestamp": created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}Z",
        "SignatureVersion": "1",
        "Signature": SIGNATURE,
        "SigningCertURL": SIGNING_CERT_URL,
        "UnsubscribeURL": f"{SIGNING_CERT_URL}?Action=Unsubscribe&TopicArn={message.Destination}",
    }


class Sender:
    """Sends one message, in a worker thread; boto3 clients are made once per service and region."""

    def __init__(self, routes: Routes) -> None:
        self.routes = routes
        self._clients: dict[tuple[str, str], Any] = {}

    def send(self, message: Notification) -> None:
        """Deliver, or raise saying why not."""
        if message.Transport == "SNS" and message.Destination in self.routes.sns_http:
            self._post(self.routes.sns_http[message.Destination], message)
        elif message.Transport == "SNS":
            region = message.Destination.split(":")[3] or DEFAULT_REGION
            self._client("sns", region).publish(
                TopicArn=message.Destination,
                Message=message.Document,
                Subject=str(epoch_millis(message.CreationTime)),
            )
        else:
            self._client("sqs", _queue_region(message.Destination)).send_message(
                QueueUrl=message.Destination, MessageBody=message.Document
            )

    def _post(self, url: str, message: Notification) -> None:
        message_id = str(uuid.uuid4())
        body = orjson.dumps(sns_envelope(message, message_id))
        headers = {
            "Content-Type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-type": "Notification",
            "x-amz-sns-message-id": message_id,
            "x-amz-sns-topic-arn": message.Destination,
        }
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
            response.read()

    def _client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            import boto3  # only once a message goes to an AWS endpoint: a tenth of a start-up

            # Any credentials do for a local endpoint; the environment's are used if set.
            self._clients[key] = boto3.client(
                service,  # type: ignore[call-overload]
                endpoint_url=self.routes.aws_endpoint,
                region_name=region,
                aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "mockturk"),
                aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "mockturk"),
            )
        return self._clients[key]


def _queue_region(url: str) -> str:
    """The region of a real queue URL (``https://sqs.eu-west-1.amazonaws.com/...``)."""
    host = url.split("/")[2]
    parts = host.split(".")
    return parts[1] if len(parts) > 3 and parts[0] == "sqs" else DEFAULT_REGION


# --- The deliverer -------------------------------------------------------------------------------


class Deliverer:
    def __init__(self, requesters: Requesters, routes: Routes) -> None:
        self.requesters = requesters
        self.sender = Sender(routes)
        self._poked = asyncio.Event()
        self._retry_at: dict[str, float] = {}  # EventDocId -> monotonic time of its next try
        self._threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mockturk-deliver")
        # Passes over the outbox so far, for those waiting on another thread for deliveries.
        self.passes = 0
        self.passed = threading.Condition()

    def poke(self) -> None:
        self._poked.set()

    def _watch(self, account: Account) -> None:
        account.store.wake = self.poke

    async def run(self) -> None:
        for account in self.requesters:
            self._watch(account)
        self.requesters.added.append(lambda _, account: self._watch(account))
        try:
            while True:
                self._poked.clear()
                retry_in = await self._deliver_due()
                with self.passed:
                    self.passes += 1
                    self.passed.notify_all()
                await _until(self._poked, retry_in)
        finally:
            self._threads.shutdown(wait=False, cancel_futures=True)

    async def _deliver_due(self) -> float | None:
        """Try every pending message whose time has come; seconds until the next retry."""
        loop = asyncio.get_running_loop()
        pending = [
            (account, message)
            for account in self.requesters
            for message in account.store.t.outbox.values()
            if message.Status == PENDING
        ]
        later: list[float] = []
        for account, message in pending:
            retry_at = self._retry_at.get(message.EventDocId, 0.0)
            if retry_at > time.monotonic():
                later.append(retry_at)
                continue
            try:
                await loop.run_in_executor(self._threads, self.sender.send, message)
                error = None
            except Exception as failure:
                error = f"{type(failure).__name__}: {failure}"
            next_try = self._record(account, message, error)
            if next_try is not None:
                later.append(next_try)
        return max(0.0, min(later) - time.monotonic()) if later else None

    def _record(self, account: Account, message: Notification, error: str | None) -> float | None:
        """Keep how the attempt went; when to try again, if it is to be tried again."""
        store = account.store
        held = store.t.outbox.get(message.EventDocId)
        if held is not message:
            return None  # the outbox was reset or reloaded meanwhile
        attempts = message.Attempts + 1
        if error is None:
            now = account.clock.now()
            updated = replace(message, Status=DELIVERED, Attempts=attempts, DeliveryTime=now)
            self._retry_at.pop(message.EventDocId, None)
            retry_at = None
        else:
            status = FAILED if attempts >= MAX_ATTEMPTS else PENDING
            updated = replace(message, Status=status, Attempts=attempts, LastError=error)
            logger.warning(
                "notification %s to %s not delivered (attempt %d): %s",
                message.EventDocId,
                message.Destination,
                attempts,
                error,
            )
            backoff = min(LONGEST_RETRY, FIRST_RETRY * 2 ** (attempts - 1))
            retry_at = time.monotonic() + backoff if status == PENDING else None
            if retry_at is not None:
                self._retry_at[message.EventDocId] = retry_at
        store.writable().outbox[message.EventDocId] = updated
        store.noted("outbox", message.EventDocId)
        account.catch_up()  # which keeps the new status, with a data dir
        return retry_at
