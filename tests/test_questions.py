"""Question and QuestionFormAnswers documents: what is accepted, what is refused and why, and the
answers written exactly as the real service wrote them."""

from __future__ import annotations

import re
import tracemalloc
import xml.etree.ElementTree as ET

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from support import fuzz_settings

from mockturk.domain.questions import (
    ANSWERS_NAMESPACE,
    EMPTY_ANSWERS,
    EXTERNAL_QUESTION_NAMESPACE,
    HTML_QUESTION_NAMESPACE,
    QUESTION_FORM_NAMESPACES,
    RESERVED_FIELDS,
    FormQuestion,
    answers_document,
    check_answers_document,
    check_question,
    check_submittable,
    submitted_fields,
)
from mockturk.errors import ParameterValidationError
from mockturk.models import Assignment
from mockturk.quoted import MAX_CHARS

FORM = QUESTION_FORM_NAMESPACES[0]


def external(url: str = "https://example.org/task?x=1&amp;y=2", height: str = "600") -> str:
    return (
        f'<ExternalQuestion xmlns="{EXTERNAL_QUESTION_NAMESPACE}"><ExternalURL>{url}</ExternalURL>'
        f"<FrameHeight>{height}</FrameHeight></ExternalQuestion>"
    )


def html(content: str = "<![CDATA[<!DOCTYPE html><html><body>Hi</body></html>]]>") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<HTMLQuestion xmlns="{HTML_QUESTION_NAMESPACE}">'
        f"<HTMLContent>{content}</HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"
    )


def form(*questions: str, namespace: str = FORM) -> str:
    return f'<QuestionForm xmlns="{namespace}">{"".join(questions)}</QuestionForm>'


def question(identifier: str, answer: str) -> str:
    return (
        f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
        "<QuestionContent><Text>?</Text></QuestionContent>"
        f"<AnswerSpecification>{answer}</AnswerSpecification></Question>"
    )


FREE_TEXT = "<FreeTextAnswer><Constraints><Length maxLength='10'/></Constraints></FreeTextAnswer>"
SELECTIONS = (
    "<SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>"
    "<Selection><SelectionIdentifier>yes</SelectionIdentifier><Text>Yes</Text></Selection>"
    "<Selection><SelectionIdentifier>no</SelectionIdentifier><Text>No</Text></Selection>"
    "<OtherSelection/></Selections></SelectionAnswer>"
)


def refusal(document: str, **options: bool) -> ParameterValidationError:
    with pytest.raises(ParameterValidationError) as caught:
        check_question(document, **options)
    error = caught.value
    assert (
        error.status == 400 and error.turk_error_code == "AWS.MechanicalTurk.InvalidParameterValue"
    )
    assert "Traceback" not in error.message
    return error


def reason(document: str) -> str:
    """The sentences after ``The value "..." is not valid for the parameter Question.``"""
    error = refusal(document)
    assert error.parameter == "Question"
    prefix = "is not valid for the parameter Question. "
    assert prefix in error.message
    return error.message.rpartition(prefix)[2]


# --- The three kinds ------------------------------------------------------------------------------


def test_external_question():
    info = check_question(external(url="\n  https://example.org/task?x=1&amp;y=2\n"))
    assert info.kind == "ExternalQuestion" and info.namespace == EXTERNAL_QUESTION_NAMESPACE
    assert info.external_url == "https://example.org/task?x=1&y=2"  # entity read, spaces trimmed
    assert info.frame_height == 600


def test_http_is_accepted_unless_https_is_strict():
    local = external(url="http://localhost:22362/ad")
    assert check_question(local).external_url == "http://localhost:22362/ad"
    error = refusal(local, strict_https=True)
    assert error.parameter == "ExternalURL"
    assert error.message == (
        'The value "http://localhost:22362/ad" is not valid for the parameter ExternalURL.'
        " This URL must use the HTTPS protocol.."
    )
    assert check_question(external(), strict_https=True).external_url.startswith("https://")


@pytest.mark.parametrize("url", ["ftp://example.org/x", "/task", "localhost:5000/task", "http://"])
def test_external_url_must_be_an_absolute_web_url(url):
    error = refusal(external(url=url))
    assert error.parameter == "ExternalURL"
    assert error.message == (
        f'The value "{url}" is not valid for the parameter ExternalURL.'
        " This URL must be an absolute URL using the HTTP or HTTPS protocol."
    )


