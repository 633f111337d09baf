"""The SKU check: crop each detected product, embed it, and name it from the packshot gallery.

Boxes come in original-photo pixels; crops are cut from the smaller analysis image, so boxes
are scaled by ``analysis_width / width`` on the way in and crops reported back in original
pixels. A photo with no product box (no outlet detector, or none found) and fewer than two
shelf rows is recognised whole, as one item: a close-up of one product, as GroceryStore photos
are. A facing whose best packshot is less similar than the threshold stays unknown rather
than being forced onto the nearest SKU.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shelfaudit.domain.checks import (
    DetectionsResult,
    SkuAlternative,
    SkuRecognition,
    SkusResult,
)
from shelfaudit.errors import ModelError
from shelfaudit.index.gallery import Gallery, Recognition
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.embedder import Embedder

# sku-2: crops embedded through Embedder.embed_queries (mirror views); sku-3: a whole photo
# through Embedder.embed_close_ups (also zoomed on its centre)
VERSION = "sku-4"
MODEL_NAME = "sku_embedder"

# The outlet detector's packaging classes: what a facing of one product looks like.
PRODUCT_CLASSES = ("beer_can", "beer_bottle", "beer_carton", "beer_crate")
# For a model whose registry entry carries no calibrated ``min_similarity``.
DEFAULT_MIN_SIMILARITY = 0.5
SCENE_ROWS = 2  # this many shelf rows make a photo a scene, not a close-up,
# when together (summed boxes) they cover this share of the photo, or when there are
# SCENE_MANY_ROWS. The shelf model finds two or more thin "rows" on 16 % of GroceryStore's
# hand-held close-ups; 12 % had no product box either and lost their recognition. With the
# rule, 4.8 % of those close-ups (294 train photos) still count as scenes; 97-100 % of
# sku110k shelf photos stay scenes (both halves of its 187), and of outlet photos with two
# or more rows and no product box (13.5 % of every third heineken_displays photo), 5.3 %
# of all stay scenes and the rest are recognised whole.
SCENE_ROW_COVER = 0.3
SCENE_MANY_ROWS = 4


@dataclass(frozen=True)
class SkuConfig:
    """``min_similarity`` None: use the model's calibrated threshold (see ``threshold``)."""

    min_similarity: float | None = None
    product_classes: tuple[str, ...] = PRODUCT_CLASSES
    whole_photo_fallback: bool = True
    max_crops: int = 200
    alternatives: int = 3
    padding: float = 0.05  # of the box side, added on each side: context the packshot lacks
    min_side: int = 4  # analysis pixels; narrower crops carry nothing to recognise


@dataclass(frozen=True)
class SkuModels:
    """The embedder, the current gallery (asked once per photo) and the model's threshold."""

    embedder: Embedder
    gallery: Callable[[], Gallery | None]
    min_similarity: float | None = None  # registry meta "min_similarity", if calibrated

    @property
    def version(self) -> str:
        """Names what decides the results: a colour signature changes every similarity."""
        colour = self.embedder.colour
        return f"{VERSION}+{MODEL_NAME}-{self.embedder.version}" + (
            f"+{colour.tag}" if colour else ""
        )


def threshold(config: SkuConfig, models: SkuModels) -> float:
    """An explicit setting wins; else the model's calibrated value; else the default."""
    if config.min_similarity is not None:
        return config.min_similarity
    if models.min_similarity is not None:
        return models.min_similarity
    return DEFAULT_MIN_SIMILARITY


def load_models(cache: ModelCache, gallery: Callable[[], Gallery | None]) -> SkuModels | None:
    """The registry's embedder (loaded once per process) with ``gallery``; None without one."""
    embedder = load_embedder(cache)
    if embedder is None:
        return None
    calibrated = cache.registry.entry(MODEL_NAME).meta.get("min_similarity")
    return SkuModels(
        embedder=embedder,
        gallery=gallery,
        min_similarity=float(calibrated) if calibrated is not None else None,
    )


def load_embedder(cache: ModelCache) -> Embedder | None:
    if MODEL_NAME not in cache.registry.entries:
        return None
    return cache.get(MODEL_NAME, Embedder.from_session)


@dataclass(frozen=True)
class Region:
    """A crop: ``box`` indexes ``detections.boxes`` (None: the whole photo); ``xyxy`` are
    integer analysis pixels, ``original`` the same region in original-photo pixels."""

    box: int | None
    xyxy: tuple[int, int, int, int]
    original: tuple[float, float, float, float]


def crop_region(
    xyxy: list[float], *, scale: float, width: int, height: int, padding: float, min_side: int
) -> tuple[int, int, int, int] | None:
    """Original-pixel box -> padded, clipped integer box in a (height, width) analysis image;
    None when less than ``min_side`` pixels remain on either side."""
    x0, y0, x1, y1 = (v * scale for v in xyxy)
    pad_x, pad_y = (x1 - x0) * padding, (y1 - y0) * padding
    # Rounded, not floored and ceiled: 600 * 0.1 is 60.00000000000001, not a pixel more.
    left = max(0, round(x0 - pad_x))
    top = max(0, round(y0 - pad_y))
    right = min(width, round(x1 + pad_x))
    bottom = min(height, round(y1 + pad_y))
    if right - left < min_side or bottom - top < min_side:
        return None
    return left, top, right, bottom


