"""ASGI middleware that refuses request bodies over a limit before they are buffered."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(Exception):
    pass


# Bodies that are not files (JSON, YAML standards and rule sets, forms): the largest the
# service takes is a 256 KB display standard. An 18 MB JSON object of 1.5 million unknown
# keys took 25 s of validation and error reporting.
MAX_TEXT_BYTES = 1024 * 1024


class BodyLimitMiddleware:
    """Answer 413 as soon as Content-Length or the bytes received pass the limit:
    ``max_bytes`` for multipart uploads (files), ``max_text_bytes`` for any other body."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_text_bytes: int = MAX_TEXT_BYTES):
        self.app = app
        self.max_bytes = max_bytes
        self.max_text_bytes = max_text_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        files = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
        limit = self.max_bytes if files else self.max_text_bytes
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._refuse(send, limit, files)
            return

        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app made of the aborted body, the answer is 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if exceeded and not started:
            await self._refuse(send, limit, files)

    async def _refuse(self, send: Send, limit: int, files: bool) -> None:
        what = "request body" if files else "request body (not a file upload)"
        body = json.dumps(
            {
                "error": {
                    "code": "payload_too_large",
                    "message": f"{what} over the limit of {limit:,} bytes "
                    f"({limit / 2**20:.1f} MiB)",
                    "field": "file" if files else "body",
                }
            }
        ).encode()
        headers: list[Any] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
