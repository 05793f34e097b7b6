"""Operations that change HITs after their creation, and ListReviewableHITs.

UpdateExpirationForHIT, CreateAdditionalAssignmentsForHIT, UpdateHITReviewStatus,
UpdateHITTypeOfHIT and DeleteHIT each check what the real service checked, raise its error
before staging anything, and leave the rest to the commit path: the HIT's status is derived
again, its liability held again (insufficient funds refuse the change there), and its expiry
planned on the timeline when its Expiration moved.
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

from mockturk.domain import lifecycle
from mockturk.domain.hit_types import properties_of
from mockturk.domain.money import crosses_large_batch
from mockturk.domain.records import DISPOSED, HIT, REVIEWABLE, REVIEWING
from mockturk.errors import (
    hit_does_not_exist,
    hit_too_old_for_extension,
    hit_type_does_not_exist,
    invalid_assignments_increase,
    invalid_hit_state,
    invalid_parameter,
    token_already_processed,
    value_out_of_range,
)
from mockturk.operations.checks import MAX_ASSIGNMENTS
from mockturk.operations.context import Context, Params, Result
from mockturk.operations.hits import TOKEN_LIFETIME
from mockturk.quoted import java_date
from mockturk.state import changes
from mockturk.state.transaction import Transaction
from mockturk.wire import TIMESTAMP_RANGE, from_epoch_seconds, to_micros

_UPDATE_EXPIRATION = "UpdateExpirationForHIT"
_ADD_ASSIGNMENTS = "CreateAdditionalAssignmentsForHIT"

# How far a future ExpireAt may move the expiry: the real ExpirationIncrementInSeconds bounds.
MIN_INCREMENT, MAX_INCREMENT = 60, 31_536_000
# HITs created before 2015-07-22 cannot be given more assignments (the documentation's date;
# chosen: from midnight UTC).
EXTENSIONS_FROM = datetime(2015, 7, 22, tzinfo=UTC)
# DeleteHIT's statuses, in the order of the real text.
DELETABLE = (REVIEWING, REVIEWABLE)
# Chosen: an expiry records cannot hold (the wire's range) is refused on ExpireAt.
_BEYOND_RANGE = TIMESTAMP_RANGE[0].upper() + TIMESTAMP_RANGE[1:] + "."


# --- UpdateExpirationForHIT ----------------------------------------------------------------------


def update_expiration_for_hit(ctx: Context, params: Params) -> Result:
    """Expire a HIT now (ExpireAt at or before now, 0 included), or move its expiry later."""
    tx = ctx.account.transaction()
    hit = _held(tx, params["HITId"])
    expire_at = Fraction(params["ExpireAt"])
    if expire_at <= _seconds(tx.now):
        _expire_now(tx, hit)
    else:
        _extend(tx, hit, params["ExpireAt"], expire_at)
    ctx.account.commit(tx)
    return {}


def _expire_now(tx: Transaction, hit: HIT) -> None:
    """The HIT's Expiration becomes now, as the real service showed after an expiry.

    Chosen: a HIT already expired (or deleted) keeps its Expiration, and the call succeeds
    with nothing changed: clients expire HITs again and again in their clean-up loops, and
    Dallinger expires a HIT before deleting it, deleted or not.
    """
    if hit.HITStatus == DISPOSED or lifecycle.expired(hit, tx.now):
        return
    tx.put_hit(hit.changed(Expiration=tx.now))


def _extend(tx: Transaction, hit: HIT, given: float, expire_at: Fraction) -> None:
    """A later expiry: at least a minute and at most a year beyond the current one.

    Chosen: for a HIT that has expired, the increment is measured from now (the legacy
    ExtendHIT's rule), so a HIT expired long ago can be revived for an hour.
    """
    if hit.HITStatus == DISPOSED:
        raise hit_does_not_exist(hit.HITId)  # chosen: a deleted HIT is not revived
    base = max(hit.Expiration, tx.now)
    # Whole seconds, truncated toward zero as Java's long division does.
    increment = int(expire_at - _seconds(base))
    expiration = _instant(given)
    if expiration is not None and tx.token_in_force(_UPDATE_EXPIRATION, _token(hit, expiration)):
        raise token_already_processed(_token(hit, expiration))
    if not MIN_INCREMENT <= increment <= MAX_INCREMENT:
        raise value_out_of_range(
            "ExpirationIncrementInSeconds", increment, MIN_INCREMENT, MAX_INCREMENT
        )
    if expiration is None:  # only a HIT expiring late in 2241 gets here
        raise invalid_parameter("ExpireAt", given, _BEYOND_RANGE)
    tx.put_hit(hit.changed(Expiration=expiration))
    tx.remember_token(_UPDATE_EXPIRATION, _token(hit, expiration), hit.HITId, TOKEN_LIFETIME)


def _token(hit: HIT, expiration: datetime) -> str:
    """The token the real service made itself of the HIT and the date, to the second: it
    refused the same date again for as long as a UniqueRequestToken lasts."""
    return hit.HITId + java_date(expiration)


def _seconds(instant: datetime) -> Fraction:
    return Fraction(to_micros(instant), 1_000_000)


def _instant(seconds: float) -> datetime | None:
    """Epoch seconds as an instant, None outside the range records hold."""
    try:
        return from_epoch_seconds(seconds)
    except ValueError:
        return None


# --- CreateAdditionalAssignmentsForHIT -----------------------------------------------------------


def create_additional_assignments_for_hit(ctx: Context, params: Params) -> Result:
    """More assignments for a HIT, expired or not (an expired HIT stays expired)."""
    tx = ctx.account.transaction()
    hit = _not_deleted(tx, params["HITId"])
    token = params.get("UniqueRequestToken")
    if token is not None and tx.token_in_force(_ADD_ASSIGNMENTS, token) is not None:
        raise token_already_processed(token)
    if hit.CreationTime < EXTENSIONS_FROM:
        raise hit_too_old_for_extension()
    count = params["NumberOfAdditionalAssignments"]  # 1 or more: checked before the handler
    # Chosen: a HIT never holds more than CreateHIT's MaxAssignments allows; the range named is
    # what this HIT can still take.
    room = MAX_ASSIGNMENTS - hit.MaxAssignments
    if count > room:
        raise value_out_of_range("NumberOfAdditionalAssignments", count, 1, room)
    # Fewer than 10 may not become 10 or more, which would change the fee of every slot.
    if crosses_large_batch(hit.MaxAssignments, count):
        raise invalid_assignments_increase()
    tx.add_slots(hit, count)
    if token is not None:
        tx.remember_token(_ADD_ASSIGNMENTS, token, hit.HITId, TOKEN_LIFETIME)
    ctx.account.commit(tx)
    return {}


# --- UpdateHITReviewStatus, UpdateHITTypeOfHIT, DeleteHIT ----------------------------------------


def update_hit_review_status(ctx: Context, params: Params) -> Result:
    """Set a Reviewable HIT aside as Reviewing, or (Revert) put it back."""
    tx = ctx.account.transaction()
    hit = _held(tx, params["HITId"])
    required, target = lifecycle.REVIEW_MOVES[params.get("Revert") is True]
    current = lifecycle.hit_status(hit, tx.now)
    if current != required:
        raise invalid_hit_state(current, required)
    tx.put_hit(hit.changed(HITStatus=target))
    ctx.account.commit(tx)
    return {}


def update_hit_type_of_hit(ctx: Context, params: Params) -> Result:
    """The HIT takes another HIT type's properties, from now on.

    Chosen: work in progress keeps the deadline it was given when accepted, and submitted
    work its AutoApprovalTime; an approval pays the reward the HIT has when it is approved.
    """
    tx = ctx.account.transaction()
    hit = _not_deleted(tx, params["HITId"])
    hit_type = tx.hit_type(params["HITTypeId"])
    if hit_type is None:
        raise hit_type_does_not_exist(params["HITTypeId"])
    tx.put_hit(hit.changed(**properties_of(hit_type)))
    ctx.account.commit(tx)
    return {}


def delete_hit(ctx: Context, params: Params) -> Result:
    """Dispose of a HIT whose work is all reviewed; GetHIT still shows it, as Disposed."""
    tx = ctx.account.transaction()
    hit = _held(tx, params["HITId"])
    current = lifecycle.hit_status(hit, tx.now)
    # Reviewable and Reviewing HITs have no work in progress; submitted work must be reviewed.
    if current not in DELETABLE or hit.submitted:
        raise invalid_hit_state(current, ", ".join(DELETABLE))
    changes.dispose(tx, hit)
    ctx.account.commit(tx)
    return {}


def _held(tx: Transaction, hit_id: str) -> HIT:
    """The HIT, Disposed ones included (they still have a state to name)."""
    hit = tx.hit(hit_id)
    if hit is None:
        raise hit_does_not_exist(hit_id)
    return hit


def _not_deleted(tx: Transaction, hit_id: str) -> HIT:
    hit = _held(tx, hit_id)
    if hit.HITStatus == DISPOSED:
        raise hit_does_not_exist(hit_id)
    return hit


# --- ListReviewableHITs --------------------------------------------------------------------------


def list_reviewable_hits(ctx: Context, params: Params) -> Result:
    """HITs in review (Reviewable by default, or Reviewing), in ListHITs' order, each as its
    HITId only. Chosen: a HITTypeId that names no HIT type gives an empty listing."""
    status = params.get("Status") or REVIEWABLE  # null counts as absent
    hit_type_id = params.get("HITTypeId")
    return ctx.page(
        "ListReviewableHITs",
        params,
        (status, hit_type_id or ""),
        lambda after, limit: ctx.store.reviewable_page(status, hit_type_id, after, limit),
    )
