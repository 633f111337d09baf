"""Celery tasks: thin adapters around ``Processor.process``.

The runtime (database pool, object store client) is built once per worker process, after
the fork, never at import time.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_init, worker_process_init
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.errors import ModelError, NotFound, SchemaOutOfDate, TransientError
from shelfaudit.queue.celery_app import TASK_ANALYSE
from shelfaudit.runtime import (
    Runtime,
    build_runtime,
    check_schema,
    preload_models,
    verify_models,
)
from shelfaudit.settings import get_settings
from shelfaudit.store.database import make_engine
from shelfaudit.store.tables import Photo

log = logging.getLogger(__name__)

_lock = threading.Lock()
_runtime: Runtime | None = None

# A model that cannot be loaded is a deployment's fault, not the photo's: its photos wait
# as `received` (last_error says why) until the artifact is fixed, as for an outage.
RETRYABLE = (TransientError, OperationalError, ModelError)


def worker_runtime() -> Runtime:
    global _runtime
    with _lock:
        if _runtime is None:
            runtime = build_runtime(get_settings())
            preload_models(runtime)
            _runtime = runtime
        return _runtime


@worker_init.connect
def _refuse_to_start_without_models(**_: Any) -> None:
    """A worker whose models cannot load, or whose database schema is not this release's,
    would take every photo off the queue only to defer or fail it: it does not start
    (``SHELFAUDIT_PRELOAD_MODELS``; ``shelfaudit db upgrade``), so healthy workers get them.
    SystemExit, because Celery logs and ignores a signal handler's other exceptions."""
    try:
        check_schema(get_settings())
        verify_models(get_settings())
    except (ModelError, SchemaOutOfDate) as exc:
        log.critical("worker not started: %s", exc)
        raise SystemExit(f"shelfaudit worker not started: {exc}") from exc


@worker_process_init.connect
def _reset_after_fork(**_: Any) -> None:
    # Connections inherited from the parent must not be shared across processes.
    global _runtime
    with _lock:
        _runtime = None


def _note_without_runtime(photo_id: int, error: str) -> None:
    """Put ``error`` on the photo through a connection of its own (the runtime, object
    store included, could not be built), so that the API shows why it waits."""
    engine = make_engine(get_settings().resolved_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(Photo)
                .where(Photo.id == photo_id, Photo.status == PhotoStatus.received)
                .values(last_error=error[:2000])
            )
    except RETRYABLE as also:
        log.warning("photo %s: cannot note why it waits (%s)", photo_id, also)
    finally:
        engine.dispose()


@shared_task(name=TASK_ANALYSE, bind=True, acks_late=True, max_retries=None)
def analyse_photo(self: Task, photo_id: int) -> str:
    retries = int(self.request.retries)
    last_try = retries + 1 >= get_settings().max_attempts
    try:
        runtime = worker_runtime()
    except RETRYABLE as exc:  # storage or database down (or misconfigured) as the worker starts
        if last_try:
            # The photo stays `received`; the sweep queues it again once per grace period.
            # The API's /healthz shows an outage it shares; a fault of this worker alone
            # (its own wrong credentials) shows here and on the photo's last_error.
            log.error("photo %s left for the sweep: this worker cannot start: %s", photo_id, exc)
            _note_without_runtime(photo_id, f"a worker cannot start: {exc}")
            return "deferred"
        raise self.retry(exc=exc, countdown=min(300, 2 ** (retries + 1))) from exc
    try:
        return str(runtime.processor.process(photo_id))
    except NotFound:
        log.warning("photo %s vanished before analysis; dropping the task", photo_id)
        return "missing"
    except RETRYABLE as exc:
        runtime.processor.record_transient(photo_id, f"{type(exc).__name__}: {exc}")
        if last_try:
            # Still down: the photo waits as `received`, and the sweep queues it again once
            # per grace period until storage is back. Never `failed` for an outage.
            log.warning(
                "photo %s left for the sweep after %s tries: %s", photo_id, retries + 1, exc
            )
            return "deferred"
        raise self.retry(exc=exc, countdown=min(300, 2 ** (retries + 1))) from exc
    except Exception as exc:
        # A bug, not a passing outage: retrying cannot help, and leaving the photo
        # `processing` would make the sweep re-queue it forever. Mark it failed, loudly.
        log.exception("analysing photo %s failed", photo_id)
        runtime.processor.record_failure(photo_id, f"{type(exc).__name__}: {exc}")
        raise
