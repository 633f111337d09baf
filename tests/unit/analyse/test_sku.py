"""The SKU check through a real ONNX Runtime session of the fake embedder.

The fake embedder sees a crop's 4 x 4 colour layout, so a crop cut exactly around a pasted
packshot embeds to the packshot's own vector (similarity 1) and another layout lands far away.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from shelfaudit.analyse import sku
from shelfaudit.analyse.pipeline import recognise_skus, sku_counts
from shelfaudit.domain.checks import DetectionBox, DetectionsResult, ShelfRow, SkusResult
from shelfaudit.errors import ModelError
from shelfaudit.index.gallery import Gallery, SkuInfo
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.scoring import SkuCounts
from tests.unit.analyse.factories import SIDE, embedder_cache, packshot

EXACT = sku.SkuConfig(padding=0.0)  # crops exactly the box: the packshot's own pixels


@pytest.fixture
def embedder(tmp_path: Path) -> Embedder:
    found = sku.load_embedder(embedder_cache(tmp_path))
    assert found is not None
    return found


def gallery_of(embedder: Embedder, seeds: list[int]) -> Gallery:
    vectors = embedder.embed([packshot(s) for s in seeds])
    return Gallery.build(
        embedder.dim,
        [
            (SkuInfo(f"sku-{s}", f"Product {s}", "heineken"), v)
            for s, v in zip(seeds, vectors, strict=True)
        ],
        revision="r1",
    )


def box(name: str, xyxy: list[float], confidence: float = 0.9) -> DetectionBox:
    return DetectionBox(class_name=name, confidence=confidence, xyxy=xyxy, row=None)


def detections(boxes: list[DetectionBox]) -> DetectionsResult:
    return DetectionsResult(
        version="test", ms=1.0, models={"outlet": "test"}, boxes=boxes, counts={}, rows=[],
        shares={}, groups={}, timings_ms={},
    )  # fmt: skip


def photo(shape: tuple[int, int], placed: dict[int, tuple[int, int]]) -> NDArray[np.uint8]:
    """A grey analysis image with packshot ``seed`` pasted at analysis pixel (x, y)."""
    rgb = np.full((*shape, 3), 128, np.uint8)
    for seed, (x, y) in placed.items():
        rgb[y : y + SIDE, x : x + SIDE] = packshot(seed)
    return rgb


def run(
    rgb: NDArray[np.uint8],
    embedder: Embedder,
    gallery: Gallery,
    found: DetectionsResult | None,
    *,
    original: tuple[int, int],
    config: sku.SkuConfig = EXACT,
    min_similarity: float = 0.95,
) -> SkusResult:
    return sku.run(
        rgb,
        original_width=original[0],
        original_height=original[1],
        detections=found,
        embedder=embedder,
        gallery=gallery,
        config=config,
        min_similarity=min_similarity,
    )


@pytest.mark.parametrize(
    ("shape", "original", "placed"),
    [
        ((120, 200), (2000, 1200), {1: (20, 30), 2: (140, 70)}),  # landscape, 1/10
        ((200, 120), (1500, 2500), {1: (70, 10), 2: (8, 150)}),  # portrait, 2/25
    ],
    ids=["landscape", "portrait"],
)
def test_product_boxes_are_cropped_where_the_detector_saw_them(
    embedder: Embedder,
    shape: tuple[int, int],
    original: tuple[int, int],
    placed: dict[int, tuple[int, int]],
) -> None:
    factor = original[0] / shape[1]
    boxes = [box("heineken", [0, 0, 50, 50])]  # a logo: not a product, not cropped
    expected = {}
    for seed, (x, y) in placed.items():
        xyxy = [x * factor, y * factor, (x + SIDE) * factor, (y + SIDE) * factor]
        expected[len(boxes)] = (f"sku-{seed}", xyxy)
        boxes.append(box("beer_can", xyxy))

    result = run(
        photo(shape, placed), embedder, gallery_of(embedder, [1, 2, 3]), detections(boxes),
        original=original,
    )  # fmt: skip

    assert result.source == "detections"
    assert {i.box: (i.sku_id, i.xyxy) for i in result.items} == {
        k: (sku_id, pytest.approx(xyxy, abs=factor)) for k, (sku_id, xyxy) in expected.items()
    }
    assert all(i.similarity == pytest.approx(1.0, abs=1e-4) for i in result.items)
    assert result.counts == {"sku-1": 1, "sku-2": 1}
    assert result.unknown == 0
    assert result.items[0].name == "Product 1"
    assert result.items[0].brand == "heineken"
    assert set(result.timings_ms) == {"crop", "embed", "search"}
    assert (result.gallery_skus, result.gallery_vectors, result.gallery_revision) == (3, 3, "r1")


def test_crop_region_pads_clips_and_drops_degenerate_boxes() -> None:
    region = sku.crop_region(
        [100, 200, 500, 1000], scale=0.1, width=45, height=80, padding=0.1, min_side=4
    )
    assert region == (6, 12, 45, 80)  # 10-50 x 20-100 padded by 4 / 8, clipped to the image
    assert sku.crop_region([100, 100, 120, 500], scale=0.1, width=90, height=90, padding=0,
                           min_side=4) is None  # fmt: skip


def test_a_product_not_in_the_gallery_stays_unknown(embedder: Embedder) -> None:
    rgb = photo((120, 200), {7: (20, 30)})
    found = detections([box("beer_bottle", [200, 300, 600, 700])])

    result = run(rgb, embedder, gallery_of(embedder, [1, 2, 3]), found, original=(2000, 1200))

    (item,) = result.items
    assert item.sku_id is None
    assert item.similarity < 0.95
    # Still the nearest SKUs, for a reviewer to pick from, best first.
    assert len(item.alternatives) == 3
    similarities = [a.similarity for a in item.alternatives]
    assert similarities == sorted(similarities, reverse=True)
    assert item.similarity == similarities[0]
    assert result.counts == {}
    assert result.unknown == 1
    assert sku_counts(result) == SkuCounts(counts={}, unknown=1)


@pytest.mark.parametrize(
    "found",
    [None, detections([]), detections([box("heineken", [10, 10, 500, 500])])],
    ids=["no detector", "no boxes", "no product box"],
)
def test_without_product_boxes_the_whole_photo_is_one_product(
    embedder: Embedder, found: DetectionsResult | None
) -> None:
    rgb = packshot(2, side=120)  # a close-up: the product fills the frame

    result = run(rgb, embedder, gallery_of(embedder, [1, 2]), found, original=(1200, 1200))

    assert result.source == "whole_photo"
    (item,) = result.items
    assert (item.box, item.sku_id, item.xyxy) == (None, "sku-2", [0, 0, 1200, 1200])


def test_a_whole_photo_is_zoomed_on_its_centre_and_a_product_box_is_not(
    embedder: Embedder,
) -> None:
    zooming = replace(embedder, close_up_zooms=(0.5,))
    close_up = packshot(2, side=120)
    gallery = gallery_of(embedder, [1, 2])

    whole = run(close_up, zooming, gallery, None, original=(120, 120), min_similarity=-1.0)

    (item,) = whole.items
    (expected,) = gallery.search(zooming.embed_close_ups([close_up]), min_similarity=-1.0, k=1)
    assert expected.best is not None
    assert item.similarity == pytest.approx(expected.best.similarity, abs=1e-5)
    assert zooming.embed_close_ups([close_up]) @ embedder.embed([close_up])[0] < 0.999
    # A detector's box is cut tight around the product: its crop is not zoomed.
    rgb = photo((400, 600), {2: (100, 50)})
    found = detections([box("beer_carton", [200, 100, 200 + 2 * SIDE, 100 + 2 * SIDE])])
    boxed = run(rgb, zooming, gallery, found, original=(1200, 800))
    assert [(i.sku_id, round(i.similarity, 4)) for i in boxed.items] == [("sku-2", 1.0)]


def test_whole_photo_fallback_can_be_turned_off(embedder: Embedder) -> None:
    config = sku.SkuConfig(whole_photo_fallback=False)
    result = run(
        packshot(2), embedder, gallery_of(embedder, [2]), None, original=(40, 40), config=config
    )
    assert (result.source, result.items, result.counts, result.unknown) == (
        "detections", [], {}, 0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("rows", "height", "whole"),
    [
        (1, 500, True),  # one row: a close-up
        (2, 300, False),  # two rows over half the photo: a shelf
        (5, 90, False),  # five rows, 38 % of the photo
        (2, 90, True),  # two thin rows (15 %) the shelf model found on a held carton
        (4, 20, False),  # four rows, however thin: a shelf, or a bar with its cooler
    ],
)
def test_a_shelf_scene_is_not_named_after_one_sku(
    embedder: Embedder, rows: int, height: int, whole: bool
) -> None:
    found = detections([]).model_copy(
        update={
            "rows": [
                ShelfRow(index=i, xyxy=[0, 310 * i, 1200, 310 * i + height], confidence=0.9)
                for i in range(rows)
            ]
        }
    )
    result = run(
        packshot(2, side=120), embedder, gallery_of(embedder, [2]), found, original=(1200, 1200)
    )
    assert (result.source == "whole_photo", len(result.items)) == (whole, int(whole))


def test_crops_are_capped_keeping_the_most_confident_boxes(embedder: Embedder) -> None:
    placed = {seed: (10 + 45 * i, 20) for i, seed in enumerate([1, 2, 3, 4])}
    boxes = [
        box("beer_can", [x, y, x + SIDE, y + SIDE], confidence=c)
        for (x, y), c in zip(placed.values(), [0.5, 0.9, 0.4, 0.8], strict=True)
    ]
    boxes.append(box("beer_crate", [0, 0, 0, 30], confidence=0.99))  # degenerate: no width
    config = sku.SkuConfig(padding=0.0, max_crops=3)

    result = run(
        photo((100, 200), placed), embedder, gallery_of(embedder, [1, 2, 3, 4]),
        detections(boxes), original=(200, 100), config=config,
    )  # fmt: skip

    # The three most confident are the crate (degenerate, dropped), sku-2 and sku-4.
    assert [(i.box, i.sku_id) for i in result.items] == [(1, "sku-2"), (3, "sku-4")]
    assert result.skipped == 3
    assert sku_counts(result) == SkuCounts(counts={"sku-2": 1, "sku-4": 1}, unknown=3)


def test_an_empty_gallery_names_nothing(embedder: Embedder) -> None:
    found = detections([box("beer_can", [20, 30, 60, 70]), box("beer_can", [100, 30, 140, 70])])
    result = run(
        photo((120, 200), {1: (20, 30)}), embedder, Gallery.empty(embedder.dim), found,
        original=(200, 120),
    )  # fmt: skip
    assert [i.sku_id for i in result.items] == [None, None]
    assert [i.alternatives for i in result.items] == [[], []]
    assert (result.unknown, result.counts, result.gallery_skus) == (2, {}, 0)


def test_no_gallery_means_the_check_does_not_run(embedder: Embedder) -> None:
    models = sku.SkuModels(embedder=embedder, gallery=lambda: None)
    assert recognise_skus(packshot(1), 40, 40, None, models, sku.SkuConfig()) is None
    assert recognise_skus(packshot(1), 40, 40, None, None, sku.SkuConfig()) is None
    assert sku_counts(None) is None


def test_a_gallery_of_another_embedder_is_refused(embedder: Embedder) -> None:
    other = Gallery.build(8, [(SkuInfo("a"), np.ones(8, np.float32))])
    with pytest.raises(ModelError, match="8-d vectors"):
        run(packshot(1), embedder, other, None, original=(40, 40))


@pytest.mark.parametrize(
    ("setting", "calibrated", "expected"),
    [(None, None, sku.DEFAULT_MIN_SIMILARITY), (None, 0.7, 0.7), (0.6, 0.7, 0.6), (0.6, None, 0.6)],
)
def test_an_explicit_threshold_overrides_the_models_calibrated_one(
    embedder: Embedder, setting: float | None, calibrated: float | None, expected: float
) -> None:
    models = sku.SkuModels(embedder=embedder, gallery=lambda: None, min_similarity=calibrated)
    assert sku.threshold(sku.SkuConfig(min_similarity=setting), models) == expected


def test_models_come_from_the_registry_with_their_threshold(tmp_path: Path) -> None:
    cache = embedder_cache(tmp_path, {"input_size": 32, "dim": 16, "min_similarity": 0.81})
    models = sku.load_models(cache, lambda: None)
    assert models is not None
    assert (models.embedder.size, models.embedder.dim, models.min_similarity) == (32, 16, 0.81)
    assert models.version == "sku-4+sku_embedder-test"

    (tmp_path / "registry.json").write_text('{"models": {}}')
    empty = ModelCache(Registry.load(tmp_path), SessionOptions())
    assert sku.load_models(empty, lambda: None) is None


def test_a_colour_signature_is_part_of_the_analysis_version(tmp_path: Path) -> None:
    colour = {"bins": [8, 4, 4], "weight": 0.5}
    cache = embedder_cache(tmp_path, {"input_size": 32, "dim": 16, "colour": colour})
    models = sku.load_models(cache, lambda: None)
    assert models is not None
    assert models.version == "sku-4+sku_embedder-test+colour-8x4x4-w0.5-c0.65,0.8"
