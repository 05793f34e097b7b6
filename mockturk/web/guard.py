"""What keeps the site's forms from being posted by other sites: a token tied to the browser's
session cookie in every form, and a refusal of posts that say they come from elsewhere."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "mockturk_session"
TOKEN_FIELD = "csrf_token"
_SAME_SITE_FETCHES = frozenset({"same-origin", "none"})


class Guard:
    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)

    def session(self, request: Request) -> tuple[str, bool]:
        """The browser's session, and whether it is new (then :meth:`keep` must set it)."""
        given = request.cookies.get(SESSION_COOKIE, "")
        if len(given) == 43 and given.isascii():
            return given, False
        return secrets.token_urlsafe(32), True

    def token(self, session: str) -> str:
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()

    def keep(self, response: Response, session: str) -> None:
        response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="strict", path="/")

    def refusal(self, request: Request, form_token: str) -> str | None:
        """Why a post to the site is refused (None: it is not): sent by another site, or
        without the token of this browser's session."""
        fetch_site = request.headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site not in _SAME_SITE_FETCHES:
            return "This form was sent from another site."
        origin = request.headers.get("origin")
        if origin is not None and origin != own_origin(request):
            return "This form was sent from another site."
        session = request.cookies.get(SESSION_COOKIE)
        if not session or not hmac.compare_digest(self.token(session), form_token):
            return "This form has expired: reload the page and try again."
        return None


def own_origin(request: Request) -> str:
    """The scheme and host the browser reached this server at."""
    return f"{request.url.scheme}://{request.url.netloc}"
