"""Question documents (what a HIT asks) and QuestionFormAnswers documents (what a worker sent).

A HIT's Question is one of three XML documents, told apart by root element and namespace:
QuestionForm (MTurk renders the form itself), ExternalQuestion (a URL shown in a frame) and
HTMLQuestion (HTML shown in a frame). :func:`check_question` refuses anything else, as CreateHIT
did, and keeps what a worker page needs. A worker's answers are stored as a QuestionFormAnswers
document, written exactly as the real service wrote the answers of an externalSubmit form
(:func:`answers_document`).

Documents are parsed by the standard library's expat with document type declarations refused,
so no entity can be declared, expanded or fetched. This is not a schema validator: elements the
checks do not need are ignored.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from mockturk.errors import external_url_not_https, external_url_not_valid, question_not_valid
from mockturk.quoted import clipped, python_text

SCHEMAS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
QUESTION_FORM_NAMESPACES = (
    SCHEMAS + "2005-10-01/QuestionForm.xsd",
    SCHEMAS + "2017-11-06/QuestionForm.xsd",
)
EXTERNAL_QUESTION_NAMESPACE = SCHEMAS + "2006-07-14/ExternalQuestion.xsd"
HTML_QUESTION_NAMESPACE = SCHEMAS + "2011-11-11/HTMLQuestion.xsd"
ANSWERS_NAMESPACE = SCHEMAS + "2005-10-01/QuestionFormAnswers.xsd"

QuestionKind = Literal["QuestionForm", "ExternalQuestion", "HTMLQuestion"]
AnswerKind = Literal["FreeText", "Selection", "FileUpload"]

_KINDS: dict[str, QuestionKind] = {
    **{f"{{{ns}}}QuestionForm": "QuestionForm" for ns in QUESTION_FORM_NAMESPACES},
    f"{{{EXTERNAL_QUESTION_NAMESPACE}}}ExternalQuestion": "ExternalQuestion",
    f"{{{HTML_QUESTION_NAMESPACE}}}HTMLQuestion": "HTMLQuestion",
}
_NAMESPACE_OF = {
    "QuestionForm": QUESTION_FORM_NAMESPACES[0],
    "ExternalQuestion": EXTERNAL_QUESTION_NAMESPACE,
    "HTMLQuestion": HTML_QUESTION_NAMESPACE,
}
_ANSWER_ELEMENTS: dict[str, AnswerKind] = {
    "FreeTextAnswer": "FreeText",
    "SelectionAnswer": "Selection",
    "FileUploadAnswer": "FileUpload",
}
WEB_SCHEMES = ("http", "https")
# FrameHeight in pixels (0: as high as the worker's window), as a Java int holds it.
MAX_FRAME_HEIGHT = 2**31 - 1


@dataclass(frozen=True)
class FormQuestion:
    """One Question of a QuestionForm: what its answer is called and what it may hold."""

    identifier: str
    answer: AnswerKind
    selections: tuple[str, ...] = ()  # the SelectionIdentifiers of a Selection answer
    other_selection: bool = False  # a Selection answer that also takes free text
    # What a worker page shows; not part of what the answer may hold.
    prompt: str = field(default="", compare=False)  # the QuestionContent's Title and Text
    labels: tuple[str, ...] = field(default=(), compare=False)  # each Selection's Text
    multiple: bool = field(default=False, compare=False)  # more than one Selection allowed
    required: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class QuestionInfo:
    """What a Question document asks for, as far as the worker side needs it."""

    kind: QuestionKind
    namespace: str
    external_url: str | None = None  # ExternalQuestion
    html_content: str | None = None  # HTMLQuestion
    frame_height: int | None = None  # ExternalQuestion and HTMLQuestion
    questions: tuple[FormQuestion, ...] = ()  # QuestionForm
    overview: tuple[str, ...] = ()  # QuestionForm: the Overview's Title and Text, in order


# --- Reading documents ------------------------------------------------------------------------


class _NoDoctype(ET.TreeBuilder):
    """A tree builder that stops at a document type declaration, before any entity in it."""

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise ValueError("The document must not contain a document type declaration (<!DOCTYPE>).")


def _parse(text: str) -> ET.Element:
    """The root element of a well-formed XML document; ValueError with a sentence otherwise."""
    parser = ET.XMLParser(target=_NoDoctype())
    try:
        parser.feed(text)
        root: ET.Element = parser.close()
    except ET.ParseError as error:
        raise ValueError(f"The document is not well-formed XML: {error}.") from None
    except UnicodeEncodeError:
        raise ValueError("The document is not valid Unicode text.") from None
    return root


def _described(tag: str) -> str:
    """An element's name and namespace, as a message shows them."""
    namespace, brace, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if not brace:
        return f"{clipped(tag)} without a namespace"
    return f"{clipped(local)} in the namespace {clipped(namespace)}"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text_of(parent: ET.Element, namespace: str, name: str, owner: str) -> str:
    """The text of ``parent``'s child ``name`` (in ``namespace``), which must be there."""
    element = parent.find(f"{{{namespace}}}{name}")
    if element is None:
        raise ValueError(f"{owner} has no {name} element in the namespace {namespace}.")
    if len(element):
        raise ValueError(
            f"{name} must hold text, not XML elements (put markup in a CDATA section)."
        )
    return element.text or ""