def test_html_question_keeps_its_content_even_with_a_doctype_inside():
    info = check_question(html())
    assert info.kind == "HTMLQuestion" and info.frame_height == 0
    assert info.html_content == "<!DOCTYPE html><html><body>Hi</body></html>"


def test_question_form_lists_its_questions_and_answers():
    upload = "<FileUploadAnswer><MaxFileSizeInBytes>9</MaxFileSizeInBytes></FileUploadAnswer>"
    document = form(
        "<Overview><Title>Survey</Title></Overview>",
        question("comment", FREE_TEXT),
        question("agree", SELECTIONS),
        question("photo", upload),
    )
    info = check_question(document)
    assert info.kind == "QuestionForm"
    assert info.questions == (
        FormQuestion("comment", "FreeText"),
        FormQuestion("agree", "Selection", ("yes", "no"), other_selection=True),
        FormQuestion("photo", "FileUpload"),
    )


def test_the_2017_question_form_schema_is_accepted():
    info = check_question(form(question("q", FREE_TEXT), namespace=QUESTION_FORM_NAMESPACES[1]))
    assert info.namespace.endswith("2017-11-06/QuestionForm.xsd")


# --- What is refused ------------------------------------------------------------------------------

EXTERNAL_NS = f"the namespace {EXTERNAL_QUESTION_NAMESPACE}"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("", "The document is not well-formed XML: no element found: line 1, column 0."),
        ("plain text", "The document is not well-formed XML: syntax error: line 1, column 0."),
        (
            external().replace("</ExternalQuestion>", ""),
            "The document is not well-formed XML: no element found: line 1, column ",
        ),
        (
            "<ExternalQuestion><ExternalURL>https://x.org</ExternalURL></ExternalQuestion>",
            f"Its root element is ExternalQuestion without a namespace; ExternalQuestion must be"
            f" in {EXTERNAL_NS}.",
        ),
        (
            f'<QuestionForm xmlns="{EXTERNAL_QUESTION_NAMESPACE}"/>',
            f"Its root element is QuestionForm in {EXTERNAL_NS}; QuestionForm must be in the"
            f" namespace {FORM}.",
        ),
        (
            '<survey xmlns="urn:x"/>',
            "Its root element is survey in the namespace urn:x; a Question must be a"
            " QuestionForm, ExternalQuestion or HTMLQuestion document.",
        ),
        (
            f'<ExternalQuestion xmlns="{EXTERNAL_QUESTION_NAMESPACE}"><FrameHeight>1'
            "</FrameHeight></ExternalQuestion>",
            f"ExternalQuestion has no ExternalURL element in {EXTERNAL_NS}.",
        ),
        (external(url=" "), "ExternalURL must not be empty."),
        (
            external().replace("<FrameHeight>600</FrameHeight>", ""),
            f"ExternalQuestion has no FrameHeight element in {EXTERNAL_NS}.",
        ),
        (
            external(height="tall"),
            "FrameHeight must be a whole number of pixels from 0 to 2147483647, not 'tall'.",
        ),
        (
            external(height="-1"),
            "FrameHeight must be a whole number of pixels from 0 to 2147483647, not '-1'.",
        ),
        (
            external(height="9" * 5000),
            "FrameHeight must be a whole number of pixels from 0 to 2147483647, not '"
            + "9" * (MAX_CHARS - 1)
            + "...",
        ),
        (html(content="  "), "HTMLContent must not be empty."),
        (
            html(content="<html><body/></html>"),
            "HTMLContent must hold text, not XML elements (put markup in a CDATA section).",
        ),
        (
            html().replace("<FrameHeight>0</FrameHeight>", ""),
            f"HTMLQuestion has no FrameHeight element in the namespace {HTML_QUESTION_NAMESPACE}.",
        ),
        (
            form("<Overview><Text>Hi</Text></Overview>"),
            f"QuestionForm has no Question element in the namespace {FORM}.",
        ),
        (
            form(question("q", FREE_TEXT), question("q", SELECTIONS)),
            "The QuestionIdentifier 'q' is used by more than one Question.",
        ),
        (form(question(" ", FREE_TEXT)), "The QuestionIdentifier of Question 1 must not be empty."),
        (
            form("<Question><QuestionIdentifier>q</QuestionIdentifier></Question>"),
            "Question 'q' has no AnswerSpecification element.",
        ),
        (
            form(question("q", "")),
            "The AnswerSpecification of Question 'q' must hold one FreeTextAnswer,"
            " SelectionAnswer or FileUploadAnswer.",
        ),
        (
            form(question("q", "<SelectionAnswer><Selections/></SelectionAnswer>")),
            "The SelectionAnswer of Question 'q' has no Selections with a Selection.",
        ),
        (
            form(
                question(
                    "q",
                    "<SelectionAnswer><Selections><Selection><Text>A</Text></Selection>"
                    "</Selections></SelectionAnswer>",
                )
            ),
            f"Selection 1 of Question 'q' has no SelectionIdentifier element in the namespace"
            f" {FORM}.",
        ),
    ],
)
def test_refused_questions_say_why(document, expected):
    assert reason(document).startswith(expected)


