"""Large JSON documents parsed a piece at a time give what one orjson.loads gives: the same
value, or the same error."""

import json
import types

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import fuzz_settings

from mockturk import json_pieces

# Texts that look like the places pieces are cut, or like JSON's structure.
TRICKY = ['},{"AssignmentId":"', "}]", '"}', "\\", "},\n{", "],", ":", "{", "ü", "\u2028", "\ud800"]
texts = st.one_of(st.text(max_size=12), st.sampled_from(TRICKY))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), texts)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
records = st.fixed_dictionaries({"AssignmentId": texts}, optional={"Answer": values}).flatmap(
    lambda head: st.dictionaries(texts, values, max_size=4).map(lambda rest: {**head, **rest})
)
documents = st.dictionaries(
    st.sampled_from(["HITs", "Assignments", "Account", "Clock", "x", ""]),
    st.one_of(st.lists(records, max_size=30), values),
    min_size=1,
    max_size=4,
)
SPELLINGS = [
    lambda doc: orjson.dumps(doc),
    lambda doc: json.dumps(doc, allow_nan=True).encode(),
    lambda doc: json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8", "surrogatepass"),
    lambda doc: json.dumps(doc, separators=(",\n", " : ")).encode(),
]


def outcome(parse, raw):
    try:
        return "value", parse(raw)
    except orjson.JSONDecodeError as error:
        return "error", str(error)


def in_pieces(raw):
    return json_pieces.loads(raw, whole_below=0, piece_bytes=40)


def spell(doc, how):
    try:
        return SPELLINGS[how](doc)
    except (TypeError, ValueError, UnicodeEncodeError):
        return json.dumps(doc).encode()  # ASCII, escaping what the spelling could not write


@fuzz_settings(max_examples=60)
@given(documents, st.integers(0, len(SPELLINGS) - 1))
def test_a_document_in_pieces_is_what_orjson_reads(doc, how):
    raw = spell(doc, how)
    assert outcome(in_pieces, raw) == outcome(orjson.loads, raw)


@fuzz_settings(max_examples=60)
@given(documents, st.integers(0, len(SPELLINGS) - 1), st.data())
def test_a_damaged_document_in_pieces_is_what_orjson_reads(doc, how, data):
    raw = spell(doc, how)
    at = data.draw(st.integers(0, len(raw)))
    damage = data.draw(st.sampled_from([b"", b"}", b"]", b",", b'"', b"\xff", b" x", b"{}"]))
    cut = data.draw(st.integers(0, 3))
    damaged = raw[:at] + damage + raw[at + cut :]
    assert outcome(in_pieces, damaged) == outcome(orjson.loads, damaged)


def test_deep_nesting_is_refused_or_read_as_orjson_does():
    for depth in range(1018, 1027):
        nested = b"[" * depth + b"]" * depth
        record = b'{"AssignmentId":"3A","Answer":' + nested + b"}"
        raw = b'{"Assignments":[' + b",".join([record] * 3) + b'],"Clock":' + nested + b"}"
        (kind, value), expected = outcome(in_pieces, raw), outcome(orjson.loads, raw)
        assert kind == expected[0]
        assert same(value, expected[1]) if kind == "value" else value == expected[1]


def same(a, b):
    """a == b, for values nested too deep for ==."""
    pending = [(a, b)]
    while pending:
        a, b = pending.pop()
        if type(a) is not type(b):
            return False
        if isinstance(a, dict):
            if list(a) != list(b):
                return False
            pending += [(a[key], b[key]) for key in a]
        elif isinstance(a, list):
            if len(a) != len(b):
                return False
            pending += zip(a, b, strict=True)
        elif a != b:
            return False
    return True


def test_records_are_read_a_piece_at_a_time(monkeypatch):
    hits = [
        {"HITId": f"3H{n}", "QualificationRequirements": [{"a": [1]}, {"b": 2}]} for n in range(500)
    ]
    assignments = [{"AssignmentId": f"3A{n}", "Answer": "x" * 100} for n in range(2000)]
    raw = json.dumps({"HITs": hits, "Assignments": assignments, "Clock": {}}, indent=1).encode()
    parsed = []

    def loads(data):
        parsed.append(len(data))
        return orjson.loads(data)

    spy = types.SimpleNamespace(loads=loads, JSONDecodeError=orjson.JSONDecodeError)
    monkeypatch.setattr(json_pieces, "orjson", spy)
    assert json_pieces.loads(raw, whole_below=0, piece_bytes=20_000) == orjson.loads(raw)
    assert max(parsed) < 25_000 < len(raw)


@pytest.mark.parametrize(
    "raw", [b"", b" ", b"[]", b"{}", b'{"HITs":[]}', b'{"a":1} x', b"\xef\xbb\xbf{}"]
)
def test_odd_documents_are_what_orjson_reads(raw):
    assert outcome(in_pieces, raw) == outcome(orjson.loads, raw)
