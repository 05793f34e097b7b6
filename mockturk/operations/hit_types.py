"""CreateHITType, and the HIT type a request describes (shared with CreateHIT)."""

from __future__ import annotations

from typing import Any

from mockturk.domain.hit_types import complete_requirement, hit_type_id
from mockturk.domain.money import format_amount, parse_amount
from mockturk.domain.records import HITType
from mockturk.models import Locale, QualificationRequirement
from mockturk.operations.context import Context, Params, Result
from mockturk.state import workers
from mockturk.state.transaction import Transaction

DEFAULT_AUTO_APPROVAL_DELAY = 2_592_000  # 30 days, as the real service filled in


def create_hit_type(ctx: Context, params: Params) -> Result:
    """The ID of the HIT type with these properties: an existing one if they match."""
    tx = ctx.account.transaction()
    hit_type = described_hit_type(tx, params)
    ctx.account.commit(tx)
    return {"HITTypeId": hit_type.HITTypeId}


def described_hit_type(tx: Transaction, params: Params) -> HITType:
    """The HIT type the request's properties describe, staged on ``tx`` if it is new."""
    requirements = tuple(
        complete_requirement(requirement(q)) for q in params.get("QualificationRequirements") or ()
    )
    for required in requirements:
        workers.check_requirable(tx, required.QualificationTypeId)
    properties = HITType(
        HITTypeId="",
        Title=params["Title"],
        Description=params["Description"],
        # Chosen: amounts are kept as the real service showed them, with two decimals.
        Reward=format_amount(parse_amount(params["Reward"])),
        AssignmentDurationInSeconds=params["AssignmentDurationInSeconds"],
        AutoApprovalDelayInSeconds=params.get(
            "AutoApprovalDelayInSeconds", DEFAULT_AUTO_APPROVAL_DELAY
        ),
        Keywords=params.get("Keywords"),
        QualificationRequirements=requirements,
    )
    type_id = hit_type_id(properties, requirements, tx.store.requester)
    existing = tx.hit_type(type_id)
    if existing is not None:
        return existing
    hit_type = properties.changed(HITTypeId=type_id, CreationTime=tx.now)
    tx.put_hit_type(hit_type)
    return hit_type


def requirement(given: dict[str, Any]) -> QualificationRequirement:
    """A requirement from the request, its members checked already against the model (members
    the model does not declare are ignored, as everywhere on the wire)."""
    fields = {k: v for k, v in given.items() if k in QualificationRequirement.model_fields}
    if fields.get("LocaleValues") is not None:
        fields["LocaleValues"] = [
            Locale(**{k: v for k, v in locale.items() if k in Locale.model_fields})
            for locale in fields["LocaleValues"]
        ]
    return QualificationRequirement(**fields)
