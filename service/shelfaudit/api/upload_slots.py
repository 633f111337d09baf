"""At most ``SHELFAUDIT_MAX_CONCURRENT_UPLOADS`` uploads validated and stored at once per
API process. A stalled object store or a run of huge PNGs then holds that many request
threads, not every thread the API has: reads and the review UI keep answering."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request

from shelfaudit.errors import TransientError

WAIT_S = 1.0  # past this an upload hears 503 and its app retries


def install(app: FastAPI, slots: int) -> None:
    app.state.upload_slots = threading.BoundedSemaphore(slots)


@contextmanager
def upload_slot(request: Request) -> Iterator[None]:
    slots: threading.BoundedSemaphore = request.app.state.upload_slots
    if not slots.acquire(timeout=WAIT_S):
        busy = "too many uploads are being stored at once; retry shortly"
        raise TransientError(busy, public=busy, retry_after_s=2)
    try:
        yield
    finally:
        slots.release()
