"""Checkpoints in the line form read a few records at a time give what reading them whole gives:
the document orjson reads, the journal replayed over it as over the whole, and for a damaged
one either that same document or a reading of the whole file."""

import tempfile
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import fuzz_settings

from mockturk.durable import line_form
from mockturk.durable.keeper import replayed
from mockturk.durable.kinds import BY_SECTION
from mockturk.durable.line_form import Unstreamable, opened, written
from mockturk.fixtures import Stream

# Texts that look like the line form's structure, or like JSON's.
TRICKY = ["\n]", "],\n", '":[', "\n", "}", "{\n", ",", '"', "\\", "ü", "\u2028"]
texts = st.one_of(st.text(max_size=6), st.sampled_from(TRICKY))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), texts)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
# Sections of each sort the replay knows: one key, a key of two fields, a kind the store moves
# to the end when replaced, and a kind of several records a key.
KEYED = ("HITs", "Assignments", "Qualifications", "Messages")
DAMAGES = [b"", b"\n", b"]", b",", b'"', b"\xff", b"[", b"{}", b"\n]"]


def record_of(section, key):
    fields = BY_SECTION[section].key_fields
    parts = key if isinstance(key, tuple) else (key,)
    return dict(zip(fields, parts, strict=True))


def keys_of(section):
    single = st.sampled_from(["3A", "3B", "3C", "3D", "\n]", "x"])
    return st.tuples(single, single) if len(BY_SECTION[section].key_fields) > 1 else single


def records(section, keys=None):
    key = keys if keys is not None else keys_of(section)
    return st.builds(
        lambda key, rest: {**rest, **record_of(section, key)},
        key,
        st.dictionaries(texts, values, max_size=3),
    )


def sections(unique):
    def listed(section):
        key = BY_SECTION[section].key_of
        unique_by = key if unique and not BY_SECTION[section].many else None
        return st.lists(records(section), max_size=8, unique_by=unique_by)

    return st.fixed_dictionaries(
        {},
        optional={
            **{section: listed(section) for section in KEYED},
            "Account": st.fixed_dictionaries({"AvailableBalance": st.just("10.00")}),
            "x": st.lists(values, max_size=3),  # not a kind's: read as it is
            "HIT": values,
        },
    )


def line_form_of(document):
    return b"".join(written(document))


@contextmanager
def checkpoint(raw):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "state-1.json"
        path.write_bytes(raw)
        with mock.patch.object(line_form, "PIECE_BYTES", 64):  # many pieces, even small files
            yield path


def materialized(document, order):
    """The document with its streams read, in ``order`` (the load reads sections in its own)."""
    read = {name: list(document[name]) for name in order if isinstance(document[name], Stream)}
    return {name: read.get(name, value) for name, value in document.items()}


@fuzz_settings(max_examples=80)
@given(sections(unique=False), st.data())
def test_a_document_in_the_line_form_reads_back_as_orjson_reads_it(document, data):
    raw = line_form_of(document)
    assert raw.startswith(b"{\n")
    assert orjson.loads(raw) == document
    order = data.draw(st.permutations(list(document)))
    with checkpoint(raw) as path, opened(path, BY_SECTION) as streamed:
        got = materialized(streamed, order)
    assert got == document
    assert list(got) == list(document)


def changes(document):
    """Journal entries as a keeper writes them: records of the keyed sections (those held and
    new ones) written again or removed, a few an entry."""

    def change(section):
        many = BY_SECTION[section].many
        held = [BY_SECTION[section].key_of(r) for r in document.get(section, [])]
        key = st.sampled_from(held) | keys_of(section) if held else keys_of(section)
        return key.flatmap(
            lambda k: st.tuples(
                st.just(section),
                st.just(list(k) if isinstance(k, tuple) else k),
                st.none()
                | (
                    st.lists(records(section, st.just(k)), min_size=1, max_size=2)
                    if many
                    else records(section, st.just(k))
                ),
            )
        )

    entry = st.lists(st.sampled_from(KEYED).flatmap(change), min_size=1, max_size=3)
    return st.lists(entry, max_size=12).map(
        lambda entries: [
            orjson.dumps({"records": records, "control": {"entry": n}})
            for n, records in enumerate(entries)
        ]
    )


