"""Train or val for each exported photo: by store, so val measures stores a model never saw.

Photos of one store look alike (the same shelves, light and fridge), so a split by photo
would put near-copies on both sides and flatter the model, as heineken_displays' own split by
source photo avoids. A store's side comes from a hash of its id: the same in every export,
whatever else is exported with it, so a store measured in val never turns up in train of a
later export. A photo with no store is its own group. So a small export may have no store in
val (or none in train): the export says so rather than move a store across, which would
break that promise the next time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import StrEnum

DEFAULT_VAL_SHARE = 0.2
MAX_VAL_SHARE = 0.9


class Side(StrEnum):
    train = "train"
    val = "val"


def group_of(*, photo_id: int, store_id: str | None) -> str:
    """What keeps photos together on one side."""
    return f"store:{store_id}" if store_id else f"photo:{photo_id}"


def position(group: str) -> float:
    """A stable number in [0, 1) for ``group``."""
    digest = hashlib.sha256(group.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def val_groups(groups: Iterable[str], val_share: float) -> set[str]:
    """The groups that go to val: those whose ``position`` is below ``val_share``."""
    if not 0 <= val_share <= MAX_VAL_SHARE:
        raise ValueError(f"val share must lie in 0-{MAX_VAL_SHARE}, got {val_share}")
    return {g for g in set(groups) if position(g) < val_share}
