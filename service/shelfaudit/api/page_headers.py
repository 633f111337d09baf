"""ASGI middleware that adds the headers a review page needs and the routes forget.

- ``Cache-Control: no-store`` on HTML: after logging out, Back must not show a photo's
  evidence from the browser's cache. Images keep their own (private) caching.
- ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'`` everywhere: the queue has one-key
  shortcuts (``a`` approves), so a page framed by another site could be clicked through.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class PageHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
