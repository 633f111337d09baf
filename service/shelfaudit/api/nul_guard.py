"""ASGI middleware that refuses a NUL character in the path or the query string.

PostgreSQL cannot hold NUL in text, not even as a query parameter, so ``?q=%00`` or a NUL in
a path id reached the driver and answered 500 (SQLite matched everything instead). Writes are
guarded at flush (``store/database.py``); this covers what is only read or compared.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from shelfaudit.api.errors import error_body


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", "")
        ):
            await _refuse(send)
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send) -> None:
    message = "the address holds a NUL character (%00), which no id or filter has"
    body = json.dumps(error_body("invalid_input", message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
