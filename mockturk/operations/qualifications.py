"""Qualification types of one's own, the scores workers hold, and workers' requests for them.

Types are listed by CreationTime, then ID (MTurk's system types first); scores by GrantTime,
then worker; pending requests by SubmitTime, then ID. The listings are small beside the HITs',
so each page is cut from a listing sorted when it is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from mockturk.domain import qualifications as q
from mockturk.domain.answer_keys import parse_answer_key
from mockturk.domain.questions import check_question
from mockturk.domain.records import DISPOSED, DomainRecord
from mockturk.errors import (
    ParameterValidationError,
    invalid_parameter,
    not_your_qualification_type,
    qualification_does_not_exist,
    qualification_not_granted,
    qualification_request_does_not_exist,
    qualification_request_not_pending,
    qualification_type_already_exists,
    qualification_type_does_not_exist,
)
from mockturk.operations.context import Context, Params, Result
from mockturk.pagination import Cursor
from mockturk.state import workers
from mockturk.state.listing import Listing
from mockturk.state.store import Page
from mockturk.state.transaction import Transaction
from mockturk.wire import RawJSON, encode_record, to_micros

R = TypeVar("R", bound=DomainRecord)
DEFAULT_VALUE = 1  # what a grant gives when no IntegerValue is stated


def listed(
    records: Iterable[R], key: Callable[[R], Cursor]
) -> Callable[[Cursor | None, int], Page]:
    """The pages of ``records`` in the order of ``key`` (keyset pagination, as everywhere)."""
    listing = Listing.sorted_from((key(r), RawJSON(encode_record(r.to_api()))) for r in records)

    def fetch(after: Cursor | None, limit: int) -> Page:
        keys, wires = listing.after(after, limit, {})  # every record encoded above
        return Page(wires, keys[-1] if keys else None)

    return fetch


# --- Qualification types ------------------------------------------------------------------------


def create_qualification_type(ctx: Context, params: Params) -> Result:
    tx = ctx.account.transaction()
    if any(t.Name == params["Name"] for t in workers.own_types(tx)):
        raise qualification_type_already_exists()
    created = q.QualificationType(
        QualificationTypeId=tx.new_id("qualification_type"),
        CreationTime=tx.now,
        Name=params["Name"],
        Description=params["Description"],
        QualificationTypeStatus=params["QualificationTypeStatus"],
        Keywords=params.get("Keywords"),
        Test=params.get("Test"),
        TestDurationInSeconds=params.get("TestDurationInSeconds"),
        AnswerKey=params.get("AnswerKey"),
        RetryDelayInSeconds=params.get("RetryDelayInSeconds"),
        AutoGranted=params.get("AutoGranted", False),
        AutoGrantedValue=params.get("AutoGrantedValue"),
    )
    _check_test(created)
    tx.put_keyed(workers.TYPES, created.QualificationTypeId, created)
    ctx.account.commit(tx)
    return {"QualificationType": created.to_api()}


def get_qualification_type(ctx: Context, params: Params) -> Result:
    tx = ctx.account.transaction()
    return {"QualificationType": _existing_type(tx, params["QualificationTypeId"]).to_api()}


def update_qualification_type(ctx: Context, params: Params) -> Result:
    """Change what may change: not the Name or Keywords, and a Test is never removed (a new
    Test without an AnswerKey drops the old key)."""
    tx = ctx.account.transaction()
    current = _own_type(tx, params["QualificationTypeId"])
    changes = {
        name: params[name]
        for name in (
            "Description",
            "QualificationTypeStatus",
            "Test",
            "TestDurationInSeconds",
            "RetryDelayInSeconds",
            "AutoGranted",
            "AutoGrantedValue",
        )
        if params.get(name) is not None
    }
    if "Test" in changes:
        changes["AnswerKey"] = params.get("AnswerKey")
    elif params.get("AnswerKey") is not None:
        changes["AnswerKey"] = params["AnswerKey"]
    updated = current.changed(**changes)
    _check_test(updated)
    tx.put_keyed(workers.TYPES, updated.QualificationTypeId, updated)
    ctx.account.commit(tx)
    return {"QualificationType": updated.to_api()}


def delete_qualification_type(ctx: Context, params: Params) -> Result:
    """Chosen: the type is gone at once (the real one lingered up to 48 hours), its name free
    again and its scores with it; pending requests are rejected, as the real service did. HITs
    requiring it stay, and only DoesNotExist can be met."""
    tx = ctx.account.transaction()
    doomed = _own_type(tx, params["QualificationTypeId"])
    type_id = doomed.QualificationTypeId
    for pending in _pending(tx, type_id):
        workers.settle(tx, pending, q.REJECTED_REQUEST, "The Qualification type was deleted.")
    for held in tx.keyed_records(workers.SCORES):
        if held.QualificationTypeId == type_id:
            tx.put_keyed(workers.SCORES, (type_id, held.WorkerId), None)
    tx.put_keyed(workers.TYPES, type_id, None)
    ctx.account.commit(tx)
    return {}


def list_qualification_types(ctx: Context, params: Params) -> Result:
    """Chosen: Query is a case-insensitive substring of the Name or the Keywords; a new type is
    found at once (the real search lagged behind)."""
    tx = ctx.account.transaction()
    query = (params.get("Query") or "").casefold()
    requestable, owned = params["MustBeRequestable"], params.get("MustBeOwnedByCaller", False)
    candidates = [*workers.own_types(tx), *([] if owned else q.SYSTEM_TYPES.values())]
    found = [
        t
        for t in candidates
        if (not requestable or t.IsRequestable)
        and (query in t.Name.casefold() or query in (t.Keywords or "").casefold())
    ]
    scope = (query, str(requestable), str(owned))
    return ctx.page(
        "ListQualificationTypes",
        params,
        scope,
        listed(found, lambda t: (to_micros(t.CreationTime), t.QualificationTypeId)),
    )


def _check_test(qualification_type: q.QualificationType) -> None:
    """A Test is a QuestionForm with a duration, never AutoGranted; an AnswerKey scores a Test."""
    refusal = _test_refusal(qualification_type)
    if refusal is not None:
        raise refusal


def _test_refusal(t: q.QualificationType) -> ParameterValidationError | None:
    if t.Test is None:
        if t.AnswerKey is not None:
            return invalid_parameter("AnswerKey", t.AnswerKey, "An AnswerKey needs a Test.")
        return None
    try:
        form = check_question(t.Test).kind == "QuestionForm"
    except ParameterValidationError:
        form = False
    if not form:
        return invalid_parameter("Test", t.Test, "A Test must be a QuestionForm document.")
    if t.TestDurationInSeconds is None:
        return ParameterValidationError(
            "A Test needs a TestDurationInSeconds.", "TestDurationInSeconds"
        )
    if t.AutoGranted:
        return invalid_parameter(
            "AutoGranted", True, "A QualificationType with a Test cannot be AutoGranted."
        )
    if t.AnswerKey is not None:
        try:
            parse_answer_key(t.AnswerKey)
        except ValueError as error:
            return invalid_parameter("AnswerKey", t.AnswerKey, str(error))
    return None


def _existing_type(tx: Transaction, type_id: str) -> q.QualificationType:
    found = workers.qualification_type(tx, type_id)
    if found is None:
        raise qualification_type_does_not_exist(type_id)
    return found


def _own_type(tx: Transaction, type_id: str) -> q.QualificationType:
    found = _existing_type(tx, type_id)
    if found.system:
        raise not_your_qualification_type(type_id)
    return found


# --- Scores ---------------------------------------------------------------------------------


def associate_qualification_with_worker(ctx: Context, params: Params) -> Result:
    """Grant at once, overwriting a score held or revoked; chosen: any well-formed WorkerId."""
    tx = ctx.account.transaction()
    granted = _own_type(tx, params["QualificationTypeId"])
    workers.grant(
        tx,
        granted,
        params["WorkerId"],
        params.get("IntegerValue", DEFAULT_VALUE),
        notify=params.get("SendNotification", True),
    )
    ctx.account.commit(tx)
    return {}


def disassociate_qualification_from_worker(ctx: Context, params: Params) -> Result:
    """Revoke; chosen: a worker without it granted gets the real "does not exist"."""
    tx = ctx.account.transaction()
    revoked = _own_type(tx, params["QualificationTypeId"])
    held = workers.score(tx, revoked.QualificationTypeId, params["WorkerId"])
    if held is None or held.Status != q.GRANTED:
        raise qualification_does_not_exist()
    workers.revoke(tx, revoked, held, params.get("Reason") or "")
    ctx.account.commit(tx)
    return {}


def get_qualification_score(ctx: Context, params: Params) -> Result:
    """A worker's score; chosen: system types answer from the worker's profile."""
    tx = ctx.account.transaction()
    type_id, worker_id = params["QualificationTypeId"], params["WorkerId"]
    found = workers.qualification_type(tx, type_id)
    if found is None:
        raise qualification_does_not_exist()
    if found.system:
        return {"Qualification": _system_score(tx, found, worker_id).to_api()}
    held = workers.score(tx, type_id, worker_id)
    if held is None:
        raise qualification_does_not_exist()
    if held.Status != q.GRANTED:
        raise qualification_not_granted()
    return {"Qualification": held.to_api()}


def _system_score(
    tx: Transaction, system_type: q.QualificationType, worker_id: str
) -> q.Qualification:
    value = workers.values(tx, worker_id, ()).get(system_type.QualificationTypeId)
    if value is None:  # Masters, for a worker who is not one
        raise qualification_does_not_exist()
    return q.Qualification(
        QualificationTypeId=system_type.QualificationTypeId,
        WorkerId=worker_id,
        GrantTime=system_type.CreationTime,
        IntegerValue=value if isinstance(value, int) else None,
        LocaleValue=value if isinstance(value, tuple) else None,
    )


def list_workers_with_qualification_type(ctx: Context, params: Params) -> Result:
    tx = ctx.account.transaction()
    type_id, status = params["QualificationTypeId"], params.get("Status")
    _own_type(tx, type_id)
    found = [
        s
        for s in tx.keyed_records(workers.SCORES)
        if s.QualificationTypeId == type_id and status in (None, s.Status)
    ]
    return ctx.page(
        "ListWorkersWithQualificationType",
        params,
        (type_id, status or ""),
        listed(found, lambda s: (to_micros(s.GrantTime), s.WorkerId)),
    )


def list_hits_for_qualification_type(ctx: Context, params: Params) -> Result:
    """The HITs (not deleted) that require the type, in ListHITs' order."""
    tx = ctx.account.transaction()
    type_id = params["QualificationTypeId"]
    _existing_type(tx, type_id)
    found = [
        row.record
        for row in ctx.store.all_hits()
        if row.record.HITStatus != DISPOSED
        and any(r.QualificationTypeId == type_id for r in row.record.QualificationRequirements)
    ]
    return ctx.page(
        "ListHITsForQualificationType",
        params,
        (type_id,),
        listed(found, lambda h: (-to_micros(h.CreationTime), h.HITId)),
    )


