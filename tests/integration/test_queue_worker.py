"""Real ``shelfaudit worker`` and ``shelfaudit serve`` processes on Redis and PostgreSQL.

Originals live in a local data folder shared by the processes of one test.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from shelfaudit.auth.accounts import create_api_key
from shelfaudit.auth.roles import Role
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.queue.celery_app import create_celery
from shelfaudit.queue.dispatch import CeleryDispatcher
from shelfaudit.queue.sweep import sweep
from shelfaudit.runtime import Runtime, build_runtime
from tests.integration.photos import (
    a_photo,
    analysis_count,
    photo_status,
    store_photo,
    wait_for_status,
)
from tests.integration.processes import (
    ShelfAuditProcess,
    api_server,
    celery_worker,
    shelfaudit_env,
    shelfaudit_process,
)
from tests.integration.servers import RedisBroker, closed_port, settings_on

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ANALYSIS_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Deployment:
    """The settings one test's processes share: database, data folder, broker and queue."""

    workdir: Path
    settings: dict[str, Any]

    def env(self, **overrides: object) -> dict[str, str]:
        return shelfaudit_env(**{**self.settings, **overrides})

    def runtime(self) -> Runtime:
        return build_runtime(settings_on(**self.settings), upgrade_db=True)

    def api_key(self) -> str:
        """A new admin API key (admins may call every route these tests use)."""
        runtime = self.runtime()
        try:
            with runtime.sessions.begin() as session:
                _, key = create_api_key(
                    session, name=f"integration-{secrets.token_hex(4)}", role=Role.admin
                )
        finally:
            runtime.close()
        return key

    def http(self, api: ShelfAuditProcess) -> httpx.Client:
        assert api.url is not None
        headers = {"Authorization": f"Bearer {self.api_key()}"}
        return httpx.Client(base_url=api.url, headers=headers, timeout=30)

    def dispatcher(self) -> CeleryDispatcher:
        settings = settings_on(**self.settings)
        return CeleryDispatcher(create_celery(settings), settings.queue_name)


@pytest.fixture
def deployment(tmp_path: Path, postgres_url: str, redis_broker: RedisBroker) -> Deployment:
    """A migrated database and a queue of this test's own (so no other worker takes its tasks)."""
    queue = redis_broker.queue(secrets.token_hex(3))
    deployment = Deployment(
        tmp_path,
        {
            "data_dir": tmp_path / "data",
            "database_url": postgres_url,
            "broker_url": redis_broker.url,
            "queue_name": queue,
        },
    )
    deployment.runtime().close()  # migrates, as `shelfaudit db upgrade` would
    return deployment


