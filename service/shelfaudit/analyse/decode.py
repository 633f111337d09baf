"""Decoding with EXIF orientation, through reduced JPEG decodes where possible.

A 12 MP JPEG costs about 66 ms to decode at full size but about 32 ms at 1/4 through the
DCT (``Image.draft``), and no check of the foundation needs more than ~1000 px.
"""

from __future__ import annotations

import io
import time
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from shelfaudit.analyse import heif
from shelfaudit.analyse.jpeg_forensics import exif_thumbnail, quant_fingerprint
from shelfaudit.analyse.orientation import TRANSPOSE
from shelfaudit.domain.checks import DecodeResult
from shelfaudit.errors import (
    CorruptImage,
    EmptyFile,
    TooManyPixels,
    UnsupportedMediaType,
    UnusableDimensions,
)

VERSION = "decode-1"

SUPPORTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", heif.FORMAT})
# Enough of a file to name its format (an HEIF file's brands are in its first box).
HEAD_BYTES = 64

# No display fits in fewer pixels than this on a side, and local features, thumbnails and
# reduced decodes all need a few pixels to work with.
MIN_SIDE = 32
# Wider strips than this are not photos of a display (a panorama is about 4:1), and at the
# analysis size their short side would shrink below MIN_SIDE.
MAX_ASPECT = 20
# PIL decodes a WebP whole, through two full RGBA buffers: a 0.04 MB lossless WebP of 99 MP
# held 1.5 GB (benchmarks/bench_decode_memory.py). Phones send JPEG; a WebP from an SFA app
# is a compressed copy of a photo, far under this.
WEBP_MAX_PIXELS = 30_000_000
# Greyscale modes with more than 8 bits (16-bit PNG): scaled down, not clipped, to 8 bits.
_WIDE_GREY = {"I;16": 65535, "I;16B": 65535, "I;16L": 65535, "I": 65535}

_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)


