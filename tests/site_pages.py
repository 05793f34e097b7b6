"""What the worker site's tests share: HITs of each question type, and a requester's own task
page (an ExternalQuestion's URL) served on loopback."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import support

SCHEMAS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"


def external_question(url: str, height: int = 400) -> str:
    return (
        f'<ExternalQuestion xmlns="{SCHEMAS}2006-07-14/ExternalQuestion.xsd">'
        f"<ExternalURL>{url}</ExternalURL><FrameHeight>{height}</FrameHeight></ExternalQuestion>"
    )


def html_question(content: str, height: int = 300) -> str:
    return (
        f'<HTMLQuestion xmlns="{SCHEMAS}2011-11-11/HTMLQuestion.xsd">'
        f"<HTMLContent><![CDATA[{content}]]></HTMLContent><FrameHeight>{height}</FrameHeight>"
        "</HTMLQuestion>"
    )


# The usual HTMLQuestion: MTurk's form, host and script, as requesters write it.
HTML_TASK = """<!DOCTYPE html>
<html><head><script src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js"></script></head>
<body>
<form name="mturk_form" method="post" id="mturk_form"
      action="https://www.mturk.com/mturk/externalSubmit">
  <input type="hidden" value="" name="assignmentId" id="assignmentId">
  <label>Favourite colour <input name="colour" id="colour"></label>
  <input type="submit" id="submitButton" value="Submit">
</form>
<script>turkSetAssignmentID();</script>
</body></html>"""


def question_form() -> str:
    def question(identifier: str, text: str, answer: str, required: bool = True) -> str:
        return (
            f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
            f"<IsRequired>{'true' if required else 'false'}</IsRequired>"
            f"<QuestionContent><Text>{text}</Text></QuestionContent>"
            f"<AnswerSpecification>{answer}</AnswerSpecification></Question>"
        )

    def selections(*choices: tuple[str, str], style: str = "radiobutton", most: int = 1) -> str:
        listed = "".join(
            f"<Selection><SelectionIdentifier>{i}</SelectionIdentifier><Text>{t}</Text></Selection>"
            for i, t in choices
        )
        return (
            f"<SelectionAnswer><MaxSelectionCount>{most}</MaxSelectionCount>"
            f"<StyleSuggestion>{style}</StyleSuggestion><Selections>{listed}</Selections>"
            "</SelectionAnswer>"
        )

    return (
        f'<QuestionForm xmlns="{SCHEMAS}2005-10-01/QuestionForm.xsd">'
        "<Overview><Title>A short survey</Title><Text>Three questions about you.</Text></Overview>"
        + question("language", "Your first language?", "<FreeTextAnswer/>")
        + question("age", "Your age?", selections(("18_24", "18 to 24"), ("25_34", "25 to 34")))
        + question(
            "pets",
            "Which pets do you have?",
            selections(("cat", "A cat"), ("dog", "A dog"), style="checkbox", most=2),
            required=False,
        )
        + "</QuestionForm>"
    )


# A qualification's Test and the AnswerKey that scores it: blue is right (100), red wrong (0).
QUALIFICATION_TEST = (
    f'<QuestionForm xmlns="{SCHEMAS}2017-11-06/QuestionForm.xsd">'
    "<Overview><Text>One question about the sky.</Text></Overview><Question>"
    "<QuestionIdentifier>color</QuestionIdentifier><IsRequired>true</IsRequired>"
    "<QuestionContent><Text>What colour is the sky?</Text></QuestionContent>"
    "<AnswerSpecification><SelectionAnswer><Selections>"
    "<Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text></Selection>"
    "<Selection><SelectionIdentifier>red</SelectionIdentifier><Text>Red</Text></Selection>"
    "</Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"
)
QUALIFICATION_ANSWER_KEY = (
    f'<AnswerKey xmlns="{SCHEMAS}2005-10-01/AnswerKey.xsd"><Question>'
    "<QuestionIdentifier>color</QuestionIdentifier>"
    "<AnswerOption><SelectionIdentifier>blue</SelectionIdentifier><AnswerScore>10</AnswerScore>"
    "</AnswerOption></Question><QualificationValueMapping><PercentageMapping>"
    "<MaximumSummedScore>10</MaximumSummedScore></PercentageMapping>"
    "</QualificationValueMapping></AnswerKey>"
)


def qualification_type(mturk: Any, name: str, **fields: Any) -> str:
    """A new qualification type's QualificationTypeId (Active unless ``fields`` say)."""
    params = {"Description": f"About {name}", "QualificationTypeStatus": "Active", **fields}
    created = mturk.create_qualification_type(Name=name, **params)
    return created["QualificationType"]["QualificationTypeId"]  # type: ignore[no-any-return]


def create(mturk: Any, question: str, title: str = "Rate five sentences", **fields: Any) -> str:
    """A new HIT's HITId."""
    params = {**support.LAB_HIT_TYPE, "Title": title, "LifetimeInSeconds": 3600, **fields}
    return mturk.create_hit(**params, Question=question)["HIT"]["HITId"]  # type: ignore[no-any-return]


def answers(mturk: Any, hit_id: str) -> list[dict[str, Any]]:
    return mturk.list_assignments_for_hit(HITId=hit_id)["Assignments"]  # type: ignore[no-any-return]


# A requester's own task page, as an ExternalQuestion's URL points at one: it shows the
# parameters it was given and posts its form to turkSubmitTo's externalSubmit.
EXTERNAL_TASK = b"""<!DOCTYPE html>
<html><body>
<p id="params"></p>
<form id="task" method="post">
  <input type="hidden" name="assignmentId" id="assignmentId">
  <label>How do you feel? <input name="feeling" id="feeling"></label>
  <button type="submit" id="send">Send</button>
</form>
<script>
  const given = new URLSearchParams(location.search);
  document.getElementById("params").textContent = ["assignmentId", "hitId", "workerId"]
    .map((name) => `${name}: ${given.get(name)}`).join(", ");
  document.getElementById("assignmentId").value = given.get("assignmentId");
  document.getElementById("task").action = given.get("turkSubmitTo") + "/mturk/externalSubmit";
</script>
</body></html>"""


class _TaskPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(EXTERNAL_TASK)))
        self.end_headers()
        self.wfile.write(EXTERNAL_TASK)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def task_page_server() -> Iterator[str]:
    """The URL of the task page, served while the context lasts."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TaskPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/task?study=7"
    finally:
        server.shutdown()
        server.server_close()
