"""The overlay picture of an analysed photo: the photo upright and reduced, shelf rows as
translucent bands, every box in its brand's (or SKU's, or class's) colour with its label, and
a panel with the display score, each criterion passed or failed, notes and the legend.

Pure rendering: an upright RGB array and typed results in, a picture or JPEG bytes out. The
panel goes below a landscape photo and beside a portrait one.
"""

from __future__ import annotations

import io
import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from shelfaudit.domain.checks import ShelfRow
from shelfaudit.review.overlay_content import Layers, Mark, PanelLine, marks, panel_lines
from shelfaudit.review.overlay_style import PANEL, ROW, Font, Style, ink_on, line_height

_FILL_ALPHA = 48  # boxes: a light wash of their colour, the shelf still visible through it
_ROW_ALPHA = 32
_LABEL_ALPHA = 220
_UNDERLINE_ALPHA = 200  # under an unknown facing's grey dashes
_SIDE_PANEL = 0.45  # beside a portrait photo: this share of the photo's height, at least


def render_overlay(
    rgb: NDArray[np.uint8],
    layers: Layers,
    *,
    max_side: int,
    original_size: tuple[int, int] | None = None,
    quality: int = 85,
) -> bytes:
    """The overlay as JPEG bytes; see ``draw_overlay``."""
    out = io.BytesIO()
    draw_overlay(rgb, layers, max_side=max_side, original_size=original_size).save(
        out, "JPEG", quality=quality, optimize=True
    )
    return out.getvalue()


