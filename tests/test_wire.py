"""Timestamps and encoding as the real service writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import botocore.session
import pytest
from botocore.parsers import create_parser
from hypothesis import given
from hypothesis import strategies as st

from mockturk.spec import load_spec
from mockturk.wire import (
    EPOCH,
    RawJSON,
    encode,
    encode_record,
    encode_timestamp,
    from_epoch_seconds,
    java_double,
    to_micros,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1558393704.0, "1.558393704E9"),  # byte-exact with a recorded real response
        (1514770012.054, "1.514770012054E9"),
        (1700000000.0, "1.7E9"),
        (1e10, "1.0E10"),
        (0.0, "0.0"),
        (12345.0, "12345.0"),
        (0.5, "0.5"),
        (1e-4, "1.0E-4"),
        (-1558393704.0, "-1.558393704E9"),
    ],
)
def test_java_double(value, text):
    assert java_double(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_java_double_round_trips_every_float(value):
    assert float(java_double(value)) == value


instants = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


BOTOCORE_MODEL = botocore.session.get_session().get_service_model("mturk")


@given(instants)
def test_timestamps_survive_botocore_to_the_microsecond(instant):
    text = encode_timestamp(instant).decode()
    assert ("E" in text) == (instant.timestamp() >= 1e7)  # Java switches notation at 10^7
    # botocore turns a numeric timestamp into an aware datetime; it must be the same instant.
    parser = create_parser("json")
    shape = BOTOCORE_MODEL.shape_for("Assignment")  # the client's own reading of the model
    response = {"body": b'{"SubmitTime":' + text.encode() + b"}", "headers": {}, "status_code": 200}
    parsed = parser.parse(response, shape)
    assert parsed["SubmitTime"] == instant


@given(st.one_of(st.integers(0, 4_102_444_800), instants.map(lambda d: d.timestamp())))
def test_request_epoch_seconds_become_aware_instants(seconds):
    instant = from_epoch_seconds(seconds)
    assert instant.tzinfo is not None
    assert abs(instant.timestamp() - seconds) < 1e-6


def test_encode_follows_model_order_and_leaves_out_unset_members():
    shape = load_spec().shape("Assignment")
    value = {
        "SubmitTime": datetime(2019, 5, 20, 23, 8, 24, tzinfo=UTC),
        "AssignmentId": "3A",
        "Deadline": None,
        "AssignmentStatus": "Submitted",
    }
    assert encode(shape, value) == (
        b'{"AssignmentId":"3A","AssignmentStatus":"Submitted","SubmitTime":1.558393704E9}'
    )


def test_raw_json_is_embedded_as_it_is():
    shape = load_spec().operation("ListHITs").output_shape
    value = {"NumResults": 1, "HITs": [RawJSON(b'{"HITId":"3A"}')]}
    assert encode(shape, value) == b'{"NumResults":1,"HITs":[{"HITId":"3A"}]}'


def test_stored_records_encode_exactly_as_their_shapes_say(default_dataset):
    """The store's fast record encoder agrees byte for byte with the shape-driven one."""
    spec = load_spec()
    for shape_name, records in (
        ("HIT", default_dataset.hits),
        ("Assignment", default_dataset.assignments),
    ):
        shape = spec.shape(shape_name)
        for record in records:
            expected = encode(shape, record.to_api())
            wrapped = encode(spec.operation("GetAssignment").output_shape,
                             {shape_name: RawJSON(encode_record(record.to_api()))})  # fmt: skip
            assert wrapped == b'{"' + shape_name.encode() + b'":' + expected + b"}"


@given(st.integers(min_value=-62_135_596_800_000, max_value=253_402_300_799_999))
def test_timestamps_of_whole_milliseconds_take_the_short_path_to_the_same_text(millis):
    instant = EPOCH + timedelta(milliseconds=millis)
    expected = java_double(to_micros(instant) / 1_000_000).encode()
    assert encode_timestamp(instant) == expected
