"""A tiny SKU embedder trained end to end: a three-class GroceryStore-format root ->
``python -m training.sku.train`` -> ONNX -> the service's ``Embedder`` through the registry.

One epoch at 32 px on a dozen real photos: seconds. Nothing here measures accuracy; it
proves that what training exports is what serving loads (input size, dimension, unit
vectors for crops of any aspect, the same numbers as the torch model).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shelfaudit.analyse import sku
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.registry import Registry, file_sha256
from shelfaudit.ml.sessions import SessionOptions
from tests.factories import DATASETS, REPO, textured_rgb

pytestmark = pytest.mark.slow

GROCERY = DATASETS / "grocery_store"
# Three products that look nothing alike; their real ids are 8, 40 and 80.
CLASSES = ("Lemon", "Arla-Medium-Fat-Milk", "Zucchini")
N_TRAIN, N_VAL = 4, 1
SIZE = 32
DIM = 128  # train.py's default --dim


def copy_split(split: str, fine_ids: dict[int, int], per_class: int, root: Path) -> str:
    """The first ``per_class`` photos of each chosen class, renumbered, as split-file lines."""
    taken: dict[int, int] = {}
    lines = []
    for line in (GROCERY / f"{split}.txt").read_text().splitlines():
        path, fine, _ = (part.strip() for part in line.split(","))
        new = fine_ids.get(int(fine))
        if new is None or taken.get(new, 0) == per_class:
            continue
        taken[new] = taken.get(new, 0) + 1
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(GROCERY / path, target)
        lines.append(f"{path}, {new}, {new}\n")
    return "".join(lines)


def tiny_grocery_store(root: Path) -> Path:
    """classes.csv (GroceryStore's columns), one packshot per class on white, train/val."""
    with (GROCERY / "classes.csv").open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    chosen = sorted((r for r in rows if r and r[0] in CLASSES), key=lambda r: CLASSES.index(r[0]))
    fine_ids = {int(r[1]): new for new, r in enumerate(chosen)}
    with (root / "classes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for new, row in enumerate(chosen):
            packshot = row[4].lstrip("/")
            (root / packshot).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(GROCERY / packshot, root / packshot)
            writer.writerow([row[0], new, row[2], new, row[4], row[5]])
    (root / "train.txt").write_text(copy_split("train", fine_ids, N_TRAIN, root))
    (root / "val.txt").write_text(copy_split("val", fine_ids, N_VAL, root))
    return root


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m training.sku.train`` for one epoch; its output folder."""
    root = tiny_grocery_store(tmp_path_factory.mktemp("grocery"))
    out = root / "out"
    command = [sys.executable, "-m", "training.sku.train", "--root", str(root), "--out", str(out)]
    command += ["--epochs", "1", "--batch", "8", "--size", str(SIZE), "--many-share", "0.5"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def embedder(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The exported model, registered as ``sku_embedder`` and loaded as the SKU check does."""
    models = tmp_path_factory.mktemp("models")
    (models / "sku").mkdir()
    shutil.copyfile(trained / "sku_embedder.onnx", models / "sku" / "sku_embedder-test.onnx")
    entry = {
        "file": "sku/sku_embedder-test.onnx",
        "sha256": file_sha256(models / "sku" / "sku_embedder-test.onnx"),
        "version": "test",
        "task": "embed",
        "meta": {},  # size and dimension come from the graph itself
    }
    (models / "registry.json").write_text(json.dumps({"models": {sku.MODEL_NAME: entry}}))
    loaded = sku.load_embedder(ModelCache(Registry.load(models), SessionOptions()))
    assert loaded is not None
    return loaded


def crops() -> list[np.ndarray]:
    """Crops of very different aspect: tall, wide, square, a sliver and a single pixel."""
    shapes = [(90, 30), (30, 90), (48, 48), (4, 200), (1, 1)]
    return [textured_rgb(w, h, seed=i) for i, (h, w) in enumerate(shapes)]


def test_training_writes_its_history_and_weights(trained: Path) -> None:
    history = json.loads((trained / "history.json").read_text())
    assert [record["epoch"] for record in history] == [0]
    assert 0.0 <= history[0]["top1"] <= history[0]["top5"] <= 1.0
    assert {p.name for p in trained.iterdir()} >= {"best.pt", "last.pt", "sku_embedder.onnx"}


def test_the_exported_embedder_takes_its_size_and_dimension_from_the_graph(
    embedder: Embedder,
) -> None:
    assert (embedder.size, embedder.dim, embedder.version) == (SIZE, DIM, "test")


def test_crops_of_any_aspect_embed_to_unit_vectors(embedder: Embedder) -> None:
    vectors = embedder.embed(crops())

    assert vectors.shape == (5, DIM)
    assert vectors.dtype == np.float32
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, DIM)


def test_a_crop_embeds_the_same_alone_or_in_a_batch(embedder: Embedder) -> None:
    batch = embedder.embed(crops())
    alone = np.concatenate([embedder.embed([crop]) for crop in crops()])
    np.testing.assert_allclose(alone, batch, atol=1e-5)


def test_serving_matches_the_torch_model_it_was_exported_from(
    trained: Path, embedder: Embedder
) -> None:
    import torch

    from training.sku.model import EmbedNet
    from training.sku.train import embed

    model = EmbedNet(dim=DIM)
    model.load_state_dict(torch.load(trained / "best.pt", map_location="cpu")["model"])
    np.testing.assert_allclose(embedder.embed(crops()), embed(model, crops(), SIZE), atol=1e-4)


def test_a_run_can_start_from_saved_weights(trained: Path, tmp_path: Path) -> None:
    """``--init-weights`` loads the embedder; at lr 0 its learned weights come out unchanged."""
    import torch

    root = trained.parent
    out = tmp_path / "again"
    command = [sys.executable, "-m", "training.sku.train", "--root", str(root), "--out", str(out)]
    command += ["--epochs", "1", "--batch", "8", "--size", str(SIZE), "--lr", "0"]
    command += ["--init-weights", str(trained / "last.pt")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"weights from {trained / 'last.pt'}" in done.stdout

    before = torch.load(trained / "last.pt", map_location="cpu", weights_only=False)["model"]
    after = torch.load(out / "last.pt", map_location="cpu", weights_only=False)["model"]
    learned = [k for k in before if k.endswith("weight")]
    assert learned
    for key in learned:
        torch.testing.assert_close(after[key], before[key])


def test_publishing_with_int8_serves_the_quantised_file(trained: Path, tmp_path: Path) -> None:
    """``training.sku.publish --int8``: both files measured, the registry names the int8 one."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "registry.json").write_text(json.dumps({"models": {}}))
    command = [
        sys.executable,
        "-m",
        "training.sku.publish",
        "--onnx",
        str(trained / "sku_embedder.onnx"),
    ]
    command += ["--history", str(trained / "history.json"), "--root", str(trained.parent)]
    command += ["--version", "t1", "--size", str(SIZE), "--models-dir", str(models), "--int8"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr

    entry = json.loads((models / "registry.json").read_text())["models"][sku.MODEL_NAME]
    assert entry["file"] == "sku/sku-embedder-t1-int8.onnx"
    assert entry["version"] == "t1-int8"
    assert entry["sha256"] == file_sha256(models / entry["file"])
    assert (models / "sku" / "sku-embedder-t1.onnx").exists()  # the float32 source stays
    card = (models / "sku" / "CARD.md").read_text()
    assert "## Served as int8" in card
    assert entry["sha256"][:16] in card
    served = sku.load_embedder(ModelCache(Registry.load(models), SessionOptions()))
    assert served is not None
    assert served.embed(crops()).shape == (5, DIM)