# --- Questions ----------------------------------------------------------------------------------


def check_question(question: str, *, strict_https: bool = False) -> QuestionInfo:
    """What a HIT's Question asks for; ParameterValidationError naming the problem otherwise.

    ``strict_https`` refuses an ExternalURL that is not https, as the real service did; by
    default http is accepted too, since a local server and its pages rarely have TLS.
    """
    try:
        root = _parse(question)
        kind = _KINDS.get(root.tag)
        if kind is None:
            raise ValueError(_wrong_root(root.tag))
        namespace = root.tag[1:].partition("}")[0]
        if kind == "ExternalQuestion":
            url = _text_of(root, namespace, "ExternalURL", kind).strip()
            _check_external_url(url, strict_https)
            height = _frame_height(root, namespace, kind)
            return QuestionInfo(kind, namespace, external_url=url, frame_height=height)
        if kind == "HTMLQuestion":
            content = _text_of(root, namespace, "HTMLContent", kind)
            if not content.strip():
                raise ValueError("HTMLContent must not be empty.")
            height = _frame_height(root, namespace, kind)
            return QuestionInfo(kind, namespace, html_content=content, frame_height=height)
        return QuestionInfo(
            kind,
            namespace,
            questions=_form_questions(root, namespace),
            overview=_texts(root.find(f"{{{namespace}}}Overview"), namespace),
        )
    except ValueError as error:
        raise question_not_valid(question, str(error)) from None


def _wrong_root(tag: str) -> str:
    expected = _NAMESPACE_OF.get(_local(tag))
    if expected is not None:
        return (
            f"Its root element is {_described(tag)}; {_local(tag)} must be in the namespace"
            f" {expected}."
        )
    return (
        f"Its root element is {_described(tag)}; a Question must be a QuestionForm,"
        " ExternalQuestion or HTMLQuestion document."
    )


def _check_external_url(url: str, strict_https: bool) -> None:
    if not url:
        raise ValueError("ExternalURL must not be empty.")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise external_url_not_valid(url) from None
    scheme = parts.scheme.lower()
    if strict_https and scheme != "https":
        raise external_url_not_https(url)
    if scheme not in WEB_SCHEMES or not parts.netloc:
        raise external_url_not_valid(url)


_DIGITS = re.compile(r"\+?[0-9]{1,10}")


def _frame_height(root: ET.Element, namespace: str, kind: str) -> int:
    text = _text_of(root, namespace, "FrameHeight", kind).strip()
    height = int(text) if _DIGITS.fullmatch(text) else -1
    if not 0 <= height <= MAX_FRAME_HEIGHT:
        raise ValueError(
            f"FrameHeight must be a whole number of pixels from 0 to {MAX_FRAME_HEIGHT},"
            f" not {python_text(text)}."
        )
    return height


def _form_questions(root: ET.Element, namespace: str) -> tuple[FormQuestion, ...]:
    found: list[FormQuestion] = []
    seen: set[str] = set()
    for number, element in enumerate(root.iterfind(f"{{{namespace}}}Question"), 1):
        question = _form_question(element, namespace, number)
        if question.identifier in seen:
            raise ValueError(
                f"The QuestionIdentifier {python_text(question.identifier)} is used by more"
                " than one Question."
            )
        seen.add(question.identifier)
        found.append(question)
    if not found:
        raise ValueError(f"QuestionForm has no Question element in the namespace {namespace}.")
    return tuple(found)


