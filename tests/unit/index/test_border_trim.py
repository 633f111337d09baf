"""A photo re-sent inside bars (a screenshot, a frame) is found through its trimmed variant."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from shelfaudit.analyse import hashes
from shelfaudit.index.lookup import VARIANT_NAMES
from shelfaudit.index.search import INSIDE_OFFSET, SearchConfig, search_hashes
from tests.factories import textured_rgb
from tests.unit.index.factories import hash_of, index_of, inside_index_of, source


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def in_bars(image: Image.Image, colour: tuple[int, int, int], status_bar: bool) -> Image.Image:
    """The photo full-width on a 9:19.5 phone screen, as a screenshot of it."""
    width = image.width
    height = round(width * 19.5 / 9)
    canvas = Image.new("RGB", (width, height), colour)
    canvas.paste(image, (0, (height - image.height) // 2 + height // 30))
    if status_bar:
        pixels = np.asarray(canvas).copy()
        ink = 255 - colour[0]
        for x in range(width // 20, width // 4, width // 40):  # a clock and icons
            pixels[height // 80 : height // 40, x : x + width // 80] = ink
        canvas = Image.fromarray(pixels)
    return canvas


@pytest.mark.parametrize(
    ("colour", "status_bar"),
    [((0, 0, 0), True), ((255, 255, 255), True), ((40, 40, 40), False)],
    ids=["black-with-status-bar", "white-with-status-bar", "grey-frame"],
)
def test_a_screenshot_of_a_photo_is_found_through_its_trimmed_variant(
    colour: tuple[int, int, int], status_bar: bool
) -> None:
    image, original = source()
    copy = hash_of(jpeg(in_bars(image, colour, status_bar)))

    assert len(copy.pdq_variants) == INSIDE_OFFSET == 9
    matches, _ = search_hashes(index_of(original), copy, before_id=None, config=SearchConfig())

    assert [m.photo_id for m in matches] == [1]
    assert VARIANT_NAMES[matches[0].variant] == hashes.TRIMMED_VARIANT
    assert matches[0].pdq_distance <= 16


def letterboxed(image: Image.Image) -> Image.Image:
    """The photo fitted into a black square, as dataset exports (Roboflow's) letterbox it."""
    side = max(image.size)
    canvas = Image.new("RGB", (side, side), (0, 0, 0))
    canvas.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return canvas


def test_a_screenshot_of_a_letterboxed_photo_is_found_by_what_lies_inside_its_bars() -> None:
    image, _ = source()
    stored_image = letterboxed(image)
    stored = hash_of(jpeg(stored_image))
    copy = hash_of(jpeg(in_bars(stored_image, (0, 0, 0), status_bar=True)))
    config = SearchConfig()

    # The copy's trimmed variant drops the photo's own bars along with the screen's, so the
    # photo as stored is out of reach ...
    alone, _ = search_hashes(index_of(stored), copy, before_id=None, config=config)
    assert alone == []
    # ... and its inside-bars row finds it.
    matches, candidates = search_hashes(
        index_of(stored), copy, before_id=None, config=config, inside=inside_index_of(stored)
    )

    assert [m.photo_id for m in matches] == [1]
    assert matches[0].variant == 2 * INSIDE_OFFSET - 1
    assert VARIANT_NAMES[matches[0].variant] == hashes.INSIDE_BOTH
    assert matches[0].pdq_distance <= 16
    assert candidates.ids.tolist() == [1]  # one entry per photo, whichever index found it


@pytest.mark.parametrize(
    ("transpose", "variant"),
    [(None, hashes.BARS_REMOVED), (Image.Transpose.ROTATE_90, "rotate_90+bars_removed")],
    ids=["as-is", "turned"],
)
def test_a_letterboxed_photo_with_its_bars_cut_off_is_found(
    transpose: Image.Transpose | None, variant: str
) -> None:
    image, _ = source()
    stored = hash_of(jpeg(letterboxed(image)))
    cut = image if transpose is None else image.transpose(transpose)
    copy = hash_of(jpeg(cut, quality=70))

    matches, _ = search_hashes(
        index_of(stored),
        copy,
        before_id=None,
        config=SearchConfig(),
        inside=inside_index_of(stored),
    )

    assert [VARIANT_NAMES[m.variant] for m in matches] == [variant]


def test_a_photo_without_bars_has_no_inside_row() -> None:
    _, original = source()
    assert hashes.inside_hashes(original) is None
    assert len(inside_index_of(original)) == 0


def test_content_box_finds_the_picture_inside_bars() -> None:
    image, _ = source()
    framed = np.asarray(in_bars(image, (0, 0, 0), status_bar=True))
    box = hashes.content_box(framed)

    assert box is not None
    left, top, right, bottom = box
    expected_top = (framed.shape[0] - image.height) // 2 + framed.shape[0] // 30
    assert (left, right) == (0, image.width)
    assert abs(top - expected_top) <= 2
    assert abs(bottom - (expected_top + image.height)) <= 2


def test_no_trim_for_a_photo_without_bars_or_a_thin_edge() -> None:
    image, _ = source()
    rgb = np.asarray(image)
    assert hashes.content_box(rgb) is None
    edged = rgb.copy()
    edged[:4] = 0  # a few dark rows at the edge: not worth a variant
    assert hashes.content_box(edged) is None


def test_a_flat_band_inside_the_photo_is_not_a_border() -> None:
    image, _ = source()
    rgb = np.asarray(image).copy()
    h = rgb.shape[0]
    rgb[h // 2 : h // 2 + max(1, h // 200)] = 255  # thinner than BORDER_MIN_GAP
    assert hashes.content_box(rgb) is None


def test_all_flat_image_has_no_content_box() -> None:
    assert hashes.content_box(np.full((300, 400, 3), 128, np.uint8)) is None


def test_features_inside_bars_have_the_scale_of_the_analysis_image() -> None:
    from shelfaudit.index.features import extract_inside_bars

    rgb = np.zeros((1000, 460, 3), np.uint8)
    rgb[300:600, :] = textured_rgb(460, 300, seed=4)
    extracted = extract_inside_bars(rgb)
    assert extracted is not None
    assert extracted.features.width == 1000  # 460 x 300 inside, long side back to 1000
    assert abs(extracted.features.height - 652) <= 4  # the box is found on a small copy
    assert len(extracted.features) > 100
    assert extract_inside_bars(textured_rgb(460, 1000, seed=5)) is None
