"""GetFileUploadURL, deprecated since 2017: a temporary URL for a FileUploadAnswer's file."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import support
from support import WireChecker

from mockturk.domain.questions import QUESTION_FORM_NAMESPACES
from mockturk.testing import InProcessServer

UPLOAD = "<FileUploadAnswer><MaxFileSizeInBytes>9999</MaxFileSizeInBytes></FileUploadAnswer>"
FREE_TEXT = "<FreeTextAnswer/>"


def question(identifier: str, answer: str) -> str:
    return (
        f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
        "<QuestionContent><Text>?</Text></QuestionContent>"
        f"<AnswerSpecification>{answer}</AnswerSpecification></Question>"
    )


FORM = (
    f'<QuestionForm xmlns="{QUESTION_FORM_NAMESPACES[0]}">'
    f"{question('photo', UPLOAD)}{question('comment', FREE_TEXT)}</QuestionForm>"
)


@pytest.fixture
def lab(lab_server: InProcessServer, wire: WireChecker) -> support.Lab:
    lab_server.reset(empty=True)
    return support.Lab(lab_server, wire)


def submitted(lab: support.Lab, question_form: str = FORM) -> str:
    hit = lab.mturk.create_hit(
        **support.LAB_HIT_TYPE, LifetimeInSeconds=600, Question=question_form
    )["HIT"]
    work = lab.server.worker("A1WORKER").accept(hit["HITId"])
    work.submit({"comment": "a cat"})
    return work.assignment_id  # type: ignore[no-any-return]


def test_a_file_question_gets_a_url_valid_for_60_seconds(lab):
    assignment_id = submitted(lab)
    url = lab.mturk.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier="photo")
    parts = urlsplit(url["FileUploadURL"])
    assert parts.scheme == "https" and parts.path == f"/{assignment_id}/photo"
    assert parse_qs(parts.query)["Expires"] == [str(int(lab.now.timestamp()) + 60)]


@pytest.mark.parametrize("question_id", ["comment", "nothing-of-that-name"])
def test_a_question_that_takes_no_file_is_refused(lab, question_id):
    assignment_id = submitted(lab)
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        lab.mturk.get_file_upload_url(AssignmentId=assignment_id, QuestionIdentifier=question_id)
    error = caught.value.response["Error"]
    assert error["Message"].startswith(
        f'The QuestionIdentifier "{question_id}" does not identify a FileUploadAnswer.'
    )


def test_an_unknown_assignment_does_not_exist(lab):
    with pytest.raises(lab.mturk.exceptions.RequestError) as caught:
        lab.mturk.get_file_upload_url(AssignmentId="3NOSUCH", QuestionIdentifier="photo")
    assert "Assignment 3NOSUCH does not exist" in caught.value.response["Error"]["Message"]
