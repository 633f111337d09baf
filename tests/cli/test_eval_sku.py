"""``shelfaudit eval sku`` as a user runs it, on a tiny GroceryStore-format folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfaudit.cli.main import app
from tests.evaluation.grocery_factories import embedder_models, grocery_root


def test_eval_sku_prints_the_four_figures_as_json(tmp_path: Path) -> None:
    root = grocery_root(tmp_path / "grocery")
    models = embedder_models(tmp_path / "models")

    result = CliRunner().invoke(
        app,
        ["eval", "sku", "--split", str(root / "test.txt"), "--root", str(root),
         "--gallery", "iconic", "--models", str(models), "--json"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("n", "top1", "top5", "top1_coarse")} == {
        "n": 4,
        "top1": 0.5,
        "top5": 1.0,
        "top1_coarse": 0.75,
    }
    assert report["gallery"] == "iconic"


def test_eval_sku_without_an_embedder_says_so(tmp_path: Path) -> None:
    root = grocery_root(tmp_path / "grocery")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "registry.json").write_text('{"models": {}}')

    result = CliRunner().invoke(
        app,
        ["eval", "sku", "--split", str(root / "test.txt"), "--root", str(root),
         "--models", str(tmp_path / "models")],
    )  # fmt: skip

    assert result.exit_code == 2
    assert "no sku_embedder" in result.output


def test_eval_sku_refuses_an_unknown_gallery(tmp_path: Path) -> None:
    root = grocery_root(tmp_path / "grocery")
    result = CliRunner().invoke(
        app,
        ["eval", "sku", "--split", str(root / "test.txt"), "--root", str(root),
         "--gallery", "shelf"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--gallery must be one of iconic, train, both" in result.output


@pytest.mark.parametrize(
    ("split", "said"),
    [
        ("", "lists no photos"),
        ("train/a.jpg, one, 2\n", "ids are whole numbers"),
        ("nowhere/a.jpg, 0, 0\n", "nowhere/a.jpg"),
        ("train/a.jpg, 999, 0\n", "fine id 999 is not in classes.csv"),
    ],
    ids=["empty", "not_a_number", "missing_photo", "unknown_class"],
)
def test_eval_sku_says_what_is_wrong_with_its_split(tmp_path: Path, split: str, said: str) -> None:
    root = grocery_root(tmp_path / "grocery")
    models = embedder_models(tmp_path / "models")
    (root / "bad.txt").write_text(split)
    result = CliRunner().invoke(
        app,
        ["eval", "sku", "--split", str(root / "bad.txt"), "--root", str(root),
         "--models", str(models)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert said in result.stderr
