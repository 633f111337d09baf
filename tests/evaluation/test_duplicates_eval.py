from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shelfaudit.cli.main import app
from shelfaudit.evaluation.duplicates import TRANSFORMS, evaluate_duplicates, sample
from shelfaudit.upload.files import images_in
from tests.factories import DATASETS, shelf_photos


def test_copies_are_found_and_distinct_photos_are_not_matched() -> None:
    images = shelf_photos(3)
    distractors = sample(images_in([DATASETS / "heineken_displays" / "images"]), 3, seed=1)

    report = evaluate_duplicates(images, distractors=distractors, layout="16x16", workers=2)

    assert (report.images, report.distractors, report.distinct) == (3, 3, 6)
    assert set(report.transforms) == set(TRANSFORMS)
    for name in ("recompress", "resize", "colour", "rotate_90", "flip"):
        assert report.transforms[name].recall == 1.0
        assert report.transforms[name].by_hash == 1.0
    for name in ("crop_10_20", "rotate_small", "screenshot"):
        assert report.transforms[name].recall == 1.0
    assert report.false_match_photos == 0
    assert all(r.wrong_matches == 0 for r in report.transforms.values())


def test_the_eval_command_prints_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "duplicates",
            "--images",
            str(shelf_photos(1)[0]),
            "--layout",
            "16x16",
            "--json",
        ],
        env={"SHELFAUDIT_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["images"] == 1
    assert report["transforms"]["rotate_90"]["recall"] == 1.0


def test_the_eval_command_refuses_an_empty_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "duplicates", "--images", str(tmp_path)])
    assert result.exit_code == 2
