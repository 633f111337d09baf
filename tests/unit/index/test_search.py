from __future__ import annotations

import numpy as np
import pytest

from shelfaudit.index.features import LocalFeatures
from shelfaudit.index.hash_index import Candidates
from shelfaudit.index.search import SearchConfig, hash_matches, local_matches, nearest_unmatched

CONFIG = SearchConfig(pdq_match=28, vote_pdq=40, vote_phash=2, vote_dhash=2, min_quality=50)


def candidates(*rows: tuple[int, int, int, int]) -> Candidates:
    """(id, pdq, phash, dhash) per candidate."""
    a = np.asarray(rows, np.int64).reshape(-1, 4)
    return Candidates(a[:, 0], a[:, 1], a[:, 2], a[:, 3], np.zeros(len(a), np.int64))


@pytest.mark.parametrize(
    ("pdq", "phash", "dhash", "quality", "matched"),
    [
        (0, 30, 30, 100, True),
        (28, 30, 30, 100, True),  # PDQ alone at its threshold
        (29, 30, 30, 100, False),
        (40, 2, 2, 100, True),  # further, with pHash and dHash agreeing
        (40, 3, 2, 100, False),
        (41, 0, 0, 100, False),
        (10, 30, 30, 49, False),  # low quality: PDQ alone is not enough
        (10, 2, 2, 49, True),
        (29, 2, 2, 49, False),
    ],
)
def test_hash_match_rule(pdq: int, phash: int, dhash: int, quality: int, matched: bool) -> None:
    found = hash_matches(candidates((7, pdq, phash, dhash)), quality, CONFIG)
    assert [m.photo_id for m in found] == ([7] if matched else [])


def test_nearest_unmatched_skips_matches_and_keeps_order() -> None:
    c = candidates((3, 10, 0, 0), (5, 40, 9, 9), (1, 50, 9, 9), (9, 60, 9, 9))
    assert nearest_unmatched(c, {3}, 2) == [5, 1]


def test_local_stage_stops_at_its_budget_and_counts_missing_features() -> None:
    seen: list[int] = []

    def load(photo_id: int) -> LocalFeatures | None:
        seen.append(photo_id)
        return None if photo_id % 2 else LocalFeatures.empty(10, 10)

    config = SearchConfig(max_verify=3)
    outcome = local_matches(
        LocalFeatures.empty(10, 10), [1, 2, 2, 4, 6, 8], load, candidates(), config
    )
    assert seen == [1, 2, 4]
    assert (outcome.verified, outcome.missing, outcome.matches) == (2, 1, [])