def _form_question(element: ET.Element, namespace: str, number: int) -> FormQuestion:
    identifier = _text_of(element, namespace, "QuestionIdentifier", f"Question {number}")
    if not identifier.strip():
        raise ValueError(f"The QuestionIdentifier of Question {number} must not be empty.")
    named = f"Question {python_text(identifier)}"
    specification = element.find(f"{{{namespace}}}AnswerSpecification")
    if specification is None:
        raise ValueError(f"{named} has no AnswerSpecification element.")
    answers = [child for child in specification if _local(child.tag) in _ANSWER_ELEMENTS]
    if len(answers) != 1:
        raise ValueError(
            f"The AnswerSpecification of {named} must hold one FreeTextAnswer, SelectionAnswer"
            " or FileUploadAnswer."
        )
    kind = _ANSWER_ELEMENTS[_local(answers[0].tag)]
    prompt = "\n".join(_texts(element.find(f"{{{namespace}}}QuestionContent"), namespace))
    required = (element.findtext(f"{{{namespace}}}IsRequired") or "").strip() == "true"
    if kind != "Selection":
        return FormQuestion(identifier, kind, prompt=prompt, required=required)
    selections = answers[0].find(f"{{{namespace}}}Selections")
    choices = [] if selections is None else selections.findall(f"{{{namespace}}}Selection")
    if selections is None or not choices:
        raise ValueError(f"The SelectionAnswer of {named} has no Selections with a Selection.")
    identifiers = tuple(
        _text_of(choice, namespace, "SelectionIdentifier", f"Selection {index} of {named}")
        for index, choice in enumerate(choices, 1)
    )
    other = selections.find(f"{{{namespace}}}OtherSelection") is not None
    labels = tuple(
        (choice.findtext(f"{{{namespace}}}Text") or "").strip() or identifier
        for choice, identifier in zip(choices, identifiers, strict=True)
    )
    return FormQuestion(
        identifier,
        kind,
        identifiers,
        other,
        prompt=prompt,
        labels=labels,
        multiple=_multiple(answers[0], namespace),
        required=required,
    )


def _texts(parent: ET.Element | None, namespace: str) -> tuple[str, ...]:
    """The Title and Text children of an Overview or QuestionContent, in order (what a page
    shows of them; FormattedContent, images and media are left out)."""
    if parent is None:
        return ()
    wanted = {f"{{{namespace}}}Title", f"{{{namespace}}}Text"}
    return tuple((child.text or "").strip() for child in parent if child.tag in wanted)


_MULTIPLE_STYLES = frozenset({"checkbox", "multichooser", "list"})


def _multiple(answer: ET.Element, namespace: str) -> bool:
    """Whether a SelectionAnswer takes several selections: its MaxSelectionCount, or by default
    its StyleSuggestion."""
    most = (answer.findtext(f"{{{namespace}}}MaxSelectionCount") or "").strip()
    if most.isdigit():
        return int(most) > 1
    style = (answer.findtext(f"{{{namespace}}}StyleSuggestion") or "").strip()
    return style in _MULTIPLE_STYLES


# --- Answers ------------------------------------------------------------------------------------

XML_DECLARATION = '<?xml version="1.0" encoding="ASCII"?>'
EMPTY_ANSWERS = f'{XML_DECLARATION}<QuestionFormAnswers xmlns="{ANSWERS_NAMESPACE}"/>'
# The names externalSubmit reserves for itself: never stored as answers.
RESERVED_FIELDS = frozenset({"assignmentId", "hitId", "turkSubmitTo", "workerId"})
# What XML 1.0 cannot carry, even as a character reference: most C0 controls, U+FFFE, U+FFFF
# and lone surrogates.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ANSWER_PARTS = frozenset(
    f"{{{ANSWERS_NAMESPACE}}}{name}"
    for name in (
        "SelectionIdentifier",
        "OtherSelectionText",
        "FreeText",
        "UploadedFileSizeInBytes",
        "UploadedFileKey",
    )
)


