"""The feature table: every training photo (and variant, and synthetic recapture) as numbers.

Each photo goes through the service's own ``decode`` and ``recapture.features_of``, so the
model is trained on exactly what it will see. Extraction runs in ``workers`` processes, each
job seeded by its index, and the table is cached under ``cache_dir`` keyed by the feature
version and the job list.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from shelfaudit.analyse import decode, recapture, recapture_features
from training.recapture import synthetic as synthetic_module
from training.recapture.data import Sample, resized_recompressed
from training.recapture.synthetic import make_recapture

log = logging.getLogger(__name__)

LONG_SIDE = 1024  # Settings.quality_long_side: the analysis image the pipeline hands over
MAX_PIXELS = 100_000_000


@dataclass(frozen=True)
class Job:
    """One row of the table: a photo (variant 0 = as stored) or a synthetic recapture."""

    path: str
    label: str
    source: str
    variant: int
    seed: int
    content_source: str = ""  # synthetic only: where the pictured photo came from
    surround: str = ""  # synthetic only: the photo around the device


@dataclass(frozen=True)
class FeatureTable:
    names: tuple[str, ...]
    features: NDArray[np.float32]  # (n, len(names))
    label: NDArray[np.str_]
    source: NDArray[np.str_]  # "synthetic" for simulated recaptures
    content_source: NDArray[np.str_]  # the source whose photo is pictured
    variant: NDArray[np.int64]
    path: NDArray[np.str_]

    @property
    def positive(self) -> NDArray[np.bool_]:
        return np.isin(self.label, ["recapture", "print"])

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            names=np.array(self.names),
            features=self.features,
            label=self.label,
            source=self.source,
            content_source=self.content_source,
            variant=self.variant,
            path=self.path,
        )

    @classmethod
    def load(cls, path: Path) -> FeatureTable:
        with np.load(path) as data:
            return cls(
                names=tuple(str(n) for n in data["names"]),
                features=data["features"],
                label=data["label"],
                source=data["source"],
                content_source=data["content_source"],
                variant=data["variant"],
                path=data["path"],
            )


def photo_jobs(samples: Sequence[Sample], variants: int, seed: int) -> list[Job]:
    jobs = []
    for i, s in enumerate(samples):
        count = 1 + (variants if s.source not in ("sku110k", "heineken") else 0)
        for v in range(count):
            jobs.append(Job(str(s.path), s.label, s.source, v, seed * 1_000_003 + i * 31 + v))
    return jobs


def synthetic_jobs(content: Sequence[tuple[Path, str]], count: int, seed: int) -> list[Job]:
    """``count`` synthetic recaptures of (path, source) content; surround from the same source."""
    if count <= 0 or not content:
        return []
    rng = np.random.default_rng(seed + 17)
    picks = rng.choice(len(content), size=count, replace=count > len(content))
    jobs = []
    for k, i in enumerate(picks):
        path, source = content[int(i)]
        same = [p for p, s in content if s == source]
        surround = same[int(rng.integers(len(same)))]
        jobs.append(
            Job(str(path), "recapture", "synthetic", 0, seed * 7919 + k, source, str(surround))
        )
    return jobs


def _analysis_rgb(path: str) -> NDArray[np.uint8]:
    data = Path(path).read_bytes()
    return decode.decode(data, target_long_side=LONG_SIDE, max_pixels=MAX_PIXELS).rgb


def _content_rgb(path: str) -> NDArray[np.uint8]:
    if Path(path).stat().st_size < 200_000:  # small photos (GroceryStore): as they are
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"), np.uint8)
    return _analysis_rgb(path)


def features_of_bytes(data: bytes) -> dict[str, float]:
    decoded = decode.decode(data, target_long_side=LONG_SIDE, max_pixels=MAX_PIXELS)
    return recapture.features_of(decoded)


def run_job(job: Job) -> dict[str, float]:
    cv2.setNumThreads(1)
    rng = np.random.default_rng(job.seed)
    if job.source == "synthetic":
        data = make_recapture(_content_rgb(job.path), _content_rgb(job.surround), rng)
    else:
        data = Path(job.path).read_bytes()
        if job.variant > 0:
            data = resized_recompressed(data, rng)
    return features_of_bytes(data)


def _cache_key(jobs: Sequence[Job]) -> str:
    # The code itself is part of the key: an edit without a version bump must not reuse rows.
    digest = hashlib.sha256(recapture_features.VERSION.encode())
    for module in (recapture_features, synthetic_module):
        digest.update(Path(str(module.__file__)).read_bytes())
    for job in jobs:
        digest.update(json.dumps(job.__dict__, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def build_table(jobs: Sequence[Job], *, workers: int, cache_dir: Path | None) -> FeatureTable:
    cached = cache_dir / f"features-{_cache_key(jobs)}.npz" if cache_dir else None
    if cached is not None and cached.is_file():
        log.info("features from cache %s", cached)
        return FeatureTable.load(cached)
    log.info("extracting features of %d photos on %d workers", len(jobs), workers)
    if workers > 1:
        with Pool(workers) as pool:
            rows = pool.map(run_job, jobs, chunksize=4)
    else:
        rows = [run_job(j) for j in jobs]
    names = tuple(rows[0])
    table = FeatureTable(
        names=names,
        features=np.array([[r[n] for n in names] for r in rows], dtype=np.float32),
        label=np.array([j.label for j in jobs]),
        source=np.array([j.source for j in jobs]),
        content_source=np.array([j.content_source or j.source for j in jobs]),
        variant=np.array([j.variant for j in jobs], dtype=np.int64),
        path=np.array([j.path for j in jobs]),
    )
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        table.save(cached)
    return table
