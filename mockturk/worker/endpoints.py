"""Simulated workers over HTTP, and the form a task page posts when the worker submits.

Under the control plane (JSON in and out, errors ``{"error": code, "message": text}``):

- ``POST /_mockturk/workers/{WorkerId}/accept`` ``{"HITId": ...}`` -> the new assignment
  (``AssignmentId``, ``HITId``, ``WorkerId``, ``AcceptTime``, ``Deadline``).
- ``POST /_mockturk/assignments/{AssignmentId}/submit`` with ``{"answers": {field: value}}``
  (each field one FreeText answer, as externalSubmit makes them) or ``{"Answer": document}``
  -> the assignment, with the fields GetAssignment shows.
- ``POST /_mockturk/assignments/{AssignmentId}/return`` -> the assignment returned.

And where MTurk's task pages post (``<turkSubmitTo>/mturk/externalSubmit``): a form with
``assignmentId`` and the worker's fields, answered with a small HTML page.
"""

from __future__ import annotations

import html
import urllib.parse
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mockturk.account import Account, exported
from mockturk.control import PREFIX, ControlError, json_response
from mockturk.domain.questions import (
    answers_document,
    check_answers_document,
    check_submittable,
    submitted_fields,
)
from mockturk.domain.records import Assignment
from mockturk.worker import actions
from mockturk.worker.actions import WorkerError

EXTERNAL_SUBMIT = "/mturk/externalSubmit"


class WorkerEndpoints:
    def __init__(self, account: Account) -> None:
        self.account = account

    def routes(self) -> dict[str, Any]:
        """Path to the endpoint answering POST there."""
        return {
            f"{PREFIX}/workers/{{worker_id}}/accept": self.accept,
            f"{PREFIX}/assignments/{{assignment_id}}/submit": self.submit,
            f"{PREFIX}/assignments/{{assignment_id}}/return": self.return_,
        }

    async def accept(self, request: Request) -> Response:
        body = await _object(request)
        hit_id = body.get("HITId")
        if not isinstance(hit_id, str):
            raise ControlError(400, "MalformedBody", 'Expected {"HITId": "..."}.')
        worker_id = request.path_params["worker_id"]
        assignment = _acting(lambda: actions.accept(self.account, worker_id, hit_id))
        state = exported(assignment)
        return json_response(
            {
                "AssignmentId": assignment.AssignmentId,
                "HITId": assignment.HITId,
                "WorkerId": assignment.WorkerId,
                "AcceptTime": state["AcceptTime"],
                "Deadline": state["Deadline"],
            }
        )

    async def submit(self, request: Request) -> Response:
        answer = _answer(await _object(request))
        assignment_id = request.path_params["assignment_id"]
        assignment = _acting(lambda: actions.submit(self.account, assignment_id, answer))
        return json_response(exported(assignment))

    async def return_(self, request: Request) -> Response:
        assignment_id = request.path_params["assignment_id"]
        assignment = _acting(lambda: actions.return_(self.account, assignment_id))
        return json_response({**exported(assignment), "AssignmentStatus": "Returned"})

    async def external_submit(self, request: Request) -> Response:
        """What a task page posts; errors are pages for the worker, and store nothing."""
        pairs = await form_pairs(request)
        given = dict(reversed(pairs))  # the first value of each name
        assignment_id = given.get("assignmentId", "")
        if not assignment_id or assignment_id == "ASSIGNMENT_ID_NOT_AVAILABLE":
            return _page("You must ACCEPT the HIT before you can submit the results.", 200)
        fields = submitted_fields(pairs)
        try:
            check_submittable(fields)
        except ValueError as error:
            return _page(f"Your answers cannot be submitted: {error}", 200)
        try:
            actions.submit(self.account, assignment_id, answers_document(fields))
        except WorkerError:
            return _page("This assignment is no longer available.", 200)
        return _page("Thank you: your work was submitted.", 200, title="Submitted")


FORM = "application/x-www-form-urlencoded"


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """The posted fields in order (an HTML form's default encoding; others carry none)."""
    if request.headers.get("content-type", FORM).split(";")[0].strip().lower() != FORM:
        return []
    body = (await request.body()).decode("utf-8", "replace")
    return urllib.parse.parse_qsl(body, keep_blank_values=True)


def _acting(action: Any) -> Assignment:
    try:
        result: Assignment = action()
    except WorkerError as error:
        raise ControlError(error.status, error.code, error.message) from None
    return result


async def _object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as error:
        raise ControlError(400, "MalformedBody", f"The body is not valid JSON ({error}).") from None
    if not isinstance(body, dict):
        raise ControlError(400, "MalformedBody", "The body must be a JSON object.")
    return body


def _answer(body: dict[str, Any]) -> str:
    """The QuestionFormAnswers document a submit gives, built or checked."""
    answers, answer = body.get("answers"), body.get("Answer")
    if set(body) - {"answers", "Answer"} or (answers is None) == (answer is None):
        raise ControlError(
            400,
            "MalformedBody",
            'Expected {"answers": {"field": "value", ...}} or {"Answer": "<QuestionFormAnswers'
            ' ...>"}.',
        )
    if answer is not None:
        if not isinstance(answer, str):
            raise ControlError(400, "MalformedBody", "Answer must be a string (an XML document).")
        try:
            return check_answers_document(answer)
        except ValueError as error:
            raise ControlError(400, "InvalidAnswer", str(error)) from None
    if not isinstance(answers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in answers.items()
    ):
        raise ControlError(400, "MalformedBody", "answers must map field names to text.")
    fields = list(answers.items())
    try:
        check_submittable(fields)
    except ValueError as error:
        raise ControlError(400, "InvalidAnswer", str(error)) from None
    return answers_document(fields)


def _page(message: str, status: int, title: str = "mockturk") -> Response:
    text = html.escape(message)
    return HTMLResponse(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><p>{text}</p></body></html>",
        status,
    )