# --- Requests ---------------------------------------------------------------------------------


def _pending(tx: Transaction, type_id: str | None) -> list[q.QualificationRequest]:
    return [
        r
        for r in tx.keyed_records(workers.REQUESTS)
        if r.RequestStatus == q.PENDING and type_id in (None, r.QualificationTypeId)
    ]


def list_qualification_requests(ctx: Context, params: Params) -> Result:
    tx = ctx.account.transaction()
    type_id = params.get("QualificationTypeId")
    if type_id is not None:
        _own_type(tx, type_id)
    return ctx.page(
        "ListQualificationRequests",
        params,
        (type_id or "",),
        listed(
            _pending(tx, type_id),
            lambda r: (to_micros(r.SubmitTime), r.QualificationRequestId),
        ),
    )


def _pending_request(tx: Transaction, request_id: str) -> q.QualificationRequest:
    found = workers.request(tx, request_id)
    if found is None:
        raise qualification_request_does_not_exist(request_id)
    if found.RequestStatus != q.PENDING:
        raise qualification_request_not_pending(request_id)
    return found


def accept_qualification_request(ctx: Context, params: Params) -> Result:
    tx = ctx.account.transaction()
    pending = _pending_request(tx, params["QualificationRequestId"])
    granted = _own_type(tx, pending.QualificationTypeId)
    workers.settle(tx, pending, q.ACCEPTED_REQUEST)
    workers.grant(tx, granted, pending.WorkerId, params.get("IntegerValue", DEFAULT_VALUE))
    ctx.account.commit(tx)
    return {}


def reject_qualification_request(ctx: Context, params: Params) -> Result:
    tx = ctx.account.transaction()
    pending = _pending_request(tx, params["QualificationRequestId"])
    workers.settle(tx, pending, q.REJECTED_REQUEST, params.get("Reason") or "")
    ctx.account.commit(tx)
    return {}
