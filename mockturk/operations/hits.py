"""Operations on HITs: creating, reading and listing them."""

from __future__ import annotations

from datetime import timedelta

from mockturk.domain.hit_types import properties_of
from mockturk.domain.questions import check_question
from mockturk.domain.records import ASSIGNABLE, HIT, HITType
from mockturk.errors import (
    hit_already_exists,
    hit_does_not_exist,
    hit_type_does_not_exist,
    invalid_parameter,
)
from mockturk.operations.context import Context, Params, Result
from mockturk.operations.hit_types import described_hit_type
from mockturk.operations.review_policies import given_review
from mockturk.state.transaction import Transaction

TOKEN_LIFETIME = timedelta(hours=24)
_CREATE_HIT = "CreateHIT"  # CreateHIT and CreateHITWithHITType share their tokens


def create_hit(ctx: Context, params: Params) -> Result:
    """A new HIT, and its HIT type (registered if these properties are new)."""
    tx = ctx.account.transaction()
    _refuse_repeat(ctx, tx, params)
    hit_type = described_hit_type(tx, params)
    return _created(ctx, tx, hit_type, params)


def create_hit_with_hit_type(ctx: Context, params: Params) -> Result:
    """A new HIT of an existing HIT type, taking the type's properties."""
    tx = ctx.account.transaction()
    _refuse_repeat(ctx, tx, params)
    hit_type = tx.hit_type(params["HITTypeId"])
    if hit_type is None:
        raise hit_type_does_not_exist(params["HITTypeId"])
    return _created(ctx, tx, hit_type, params)


def get_hit(ctx: Context, params: Params) -> Result:
    """A HIT, Disposed ones included (the real service kept them for a while)."""
    row = ctx.store.hit_entry(params["HITId"])
    if row is None:
        raise hit_does_not_exist(params["HITId"])
    return {"HIT": row.wire}


def list_hits(ctx: Context, params: Params) -> Result:
    """Every HIT that is not deleted, newest first (CreationTime descending, then HITId)."""
    return ctx.page("ListHITs", params, (), ctx.store.hits_page)


def _refuse_repeat(ctx: Context, tx: Transaction, params: Params) -> None:
    token = params.get("UniqueRequestToken")
    if token is None:
        return
    seen = tx.token_in_force(_CREATE_HIT, token)
    if seen is not None:
        raise hit_already_exists(seen.result)


def _created(ctx: Context, tx: Transaction, hit_type: HITType, params: Params) -> Result:
    if params.get("Question") is not None:
        check_question(params["Question"], strict_https=ctx.account.strict_https)
    if params.get("HITLayoutId") is not None:
        # Layouts were made in the requester website, which mockturk has not got: none exists.
        raise invalid_parameter("HITLayoutId", params["HITLayoutId"])
    max_assignments = params.get("MaxAssignments", 1)
    hit = HIT(
        HITId=tx.new_id("hit"),
        CreationTime=tx.now,
        Question=params.get("Question", ""),
        HITStatus=ASSIGNABLE,
        MaxAssignments=max_assignments,
        Expiration=tx.now + timedelta(seconds=params["LifetimeInSeconds"]),
        NumberOfAssignmentsPending=0,
        NumberOfAssignmentsAvailable=max_assignments,
        NumberOfAssignmentsCompleted=0,
        RequesterAnnotation=params.get("RequesterAnnotation"),
        **properties_of(hit_type),
    )
    review = given_review(hit.HITId, params)
    tx.put_hit(hit)
    if review is not None:
        tx.put_review(review)
    token = params.get("UniqueRequestToken")
    if token is not None:
        tx.remember_token(_CREATE_HIT, token, hit.HITId, TOKEN_LIFETIME)
    ctx.account.commit(tx)
    row = ctx.store.hit_entry(hit.HITId)
    assert row is not None
    return {"HIT": row.wire}
