"""Tiled detection: small objects found through tiles, each object once, cut boxes dropped."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from shelfaudit.domain.detections import Detections
from shelfaudit.ml.boxes import cut_by_window, tile_windows
from shelfaudit.ml.yolo import DetectOptions, Timings, YoloDetector

MIN_SIDE = 5  # input pixels: smaller objects are invisible to the stand-in model


class BlobDetector(YoloDetector):
    """Stands in for a model with a fixed input size: finds white squares, but only those at
    least MIN_SIDE pixels wide once the image is fitted to ``imgsz``."""

    def __init__(self, imgsz: int) -> None:  # no ONNX session: _detect_once is replaced
        self.class_names = ("blob",)
        self.imgsz = imgsz

    def _detect_once(
        self, image: NDArray[np.uint8], options: DetectOptions, timings: Timings
    ) -> Detections:
        gain = self.imgsz / max(image.shape[:2])
        mask = (image[:, :, 0] > 128).astype(np.uint8)
        _, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        found = [
            (x, y, x + w, y + h) for x, y, w, h, _ in stats[1:] if min(w, h) * gain >= MIN_SIDE
        ]
        n = len(found)
        return Detections(
            xyxy=np.array(found, np.float32).reshape(n, 4),
            confidence=np.full(n, 0.9, np.float32),
            class_id=np.zeros(n, np.int64),
            class_names=self.class_names,
        )


def image_with(squares: list[tuple[int, int, int]], height: int = 768, width: int = 1024):
    image = np.zeros((height, width, 3), np.uint8)
    for x, y, side in squares:
        image[y : y + side, x : x + side] = 255
    return image


def boxes(found: Detections) -> list[list[float]]:
    return sorted(found.xyxy.round().tolist())


def test_small_objects_are_found_through_tiles_once_each() -> None:
    # 12 px squares are 3 px at 256 px input: missed whole, 5.4 px in a 2 x 2 tile.
    small = [(100, 100, 12), (900, 600, 12), (505, 380, 12)]  # the last in every overlap
    detector = BlobDetector(imgsz=256)
    image = image_with(small)

    assert len(detector.detect(image, DetectOptions(tiles=1))) == 0
    found = detector.detect(image, DetectOptions(tiles=2))

    assert boxes(found) == sorted([[x, y, x + s, y + s] for x, y, s in small])


def test_a_large_object_across_tiles_is_kept_whole_not_in_pieces() -> None:
    detector = BlobDetector(imgsz=256)
    image = image_with([(400, 300, 240)])  # spans the seams of a 2 x 2 grid

    found = detector.detect(image, DetectOptions(tiles=2))

    assert boxes(found) == [[400, 300, 640, 540]]


@pytest.mark.parametrize(("height", "width"), [(768, 1024), (1024, 576)])
def test_tiling_in_landscape_and_portrait(height: int, width: int) -> None:
    detector = BlobDetector(imgsz=256)
    corner = [(width - 20, height - 20, 12)]
    found = detector.detect(image_with(corner, height, width), DetectOptions(tiles=2))
    assert boxes(found) == [[width - 20, height - 20, width - 8, height - 8]]


@pytest.mark.parametrize(("width", "height", "n"), [(1024, 768, 2), (576, 1024, 3), (640, 640, 1)])
def test_tile_windows_cover_the_image_with_the_overlap(width: int, height: int, n: int) -> None:
    windows = tile_windows(width, height, n, overlap=0.2)
    assert len(windows) == n * n
    covered = np.zeros((height, width), bool)
    for left, top, right, bottom in windows:
        covered[top:bottom, left:right] = True
        assert 0 <= left < right <= width
        assert 0 <= top < bottom <= height
    assert covered.all()
    if n > 1:
        (l0, _, r0, _), (l1, _, _, _) = windows[0], windows[1]
        assert (r0 - l1) == pytest.approx(0.2 * (r0 - l0), abs=1)


def test_tile_windows_refuse_bad_arguments() -> None:
    with pytest.raises(ValueError, match="need n >= 1"):
        tile_windows(100, 100, 0, 0.2)
    with pytest.raises(ValueError, match="need n >= 1"):
        tile_windows(100, 100, 2, 1.0)


def test_cut_by_window_only_at_inner_edges() -> None:
    window = (0, 0, 60, 60)  # top-left tile of a 100 x 100 image: right and bottom are inner
    xyxy = np.array(
        [[0, 0, 10, 10], [50, 10, 60, 20], [10, 50, 20, 59], [20, 20, 30, 30]], np.float32
    )
    assert cut_by_window(xyxy, window, width=100, height=100).tolist() == [
        False,
        True,
        True,
        False,
    ]
