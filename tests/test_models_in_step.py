"""The pydantic records, the handlers and the paginators stay in step with the botocore model."""

from __future__ import annotations

import typing

import pytest

from mockturk.models import HIT, Assignment, Locale, QualificationRequirement, Shaped
from mockturk.operations import HANDLERS
from mockturk.spec import load_spec

RECORDS = [HIT, Assignment, QualificationRequirement, Locale]
CONSTRAINED = ("enum", "pattern", "min", "max")


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_record_fields_are_the_shape_members_in_model_order(record):
    shape = load_spec().shape(record.__name__)
    assert list(record.model_fields) == list(shape.members)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_constrained_members_name_their_shape(record):
    shape = load_spec().shape(record.__name__)
    for name, member in shape.members.items():
        field = record.model_fields[name]
        markers = [m for m in field.metadata if isinstance(m, Shaped)]
        markers += [
            m
            for arg in typing.get_args(field.annotation)
            for m in getattr(arg, "__metadata__", ())
            if isinstance(m, Shaped)
        ]
        constrained = any(key in member.metadata for key in CONSTRAINED)
        if constrained:
            assert [m.shape for m in markers] == [member.name], f"{record.__name__}.{name}"
        else:
            assert not markers, f"{record.__name__}.{name} is not constrained in the model"


def test_handlers_are_model_operations_with_their_paginators():
    spec = load_spec()
    for operation in HANDLERS:
        assert operation in spec.operation_names
        # ListReviewPolicyResultsForHIT takes a NextToken, but the model gives it no paginator.
        if operation.startswith("List") and operation != "ListReviewPolicyResultsForHIT":
            paginator = spec.paginator(operation)
            assert paginator.input_token == paginator.output_token == "NextToken"
            assert paginator.limit_key == "MaxResults"
