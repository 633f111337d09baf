"""Ways to get a photo analysed once it is accepted.

- ``CeleryDispatcher``: send the id to the broker; ``shelfaudit worker`` processes run it.
- ``ThreadDispatcher``: no broker; a small thread pool in the API process runs it.
- ``InlineDispatcher``: run it now, in the caller (``shelfaudit audit``).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from celery import Celery
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError

from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.errors import ModelError, TransientError
from shelfaudit.queue.celery_app import TASK_ANALYSE
from shelfaudit.results.process import Processor

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    def submit(self, photo_id: int) -> None: ...

    def close(self) -> None: ...


def process_with_retries(processor: Processor, photo_id: int, *, attempts: int) -> PhotoStatus:
    """Run the processor, retrying transient failures with a short backoff. After the last
    try the transient error is raised and the photo waits as ``received`` for the sweep
    (an outage never fails a photo)."""
    for attempt in range(1, attempts + 1):
        try:
            return processor.process(photo_id)
        except (TransientError, OperationalError, ModelError) as exc:
            # A model that cannot load is the deployment's fault: the photo waits for a fix.
            processor.record_transient(photo_id, f"{type(exc).__name__}: {exc}")
            if attempt == attempts:
                raise
            time.sleep(min(5.0, 0.2 * 2**attempt))
        except Exception as exc:
            # A bug: mark the photo failed instead of leaving it for the sweep forever.
            processor.record_failure(photo_id, f"{type(exc).__name__}: {exc}")
            raise
    raise AssertionError("unreachable")


class CeleryDispatcher:
    def __init__(self, app: Celery, queue: str) -> None:
        self.app = app
        self.queue = queue

    def submit(self, photo_id: int) -> None:
        try:
            self.app.send_task(TASK_ANALYSE, args=[photo_id], queue=self.queue)
        except BrokerError:
            # The photo is stored and recorded as `received`; the sweep will queue it.
            log.exception("broker unavailable; photo %s waits for the sweep", photo_id)

    def close(self) -> None:
        self.app.close()


class ThreadDispatcher:
    def __init__(self, processor: Processor, *, workers: int, attempts: int) -> None:
        self.processor = processor
        self.attempts = attempts
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analyse")

    def submit(self, photo_id: int) -> None:
        future = self.pool.submit(
            process_with_retries, self.processor, photo_id, attempts=self.attempts
        )
        future.add_done_callback(_log_failure)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)


class InlineDispatcher:
    def __init__(self, processor: Processor, *, attempts: int) -> None:
        self.processor = processor
        self.attempts = attempts

    def submit(self, photo_id: int) -> None:
        process_with_retries(self.processor, photo_id, attempts=self.attempts)

    def close(self) -> None:
        return None


def _log_failure(future: Future[PhotoStatus]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("in-process analysis failed: %s", exc, exc_info=exc)
