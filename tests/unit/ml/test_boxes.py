from __future__ import annotations

import numpy as np
import pytest

from shelfaudit.domain.detections import Detections
from shelfaudit.ml.boxes import (
    box_iou,
    fuse_pairs,
    letterbox,
    mirror_xyxy,
    nms,
    pair_boxes,
    unletterbox,
    xywh_to_xyxy,
)
from shelfaudit.ml.yolo import DetectOptions, decode_output, to_input

NAMES = ("can", "bottle", "fridge")


@pytest.mark.parametrize(
    ("height", "width"), [(480, 640), (640, 480), (1000, 300), (300, 1000), (640, 640)]
)
def test_letterbox_keeps_aspect_and_centres(height: int, width: int) -> None:
    image = np.full((height, width, 3), 200, np.uint8)
    padded, box = letterbox(image, 320)
    assert padded.shape == (320, 320, 3)
    assert box.gain == pytest.approx(320 / max(height, width))
    content = padded[:, :, 0] == 200
    rows, cols = np.flatnonzero(content.any(axis=1)), np.flatnonzero(content.any(axis=0))
    assert rows[-1] - rows[0] + 1 == round(height * box.gain)
    assert cols[-1] - cols[0] + 1 == round(width * box.gain)
    assert rows[0] == round(box.pad_y)
    assert cols[0] == round(box.pad_x)


@pytest.mark.parametrize(("height", "width"), [(4, 1024), (1024, 4), (1, 3000)])
def test_letterbox_keeps_a_row_of_a_sliver(height: int, width: int) -> None:
    # A thin SKU crop (a bottle edge-on) would round to 0 rows, which OpenCV refuses.
    padded, _ = letterbox(np.full((height, width, 3), 200, np.uint8), 128)
    assert padded.shape == (128, 128, 3)
    assert (padded[:, :, 0] == 200).any()


@pytest.mark.parametrize(("height", "width"), [(3000, 4000), (4000, 3000), (900, 200)])
def test_box_round_trip_through_letterbox(height: int, width: int) -> None:
    """A box in the original maps into the letterbox and back unchanged (no swapped axes)."""
    original = np.array([[0.1 * width, 0.2 * height, 0.3 * width, 0.9 * height]], np.float32)
    _, box = letterbox(np.zeros((height, width, 3), np.uint8), 640)
    in_letterbox = original.copy()
    in_letterbox[:, [0, 2]] = in_letterbox[:, [0, 2]] * box.gain + box.pad_x
    in_letterbox[:, [1, 3]] = in_letterbox[:, [1, 3]] * box.gain + box.pad_y
    back = unletterbox(in_letterbox, box, width=width, height=height)
    np.testing.assert_allclose(back, original, atol=1e-3 * max(height, width))


def test_unletterbox_clips_to_the_image() -> None:
    _, box = letterbox(np.zeros((100, 200, 3), np.uint8), 200)
    back = unletterbox(np.array([[-50, -50, 500, 500]], np.float32), box, width=200, height=100)
    assert back.tolist() == [[0, 0, 200, 100]]


def test_iou_and_empty_inputs() -> None:
    a = np.array([[0, 0, 10, 10]], np.float32)
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30]], np.float32)
    np.testing.assert_allclose(box_iou(a, b), [[50 / 150, 0.0]])
    assert box_iou(a, np.zeros((0, 4), np.float32)).shape == (1, 0)
    assert nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), iou_threshold=0.5).size == 0


@pytest.mark.parametrize(
    ("classes", "threshold", "kept"),
    [
        (None, 0.5, [0, 2]),  # the overlapping weaker box goes
        ([0, 1, 0], 0.5, [0, 1, 2]),  # class-aware: a box of another class stays
        (None, 0.3, [0, 2]),
        (None, 0.99, [0, 1, 2]),  # nothing overlaps that much
    ],
)
def test_nms(classes: list[int] | None, threshold: float, kept: list[int]) -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.9, 0.8, 0.7], np.float32)
    class_id = None if classes is None else np.array(classes, np.int64)
    assert sorted(nms(boxes, scores, class_id, iou_threshold=threshold).tolist()) == kept


