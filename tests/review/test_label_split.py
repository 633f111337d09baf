"""Train or val by store: stable across exports, both sides present when there are two
stores or more, one store all train."""

from __future__ import annotations

import pytest

from shelfaudit.review.label_split import group_of, position, val_groups

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


@pytest.mark.parametrize(
    ("groups", "share", "val"),
    [
        ([], 0.2, 0),
        (["store:A"], 0.2, 0),  # one store: nothing to measure it against
        (["store:A"], 0.9, 0),
        (STORES[:3], 0.0, 0),  # asked for no val
        (STORES[:2], 0.01, 1),  # none under the line: the nearest store moves to val
        (STORES[:2], 0.9, 1),  # all under the line: the farthest store stays in train
    ],
)
def test_small_exports(groups: list[str], share: float, val: int) -> None:
    assert len(val_groups(groups, share)) == val


def test_the_nearest_store_is_the_one_that_moves() -> None:
    pair = STORES[:2]
    assert val_groups(pair, 0.0001) == {min(pair, key=position)}


@pytest.mark.parametrize("share", [-0.1, 0.95, 1.0])
def test_a_share_outside_0_to_0_9_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="val share"):
        val_groups(STORES, share)
