"""What a simulated worker does besides HITs: set their profile, request a qualification, read
their inbox. Each raises :class:`WorkerError` and changes nothing when it is not possible.

A worker is one for every requester: their profile is kept by the first requester holding one
(else by the first requester), a request goes to the type's owner, and the inbox holds what
every requester sent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from mockturk.domain import qualifications as q
from mockturk.domain.answer_keys import given_answers, parse_answer_key, score
from mockturk.domain.workers import Message, WorkerProfile, described
from mockturk.models import WorkerProfileRecord
from mockturk.requesters import Requesters
from mockturk.state import workers
from mockturk.state.transaction import Transaction
from mockturk.worker.actions import WorkerError, check_worker_id

PROFILE_FIELDS = tuple(name for name in WorkerProfileRecord.model_fields if name != "WorkerId")


def profile(requesters: Requesters, worker_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The worker's profile after ``changes`` (any of PROFILE_FIELDS; none to read it)."""
    check_worker_id(worker_id)
    account = requesters.holding_profile(worker_id)
    tx = account.transaction()
    current = workers.profile(tx, worker_id)
    unknown = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown:
        raise WorkerError(
            400,
            "InvalidProfile",
            f"Unknown profile field(s) {', '.join(unknown)}; a profile has"
            f" {', '.join(PROFILE_FIELDS)}.",
        )
    if changes:
        try:
            checked = WorkerProfileRecord.model_validate({**current.to_api(), **changes})
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
            )
            raise WorkerError(400, "InvalidProfile", problems) from None
        current = WorkerProfile(**checked.model_dump())
        tx.put_keyed(workers.PROFILES, worker_id, current)
        account.commit(tx)
    return described(current, account.store.worker_totals(worker_id))


def request_qualification(
    requesters: Requesters, worker_id: str, type_id: str, answer: str | None
) -> q.QualificationRequest:
    """The worker asks for a requestable type: AutoGranted ones are granted at once, a Test with
    an AnswerKey is scored and granted, any other request waits for the requester."""
    check_worker_id(worker_id)
    account = requesters.holding_type(type_id)
    tx = account.transaction()
    wanted = workers.qualification_type(tx, type_id)
    if wanted is None or not wanted.IsRequestable:
        raise WorkerError(
            404 if wanted is None else 409,
            "NotRequestable",
            f"There is no requestable Qualification type {type_id}.",
        )
    _refuse_too_soon(tx, wanted, worker_id)
    if wanted.Test is not None and answer is None:
        raise WorkerError(400, "TestNotAnswered", f"{wanted.Name} has a Test: answer it.")
    made = q.QualificationRequest(
        QualificationRequestId=tx.new_id("qualification_request"),
        QualificationTypeId=type_id,
        WorkerId=worker_id,
        SubmitTime=tx.now,
        Test=wanted.Test,
        Answer=answer if wanted.Test is not None else None,
    )
    value = _value_earned(wanted, answer)
    if value is not None:
        made = made.changed(RequestStatus=q.ACCEPTED_REQUEST)
        workers.grant(tx, wanted, worker_id, value)
    tx.put_keyed(workers.REQUESTS, made.QualificationRequestId, made)
    account.commit(tx)
    return made


def _refuse_too_soon(tx: Transaction, wanted: q.QualificationType, worker_id: str) -> None:
    """One pending request at a time; another only after RetryDelayInSeconds (never, without)."""
    earlier = [
        r
        for r in tx.keyed_records(workers.REQUESTS)
        if r.WorkerId == worker_id and r.QualificationTypeId == wanted.QualificationTypeId
    ]
    if not earlier:
        return
    last = max(earlier, key=lambda r: r.SubmitTime)
    if last.RequestStatus == q.PENDING:
        raise WorkerError(409, "RequestPending", f"A request for {wanted.Name} is pending.")
    if wanted.RetryDelayInSeconds is None:
        raise WorkerError(409, "NoRetry", f"{wanted.Name} may be requested only once.")
    again = last.SubmitTime + timedelta(seconds=wanted.RetryDelayInSeconds)
    if tx.now < again:
        raise WorkerError(
            409,
            "RetryTooSoon",
            f"{wanted.Name} may be requested again from {again.isoformat()}.",
        )


def _value_earned(wanted: q.QualificationType, answer: str | None) -> int | None:
    """The value granted at once, or None when the requester decides."""
    if wanted.AutoGranted:
        return wanted.AutoGrantedValue if wanted.AutoGrantedValue is not None else 1
    if wanted.AnswerKey is None or answer is None:
        return None
    try:
        return score(parse_answer_key(wanted.AnswerKey), given_answers(answer))
    except ValueError as error:  # the key was checked when it was stored: the answer is at fault
        raise WorkerError(400, "InvalidAnswer", str(error)) from None


def inbox(requesters: Requesters, worker_id: str) -> list[Message]:
    """What every requester sent the worker, oldest first."""
    check_worker_id(worker_id)
    held = [m for a in requesters for m in a.store.t.inboxes.get(worker_id, ())]
    return sorted(held, key=lambda message: message.SentTime)
