from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from shelfaudit.cli.main import app
from shelfaudit.evaluation.duplicates import (
    TRANSFORMS,
    evaluate_duplicates,
    read_same_scene,
    sample,
)
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
    for name in ("crop_10_20", "rotate_small"):  # without the rep's history: keypoints
        assert report.transforms[name].recall_global == 1.0
        assert report.transforms[name].by_hash == 0.0
    assert report.false_match_photos == 0
    assert all(r.wrong_matches == 0 for r in report.transforms.values())


def eval_one_photo(tmp_path: Path, *options: str) -> Result:
    """``shelfaudit eval duplicates`` on one shelf photo, with ``options``."""
    return CliRunner().invoke(
        app,
        ["eval", "duplicates", "--images", str(shelf_photos(1)[0]), *options],
        env={"SHELFAUDIT_DATA_DIR": str(tmp_path)},
    )


def test_the_eval_command_prints_json(tmp_path: Path) -> None:
    result = eval_one_photo(tmp_path, "--layout", "16x16", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["images"] == 1
    assert report["transforms"]["rotate_90"]["recall"] == 1.0


def test_the_eval_command_refuses_an_empty_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "duplicates", "--images", str(tmp_path)])
    assert result.exit_code == 2


SAME_SCENE = (
    "devansh__real__WhatsApp_Image_2026-06-30_at_21.55.49.jpeg",
    "devansh__screen__WhatsApp_Image_2026-06-30_at_23.50.31.jpeg",
)


def test_a_listed_same_scene_pair_is_found_not_false(tmp_path: Path) -> None:
    """A genuine photo and its re-shot from a laptop screen match; listed as one scene,
    they are not counted as distinct photos matching."""
    pair = [DATASETS / "recapture" / "images" / name for name in SAME_SCENE]
    listing = tmp_path / "same.csv"
    listing.write_text("# a comment\na,b\n" + ",".join(SAME_SCENE) + "\n")
    runs = {}
    for listed in (False, True):
        runs[listed] = evaluate_duplicates(
            shelf_photos(1),
            distractors=pair,
            layout="16x16",
            transforms=("recompress",),
            same_scene=read_same_scene(listing) if listed else None,
        )
    assert runs[False].false_match_photos == 2
    assert runs[True].false_match_photos == 0
    assert (runs[True].same_scene_listed, runs[True].same_scene_found) == (1, 1)
    assert runs[True].same_scene_pairs == [sorted(SAME_SCENE)]


def test_a_malformed_same_scene_file_is_refused(tmp_path: Path) -> None:
    listing = tmp_path / "same.csv"
    listing.write_text("a,b\nonly-one-name\n")
    result = eval_one_photo(tmp_path, "--same-scene", str(listing))
    assert result.exit_code == 2
    assert "expected 'a,b'" in result.output
