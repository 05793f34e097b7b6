"""The service model as the server reads it, including what botocore allows and MTurk lacks."""

from __future__ import annotations

import pytest
from botocore.model import ServiceModel

from mockturk.spec import ServiceSpec, Violation, load_spec
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
