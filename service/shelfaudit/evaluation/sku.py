"""SKU recognition on GroceryStore-format data: top-1 and top-5 fine class, top-1 coarse class.

A split file has ``path, fine_id, coarse_id`` lines, paths relative to the dataset root, which
also holds ``classes.csv`` (column 5: each class's packshot, "Iconic Image Path", written as
``/iconic-images-and-descriptions/...`` relative to the root). The gallery is the packshots
(``iconic``, what the service searches), the embeddings of the photos of ``ROOT/train.txt``
(``train``), or both. Each query photo is decoded as the pipeline decodes it and embedded
whole, exactly as the pipeline's whole-photo fallback does (``Embedder.embed_close_ups``), and
ranked with no threshold. Training photos in the gallery are embedded the same way.
"""

from __future__ import annotations

import csv
import math
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from shelfaudit.analyse.decode import decode
from shelfaudit.analyse.sku import MODEL_NAME
from shelfaudit.domain.enums import ExampleKind
from shelfaudit.errors import InvalidInput
from shelfaudit.index.gallery import Gallery, Recognition, SkuInfo
from shelfaudit.ml.embedder import BATCH, Embedder
from shelfaudit.ml.packshot import embed_packshots
from shelfaudit.ml.sku_examples import embed_examples

TRAIN_SPLIT = "train.txt"
CLASSES_FILE = "classes.csv"
TOP_K = 5
# Ranking metrics: every query gets its nearest SKU, however far (no "unknown").
NO_THRESHOLD = -math.inf


class GalleryKind(StrEnum):
    iconic = "iconic"  # one packshot per class
    train = "train"  # the photos of ROOT/train.txt
    both = "both"


@dataclass(frozen=True)
class GroceryClass:
    fine_id: int
    name: str
    coarse_id: int
    coarse_name: str
    packshot: Path


@dataclass(frozen=True)
class GrocerySample:
    path: Path
    fine_id: int
    coarse_id: int
    # How the service embeds this picture as a field example: a whole close-up (GroceryStore's
    # photos), or a facing cut from a shelf photo (``export sku-examples`` says which).
    kind: ExampleKind = ExampleKind.close_up


class SkuReport(BaseModel):
    n: int = Field(description="query photos")
    top1: float = Field(description="share whose nearest SKU is the true fine class")
    top5: float = Field(description="share with the true class among the 5 nearest classes")
    top1_coarse: float = Field(description="share whose nearest SKU has the true coarse class")
    model: str = Field(description="embedding model version")
    gallery: GalleryKind
    gallery_left_out: int = 0  # train photos also asked about, kept out of the gallery
    gallery_skus: int
    gallery_vectors: int
    ms_per_photo: float = Field(description="decode + embed + search, per query photo")
    per_class: dict[str, float] = Field(description="top-1 per fine class name")


def read_classes(root: Path) -> list[GroceryClass]:
    """``ROOT/classes.csv`` rows (header skipped), ordered by fine id."""
    with (root / CLASSES_FILE).open(newline="", encoding="utf-8") as handle:
        rows = [r for r in list(csv.reader(handle))[1:] if r]
    classes = []
    for number, row in enumerate(rows, start=2):
        where = f"{root / CLASSES_FILE} line {number}"
        if len(row) < 5:
            raise InvalidInput(f"{where}: expected 5+ columns (name, id, coarse name, ...)")
        try:
            fine_id, coarse_id = int(row[1]), int(row[3])
        except ValueError as exc:
            raise InvalidInput(f"{where}: class ids must be whole numbers ({exc})") from exc
        classes.append(
            GroceryClass(
                fine_id=fine_id,
                name=row[0].strip(),
                coarse_id=coarse_id,
                coarse_name=row[2].strip(),
                packshot=root / row[4].strip().lstrip("/"),
            )
        )
    return sorted(classes, key=lambda c: c.fine_id)


