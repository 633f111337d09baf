"""Keypoint keys: a crop of a real photo keeps many of its keys, another photo shares few."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from shelfaudit.analyse.decode import decode
from shelfaudit.index import features as local
from shelfaudit.index.keypoint_keys import (
    KEYS_PER_PHOTO,
    N_KEYS,
    SENTINEL,
    from_bytes,
    keys_of,
    probe_keys,
    query_keys,
    stored_keys,
    to_bytes,
)
from tests.factories import real_photos
from tests.unit.index.test_processor_duplicates import jpeg


def features_of(data: bytes) -> local.LocalFeatures:
    return local.extract(decode(data, target_long_side=1024, max_pixels=10**8).rgb).features


def test_keys_are_distinct_sorted_and_below_two_to_the_24() -> None:
    descriptors = np.random.default_rng(0).integers(0, 256, size=(300, 32), dtype=np.uint8)
    keys = keys_of(np.concatenate([descriptors, descriptors[:50]]))
    assert keys.dtype == np.uint32
    assert len(keys) == len(np.unique(keys_of(descriptors))) <= 300
    assert np.all(np.diff(keys.astype(np.int64)) > 0)
    assert keys.max() < N_KEYS


def test_no_descriptors_give_no_keys() -> None:
    assert len(keys_of(np.zeros((0, 32), np.uint8))) == 0
    assert (stored_keys(local.LocalFeatures.empty()) == SENTINEL).all()


def test_a_crop_shares_many_keys_and_another_photo_few() -> None:
    path, other = real_photos()[5], real_photos()[6]
    image = Image.open(path).convert("RGB")
    w, h = image.size
    cropped = jpeg(image.crop((int(0.12 * w), int(0.05 * h), int(0.95 * w), int(0.85 * h))))
    stored = stored_keys(features_of(path.read_bytes()))
    assert stored.shape == (KEYS_PER_PHOTO,)
    shared = np.intersect1d(stored, query_keys(features_of(cropped)))
    unrelated = np.intersect1d(stored, query_keys(features_of(other.read_bytes())))
    assert len(shared) >= 10
    assert len(unrelated) <= 2


def test_keys_round_trip_through_bytes() -> None:
    keys = np.full(KEYS_PER_PHOTO, SENTINEL, np.uint32)
    keys[:5] = [0, 1, 7, 99, N_KEYS - 1]
    data = to_bytes(keys)
    assert len(data) == 20
    assert np.array_equal(from_bytes(data), keys)
    assert (from_bytes(None) == SENTINEL).all()
    assert (from_bytes(b"") == SENTINEL).all()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01\x02", "are not keys"),  # not whole keys
        (bytes(4 * (KEYS_PER_PHOTO + 1)), "are not keys"),  # too many
        (np.array([N_KEYS], "<u4").tobytes(), "below 2"),  # out of range
    ],
)
def test_bytes_that_are_not_keys_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_bytes(data)


def test_probing_adds_every_key_one_bit_away() -> None:
    keys = np.array([0, 5], np.uint32)
    probed = probe_keys(keys)
    assert len(probed) == len(np.unique(probed))
    assert set(probed.tolist()) == {0, 5} | {1 << b for b in range(24)} | {
        5 ^ (1 << b) for b in range(24)
    }
    assert probed.max() < N_KEYS
