"""The mirror pass: boxes found on the mirrored image land back in place, fused with the
upright pass into one box per object."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from shelfaudit.domain.detections import Detections
from shelfaudit.ml.yolo import DetectOptions, Timings, YoloDetector


class LopsidedDetector(YoloDetector):
    """Stands in for a model that is surer of objects on the left: finds white rectangles,
    at 0.9 when their centre is in the left half of the image it is given, else at 0.5;
    rectangles narrower than ``min_width`` only when they are on the left."""

    def __init__(self, min_width: int = 0) -> None:  # no ONNX session: _detect_once is replaced
        self.class_names = ("blob",)
        self.imgsz = 640
        self.min_width = min_width

    def _detect_once(
        self, image: NDArray[np.uint8], options: DetectOptions, timings: Timings
    ) -> Detections:
        mask = (image[:, :, 0] > 128).astype(np.uint8)
        _, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        half = image.shape[1] / 2
        found, scores = [], []
        for x, y, w, h, _ in stats[1:]:
            left = x + w / 2 < half
            if left or w >= self.min_width:
                found.append((x, y, x + w, y + h))
                scores.append(0.9 if left else 0.5)
        n = len(found)
        detections = Detections(
            xyxy=np.array(found, np.float32).reshape(n, 4),
            confidence=np.array(scores, np.float32),
            class_id=np.zeros(n, np.int64),
            class_names=self.class_names,
        )
        return detections[detections.confidence >= options.confidence]


def image_with(rectangles: list[tuple[int, int, int, int]], height: int, width: int):
    image = np.zeros((height, width, 3), np.uint8)
    for x0, y0, x1, y1 in rectangles:
        image[y0:y1, x0:x1] = 255
    return image


@pytest.mark.parametrize(
    ("height", "width"), [(480, 800), (800, 480)], ids=["landscape", "portrait"]
)
def test_mirrored_boxes_land_back_in_place_one_per_object(height: int, width: int) -> None:
    rectangles = [(20, 30, 80, 90), (width - 150, height - 100, width - 40, height - 20)]
    image = image_with(rectangles, height, width)

    found = LopsidedDetector().detect(image, DetectOptions(confidence=0.25, mirror=True))

    assert sorted(found.xyxy.round().tolist()) == sorted([list(r) for r in rectangles])
    # Each object was seen at 0.9 on one side and 0.5 on the other.
    assert found.confidence.tolist() == pytest.approx([0.7, 0.7])


def test_an_object_one_pass_misses_keeps_half_its_confidence() -> None:
    # A thin rectangle is only found while it sits on the left: upright here, not mirrored.
    thin = (100, 100, 110, 300)
    image = image_with([thin], 480, 800)
    detector = LopsidedDetector(min_width=50)

    assert detector.detect(image, DetectOptions(confidence=0.25)).confidence.tolist() == [
        pytest.approx(0.9)
    ]
    found = detector.detect(image, DetectOptions(confidence=0.25, mirror=True))
    assert found.xyxy.round().tolist() == [list(thin)]
    assert found.confidence.tolist() == [pytest.approx(0.45)]


def test_fused_boxes_below_the_threshold_are_dropped() -> None:
    thin = (100, 100, 110, 300)
    found = LopsidedDetector(min_width=50).detect(
        image_with([thin], 480, 800), DetectOptions(confidence=0.5, mirror=True)
    )
    assert len(found) == 0


def test_mirror_on_an_empty_image_finds_nothing() -> None:
    found = LopsidedDetector().detect(np.zeros((300, 500, 3), np.uint8), DetectOptions(mirror=True))
    assert len(found) == 0
