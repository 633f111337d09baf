"""The SKU gallery: best packshot per SKU, unknowns below the threshold, runners-up in order."""

from __future__ import annotations

import numpy as np
import pytest

from shelfaudit.index.gallery import SMALL_QUERY, Gallery, SkuInfo


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, np.float32)
    return v / np.linalg.norm(v)


def gallery() -> Gallery:
    milk, juice = SkuInfo("milk", "Milk", "Arla"), SkuInfo("juice", "Juice", "Bravo")
    return Gallery.build(
        3,
        [
            (milk, unit(1, 0, 0)),
            (milk, unit(0.9, 0.1, 0)),  # a second packshot of the same SKU
            (juice, unit(0, 1, 0)),
            (SkuInfo("yoghurt"), unit(0, 0, 1)),
        ],
        revision="r1",
    )


def test_a_sku_scores_its_best_packshot_and_appears_once() -> None:
    (hit,) = gallery().search(unit(1, 0.05, 0)[None], min_similarity=0.5, k=3)
    assert hit.best is not None
    assert hit.best.sku.sku_id == "milk"
    query = unit(1, 0.05, 0)
    best_packshot = max(float(query @ unit(1, 0, 0)), float(query @ unit(0.9, 0.1, 0)))
    assert hit.similarity == pytest.approx(best_packshot, abs=1e-6)
    assert [h.sku.sku_id for h in hit.alternatives] == ["juice", "yoghurt"]


@pytest.mark.parametrize(
    ("query", "threshold", "best"),
    [
        (unit(1, 1, 1), 0.9, None),  # far from every SKU: unknown, not forced
        (unit(1, 1, 1), 0.5, "milk"),  # a tie at 0.577: the first SKU added wins
        (unit(0, 1, 0), 1.0, "juice"),  # exactly at the threshold counts
    ],
)
def test_unknown_below_the_threshold(query: np.ndarray, threshold: float, best: str | None) -> None:
    (hit,) = gallery().search(query[None], min_similarity=threshold, k=2)
    assert (hit.best.sku.sku_id if hit.best else None) == best
    if best is None:
        # The runners-up are still reported for a person to pick from.
        assert len(hit.alternatives) == 2


def test_an_empty_gallery_finds_nothing() -> None:
    hits = Gallery.empty(3).search(np.eye(3, dtype=np.float32), min_similarity=0.0)
    assert [(h.best, h.similarity, h.alternatives) for h in hits] == [(None, None, ())] * 3


def test_few_and_many_queries_score_alike() -> None:
    rng = np.random.default_rng(0)
    entries = [(SkuInfo(f"s{i % 50}"), rng.normal(size=8).astype(np.float32)) for i in range(200)]
    big = Gallery.build(8, entries)
    queries = rng.normal(size=(SMALL_QUERY + 3, 8)).astype(np.float32)
    together = big.search(queries, min_similarity=-1, k=5)
    alone = [big.search(q[None], min_similarity=-1, k=5)[0] for q in queries]
    assert [r.best and r.best.sku for r in together] == [r.best and r.best.sku for r in alone]
    np.testing.assert_allclose(
        [r.similarity for r in together], [r.similarity for r in alone], atol=1e-5
    )


def test_a_vector_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 3"):
        Gallery.build(3, [(SkuInfo("x"), np.ones(4, np.float32))])


def test_a_shortlisting_gallery_ranks_as_a_full_search_when_the_best_is_shortlisted() -> None:
    rng = np.random.default_rng(3)
    # Mostly decided by the leading eight numbers, as an embedding with colours appended is.
    vectors = rng.normal(size=(500, 12)).astype(np.float32) * np.float32([1] * 8 + [0.3] * 4)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    entries = [(SkuInfo(f"sku-{i // 2}"), v) for i, v in enumerate(vectors)]
    full = Gallery.build(12, entries)
    shortlisting = Gallery.build(12, entries, shortlist_dims=8)
    queries = vectors[:40] + rng.normal(scale=0.05, size=(40, 12)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)

    for k in (1, 5):
        for one, other in zip(
            full.search(queries, min_similarity=0.3, k=k),
            shortlisting.search(queries, min_similarity=0.3, k=k),
            strict=True,
        ):
            ranked = [(h.sku.sku_id, h.similarity) for h in (one.best, *one.alternatives) if h]
            again = [(h.sku.sku_id, h.similarity) for h in (other.best, *other.alternatives) if h]
            assert [sku for sku, _ in ranked] == [sku for sku, _ in again]
            np.testing.assert_allclose([s for _, s in ranked], [s for _, s in again], atol=1e-6)


def test_a_shortlist_leaves_out_what_its_leading_numbers_put_far_away() -> None:
    near, far = SkuInfo("near"), SkuInfo("far")
    # "far" matches the query on the trailing numbers only; the shortlist of 64 holds the
    # 64 fillers and "near", which are closer on the leading two.
    fillers = [(SkuInfo(f"filler-{i}"), unit(1, 0.01 * i, 0, 0)) for i in range(64)]
    entries = [(near, unit(1, 0, 0.2, 0)), (far, unit(-1, 0, 5, 0)), *fillers]
    query = unit(1, 0, 3, 0)[None]

    (full,) = Gallery.build(4, entries).search(query, min_similarity=-1, k=1)
    (short,) = Gallery.build(4, entries, shortlist_dims=2).search(query, min_similarity=-1, k=1)

    assert full.best is not None
    assert full.best.sku.sku_id == "far"
    assert short.best is not None
    assert short.best.sku.sku_id == "near"


@pytest.mark.parametrize("dims", [-1, 0, 3, 4])
def test_a_shortlist_as_wide_as_the_vector_or_nonsense_is_no_shortlist(dims: int) -> None:
    built = Gallery.build(3, [(SkuInfo("a"), unit(1, 0, 0))], shortlist_dims=dims)
    assert built.lead is None


@pytest.mark.parametrize("shortlist_dims", [0, 4])
def test_k_distinct_skus_come_back_when_one_sku_owns_the_nearest_hundred_vectors(
    shortlist_dims: int,
) -> None:
    rng = np.random.default_rng(0)
    query = unit(1, 0, 0, 0, 0, 0, 0, 0)
    # 100 field examples of one SKU, all nearer the query than any other SKU's vector.
    crowd = [
        (SkuInfo("crowd", "Crowd", None), unit(1, *(0.01 * rng.standard_normal(7))))
        for _ in range(100)
    ]
    others = [
        (SkuInfo(f"s{i}", f"S{i}", None), unit(0.5, *(rng.standard_normal(7)))) for i in range(6)
    ]
    built = Gallery.build(8, crowd + others, shortlist_dims=shortlist_dims)
    (found,) = built.search(query[None, :], min_similarity=0.0, k=5)
    assert found.best is not None
    assert found.best.sku.sku_id == "crowd"
    names = [hit.sku.sku_id for hit in found.alternatives]
    assert len(names) == 4
    assert len(set(names)) == 4
    assert "crowd" not in names
