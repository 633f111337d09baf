"""ASGI middleware that answers 401 to a body sent to the API with no credentials at all,
before a byte of it is read.

FastAPI parses a body (a 25 MB multipart upload included) before it runs the route's
dependencies, so an anonymous caller could make the server read and parse uploads it will
refuse anyway. Every ``/v1/`` route that takes a body needs a caller, except logging in;
whether the credentials are right is still for the route to decide.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from shelfaudit.api.errors import error_body

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_OPEN = frozenset({"/v1/session"})  # logging in
_SESSION_COOKIE = "shelfaudit_session="


def _has_credentials(headers: Headers) -> bool:
    return bool(
        headers.get("authorization")
        or headers.get("x-api-key")
        or _SESSION_COOKIE in headers.get("cookie", "")
    )


class AnonymousBodyGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _BODY_METHODS
            and scope["path"].startswith("/v1/")
            and scope["path"] not in _OPEN
            and not _has_credentials(Headers(scope=scope))
        ):
            await _refuse(send)
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send) -> None:
    body = json.dumps(error_body("unauthenticated", "log in, or send an API key")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread body is not drained
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})
