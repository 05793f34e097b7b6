"""The site's routes: worker pages under ``/site``, the requester's view under ``/site/requester``.

Pages read the store; every change goes through what the rest of the server uses: a worker's
accept, submit and return through :mod:`mockturk.worker.actions`, a requester's approval or
rejection through the API's own ApproveAssignment and RejectAssignment (``call``: checks,
handler and errors exactly as the API answers them). Posts carry the session's token and are
refused from other sites (:mod:`mockturk.web.guard`); templates escape whatever they show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from mockturk.account import Account
from mockturk.domain import qualifications as q
from mockturk.domain.money import parse_amount
from mockturk.domain.questions import QuestionInfo, check_question, question_form_answers
from mockturk.domain.records import ACCEPTED, HIT, Assignment
from mockturk.errors import AwsError
from mockturk.requesters import Requesters
from mockturk.web import SITE, views
from mockturk.web.eligibility import Eligibility, eligibility
from mockturk.web.frames import (
    HTML_CONTENT_POLICY,
    served_content,
    task_frame,
)
from mockturk.web.guard import TOKEN_FIELD, Guard, own_origin
from mockturk.worker import actions, qualifying
from mockturk.worker.actions import WorkerError, check_worker_id
from mockturk.worker.endpoints import form_pairs

if TYPE_CHECKING:
    import jinja2

Endpoint = Callable[[Request], Awaitable[Response]]
Call = Callable[[Account, str, dict[str, Any]], bytes]  # an API call, as that requester

WORKER_COOKIE = "mockturk_worker"
REQUESTER_NAME = "mockturk requester"  # one requester has no name: **chosen**
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
# The site's own pages run no script and are framed by nobody; tasks' frames may be anywhere.
PAGE_POLICY = (
    "default-src 'self'; script-src 'none'; frame-src 'self' http: https:;"
    " frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
NOTES = {
    "submitted": "Your work was submitted.",
    "returned": "You returned the HIT: it is offered to other workers again.",
    "granted": "The qualification was granted.",
    "requested": "Your request was sent: the requester decides.",
    "approved": "The assignment was approved: the worker is paid.",
    "rejected": "The assignment was rejected.",
}


class Site:
    def __init__(self, requesters: Requesters, call: Call, secret: bytes | None = None) -> None:
        self.requesters = requesters
        self.call = call
        self.guard = Guard(secret)
        self.static = {
            name: (resources.files("mockturk.web").joinpath("static", name).read_bytes(), kind)
            for name, kind in (("site.css", "text/css"), ("externalHIT_v1.js", "text/javascript"))
        }

    @cached_property
    def templates(self) -> jinja2.Environment:
        """The pages' templates, made at the first page: Jinja2 is imported then, not with the
        server (it is a tenth of a second of the start-up of a server nobody browses)."""
        import jinja2

        templates = jinja2.Environment(
            loader=jinja2.PackageLoader("mockturk.web", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        templates.filters.update(money=_money, duration=_duration, when=_when)
        return templates

    def routes(self) -> list[BaseRoute]:
        """``/`` (for a browser: the API answers everything else there) and the site."""
        page = self.page
        pages = [
            page("/", get=self.index),
            page("/worker", post=self.choose_worker),
            page("/projects/{group_id}/tasks", get=self.preview_group),
            page("/projects/{group_id}/tasks/accept_random", post=self.accept_next),
            page("/hits/{hit_id}", get=self.preview),
            page("/hits/{hit_id}/accept", post=self.accept),
            page("/hits/{hit_id}/content", get=self.html_content),
            page("/assignments/{assignment_id}", get=self.task),
            page("/assignments/{assignment_id}/submit", post=self.submit_form),
            page("/assignments/{assignment_id}/return", post=self.return_),
            page("/mine", get=self.mine),
            page("/qualifications", get=self.qualifications),
            page(
                "/qualifications/{type_id}/request",
                get=self.request_page,
                post=self.request_qualification,
            ),
            page("/messages", get=self.messages),
            page("/requester", get=self.requester),
            page("/requester/hits/{hit_id}", get=self.requester_hit),
            page("/requester/assignments/{assignment_id}/approve", post=self.approve),
            page("/requester/assignments/{assignment_id}/reject", post=self.reject),
            page("/static/{name}", get=self.static_file),
            Route("/{path:path}", self.not_found, methods=METHODS),
        ]
        landing = [self.page(path, get=self.landing) for path in ("/", SITE)]
        return [*landing, Mount(SITE, routes=pages)]

    def page(
        self, path: str, *, get: Endpoint | None = None, post: Endpoint | None = None
    ) -> Route:
        """A route answering GET (and HEAD) and/or POST, its refusals as pages; other methods
        get a page saying so."""

        async def endpoint(request: Request) -> Response:
            chosen = get if request.method in ("GET", "HEAD") else None
            chosen = post if request.method == "POST" else chosen
            if chosen is None:
                return self.problem(request, 405, f"{request.method} is not answered here.")
            try:
                return await chosen(request)
            except _Refused as refusal:
                return self.problem(request, 403, str(refusal))
            except _NoWorker:
                return self.problem(request, 403, "Choose a WorkerId first, on the HITs page.")
            except _Missing as missing:
                return self.problem(request, 404, str(missing))

        return Route(path, endpoint, methods=METHODS)

    # --- Rendering --------------------------------------------------------------------------

    def render(self, request: Request, template: str, status: int = 200, **values: Any) -> Response:
        session, new = self.guard.session(request)
        note = NOTES.get(request.query_params.get("done", ""))
        body = self.templates.get_template(template).render(
            site=SITE,
            worker=worker_of(request),
            csrf_field=TOKEN_FIELD,
            csrf_token=self.guard.token(session),
            requester_name=REQUESTER_NAME,
            requester_of=self._requester_of,
            requesters=[name for name, _ in self.requesters.items()]
            if self.requesters.isolated
            else [],
            note=note,
            **values,
        )
        response = HTMLResponse(body, status, headers={"Content-Security-Policy": PAGE_POLICY})
        if new:
            self.guard.keep(response, session)
        return response

    def problem(self, request: Request, status: int, message: str) -> Response:
        return self.render(request, "problem.html", status, message=message)

    async def posted(self, request: Request) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """A form the site's pages posted: its first value of each name, and all of its fields
        but the token. Raises _Refused when another site sent it."""
        pairs = await form_pairs(request)
        given = dict(reversed(pairs))
        refusal = self.guard.refusal(request, given.get(TOKEN_FIELD, ""))
        if refusal is not None:
            raise _Refused(refusal)
        return given, [(k, v) for k, v in pairs if k != TOKEN_FIELD]

    # --- The worker's pages -----------------------------------------------------------------

    async def landing(self, request: Request) -> Response:
        return RedirectResponse(SITE + "/", 303)

    async def index(self, request: Request) -> Response:
        return self._index(request)

    def _index(self, request: Request, status: int = 200, error: str | None = None) -> Response:
        worker = worker_of(request)
        groups, total = views.hit_groups(self.requesters, worker) if worker else ([], 0)
        known = self._known_workers()
        return self.render(
            request, "index.html", status, groups=groups, total=total, known=known, error=error
        )

    async def choose_worker(self, request: Request) -> Response:
        given, _ = await self.posted(request)
        worker_id = given.get("workerId", "").strip()
        try:
            check_worker_id(worker_id)
        except WorkerError as error:
            return self._index(request, error.status, error.message)
        response = RedirectResponse(SITE + "/", 303)
        response.set_cookie(WORKER_COOKIE, worker_id, httponly=True, samesite="lax", path="/")
        return response

    async def preview_group(self, request: Request) -> Response:
        group_id = request.path_params["group_id"]
        hits = views.group_hits(self.requesters, worker_of(request), group_id)
        if not hits:
            return self.problem(request, 404, f"No HIT of the group {group_id} is available.")
        return self._preview(request, hits[0], available=len(hits))

    async def accept_next(self, request: Request) -> Response:
        await self.posted(request)
        worker = _required_worker(request)
        group_id = request.path_params["group_id"]
        hits = views.group_hits(self.requesters, worker, group_id)
        if not hits:
            return self.problem(request, 409, f"No HIT of the group {group_id} is left for you.")
        return self._accepting(request, worker, hits[0])

    async def preview(self, request: Request) -> Response:
        hit = self._hit(request.path_params["hit_id"])
        worker = worker_of(request)
        store = self.requesters.holding_hit(hit.HITId).store
        held = store.worker_assignment(hit.HITId, worker) if worker else None
        mine = store.assignment_entry(held) if held else None
        if mine is not None and mine.record.AssignmentStatus == ACCEPTED:
            return RedirectResponse(f"{SITE}/assignments/{held}", 303)
        return self._preview(request, hit)

    async def accept(self, request: Request) -> Response:
        await self.posted(request)
        worker = _required_worker(request)
        return self._accepting(request, worker, self._hit(request.path_params["hit_id"]))

    def _accepting(self, request: Request, worker: str, hit: HIT) -> Response:
        try:
            assignment = actions.accept(self.requesters, worker, hit.HITId)
        except WorkerError as error:
            return self._preview(request, hit, error=error.message, status=error.status)
        return RedirectResponse(f"{SITE}/assignments/{assignment.AssignmentId}", 303)

    def _preview(
        self,
        request: Request,
        hit: HIT,
        *,
        status: int = 200,
        available: int | None = None,
        error: str | None = None,
    ) -> Response:
        """The HIT in preview; ``available``: how many HITs its group offers this worker."""
        worker = worker_of(request)
        owner = self.requesters.holding_hit(hit.HITId)
        now = owner.catch_up()
        return self.render(
            request,
            "task.html",
            status,
            **self._task_values(request, hit, None),
            takeable=views.takeable(owner, worker, hit, now),
            eligibility=eligibility(owner, worker, hit) if worker else None,
            preview_refused=self._preview_refused(worker, hit),
            available=available,
            error=error,
        )

    def _preview_refused(self, worker: str | None, hit: HIT) -> Eligibility | None:
        """Why the worker may not see the task itself (a requirement guarding Preview), if so;
        a person with no WorkerId chosen yet sees what any worker may."""
        if not hit.QualificationRequirements:
            return None
        if worker is None:
            guarded = any(q.guards(r, q.PREVIEW) for r in hit.QualificationRequirements)
            return Eligibility(False, ("choose a WorkerId first",)) if guarded else None
        seen = eligibility(self.requesters.holding_hit(hit.HITId), worker, hit, q.PREVIEW)
        return None if seen.qualified else seen

    async def task(self, request: Request) -> Response:
        assignment = self._own_assignment(request)
        hit = self._hit(assignment.HITId)
        return self.render(
            request,
            "task.html",
            **self._task_values(request, hit, assignment),
            error=None,
        )

    def _task_values(
        self, request: Request, hit: HIT, assignment: Assignment | None
    ) -> dict[str, Any]:
        info = _question(hit)
        doing = assignment is not None and assignment.AssignmentStatus == ACCEPTED
        origin = own_origin(request)
        content_url = f"{origin}{SITE}/hits/{hit.HITId}/content"
        frame = task_frame(info, hit.HITId, assignment if doing else None, origin, content_url)
        return {"hit": hit, "info": info, "frame": frame, "assignment": assignment, "doing": doing}

    async def html_content(self, request: Request) -> Response:
        """An HTMLQuestion's HTML, in an origin of its own (the sandbox the header asks for)."""
        hit = self._hit(request.path_params["hit_id"])
        info = _question(hit)
        if info.html_content is None:
            return self.problem(request, 404, f"HIT {hit.HITId} has no HTMLQuestion.")
        headers = {
            "Content-Security-Policy": f"{HTML_CONTENT_POLICY}; frame-ancestors 'self'",
            "X-Content-Type-Options": "nosniff",
        }
        return HTMLResponse(served_content(info.html_content, own_origin(request)), headers=headers)

    async def submit_form(self, request: Request) -> Response:
        """A QuestionForm filled in on the task page, stored as its QuestionFormAnswers."""
        _, pairs = await self.posted(request)
        assignment = self._own_assignment(request)
        hit = self._hit(assignment.HITId)
        info = _question(hit)
        if info.kind != "QuestionForm":
            return self.problem(request, 400, "This HIT's own page submits its work.")
        try:
            answer = question_form_answers(info.questions, pairs)
            actions.submit(self.requesters, assignment.AssignmentId, answer)
        except ValueError as error:
            values = self._task_values(request, hit, assignment)
            return self.render(request, "task.html", 400, **values, error=str(error))
        except WorkerError as error:
            return self.problem(request, error.status, error.message)
        return RedirectResponse(f"{SITE}/mine?done=submitted", 303)

    async def return_(self, request: Request) -> Response:
        await self.posted(request)
        assignment = self._own_assignment(request)
        try:
            actions.return_(self.requesters, assignment.AssignmentId)
        except WorkerError as error:
            return self.problem(request, error.status, error.message)
        return RedirectResponse(f"{SITE}/hits/{assignment.HITId}?done=returned", 303)

    async def mine(self, request: Request) -> Response:
        work, earnings = views.worker_work(self.requesters, _required_worker(request))
        return self.render(request, "mine.html", work=work, earnings=earnings)

    async def qualifications(self, request: Request) -> Response:
        quals = views.worker_qualifications(self.requesters, _required_worker(request))
        return self.render(request, "qualifications.html", quals=quals)

    async def request_page(self, request: Request) -> Response:
        _required_worker(request)
        return self._request_page(request, self._requestable(request))

    def _request_page(
        self,
        request: Request,
        wanted: q.QualificationType,
        status: int = 200,
        error: str | None = None,
    ) -> Response:
        """A type to request: its Test as a form (as a QuestionForm HIT's), or a button."""
        info = _test(wanted)
        return self.render(
            request, "qualification_request.html", status, type=wanted, info=info, error=error
        )

    async def request_qualification(self, request: Request) -> Response:
        """The request the control API makes too: granted at once, scored, or left pending."""
        _, pairs = await self.posted(request)
        worker = _required_worker(request)
        wanted = self._requestable(request)
        info = _test(wanted)
        try:
            answer = question_form_answers(info.questions, pairs) if info else None
            made = qualifying.request_qualification(
                self.requesters, worker, wanted.QualificationTypeId, answer
            )
        except ValueError as error:
            return self._request_page(request, wanted, 400, str(error))
        except WorkerError as error:
            return self._request_page(request, wanted, error.status, error.message)
        done = "granted" if made.RequestStatus == q.ACCEPTED_REQUEST else "requested"
        return RedirectResponse(f"{SITE}/qualifications?done={done}", 303)

    async def messages(self, request: Request) -> Response:
        messages, total = views.inbox(self.requesters, _required_worker(request))
        return self.render(request, "messages.html", messages=messages, total=total)

    # --- The requester's view ---------------------------------------------------------------

    async def requester(self, request: Request) -> Response:
        """A requester's HITs: the first requester's, or those ``?requester=`` names."""
        name = request.query_params.get("requester", self.requesters.first_name)
        if name not in self.requesters:
            raise _Missing(f"There is no requester {name}.")
        account = self.requesters.named(name)
        hits, total = views.requester_hits(account)
        balance = account.available_balance
        return self.render(
            request, "requester.html", hits=hits, total=total, balance=balance, shown=name
        )

    async def requester_hit(self, request: Request) -> Response:
        return self._review_page(request, request.path_params["hit_id"])

    def _review_page(
        self, request: Request, hit_id: str, status: int = 200, error: str | None = None
    ) -> Response:
        found = views.hit_review(self.requesters.holding_hit(hit_id), hit_id)
        if found is None:
            return self.problem(request, 404, f"There is no HIT {hit_id}.")
        hit, reviewed = found
        return self.render(
            request, "requester_hit.html", status, hit=hit, reviewed=reviewed, error=error
        )

    async def approve(self, request: Request) -> Response:
        return await self._review(request, "ApproveAssignment", "approved")

    async def reject(self, request: Request) -> Response:
        return await self._review(request, "RejectAssignment", "rejected")

    async def _review(self, request: Request, operation: str, done: str) -> Response:
        """Approve or reject as the API does it (the same checks, handler and errors)."""
        given, _ = await self.posted(request)
        assignment_id = request.path_params["assignment_id"]
        params = {"AssignmentId": assignment_id}
        feedback = given.get("RequesterFeedback", "")
        if feedback or operation == "RejectAssignment":
            params["RequesterFeedback"] = feedback
        owner = self.requesters.holding_assignment(assignment_id)
        entry = owner.store.assignment_entry(assignment_id)
        try:
            self.call(owner, operation, params)
        except AwsError as error:
            if entry is None:
                return self.problem(request, error.status, error.message)
            return self._review_page(request, entry.record.HITId, error.status, error.message)
        assert entry is not None  # the API found it
        return RedirectResponse(f"{SITE}/requester/hits/{entry.record.HITId}?done={done}", 303)

    # --- Shared -----------------------------------------------------------------------------

    async def static_file(self, request: Request) -> Response:
        found = self.static.get(request.path_params["name"])
        if found is None:
            return await self.not_found(request)
        return Response(found[0], media_type=found[1], headers={"Cache-Control": "max-age=300"})

    async def not_found(self, request: Request) -> Response:
        return self.problem(request, 404, f"There is no page at {request.url.path}.")

    def _requester_of(self, hit_id: str) -> str:
        """Who a HIT's requester is, as the worker's pages name them."""
        if not self.requesters.isolated:
            return REQUESTER_NAME
        return self.requesters.name_of(self.requesters.holding_hit(hit_id))

    def _hit(self, hit_id: str) -> HIT:
        row = self.requesters.holding_hit(hit_id).store.hit(hit_id)
        if row is None:
            raise _Missing(f"There is no HIT {hit_id}.")
        return row.record

    def _requestable(self, request: Request) -> q.QualificationType:
        type_id = request.path_params["type_id"]
        found = views.requestable_type(self.requesters, type_id)
        if found is None:
            raise _Missing(f"There is no requestable Qualification type {type_id}.")
        return found

    def _own_assignment(self, request: Request) -> Assignment:
        """The worker's own assignment named in the path (another worker's is not there)."""
        worker = _required_worker(request)
        assignment_id = request.path_params["assignment_id"]
        owner = self.requesters.holding_assignment(assignment_id)
        owner.catch_up()
        entry = owner.store.assignment_entry(assignment_id)
        if entry is None or entry.record.WorkerId != worker:
            raise _Missing(
                f"You hold no assignment {assignment_id}: it was returned, abandoned (its time"
                " ran out) or is another worker's."
            )
        return entry.record

    def _known_workers(self) -> list[str]:
        """Workers who have done work here, to pick from (at most 20)."""
        seen: dict[str, None] = {}
        for account in self.requesters:
            for row in account.store.all_assignments():
                seen.setdefault(row.record.WorkerId, None)
                if len(seen) == 20:
                    return sorted(seen)
        return sorted(seen)


