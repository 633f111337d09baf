"""From boxes to a shelf: rows top to bottom, each product's row, facings and share of shelf.

Pure functions over ``Detections``. Rows come from the shelf-row detector (one box per shelf
row and bay); products are assigned to the row box that holds their centre. Boxes of side by
side bays at the same height are one shelf level (``shelf_levels``): a rep counts "the
third shelf from the top" across the whole display, not bay by bay.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shelfaudit.domain.detections import Detections

UNASSIGNED = -1


@dataclass(frozen=True)
class BrandShare:
    facings: int
    count_share: float  # own facings / all brand facings
    width_share: float  # own summed box width / all brand box widths (linear share of shelf)


def order_rows(rows: Detections) -> Detections:
    """Shelf rows sorted top to bottom (by box centre)."""
    return rows[np.argsort(rows.centers[:, 1], kind="stable")] if len(rows) else rows


# Two row boxes are one level when their heights overlap by at least this share of the
# shorter one (bays side by side); shelves one above the other overlap far less.
SAME_LEVEL_OVERLAP = 0.5


# Boxes overlapping across this share of the narrower one's width stand in one bay: one above
# the other, never one level.
SAME_BAY_OVERLAP = 0.3


def shelf_levels(rows: Detections) -> NDArray[np.int64]:
    """Level (0 = top) of each box of ``rows`` (ordered top to bottom, ``order_rows``).

    Walking down, a box joins the level above when it overlaps that level's vertical span
    (the median top and bottom of its boxes so far) by ``SAME_LEVEL_OVERLAP`` of the shorter
    height, and overlaps in the same way every box of it in its own bay (``SAME_BAY_OVERLAP``
    across): a tall box in one bay must not merge two shelves of the next. Otherwise it
    starts a new level."""
    levels = np.zeros(len(rows), np.int64)
    members: list[list[tuple[float, float, float, float]]] = []
    for i, (left, top, right, bottom) in enumerate(rows.xyxy.tolist()):
        if members and _joins(members[-1], (left, top, right, bottom)):
            members[-1].append((left, top, right, bottom))
        else:
            members.append([(left, top, right, bottom)])
        levels[i] = len(members) - 1
    return levels


def _joins(level: list[tuple[float, float, float, float]], box: tuple[float, ...]) -> bool:
    left, top, right, bottom = box
    level_top = float(np.median([m[1] for m in level]))
    level_bottom = float(np.median([m[3] for m in level]))
    overlap = min(bottom, level_bottom) - max(top, level_top)
    shorter = min(bottom - top, level_bottom - level_top)
    if shorter <= 0 or overlap < SAME_LEVEL_OVERLAP * shorter:
        return False
    for m_left, m_top, m_right, m_bottom in level:
        across = min(right, m_right) - max(left, m_left)
        narrower = min(right - left, m_right - m_left)
        if narrower <= 0 or across <= SAME_BAY_OVERLAP * narrower:
            continue  # beside it: another bay
        # The same bay: only the same shelf (a second box of it, a price rail) joins.
        own = min(bottom, m_bottom) - max(top, m_top)
        if own < SAME_LEVEL_OVERLAP * min(bottom - top, m_bottom - m_top):
            return False
    return True


def assign_rows(products: Detections, rows: Detections) -> NDArray[np.int64]:
    """Shelf level (0 = top, ``shelf_levels``) of every product, ``UNASSIGNED`` when it sits
    on no row.

    A product belongs to the row box that contains its centre; if several do (rows
    overlap), the one whose centre is vertically nearest; if none, the nearest row within
    half that row's height.
    """
    if len(products) == 0 or len(rows) == 0:
        return np.full(len(products), UNASSIGNED, np.int64)
    rows = order_rows(rows)
    centers = products.centers  # (P, 2)
    x, y = centers[:, 0:1], centers[:, 1:2]
    x1, y1, x2, y2 = (rows.xyxy[:, i][None, :] for i in range(4))
    row_cy = (y1 + y2) / 2
    half_height = (y2 - y1) / 2
    inside = (x >= x1) & (x <= x2) & (y >= y1) & (y <= y2)
    distance = np.abs(y - row_cy)
    near = (x >= x1) & (x <= x2) & (distance <= 2 * half_height)
    cost = np.where(inside, distance, np.where(near, distance + 1e6, np.inf))
    best = cost.argmin(axis=1)
    found = np.isfinite(cost[np.arange(len(products)), best])
    return np.where(found, shelf_levels(rows)[best], UNASSIGNED).astype(np.int64)


def facings(detections: Detections, classes: set[str] | None = None) -> dict[str, int]:
    """Count of boxes per class name (optionally only ``classes``), most frequent first."""
    names = [n for n in detections.names if classes is None or n in classes]
    return dict(Counter(names).most_common())


def brand_shares(detections: Detections, brands: set[str]) -> dict[str, BrandShare]:
    """Share of shelf per brand by facings and by summed box width."""
    mask = np.array([n in brands for n in detections.names], bool)
    own = detections[mask] if len(detections) else detections
    if len(own) == 0:
        return {}
    widths = own.widths
    total_width = float(widths.sum()) or 1.0
    counts = Counter(own.names)
    shares = {}
    for brand, count in counts.most_common():
        brand_mask = np.array([n == brand for n in own.names], bool)
        shares[brand] = BrandShare(
            facings=count,
            count_share=round(count / len(own), 4),
            width_share=round(float(widths[brand_mask].sum()) / total_width, 4),
        )
    return shares
