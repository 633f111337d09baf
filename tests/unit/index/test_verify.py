"""Local features and geometric verification on real shelf photos."""

from __future__ import annotations

import io
from functools import cache

import numpy as np
import pytest
from PIL import Image

from shelfaudit.analyse.decode import decode
from shelfaudit.index import features
from shelfaudit.index.features import LocalFeatures
from shelfaudit.index.verify import VerifyConfig, verify
from tests.factories import real_photos, shelf_photos


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def features_of(data: bytes) -> LocalFeatures:
    rgb = decode(data, target_long_side=1024, max_pixels=10**8).rgb
    return features.extract(rgb).features


@cache
def original() -> tuple[Image.Image, LocalFeatures]:
    path = real_photos()[2]
    return Image.open(path).convert("RGB"), features_of(path.read_bytes())


def cropped_rotated(image: Image.Image) -> Image.Image:
    """15 % off the left and top, then straightened by 4 degrees."""
    w, h = image.size
    crop = image.crop((round(0.15 * w), round(0.15 * h), w, h))
    return crop.rotate(4, Image.Resampling.BICUBIC)


def test_a_cropped_rotated_copy_verifies_with_many_inliers() -> None:
    image, source = original()
    result = verify(features_of(jpeg(cropped_rotated(image), 70)), source)
    assert result.inliers >= 100
    assert result.verified(VerifyConfig())


def test_a_copy_on_a_screenshot_canvas_verifies() -> None:
    image, source = original()
    small = image.resize((image.width // 4, image.height // 4))
    canvas = Image.new("RGB", (small.width, small.height * 2), (0, 0, 0))
    canvas.paste(small, (0, small.height // 2))
    assert verify(features_of(jpeg(canvas)), source).verified(VerifyConfig())


def test_an_unrelated_shelf_photo_does_not_verify() -> None:
    _, source = original()
    for path in shelf_photos(3):
        result = verify(features_of(path.read_bytes()), source)
        assert not result.verified(VerifyConfig())
        assert result.inliers < 30


def test_a_mirrored_copy_needs_the_mirrored_view() -> None:
    # ORB is not mirror-invariant: the copy's own features miss its source, the features of
    # the copy mirrored back find it.
    image, source = original()
    copy = cropped_rotated(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    data = jpeg(copy, 70)
    assert not verify(features_of(data), source).verified(VerifyConfig())
    rgb = decode(data, target_long_side=1024, max_pixels=10**8).rgb
    back = verify(features.extract_mirrored(rgb).features, source)
    assert back.verified(VerifyConfig())
    assert back.turn == 0


@pytest.mark.parametrize(
    ("transpose", "turn"),
    [
        (None, 0),
        (Image.Transpose.ROTATE_90, 90),
        (Image.Transpose.ROTATE_180, 180),
        (Image.Transpose.ROTATE_270, 270),
    ],
)
def test_the_turn_of_a_copy_is_measured_counter_clockwise(
    transpose: Image.Transpose | None, turn: int
) -> None:
    image, source = original()
    copy = cropped_rotated(image)
    if transpose is not None:
        copy = copy.transpose(transpose)
    result = verify(features_of(jpeg(copy, 80)), source)
    assert result.verified(VerifyConfig())
    assert result.turn == turn


def test_features_round_trip_through_bytes() -> None:
    _, source = original()
    again = features.from_bytes(features.to_bytes(source))
    assert np.array_equal(again.points, source.points)
    assert np.array_equal(again.descriptors, source.descriptors)
    assert (again.width, again.height) == (source.width, source.height)
    assert len(source) == features.MAX_KEYPOINTS


def test_features_are_spread_over_the_picture() -> None:
    _, source = original()
    cells = np.floor(source.points / [source.width / 4, source.height / 4]).astype(int)
    assert len({tuple(c) for c in cells.tolist()}) >= 14


@pytest.mark.parametrize(
    "data", [b"", b"not an npz", features.to_bytes(LocalFeatures.empty())[:20]]
)
def test_unreadable_features_raise_value_error(data: bytes) -> None:
    with pytest.raises(ValueError, match="features"):
        features.from_bytes(data)


def test_a_flat_picture_has_no_features_and_verifies_nothing() -> None:
    flat = features.extract(np.full((600, 800, 3), 128, np.uint8)).features
    assert len(flat) == 0
    _, source = original()
    assert verify(flat, source).inliers == 0


def test_features_key_is_derived_from_the_original() -> None:
    sha = "ab" * 32
    assert features.features_key(sha) == f"derived/{features.VERSION}/ab/ab/{sha}.npz"


@pytest.mark.parametrize("shape", [(1, 1), (1, 4000), (4000, 1), (2, 1024), (31, 640)])
def test_slivers_have_no_keypoints_but_round_trip(shape: tuple[int, int]) -> None:
    # A photo stored before uploads refused slivers must not break every later search that
    # backfills its features.
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 255, (*shape, 3), dtype=np.uint8)
    extracted = features.extract(rgb).features
    assert len(extracted) == 0
    assert (extracted.width, extracted.height) == (shape[1], shape[0])
    again = features.from_bytes(features.to_bytes(extracted))
    assert verify(extracted, again).inliers == 0