class _Refused(Exception):
    """A post another site sent, or one without this session's token."""


class _NoWorker(Exception):
    """A worker's page asked for without a WorkerId chosen."""


class _Missing(Exception):
    """What the path names is not there."""


def worker_of(request: Request) -> str:
    """The WorkerId this browser works as ("" when none is chosen, or the cookie is not one)."""
    worker_id = request.cookies.get(WORKER_COOKIE, "")
    try:
        check_worker_id(worker_id)
    except WorkerError:
        return ""
    return worker_id


def _required_worker(request: Request) -> str:
    worker = worker_of(request)
    if not worker:
        raise _NoWorker
    return worker


def _question(hit: HIT) -> QuestionInfo:
    """What the HIT asks (http URLs are shown whatever the https setting). A HIT loaded from a
    fixture may hold a Question no page can show: the page then says why."""
    try:
        return check_question(hit.Question)
    except AwsError as error:
        raise _Missing(f"HIT {hit.HITId} cannot be shown: {error.message}") from None


def _test(wanted: q.QualificationType) -> QuestionInfo | None:
    """A type's Test (checked as a QuestionForm when the type was stored), if it has one."""
    if wanted.Test is None:
        return None
    try:
        return check_question(wanted.Test)
    except AwsError as error:
        raise _Missing(f"The test of {wanted.Name} cannot be shown: {error.message}") from None


def _money(amount: str) -> str:
    return f"${parse_amount(amount):.2f}" if amount else ""


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def _when(instant: datetime | None) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC") if instant is not None else ""
