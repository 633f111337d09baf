"""Colours and type for the overlay picture: one stable colour per brand or SKU, and sizes
that grow with the picture so text stays readable from a 256-pixel thumbnail to 4096."""

from __future__ import annotations

import colorsys
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont

RGB = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

UNKNOWN: RGB = (158, 158, 158)  # a facing no SKU was close enough to
ROW: RGB = (56, 189, 248)  # shelf rows
PANEL: RGB = (24, 24, 27)  # the side or bottom panel's background
TEXT: RGB = (235, 235, 235)
MUTED: RGB = (161, 161, 170)
PASS: RGB = (74, 222, 128)
FAIL: RGB = (248, 113, 113)

PREFERRED_FONT = "DejaVuSans.ttf"  # Pillow finds it under the system's font folders


def colour_for(key: str) -> RGB:
    """A saturated colour for a brand, SKU id or class name, the same in every process and
    on every photo (``hash()`` is salted per process, so a digest picks the hue). Case and
    surrounding spaces do not matter: "Heineken" and "heineken " are drawn alike."""
    digest = hashlib.blake2b(key.strip().casefold().encode(), digest_size=4).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    saturation = 0.65 + 0.3 * digest[2] / 255  # never near grey, which means "unknown"
    value = 0.8 + 0.2 * digest[3] / 255  # bright enough on dark shelves and the dark panel
    r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)


def ink_on(background: RGB) -> RGB:
    """Black or white, whichever reads better on ``background`` (Rec. 601 luma)."""
    r, g, b = background
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (255, 255, 255)


@lru_cache(maxsize=32)
def font(px: int) -> Font:
    """DejaVu Sans at ``px`` pixels where the system has it (it covers Vietnamese and most
    Latin names), else Pillow's bundled font, which lacks accented letters but needs no
    system fonts at all."""
    try:
        return ImageFont.truetype(PREFERRED_FONT, px)
    except OSError:  # not installed: the bundled one still draws every ASCII name
        return ImageFont.load_default(size=px)


def line_height(face: Font) -> int:
    _, _, _, bottom = face.getbbox("Ágjy", anchor="la")
    return int(bottom) + 1


@dataclass(frozen=True)
class Style:
    """Sizes for a picture whose long side is ``long_side`` pixels."""

    text: Font  # the panel
    label: Font  # box and row labels
    line: int  # box outline width, pixels
    pad: int  # space around text, pixels
    text_px: int

    @classmethod
    def for_side(cls, long_side: int) -> Style:
        # About 55 lines of panel text would span the long side: legible on a phone at 1600
        # pixels, and never below 12 pixels on a thumbnail.
        px = min(48, max(12, round(long_side / 55)))
        return cls(
            text=font(px),
            label=font(max(10, round(px * 0.75))),
            line=max(2, round(long_side / 500)),
            pad=max(2, px // 4),
            text_px=px,
        )
