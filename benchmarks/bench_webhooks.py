"""Webhook delivery: how fast the outbox empties, and what a slow receiver costs the others.

Seeds an embedded database (SQLite in a temporary folder) with ``--events`` pending
deliveries for each of two endpoints on a real HTTP server on localhost, then runs the
delivery loop's own function (``notify.deliver.deliver_due``) until the outbox is empty.
Run once with both receivers answering at once, once with one receiver taking ``--slow-ms``
per request. Prints deliveries per second, and per endpoint the time until its last
delivery (the slow one first).

    .venv/bin/python benchmarks/bench_webhooks.py [--events 500] [--slow-ms 200]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from shelfaudit.auth.principal import Principal
from shelfaudit.auth.roles import Role
from shelfaudit.notify.deliver import HttpSender, deliver_due
from shelfaudit.notify.endpoints import add_endpoint
from shelfaudit.notify.events import DeliveryStatus, EventType, publish
from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.settings import Settings
from shelfaudit.store.tables import WebhookDelivery, utcnow

ADMIN = Principal(name="bench", role=Role.admin)


@contextmanager
def receiver(delay_s: float) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(delay_s)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()
        server.server_close()


def run(runtime: Runtime, urls: list[str], events: int) -> dict[str, float]:
    with runtime.sessions.begin() as session:
        ids = [
            add_endpoint(
                session, url=url, events=None, description=None, actor=ADMIN, require_https=False
            ).id
            for url in urls
        ]
        for _ in range(events):
            publish(session, EventType.ping, endpoint_ids=ids)
    started, wall = time.perf_counter(), utcnow()
    send = HttpSender(timeout_s=5.0)
    while True:
        deliver_due(runtime.sessions, send, max_attempts=3, lease=timedelta(minutes=5))
        with runtime.sessions() as session:
            waiting = session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.status == DeliveryStatus.pending)
            )
        if not waiting:
            break
    total = time.perf_counter() - started
    with runtime.sessions() as session:
        last = dict(
            session.execute(
                select(
                    WebhookDelivery.endpoint_id, func.max(WebhookDelivery.delivered_at)
                ).group_by(WebhookDelivery.endpoint_id)
            ).all()
        )
    return {
        "deliveries_per_s": events * len(ids) / total,
        **{
            f"endpoint_{n}_done_s": (last[i] - wall).total_seconds()
            for n, i in enumerate(ids, start=1)
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--slow-ms", type=float, default=200.0)
    args = parser.parse_args()
    for label, delays in (("both fast", (0.0, 0.0)), ("one slow", (args.slow_ms / 1000, 0.0))):
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(_env_file=None, data_dir=Path(folder), preload_models=False)  # type: ignore[call-arg]
            runtime = build_runtime(settings, upgrade_db=True)
            try:
                with receiver(delays[0]) as first, receiver(delays[1]) as second:
                    figures = run(runtime, [first, second], args.events)
            finally:
                runtime.close()
        shown = ", ".join(f"{k} {v:.2f}" for k, v in figures.items())
        print(f"{label} ({args.events} events x 2 endpoints): {shown}")


if __name__ == "__main__":
    main()
