"""Calibrate the near-duplicate thresholds (PDQ, pHash, dHash) on real photos.

Positives: transformed copies of a subset of real photos (re-encode, resize, colour, crop,
rotation, flip, screenshot bar), each encoded to JPEG bytes and hashed exactly as the
pipeline does (``decode`` -> ``hashes.compute``), compared with the hash of the untouched
original file. Also the 8 full-resolution SKU-110K originals against their 800 px copies.

Negatives: every pair of distinct real photos in the pool (all four data sets). Pairs that
are byte-identical (exact duplicates, caught by sha256) or the same source photo at two
resolutions are not distinct. In ``recapture/`` the genuine and the screen/print photos of
one person are taken of the same scenes: those pairs are distinct photos but are reported
separately as "recapture pairs" (and pairs of one person's photos of one kind as "session").

Matching rule (``duplicates.find_matches``): near when
``pdq <= T_pdq or (phash <= T_phash and dhash <= T_dhash)``.

Run: ``.venv/bin/python benchmarks/calibrate_duplicates.py [--json] [--workers N]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageEnhance, ImageOps

from shelfaudit.analyse import decode as decode_mod
from shelfaudit.analyse import hashes
from shelfaudit.analyse.duplicates import hex_to_u64, pdq_words, popcount
from shelfaudit.evaluation.copy_transforms import straighten

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
TARGET_LONG_SIDE = 1024  # Settings.quality_long_side, the pipeline's analysis_long_side
MAX_PIXELS = 100_000_000  # Settings.max_pixels
COPY_QUALITY = 95  # JPEG quality for copies whose transform is not itself a re-encode
SEED = 20240611
CURRENT = (56, 10, 12)  # Settings defaults: pdq, phash, dhash
MAX_PHOTO_FALSE_MATCH = 0.001  # share of distinct photos matching another distinct photo
MARGIN_CAP = 32  # PDQ bits; larger margins count as equal

# Threshold grid; -1 switches a rule off.
GRID_PDQ = np.array([-1, *range(0, 101, 2)])
# pHash keeps exactly half its bits set (median split), so its distances are even.
GRID_PHASH = np.array([-1, *range(0, 21, 2)])
GRID_DHASH = np.arange(-1, 21)

SUBSET = {"sku110k": 34, "sku110k_orig": 8, "heineken": 36, "recapture": 36, "grocery": 36}

HASHES = ("pdq", "phash", "dhash")


# --------------------------------------------------------------------------- photos


@dataclass(frozen=True)
class Photo:
    dataset: str  # sku110k, heineken, recapture, grocery
    name: str  # file name, unique within a data set
    path: Path
    identity: str  # same identity = same source photo (not a distinct pair)
    source: str = ""  # recapture: who took it
    label: str = ""  # recapture: genuine / recapture / print

    @property
    def key(self) -> str:
        prefix = "sku110k_orig" if "originals" in self.path.parts else self.dataset
        return f"{prefix}/{self.name}"


def load_photos(root: Path) -> list[Photo]:
    photos: list[Photo] = []
    sku = root / "sku110k_shelves"
    for sub in ("images", "originals"):
        for path in sorted((sku / sub).glob("*.jpg")):
            photos.append(Photo("sku110k", path.name, path, f"sku110k/{path.stem}"))
    for path in sorted((root / "heineken_displays" / "images").glob("*.jpg")):
        photos.append(Photo("heineken", path.name, path, f"heineken/{path.stem}"))
    recapture = root / "recapture"
    with (recapture / "manifest.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            path = recapture / row["path"]
            photos.append(
                Photo(
                    "recapture",
                    path.name,
                    path,
                    f"recapture/{path.stem}",
                    source=row["source"],
                    label=row["label"],
                )
            )
    grocery = root / "grocery_store"
    for line in (grocery / "val.txt").read_text().splitlines():
        rel = line.split(",")[0].strip()
        if rel:
            path = grocery / rel
            photos.append(Photo("grocery", path.name, path, f"grocery/{rel}"))
    return photos


def same_scene_stem(name: str) -> str:
    """A recapture file name without its kind (real/screen) and WhatsApp ``__N_`` suffix."""
    source, _kind, rest = name.split("__", 2)
    return source + "__" + re.sub(r"(__\d+_)?\.jpe?g$", "", rest)


# --------------------------------------------------------------------------- hashing


Triple = tuple[str, str, str]  # pdq, phash, dhash hex


def hash_bytes(data: bytes) -> Triple:
    """Exactly the pipeline: decode at analysis size, then hash."""
    decoded = decode_mod.decode(data, target_long_side=TARGET_LONG_SIDE, max_pixels=MAX_PIXELS)
    result = hashes.compute(decoded.rgb)
    return result.pdq, result.phash, result.dhash


def hash_file(path: Path) -> tuple[Triple, str]:
    data = path.read_bytes()
    return hash_bytes(data), hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- transforms


Rng = np.random.Generator
Transform = Callable[[Image.Image, Rng], tuple[Image.Image, int]]


def _jpeg(quality: int) -> Transform:
    def apply(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
        return image, quality

    return apply


def _scaled(image: Image.Image, factor: float) -> Image.Image:
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)


def _resize(factor: float) -> Transform:
    def apply(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
        return _scaled(image, factor), COPY_QUALITY

    return apply


def _resize_reencode(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    return _scaled(image, float(rng.uniform(0.75, 0.95))), int(rng.integers(55, 86))


def _half_q40(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    """A harder forward: half size at quality 40 (not in the brief; a robustness probe)."""
    return _scaled(image, 0.5), 40


def _enhance(kind: type[ImageEnhance.Brightness | ImageEnhance.Contrast], f: float) -> Transform:
    def apply(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
        return kind(image).enhance(f), COPY_QUALITY

    return apply


def _crop(low: float, high: float) -> Transform:
    """Remove low..high of each dimension, split at random between the two borders."""

    def apply(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
        w, h = image.size
        fx, fy = rng.uniform(low, high, size=2)
        sx, sy = rng.uniform(0.0, 1.0, size=2)
        left, top = round(w * fx * sx), round(h * fy * sy)
        right, bottom = w - round(w * fx * (1 - sx)), h - round(h * fy * (1 - sy))
        return image.crop((left, top, right, bottom)), COPY_QUALITY

    return apply


def _rotate_small(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    """Straighten by 3-5 degrees and crop to the largest upright rectangle, as phone editors do."""
    angle = float(rng.uniform(3.0, 5.0)) * (1 if rng.random() < 0.5 else -1)
    return straighten(image, angle), COPY_QUALITY


def _rotate_90(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    turn = Image.Transpose.ROTATE_90 if rng.random() < 0.5 else Image.Transpose.ROTATE_270
    return image.transpose(turn), COPY_QUALITY


def _hflip(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), COPY_QUALITY


def _border_bar(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    """A black or white bar of 5-10 % of the height added at the top or the bottom."""
    bar = round(image.height * float(rng.uniform(0.05, 0.10)))
    colour = (0, 0, 0) if rng.random() < 0.5 else (255, 255, 255)
    canvas = Image.new("RGB", (image.width, image.height + bar), colour)
    canvas.paste(image, (0, bar if rng.random() < 0.5 else 0))
    return canvas, COPY_QUALITY


# name -> (group, transform). Groups: "core" counts toward the recommendation.
TRANSFORMS: dict[str, tuple[str, Transform]] = {
    "jpeg_q30": ("core", _jpeg(30)),
    "jpeg_q50": ("core", _jpeg(50)),
    "jpeg_q70": ("core", _jpeg(70)),
    "jpeg_q90": ("core", _jpeg(90)),
    "resize_50": ("core", _resize(0.5)),
    "resize_70": ("core", _resize(0.7)),
    "resize_90": ("core", _resize(0.9)),
    "resize+jpeg": ("core", _resize_reencode),
    "bright+15": ("core", _enhance(ImageEnhance.Brightness, 1.15)),
    "bright-15": ("core", _enhance(ImageEnhance.Brightness, 0.85)),
    "contrast+15": ("core", _enhance(ImageEnhance.Contrast, 1.15)),
    "contrast-15": ("core", _enhance(ImageEnhance.Contrast, 0.85)),
    "resize50+q40": ("report", _half_q40),
    "border_bar": ("border", _border_bar),
    "crop_5": ("report", _crop(0.05, 0.05)),
    "crop_10_20": ("later", _crop(0.10, 0.20)),
    "rotate_3_5": ("later", _rotate_small),
    "rotate_90": ("later", _rotate_90),
    "hflip": ("later", _hflip),
}
NATURAL = "orig->800px"  # SKU-110K full-resolution original vs its 800 px copy


def transform_photo(path: Path, seed: int) -> list[Triple]:
    """Hashes of every transformed copy of one photo, in TRANSFORMS order."""
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    rng = np.random.default_rng(seed)
    out: list[Triple] = []
    for _group, transform in TRANSFORMS.values():
        copy, quality = transform(image, rng)
        buffer = io.BytesIO()
        copy.save(buffer, format="JPEG", quality=quality)
        out.append(hash_bytes(buffer.getvalue()))
    return out


# --------------------------------------------------------------------------- distances


@dataclass(frozen=True)
class HashArrays:
    pdq: NDArray[np.uint64]  # (N, 4)
    phash: NDArray[np.uint64]  # (N,)
    dhash: NDArray[np.uint64]  # (N,)

    @classmethod
    def of(cls, triples: Sequence[Triple]) -> HashArrays:
        return cls(
            pdq=np.stack([pdq_words(t[0]) for t in triples]).astype(np.uint64),
            phash=np.array([hex_to_u64(t[1]) for t in triples], dtype=np.uint64),
            dhash=np.array([hex_to_u64(t[2]) for t in triples], dtype=np.uint64),
        )

    def take(self, idx: NDArray[np.intp]) -> HashArrays:
        return HashArrays(self.pdq[idx], self.phash[idx], self.dhash[idx])


def distances(a: HashArrays, b: HashArrays) -> dict[str, NDArray[np.int64]]:
    """Row-wise Hamming distances between two equally long hash arrays."""
    return {
        "pdq": popcount(a.pdq ^ b.pdq).sum(axis=1),
        "phash": popcount(a.phash ^ b.phash),
        "dhash": popcount(a.dhash ^ b.dhash),
    }


def all_pair_distances(h: HashArrays) -> dict[str, NDArray[np.int64]]:
    """(N, N) distance matrices."""
    return {
        "pdq": popcount(h.pdq[:, None, :] ^ h.pdq[None, :, :]).sum(axis=2),
        "phash": popcount(h.phash[:, None] ^ h.phash[None, :]),
        "dhash": popcount(h.dhash[:, None] ^ h.dhash[None, :]),
    }


def quantiles(values: NDArray[np.int64], qs: Sequence[float]) -> list[float]:
    if len(values) == 0:
        return [float("nan")] * len(qs)
    return [float(v) for v in np.percentile(values, qs, method="lower")]


# --------------------------------------------------------------------------- grid


@dataclass(frozen=True)
class GridResult:
    recall: NDArray[np.float64]  # (n_phash, n_dhash, n_transforms, n_pdq)
    pair_fm: NDArray[np.int64]  # (n_phash, n_dhash, n_pdq) false-matching distinct pairs
    photo_fm: NDArray[np.int64]  # (n_phash, n_dhash, n_pdq) photos with a false match
    recap_fm: NDArray[np.int64]  # (n_phash, n_dhash, n_pdq) matching recapture pairs


def count_matches(
    pdq: NDArray[np.int64], both: NDArray[np.bool_], group: NDArray[np.intp], n_groups: int
) -> NDArray[np.int64]:
    """(n_groups, n_pdq): items matched at each T_pdq of the grid, given the pHash/dHash rule.

    An item matches when ``both`` (the pHash/dHash rule holds) or its PDQ distance is within
    the threshold: a cumulative histogram over the grid, not a comparison per grid point.
    """
    n_pdq = len(GRID_PDQ)
    first = np.searchsorted(GRID_PDQ, pdq, side="left")  # first grid index that matches
    rest = ~both
    hist = np.bincount(group[rest] * (n_pdq + 1) + first[rest], minlength=n_groups * (n_pdq + 1))
    by_pdq = hist.reshape(n_groups, n_pdq + 1)[:, :n_pdq].cumsum(axis=1)
    return by_pdq + np.bincount(group[both], minlength=n_groups)[:, None]


def evaluate_grid(
    pos: dict[str, NDArray[np.int64]],
    pos_transform: NDArray[np.intp],
    n_transforms: int,
    neg: dict[str, NDArray[np.int64]],
    neg_i: NDArray[np.intp],
    neg_j: NDArray[np.intp],
    neg_recap: NDArray[np.bool_],
    n_photos: int,
    nn_pdq: NDArray[np.int64],
) -> GridResult:
    """Recall and false matches for every (T_phash, T_dhash, T_pdq) of the grid.

    ``neg`` holds only the candidate distinct pairs that can match somewhere on the grid;
    ``nn_pdq`` is each photo's PDQ distance to its nearest distinct photo.
    """
    n_pdq, n_ph, n_dh = len(GRID_PDQ), len(GRID_PHASH), len(GRID_DHASH)
    per_transform = np.bincount(pos_transform, minlength=n_transforms)
    recall = np.zeros((n_ph, n_dh, n_transforms, n_pdq))
    pair_fm = np.zeros((n_ph, n_dh, n_pdq), np.int64)
    photo_fm = np.zeros((n_ph, n_dh, n_pdq), np.int64)
    recap_fm = np.zeros((n_ph, n_dh, n_pdq), np.int64)
    neg_groups = neg_recap.astype(np.intp)  # 0 other, 1 recapture pair
    photos = np.arange(n_photos)
    for a, t_ph in enumerate(GRID_PHASH):
        for b, t_dh in enumerate(GRID_DHASH):
            pos_both = (pos["phash"] <= t_ph) & (pos["dhash"] <= t_dh)
            recall[a, b] = count_matches(pos["pdq"], pos_both, pos_transform, n_transforms)
            recall[a, b] /= per_transform[:, None]
            neg_both = (neg["phash"] <= t_ph) & (neg["dhash"] <= t_dh)
            by_group = count_matches(neg["pdq"], neg_both, neg_groups, 2)
            pair_fm[a, b] = by_group.sum(axis=0)
            recap_fm[a, b] = by_group[1]
            flagged = np.zeros(n_photos, np.bool_)
            flagged[neg_i[neg_both]] = True
            flagged[neg_j[neg_both]] = True
            photo_fm[a, b] = count_matches(nn_pdq, flagged, np.zeros_like(photos), 1)[0]
    return GridResult(recall, pair_fm, photo_fm, recap_fm)


def grid_index(t_pdq: int, t_phash: int, t_dhash: int) -> tuple[int, int, int]:
    return (
        int(np.flatnonzero(t_phash == GRID_PHASH)[0]),
        int(np.flatnonzero(t_dhash == GRID_DHASH)[0]),
        int(np.flatnonzero(t_pdq == GRID_PDQ)[0]),
    )


def slack(
    d: dict[str, NDArray[np.int64]],
    t_pdq: int | NDArray[np.int64],
    t_phash: int,
    t_dhash: int,
    *,
    positive: bool,
) -> NDArray[np.float64]:
    """How far each pair is from flipping its match decision, in shares of the hash length.

    For a distinct pair: how much the thresholds must grow before it matches (< 0: it
    matches). For a copy: how much they can shrink before it is missed (< 0: missed).
    PDQ bits count 1/256, pHash and dHash bits 1/64, so one unit is comparable across hashes.
    Shape (items, 1), or (items, k) for a row of k PDQ thresholds; capped at MARGIN_CAP.
    """
    pdq = (t_pdq - d["pdq"][:, None]) / 256
    both = np.minimum(t_phash - d["phash"][:, None], t_dhash - d["dhash"][:, None]) / 64
    cap = MARGIN_CAP / 256
    if positive:
        return np.minimum(np.maximum(pdq, both), cap)
    return np.minimum(np.minimum(-pdq, -both), cap)


@dataclass(frozen=True)
class Candidate:
    thresholds: tuple[int, int, int]  # pdq, phash, dhash
    negative_margin: float  # to the nearest distinct pair, share of hash length
    positive_margin: float  # to the hardest core copy, share of hash length
    soft_margin: float  # 10 nearest distinct pairs + hardest 1 % of core copies

    def key(self) -> tuple[float, float, float, float]:
        t_pdq, t_phash, t_dhash = self.thresholds
        size = t_pdq / 256 + (max(t_phash, 0) + max(t_dhash, 0)) / 64
        return (
            round(min(self.negative_margin, self.positive_margin), 9),
            round(self.negative_margin, 9),
            round(self.soft_margin, 9),
            -size,
        )


def recommend(
    grid: GridResult,
    core: NDArray[np.intp],
    n_photos: int,
    pos_core: dict[str, NDArray[np.int64]],
    neg: dict[str, NDArray[np.int64]],
) -> list[Candidate]:
    """Good-enough settings, best first: the maximum-margin one leads.

    Good enough: photo false matches <= 0.1 % and mean core recall within 0.5 point of the
    best such setting. Ranked by the smaller of the two margins (to the nearest distinct pair
    and to the hardest core copy); ties go to the larger margin to distinct photos (false
    matches come first), then to the larger softer margins, then to the smallest thresholds
    (the pool in production is far larger than this one, so unseen pairs are the bigger risk).
    """
    core_recall = grid.recall[:, :, core, :].mean(axis=2)
    feasible = grid.photo_fm <= MAX_PHOTO_FALSE_MATCH * n_photos
    best = np.where(feasible, core_recall, -1.0).max()
    good = feasible & (core_recall >= best - 0.005)
    found: list[Candidate] = []
    for a, t_phash in enumerate(GRID_PHASH):
        for b, t_dhash in enumerate(GRID_DHASH):
            ps = np.flatnonzero(good[a, b])
            if len(ps) == 0:
                continue
            th = (GRID_PDQ[ps][None, :], int(t_phash), int(t_dhash))
            neg_s = np.sort(slack(neg, *th, positive=False), axis=0)
            pos_s = np.sort(slack(pos_core, *th, positive=True), axis=0)
            soft = neg_s[:10].mean(axis=0) + pos_s[: max(1, len(pos_s) // 100)].mean(axis=0)
            found.extend(
                Candidate(
                    (int(GRID_PDQ[p]), int(t_phash), int(t_dhash)),
                    float(neg_s[0, k]),
                    float(pos_s[0, k]),
                    float(soft[k]),
                )
                for k, p in enumerate(ps)
            )
    if not found:
        raise RuntimeError("no setting keeps false matches under the limit")
    return sorted(found, key=Candidate.key, reverse=True)


# --------------------------------------------------------------------------- main


def subset(photos: list[Photo], rng: Rng) -> list[int]:
    chosen: list[int] = []
    for key, count in SUBSET.items():
        idx = [i for i, p in enumerate(photos) if p.key.split("/")[0] == key]
        chosen.extend(sorted(rng.choice(idx, size=min(count, len(idx)), replace=False)))
    return [int(i) for i in chosen]


@dataclass(frozen=True)
class Measured:
    """Everything hashed: the originals and the transformed copies."""

    photos: list[Photo]
    triples: list[Triple]  # per photo
    sha256: list[str]  # per photo
    chosen: list[int]  # photo indices that were transformed
    copies: list[list[Triple]]  # per chosen photo, in TRANSFORMS order
    hashing_s: float


def measure(workers: int) -> Measured:
    started = time.perf_counter()
    photos = load_photos(DATASETS)
    chosen = subset(photos, np.random.default_rng(SEED))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # The big originals first, so that they do not finish last on one worker.
        order = sorted(range(len(chosen)), key=lambda k: photos[chosen[k]].dataset != "sku110k")
        copy_jobs = {
            k: pool.submit(transform_photo, photos[chosen[k]].path, SEED + chosen[k]) for k in order
        }
        hashed = list(pool.map(hash_file, [p.path for p in photos], chunksize=16))
        copies = [copy_jobs[k].result() for k in range(len(chosen))]
    return Measured(
        photos=photos,
        triples=[h for h, _ in hashed],
        sha256=[s for _, s in hashed],
        chosen=chosen,
        copies=copies,
        hashing_s=time.perf_counter() - started,
    )


def summarise(m: Measured) -> dict[str, Any]:
    started = time.perf_counter()
    photos, chosen, copies, sha = m.photos, m.chosen, m.copies, m.sha256
    n = len(photos)
    triples = m.triples
    h_all = HashArrays.of(triples)

    # Positives: (photo index of the original, transform index, copy hashes).
    names = [*TRANSFORMS, NATURAL]
    pos_src: list[int] = []
    pos_t: list[int] = []
    pos_triples: list[Triple] = []
    for k, i in enumerate(chosen):
        for t, triple in enumerate(copies[k]):
            pos_src.append(i)
            pos_t.append(t)
            pos_triples.append(triple)
    by_key = {p.key: i for i, p in enumerate(photos)}
    for i, p in enumerate(photos):
        if p.key.startswith("sku110k_orig/"):
            pos_src.append(i)
            pos_t.append(len(TRANSFORMS))
            pos_triples.append(triples[by_key[f"sku110k/{p.name}"]])
    pos_idx = np.array(pos_src, np.intp)
    pos_transform = np.array(pos_t, np.intp)
    pos = distances(h_all.take(pos_idx), HashArrays.of(pos_triples))

    # Negatives: all pairs of distinct photos.
    mat = all_pair_distances(h_all)
    ident = np.array([p.identity for p in photos])
    sha_arr = np.array(sha)
    iu, ju = np.triu_indices(n, k=1)
    exact = sha_arr[iu] == sha_arr[ju]
    same_photo = (ident[iu] == ident[ju]) & ~exact
    keep = ~exact & ~same_photo
    iu, ju = iu[keep], ju[keep]
    neg_all = {h: mat[h][iu, ju] for h in HASHES}
    not_distinct = np.ones((n, n), np.bool_)
    not_distinct[iu, ju] = not_distinct[ju, iu] = False
    nn = {h: np.where(not_distinct, 10**6, mat[h]).min(axis=1) for h in HASHES}

    ds = np.array([p.dataset for p in photos])
    src = np.array([p.source for p in photos])
    lab = np.array([p.label for p in photos])
    recap_ds = (ds[iu] == "recapture") & (ds[ju] == "recapture") & (src[iu] == src[ju])
    recap_pair = recap_ds & ((lab[iu] == "genuine") != (lab[ju] == "genuine"))
    session_pair = recap_ds & ~recap_pair
    same_ds = ds[iu] == ds[ju]

    cand = (neg_all["pdq"] <= GRID_PDQ.max()) | (
        (neg_all["phash"] <= GRID_PHASH.max()) & (neg_all["dhash"] <= GRID_DHASH.max())
    )
    grid = evaluate_grid(
        pos,
        pos_transform,
        len(names),
        {h: v[cand] for h, v in neg_all.items()},
        iu[cand],
        ju[cand],
        recap_pair[cand],
        n,
        nn["pdq"],
    )
    core = np.array([t for t, (g, _) in enumerate(TRANSFORMS.values()) if g == "core"], np.intp)
    core_pos = np.isin(pos_transform, core)
    # Pairs further than MARGIN_CAP from every threshold up to (64, 20, 20) cannot set a margin.
    cap64 = MARGIN_CAP // 4
    margin_cand = (neg_all["pdq"] <= 64 + MARGIN_CAP) | (
        (neg_all["phash"] <= GRID_PHASH.max() + cap64)
        & (neg_all["dhash"] <= GRID_DHASH.max() + cap64)
    )
    ranked = recommend(
        grid,
        core,
        n,
        {h: v[core_pos] for h, v in pos.items()},
        {h: v[margin_cand] for h, v in neg_all.items()},
    )
    best = ranked[0].thresholds
    border = names.index("border_bar")
    feasible = grid.photo_fm <= MAX_PHOTO_FALSE_MATCH * n

    def setting(t: tuple[int, int, int]) -> dict[str, Any]:
        a, b, p = grid_index(*t)
        neg_m = slack({h: v[margin_cand] for h, v in neg_all.items()}, *t, positive=False)
        pos_m = slack({h: v[core_pos] for h, v in pos.items()}, *t, positive=True)
        return {
            "thresholds": {"pdq": t[0], "phash": t[1], "dhash": t[2]},
            "recall": {name: float(grid.recall[a, b, k, p]) for k, name in enumerate(names)},
            "core_recall_mean": float(grid.recall[a, b, core, p].mean()),
            "photo_false_match": int(grid.photo_fm[a, b, p]),
            "photo_false_match_rate": float(grid.photo_fm[a, b, p] / n),
            "pair_false_match": int(grid.pair_fm[a, b, p]),
            "pair_false_match_rate": float(grid.pair_fm[a, b, p] / len(iu)),
            "recapture_pair_match": int(grid.recap_fm[a, b, p]),
            # In PDQ bits (x256); a pHash/dHash bit counts 4.
            "margin_to_distinct_bits": float(neg_m.min() * 256),
            "margin_to_core_copies_bits": float(pos_m.min() * 256),
        }

    # PDQ-only optimum, and the pair rule's best alone, for context.
    off_ph, off_dh = grid_index(-1, -1, -1)[:2]
    core_recall = grid.recall[:, :, core, :].mean(axis=2)
    ok = feasible
    pdq_only_p = int(np.flatnonzero(ok[off_ph, off_dh])[-1])
    pair_only = np.where(ok[:, :, 0], core_recall[:, :, 0], -1.0)
    pa, pb = np.unravel_index(int(np.argmax(pair_only)), pair_only.shape)

    transform_stats = {
        name: {
            h: dict(
                zip(
                    ("p50", "p95", "p99", "max"),
                    quantiles(pos[h][pos_transform == k], (50, 95, 99, 100)),
                    strict=True,
                )
            )
            for h in HASHES
        }
        for k, name in enumerate(names)
    }
    transform_n = {name: int((pos_transform == k).sum()) for k, name in enumerate(names)}

    def dist_stats(mask: NDArray[np.bool_]) -> dict[str, dict[str, float]]:
        return {
            h: dict(
                zip(
                    ("min", "q0.01%", "q0.1%", "q1%", "p50"),
                    quantiles(neg_all[h][mask], (0, 0.01, 0.1, 1, 50)),
                    strict=True,
                )
            )
            for h in HASHES
        }

    pair_stats = {"all_pool": dist_stats(np.ones(len(iu), np.bool_))}
    for d in ("sku110k", "heineken", "recapture", "grocery"):
        pair_stats[f"within_{d}"] = dist_stats(same_ds & (ds[iu] == d))
    pair_stats["recapture_pairs"] = dist_stats(recap_pair)
    pair_stats["session_pairs"] = dist_stats(session_pair)
    pair_counts = {
        "all_pool": len(iu),
        "within_dataset": int(same_ds.sum()),
        "recapture_pairs": int(recap_pair.sum()),
        "session_pairs": int(session_pair.sum()),
    }
    nn_stats = {
        h: dict(zip(("min", "p1", "p5", "p50"), quantiles(nn[h], (0, 1, 5, 50)), strict=True))
        for h in HASHES
    }

    def kind(i: int, j: int) -> str:
        if recap_pair[(iu == i) & (ju == j)].any():
            return "recapture-pair"
        if session_pair[(iu == i) & (ju == j)].any():
            return "session"
        return "within" if ds[i] == ds[j] else "cross"

    worst: list[dict[str, Any]] = []
    by_pdq = np.lexsort((neg_all["phash"] + neg_all["dhash"], neg_all["pdq"]))[:12]
    by_pair = np.lexsort((neg_all["pdq"], np.maximum(neg_all["phash"], neg_all["dhash"])))[:12]
    for k in dict.fromkeys([*by_pdq.tolist(), *by_pair.tolist()]):
        i, j = int(iu[k]), int(ju[k])
        worst.append(
            {
                "a": photos[i].key,
                "b": photos[j].key,
                "kind": kind(i, j),
                **{h: int(neg_all[h][k]) for h in HASHES},
            }
        )
    worst.sort(key=lambda w: (min(w["pdq"] / 4, max(w["phash"], w["dhash"])), w["pdq"]))

    exact_pairs = [
        (photos[int(i)].key, photos[int(j)].key)
        for i, j in zip(*np.triu_indices(n, k=1), strict=True)
        if sha[int(i)] == sha[int(j)]
    ]
    recap_idx = [i for i, p in enumerate(photos) if p.dataset == "recapture"]
    same_name = [
        (photos[i].key, photos[j].key)
        for i in recap_idx
        for j in recap_idx
        if i < j
        and lab[i] != lab[j]
        and same_scene_stem(photos[i].name) == same_scene_stem(photos[j].name)
    ]

    return {
        "photos": n,
        "by_dataset": {d: int((ds == d).sum()) for d in sorted(set(ds.tolist()))},
        "transformed_originals": len(chosen),
        "transform_copies": transform_n,
        "distinct_pairs": pair_counts,
        "exact_duplicate_files": exact_pairs,
        "same_name_cross_label_pairs": same_name,
        "transform_distance": transform_stats,
        "distinct_pair_distance": pair_stats,
        "nearest_distinct_neighbour": nn_stats,
        "recommended": setting(best),
        "runners_up": [
            {
                "thresholds": c.thresholds,
                "margin_to_distinct_bits": c.negative_margin * 256,
                "margin_to_core_copies_bits": c.positive_margin * 256,
            }
            for c in ranked[1:6]
        ],
        "current": setting(CURRENT),
        "pdq_only_best": setting((int(GRID_PDQ[pdq_only_p]), -1, -1)),
        "phash_dhash_only_best": setting((-1, int(GRID_PHASH[pa]), int(GRID_DHASH[pb]))),
        "max_border_recall_without_false_matches": float(
            np.where(feasible, grid.recall[:, :, border, :], 0.0).max()
        ),
        "worst_distinct_pairs": worst,
        "hashing_s": m.hashing_s,
        "analysis_s": time.perf_counter() - started,
    }


def _fmt_setting(title: str, s: dict[str, Any]) -> str:
    t = s["thresholds"]
    return (
        f"{title:<22} pdq<={t['pdq']:>3} | phash<={t['phash']:>2} & dhash<={t['dhash']:>2}"
        f"  core recall {s['core_recall_mean']:.3f}"
        f"  FM photos {s['photo_false_match']} ({s['photo_false_match_rate']:.2%})"
        f" pairs {s['pair_false_match']} ({s['pair_false_match_rate']:.4%})"
        f" recapture pairs {s['recapture_pair_match']}"
        f"  margin copies {s['margin_to_core_copies_bits']:.0f}"
        f" distinct {s['margin_to_distinct_bits']:.0f}"
    )


def print_report(r: dict[str, Any]) -> None:
    print(f"{r['photos']} photos {r['by_dataset']}; {r['transformed_originals']} transformed")
    print(f"distinct pairs {r['distinct_pairs']}")
    print(f"byte-identical files (not distinct): {r['exact_duplicate_files']}")
    print(f"same-name genuine/recapture pairs: {r['same_name_cross_label_pairs']}")
    print("\nsettings:")
    for key in ("recommended", "current", "pdq_only_best", "phash_dhash_only_best"):
        print(_fmt_setting(key, r[key]))
    print(
        "runners-up (pdq, phash, dhash: margin to copies/distinct): "
        + ", ".join(
            f"{tuple(c['thresholds'])}: {c['margin_to_core_copies_bits']:.0f}"
            f"/{c['margin_to_distinct_bits']:.0f}"
            for c in r["runners_up"]
        )
    )
    print(
        "margins are in PDQ bits (a pHash/dHash bit counts 4); best border_bar recall with no"
        f" false match anywhere on the grid: {r['max_border_recall_without_false_matches']:.1%}"
    )
    rec, cur = r["recommended"], r["current"]
    print(
        f"\n{'transform':<13} {'n':>4} {'rec':>6} {'cur':>6}   pdq p50/p95/p99/max"
        "     phash p50/p95/p99/max   dhash p50/p95/p99/max"
    )
    for name, stats in r["transform_distance"].items():
        cols = "   ".join(
            "/".join(f"{stats[h][q]:.0f}" for q in ("p50", "p95", "p99", "max")).ljust(18)
            for h in HASHES
        )
        print(
            f"{name:<13} {r['transform_copies'][name]:>4} {rec['recall'][name]:>6.1%}"
            f" {cur['recall'][name]:>6.1%}   {cols}"
        )
    print(f"\n{'distinct pairs':<18} pdq min/.01%/.1%/1%/p50   phash ...            dhash ...")
    for name, stats in r["distinct_pair_distance"].items():
        cols = "   ".join(
            "/".join(f"{stats[h][q]:.0f}" for q in ("min", "q0.01%", "q0.1%", "q1%", "p50")).ljust(
                20
            )
            for h in HASHES
        )
        print(f"{name:<18} {cols}")
    nn = r["nearest_distinct_neighbour"]
    print(
        "nearest distinct neighbour min/p1/p5/p50: "
        + "   ".join(
            f"{h} " + "/".join(f"{nn[h][q]:.0f}" for q in ("min", "p1", "p5", "p50"))
            for h in HASHES
        )
    )
    print("\nworst distinct pairs (pdq, phash, dhash):")
    for w in r["worst_distinct_pairs"]:
        print(
            f"  {w['pdq']:>3} {w['phash']:>2} {w['dhash']:>2}  {w['kind']:<14}"
            f" {w['a']}  ~  {w['b']}"
        )
    print(f"\nhashing {r['hashing_s']:.1f} s, analysis {r['analysis_s']:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    if not DATASETS.is_dir():
        print(f"datasets not found at {DATASETS}", file=sys.stderr)
        return 2
    result = summarise(measure(args.workers))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
