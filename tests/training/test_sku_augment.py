"""The packshot views that stand in for in-store photos: one product pasted, a heap of loose
produce, or rows of facings of a packaged product, each on a real store background."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.sku.data import CANVAS as SIDE
from training.sku.data import Augment
from training.sku.train import is_loose


def background() -> np.ndarray:
    return np.full((200, 240, 3), 40, np.uint8)


def product(h: int = 60, w: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """A flat red product and its mask, as ``packshot.tight`` returns them."""
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[:, :, 0] = 220
    return rgb, np.full((h, w), 255, np.uint8)


def red_share(view: np.ndarray) -> float:
    return float(np.mean((view[:, :, 0] > 150) & (view[:, :, 1] < 80)))


@pytest.mark.parametrize(("h", "w"), [(60, 40), (40, 120), (8, 8), (300, 90)])
def test_a_heap_covers_most_of_the_frame_with_the_product(h: int, w: int) -> None:
    augment = Augment(np.random.default_rng(0), [background()])
    view = augment.heap(*product(h, w))
    assert view.shape == (SIDE, SIDE, 3)
    assert view.dtype == np.uint8
    assert red_share(view) > 0.6


@pytest.mark.parametrize(("h", "w"), [(60, 40), (40, 160), (300, 90)])
def test_facings_repeat_the_product_side_by_side(h: int, w: int) -> None:
    augment = Augment(np.random.default_rng(0), [background()])
    view = augment.facings(*product(h, w))
    assert view.shape == (SIDE, SIDE, 3)
    columns = (view[:, :, 0] > 150).any(axis=0)
    starts = np.flatnonzero(np.diff(columns.astype(int)) == 1)
    # at least two copies across (a gap between them), or copies touching edge to edge
    assert len(starts) >= 1 or columns.all()
    assert red_share(view) > 0.3


@pytest.mark.parametrize(
    ("many_share", "loose", "staged"),
    [(1, True, "heap"), (1, False, "facings"), (0, True, "paste"), (0, False, "paste")],
)
def test_many_share_picks_heaps_for_loose_products_and_rows_for_packs(
    monkeypatch: pytest.MonkeyPatch, many_share: float, loose: bool, staged: str
) -> None:
    augment = Augment(
        np.random.default_rng(3), [background()], white_share=0, many_share=many_share
    )
    calls: list[str] = []
    for name in ("heap", "facings", "paste"):
        monkeypatch.setattr(
            augment, name, lambda rgb, mask, name=name: calls.append(name) or augment.canvas()
        )
    view = augment.packshot(*product(), loose=loose)
    assert calls == [staged]
    assert view.dtype == np.uint8


def test_the_same_seed_gives_the_same_views() -> None:
    views = [Augment(np.random.default_rng(7), [background()]).heap(*product()) for _ in "ab"]
    assert np.array_equal(*views)


@pytest.mark.parametrize(
    ("packshot", "loose"),
    [
        ("iconic-images-and-descriptions/Fruit/Avocado/Avocado_Iconic.jpg", True),
        ("iconic-images-and-descriptions/Vegetables/Leek/Leek_Iconic.jpg", True),
        ("iconic-images-and-descriptions/Packages/Milk/Arla-Milk/Arla_Iconic.jpg", False),
    ],
)
def test_produce_is_loose_and_packages_are_not(packshot: str, loose: bool) -> None:
    assert is_loose(Path("/data/grocery_store") / packshot) is loose
