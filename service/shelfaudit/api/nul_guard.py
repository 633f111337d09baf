"""ASGI middleware that refuses a NUL character in the path or the query string.

PostgreSQL cannot hold NUL in text, not even as a query parameter, so ``?q=%00`` or a NUL in
a path id reached the driver and answered 500 (SQLite matched everything instead). Writes are
guarded at flush (``store/database.py``); this covers what is only read or compared.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from shelfaudit.api.errors import send_error


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", "")
        ):
            message = "the address holds a NUL character (%00), which no id or filter has"
            await send_error(send, 400, "invalid_input", message)
            return
        await self.app(scope, receive, send)
