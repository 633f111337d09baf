"""``shelfaudit users``, ``apikeys`` and ``export labels``, run as a user does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfaudit.api.app import create_app
from shelfaudit.commission import Decision
from shelfaudit.review.decisions import decide
from shelfaudit.runtime import build_runtime
from tests.api.helpers import log_in
from tests.conftest import embedded_settings
from tests.factories import DATASETS, REPO
from tests.seeds import APPROVER, add_photo, seed_master_data

SHELFAUDIT = [sys.executable, "-m", "shelfaudit.cli.main"]


def shelfaudit(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFAUDIT_")}
    env["SHELFAUDIT_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [*SHELFAUDIT, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_a_user_made_on_the_command_line_can_log_in(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = shelfaudit(
        data, "users", "create", "mai", "--role", "approver", "--password-stdin",
        stdin="a long enough secret\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    again = shelfaudit(
        data, "users", "create", "mai", "--role", "admin", "--password-stdin", stdin="x" * 12
    )
    assert again.returncode == 2
    assert "exists" in again.stderr
    with TestClient(create_app(embedded_settings(data)), follow_redirects=False) as web:
        assert log_in(web, "mai", "a long enough secret").headers["location"] == "/review"

        disabled = shelfaudit(data, "users", "disable", "mai")
        assert disabled.returncode == 0
        assert "no active admin is left" in disabled.stderr  # mai is an approver; none made
        assert web.get("/review").status_code == 303  # the session ended with the account
        assert "disabled" in shelfaudit(data, "users", "list").stdout
        shelfaudit(data, "users", "enable", "mai")
        reset = shelfaudit(
            data, "users", "reset-password", "mai", "--password-stdin", stdin="new secret here\n"
        )
        assert reset.returncode == 0, reset.stderr
        assert log_in(web, "mai", "new secret here").headers["location"] == "/review"
    assert shelfaudit(data, "users", "list").stdout.split("\t")[:3] == ["mai", "approver", "active"]
    unknown = shelfaudit(data, "users", "disable", "nobody")
    assert unknown.returncode == 2
    assert "no user 'nobody'" in unknown.stderr


def test_an_api_key_is_printed_once_and_works(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = shelfaudit(data, "apikeys", "create", "sfa-vietnam")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("sa_")
    assert "shown once" in made.stderr
    with TestClient(create_app(embedded_settings(data))) as client:
        assert client.get("/v1/stores", headers={"X-API-Key": key}).status_code == 200
        assert shelfaudit(data, "apikeys", "revoke", "sfa-vietnam").returncode == 0
        assert client.get("/v1/stores", headers={"X-API-Key": key}).status_code == 401
    again = shelfaudit(data, "apikeys", "revoke", "sfa-vietnam")
    assert again.returncode == 0
    assert "already revoked on" in again.stderr
    (listed,) = shelfaudit(data, "apikeys", "list").stdout.splitlines()
    name, role, prefix, _, state = listed.split("\t")
    assert (name, role, prefix) == ("sfa-vietnam", "sfa", f"{key[:10]}...")
    assert state.startswith("revoked ")


def test_export_labels_writes_yolo_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    runtime = build_runtime(embedded_settings(data), upgrade_db=True)
    try:
        seed_master_data(runtime)
        boxes = [{"xyxy": [0, 0, 160, 120], "class_name": "can", "confidence": 0.9}]
        photo = add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=boxes)
        with runtime.sessions.begin() as session:
            decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    finally:
        runtime.close()
    out = tmp_path / "labels"
    done = shelfaudit(
        data, "export", "labels", "--format", "yolo", "--since", "2020-01-01", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    # the served detector's 17 classes keep their ids; "can" is not one of them: id 17
    assert "1 photo, 1 box, 18 classes (yolo) in" in done.stdout
    assert "1 train, 0 val" in done.stdout  # one store: nothing to measure it against
    assert (
        out / "labels" / "train" / f"{photo}.txt"
    ).read_text() == "17 0.250000 0.250000 0.500000 0.500000\n"
    assert f"17: {json.dumps('can')}" in (out / "data.yaml").read_text()
    assert '0: "beer_bottle"' in (out / "data.yaml").read_text()


@pytest.mark.parametrize(
    "command", [["export", "labels", "--since", "2020-01-01"], ["export", "sku-examples"]]
)
def test_export_to_a_file_path_says_so_before_any_work(tmp_path: Path, command: list[str]) -> None:
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    done = shelfaudit(tmp_path / "data", *command, "--out", str(taken))
    assert done.returncode == 2
    assert "a file is there; give a folder" in done.stderr
    assert taken.read_text() == "keep me"


def test_export_into_a_folder_holding_an_earlier_export_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "labels"
    (out / "labels").mkdir(parents=True)
    (out / "labels" / "1.txt").write_text("3 0.5 0.5 0.1 0.1\n")
    done = shelfaudit(
        tmp_path / "data", "export", "labels", "--since", "2020-01-01", "--out", str(out)
    )
    assert done.returncode == 2
    assert "is not empty" in done.stderr


def test_a_model_the_registry_misdescribes_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    import shutil

    models = tmp_path / "models"
    shutil.copytree(REPO / "models" / "shelves", models / "shelves")
    registry = json.loads((REPO / "models" / "registry.json").read_text())
    shelves = registry["models"]["shelves"]
    shelves["meta"]["classes"] = ["rack"]  # the file was trained on "shelf"
    (models / "registry.json").write_text(json.dumps({"models": {"shelves": shelves}}))
    photo = sorted((DATASETS / "sku110k_shelves/images").glob("*.jpg"))[0]
    done = subprocess.run(
        [*SHELFAUDIT, "detect", str(photo), "--json"],
        env={**os.environ, "SHELFAUDIT_MODELS_DIR": str(models)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "the model was trained on ['shelf']" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_settings_and_an_unmigrated_database_are_one_line_not_a_traceback(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFAUDIT_")}
    env |= {"SHELFAUDIT_DATA_DIR": str(tmp_path / "data"), "SHELFAUDIT_ENVIRONMENT": "production"}

    def users_list(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*SHELFAUDIT, "users", "list"], env={**env, **extra}, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip

    no_database = users_list(SHELFAUDIT_DATABSE_URL="sqlite:///x.db")
    assert no_database.returncode == 2
    assert "invalid settings" in no_database.stderr
    assert "did you mean SHELFAUDIT_DATABASE_URL" in no_database.stderr
    assert "Traceback" not in no_database.stderr

    empty = users_list(SHELFAUDIT_DATABASE_URL=f"sqlite:///{tmp_path / 'new.db'}")
    assert empty.returncode == 1
    assert "run `shelfaudit db upgrade`" in empty.stderr
    assert "Traceback" not in empty.stderr
