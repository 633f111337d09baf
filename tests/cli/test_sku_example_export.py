"""Confirmed field examples go back to the ML engineers: ``shelfaudit export sku-examples``
writes the GroceryStore layout that ``shelfaudit eval sku`` measures and ``training.sku``
trains on, split by source photo."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from shelfaudit.cli.main import app
from shelfaudit.evaluation.sku import read_classes, read_split
from shelfaudit.review.sku_example_export import val_photos
from shelfaudit.settings import get_settings
from tests.catalogue_factories import close_up, embedder_models, packshot_jpeg
from tests.factories import REPO


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    monkeypatch.setenv("SHELFAUDIT_DATA_DIR", str(data))
    monkeypatch.setenv("SHELFAUDIT_MODELS_DIR", str(embedder_models(tmp_path / "models")))
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def shelfaudit(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def exported(data_dir: Path, tmp_path: Path) -> Path:
    """Two SKUs with a packshot (Milk by Arla, Oat without a brand), one without, and six
    photos: photos 1-4 and 6 confirmed as Milk (one twice: whole and a facing), 5 as Oat."""
    for sku_id, seed, brand in (("Milk", 1, ["--brand", "Arla"]), ("Oat", 2, [])):
        pack = tmp_path / f"{sku_id}.jpg"
        pack.write_bytes(packshot_jpeg(seed))
        shelfaudit("skus", "add", sku_id, "--name", sku_id, *brand, "--packshot", str(pack))
    shelfaudit("skus", "add", "Bare", "--name", "Bare")
    for seed in range(1, 7):
        photo = tmp_path / f"photo-{seed}.jpg"
        photo.write_bytes(close_up(seed=10 + seed))
        photo_id = json.loads(shelfaudit("audit", str(photo), "--json").stdout)["photo_id"]
        sku_id = "Oat" if photo_id == 5 else "Milk"
        shelfaudit("skus", "add-example", sku_id, "--photo", str(photo_id))
    shelfaudit("skus", "add-example", "Milk", "--photo", "1", "--box", "0,0,800,600")
    shelfaudit("skus", "add-example", "Bare", "--photo", "2")
    out = tmp_path / "export"
    result = shelfaudit("export", "sku-examples", "--out", str(out))
    assert "2 SKUs, 6 train and 1 val field examples" in result.stdout
    assert "left out (no packshot): Bare" in result.output
    return out


def test_the_export_is_a_grocery_store_root(exported: Path) -> None:
    classes = read_classes(exported)
    assert [(c.name, c.fine_id, c.coarse_name, c.coarse_id) for c in classes] == [
        ("Milk", 0, "Arla", 0),
        ("Oat", 1, "Oat", 1),
    ]
    assert all(c.packshot.is_file() for c in classes)
    train = read_split(exported / "train.txt", exported)
    val = read_split(exported / "val.txt", exported)
    assert sorted(s.fine_id for s in train) == [0, 0, 0, 0, 0, 0]
    assert [(s.fine_id, s.coarse_id) for s in val] == [(1, 1)]  # photo 5: a multiple of 5
    assert all(s.path.is_file() for s in train + val)
    # photo 1's facing is embedded as a crop, the whole photos as close-ups, as the service does
    assert sorted(s.kind.value for s in train) == ["close_up"] * 5 + ["shelf_crop"]
    with (exported / "classes.csv").open(newline="") as handle:
        assert next(csv.reader(handle))[0] == "Class Name (str)"


def test_eval_sku_measures_the_export(exported: Path) -> None:
    result = shelfaudit(
        "eval", "sku", "--split", str(exported / "val.txt"), "--root", str(exported), "--json"
    )
    report = json.loads(result.stdout)
    assert (report["n"], report["gallery_skus"]) == (1, 2)


@pytest.mark.slow
def test_training_reads_the_export(exported: Path) -> None:
    out = exported / "run"
    command = [sys.executable, "-m", "training.sku.train", "--root", str(exported)]
    command += ["--out", str(out), "--epochs", "1", "--batch", "4", "--size", "32"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "sku_embedder.onnx").is_file()


@pytest.mark.parametrize(
    ("photos", "val"),
    [
        (set(), set()),
        ({7}, set()),  # one photo: it trains, nothing to measure it on
        ({1, 2}, {2}),  # no multiple of 5: the newest photo is measured
        ({1, 5, 9}, {5}),
        ({5, 10, 11}, {5, 10}),
    ],
)
def test_val_photos_keep_their_side_and_never_leave_val_empty(
    photos: set[int], val: set[int]
) -> None:
    assert val_photos(photos) == val


def test_a_small_export_still_has_a_val_photo(data_dir: Path, tmp_path: Path) -> None:
    """Photos 1 and 2, no multiple of five: the newest one's example is measured."""
    pack = tmp_path / "Milk.jpg"
    pack.write_bytes(packshot_jpeg(1))
    shelfaudit("skus", "add", "Milk", "--name", "Milk", "--packshot", str(pack))
    for seed in (1, 2):
        photo = tmp_path / f"photo-{seed}.jpg"
        photo.write_bytes(close_up(seed=10 + seed))
        photo_id = json.loads(shelfaudit("audit", str(photo), "--json").stdout)["photo_id"]
        shelfaudit("skus", "add-example", "Milk", "--photo", str(photo_id))
    out = tmp_path / "export"
    result = shelfaudit("export", "sku-examples", "--out", str(out))
    assert "1 SKU, 1 train and 1 val field examples" in result.stdout
    assert len(read_split(out / "val.txt", out)) == 1
