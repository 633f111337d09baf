"""A real HTTP server on localhost that records what webhooks send it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes to answer, then 200
    trickle_s: float = 0.0  # pause between the bytes of the answer's body

    def wait_for(self, test: Callable[[Received], bool], timeout: float = 20) -> Received:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in list(self.requests) if test(r)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"nothing matching arrived in {timeout} s: {self.requests}")


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            try:
                for byte in (b"o", b"k"):
                    self.wfile.flush()
                    time.sleep(state.trickle_s)
                    self.wfile.write(byte)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender took the status and hung up, as it should

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/shelfaudit"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
