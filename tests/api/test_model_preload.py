"""A model that cannot be loaded stops the service at start, and never fails a photo."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfaudit.api.app import create_app
from shelfaudit.errors import ModelIntegrityError
from tests.api.helpers import authorise, create_rep, create_store, upload
from tests.conftest import embedded_settings
from tests.factories import jpeg_bytes

REPO = Path(__file__).resolve().parents[2]


def models_with_recapture(folder: Path, *, corrupt: bool) -> Path:
    """A models folder holding the recapture model only, its file damaged if asked."""
    shutil.copytree(REPO / "models" / "recapture", folder / "recapture")
    registry = json.loads((REPO / "models" / "registry.json").read_text())
    entry = registry["models"]["recapture"]
    (folder / "registry.json").write_text(json.dumps({"models": {"recapture": entry}}))
    if corrupt:
        path = folder / entry["file"]
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF  # one flipped byte, as a bad copy or disk would
        path.write_bytes(bytes(data))
    return folder


def test_a_corrupt_model_stops_the_service_at_start(tmp_path: Path) -> None:
    settings = embedded_settings(
        tmp_path / "data",
        models_dir=models_with_recapture(tmp_path / "models", corrupt=True),
        preload_models=True,
    )
    with pytest.raises(ModelIntegrityError, match="recapture"), TestClient(create_app(settings)):
        pass


def test_sound_models_are_loaded_before_the_first_photo(tmp_path: Path) -> None:
    settings = embedded_settings(
        tmp_path / "data",
        models_dir=models_with_recapture(tmp_path / "models", corrupt=False),
        preload_models=True,
    )
    with TestClient(create_app(settings)) as client:
        cache = client.app.state.runtime.models  # type: ignore[attr-defined]
        assert {name for name, _ in cache._loaded} == {"recapture"}


def test_a_photo_waits_received_while_its_model_cannot_be_loaded(tmp_path: Path) -> None:
    settings = embedded_settings(
        tmp_path / "data",
        models_dir=models_with_recapture(tmp_path / "models", corrupt=True),
        preload_models=False,
        max_attempts=2,
    )
    with TestClient(create_app(settings)) as raw:
        client = authorise(raw)
        create_store(client)
        create_rep(client)
        sent = upload(client, jpeg_bytes())
        assert sent.status_code == 202, sent.text
        photo_id = sent.json()["photo_id"]
        deadline = time.monotonic() + 30
        while True:
            body = client.get(f"/v1/photos/{photo_id}").json()
            if body["status"] == "received" and body.get("last_error"):
                break
            assert body["status"] not in ("failed", "analysed"), body
            assert time.monotonic() < deadline, body
            time.sleep(0.05)
    assert "ModelIntegrityError" in body["last_error"]


def test_a_models_folder_that_does_not_exist_stops_the_service(tmp_path: Path) -> None:
    from shelfaudit.errors import ModelNotFound

    settings = embedded_settings(
        tmp_path / "data", models_dir=tmp_path / "modles", preload_models=True
    )
    with (
        pytest.raises(ModelNotFound, match="modles does not exist"),
        TestClient(create_app(settings)),
    ):
        pass
