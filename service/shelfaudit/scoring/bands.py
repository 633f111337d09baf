"""Named shelf bands as row indices (0 = top row), from the number of rows detected.

=====  ======  ==========  ===========  ======
rows   top     eye_level   middle       bottom
=====  ======  ==========  ===========  ======
1      0       0           0            0
2      0       0           0, 1         1
3      0       1           1            2
4      0       1–2         1–2          3
5      0       1–2         1–3          4
n≥3    0       1..n//2     1..n-2       n-1
=====  ======  ==========  ===========  ======

Eye level is the second row down to the middle one: the top shelf of a tall unit is above
the eyes, the lower half below them. On one- and two-row displays (a cooler door, a
counter) the top row is at eye level.
"""

from __future__ import annotations

from shelfaudit.scoring.standard import Band


def band_rows(band: Band, n_rows: int) -> tuple[int, ...]:
    """Row indices of ``band`` on a display with ``n_rows`` rows; () when there are none."""
    if n_rows <= 0:
        return ()
    last = n_rows - 1
    if band is Band.top:
        return (0,)
    if band is Band.bottom:
        return (last,)
    if band is Band.middle:
        return tuple(range(1, last)) if n_rows >= 3 else tuple(range(n_rows))
    return tuple(range(1, n_rows // 2 + 1)) if n_rows >= 3 else (0,)


def describe_rows(rows: tuple[int, ...], n_rows: int | None) -> str:
    """``rows 2–3 of 5`` (counted from 1 at the top, as a rep counts them); without
    ``n_rows``, ``rows 4–5``."""
    shown = sorted(r + 1 for r in rows)
    of = f" of {n_rows}" if n_rows is not None else ""
    if not shown:
        return f"no row{of}"
    if len(shown) == 1:
        return f"row {shown[0]}{of}"
    if shown == list(range(shown[0], shown[-1] + 1)):
        return f"rows {shown[0]}–{shown[-1]}{of}"
    return f"rows {', '.join(map(str, shown))}{of}"
