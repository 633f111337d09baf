"""A stored photo's overlay: the original turned upright first, the newest analysis drawn."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from shelfaudit.errors import NotAnalysed, NotFound
from shelfaudit.review.images import upright
from shelfaudit.review.overlay import draw_overlay
from shelfaudit.review.overlay_content import Layers
from shelfaudit.review.overlay_style import colour_for
from shelfaudit.review.photo_overlay import overlay_jpeg, overlay_source
from shelfaudit.runtime import Runtime
from tests.review.overlay_factories import detections, pixel, stored_photo

WHITE_SQUARE = [100.0, 400.0, 300.0, 600.0]  # upright pixels of a 600 x 800 portrait photo


def portrait_stored_turned(fmt: str = "JPEG") -> bytes:
    """A 600 x 800 upright picture, black with a white square, stored as a landscape
    800 x 600 JPEG with EXIF orientation 6 (turn 90° clockwise to view), as phones do (an
    iPhone's HEIC also carries the turn in its container)."""
    picture = np.zeros((800, 600, 3), np.uint8)
    x1, y1, x2, y2 = (int(v) for v in WHITE_SQUARE)
    picture[y1:y2, x1:x2] = 255
    stored = Image.fromarray(picture).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, fmt, quality=95, exif=exif.tobytes())
    return out.getvalue()


def test_boxes_are_drawn_on_the_upright_photo() -> None:
    data = portrait_stored_turned()
    assert Image.open(io.BytesIO(data)).size == (800, 600)  # stored sideways

    original = upright(data, long_side=400)
    image = draw_overlay(
        np.asarray(original.image),
        Layers(detections=detections([("heineken", WHITE_SQUARE)])),
        max_side=400,
        original_size=(original.width, original.height),
    )

    assert (original.width, original.height) == (600, 800)
    assert original.image.size == (300, 400)
    x1, y1, x2, y2 = (v / 2 for v in WHITE_SQUARE)
    assert pixel(image, x1, (y1 + y2) / 2) == colour_for("heineken")
    assert min(pixel(image, (x1 + x2) / 2, (y1 + y2) / 2)) > 180  # the white square
    assert max(pixel(image, x1 - 10, (y1 + y2) / 2)) < 30  # black beside it


def test_a_stored_photo_renders_from_its_newest_analysis(runtime: Runtime) -> None:
    found = detections([("heineken", WHITE_SQUARE)]).model_dump(mode="json")
    photo_id = stored_photo(
        runtime, portrait_stored_turned(), width=600, height=800, checks={"detections": found}
    )

    with runtime.sessions() as session:
        source = overlay_source(session, photo_id)
        jpeg = overlay_jpeg(source, runtime.objects, max_side=400)

    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    assert image.height == 400
    assert image.width > 300  # the upright photo is 300 wide, the panel beside it


def test_a_heic_photo_is_shown_upright_and_turned_once() -> None:
    original = upright(portrait_stored_turned("HEIF"), long_side=400)
    assert (original.width, original.height) == (600, 800)
    x1, y1, x2, y2 = (v / 2 for v in WHITE_SQUARE)
    picture = original.image
    assert min(picture.getpixel((int((x1 + x2) / 2), int((y1 + y2) / 2)))) > 180
    assert max(picture.getpixel((int(x1 - 10), int((y1 + y2) / 2)))) < 30


def test_an_older_format_part_is_left_out_with_a_note() -> None:
    layers = Layers.from_stored({"detections": {"boxes": [{"xyxy": [1, 1, 5, 5]}]}})

    assert layers.detections is None
    assert layers.notes == ("detections not drawn: stored in an older format",)


def test_unknown_and_unanalysed_photos_are_refused(runtime: Runtime) -> None:
    waiting = stored_photo(runtime, portrait_stored_turned(), width=600, height=800, checks=None)
    with runtime.sessions() as session:
        with pytest.raises(NotFound):
            overlay_source(session, 999_999)
        with pytest.raises(NotAnalysed, match="no analysis yet"):
            overlay_source(session, waiting)


def test_the_etag_changes_with_size_and_pipeline_version(runtime: Runtime) -> None:
    data = portrait_stored_turned()
    first = stored_photo(runtime, data, width=600, height=800, checks={}, pipeline_version="p1")
    second = stored_photo(runtime, data, width=600, height=800, checks={}, pipeline_version="p2")
    with runtime.sessions() as session:
        one, two = overlay_source(session, first), overlay_source(session, second)
        assert one.etag(800) == one.etag(800)
        assert one.etag(800) != one.etag(1600)
        assert one.etag(800) != two.etag(800)


def test_a_size_outside_the_range_is_refused(runtime: Runtime) -> None:
    photo_id = stored_photo(runtime, portrait_stored_turned(), width=600, height=800, checks={})
    with runtime.sessions() as session:
        source = overlay_source(session, photo_id)
    with pytest.raises(ValueError, match=r"256\.\.4096"):
        overlay_jpeg(source, runtime.objects, max_side=10_000)
