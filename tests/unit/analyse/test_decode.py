from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from shelfaudit.analyse import decode
from shelfaudit.errors import (
    CorruptImage,
    EmptyFile,
    TooManyPixels,
    UnsupportedMediaType,
    UnusableDimensions,
)
from tests.factories import encode, jpeg_bytes, real_photos, textured_rgb

MAX_PIXELS = 100_000_000


def with_orientation(rgb: np.ndarray, orientation: int) -> bytes:
    image = Image.fromarray(rgb)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("orientation", "upright_shape"),
    [(1, (300, 400)), (3, (300, 400)), (6, (400, 300)), (8, (400, 300))],
)
def test_decode_applies_exif_orientation(orientation: int, upright_shape: tuple[int, int]) -> None:
    rgb = textured_rgb(400, 300)
    rgb[:30, :30] = 255  # a white corner marks the top-left of the stored image
    decoded = decode.decode(
        with_orientation(rgb, orientation), target_long_side=1024, max_pixels=MAX_PIXELS
    )
    assert decoded.rgb.shape[:2] == upright_shape
    assert decoded.result.orientation == orientation
    assert (decoded.result.height, decoded.result.width) == upright_shape


def test_decode_rotates_the_marked_corner_where_orientation_6_says() -> None:
    rgb = np.zeros((300, 400, 3), np.uint8)
    rgb[:50, :50] = 255
    decoded = decode.decode(with_orientation(rgb, 6), target_long_side=1024, max_pixels=MAX_PIXELS)
    # Orientation 6 means "rotate 90 degrees clockwise to view": top-left goes to top-right.
    assert decoded.rgb[:40, -40:].mean() > 200
    assert decoded.rgb[:40, :40].mean() < 50


@pytest.mark.parametrize(
    ("width", "height", "target", "factor"),
    [
        (4000, 3000, 1024, 4),
        (4032, 3024, 1024, 4),
        (2560, 1920, 1024, 2),
        (800, 600, 1024, 1),
        (8000, 6000, 960, 8),
    ],
)
def test_reduction_keeps_long_side_near_target(
    width: int, height: int, target: int, factor: int
) -> None:
    assert decode.reduction_for(width, height, target) == factor


@pytest.mark.parametrize(("width", "height"), [(3000, 1600), (1600, 3000)])
def test_decode_uses_reduced_jpeg_decode_for_big_photos(width: int, height: int) -> None:
    decoded = decode.decode(jpeg_bytes(width, height), target_long_side=1024, max_pixels=MAX_PIXELS)
    assert decoded.result.reduction == 2
    assert max(decoded.rgb.shape[:2]) == 1024
    assert (decoded.result.width, decoded.result.height) == (width, height)
    portrait = height > width
    assert (decoded.rgb.shape[0] > decoded.rgb.shape[1]) == portrait


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_decode_accepts_png_and_webp(fmt: str) -> None:
    decoded = decode.decode(
        encode(textured_rgb(640, 480), fmt), target_long_side=1024, max_pixels=MAX_PIXELS
    )
    assert decoded.result.format == fmt
    assert decoded.rgb.shape == (480, 640, 3)


