"""The worker site over plain HTTP: where a browser lands, what the pages show (escaped), which
posts are refused (other sites', tokenless ones), and that every change is the API's own."""

from __future__ import annotations

import http.client
import re
from typing import Any
from urllib.parse import urlencode

import pytest
import site_pages
from support import WireChecker, checked, raw_request

from mockturk.domain.questions import answer_values, check_question, question_form_answers
from mockturk.testing import InProcessServer
from mockturk.web.frames import frame_parameters, served_content, with_parameters

WORKER = "A1PAGEWORKER"
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


class Visitor:
    """A browser without a browser: cookies kept, forms posted with the page's token."""

    def __init__(self, server: InProcessServer) -> None:
        self.port = server.port
        self.origin = f"http://127.0.0.1:{self.port}"
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if method == "POST":
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body.encode(), headers=sent)
            response = connection.getresponse()
            answered = response.read().decode()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";")[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, answered
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def token(self) -> str:
        found = TOKEN.search(self.get("/site/")[2])
        assert found is not None
        return found.group(1)

    def post(
        self, path: str, fields: dict[str, str] | None = None, **headers: str
    ) -> tuple[int, dict[str, str], str]:
        form = {"csrf_token": self.token(), **(fields or {})}
        sent = {"Origin": self.origin, "Sec-Fetch-Site": "same-origin"}
        sent.update({k.replace("_", "-"): v for k, v in headers.items()})
        return self.request("POST", path, urlencode(form), sent)

    def work_as(self, worker_id: str) -> None:
        status, headers, _ = self.post("/site/worker", {"workerId": worker_id})
        assert (status, headers["location"]) == (303, "/site/")


@pytest.fixture
def lab(lab_server: InProcessServer, wire: WireChecker) -> tuple[InProcessServer, Any, Visitor]:
    lab_server.reset(empty=True)
    return lab_server, checked(lab_server.client(), wire), Visitor(lab_server)


def hit_of(mturk: Any, question: str | None = None, **fields: Any) -> str:
    return site_pages.create(mturk, question or site_pages.question_form(), **fields)


# --- Where a browser lands, and what API clients still see ----------------------------------------


def test_a_browser_opening_the_endpoint_lands_on_the_site(lab):
    _, _, visitor = lab
    status, headers, _ = visitor.request("GET", "/", headers={"Accept": "text/html,*/*"})
    assert (status, headers["location"]) == (303, "/site/")
    status, headers, _ = visitor.get("/site")
    assert (status, headers["location"]) == (303, "/site/")
    status, headers, page = visitor.get("/site/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "script-src 'none'" in headers["content-security-policy"]
    assert "Work as WorkerId" in page


def test_api_clients_at_the_endpoint_see_no_change(lab):
    server, mturk, _ = lab
    refused = raw_request(server, "GET", "/")  # no Accept: text/html
    assert refused.status == 405 and refused.headers["content-type"] == "application/x-amz-json-1.1"
    assert mturk.get_account_balance()["AvailableBalance"] == "10000.00"


def test_unknown_pages_and_methods_get_pages(lab):
    _, _, visitor = lab
    status, headers, page = visitor.get("/site/no/such/page")
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert "There is no page at /site/no/such/page." in page
    status, _, page = visitor.request("PUT", "/site/requester")
    assert status == 405 and "PUT is not answered here." in page


# --- Escaping -------------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_every_page_escapes_what_it_shows(lab):
    server, mturk, visitor = lab
    hit_id = hit_of(mturk, title=HOSTILE, Description=HOSTILE)
    server.worker(WORKER).accept(hit_id).submit({"language": HOSTILE})
    visitor.work_as(WORKER)
    for path in ("/site/requester", f"/site/requester/hits/{hit_id}", "/site/mine"):
        status, _, page = visitor.get(path)
        assert status == 200
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, path


def test_a_question_forms_texts_are_escaped(lab):
    _, mturk, visitor = lab
    document = site_pages.question_form().replace(
        "Your first language?", "&lt;b onclick=alert(1)&gt;Language?&lt;/b&gt;"
    )
    hit_id = hit_of(mturk, document)
    status, _, page = visitor.get(f"/site/hits/{hit_id}")
    assert status == 200 and "<b onclick" not in page
    assert "&lt;b onclick=alert(1)&gt;Language?&lt;/b&gt;" in page


def test_a_worker_id_cookie_that_is_no_worker_id_is_ignored(lab):
    _, _, visitor = lab
    visitor.cookies["mockturk_worker"] = '"<b>x</b>"'
    status, _, page = visitor.get("/site/")
    assert status == 200 and "No WorkerId chosen" in page and "<b>x</b>" not in page


# --- Posts from elsewhere -------------------------------------------------------------------------


def test_a_post_without_the_sessions_token_is_refused(lab):
    _, _, visitor = lab
    visitor.token()  # the session cookie is set
    body = urlencode({"workerId": WORKER, "csrf_token": "0" * 64})
    status, headers, page = visitor.request("POST", "/site/worker", body)
    assert status == 403 and "This form has expired" in page
    assert "set-cookie" not in headers


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_post_from_another_site_is_refused_and_changes_nothing(lab, headers):
    _, mturk, visitor = lab
    hit_id = hit_of(mturk)
    visitor.work_as(WORKER)
    status, _, page = visitor.post(f"/site/hits/{hit_id}/accept", **headers)
    assert status == 403 and "This form was sent from another site." in page
    assert mturk.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsPending"] == 0


def test_a_worker_id_is_checked_before_it_is_kept(lab):
    _, _, visitor = lab
    status, _, page = visitor.post("/site/worker", {"workerId": "not-a-worker"})
    assert status == 400 and "is not a WorkerId" in page
    assert "mockturk_worker" not in visitor.cookies


# --- The worker's actions -------------------------------------------------------------------------


def test_accepting_needs_a_worker_id(lab):
    _, mturk, visitor = lab
    hit_id = hit_of(mturk)
    status, _, page = visitor.post(f"/site/hits/{hit_id}/accept")
    assert status == 403 and "Choose a WorkerId first" in page


def test_accepting_the_next_hit_of_a_group(lab):
    _, mturk, visitor = lab
    first, second = hit_of(mturk), hit_of(mturk)
    group = mturk.get_hit(HITId=first)["HIT"]["HITGroupId"]
    visitor.work_as(WORKER)
    status, headers, _ = visitor.post(f"/site/projects/{group}/tasks/accept_random")
    assert status == 303
    status, _, page = visitor.get(headers["location"])
    taken, left = (first, second) if first in page else (second, first)
    assert status == 200 and taken in page and "Accepted" in page
    hit_type = mturk.get_hit(HITId=first)["HIT"]["HITTypeId"]  # some clients link the type
    status, _, page = visitor.get(f"/site/projects/{hit_type}/tasks")
    assert status == 200 and left in page and "Preview" in page


def test_my_assignments_show_status_feedback_earnings_and_bonuses(lab):
    server, mturk, visitor = lab
    paid, waiting = hit_of(mturk), hit_of(mturk, Reward="0.25", MaxAssignments=2)
    work = server.worker(WORKER).accept(paid)
    work.submit({"language": "Welsh"})
    mturk.approve_assignment(AssignmentId=work.assignment_id, RequesterFeedback="Thanks!")
    mturk.send_bonus(
        WorkerId=WORKER, BonusAmount="1.10", AssignmentId=work.assignment_id, Reason="Careful"
    )
    server.worker(WORKER).accept(waiting).submit({"language": "Manx"})
    server.worker("A2SOMEONEELSE").accept(waiting)  # not this worker's
    visitor.work_as(WORKER)
    status, _, page = visitor.get("/site/mine")
    assert status == 200 and page.count('class="assignment"') == 2
    assert '<dd id="earned">$0.50</dd>' in page and '<dd id="pending">$0.25</dd>' in page
    assert '<dd id="bonuses">$1.10</dd>' in page and "$1.10 (Careful)" in page
    assert "Thanks!" in page and "Approved" in page and "Submitted" in page


@pytest.mark.parametrize(
    ("guarded", "listed", "previewed"),
    [
        ("Accept", True, True),
        ("PreviewAndAccept", True, False),
        ("DiscoverPreviewAndAccept", False, False),
    ],
)
def test_a_worker_without_the_qualification_is_told_and_shown_what_actions_guarded_allows(
    lab, guarded, listed, previewed
):
    _, mturk, visitor = lab
    type_id = mturk.create_qualification_type(
        Name="Trained raters", Description="Passed the training", QualificationTypeStatus="Active"
    )["QualificationType"]["QualificationTypeId"]
    requirement = {
        "QualificationTypeId": type_id,
        "Comparator": "GreaterThanOrEqualTo",
        "IntegerValues": [80],
        "ActionsGuarded": guarded,
    }
    hit_id = hit_of(mturk, title="Only for trained raters", QualificationRequirements=[requirement])
    visitor.work_as(WORKER)
    mturk.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId=WORKER, IntegerValue=60, SendNotification=False
    )
    why = f"{type_id} GreaterThanOrEqualTo 80 (the worker&#39;s value is 60)"
    index = visitor.get("/site/")[2]
    assert ("Only for trained raters" in index) is listed
    if listed:
        assert f"No: This HIT requires Qualifications that worker {WORKER} does not meet" in index
        assert why in index
    preview = visitor.get(f"/site/hits/{hit_id}")[2]
    assert "You are not qualified" in preview and why in preview
    assert ('id="preview-refused"' not in preview) is previewed
    status, _, _ = visitor.post(f"/site/hits/{hit_id}/accept")
    assert status == 403
    assert mturk.list_assignments_for_hit(HITId=hit_id)["Assignments"] == []
    mturk.associate_qualification_with_worker(
        QualificationTypeId=type_id, WorkerId=WORKER, IntegerValue=90, SendNotification=False
    )
    preview = visitor.get(f"/site/hits/{hit_id}")[2]
    assert "You are not qualified" not in preview and 'id="preview-refused"' not in preview
    assert 'id="accept"' in preview


def test_another_workers_assignment_is_not_there(lab):
    server, mturk, visitor = lab
    work = server.worker("A2SOMEONEELSE").accept(hit_of(mturk))
    visitor.work_as(WORKER)
    status, _, page = visitor.get(f"/site/assignments/{work.assignment_id}")
    assert status == 404 and "You hold no assignment" in page
    status, _, _ = visitor.post(f"/site/assignments/{work.assignment_id}/return")
    assert status == 404
    assert mturk.get_hit(HITId=work.hit_id)["HIT"]["NumberOfAssignmentsPending"] == 1


def test_a_required_question_left_unanswered_stores_nothing(lab):
    _, mturk, visitor = lab
    hit_id = hit_of(mturk)
    visitor.work_as(WORKER)
    _, headers, _ = visitor.post(f"/site/hits/{hit_id}/accept")
    assignment_id = headers["location"].rsplit("/", 1)[1]
    status, _, page = visitor.post(f"/site/assignments/{assignment_id}/submit", {"age": "18_24"})
    assert status == 400 and "The question &#39;language&#39; needs an answer." in page
    assert mturk.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsPending"] == 1
    assert site_pages.answers(mturk, hit_id) == []


def test_an_html_questions_content_is_served_sandboxed_and_pointed_at_mockturk(lab):
    _, mturk, visitor = lab
    hit_id = hit_of(mturk, site_pages.html_question(site_pages.HTML_TASK))
    status, headers, content = visitor.get(f"/site/hits/{hit_id}/content?assignmentId=X")
    assert status == 200
    assert headers["content-security-policy"].startswith("sandbox allow-scripts allow-forms;")
    assert f'action="{visitor.origin}/mturk/externalSubmit"' in content
    assert f'src="{visitor.origin}/site/static/externalHIT_v1.js"' in content
    assert "mturk.com" not in content and "amazonaws" not in content
    status, _, page = visitor.get(f"/site/hits/{hit_id}")
    assert 'sandbox="allow-scripts allow-forms"' in page
    status, headers, script = visitor.get("/site/static/externalHIT_v1.js")
    assert status == 200 and "function turkSetAssignmentID" in script


# --- Qualifications and messages -----------------------------------------------------------------


def requested(visitor: Visitor, type_id: str, answers: dict[str, str] | None = None) -> Any:
    return visitor.post(f"/site/qualifications/{type_id}/request", answers)


def score_of(mturk: Any, type_id: str) -> Any:
    return mturk.get_qualification_score(QualificationTypeId=type_id, WorkerId=WORKER)[
        "Qualification"
    ]


def holders(mturk: Any, type_id: str) -> int:
    found = mturk.list_workers_with_qualification_type(QualificationTypeId=type_id)
    return found["NumResults"]  # type: ignore[no-any-return]


def test_the_qualification_and_message_pages_need_a_worker_id_and_are_linked(lab):
    _, _, visitor = lab
    for path in ("/site/qualifications", "/site/messages"):
        status, _, page = visitor.get(path)
        assert status == 403 and "Choose a WorkerId first" in page
    assert "/site/qualifications" not in visitor.get("/site/")[2]
    visitor.work_as(WORKER)
    index = visitor.get("/site/")[2]
    assert 'href="/site/qualifications"' in index and 'href="/site/messages"' in index


def test_the_qualifications_page_shows_scores_system_values_and_requestable_types(lab):
    server, mturk, visitor = lab
    held = site_pages.qualification_type(mturk, "Trained raters")
    revoked = site_pages.qualification_type(mturk, "Former raters")
    offered = site_pages.qualification_type(mturk, HOSTILE, AutoGranted=True)
    site_pages.qualification_type(mturk, "Closed", QualificationTypeStatus="Inactive")
    for type_id, value in ((held, 60), (revoked, 1)):
        mturk.associate_qualification_with_worker(
            QualificationTypeId=type_id, WorkerId=WORKER, IntegerValue=value
        )
    mturk.disassociate_qualification_from_worker(
        QualificationTypeId=revoked, WorkerId=WORKER, Reason="Gone"
    )
    server.worker(WORKER).profile(Country="DE", Subdivision="BE", Masters=True, Approved=7)
    visitor.work_as(WORKER)
    status, _, page = visitor.get("/site/qualifications")
    assert status == 200
    rows = re.findall(r'<tr class="qualification" data-type="(\w+)">(.*?)</tr>', page, re.S)
    assert {type_id: "Granted" in row or "Revoked" in row for type_id, row in rows} == {
        held: True,
        revoked: True,
    }
    assert '<td class="value">60</td>' in dict(rows)[held]
    assert '<td class="status">Revoked</td>' in dict(rows)[revoked]
    for name, value in (
        ("Worker_Locale", "DE-BE"),
        ("Masters", "1"),
        ("Worker_NumberHITsApproved", "7"),
        ("Worker_PercentAssignmentsApproved", "100"),
        ("Worker_Adult", "0"),
    ):
        assert f'<td>{name}</td>\n    <td class="value">{value}</td>' in page, name
    listed = re.findall(r'<tr class="requestable-type" data-type="(\w+)">', page)
    assert listed == [offered, revoked, held]  # by name; the Inactive type is not offered
    assert '<td class="standing">Revoked</td>' in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_requesting_an_auto_granted_type_grants_it_at_once(lab):
    _, mturk, visitor = lab
    type_id = site_pages.qualification_type(
        mturk, "Volunteers", AutoGranted=True, AutoGrantedValue=7
    )
    visitor.work_as(WORKER)
    status, headers, _ = requested(visitor, type_id)
    assert (status, headers["location"]) == (303, "/site/qualifications?done=granted")
    assert score_of(mturk, type_id)["IntegerValue"] == 7
    page = visitor.get(headers["location"])[2]
    assert "The qualification was granted." in page and 'class="qualification"' in page


def test_a_request_waits_for_the_requester_and_a_retry_too_soon_is_refused(lab):
    server, mturk, visitor = lab
    type_id = site_pages.qualification_type(mturk, "Reviewed", RetryDelayInSeconds=3600)
    visitor.work_as(WORKER)
    status, headers, _ = requested(visitor, type_id)
    assert (status, headers["location"]) == (303, "/site/qualifications?done=requested")
    assert "Request pending" in visitor.get("/site/qualifications")[2]
    (pending,) = mturk.list_qualification_requests(QualificationTypeId=type_id)[
        "QualificationRequests"
    ]
    mturk.reject_qualification_request(
        QualificationRequestId=pending["QualificationRequestId"], Reason="Not yet"
    )
    status, _, page = requested(visitor, type_id)
    assert status == 409 and "Reviewed may be requested again from" in page
    assert mturk.list_qualification_requests()["NumResults"] == 0
    server.clock.advance(3600)
    assert requested(visitor, type_id)[0] == 303
    assert mturk.list_qualification_requests()["NumResults"] == 1


def test_a_test_is_a_form_and_its_answers_are_scored(lab):
    _, mturk, visitor = lab
    type_id = site_pages.qualification_type(
        mturk,
        "Sky watchers",
        Test=site_pages.QUALIFICATION_TEST,
        TestDurationInSeconds=600,
        AnswerKey=site_pages.QUALIFICATION_ANSWER_KEY,
    )
    visitor.work_as(WORKER)
    listing = visitor.get("/site/qualifications")[2]
    assert f'href="/site/qualifications/{type_id}/request"' in listing
    status, _, page = visitor.get(f"/site/qualifications/{type_id}/request")
    assert status == 200 and 'id="question-form"' in page and "What colour is the sky?" in page
    assert '<input type="radio" name="color" value="blue">' in page and "10 minutes" in page
    status, _, page = requested(visitor, type_id, {"color": "green"})
    assert status == 400 and "offers no selection &#39;green&#39;" in page
    status, _, page = requested(visitor, type_id)
    assert status == 400 and "The question &#39;color&#39; needs an answer." in page
    assert (
        mturk.list_workers_with_qualification_type(QualificationTypeId=type_id)["NumResults"] == 0
    )
    status, headers, _ = requested(visitor, type_id, {"color": "blue"})
    assert (status, headers["location"]) == (303, "/site/qualifications?done=granted")
    assert score_of(mturk, type_id)["IntegerValue"] == 100


def test_a_type_not_requestable_is_not_there(lab):
    _, mturk, visitor = lab
    closed = site_pages.qualification_type(mturk, "Closed", QualificationTypeStatus="Inactive")
    visitor.work_as(WORKER)
    for type_id in (closed, "3NOSUCHTYPE0000000000000000000"):
        status, _, page = requested(visitor, type_id)
        assert status == 404 and "There is no requestable Qualification type" in page
    assert mturk.list_qualification_requests()["NumResults"] == 0


def test_a_request_from_another_site_is_refused_and_changes_nothing(lab):
    _, mturk, visitor = lab
    type_id = site_pages.qualification_type(mturk, "Volunteers", AutoGranted=True)
    visitor.work_as(WORKER)
    status, _, page = visitor.post(
        f"/site/qualifications/{type_id}/request", Origin="https://attacker.example"
    )
    assert status == 403 and "This form was sent from another site." in page
    assert (
        mturk.list_workers_with_qualification_type(QualificationTypeId=type_id)["NumResults"] == 0
    )


def test_messages_are_shown_newest_first_and_escaped(lab):
    server, mturk, visitor = lab
    work = server.worker(WORKER).accept(hit_of(mturk))
    work.submit({"language": "Welsh"})
    mturk.approve_assignment(AssignmentId=work.assignment_id)
    visitor.work_as(WORKER)
    assert 'id="no-messages"' in visitor.get("/site/messages")[2]
    mturk.notify_workers(Subject="Older news", MessageText="First", WorkerIds=[WORKER])
    mturk.notify_workers(Subject=HOSTILE, MessageText=f"Line one\n{HOSTILE}", WorkerIds=[WORKER])
    type_id = site_pages.qualification_type(mturk, "Volunteers", AutoGranted=True)
    requested(visitor, type_id)
    status, _, page = visitor.get("/site/messages")
    assert status == 200 and page.count('class="message"') == 3
    granted = page.index("You have been granted the Qualification Volunteers")
    assert granted < page.index("&lt;script&gt;alert") < page.index("Older news")
    assert "<script>alert" not in page and "<img src=x" not in page


# --- The requester's view -------------------------------------------------------------------------


def test_a_review_refused_by_the_api_shows_the_apis_message(lab):
    server, mturk, visitor = lab
    work = server.worker(WORKER).accept(hit_of(mturk))
    work.submit({"language": "Welsh"})
    mturk.approve_assignment(AssignmentId=work.assignment_id)
    with pytest.raises(mturk.exceptions.RequestError) as caught:
        mturk.approve_assignment(AssignmentId=work.assignment_id)
    expected = caught.value.response["Error"]["Message"].rsplit(" (", 1)[0]
    status, _, page = visitor.post(f"/site/requester/assignments/{work.assignment_id}/approve")
    assert status == 400 and expected in page


def test_a_rejection_is_checked_as_the_api_checks_it(lab):
    server, mturk, visitor = lab
    work = server.worker(WORKER).accept(hit_of(mturk))
    work.submit({"language": "Welsh"})
    path = f"/site/requester/assignments/{work.assignment_id}/reject"
    status, _, page = visitor.post(path, {"RequesterFeedback": "x" * 1025})
    assert status == 400 and "RequesterFeedback" in page
    assert (
        mturk.get_assignment(AssignmentId=work.assignment_id)["Assignment"]["AssignmentStatus"]
        == "Submitted"
    )
    status, headers, _ = visitor.post(path, {"RequesterFeedback": "Off topic"})
    assert status == 303 and headers["location"].endswith("?done=rejected")
    done = mturk.get_assignment(AssignmentId=work.assignment_id)["Assignment"]
    assert (done["AssignmentStatus"], done["RequesterFeedback"]) == ("Rejected", "Off topic")


def test_the_requester_sees_only_what_the_api_shows(lab):
    server, mturk, visitor = lab
    hit_id = hit_of(mturk, MaxAssignments=2)
    server.worker("A2INPROGRESS").accept(hit_id)  # work in progress: the API does not show it
    server.worker(WORKER).accept(hit_id).submit({"language": "Welsh"})
    status, _, page = visitor.get(f"/site/requester/hits/{hit_id}")
    assert status == 200 and WORKER in page and "A2INPROGRESS" not in page
    assert "0 available, 1 in progress, 0 completed, of 2" in page


def test_long_lists_show_the_newest_hundred(lab):
    _, mturk, visitor = lab
    for number in range(101):
        hit_of(mturk, title=f"Survey {number}")  # each its own group
    visitor.work_as(WORKER)
    for path, rows, said in [
        ("/site/", 'class="group"', "The newest 100 of 101 HIT groups."),
        ("/site/requester", 'class="hit"', "The newest 100 of 101 HITs."),
    ]:
        status, _, page = visitor.get(path)
        assert status == 200 and page.count(rows) == 100 and said in page


# --- The parts ------------------------------------------------------------------------------------


def test_frame_parameters_follow_the_urls_own_query_and_keep_its_fragment():
    preview = frame_parameters("3HIT", None, "http://x")
    assert preview == [("assignmentId", "ASSIGNMENT_ID_NOT_AVAILABLE"), ("hitId", "3HIT")]
    url = with_parameters("https://task.example/a?b=1#top", preview)
    assert (
        url == "https://task.example/a?b=1&assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&hitId=3HIT#top"
    )


def test_only_mturks_submit_url_and_script_are_rewritten():
    content = (
        '<form action="https://workersandbox.mturk.com/mturk/externalSubmit">'
        '<form action="//www.mturk.com/mturk/externalSubmit">'
        '<a href="https://www.mturk.com/mturk/welcome">'
    )
    served = served_content(content, "http://127.0.0.1:8443")
    assert served.count('"http://127.0.0.1:8443/mturk/externalSubmit"') == 2
    assert "https://www.mturk.com/mturk/welcome" in served


def test_question_form_answers_take_selections_and_other_text():
    info = check_question(site_pages.question_form())
    document = question_form_answers(
        info.questions, [("language", "Cymraeg ✓"), ("age", "18_24"), ("pets", "dog")]
    )
    assert answer_values(document) == [
        ("language", ["Cymraeg ✓"]),
        ("age", ["18_24"]),
        ("pets", ["dog"]),
    ]
    assert "&#10003;" in document  # ASCII, as every stored answer
    with pytest.raises(ValueError, match="offers no selection 'parrot'"):
        question_form_answers(info.questions, [("language", "x"), ("age", "parrot")])
    with pytest.raises(ValueError, match="takes one selection"):
        question_form_answers(
            info.questions, [("language", "x"), ("age", "18_24"), ("age", "25_34")]
        )
