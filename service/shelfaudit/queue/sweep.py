"""The sweep: queue again every photo that waits too long or was held by a dead worker."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.queue.dispatch import Dispatcher
from shelfaudit.results.process import claim_stuck_photos
from shelfaudit.store.tables import utcnow

log = logging.getLogger(__name__)


def sweep(
    sessions: sessionmaker[Session],
    dispatcher: Dispatcher,
    *,
    received_grace_s: float,
    processing_lease_s: float,
    limit: int = 1000,
) -> list[int]:
    """Re-submit stuck photos; returns their ids. Safe to run any time: tasks are idempotent."""
    now = utcnow()
    with sessions.begin() as session:
        ids = claim_stuck_photos(
            session,
            received_before=now - timedelta(seconds=received_grace_s),
            processing_before=now - timedelta(seconds=processing_lease_s),
            now=now,
            limit=limit,
        )
    for photo_id in ids:
        dispatcher.submit(photo_id)
    if ids:
        log.info("sweep re-queued %d photos", len(ids))
    return ids


class PeriodicSweep:
    """Runs ``sweep`` every ``interval_s`` in a daemon thread until ``stop``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        dispatcher: Dispatcher,
        *,
        interval_s: float,
        received_grace_s: float,
        processing_lease_s: float,
    ) -> None:
        self._args = (sessions, dispatcher)
        self._grace = received_grace_s
        self._lease = processing_lease_s
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sweep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            try:
                sweep(*self._args, received_grace_s=self._grace, processing_lease_s=self._lease)
            except Exception:
                log.exception("sweep failed; trying again in %.0f s", self._interval)
            if self._stop.wait(self._interval):
                return
