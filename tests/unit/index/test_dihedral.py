"""A rotated or mirrored copy is found through the hashes of its undone variant."""

from __future__ import annotations

import io
from pathlib import Path

import imagehash
import numpy as np
import pdqhash
import pytest
from PIL import Image

from shelfaudit.analyse import hashes
from shelfaudit.analyse.decode import decode
from shelfaudit.index.search import SearchConfig, search_hashes
from tests.factories import real_photos, shelf_photos
from tests.unit.index.factories import hash_of, index_of, source

TRANSPOSES = {
    "rotate_90": Image.Transpose.ROTATE_90,
    "rotate_180": Image.Transpose.ROTATE_180,
    "rotate_270": Image.Transpose.ROTATE_270,
    "flip_horizontal": Image.Transpose.FLIP_LEFT_RIGHT,
    "flip_vertical": Image.Transpose.FLIP_TOP_BOTTOM,
    "transpose": Image.Transpose.TRANSPOSE,
    "transverse": Image.Transpose.TRANSVERSE,
}


def test_variants_hold_the_plain_hashes_first() -> None:
    _, result = source()
    # A plain photo has no bars, so no trimmed variant.
    assert len(result.pdq_variants) == len(result.phash_variants) == 8
    assert (result.pdq_variants[0], result.phash_variants[0], result.dhash_variants[0]) == (
        result.pdq,
        result.phash,
        result.dhash,
    )


def test_phash_and_dhash_variants_follow_imagehash() -> None:
    image, _ = source()
    small = hashes.hash_image(np.asarray(image))
    _, phashes, dhashes = hashes.dihedral_hashes(small)
    assert phashes[0] == str(imagehash.phash(Image.fromarray(small)))
    assert dhashes[0] == str(imagehash.dhash(Image.fromarray(small)))


def test_variants_are_not_kept_with_the_results() -> None:
    _, result = source()
    assert "pdq_variants" not in result.model_dump(mode="json")


@pytest.mark.parametrize("name", list(TRANSPOSES))
def test_a_turned_or_mirrored_copy_is_found_with_its_variant(name: str) -> None:
    image, original = source()
    buffer = io.BytesIO()
    image.transpose(TRANSPOSES[name]).save(buffer, "JPEG", quality=80)
    copy = hash_of(buffer.getvalue())

    matches, _ = search_hashes(index_of(original), copy, before_id=None, config=SearchConfig())

    assert [m.photo_id for m in matches] == [1]
    assert list(hashes.DIHEDRAL)[matches[0].variant] == name
    assert matches[0].pdq_distance <= 8


@pytest.mark.parametrize("photo", [*real_photos()[:2], *shelf_photos(2)], ids=lambda p: p.name)
def test_pdq_variants_equal_pdqhash_on_the_undone_image(photo: Path) -> None:
    small = hashes.hash_image(
        decode(photo.read_bytes(), target_long_side=1024, max_pixels=10**8).rgb
    )
    variants, _, _ = hashes.dihedral_hashes(small)
    for (name, undo), variant in zip(hashes.DIHEDRAL.items(), variants, strict=True):
        bits, _ = pdqhash.compute(np.ascontiguousarray(undo(small)))
        assert variant == hashes.bits_to_hex(bits), name
