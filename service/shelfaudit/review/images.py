"""Upright, reduced JPEG previews for the review screens: a 12 MP original is several MB;
the page needs a picture about as wide as the screen, and overlays in upright pixels."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from shelfaudit.analyse.decode import orientation_of, reduced_rgb
from shelfaudit.analyse.orientation import TRANSPOSE
from shelfaudit.errors import CorruptImage

PREVIEW_SIDES = (320, 1600)  # thumbnail, full view
_TURNED = (5, 6, 7, 8)  # EXIF orientations that swap width and height


@dataclass(frozen=True)
class Upright:
    image: Image.Image  # RGB, upright, fitted into the long side asked for
    width: int  # the upright original's size: the space analysis boxes are in
    height: int


def upright(data: bytes, *, long_side: int) -> Upright:
    """The image turned upright (EXIF orientation, read as analysis reads it) and fitted
    into ``long_side`` pixels."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            orientation = orientation_of(image.getexif())
            if orientation in _TURNED:
                width, height = height, width
            # Decode at 1/2, 1/4 or 1/8 size straight from the DCT when the JPEG allows.
            image.draft("RGB", (long_side, long_side))
            # PNG and WebP have no such shortcut: converted and reduced a strip at a time.
            turned = reduced_rgb(image, max(1, max(image.size) // long_side))
            if orientation in TRANSPOSE:
                turned = turned.transpose(TRANSPOSE[orientation])
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise CorruptImage(f"cannot decode the stored photo: {exc}") from exc
    turned.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return Upright(image=turned, width=width, height=height)


def preview_jpeg(data: bytes, *, long_side: int) -> bytes:
    """The image turned upright (EXIF orientation) and fitted into ``long_side`` pixels."""
    out = io.BytesIO()
    upright(data, long_side=long_side).image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