def read_split(split: Path, root: Path) -> list[GrocerySample]:
    """The ``path, fine_id, coarse_id[, kind]`` lines of a split file (``kind``:
    ``close_up``, the default, or ``shelf_crop``); blank lines are skipped."""
    samples = []
    kinds = {ExampleKind.close_up.value, ExampleKind.shelf_crop.value}
    for number, line in enumerate(split.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 3 or not parts[0] or not (parts[1].isdigit() and parts[2].isdigit()):
            raise InvalidInput(
                f"{split} line {number}: expected 'path, fine_id, coarse_id' (ids are whole "
                f"numbers), got {line[:80]!r}"
            )
        kind = parts[3] if len(parts) > 3 and parts[3] else ExampleKind.close_up.value
        if kind not in kinds:
            raise InvalidInput(
                f"{split} line {number}: the fourth column is close_up or shelf_crop, "
                f"got {kind[:40]!r}"
            )
        samples.append(
            GrocerySample(root / parts[0], int(parts[1]), int(parts[2]), ExampleKind(kind))
        )
    return samples


def photo_loader(long_side: int, max_pixels: int) -> Callable[[Path], NDArray[np.uint8]]:
    """Read a photo upright at analysis size, as the pipeline does."""

    def load(path: Path) -> NDArray[np.uint8]:
        return decode(path.read_bytes(), target_long_side=long_side, max_pixels=max_pixels).rgb

    return load


def embed_files(
    embedder: Embedder,
    paths: Sequence[Path],
    load: Callable[[Path], NDArray[np.uint8]],
    kinds: Mapping[Path, ExampleKind] | None = None,
) -> NDArray[np.float32]:
    """(len(paths), dim) unit vectors, each picture embedded as the service embeds its kind
    (``kinds``; default a whole close-up); read a batch at a time to bound memory."""
    out = np.zeros((len(paths), embedder.vector_dim), np.float32)
    groups: dict[ExampleKind, list[int]] = {}
    for i, path in enumerate(paths):
        groups.setdefault((kinds or {}).get(path, ExampleKind.close_up), []).append(i)
    for kind, indices in groups.items():
        for start in range(0, len(indices), BATCH):
            chunk = indices[start : start + BATCH]
            out[chunk] = embed_examples(embedder, kind, [load(paths[i]) for i in chunk])
    return out


def sku_of(fine_id: int, classes: dict[int, GroceryClass]) -> SkuInfo:
    known = classes.get(fine_id)
    return SkuInfo(sku_id=str(fine_id), name=known.name if known else None)


def build_gallery(
    kind: GalleryKind,
    *,
    dim: int,
    classes: Sequence[GroceryClass],
    train: Sequence[GrocerySample],
    embed: Callable[[Sequence[Path]], NDArray[np.float32]],
    embed_packshots: Callable[[Sequence[Path]], NDArray[np.float32]] | None = None,
    shortlist_dims: int = 0,
) -> Gallery:
    """Packshots, training photos or both, each vector owned by its fine class.

    ``embed_packshots`` embeds packshot files as the catalogue does (``ml/packshot.py``);
    without it packshots are embedded like photos.
    """
    by_id = {c.fine_id: c for c in classes}
    entries: list[tuple[SkuInfo, NDArray[np.float32]]] = []
    if kind in (GalleryKind.iconic, GalleryKind.both):
        vectors = (embed_packshots or embed)([c.packshot for c in classes])
        entries += [(sku_of(c.fine_id, by_id), v) for c, v in zip(classes, vectors, strict=True)]
    if kind in (GalleryKind.train, GalleryKind.both):
        vectors = embed([s.path for s in train])
        entries += [(sku_of(s.fine_id, by_id), v) for s, v in zip(train, vectors, strict=True)]
    return Gallery.build(dim, entries, revision=kind.value, shortlist_dims=shortlist_dims)


@dataclass(frozen=True)
class Scores:
    n: int
    top1: float
    top5: float
    top1_coarse: float
    per_class: dict[str, float]


def score(
    samples: Sequence[GrocerySample],
    ranked: Sequence[Recognition],
    classes: Sequence[GroceryClass],
) -> Scores:
    """Top-1 / top-5 over distinct fine classes, and top-1 coarse (the predicted fine class's
    coarse id against the truth). ``ranked[i]`` answers ``samples[i]``."""
    coarse_of = {str(c.fine_id): c.coarse_id for c in classes}
    name_of = {c.fine_id: c.name for c in classes}
    top1 = top5 = coarse = 0
    hits: dict[str, list[int]] = defaultdict(list)
    for sample, rec in zip(samples, ranked, strict=True):
        order = [h.sku.sku_id for h in ((rec.best,) if rec.best else ()) + rec.alternatives]
        first = order[0] if order else None
        truth = str(sample.fine_id)
        top1 += first == truth
        top5 += truth in order[:TOP_K]
        coarse += first is not None and coarse_of.get(first) == sample.coarse_id
        hits[name_of.get(sample.fine_id, truth)].append(int(first == truth))
    n = len(samples)
    return Scores(
        n=n,
        top1=round(top1 / n, 4) if n else 0.0,
        top5=round(top5 / n, 4) if n else 0.0,
        top1_coarse=round(coarse / n, 4) if n else 0.0,
        per_class={name: round(sum(v) / len(v), 4) for name, v in sorted(hits.items())},
    )


def evaluate_split(
    split: Path,
    root: Path,
    *,
    gallery_kind: GalleryKind,
    embedder: Embedder,
    load: Callable[[Path], NDArray[np.uint8]],
) -> SkuReport:
    """Embed the gallery, then every photo of ``split`` whole, and score the rankings."""
    classes = read_classes(root)
    train = read_split(root / TRAIN_SPLIT, root) if gallery_kind is not GalleryKind.iconic else []
    samples = read_split(split, root)
    # A photo measured against itself finds itself: train.txt photos asked about with a
    # train gallery scored a perfect 1.000. They leave the gallery, and the report says so.
    asked = {s.path for s in samples}
    left_out = sum(1 for s in train if s.path in asked)
    train = [s for s in train if s.path not in asked]
    kinds = {s.path: s.kind for s in (*train, *samples)}
    gallery = build_gallery(
        gallery_kind,
        dim=embedder.vector_dim,
        classes=classes,
        train=train,
        embed=lambda paths: embed_files(embedder, paths, load, kinds),
        embed_packshots=lambda paths: embed_packshots(embedder, [load(p) for p in paths]),
        shortlist_dims=embedder.shortlist_dims,
    )
    if not samples:  # a top-1 of 0.000 on nothing would read as a measurement
        raise InvalidInput(f"{split} lists no photos")
    known = {c.fine_id for c in classes}
    strays = sorted({s.fine_id for s in samples} - known)
    if strays:  # counted as misses, they would lower top-1 with nothing said
        raise InvalidInput(
            f"{split}: fine id {', '.join(map(str, strays[:5]))} is not in classes.csv "
            f"({len(known)} classes)"
        )
    started = time.perf_counter()
    queries = embed_files(embedder, [s.path for s in samples], load, kinds)
    ranked = gallery.search(queries, min_similarity=NO_THRESHOLD, k=TOP_K)
    elapsed_ms = (time.perf_counter() - started) * 1000
    scores = score(samples, ranked, classes)
    return SkuReport(
        n=scores.n,
        top1=scores.top1,
        top5=scores.top5,
        top1_coarse=scores.top1_coarse,
        model=f"{MODEL_NAME}-{embedder.version}",
        gallery=gallery_kind,
        gallery_left_out=left_out,
        gallery_skus=gallery.n_skus,
        gallery_vectors=gallery.n_vectors,
        ms_per_photo=round(elapsed_ms / scores.n, 2) if scores.n else 0.0,
        per_class=scores.per_class,
    )
