"""Review queue page load time with 10,000 open items.

Seeds an embedded database (SQLite in a temporary folder) with 10,000 analysed photos in the
review queue, logs an approver in, and times the queue page over HTTP in-process (the full
FastAPI stack: session check, keyset query, count, template): the first page, a page deep
in the queue (by its cursor), a filtered page, and a photo page. Prints medians.

    .venv/bin/python benchmarks/bench_review_queue.py [--items 10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

from shelfaudit.api.app import create_app
from shelfaudit.auth.accounts import create_user
from shelfaudit.auth.roles import Role
from shelfaudit.auth.sessions import open_session
from shelfaudit.runtime import Runtime
from shelfaudit.settings import Settings
from shelfaudit.store.tables import Activity, Analysis, Photo, Rep, ReviewItem, Store


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def approver_cookie(client: TestClient) -> str:
    with runtime_of(client).sessions.begin() as session:
        user = create_user(
            session,
            username="bench",
            password="bench password 1",  # noqa: S106 - a throwaway database
            role=Role.approver,
        )
        return open_session(session, user=user, ttl=timedelta(hours=1))


def seed(client: TestClient, items: int) -> None:
    runtime = runtime_of(client)
    rng = random.Random(7)
    now = datetime.now(UTC)
    with runtime.sessions.begin() as session:
        session.add_all(
            [Store(id=f"S{i}", name=f"Store {i}", region=f"region-{i % 8}") for i in range(200)]
            + [Rep(id=f"R{i}", name=f"Rep {i}") for i in range(100)]
            + [Activity(id=f"A{i}", name=f"Activity {i}") for i in range(5)]
        )
    photos, analyses, queue = [], [], []
    for n in range(1, items + 1):
        when = now - timedelta(minutes=n)
        store, rep, activity = f"S{n % 200}", f"R{n % 100}", f"A{n % 5}"
        photos.append(
            {
                "id": n,
                "sha256": f"{n:064x}",
                "object_key": f"originals/{n:064x}",
                "size_bytes": 1,
                "format": "jpeg",
                "width": 4000,
                "height": 3000,
                "rep_id": rep,
                "store_id": store,
                "activity_id": activity,
                "captured_at": when,
                "received_at": when,
                "status": "analysed",
                "attempts": 1,
                "updated_at": when,
            }
        )
        score = rng.random()
        analyses.append(
            {
                "photo_id": n,
                "pipeline_version": "bench",
                "checks": {"fraud": {"verdict": "review", "score": score, "reasons": []}},
                "flags": [],
                "ms": 1.0,
                "created_at": when,
                "updated_at": when,
            }
        )
        queue.append(
            {
                "photo_id": n,
                "state": "open",
                "reasons": ["verdict_review"],
                "verdict": "review",
                "risk": round(score * 10_000),
                "at_stake_milli": rng.choice((20_000, 30_000, 40_000, 50_000)) * 1000,
                "currency": "VND",
                "rep_id": rep,
                "store_id": store,
                "activity_id": activity,
                "region": f"region-{n % 200 % 8}",
                "captured_at": when,
                "queued_at": when,
                "updated_at": when,
            }
        )
    with runtime.sessions.begin() as session:
        for table, rows in ((Photo, photos), (Analysis, analyses), (ReviewItem, queue)):
            for start in range(0, len(rows), 2000):
                session.execute(insert(table), rows[start : start + 2000])


def timed(web: TestClient, path: str, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = web.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, data_dir=Path(folder))  # type: ignore[call-arg]
        with TestClient(create_app(settings)) as client:
            started = time.perf_counter()
            seed(client, args.items)
            print(f"seeded {args.items} queue items in {time.perf_counter() - started:.1f} s")
            web = TestClient(client.app, cookies={"shelfaudit_session": approver_cookie(client)})
            page = web.get("/review").text
            assert f"{args.items} open" in page, "the queue does not hold every item"
            deep = web.get("/v1/review/queue", params={"limit": 500}).json()
            for _ in range(10):  # 5,000 items down, by cursor
                deep = web.get(
                    "/v1/review/queue", params={"limit": 500, "after": deep["next"]}
                ).json()
            first_photo = deep["items"][0]["photo_id"]
            results = {
                "queue page 1 (50 rows)": timed(web, "/review", args.repeat),
                "queue page after 5,500 rows": timed(
                    web, f"/review?after={deep['next']}", args.repeat
                ),
                "queue filtered by region and rep": timed(
                    web, "/review?region=region-3&rep_id=R3", args.repeat
                ),
                "queue JSON, 50 items": timed(web, "/v1/review/queue", args.repeat),
                "photo page (next/previous in queue)": timed(
                    web, f"/review/photos/{first_photo}", args.repeat
                ),
            }
    print(f"{args.items} open items, median of {args.repeat} requests:")
    for name, ms in results.items():
        print(f"  {name:<38}{ms:8.1f} ms")


if __name__ == "__main__":
    main()