def submitted_fields(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """What externalSubmit keeps of a posted form, in form order: every field but the reserved
    ones, and of a name given twice only its first value."""
    kept: dict[str, str] = {}
    for name, value in pairs:
        if name not in RESERVED_FIELDS and name not in kept:
            kept[name] = value
    return list(kept.items())


def check_submittable(fields: Iterable[tuple[str, str]]) -> None:
    """Refuse a field whose name or value holds a character no XML document can carry (a control
    character other than tab, newline and carriage return, U+FFFE, U+FFFF): the real service
    stored answers as XML, so it could not keep them either. ValueError naming the field."""
    for name, value in fields:
        for part, text in (("name", name), ("value", value)):
            bad = _NOT_XML.search(text)
            if bad is not None:
                raise ValueError(
                    f"The {part} of the field {python_text(name)} holds the character"
                    f" U+{ord(bad.group()):04X}, which an answer cannot carry."
                )


def answers_document(fields: Sequence[tuple[str, str]]) -> str:
    """The QuestionFormAnswers document of a submitted form, byte for byte as the real service
    wrote it: ASCII, one line, each field a FreeText answer, an empty value ``<FreeText/>``.

    ValueError (see :func:`check_submittable`) for a character XML cannot carry.
    """
    check_submittable(fields)
    if not fields:
        return EMPTY_ANSWERS
    answers = "".join(
        f"<Answer>{_element('QuestionIdentifier', name)}{_element('FreeText', value)}</Answer>"
        for name, value in fields
    )
    return (
        f'{XML_DECLARATION}<QuestionFormAnswers xmlns="{ANSWERS_NAMESPACE}">'
        f"{answers}</QuestionFormAnswers>"
    )


def question_form_answers(
    questions: Sequence[FormQuestion], pairs: Sequence[tuple[str, str]]
) -> str:
    """The QuestionFormAnswers document of a QuestionForm filled in on a page: each question's
    field by its QuestionIdentifier (a Selection's other text in ``<identifier>.other``), in
    the form's order; a FreeText as FreeText, each chosen selection as a SelectionIdentifier.

    An unanswered question is left out (**chosen**). ValueError naming the question for a
    required question left unanswered, a selection the question does not offer, several
    selections where one is allowed, or a character XML cannot carry.
    """
    check_submittable(pairs)
    answers = []
    for question in questions:
        parts = _answer_parts(question, [v for k, v in pairs if k == question.identifier], pairs)
        if not parts and question.required:
            raise ValueError(f"The question {python_text(question.identifier)} needs an answer.")
        if parts:
            answers.append(
                f"<Answer>{_element('QuestionIdentifier', question.identifier)}{parts}</Answer>"
            )
    if not answers:
        return EMPTY_ANSWERS
    return (
        f'{XML_DECLARATION}<QuestionFormAnswers xmlns="{ANSWERS_NAMESPACE}">'
        f"{''.join(answers)}</QuestionFormAnswers>"
    )


def _answer_parts(
    question: FormQuestion, values: list[str], pairs: Sequence[tuple[str, str]]
) -> str:
    named = python_text(question.identifier)
    if question.answer == "FreeText":
        return _element("FreeText", values[0]) if values and values[0].strip() else ""
    if question.answer != "Selection":
        return ""  # a page cannot upload files
    chosen = [v for v in values if v]
    unknown = [v for v in chosen if v not in question.selections]
    if unknown:
        raise ValueError(f"The question {named} offers no selection {python_text(unknown[0])}.")
    if len(chosen) > 1 and not question.multiple:
        raise ValueError(f"The question {named} takes one selection.")
    parts = "".join(_element("SelectionIdentifier", v) for v in chosen)
    other = dict(pairs).get(f"{question.identifier}.other", "") if question.other_selection else ""
    return parts + (_element("OtherSelectionText", other) if other.strip() else "")


def answer_values(document: str) -> list[tuple[str, list[str]]]:
    """Each Answer of a QuestionFormAnswers document: its QuestionIdentifier and the texts it
    holds, for reading; an empty list when the document cannot be read."""
    try:
        root = _parse(document)
    except ValueError:
        return []
    found = []
    for answer in root:
        texts = [(part.text or "") for part in answer]
        if texts:
            found.append((texts[0], texts[1:]))
    return found


def _element(name: str, text: str) -> str:
    return f"<{name}>{_escaped(text)}</{name}>" if text else f"<{name}/>"


def _escaped(text: str) -> str:
    """Text content in ASCII: markup characters escaped, quotes left raw, a carriage return
    (which a parser would read as a newline) and every non-ASCII character as a decimal
    character reference."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#13;")
    return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def check_answers_document(text: str) -> str:
    """``text`` if it is a well-formed QuestionFormAnswers document (the Answer a client gives
    for a submission); ValueError saying what is wrong otherwise."""
    try:
        _check_answers(_parse(text))
    except ValueError as error:
        raise ValueError(f"The Answer must be a QuestionFormAnswers document. {error}") from None
    return text


def _check_answers(root: ET.Element) -> None:
    expected = f"{{{ANSWERS_NAMESPACE}}}QuestionFormAnswers"
    if root.tag != expected:
        raise ValueError(
            f"Its root element is {_described(root.tag)}, not QuestionFormAnswers in the"
            f" namespace {ANSWERS_NAMESPACE}."
        )
    for number, answer in enumerate(root, 1):
        if answer.tag != f"{{{ANSWERS_NAMESPACE}}}Answer":
            raise ValueError(
                f"Element {number} of QuestionFormAnswers is {_described(answer.tag)}."
            )
        if not len(answer) or answer[0].tag != f"{{{ANSWERS_NAMESPACE}}}QuestionIdentifier":
            raise ValueError(f"Answer {number} does not start with a QuestionIdentifier.")
        for part in answer[1:]:
            if part.tag not in _ANSWER_PARTS:
                raise ValueError(
                    f"Answer {number} holds {_described(part.tag)}, which a QuestionFormAnswers"
                    " Answer cannot hold."
                )
