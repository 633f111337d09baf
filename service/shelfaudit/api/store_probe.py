"""The object store's health for ``/healthz``: probed at most every ``TTL_S``, one probe at
a time, and waited on at most ``WAIT_S``.

A probe of a stalled S3 takes as long as the client's timeouts (20 s); probed on every call,
a load balancer's health checks held a request thread each and starved the API of them.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from shelfaudit.errors import TransientError
from shelfaudit.store.objects import ObjectStore

TTL_S = 5.0
WAIT_S = 2.0


class StoreProbe:
    def __init__(self, objects: ObjectStore, *, ttl_s: float = TTL_S, wait_s: float = WAIT_S):
        self.objects = objects
        self.ttl_s = ttl_s
        self.wait_s = wait_s
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-probe")
        self._running: Future[str] | None = None
        self._result: tuple[float, str] | None = None

    def status(self) -> str:
        """``ok``, or ``error: …`` saying why (no answer in time included)."""
        with self._lock:
            if self._result is not None and time.monotonic() - self._result[0] < self.ttl_s:
                return self._result[1]
            if self._running is None or self._running.done():
                self._running = self._pool.submit(self._probe)
            running = self._running
        try:
            return running.result(timeout=self.wait_s)
        except FutureTimeout:
            return f"error: no answer within {self.wait_s:.0f} s"

    def _probe(self) -> str:
        try:
            self.objects.check()
            found = "ok"
        except TransientError as exc:
            found = f"error: {exc.message[:200]}"
        with self._lock:
            self._result = (time.monotonic(), found)
        return found

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
