from __future__ import annotations

import io

import numpy as np
from PIL import Image

from shelfaudit.analyse import hashes
from shelfaudit.analyse.decode import decode
from shelfaudit.analyse.duplicates import hex_to_u64, pdq_words
from tests.factories import real_photos, reencoded_resized, shelf_photos


def hash_of(data: bytes) -> hashes.HashResult:
    return hashes.compute(decode(data, target_long_side=1024, max_pixels=10**8).rgb)


def distance(a: str, b: str) -> int:
    if len(a) == 64:
        return int(np.bitwise_count(pdq_words(a) ^ pdq_words(b)).sum())
    return (hex_to_u64(a) ^ hex_to_u64(b)).bit_count()


def test_pinned_hashes_of_a_real_photo() -> None:
    result = hash_of(real_photos()[0].read_bytes())
    assert result.phash == "a042b73dcf74cc85"
    assert result.dhash == "4ecfa791eb321e34"
    assert result.pdq == "4a3527e4bad5b90ba03a6ef536e4ec0d9151e414e819b297fea92b5e6476c4a1"
    assert result.pdq_quality == 100


def test_resized_reencoded_copy_hashes_near() -> None:
    original = real_photos()[1].read_bytes()
    copy = reencoded_resized(original, scale=0.6, quality=60)
    a, b = hash_of(original), hash_of(copy)
    assert distance(a.pdq, b.pdq) <= 16
    assert distance(a.phash, b.phash) <= 4
    assert distance(a.dhash, b.dhash) <= 6


def test_unrelated_shelf_photos_hash_far() -> None:
    a, b = (hash_of(p.read_bytes()) for p in shelf_photos(2))
    assert distance(a.pdq, b.pdq) > 80
    assert distance(a.phash, b.phash) > 16


def test_png_and_jpeg_of_the_same_pixels_hash_alike() -> None:
    image = Image.open(shelf_photos(1)[0]).convert("RGB")
    png, jpeg = io.BytesIO(), io.BytesIO()
    image.save(png, "PNG")
    image.save(jpeg, "JPEG", quality=85)
    a, b = hash_of(png.getvalue()), hash_of(jpeg.getvalue())
    assert distance(a.pdq, b.pdq) <= 12


def test_hash_image_is_at_most_512_px() -> None:
    small = hashes.hash_image(np.zeros((3000, 4000, 3), np.uint8))
    assert small.shape == (384, 512, 3)
