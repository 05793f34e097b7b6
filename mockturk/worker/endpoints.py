"""Simulated workers over HTTP, and the form a task page posts when the worker submits.

Under the control plane (JSON in and out, errors ``{"error": code, "message": text}``):

- ``POST /_mockturk/workers/{WorkerId}/accept`` ``{"HITId": ...}`` -> the new assignment
  (``AssignmentId``, ``HITId``, ``WorkerId``, ``AcceptTime``, ``Deadline``).
- ``POST /_mockturk/assignments/{AssignmentId}/submit`` with ``{"answers": {field: value}}``
  (each field one FreeText answer, as externalSubmit makes them) or ``{"Answer": document}``
  -> the assignment, with the fields GetAssignment shows.
- ``POST /_mockturk/assignments/{AssignmentId}/return`` -> the assignment returned.
- ``GET|POST /_mockturk/workers/{WorkerId}/profile`` (POST: fields to change, as
  ``{"Country": "US", "Subdivision": "PA", "Masters": true, "Adult": true, "Approved": 500,
  "Rejected": 5}``) -> the profile, with ``NumberHITsApproved`` and
  ``PercentAssignmentsApproved`` as the system qualifications derive them.
- ``POST /_mockturk/workers/{WorkerId}/qualification-requests`` ``{"QualificationTypeId": ...}``,
  with ``answers`` or ``Answer`` (as for a submit) when the type has a Test -> the request, and
  its ``Status``: Accepted (granted at once) or Pending.
- ``GET /_mockturk/workers/{WorkerId}/inbox`` -> ``{"Messages": [...]}``, oldest first.

And where MTurk's task pages post (``<turkSubmitTo>/mturk/externalSubmit``): a form with
``assignmentId`` and the worker's fields, answered with a small HTML page.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mockturk.account import exported
from mockturk.control import PREFIX, ControlError, json_response
from mockturk.domain.questions import (
    answers_document,
    check_answers_document,
    check_submittable,
    submitted_fields,
)
from mockturk.requesters import Requesters
from mockturk.worker import actions, qualifying
from mockturk.worker.actions import WorkerError

EXTERNAL_SUBMIT = "/mturk/externalSubmit"
T = TypeVar("T")


class WorkerEndpoints:
    def __init__(self, requesters: Requesters) -> None:
        self.requesters = requesters

    def routes(self) -> dict[str, Any]:
        """Path to the endpoint answering POST there, or to its endpoints by method."""
        return {
            f"{PREFIX}/workers/{{worker_id}}/accept": self.accept,
            f"{PREFIX}/assignments/{{assignment_id}}/submit": self.submit,
            f"{PREFIX}/assignments/{{assignment_id}}/return": self.return_,
            # Profiles, qualification requests and inboxes (mockturk.worker.qualifying)
            f"{PREFIX}/workers/{{worker_id}}/profile": {"GET": self.profile, "POST": self.profile},
            f"{PREFIX}/workers/{{worker_id}}/qualification-requests": self.request_qualification,
            f"{PREFIX}/workers/{{worker_id}}/inbox": {"GET": self.inbox},
        }

    async def accept(self, request: Request) -> Response:
        body = await _object(request)
        hit_id = body.get("HITId")
        if not isinstance(hit_id, str):
            raise ControlError(400, "MalformedBody", 'Expected {"HITId": "..."}.')
        worker_id = request.path_params["worker_id"]
        assignment = _acting(lambda: actions.accept(self.requesters, worker_id, hit_id))
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
        assignment = _acting(lambda: actions.submit(self.requesters, assignment_id, answer))
        return json_response(exported(assignment))

    async def return_(self, request: Request) -> Response:
        assignment_id = request.path_params["assignment_id"]
        assignment = _acting(lambda: actions.return_(self.requesters, assignment_id))
        return json_response({**exported(assignment), "AssignmentStatus": "Returned"})

    async def profile(self, request: Request) -> Response:
        changes = await _object(request) if request.method == "POST" else {}
        worker_id = request.path_params["worker_id"]
        return json_response(
            _acting(lambda: qualifying.profile(self.requesters, worker_id, changes))
        )

    async def request_qualification(self, request: Request) -> Response:
        body = await _object(request)
        type_id = body.pop("QualificationTypeId", None)
        if not isinstance(type_id, str):
            raise ControlError(
                400,
                "MalformedBody",
                'Expected {"QualificationTypeId": "...", "answers": {...}} (answers for a Test).',
            )
        answer = _answer(body) if body else None
        worker_id = request.path_params["worker_id"]
        made = _acting(
            lambda: qualifying.request_qualification(self.requesters, worker_id, type_id, answer)
        )
        return json_response({**exported(made), "Status": made.RequestStatus})

    async def inbox(self, request: Request) -> Response:
        worker_id = request.path_params["worker_id"]
        messages = _acting(lambda: qualifying.inbox(self.requesters, worker_id))
        return json_response({"Messages": [exported(m) for m in messages]})

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
            actions.submit(self.requesters, assignment_id, answers_document(fields))
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


def _acting(action: Callable[[], T]) -> T:
    try:
        result = action()
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