def test_the_refused_value_is_quoted_within_bounds():
    document = html(content="x" * 60_000)[:-1]  # cut short: not well-formed
    error = refusal(document)
    assert error.message.startswith(f'The value "{document[:MAX_CHARS]}..." is not valid')
    assert len(error.message) < MAX_CHARS + 200


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE ExternalQuestion SYSTEM "http://127.0.0.1:1/evil.dtd">',
        "<!DOCTYPE ExternalQuestion>",
    ],
)
def test_document_type_declarations_are_refused_before_any_entity(doctype):
    document = doctype + external().replace("600", "&b;&secret;")
    assert reason(document) == (
        "The document must not contain a document type declaration (<!DOCTYPE>)."
    )


def test_many_nested_entities_are_refused_without_being_expanded():
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    document = f'<!DOCTYPE x [<!ENTITY l0 "lol">{laughs}]><x>&l9;</x>'
    tracemalloc.start()
    try:
        error = refusal(document)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "must not contain a document type declaration" in error.message
    # Expanded, the entities would make a billion "lol"s; refused, the peak is a few copies
    # of the document.
    assert peak < 100 * len(document)


# --- Answers --------------------------------------------------------------------------------------

HEAD = f'<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="{ANSWERS_NAMESPACE}">'


def test_answers_as_the_real_service_wrote_them():
    # The example of the fact sheet's 2021 serialization, to the byte.
    document = answers_document([("color", "teal"), ("comments", "")])
    assert document == (
        HEAD + "<Answer><QuestionIdentifier>color</QuestionIdentifier><FreeText>teal</FreeText>"
        "</Answer><Answer><QuestionIdentifier>comments</QuestionIdentifier><FreeText/></Answer>"
        "</QuestionFormAnswers>"
    )


def test_answers_escape_markup_and_write_non_ascii_as_references():
    document = answers_document(
        [("taskAnswers", '[{"a":"It\'s 5 < 6 & 7 > 2 \u2014 caf\u00e9 \U0001f600"}]')]
    )
    assert document == (
        HEAD + "<Answer><QuestionIdentifier>taskAnswers</QuestionIdentifier><FreeText>"
        '[{"a":"It\'s 5 &lt; 6 &amp; 7 &gt; 2 &#8212; caf&#233; &#128512;"}]'
        "</FreeText></Answer></QuestionFormAnswers>"
    )


def test_no_fields_give_the_empty_document_every_assignment_starts_with():
    assert answers_document([]) == EMPTY_ANSWERS
    assert Assignment.model_fields["Answer"].default == EMPTY_ANSWERS
    assert ET.fromstring(EMPTY_ANSWERS).tag == f"{{{ANSWERS_NAMESPACE}}}QuestionFormAnswers"


def read_back(document: str) -> list[tuple[str, str]]:
    root = ET.fromstring(document)
    ns = f"{{{ANSWERS_NAMESPACE}}}"
    return [
        (
            answer.findtext(f"{ns}QuestionIdentifier") or "",
            answer.findtext(f"{ns}FreeText") or "",
        )
        for answer in root
    ]


XML_CHARACTERS = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
fields = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=40)), max_size=6)