def poll_photo(http: httpx.Client, photo_id: int, status: PhotoStatus) -> dict[str, Any]:
    deadline = time.monotonic() + ANALYSIS_TIMEOUT_S
    while True:
        response = http.get(f"/v1/photos/{photo_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] == status:
            return body
        if body["status"] == PhotoStatus.failed or time.monotonic() > deadline:
            pytest.fail(f"photo {photo_id} is {body['status']}: {body['last_error']}")
        time.sleep(0.2)


def test_a_photo_posted_to_the_api_is_analysed_by_a_real_worker(deployment: Deployment) -> None:
    env = deployment.env()
    photo = a_photo(5)
    with (
        celery_worker("worker", env=env, workdir=deployment.workdir),
        api_server("api", env=env, workdir=deployment.workdir) as api,
        deployment.http(api) as http,
    ):
        assert http.get("/healthz").json()["queue"] == "celery"
        assert http.put("/v1/stores/S-1", json={"name": "Store 1"}).status_code == 200
        assert http.put("/v1/reps/R-1", json={"name": "Rep 1"}).status_code == 200

        response = http.post(
            "/v1/photos",
            files={"file": ("shelf.jpg", photo, "image/jpeg")},
            data={"store_id": "S-1", "rep_id": "R-1"},
        )
        assert response.status_code == 202, response.text
        accepted = response.json()

        body = poll_photo(http, accepted["photo_id"], PhotoStatus.analysed)
        original = http.get(f"/v1/photos/{accepted['photo_id']}/original")

    assert (body["store_id"], body["rep_id"], body["source_name"]) == ("S-1", "R-1", "shelf.jpg")
    assert [result["checks"]["decode"]["width"] for result in body["results"]] == [body["width"]]
    assert {"decode", "quality", "exif", "hashes", "duplicates"} <= set(
        body["results"][0]["checks"]
    )
    assert original.content == photo


@pytest.mark.parametrize(
    ("rescuer", "run_sweep"),
    [
        # Kombu hands the dead worker's unacknowledged message to the next consumer.
        pytest.param({"broker_visibility_timeout_s": 1}, False, id="broker-redelivery"),
        # The message stays unacknowledged for 10 minutes; the sweep re-queues the photo.
        pytest.param({"sweep_processing_lease_s": 1}, True, id="sweep"),
    ],
)
def test_a_photo_held_by_a_killed_worker_is_analysed_by_the_next_one(
    deployment: Deployment, rescuer: dict[str, object], run_sweep: bool
) -> None:
    runtime = deployment.runtime()
    dispatcher = deployment.dispatcher()
    try:
        photo_id = store_photo(runtime, a_photo(6))
        slow = deployment.env(debug_task_delay_s=30)
        with celery_worker("worker-slow", env=slow, workdir=deployment.workdir) as worker:
            dispatcher.submit(photo_id)
            wait_for_status(runtime.sessions, photo_id, {PhotoStatus.processing}, timeout_s=30)
            worker.kill_group()  # the main process and its prefork child, mid-task
        killed_at = time.monotonic()
        assert photo_status(runtime.sessions, photo_id) is PhotoStatus.processing

        env = deployment.env(**rescuer)
        with celery_worker("worker-rescue", env=env, workdir=deployment.workdir):
            if run_sweep:
                time.sleep(max(0.0, killed_at + 1.2 - time.monotonic()))  # the lease runs out
                assert photo_id in run_sweep_command(env, deployment.workdir)
            wait_for_status(
                runtime.sessions, photo_id, {PhotoStatus.analysed}, timeout_s=ANALYSIS_TIMEOUT_S
            )
        assert analysis_count(runtime.sessions, photo_id) == 1
    finally:
        dispatcher.close()
        runtime.close()


def run_sweep_command(env: dict[str, str], workdir: Path) -> list[int]:
    """``shelfaudit sweep``; returns the ids it re-queued."""
    swept = subprocess.run(
        [sys.executable, "-m", "shelfaudit.cli.main", "sweep"],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert swept.returncode == 0, swept.stderr
    requeued: list[int] = json.loads(swept.stdout)["requeued"]
    return requeued


def test_a_photo_accepted_while_the_broker_is_down_is_analysed_after_the_sweep(
    deployment: Deployment,
) -> None:
    broker_down = deployment.env(broker_url=f"redis://127.0.0.1:{closed_port()}/0")
    with (
        api_server("api-broker-down", env=broker_down, workdir=deployment.workdir) as api,
        deployment.http(api) as http,
    ):
        response = http.post("/v1/photos", files={"file": ("shelf.jpg", a_photo(7), "image/jpeg")})
        assert response.status_code == 202, response.text
        photo_id = response.json()["photo_id"]
        assert response.json()["status"] == PhotoStatus.received

    runtime = deployment.runtime()
    dispatcher = deployment.dispatcher()
    try:
        assert photo_status(runtime.sessions, photo_id) is PhotoStatus.received
        with celery_worker("worker", env=deployment.env(), workdir=deployment.workdir):
            requeued = sweep(
                runtime.sessions, dispatcher, received_grace_s=0, processing_lease_s=900
            )
            assert photo_id in requeued
            wait_for_status(
                runtime.sessions, photo_id, {PhotoStatus.analysed}, timeout_s=ANALYSIS_TIMEOUT_S
            )
        assert analysis_count(runtime.sessions, photo_id) == 1
    finally:
        dispatcher.close()
        runtime.close()


def test_a_worker_whose_model_is_corrupt_does_not_start(
    deployment: Deployment, tmp_path: Path
) -> None:
    from tests.api.test_model_preload import models_with_recapture

    models = models_with_recapture(tmp_path / "models", corrupt=True)
    env = deployment.env(models_dir=str(models), preload_models="true")
    with shelfaudit_process(
        "worker-broken", ["worker", "--concurrency", "1"], env=env, workdir=deployment.workdir
    ) as worker:
        code = worker.process.wait(timeout=90)
        log = worker.log()
    assert code != 0
    assert "worker not started" in log
    assert "recapture" in log
    assert " ready." not in log