def test_nms_ties_keep_the_first() -> None:
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10]], np.float32)
    assert nms(boxes, np.array([0.5, 0.5], np.float32), iou_threshold=0.5).tolist() == [0]


def raw_output(
    anchors: list[tuple[float, float, float, float, int, float]], classes: int = 3
) -> np.ndarray:
    """Build a (1, 4 + C, A) ultralytics-style output from (cx, cy, w, h, class, score)."""
    out = np.zeros((1, 4 + classes, len(anchors)), np.float32)
    for i, (cx, cy, w, h, cls, score) in enumerate(anchors):
        out[0, :4, i] = (cx, cy, w, h)
        out[0, 4 + cls, i] = score
    return out


@pytest.mark.parametrize(("height", "width"), [(300, 400), (400, 300)])
def test_decode_output_scales_boxes_back_on_landscape_and_portrait(height: int, width: int) -> None:
    _, box = letterbox(np.zeros((height, width, 3), np.uint8), 640)
    # An object at the original's centre, 40 x 20 original pixels.
    cx, cy = width / 2 * box.gain + box.pad_x, height / 2 * box.gain + box.pad_y
    output = raw_output([(cx, cy, 40 * box.gain, 20 * box.gain, 1, 0.9), (cx, cy, 10, 10, 0, 0.1)])
    found = decode_output(
        output, box, width=width, height=height, class_names=NAMES, options=DetectOptions()
    )
    assert found.names == ["bottle"]
    np.testing.assert_allclose(
        found.xyxy[0], [width / 2 - 20, height / 2 - 10, width / 2 + 20, height / 2 + 10], atol=0.01
    )


def test_decode_output_with_nothing_above_threshold_is_empty() -> None:
    _, box = letterbox(np.zeros((10, 10, 3), np.uint8), 64)
    found = decode_output(
        raw_output([(5, 5, 2, 2, 0, 0.01)]),
        box,
        width=10,
        height=10,
        class_names=NAMES,
        options=DetectOptions(),
    )
    assert len(found) == 0
    assert found.class_names == NAMES


def test_decode_output_refuses_a_class_count_mismatch() -> None:
    _, box = letterbox(np.zeros((10, 10, 3), np.uint8), 64)
    with pytest.raises(ValueError, match="classes"):
        decode_output(
            raw_output([(5, 5, 2, 2, 0, 0.9)], classes=5),
            box,
            width=10,
            height=10,
            class_names=NAMES,
            options=DetectOptions(),
        )


def test_to_input_is_chw_float_in_unit_range() -> None:
    tensor, _ = to_input(np.full((30, 50, 3), 255, np.uint8), 64)
    assert tensor.shape == (1, 3, 64, 64)
    assert tensor.dtype == np.float32
    assert tensor.max() == pytest.approx(1.0)


def test_xywh_to_xyxy() -> None:
    np.testing.assert_allclose(
        xywh_to_xyxy(np.array([[10, 20, 4, 6]], np.float32)), [[8, 17, 12, 23]]
    )


def test_detections_validate_shapes_and_classes() -> None:
    with pytest.raises(ValueError, match="confidence"):
        Detections(
            xyxy=np.zeros((2, 4), np.float32),
            confidence=np.zeros(3, np.float32),
            class_id=np.zeros(2, np.int64),
            class_names=NAMES,
        )
    with pytest.raises(ValueError, match="class_id"):
        Detections(
            xyxy=np.zeros((1, 4), np.float32),
            confidence=np.zeros(1, np.float32),
            class_id=np.array([7]),
            class_names=NAMES,
        )
    empty = Detections.empty(NAMES)
    assert len(empty[np.zeros(0, bool)]) == 0


