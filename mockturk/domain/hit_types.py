"""HIT types: the property set HITs share, and the IDs that follow from it.

The same properties always give the same HITTypeId (CreateHITType returns the existing one), and
a HIT type's group ID follows from its ID, whether the HIT came from the API or a fixture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import orjson

from mockturk.domain.ids import derived_id
from mockturk.domain.records import HIT, HITType
from mockturk.models import QualificationRequirement


class TypeProperties(Protocol):
    @property
    def Title(self) -> str: ...
    @property
    def Description(self) -> str: ...
    @property
    def Reward(self) -> str: ...
    @property
    def Keywords(self) -> str | None: ...
    @property
    def AssignmentDurationInSeconds(self) -> int: ...
    @property
    def AutoApprovalDelayInSeconds(self) -> int: ...


def hit_type_id(
    properties: TypeProperties,
    requirements: Sequence[QualificationRequirement],
    requester: str = "",
) -> str:
    """The same properties give the same ID, for one requester: ``requester`` names any but
    the first (whose IDs do not depend on it), so that requesters kept apart never share a
    HIT type or a HIT group."""
    key = orjson.dumps(
        [
            properties.Title,
            properties.Description,
            properties.Reward,
            properties.Keywords,
            properties.AssignmentDurationInSeconds,
            properties.AutoApprovalDelayInSeconds,
            [q.to_api() for q in requirements],
            *([requester] if requester else []),
        ]
    ).decode()
    return derived_id("type", key)


def hit_group_id(type_id: str) -> str:
    return derived_id("group", type_id)


# What a HIT shares with its HIT type (besides the type's ID and group).
SHARED_PROPERTIES = (
    "Title",
    "Description",
    "Reward",
    "AutoApprovalDelayInSeconds",
    "AssignmentDurationInSeconds",
    "Keywords",
    "QualificationRequirements",
)


def properties_of(hit_type: HITType) -> dict[str, Any]:
    """What a HIT takes from its HIT type: when it is created, and when its type is changed."""
    return {
        "HITTypeId": hit_type.HITTypeId,
        "HITGroupId": hit_group_id(hit_type.HITTypeId),
        **{name: getattr(hit_type, name) for name in SHARED_PROPERTIES},
    }


def type_of(hit: HIT) -> HITType:
    """The HIT type a HIT belongs to, made from its properties (for HITs loaded from fixtures)."""
    return HITType(HITTypeId=hit.HITTypeId, **{n: getattr(hit, n) for n in SHARED_PROPERTIES})


def complete_requirement(requirement: QualificationRequirement) -> QualificationRequirement:
    """A requirement with the access fields the real service echoed when they were not sent:
    ActionsGuarded "Accept" and RequiredToPreview false, or the one implied by the other."""
    guarded = requirement.ActionsGuarded
    to_preview = requirement.RequiredToPreview
    if guarded is None:
        guarded = "PreviewAndAccept" if to_preview else "Accept"
    if to_preview is None:
        to_preview = guarded != "Accept"
    return requirement.model_copy(
        update={"ActionsGuarded": guarded, "RequiredToPreview": to_preview}
    )