@fuzz_settings(max_examples=80)
@given(sections(unique=True).flatmap(lambda d: st.tuples(st.just(d), changes(d))), st.data())
def test_the_journal_replayed_over_the_stream_is_replayed_over_the_whole(given_, data):
    document, entries = given_
    raw = line_form_of(document)
    whole = orjson.loads(raw)
    control = replayed(whole, entries, {"entry": None})
    with checkpoint(raw) as path, opened(path, BY_SECTION) as streamed:
        assert replayed(streamed, entries, {"entry": None}) == control
        got = materialized(streamed, data.draw(st.permutations(list(streamed))))
    assert got == whole
    assert list(got) == list(whole)


@fuzz_settings(max_examples=150)
@given(sections(unique=True), st.data())
def test_a_damaged_line_form_reads_as_orjson_reads_it_or_is_read_whole(document, data):
    raw = line_form_of(document)
    at = data.draw(st.integers(0, len(raw)))
    damage = data.draw(st.sampled_from(DAMAGES))
    damaged = raw[:at] + damage + raw[at + data.draw(st.integers(0, 3)) :]
    with checkpoint(damaged) as path:
        try:
            with opened(path, BY_SECTION) as streamed:
                if streamed is None:
                    return  # read whole
                got = materialized(streamed, data.draw(st.permutations(list(streamed))))
        except Unstreamable:
            return  # read whole
    assert got == orjson.loads(damaged)


def test_a_record_twice_or_without_its_key_in_a_journaled_section_is_read_whole():
    entries = [orjson.dumps({"records": [["HITs", "3A", {"HITId": "3A"}]], "control": {}})]
    for held in ([{"HITId": "3B"}, {"HITId": "3B"}], [{"HITId": "3B"}, {"Title": "none"}], [5]):
        with checkpoint(line_form_of({"HITs": held})) as path, opened(path, BY_SECTION) as streamed:
            replayed(streamed, entries, {})
            with pytest.raises(Unstreamable):
                list(streamed["HITs"])
        # ... and unjournaled, the records are what they are (the load checks them).
        with checkpoint(line_form_of({"HITs": held})) as path, opened(path, BY_SECTION) as streamed:
            assert list(streamed["HITs"]) == held


def test_a_section_is_parsed_a_piece_at_a_time_and_read_once():
    hits = [{"HITId": f"3H{n}", "Title": "x" * 40} for n in range(100)]
    parsed = []

    def spy(raw):
        parsed.append(len(raw))
        return orjson.loads(raw)

    with checkpoint(line_form_of({"HITs": hits})) as path, opened(path, BY_SECTION) as streamed:
        with mock.patch.object(line_form, "_parsed", spy):
            records = iter(streamed["HITs"])
            assert next(records) == hits[0]
            assert len(parsed) == 1 and parsed[0] < 200  # one piece parsed: the first lines
            assert [hits[0], *records] == hits
            assert len(parsed) > 10
        with pytest.raises(RuntimeError, match="read once"):
            list(streamed["HITs"])


def test_a_checkpoint_not_in_the_line_form_is_read_whole():
    document = {"HITs": [{"HITId": "3A"}]}
    twice = b'{\n"HITs":[\n{"HITId":"3A"}\n],\n"HITs":[\n{"HITId":"3B"}\n]\n}\n'
    for raw in (orjson.dumps(document), b" " + line_form_of(document), b"", b"{\n", twice):
        with checkpoint(raw) as path:
            try:
                with opened(path, BY_SECTION) as streamed:
                    assert streamed is None
            except Unstreamable:
                assert raw in (b"{\n", twice)  # begun as the line form: found on the way
    with opened(Path("/nonexistent/state-1.json"), BY_SECTION) as streamed:
        assert streamed is None  # reading it whole says why it cannot be read
