from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from shelfaudit.analyse.decode import decode
from shelfaudit.analyse.jpeg_forensics import compare_thumbnail
from shelfaudit.analyse.metadata import thumbnail_signals
from shelfaudit.analyse.visit_facts import MetadataThresholds
from shelfaudit.domain.fraud import SignalCode
from tests.factories import DATASETS, real_photos

CAMERA_ORIGINAL = real_photos()[0]  # SAMSUNG SCH-I925, with its 160 x 120 EXIF thumbnail


def thumbnail_codes(data: bytes) -> list[SignalCode]:
    decoded = decode(data, target_long_side=1024, max_pixels=10**8)
    assert decoded.thumbnail is not None
    comparison = compare_thumbnail(decoded.thumbnail, decoded.rgb, decoded.result.orientation)
    return [s.code for s in thumbnail_signals(comparison, MetadataThresholds())]


def test_a_camera_original_matches_its_thumbnail() -> None:
    assert thumbnail_codes(CAMERA_ORIGINAL.read_bytes()) == []


def test_pixels_edited_under_the_kept_exif_are_caught() -> None:
    image = Image.open(CAMERA_ORIGINAL)
    exif = image.info["exif"]
    edited = image.convert("RGB")
    width, height = edited.size
    ImageDraw.Draw(edited).rectangle(
        [width * 0.3, height * 0.3, width * 0.6, height * 0.6], fill=(250, 20, 20)
    )
    buffer = io.BytesIO()
    edited.save(buffer, "JPEG", quality=90, exif=exif)
    assert thumbnail_codes(buffer.getvalue()) == [SignalCode.thumbnail_mismatch]


MOTO_ORIGINAL = DATASETS / "sku110k_shelves" / "originals" / "train_2968.jpg"


@pytest.mark.skipif(not MOTO_ORIGINAL.is_file(), reason="shared datasets not present")
def test_a_thumbnail_of_the_photos_centre_at_another_shape_is_compared_with_that_centre() -> None:
    # Moto G (4): a 9:16 photo whose 384 x 512 (3:4) thumbnail is its centre.
    data = MOTO_ORIGINAL.read_bytes()
    decoded = decode(data, target_long_side=1024, max_pixels=10**8)
    assert decoded.thumbnail is not None
    comparison = compare_thumbnail(decoded.thumbnail, decoded.rgb, decoded.result.orientation)
    assert comparison is not None
    assert comparison.correlation > 0.95  # 0.35 when only the whole photo was searched
    assert thumbnail_codes(data) == []

    image = Image.open(MOTO_ORIGINAL)
    exif = image.info["exif"]  # kept whole, thumbnail and all, as a careful editor does
    edited = image.convert("RGB")
    width, height = edited.size
    block = edited.crop((int(width * 0.1), int(height * 0.3), int(width * 0.5), int(height * 0.6)))
    edited.paste(block, (int(width * 0.5), int(height * 0.3)))  # shelves cloned across
    buffer = io.BytesIO()
    edited.save(buffer, "JPEG", quality=92, exif=exif)
    assert thumbnail_codes(buffer.getvalue()) == [SignalCode.thumbnail_mismatch]


def test_photos_without_a_thumbnail_have_none() -> None:
    decoded = decode(real_photos()[1].read_bytes(), target_long_side=1024, max_pixels=10**8)
    assert decoded.thumbnail is None