def test_decode_real_phone_photo() -> None:
    path = real_photos()[0]
    decoded = decode.decode(path.read_bytes(), target_long_side=1024, max_pixels=MAX_PIXELS)
    assert decoded.result.format == "JPEG"
    assert max(decoded.rgb.shape[:2]) <= 1024
    assert decoded.result.width * decoded.result.height > 4_000_000


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyFile),
        (b"hello, this is text with a .jpg name", UnsupportedMediaType),
        (b"GIF89a" + b"\x00" * 100, UnsupportedMediaType),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 100, CorruptImage),
        (b"\x00\x00\x00\x18ftypavif" + b"\x00" * 100, UnsupportedMediaType),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, CorruptImage),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, CorruptImage),
    ],
)
def test_read_header_refuses_bad_files(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode.decode(data, target_long_side=1024, max_pixels=MAX_PIXELS)


def test_truncated_jpeg_is_corrupt() -> None:
    data = jpeg_bytes(1200, 900)
    with pytest.raises(CorruptImage, match="decode"):
        decode.decode(data[: len(data) // 2], target_long_side=256, max_pixels=MAX_PIXELS)


def heic_bytes(rgb: np.ndarray, orientation: int = 1) -> bytes:
    """As an iPhone saves a photo: HEVC in HEIF, its turn in the container and in EXIF."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Apple"
    return encode(rgb, "HEIF", quality=80, exif=exif.tobytes())


@pytest.mark.parametrize("orientation", [1, 6, 3])
def test_a_heic_photo_decodes_upright_and_is_turned_once(orientation: int) -> None:
    rgb = textured_rgb(120, 80)
    rgb[:10, :10] = (255, 0, 0)  # a red corner: top left of the upright picture
    upright = decode.decode(
        with_orientation(rgb, orientation), target_long_side=1024, max_pixels=MAX_PIXELS
    )
    decoded = decode.decode(
        heic_bytes(rgb, orientation), target_long_side=1024, max_pixels=MAX_PIXELS
    )
    assert decoded.result.format == "HEIF"
    assert decoded.rgb.shape == upright.rgb.shape
    assert (decoded.result.width, decoded.result.height) == (
        upright.result.width,
        upright.result.height,
    )
    corner = np.argwhere(decoded.rgb[..., 0].astype(int) - decoded.rgb[..., 1] > 150).mean(0)
    expected = np.argwhere(upright.rgb[..., 0].astype(int) - upright.rgb[..., 1] > 150).mean(0)
    assert np.abs(corner - expected).max() < 4
    assert decoded.exif.get(0x010F) == "Apple"


def test_a_heic_photo_s_brands_name_it() -> None:
    data = heic_bytes(textured_rgb(64, 48))
    assert decode.sniff_format(data[: decode.HEAD_BYTES]) == "HEIF"
    generic = data[:8] + b"mif1" + data[12:]  # major brand mif1, heic among the compatible
    assert decode.sniff_format(generic[: decode.HEAD_BYTES]) == "HEIF"


def test_a_truncated_heic_photo_is_corrupt() -> None:
    data = heic_bytes(textured_rgb(200, 150))
    with pytest.raises(CorruptImage, match="HEIF"):
        decode.decode(data[: len(data) // 2], target_long_side=256, max_pixels=MAX_PIXELS)


def test_avif_is_named_in_the_error() -> None:
    with pytest.raises(UnsupportedMediaType, match="AVIF"):
        decode.read_header(b"\x00\x00\x00\x18ftypavif" + b"\x00" * 100, max_pixels=MAX_PIXELS)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    # A tiny PNG that claims 20000 x 20000 pixels (400 MP): refused from the header alone.
    image = Image.new("1", (20000, 20000))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    bomb = buffer.getvalue()
    assert len(bomb) < 200_000
    with pytest.raises(TooManyPixels, match="MP"):
        decode.read_header(bomb, max_pixels=MAX_PIXELS)


def test_pixel_limit_is_a_setting() -> None:
    with pytest.raises(TooManyPixels):
        decode.read_header(jpeg_bytes(400, 300), max_pixels=100_000)


def grey_bytes(width: int, height: int, fmt: str, mode: str = "L") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), 128).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("width", "height", "fmt"),
    [
        (1, 1, "PNG"),
        (1, 4000, "PNG"),
        (4000, 1, "JPEG"),  # used to divide by zero in the reduced JPEG decode
        (65500, 2, "PNG"),
        (31, 600, "JPEG"),
        (4000, 40, "JPEG"),  # 100:1
        (641, 32, "PNG"),  # just over 20:1
    ],
)
def test_slivers_are_refused_from_the_header(width: int, height: int, fmt: str) -> None:
    data = grey_bytes(width, height, fmt)
    with pytest.raises(UnusableDimensions, match=f"{width}x{height}"):
        decode.read_header(data, max_pixels=MAX_PIXELS)


@pytest.mark.parametrize(("width", "height"), [(32, 32), (640, 32), (32, 640), (4000, 200)])
def test_the_smallest_and_thinnest_accepted_images_decode(width: int, height: int) -> None:
    decoded = decode.decode(
        grey_bytes(width, height, "JPEG"), target_long_side=1024, max_pixels=MAX_PIXELS
    )
    assert min(decoded.rgb.shape[:2]) >= 1
    assert decoded.result.width == width


def test_sixteen_bit_greyscale_is_scaled_not_clipped_to_white() -> None:
    levels = np.array([[0, 16384, 32768, 65535]], np.uint16).repeat(64, axis=0).repeat(16, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(levels).save(buffer, "PNG")
    assert Image.open(io.BytesIO(buffer.getvalue())).mode.startswith("I")
    rgb = decode.decode(buffer.getvalue(), target_long_side=1024, max_pixels=MAX_PIXELS).rgb
    assert rgb[0, ::16, 0].tolist() == [0, 64, 128, 255]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(6, 6), (8, 8), ("6", 6), ("six", 1), (b"\x06", 1), (0, 1), (9, 1), (-3, 1), (None, 1)],
)
def test_unusable_orientation_tags_read_as_upright(value: object, expected: int) -> None:
    exif = Image.Exif()
    if value is not None:
        exif[0x0112] = value
    assert decode.orientation_of(exif) == expected


def exif_with_text_orientation(text: bytes) -> bytes:
    """A little-endian TIFF IFD whose one entry, Orientation, is ASCII (PIL will not write
    one, but a camera app may)."""
    assert len(text) <= 4
    entry = (0x0112).to_bytes(2, "little") + (2).to_bytes(2, "little")  # tag, type ASCII
    entry += len(text).to_bytes(4, "little") + text.ljust(4, b"\x00")
    return b"Exif\x00\x00II*\x00" + (8).to_bytes(4, "little") + b"\x01\x00" + entry + bytes(4)


def test_a_photo_with_a_text_orientation_tag_decodes_upright() -> None:
    image = Image.fromarray(textured_rgb(400, 300))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif_with_text_orientation(b"six"))
    decoded = decode.decode(buffer.getvalue(), target_long_side=1024, max_pixels=MAX_PIXELS)
    assert decoded.exif.get(0x0112) == "six"
    assert decoded.result.orientation == 1
    assert decoded.rgb.shape[:2] == (300, 400)


def _whole_then_resized(image: Image.Image, long_side: int) -> np.ndarray:
    """What ``decode`` did before it reduced PNG and WebP a strip at a time."""
    rgb = decode.to_rgb(image)
    scale = long_side / max(rgb.size)
    size = (round(rgb.width * scale), round(rgb.height * scale))
    return np.asarray(rgb.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _big_lossless(mode: str, width: int, height: int) -> Image.Image:
    rgb = textured_rgb(width, height)
    if mode == "RGBA":
        alpha = np.full((height, width), 255, np.uint8)
        alpha[:, : width // 3] = 0  # a transparent left third: white once flattened
        return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    if mode == "I;16":
        grey = rgb[..., 1].astype(np.uint16) * 257
        return Image.fromarray(grey)  # uint16: mode I;16
    if mode == "P":
        return Image.fromarray(rgb).quantize(64)
    return Image.fromarray(rgb)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "I;16", "P"])
@pytest.mark.parametrize(("width", "height"), [(3100, 2300), (2300, 3100)])
def test_big_png_reduced_in_strips_matches_the_whole_image_resized(
    mode: str, width: int, height: int
) -> None:
    image = _big_lossless(mode, width, height)
    decoded = decode.decode(_png(image), target_long_side=1024, max_pixels=MAX_PIXELS)
    assert decoded.result.reduction == 3
    expected = _whole_then_resized(image, 1024)
    assert decoded.rgb.shape == expected.shape
    difference = np.abs(decoded.rgb.astype(np.int16) - expected.astype(np.int16))
    assert difference.mean() < 3.0


def test_transparent_part_of_a_big_png_is_white_after_reduction() -> None:
    decoded = decode.decode(
        _png(_big_lossless("RGBA", 3000, 2000)), target_long_side=1024, max_pixels=MAX_PIXELS
    )
    left = decoded.rgb[:, : decoded.rgb.shape[1] // 3 - 4]
    assert left.min() == 255


@pytest.mark.parametrize("factor", [1, 2, 5])
def test_reduced_rgb_covers_partial_strips_at_the_edges(factor: int) -> None:
    # 64 * factor rows per strip: 1,000 rows end in a partial strip, 333 columns in a partial box.
    image = Image.fromarray(textured_rgb(333, 1000))
    reduced = decode.reduced_rgb(image, factor)
    assert reduced.size == (-(-333 // factor), -(-1000 // factor))
    assert np.array_equal(np.asarray(reduced), np.asarray(image.reduce(factor)))


def test_webp_over_its_own_limit_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(decode, "WEBP_MAX_PIXELS", 400 * 300 - 1)
    data = encode(textured_rgb(400, 300), "WEBP")
    with pytest.raises(TooManyPixels, match="WebP decodes whole, so its limit is"):
        decode.read_header(data, max_pixels=MAX_PIXELS)
    # The same picture as JPEG is taken: the limit is WebP's alone.
    decode.read_header(jpeg_bytes(400, 300), max_pixels=MAX_PIXELS)
