"""The detections check through real ONNX Runtime sessions of fixed-output models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfaudit.analyse import detect
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.ml.yolo import DetectOptions
from shelfaudit.settings import Settings
from tests.fake_models import constant_detector, prediction, write_registry

OUTLET = ["heineken", "tiger", "beer_can"]
IMGSZ = 64


def models(root: Path) -> ModelCache:
    # Letterboxed 64 px input of a 200 x 100 analysis image: gain 0.32, pad_y 16.
    outlet = prediction(
        [
            (16, 24, 6.4, 6.4, 0, 0.9),  # heineken on the top row, x 50 in analysis pixels
            (32, 40, 12.8, 6.4, 1, 0.8),  # tiger on the bottom row, twice as wide
            (48, 24, 6.4, 6.4, 0, 0.7),  # heineken, top row
            (48, 24, 6.4, 6.4, 2, 0.1),  # below the confidence threshold
        ],
        classes=3,
    )
    shelves = prediction([(32, 40, 64, 14, 0, 0.9), (32, 24, 64, 14, 0, 0.9)], classes=1)
    constant_detector(root / "outlet.onnx", outlet, IMGSZ)
    constant_detector(root / "shelves.onnx", shelves, IMGSZ)
    groups = {"brand": ["heineken", "tiger"], "packaging": ["beer_can"]}
    write_registry(
        root,
        {
            "outlet": {
                "file": "outlet.onnx",
                "meta": {"classes": OUTLET, "imgsz": IMGSZ, "groups": groups},
            },
            "shelves": {"file": "shelves.onnx", "meta": {"classes": ["shelf"], "imgsz": IMGSZ}},
        },
    )
    return ModelCache(Registry.load(root), SessionOptions())


def test_detections_rows_and_shares_in_original_pixels(tmp_path: Path) -> None:
    detectors = detect.load_detectors(models(tmp_path), DetectOptions(confidence=0.25))
    assert detectors is not None
    rgb = np.zeros((100, 200, 3), np.uint8)  # the analysis image of a 2000 x 1000 photo

    result = detect.run(rgb, original_width=2000, detectors=detectors)

    assert result.counts == {"heineken": 2, "tiger": 1}
    assert [r.index for r in result.rows] == [0, 1]
    assert result.rows[0].xyxy[1] < result.rows[1].xyxy[1]
    first = next(b for b in result.boxes if b.class_name == "heineken")
    assert first.xyxy == pytest.approx([400, 150, 600, 350], abs=1)  # 10x the analysis box
    assert {b.class_name: b.row for b in result.boxes} == {"heineken": 0, "tiger": 1}
    assert result.shares["heineken"].count_share == pytest.approx(2 / 3, abs=1e-3)
    assert result.shares["tiger"].width_share == pytest.approx(0.5, abs=1e-3)
    assert result.models == {"outlet": "outlet-test", "shelves": "shelves-test"}
    assert detect.versions(detectors) == "detect-1+outlet-test+shelves-test"


def test_no_detectors_in_the_registry(tmp_path: Path) -> None:
    (tmp_path / "registry.json").write_text('{"models": {}}')
    cache = ModelCache(Registry.load(tmp_path), SessionOptions())
    assert detect.load_detectors(cache, DetectOptions()) is None


def test_tiles_apply_to_the_outlet_model_and_name_the_pipeline(tmp_path: Path) -> None:
    options = DetectOptions(confidence=0.25, tiles=2)
    detectors = detect.load_detectors(models(tmp_path), options)
    assert detectors is not None

    result = detect.run(np.zeros((100, 200, 3), np.uint8), original_width=2000, detectors=detectors)

    assert len(result.rows) == 2  # shelf rows: one pass over the whole photo
    assert detect.versions(detectors) == "detect-1+outlet-test+shelves-test+tiles2"


def test_detect_options_come_from_settings() -> None:
    settings = Settings(
        detect_confidence=0.3, detect_tiles=3, detect_tile_overlap=0.25, detect_mirror=False
    )
    assert detect.detect_options(settings) == DetectOptions(
        confidence=0.3, iou=0.6, tiles=3, tile_overlap=0.25, mirror=False
    )
    assert detect.detect_options(Settings()).mirror  # the service fuses a mirrored pass in


def test_the_mirror_pass_applies_to_the_outlet_model_and_names_the_pipeline(
    tmp_path: Path,
) -> None:
    detectors = detect.load_detectors(models(tmp_path), DetectOptions(mirror=True))
    assert detectors is not None
    one_pass = detect.load_detectors(models(tmp_path), DetectOptions())
    assert one_pass is not None
    rgb = np.zeros((100, 200, 3), np.uint8)

    mirrored = detect.run(rgb, original_width=2000, detectors=detectors)
    single = detect.run(rgb, original_width=2000, detectors=one_pass)

    # The stand-in models answer the same boxes whatever the image, so a mirrored pass puts
    # them where the mirror image has them: outlet boxes change, shelf rows do not.
    assert [r.xyxy for r in mirrored.rows] == [r.xyxy for r in single.rows]
    assert [b.xyxy for b in mirrored.boxes] != [b.xyxy for b in single.boxes]
    assert detect.versions(detectors) == "detect-1+outlet-test+shelves-test+mirror"


@pytest.mark.parametrize(
    ("model", "mirror", "expected"),
    [("outlet", True, True), ("outlet", False, False), ("shelves", True, False)],
)
def test_serves_mirrored(model: str, mirror: bool, expected: bool) -> None:
    assert detect.serves_mirrored(model, Settings(detect_mirror=mirror)) is expected