def is_scene(detections: DetectionsResult | None, *, width: int, height: int) -> bool:
    """A shelf scene rather than a close-up of one product: two or more shelf rows covering
    a good part of the ``width`` x ``height`` photo (original pixels). Naming a whole shelf
    after one SKU would be nonsense, so the whole-photo fallback is for close-ups."""
    if detections is None or len(detections.rows) < SCENE_ROWS:
        return False
    if len(detections.rows) >= SCENE_MANY_ROWS:
        return True
    covered = sum(
        max(0.0, (x1 - x0)) * max(0.0, (y1 - y0))
        for x0, y0, x1, y1 in (row.xyxy for row in detections.rows)
    )
    return covered >= SCENE_ROW_COVER * width * height


def regions(
    shape: tuple[int, ...],
    *,
    original_width: int,
    original_height: int,
    detections: DetectionsResult | None,
    config: SkuConfig,
) -> tuple[list[Region], bool, int]:
    """The crops to recognise, whether they are the whole photo, and product boxes skipped
    (degenerate, or beyond ``max_crops``: the most confident boxes are kept)."""
    height, width = shape[:2]
    scale = width / original_width
    products = [
        (i, b)
        for i, b in enumerate(detections.boxes if detections is not None else [])
        if b.class_name in config.product_classes
    ]
    if not products:
        scene = is_scene(detections, width=original_width, height=original_height)
        if not config.whole_photo_fallback or scene:
            return [], False, 0
        whole = (0.0, 0.0, float(original_width), float(original_height))
        return [Region(None, (0, 0, width, height), whole)], True, 0
    kept = sorted(products, key=lambda p: -p[1].confidence)[: config.max_crops]
    found = []
    for index, box in sorted(kept, key=lambda p: p[0]):
        cut = crop_region(
            box.xyxy,
            scale=scale,
            width=width,
            height=height,
            padding=config.padding,
            min_side=config.min_side,
        )
        if cut is not None:
            left, top, right, bottom = (round(v / scale, 1) for v in cut)
            found.append(Region(index, cut, (left, top, right, bottom)))
    return found, False, len(products) - len(found)


def _item(region: Region, recognition: Recognition, alternatives: int) -> SkuRecognition:
    best = recognition.best
    return SkuRecognition(
        box=region.box,
        xyxy=list(region.original),
        sku_id=best.sku.sku_id if best else None,
        name=best.sku.name if best else None,
        brand=best.sku.brand if best else None,
        similarity=None if recognition.similarity is None else round(recognition.similarity, 4),
        alternatives=[
            SkuAlternative(sku_id=h.sku.sku_id, name=h.sku.name, similarity=round(h.similarity, 4))
            for h in recognition.alternatives[:alternatives]
        ],
    )


def run(
    rgb: NDArray[np.uint8],
    *,
    original_width: int,
    original_height: int,
    detections: DetectionsResult | None,
    embedder: Embedder,
    gallery: Gallery,
    config: SkuConfig,
    min_similarity: float,
) -> SkusResult:
    """Recognise the product facings of the upright analysis image ``rgb`` (H, W, 3)."""
    started = time.perf_counter()
    if gallery.n_vectors and gallery.dim != embedder.vector_dim:
        raise ModelError(
            f"the SKU gallery holds {gallery.dim}-d vectors, the embedder makes "
            f"{embedder.vector_dim}-d"
        )
    found, whole, skipped = regions(
        rgb.shape,
        original_width=original_width,
        original_height=original_height,
        detections=detections,
        config=config,
    )
    crops = [rgb[y0:y1, x0:x1] for x0, y0, x1, y1 in (r.xyxy for r in found)]
    cropped = time.perf_counter()
    # An empty gallery names nothing: every facing is unknown, no need to embed it.
    embed = embedder.embed_close_ups if whole else embedder.embed_queries
    vectors = embed(crops) if gallery.n_vectors else np.zeros((len(crops), gallery.dim))
    embedded = time.perf_counter()
    recognitions = gallery.search(
        vectors.astype(np.float32), min_similarity=min_similarity, k=config.alternatives + 1
    )
    searched = time.perf_counter()
    items = [_item(r, rec, config.alternatives) for r, rec in zip(found, recognitions, strict=True)]
    counts = Counter(item.sku_id for item in items if item.sku_id is not None)
    return SkusResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        model=f"{MODEL_NAME}-{embedder.version}",
        gallery_skus=gallery.n_skus,
        gallery_vectors=gallery.n_vectors,
        gallery_revision=gallery.revision,
        min_similarity=min_similarity,
        source="whole_photo" if whole else "detections",
        items=items,
        counts=dict(sorted(counts.items())),
        unknown=sum(1 for item in items if item.sku_id is None),
        skipped=skipped,
        timings_ms={
            "crop": round((cropped - started) * 1000, 2),
            "embed": round((embedded - cropped) * 1000, 2),
            "search": round((searched - embedded) * 1000, 2),
        },
    )