def sniff_format(head: bytes) -> str | None:
    """Name the container format from the first bytes, or None for anything we do not take."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if heif.is_heif(head):
        return heif.FORMAT
    return None


def describe_unsupported(head: bytes) -> str:
    """A human name for a rejected file, for the error message."""
    if head[4:8] == b"ftyp":
        return "AVIF or another HEIF kind than HEIC (set the SFA app to save JPEG or HEIC)"
    if head[:4] in (b"GIF8",):
        return "GIF"
    if head[:2] == b"BM":
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:5] == b"%PDF-":
        return "PDF"
    return "not an image"


@dataclass(frozen=True)
class ImageHeader:
    format: str
    width: int  # stored width, before EXIF orientation
    height: int


def read_header(
    data: bytes, *, max_pixels: int, min_side: int = MIN_SIDE, max_aspect: float | None = MAX_ASPECT
) -> ImageHeader:
    """Check the container and dimensions without decoding pixels (bombs stop here).

    ``min_side`` and ``max_aspect`` (None: any) bound the shape; photos keep the defaults,
    packshots and cut-out facings (small by nature) pass their own."""
    if not data:
        raise EmptyFile("the file is empty (0 bytes)")
    fmt = sniff_format(data[:HEAD_BYTES])
    if fmt is None:
        raise UnsupportedMediaType(
            f"unsupported file type: {describe_unsupported(data[:HEAD_BYTES])}; "
            "send JPEG, HEIC, PNG or WebP"
        )
    try:
        with warnings.catch_warnings():
            # Our own limit (below) decides; PIL's warning threshold is lower than ours.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
    except Image.DecompressionBombError as exc:
        raise TooManyPixels(
            f"image has over {2 * (Image.MAX_IMAGE_PIXELS or 0) / 1e6:.0f} MP; "
            f"the limit is {max_pixels / 1e6:.0f} MP"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptImage(f"cannot read the {fmt} header: {exc}") from exc
    if width <= 0 or height <= 0:
        raise CorruptImage(f"{fmt} header gives impossible dimensions {width}x{height}")
    if min(width, height) < min_side:
        raise UnusableDimensions(
            f"image is {width}x{height}; each side must be at least {min_side} px"
        )
    if max_aspect is not None and max(width, height) > max_aspect * min(width, height):
        raise UnusableDimensions(
            f"image is {width}x{height}; the long side may be at most {max_aspect:g} times "
            "the short one"
        )
    if width * height > max_pixels:
        raise TooManyPixels(
            f"image is {width}x{height} = {width * height / 1e6:.0f} MP; "
            f"the limit is {max_pixels / 1e6:.0f} MP"
        )
    if fmt == "WEBP" and width * height > WEBP_MAX_PIXELS:
        raise TooManyPixels(
            f"WebP image is {width}x{height} = {width * height / 1e6:.0f} MP; WebP decodes "
            f"whole, so its limit is {WEBP_MAX_PIXELS / 1e6:.0f} MP: send JPEG"
        )
    return ImageHeader(format=fmt, width=width, height=height)


def reduction_for(width: int, height: int, target_long_side: int) -> int:
    """Largest JPEG DCT reduction (1, 2, 4, 8) that keeps the long side >= target.

    A 5 % shortfall is accepted: a 4000 px photo decodes at 1/4 (1000 px) for a 1024 target.
    """
    long_side = max(width, height)
    for factor in (8, 4, 2):
        if long_side // factor >= 0.95 * target_long_side:
            return factor
    return 1


def orientation_of(exif: Image.Exif) -> int:
    """The EXIF Orientation (1-8); 1 when the tag is absent or unusable ("six", 6/0)."""
    value = exif.get(0x0112, 1)
    try:
        orientation = int(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return 1
    return orientation if 1 <= orientation <= 8 else 1


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB at 8 bits per channel; wide greyscale is rescaled (PIL would clip it to white);
    transparent pixels become white, as viewers show them (PIL keeps whatever colour lies
    under them, often black: a transparent packshot's product sat on black)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(flat, rgba).convert("RGB")
    peak = _WIDE_GREY.get(image.mode)
    if peak is None:
        return image.convert("RGB")
    values = np.asarray(image, dtype=np.float64)
    grey = np.clip(values * (255 / peak), 0, 255).round().astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


# Rows of the reduced image made per strip by ``reduced_rgb``: a strip of a 100 MP photo is
# then a few MB, whatever its mode.
_STRIP_ROWS = 64


def reduced_rgb(image: Image.Image, factor: int) -> Image.Image:
    """``to_rgb`` of a loaded image, box-reduced by ``factor``, a strip at a time.

    PNG and WebP decode in full (no DCT shortcut), and converting a whole 100 MP image at
    once held three or four copies of it: 2.3 GB for a 16-bit grey PNG of 0.2 MB. Strips keep
    the conversion to a few MB beside the decoded pixels. Transparency is flattened onto white
    before the reduction, as ``to_rgb`` does for the whole image."""
    if factor <= 1:
        return to_rgb(image)
    width, height = image.size
    out = Image.new("RGB", (-(-width // factor), -(-height // factor)))
    step = _STRIP_ROWS * factor
    for top in range(0, height, step):
        strip = to_rgb(image.crop((0, top, width, min(height, top + step))))
        out.paste(strip.reduce(factor), (0, top // factor))
    return out


@dataclass(frozen=True)
class DecodedImage:
    """The upright image at analysis resolution (RGB uint8, shape (H, W, 3))."""

    rgb: NDArray[np.uint8]
    exif: Image.Exif
    result: DecodeResult
    quant_fp: str | None = None  # JPEG quantisation tables, fingerprinted
    thumbnail: bytes | None = None  # the EXIF (IFD1) JPEG thumbnail


def decode(
    data: bytes,
    *,
    target_long_side: int,
    max_pixels: int,
    min_side: int = MIN_SIDE,
    max_aspect: float | None = MAX_ASPECT,
) -> DecodedImage:
    """Decode ``data`` upright, reduced so that its long side is about ``target_long_side``
    (shape limits as ``read_header``).

    Truncated or corrupt streams raise ``CorruptImage``: PIL refuses to load a truncated
    JPEG unless ``LOAD_TRUNCATED_IMAGES`` is set, which we never set.
    """
    started = time.perf_counter()
    header = read_header(data, max_pixels=max_pixels, min_side=min_side, max_aspect=max_aspect)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[header.format])
        with image:
            exif = image.getexif()
            quant_fp = quant_fingerprint(image)
            thumbnail = exif_thumbnail(image)
            # libheif has turned an HEIF image upright already (see ``heif``).
            orientation = 1 if header.format == heif.FORMAT else orientation_of(exif)
            reduction = 1
            if header.format == "JPEG":
                reduction = reduction_for(header.width, header.height, target_long_side)
                if reduction > 1:
                    size = (header.width // reduction, header.height // reduction)
                    image.draft("RGB", (max(1, size[0]), max(1, size[1])))
            image.load()
            if header.format == "JPEG":
                upright = to_rgb(image)
            else:
                reduction = max(1, max(image.size) // target_long_side)
                upright = reduced_rgb(image, reduction)
            if orientation in TRANSPOSE:
                upright = upright.transpose(TRANSPOSE[orientation])
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise CorruptImage(f"cannot decode the {header.format} image: {exc}") from exc
    if max(upright.size) > target_long_side:
        # Checks see one standard scale, whatever the camera resolution or format.
        scale = target_long_side / max(upright.size)
        size = (max(1, round(upright.width * scale)), max(1, round(upright.height * scale)))
        upright = upright.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    rotated = orientation in (5, 6, 7, 8)
    width, height = (header.height, header.width) if rotated else (header.width, header.height)
    rgb = np.asarray(upright, dtype=np.uint8)
    result = DecodeResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        format=header.format,
        width=width,
        height=height,
        orientation=orientation,
        analysis_width=int(rgb.shape[1]),
        analysis_height=int(rgb.shape[0]),
        reduction=reduction,
    )
    return DecodedImage(rgb=rgb, exif=exif, result=result, quant_fp=quant_fp, thumbnail=thumbnail)
