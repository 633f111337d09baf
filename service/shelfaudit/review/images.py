"""Upright, reduced JPEG previews for the review screens: a 12 MP original is several MB;
the page needs a picture about as wide as the screen, and overlays in upright pixels."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from shelfaudit.errors import CorruptImage

PREVIEW_SIDES = (320, 1600)  # thumbnail, full view


def preview_jpeg(data: bytes, *, long_side: int) -> bytes:
    """The image turned upright (EXIF orientation) and fitted into ``long_side`` pixels."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            # Decode at 1/2, 1/4 or 1/8 size straight from the DCT when the JPEG allows.
            image.draft("RGB", (long_side, long_side))
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise CorruptImage(f"cannot decode the stored photo: {exc}") from exc
    upright.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
