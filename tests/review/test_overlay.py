"""The overlay picture: boxes where the analysis put them on landscape and portrait photos,
colours stable per brand, SKU and criterion styling, and missing parts."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from shelfaudit.review.overlay import draw_overlay, render_overlay
from shelfaudit.review.overlay_content import UNKNOWN_SKU, Layers, marks, panel_lines
from shelfaudit.review.overlay_style import FAIL, PASS, UNKNOWN, Style, colour_for
from tests.review.overlay_factories import (
    criterion,
    detections,
    display,
    pixel,
    recognition,
    skus,
)

BLACK = (0, 0, 0)


def black(width: int, height: int) -> np.ndarray:
    return np.zeros((height, width, 3), np.uint8)


@pytest.mark.parametrize(
    ("width", "height", "max_side", "box", "panel_below"),
    [
        (1600, 1200, 800, [400.0, 300.0, 1000.0, 900.0], True),  # landscape
        (900, 1600, 640, [180.0, 800.0, 720.0, 1400.0], False),  # portrait
    ],
    ids=["landscape", "portrait"],
)
def test_boxes_land_at_the_scaled_place_in_the_brand_colour(
    width: int, height: int, max_side: int, box: list[float], panel_below: bool
) -> None:
    layers = Layers(detections=detections([("heineken", box)]))

    image = draw_overlay(black(width, height), layers, max_side=max_side)

    scale = max_side / max(width, height)
    photo_w, photo_h = round(width * scale), round(height * scale)
    if panel_below:
        assert (image.width, image.height > photo_h) == (photo_w, True)
    else:
        assert (image.height, image.width > photo_w) == (photo_h, True)
    x1, y1, x2, y2 = (v * scale for v in box)
    middle_y = (y1 + y2) / 2
    brand = colour_for("heineken")
    assert pixel(image, x1, middle_y) == brand  # the left edge of the outline
    assert pixel(image, x2 - 1, middle_y) == brand
    inside = pixel(image, (x1 + x2) / 2, middle_y)  # a light wash of the brand colour
    assert inside != BLACK
    assert np.argmax(inside) == np.argmax(brand)
    assert pixel(image, x1 - 5, middle_y) == BLACK
    assert pixel(image, (x1 + x2) / 2, y2 + 5) == BLACK


def test_a_reduced_photo_is_drawn_in_the_original_coordinates() -> None:
    layers = Layers(detections=detections([("tiger", [800.0, 600.0, 1600.0, 1200.0])]))

    image = draw_overlay(
        black(400, 300), layers, max_side=400, original_size=(1600, 1200)
    )  # a 1/4 decode of a 1600 x 1200 original

    assert pixel(image, 200, 225) == colour_for("tiger")
    assert pixel(image, 195, 225) == BLACK


def test_a_photo_without_analysis_parts_renders_with_a_note() -> None:
    jpeg = render_overlay(black(320, 240), Layers(), max_side=256)

    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    assert image.width == 256
    assert image.height > 192
    texts = [line.text for line in panel_lines(Layers(), [])]
    assert texts == ["No display score", "No detections"]


def test_rows_are_translucent_bands() -> None:
    layers = Layers(detections=detections([], rows=[[0.0, 100.0, 800.0, 300.0]]))

    image = draw_overlay(black(800, 600), layers, max_side=800)

    band = pixel(image, 600, 200)
    assert band != BLACK
    assert max(band) < 80  # tinted, the shelf still visible
    assert pixel(image, 600, 400) == BLACK


def test_colours_are_stable_per_brand_and_differ_between_brands() -> None:
    assert colour_for("heineken") == colour_for("Heineken ") == colour_for("HEINEKEN")
    assert colour_for("heineken") != colour_for("tiger")
    # A digest, not hash(): the same colour in every process, on every day.
    assert colour_for("heineken") == (212, 101, 14)
    assert all(c != UNKNOWN for c in map(colour_for, ("a", "b", "tiger", "sabeco")))


def test_recognised_skus_colour_by_brand_and_unknown_ones_are_grey_and_dashed() -> None:
    boxes = [("product", [0.0, 0.0, 10.0, 10.0])] * 3 + [("price_tag", [0.0, 0.0, 5.0, 5.0])]
    layers = Layers(
        detections=detections(boxes),
        skus=skus(
            [
                recognition(0, [0, 0, 10, 10], "hnk-330", brand="Heineken"),
                recognition(1, [0, 0, 10, 10], "tiger-330"),
                recognition(2, [0, 0, 10, 10], None),
            ]
        ),
    )

    drawn = marks(layers)

    assert [(m.colour, m.legend, m.dashed) for m in drawn] == [
        (colour_for("heineken"), "Heineken", False),
        (colour_for("tiger-330"), "tiger-330", False),  # no brand: coloured by SKU id
        (UNKNOWN, UNKNOWN_SKU, True),
        (colour_for("price_tag"), "price_tag", False),  # no SKU result: by class
    ]
    assert drawn[0].label == "hnk-330 can · product 0.90"
    assert drawn[2].label.startswith("unknown")
    texts = [line.text for line in panel_lines(layers, drawn)]
    assert "SKUs: 2 recognised, 1 unknown" in texts
    assert "Heineken (1)" in texts


def test_failed_criteria_are_red_and_mandatory_ones_marked() -> None:
    layers = Layers(
        display=display(
            [
                criterion("facings", passed=True),
                criterion("hero_sku", passed=False, mandatory=True),
            ]
        )
    )

    lines = panel_lines(layers, [])

    assert lines[0].text == "Display score 0/100 · heineken-stack v2"
    assert lines[0].colour == FAIL
    assert (lines[2].text, lines[2].colour) == ("PASS: facings met [10/10]", PASS)
    assert (lines[3].text, lines[3].colour) == ("FAIL (mandatory): hero_sku missed [0/10]", FAIL)


def test_criteria_that_say_the_same_are_named() -> None:
    twins = [criterion("logos", passed=False), criterion("logos", passed=False)]
    twins[1] = twins[1].model_copy(update={"name": "heineken_logo"})
    twins[0] = twins[0].model_copy(update={"name": "tiger_logo"})

    texts = [line.text for line in panel_lines(Layers(display=display(twins)), [])]

    assert "FAIL tiger_logo: logos missed [0/10]" in texts
    assert "FAIL heineken_logo: logos missed [0/10]" in texts


@pytest.mark.parametrize("long_side", [256, 1600, 4096])
def test_text_grows_with_the_picture_and_the_panel_holds_it(long_side: int) -> None:
    many = display([criterion(f"criterion {i} " * 6, passed=i % 2 == 0) for i in range(12)])
    layers = Layers(detections=detections([("heineken", [10.0, 10.0, 200.0, 200.0])]), display=many)

    image = draw_overlay(black(long_side, long_side * 3 // 4), layers, max_side=long_side)

    style = Style.for_side(long_side)
    assert 12 <= style.text_px <= 48
    assert style.text_px >= long_side // 60 or style.text_px == 48
    assert image.width == long_side
    # 12 criteria, wrapped, all on the canvas: the panel grew to hold them.
    assert image.height > long_side * 3 // 4 + 14 * style.text_px


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((10, 10), np.uint8), r"\(10, 10\) uint8"),
        (np.zeros((10, 10, 4), np.uint8), r"\(10, 10, 4\) uint8"),
        (np.zeros((10, 10, 3), np.float32), r"\(10, 10, 3\) float32"),
    ],
)
def test_only_rgb_uint8_is_accepted(array: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        draw_overlay(array, Layers(), max_side=256)


def test_an_unknown_facing_stays_visible_on_a_bright_shelf() -> None:
    from PIL import Image

    from shelfaudit.review.overlay import _draw_photo_layer
    from shelfaudit.review.overlay_content import Mark

    style = Style.for_side(1000)
    unknown = Mark((100.0, 100.0, 900.0, 900.0), UNKNOWN, "", UNKNOWN_SKU, dashed=True)
    drawn = _draw_photo_layer(Image.new("RGB", (1000, 1000), "white"), [], [unknown], (1, 1), style)

    edge = [drawn.getpixel((x, 100)) for x in range(110, 890)]
    assert max(sum(p) for p in edge) < 3 * 200  # dashes and the gaps between them: no white
    assert min(sum(p) for p in edge) < 3 * 80  # a dark line shows in the gaps


def test_boxes_reviewers_drew_are_dashed_and_named_drawn() -> None:
    layers = Layers(reviewer_boxes=(("tiger", (10.0, 20.0, 60.0, 80.0)),))
    (mark,) = marks(layers)
    assert (mark.label, mark.legend, mark.dashed) == ("drawn · tiger", "tiger", True)
    assert mark.colour == colour_for("tiger")
    assert "Legend" in [line.text for line in panel_lines(layers, [mark])]
