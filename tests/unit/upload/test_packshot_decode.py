"""Packshots decode as they are seen: transparency is a white page, a blank one is refused."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from shelfaudit.errors import InvalidInput
from shelfaudit.upload.packshots import decode_packshot

LIMITS = {"max_bytes": 10**7, "max_pixels": 10**8}


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def transparent_packshot(mode: str = "RGBA") -> Image.Image:
    """A red product on fully transparent black, as design tools export packshots."""
    image = Image.new("RGBA", (120, 160), (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (30, 40, 90, 120))
    return image if mode == "RGBA" else image.convert(mode)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparent_pixels_become_a_white_page(mode: str) -> None:
    rgb = decode_packshot(png(transparent_packshot(mode)), **LIMITS).rgb
    corner, middle = rgb[2, 2], rgb[rgb.shape[0] // 2, rgb.shape[1] // 2]
    assert corner.tolist() == [255, 255, 255]
    assert middle.tolist() != [255, 255, 255]


@pytest.mark.parametrize(
    "blank",
    [Image.new("RGBA", (120, 160), (0, 0, 0, 0)), Image.new("RGB", (120, 160), (255, 255, 255))],
    ids=["fully-transparent", "white"],
)
def test_a_blank_packshot_is_refused(blank: Image.Image) -> None:
    with pytest.raises(InvalidInput, match="shows no product"):
        decode_packshot(png(blank), **LIMITS)


def test_an_opaque_packshot_decodes_as_before() -> None:
    image = Image.new("RGB", (120, 160), (0, 0, 0))  # a product that fills the frame
    rgb = decode_packshot(png(image), **LIMITS).rgb
    assert np.all(rgb == 0)