def draw_overlay(
    rgb: NDArray[np.uint8],
    layers: Layers,
    *,
    max_side: int,
    original_size: tuple[int, int] | None = None,
) -> Image.Image:
    """The overlay as an RGB picture.

    ``rgb`` (H, W, 3) uint8 is the photo upright (EXIF orientation applied), at full size or
    already reduced; ``original_size`` (width, height) is the upright original's size, the
    space the boxes are in, when ``rgb`` is reduced. The photo is fitted into ``max_side``
    pixels on its long side (never enlarged); the panel adds to that.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {rgb.shape} {rgb.dtype}")
    photo = Image.fromarray(rgb, "RGB")
    width, height = original_size or photo.size
    if max(photo.size) > max_side:
        photo.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    scale = (photo.width / width, photo.height / height)
    style = Style.for_side(max(photo.size))
    drawn = marks(layers)
    rows = layers.detections.rows if layers.detections else []
    photo = _draw_photo_layer(photo, rows, drawn, scale, style)
    lines = panel_lines(layers, drawn)
    if photo.width >= photo.height:
        panel = _draw_panel(lines, width=photo.width, min_height=0, style=style)
        canvas = Image.new("RGB", (photo.width, photo.height + panel.height), PANEL)
        canvas.paste(panel, (0, photo.height))
    else:
        panel_width = max(round(photo.height * _SIDE_PANEL), style.text_px * 16)
        panel = _draw_panel(lines, width=panel_width, min_height=photo.height, style=style)
        canvas = Image.new("RGB", (photo.width + panel.width, panel.height), PANEL)
        canvas.paste(panel, (photo.width, 0))
    canvas.paste(photo, (0, 0))
    return canvas


def _scaled(
    xyxy: list[float] | tuple[float, ...], scale: tuple[float, float], size: tuple[int, int]
) -> tuple[int, int, int, int]:
    sx, sy = scale
    w, h = size
    x1 = min(max(round(xyxy[0] * sx), 0), w - 1)
    y1 = min(max(round(xyxy[1] * sy), 0), h - 1)
    x2 = min(max(round(xyxy[2] * sx), x1), w - 1)
    y2 = min(max(round(xyxy[3] * sy), y1), h - 1)
    return x1, y1, x2, y2


def _draw_photo_layer(
    photo: Image.Image,
    rows: list[ShelfRow],
    drawn: list[Mark],
    scale: tuple[float, float],
    style: Style,
) -> Image.Image:
    layer = Image.new("RGBA", photo.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    bands = [_scaled(row.xyxy, scale, photo.size) for row in rows]
    for x1, y1, x2, y2 in bands:
        draw.rectangle((x1, y1, x2, y2), fill=(*ROW, _ROW_ALPHA))
        for y in (y1, y2):
            draw.line((x1, y, x2, y), fill=(*ROW, 200), width=style.line)
    boxes = [_scaled(mark.xyxy, scale, photo.size) for mark in drawn]
    for mark, box in zip(drawn, boxes, strict=True):
        draw.rectangle(box, fill=(*mark.colour, _FILL_ALPHA))
        if mark.dashed:
            # Grey dashes alone all but vanished on a bright shelf: a dark line under them.
            draw.rectangle(box, outline=(0, 0, 0, _UNDERLINE_ALPHA), width=style.line)
            _dashed_rectangle(draw, box, mark.colour, style.line)
        else:
            draw.rectangle(box, outline=(*mark.colour, 255), width=style.line)
    # Labels last, so no box covers one; a row's above its boxes', it names a whole shelf.
    for mark, box in zip(drawn, boxes, strict=True):
        _label(draw, mark.label, box, mark.colour, style.label, style.pad)
    for row, band in zip(rows, bands, strict=True):
        _label(draw, f"row {row.index + 1}", band, ROW, style.label, style.pad)
    return Image.alpha_composite(photo.convert("RGBA"), layer).convert("RGB")


def _dashed_rectangle(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    colour: tuple[int, int, int],
    width: int,
) -> None:
    # Inset by half the width so dashes fall where a solid outline (drawn inwards) would.
    inset = width // 2
    x1, y1, x2, y2 = box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset
    dash = 3 * width
    for start, end in (
        ((x1, y1), (x2, y1)),
        ((x2, y1), (x2, y2)),
        ((x2, y2), (x1, y2)),
        ((x1, y2), (x1, y1)),
    ):
        length = math.dist(start, end)
        for offset in range(0, max(1, round(length)), 2 * dash):
            a, b = offset / max(length, 1), min(offset + dash, length) / max(length, 1)
            draw.line(
                (
                    start[0] + (end[0] - start[0]) * a,
                    start[1] + (end[1] - start[1]) * a,
                    start[0] + (end[0] - start[0]) * b,
                    start[1] + (end[1] - start[1]) * b,
                ),
                fill=(*colour, 255),
                width=width,
            )


def _label(
    draw: ImageDraw.ImageDraw,
    text: str,
    box: tuple[int, int, int, int],
    colour: tuple[int, int, int],
    face: Font,
    pad: int,
) -> None:
    """``text`` in the box's top-left corner, shortened to the box's width; left out when
    not even a few letters fit (dense shelves: the colour and the legend still tell)."""
    x1, y1, x2, y2 = box
    height = line_height(face)
    fitted = _fit(text, face, x2 - x1 - 2 * pad)
    if fitted is None or y2 - y1 < height + pad:
        return
    right = x1 + round(face.getlength(fitted)) + 2 * pad
    draw.rectangle((x1, y1, right, y1 + height + pad), fill=(*colour, _LABEL_ALPHA))
    draw.text(
        (x1 + pad, y1 + pad // 2), fitted, font=face, fill=(*ink_on(colour), 255), anchor="la"
    )


def _fit(text: str, face: Font, width: int, min_chars: int = 3) -> str | None:
    if face.getlength(text) <= width:
        return text
    for end in range(len(text) - 1, min_chars - 1, -1):
        shorter = text[:end].rstrip() + "…"
        if face.getlength(shorter) <= width:
            return shorter
    return None


def _wrap(text: str, face: Font, width: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a word longer than a line is cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if face.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while face.getlength(word) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and face.getlength(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines or [""]


def _draw_panel(
    lines: list[PanelLine], *, width: int, min_height: int, style: Style
) -> Image.Image:
    face, pad = style.text, style.pad
    step = line_height(face) + pad // 2
    swatch = step - pad // 2
    left = 2 * pad
    placed: list[tuple[int, PanelLine, str, bool]] = []  # y, line, text, first piece
    y = 2 * pad
    for line in lines:
        if line.heading and placed:
            y += step // 2
        indent = swatch + pad if line.swatch else 0
        for i, piece in enumerate(_wrap(line.text, face, width - 2 * left - indent)):
            placed.append((y, line, piece, i == 0))
            y += step
    panel = Image.new("RGB", (width, max(min_height, y + 2 * pad)), PANEL)
    draw = ImageDraw.Draw(panel)
    for top, line, piece, first in placed:
        indent = swatch + pad if line.swatch else 0
        if line.swatch and first:
            draw.rectangle((left, top, left + swatch, top + swatch), fill=line.swatch)
        draw.text((left + indent, top), piece, font=face, fill=line.colour, anchor="la")
    return panel
