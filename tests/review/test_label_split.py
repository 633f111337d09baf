"""Train or val by store: the same side in every export, whatever else it holds."""

from __future__ import annotations

import pytest

from shelfaudit.review.label_split import group_of, val_groups

STORES = [group_of(photo_id=i, store_id=f"S{i}") for i in range(200)]


def test_photos_group_by_store_and_a_photo_without_one_is_its_own_group() -> None:
    assert group_of(photo_id=1, store_id="S9") == group_of(photo_id=2, store_id="S9")
    assert group_of(photo_id=1, store_id=None) != group_of(photo_id=2, store_id=None)


def test_about_the_asked_share_of_many_stores_goes_to_val() -> None:
    assert 0.12 <= len(val_groups(STORES, 0.2)) / len(STORES) <= 0.28


def test_a_store_keeps_its_side_whatever_else_is_exported() -> None:
    everything = val_groups(STORES, 0.2)
    half = val_groups(STORES[::2], 0.2)
    assert half == everything & set(STORES[::2])


def test_a_small_export_keeps_each_store_on_its_own_side_even_if_one_side_is_empty() -> None:
    everything = val_groups(STORES, 0.2)
    for pair in (STORES[:2], STORES[2:4], STORES[4:6]):
        assert val_groups(pair, 0.2) == everything & set(pair)
    assert val_groups(STORES, 0.0) == set()


@pytest.mark.parametrize("share", [-0.1, 0.95, 1.0])
def test_a_share_outside_0_to_0_9_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="val share"):
        val_groups(STORES, share)
