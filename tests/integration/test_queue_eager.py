"""The analyse task in Celery's eager mode (in-process, no broker) on PostgreSQL.

Eager mode is no test of a worker (see test_queue_worker.py); it proves the task adapter
builds its runtime from the settings and calls the processor.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.queue import tasks
from shelfaudit.queue.celery_app import TASK_ANALYSE, create_celery
from shelfaudit.runtime import build_runtime
from shelfaudit.settings import get_settings
from tests.factories import jpeg_bytes
from tests.integration.photos import analysis_count, photo_status, store_photo
from tests.integration.servers import closed_port

pytestmark = pytest.mark.postgres


@pytest.fixture
def task_environment(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """What a worker process would see: SHELFAUDIT_* variables, no cached settings/runtime."""
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("SHELFAUDIT_DATABASE_URL", postgres_url)
    monkeypatch.setenv("SHELFAUDIT_DATA_DIR", str(tmp_path / "data"))
    # Eager mode must not touch the broker, so point it at a port where nothing listens.
    monkeypatch.setenv("SHELFAUDIT_BROKER_URL", f"redis://127.0.0.1:{closed_port()}/0")
    monkeypatch.setattr(tasks, "_runtime", None)
    get_settings.cache_clear()
    yield
    if tasks._runtime is not None:
        tasks._runtime.close()
    get_settings.cache_clear()


@pytest.mark.usefixtures("task_environment")
def test_the_analyse_task_runs_eagerly_and_marks_the_photo_analysed() -> None:
    settings = get_settings()
    runtime = build_runtime(settings, upgrade_db=True)
    try:
        photo_id = store_photo(runtime, jpeg_bytes(1600, 1200, seed=7))
        app = create_celery(settings)
        app.conf.update(task_always_eager=True, task_eager_propagates=True)

        result = app.tasks[TASK_ANALYSE].delay(photo_id)

        assert result.get(timeout=60) == PhotoStatus.analysed.value
        assert photo_status(runtime.sessions, photo_id) is PhotoStatus.analysed
        assert analysis_count(runtime.sessions, photo_id) == 1
    finally:
        runtime.close()


@pytest.mark.usefixtures("task_environment")
def test_the_analyse_task_drops_an_unknown_photo() -> None:
    app = create_celery(get_settings())
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    build_runtime(get_settings(), upgrade_db=True).close()

    assert app.tasks[TASK_ANALYSE].delay(2**31 - 1).get(timeout=60) == "missing"
