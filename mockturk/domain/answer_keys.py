"""AnswerKey documents: how a qualification test's answers are scored.

An AnswerKey lists, per question, answer options (a set of SelectionIdentifiers and the score
they earn) and optionally a QualificationValueMapping from the summed score to the value
granted: PercentageMapping (score as a percentage of MaximumSummedScore), ScaleMapping (times
SummedScoreMultiplier) or RangeMapping (the QualificationValue of the range the sum falls in,
else OutOfRangeQualificationValue). Without a mapping, the sum is the value.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from mockturk.domain.questions import ANSWERS_NAMESPACE, _parse

_ANSWER = f"{{{ANSWERS_NAMESPACE}}}"


@dataclass(frozen=True)
class AnswerKey:
    options: dict[str, list[tuple[frozenset[str], int]]]  # question -> (selections, score)
    mapping: ET.Element | None


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if child.tag.rpartition("}")[2] == name]


def _text(element: ET.Element, name: str) -> str:
    found = _children(element, name)
    if not found:
        raise ValueError(f"{element.tag.rpartition('}')[2]} has no {name}.")
    return (found[0].text or "").strip()


def _integer(element: ET.Element, name: str) -> int:
    text = _text(element, name)
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}.") from None


def parse_answer_key(text: str) -> AnswerKey:
    """The AnswerKey document; ValueError saying what is wrong with it."""
    root = _parse(text)
    if root.tag.rpartition("}")[2] != "AnswerKey":
        raise ValueError("The root element must be AnswerKey.")
    options: dict[str, list[tuple[frozenset[str], int]]] = {}
    for question in _children(root, "Question"):
        identifier = _text(question, "QuestionIdentifier")
        options[identifier] = [
            (
                frozenset((s.text or "").strip() for s in _children(option, "SelectionIdentifier")),
                _integer(option, "AnswerScore"),
            )
            for option in _children(question, "AnswerOption")
        ]
    mappings = _children(root, "QualificationValueMapping")
    key = AnswerKey(options, mappings[0] if mappings else None)
    if key.mapping is not None:
        score(key, {})  # a mapping that cannot be applied is refused now, not at a request
    return key


def given_answers(document: str) -> dict[str, frozenset[str]]:
    """Question -> what the worker chose (SelectionIdentifiers, or a FreeText answer)."""
    root = _parse(document)
    answers: dict[str, frozenset[str]] = {}
    for answer in root.iter(f"{_ANSWER}Answer"):
        identifier = answer.findtext(f"{_ANSWER}QuestionIdentifier", "").strip()
        chosen = [(s.text or "").strip() for s in answer.iter(f"{_ANSWER}SelectionIdentifier")]
        chosen += [(s.text or "").strip() for s in answer.iter(f"{_ANSWER}FreeText")]
        answers[identifier] = frozenset(chosen)
    return answers


def score(key: AnswerKey, answers: dict[str, frozenset[str]]) -> int:
    """The value a test with these answers earns."""
    summed = sum(
        points
        for question, options in key.options.items()
        for selections, points in options
        if answers.get(question) == selections
    )
    mapping = key.mapping
    if mapping is None:
        return summed
    kind = mapping[0].tag.rpartition("}")[2] if len(mapping) else ""
    if kind == "PercentageMapping":
        maximum = _integer(mapping[0], "MaximumSummedScore")
        return summed * 100 // maximum if maximum > 0 else 0
    if kind == "ScaleMapping":
        return summed * _integer(mapping[0], "SummedScoreMultiplier")
    if kind == "RangeMapping":
        for span in _children(mapping[0], "SummedScoreRange"):
            if (
                _integer(span, "InclusiveLowerBound")
                <= summed
                <= _integer(span, "InclusiveUpperBound")
            ):
                return _integer(span, "QualificationValue")
        return _integer(mapping[0], "OutOfRangeQualificationValue")
    raise ValueError(f"QualificationValueMapping holds {kind or 'nothing'}.")
