"""Helpers for in-process CLI tests: the settings come from the environment, as for a user."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from shelfaudit.cli.main import app
from shelfaudit.settings import get_settings
from tests.catalogue_factories import embedder_models


def use_data_dir(monkeypatch: pytest.MonkeyPatch, root: Path, **env: str) -> Path:
    """A fresh data dir under ``root`` with a models folder holding only the fake SKU
    embedder; ``env`` adds ``SHELFAUDIT_<NAME>`` settings. Returns the data dir."""
    data = root / "data"
    monkeypatch.setenv("SHELFAUDIT_DATA_DIR", str(data))
    monkeypatch.setenv("SHELFAUDIT_MODELS_DIR", str(embedder_models(root / "models")))
    for name, value in env.items():
        monkeypatch.setenv(f"SHELFAUDIT_{name.upper()}", value)
    get_settings.cache_clear()
    return data


def shelfaudit(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def json_lines(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
