"""Golden outputs of the shipped models on real photos (landscape and portrait).

Pinned from the published files; republishing a model changes its sha256 in the registry
and these values with it, on purpose."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfaudit.analyse import detect
from shelfaudit.analyse.decode import decode
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.ml.yolo import DetectOptions
from tests.factories import ORIGINALS

MODELS = Path(__file__).resolve().parents[3] / "models"


@pytest.fixture(scope="module")
def detectors() -> detect.Detectors:
    found = detect.load_detectors(
        ModelCache(Registry.load(MODELS), SessionOptions()), DetectOptions()
    )
    assert found is not None
    assert found.shelves is not None
    return found


@pytest.mark.parametrize(
    ("photo", "rows", "second_row"),
    [
        ("train_2961.jpg", 18, [337.9, 666.1, 1349.7, 965.3]),  # 4096 x 2304 landscape
        ("train_2968.jpg", 13, [39.6, 601.8, 2303.5, 1144.3]),  # 2340 x 4160 portrait
    ],
)
def test_shelf_rows_on_real_photos(
    detectors: detect.Detectors, photo: str, rows: int, second_row: list[float]
) -> None:
    decoded = decode((ORIGINALS / photo).read_bytes(), target_long_side=1024, max_pixels=10**8)
    result = detect.run(decoded.rgb, original_width=decoded.result.width, detectors=detectors)
    assert result.models["shelves"] == detectors.shelves.version  # type: ignore[union-attr]
    assert len(result.rows) == rows
    np.testing.assert_allclose(result.rows[1].xyxy, second_row, atol=2.0)
    tops = [r.xyxy[1] + r.xyxy[3] for r in result.rows]
    assert tops == sorted(tops)  # rows come top to bottom
    assert all(
        0 <= v <= max(decoded.result.width, decoded.result.height)
        for r in result.rows
        for v in r.xyxy
    )
