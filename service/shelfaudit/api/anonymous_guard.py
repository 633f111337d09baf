"""ASGI middleware that answers 401 to a body sent to the API with no credentials at all,
before a byte of it is read.

FastAPI parses a body (a 25 MB multipart upload included) before it runs the route's
dependencies, so an anonymous caller could make the server read and parse uploads it will
refuse anyway. Every ``/v1/`` route that takes a body needs a caller, except logging in;
whether the credentials are right is still for the route to decide.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shelfaudit.api.errors import send_error
from shelfaudit.api.security import SESSION_COOKIE, api_key_of

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_OPEN = frozenset({"/v1/session"})  # logging in


class AnonymousBodyGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _BODY_METHODS
            and scope["path"].startswith("/v1/")
            and scope["path"] not in _OPEN
            and not _has_credentials(Request(scope))
        ):
            await send_error(send, 401, "unauthenticated", "log in, or send an API key")
            return
        await self.app(scope, receive, send)


def _has_credentials(request: Request) -> bool:
    """An API key or a session cookie, as ``api.security`` reads them (not yet checked)."""
    return bool(api_key_of(request)) or SESSION_COOKIE in request.cookies