@fuzz_settings(max_examples=300)
@given(fields)
@example([("comment", "bell\x07")])
@example([("lines\r", "one\r\ntwo\n"), ("", "")])
def test_answers_read_back_as_the_fields_or_are_refused(given_fields):
    representable = all(
        XML_CHARACTERS.fullmatch(name) and XML_CHARACTERS.fullmatch(value)
        for name, value in given_fields
    )
    if not representable:
        with pytest.raises(ValueError, match=r"holds the character U\+[0-9A-F]{4}"):
            check_submittable(given_fields)
        with pytest.raises(ValueError):
            answers_document(given_fields)
        return
    document = answers_document(given_fields)
    assert document.isascii()
    assert ("\n" in document) == any("\n" in n + v for n, v in given_fields)  # else one line
    assert read_back(document) == given_fields
    assert check_answers_document(document) == document


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\ufffe", "\uffff"])
def test_a_character_xml_cannot_carry_is_refused_naming_the_field(character):
    with pytest.raises(ValueError) as caught:
        answers_document([("ok", "fine"), ("comment", f"a{character}b")])
    assert str(caught.value) == (
        f"The value of the field 'comment' holds the character U+{ord(character):04X},"
        " which an answer cannot carry."
    )


def test_submitted_fields_drop_the_reserved_names_and_later_duplicates():
    posted = [
        ("assignmentId", "3A"),
        ("color", "teal"),
        ("hitId", "3H"),
        ("size", "L"),
        ("color", "red"),
        ("workerId", "A1"),
        ("turkSubmitTo", "http://localhost"),
        ("AssignmentId", "kept: names are case-sensitive"),
    ]
    assert submitted_fields(posted) == [
        ("color", "teal"),
        ("size", "L"),
        ("AssignmentId", "kept: names are case-sensitive"),
    ]


@fuzz_settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from([*RESERVED_FIELDS, "a", "b", "c"]), st.text(max_size=3))))
def test_submitted_fields_keep_each_first_value_in_form_order(pairs):
    kept = submitted_fields(pairs)
    names = [name for name, _ in kept]
    assert len(names) == len(set(names)) and not RESERVED_FIELDS & set(names)
    firsts = {}
    for name, value in pairs:
        firsts.setdefault(name, value)
    assert kept == [(n, v) for n, v in firsts.items() if n not in RESERVED_FIELDS]


# --- Answers given by a client --------------------------------------------------------------------


def test_every_answer_of_the_bundled_data_set_is_accepted(default_dataset):
    for assignment in default_dataset.assignments:
        assert check_answers_document(assignment.Answer) == assignment.Answer


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("", "The document is not well-formed XML: no element found: line 1, column 0."),
        ("<QuestionFormAnswers>", "The document is not well-formed XML: no element found"),
        (
            "<QuestionFormAnswers/>",
            "Its root element is QuestionFormAnswers without a namespace, not"
            f" QuestionFormAnswers in the namespace {ANSWERS_NAMESPACE}.",
        ),
        (
            f'<QuestionFormAnswers xmlns="{ANSWERS_NAMESPACE}"><Reply/></QuestionFormAnswers>',
            f"Element 1 of QuestionFormAnswers is Reply in the namespace {ANSWERS_NAMESPACE}.",
        ),
        (
            f'<QuestionFormAnswers xmlns="{ANSWERS_NAMESPACE}"><Answer><FreeText>x</FreeText>'
            "</Answer></QuestionFormAnswers>",
            "Answer 1 does not start with a QuestionIdentifier.",
        ),
        (
            f'<QuestionFormAnswers xmlns="{ANSWERS_NAMESPACE}"><Answer><QuestionIdentifier>q'
            '</QuestionIdentifier><Score xmlns="">1</Score></Answer></QuestionFormAnswers>',
            "Answer 1 holds Score without a namespace, which a QuestionFormAnswers Answer"
            " cannot hold.",
        ),
        (
            "<!DOCTYPE QuestionFormAnswers>" + EMPTY_ANSWERS.split("?>", 1)[1],
            "The document must not contain a document type declaration (<!DOCTYPE>).",
        ),
    ],
)
def test_answers_documents_that_are_refused(document, expected):
    with pytest.raises(ValueError) as caught:
        check_answers_document(document)
    message = str(caught.value)
    assert message.startswith("The Answer must be a QuestionFormAnswers document. ")
    assert message.removeprefix("The Answer must be a QuestionFormAnswers document. ").startswith(
        expected
    )
