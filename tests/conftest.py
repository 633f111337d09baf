"""Shared fixtures: an isolated embedded ShelfAudit (SQLite + local folder) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfaudit.api.app import create_app
from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.settings import Settings


def embedded_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for the embedded defaults under ``data_dir``, ignoring the environment.

    Models load on first use (each test app would otherwise load all four at start);
    ``tests/api/test_model_preload.py`` runs with the default."""
    overrides.setdefault("preload_models", False)
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return embedded_settings(tmp_path / "data")


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings, upgrade_db=True)
    yield rt
    rt.close()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The API as an SFA app calls it: every request carries a valid API key."""
    from tests.api.helpers import authorise

    with TestClient(create_app(settings)) as test_client:
        yield authorise(test_client)


@pytest.fixture(autouse=True)
def _no_shelfaudit_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their settings explicitly; a developer's SHELFAUDIT_* must not leak in."""
    import os

    from shelfaudit.settings import get_settings

    for name in list(os.environ):
        if name.startswith("SHELFAUDIT_") and name != "SHELFAUDIT_SHARED_DIR":
            monkeypatch.delenv(name)
    # Nor settings an earlier test's CLI call read from its own environment.
    get_settings.cache_clear()
