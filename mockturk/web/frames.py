"""The task as MTurk framed it: an ExternalQuestion's URL and an HTMLQuestion's content in a
frame, with the parameters MTurk added; a QuestionForm rendered by the site itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from mockturk.domain.questions import QuestionInfo
from mockturk.domain.records import Assignment
from mockturk.web import SITE
from mockturk.worker.endpoints import EXTERNAL_SUBMIT

PREVIEW_ASSIGNMENT = "ASSIGNMENT_ID_NOT_AVAILABLE"
# The frame of a requester's own page keeps that page's origin (its cookies, its storage), as
# the real worker site allowed (**chosen**: the real attribute list is not documented).
EXTERNAL_SANDBOX = "allow-scripts allow-forms allow-same-origin allow-popups"
# HTML given in a HIT runs in an origin of its own, never the site's.
HTML_SANDBOX = "allow-scripts allow-forms"
HTML_CONTENT_POLICY = "sandbox " + HTML_SANDBOX

# Where requesters' pages post and which script they load: MTurk's hosts, kept in HTMLContent.
_SUBMIT_URL = re.compile(
    r"(?:https?:)?//(?:www|workersandbox)\.mturk\.com/mturk/externalSubmit", re.IGNORECASE
)
_SUBMIT_SCRIPT = re.compile(
    r"(?:https?:)?//s3\.amazonaws\.com/mturk-public/externalHIT_v1\.js", re.IGNORECASE
)


@dataclass(frozen=True)
class Frame:
    src: str
    height: int  # pixels; 0: as high as the window
    sandbox: str


def frame_parameters(
    hit_id: str, assignment: Assignment | None, submit_to: str
) -> list[tuple[str, str]]:
    """What MTurk appended to a task's URL: in preview only the placeholder assignment and the
    HIT; once accepted, assignment, HIT, worker and where to submit, in that order."""
    if assignment is None:
        return [("assignmentId", PREVIEW_ASSIGNMENT), ("hitId", hit_id)]
    return [
        ("assignmentId", assignment.AssignmentId),
        ("hitId", hit_id),
        ("workerId", assignment.WorkerId),
        ("turkSubmitTo", submit_to),
    ]


def with_parameters(url: str, parameters: list[tuple[str, str]]) -> str:
    """``url`` with ``parameters`` after the query it has (one ``?``), before any fragment."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(parameters)) if q)
    return urlunsplit(parts._replace(query=query))


def task_frame(
    info: QuestionInfo, hit_id: str, assignment: Assignment | None, origin: str, content_url: str
) -> Frame | None:
    """The frame a task shows in (None for a QuestionForm, which is no frame)."""
    parameters = frame_parameters(hit_id, assignment, origin)
    height = info.frame_height or 0
    if info.kind == "ExternalQuestion" and info.external_url is not None:
        src = with_parameters(info.external_url, parameters)
        same_origin = _origin(info.external_url) == origin.lower()
        # A page of this very server gets no origin of its own: it must not script the site.
        sandbox = HTML_SANDBOX if same_origin else EXTERNAL_SANDBOX
        return Frame(src, height, sandbox)
    if info.kind == "HTMLQuestion":
        return Frame(with_parameters(content_url, parameters), height, HTML_SANDBOX)
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def served_content(content: str, origin: str) -> str:
    """An HTMLQuestion's content as the site serves it: posts to MTurk's externalSubmit go to
    this server's, and MTurk's externalHIT_v1.js is this server's own equivalent."""
    content = _SUBMIT_URL.sub(lambda _: origin + EXTERNAL_SUBMIT, content)
    return _SUBMIT_SCRIPT.sub(lambda _: origin + SUBMIT_SCRIPT_PATH, content)


SUBMIT_SCRIPT_PATH = SITE + "/static/externalHIT_v1.js"