@pytest.mark.parametrize("width", [640, 480, 1000], ids=["landscape", "portrait", "wide"])
def test_mirror_xyxy_maps_boxes_back_and_twice_is_identity(width: int) -> None:
    boxes = np.array([[10, 20, 110, 220], [width - 50, 0, width, 30]], np.float32)
    mirrored = mirror_xyxy(boxes, width)
    assert mirrored.tolist() == [[width - 110, 20, width - 10, 220], [0, 0, 50, 30]]
    assert np.array_equal(mirror_xyxy(mirrored, width), boxes)
    assert mirror_xyxy(np.zeros((0, 4), np.float32), width).shape == (0, 4)


def scored(boxes: list[list[float]], scores: list[float], classes: list[int]) -> Detections:
    return Detections(
        np.array(boxes, np.float32).reshape(-1, 4),
        np.array(scores, np.float32),
        np.array(classes, np.int64),
        NAMES,
    )


BOX = [0.0, 0.0, 10.0, 10.0]
HALF_OVER = [0.0, 0.0, 10.0, 5.0]  # IoU 0.5 with BOX: a tie at the threshold pairs
FAR = [50.0, 50.0, 60.0, 60.0]


@pytest.mark.parametrize(
    ("a", "a_score", "a_class", "b", "b_class", "pairs"),
    [
        ([BOX], [0.9], [0], [BOX], [0], [(0, 0)]),
        ([BOX], [0.9], [0], [BOX], [1], []),  # another class is another object
        ([BOX], [0.9], [0], [FAR], [0], []),
        ([BOX], [0.9], [0], [HALF_OVER], [0], [(0, 0)]),
        ([BOX, BOX], [0.4, 0.9], [0, 0], [BOX], [0], [(1, 0)]),  # the more confident first
        ([BOX, FAR], [0.9, 0.8], [0, 0], [FAR, BOX], [0, 0], [(0, 1), (1, 0)]),
        ([], [], [], [BOX], [0], []),
        ([BOX], [0.9], [0], [], [], []),
    ],
    ids=[
        "same_box",
        "other_class",
        "apart",
        "tie_at_threshold",
        "one_partner_each",
        "crossed_order",
        "a_empty",
        "b_empty",
    ],
)
def test_pair_boxes(
    a: list[list[float]],
    a_score: list[float],
    a_class: list[int],
    b: list[list[float]],
    b_class: list[int],
    pairs: list[tuple[int, int]],
) -> None:
    b_scores = [0.5] * len(b)
    ia, jb = pair_boxes(
        scored(a, a_score, a_class), scored(b, b_scores, b_class), iou_threshold=0.5
    )
    assert sorted(zip(ia.tolist(), jb.tolist(), strict=True)) == pairs


def test_fuse_pairs_averages_pairs_and_halves_boxes_seen_once() -> None:
    a = scored([[0, 0, 10, 10], [50, 50, 60, 60]], [0.6, 0.8], [0, 1])
    b = scored([[2, 0, 12, 10], [80, 80, 90, 90]], [0.2, 0.4], [0, 2])

    fused = fuse_pairs(a, b, (np.array([0]), np.array([0])))

    # The pair: weighted 3:1 towards a's box, scored by the mean; then a's and b's loners.
    expected = [[0.5, 0, 10.5, 10], [50, 50, 60, 60], [80, 80, 90, 90]]
    assert np.allclose(fused.xyxy, np.array(expected, np.float32))
    assert fused.confidence.tolist() == pytest.approx([0.4, 0.4, 0.2])
    assert fused.class_id.tolist() == [0, 1, 2]


def test_fuse_pairs_of_nothing_is_empty() -> None:
    nothing = Detections.empty(NAMES)
    no_pairs = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    assert len(fuse_pairs(nothing, nothing, no_pairs)) == 0
