"""The service model as the server reads it, including what botocore allows and MTurk lacks."""

from __future__ import annotations

import botocore.loaders
import botocore.model
import pytest

from mockturk.service_model import ServiceModel, Shape
from mockturk.spec import API_VERSION, SERVICE_NAME, ServiceSpec, Violation, load_spec
from mockturk.wire import encode

# An operation without "input" or "output": botocore's model allows both to be left out.
BARE_MODEL = {
    "metadata": {"targetPrefix": "Bare", "protocol": "json", "jsonVersion": "1.1"},
    "operations": {"Ping": {"name": "Ping", "http": {"method": "POST", "requestUri": "/"}}},
    "shapes": {},
}


def test_an_operation_without_shapes_takes_and_answers_an_object_without_members():
    spec = ServiceSpec(ServiceModel(BARE_MODEL, service_name="bare"), {})
    assert spec.operation("Ping").input_shape is None
    assert spec.operation("Ping").output_shape is None
    assert spec.input_violations("Ping", {"Anything": 1}) == []
    assert spec.output_violations("Ping", {}) == []
    assert spec.output_violations("Ping", {"Extra": 1}) == [
        Violation(("Extra",), 1, "Member is not in the model")
    ]
    assert encode(spec.output_shape("Ping"), {}) == b"{}"


def test_every_mturk_operation_has_its_own_input_and_output_shape():
    spec = load_spec()
    for name in spec.operation_names:
        assert spec.input_shape(name).name == f"{name}Request"
        assert spec.output_shape(name).name == f"{name}Response"


def test_enum_values_come_sorted_and_only_from_enum_shapes():
    spec = load_spec()
    assert spec.enum("AssignmentStatus") == ("Approved", "Rejected", "Submitted")
    with pytest.raises(ValueError, match="EntityId is not an enum shape"):
        spec.enum("EntityId")


def _botocore_model() -> botocore.model.ServiceModel:
    loader = botocore.loaders.Loader()
    description = loader.load_service_model(SERVICE_NAME, "service-2", API_VERSION)
    return botocore.model.ServiceModel(description, service_name=SERVICE_NAME)


def _same_shape(ours: Shape, theirs: botocore.model.Shape, depth: int = 0) -> None:
    """Every attribute the server reads, as botocore's own model gives it, members and all."""
    assert (ours.name, ours.type_name, ours.metadata) == (
        theirs.name,
        theirs.type_name,
        theirs.metadata,
    ), theirs.name
    if depth > 3:  # the model nests no deeper; deeper would only repeat shapes already seen
        return
    if isinstance(theirs, botocore.model.StructureShape):
        assert list(ours.members) == list(theirs.members)  # type: ignore[attr-defined]
        assert ours.required_members == theirs.required_members  # type: ignore[attr-defined]
        for name, member in theirs.members.items():
            _same_shape(ours.members[name], member, depth + 1)  # type: ignore[attr-defined]
    elif isinstance(theirs, botocore.model.ListShape):
        _same_shape(ours.member, theirs.member, depth + 1)  # type: ignore[attr-defined]
    elif isinstance(theirs, botocore.model.MapShape):
        _same_shape(ours.key, theirs.key, depth + 1)  # type: ignore[attr-defined]
        _same_shape(ours.value, theirs.value, depth + 1)  # type: ignore[attr-defined]
    elif isinstance(theirs, botocore.model.StringShape):
        assert ours.enum == theirs.enum  # type: ignore[attr-defined]


def test_the_model_reads_every_shape_and_operation_as_botocore_reads_them():
    theirs = _botocore_model()
    ours = load_spec().model
    assert ours.metadata == theirs.metadata
    assert ours.operation_names == theirs.operation_names
    for name in theirs.shape_names:
        _same_shape(ours.shape_for(name), theirs.shape_for(name))
    for name in theirs.operation_names:
        mine, model = ours.operation_model(name), theirs.operation_model(name)
        assert mine.http == model.http
        _same_shape(mine.input_shape, model.input_shape)  # type: ignore[arg-type]
        _same_shape(mine.output_shape, model.output_shape)  # type: ignore[arg-type]


def test_a_member_reference_s_own_traits_override_its_shape_s_as_botocore_merges_them():
    description = {
        "metadata": {},
        "operations": {},
        "shapes": {
            "Name": {"type": "string", "max": 10},
            "Holder": {
                "type": "structure",
                "members": {"Short": {"shape": "Name", "max": 3}, "Plain": {"shape": "Name"}},
            },
        },
    }
    ours = ServiceModel(description, service_name="traits").shape_for("Holder")
    theirs = botocore.model.ServiceModel(description, service_name="traits").shape_for("Holder")
    _same_shape(ours, theirs)
    assert ours.members["Short"].metadata == {"max": 3}  # type: ignore[attr-defined]


def test_an_operation_s_shapes_are_made_once_and_kept():
    """Requests validate against and encode with the same shapes: resolved once, not per call."""
    spec = load_spec()
    first = spec.input_shape("ListHITs")
    assert spec.input_shape("ListHITs") is first
    assert spec.operation("ListHITs") is spec.operation("ListHITs")
    assert first.members["NextToken"] is spec.input_shape("ListHITs").members["NextToken"]
    assert spec.output_shape("ListHITs") is spec.output_shape("ListHITs")
