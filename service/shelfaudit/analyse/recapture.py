"""Recapture (翻拍) check: is this a photo of a screen or a print rather than of the scene?

Features come from ``recapture_features`` (numpy/OpenCV, on the upright analysis image);
the learned part is one ONNX graph (gradient-boosted trees followed by the calibration)
loaded through the model cache under the registry name ``recapture``. The graph carries its
own description in its metadata (``shelfaudit`` key): the feature names in input order, the
feature version it was trained on and per-feature reference statistics for the evidence.

Use::

    model = recapture.load_model(cache)  # once per process; cached, sha256-verified
    result = recapture.check(decoded, model=model, thresholds=thresholds)
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnxruntime as ort

from shelfaudit.analyse import recapture_features
from shelfaudit.analyse.decode import DecodedImage
from shelfaudit.domain.checks import RecaptureResult
from shelfaudit.domain.enums import RecaptureVerdict
from shelfaudit.errors import ModelIntegrityError
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import ModelEntry
from shelfaudit.settings import Settings

MODEL_NAME = "recapture"
METADATA_KEY = "shelfaudit"
EVIDENCE_COUNT = 3


@dataclass(frozen=True)
class RecaptureThresholds:
    """Probability at or above which the verdict is uncertain, and recapture."""

    uncertain_at: float
    flag_at: float

    def __post_init__(self) -> None:
        if not 0 < self.uncertain_at <= self.flag_at <= 1:
            raise ValueError(
                f"need 0 < uncertain_at <= flag_at <= 1, got {self.uncertain_at}, {self.flag_at}"
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> RecaptureThresholds:
        return cls(uncertain_at=settings.recapture_uncertain_at, flag_at=settings.recapture_flag_at)


def verdict_for(probability: float, thresholds: RecaptureThresholds) -> RecaptureVerdict:
    if probability >= thresholds.flag_at:
        return RecaptureVerdict.recapture
    if probability >= thresholds.uncertain_at:
        return RecaptureVerdict.uncertain
    return RecaptureVerdict.genuine


@dataclass(frozen=True)
class FeatureReference:
    """Where a feature sits on genuine training photos, and which way points to recapture."""

    median: float
    scale: float
    direction: int  # +1: higher means more like a recapture; -1: lower


class RecaptureModel:
    """The loaded ONNX graph and its description. Thread-safe (ORT sessions are)."""

    def __init__(self, entry: ModelEntry, session: ort.InferenceSession) -> None:
        meta = session.get_modelmeta().custom_metadata_map
        try:
            described: dict[str, Any] = json.loads(meta[METADATA_KEY])
            names = [str(n) for n in described["features"]]
            features_version = str(described["features_version"])
            references = {
                name: FeatureReference(float(m), float(s), int(d))
                for name, (m, s, d) in described.get("reference", {}).items()
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelIntegrityError(
                f"model {entry.name!r} lacks a valid {METADATA_KEY!r} metadata entry: {exc}"
            ) from exc
        if features_version != recapture_features.VERSION:
            raise ModelIntegrityError(
                f"model {entry.name!r} was trained on {features_version}, this service "
                f"computes {recapture_features.VERSION}; retrain or ship the matching code"
            )
        self.entry = entry
        self.session = session
        self.feature_names: tuple[str, ...] = tuple(names)
        self.references = references
        self._input = session.get_inputs()[0].name

    @property
    def version(self) -> str:
        return f"{self.entry.name}-{self.entry.version}"

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for a (N, F) float32 matrix in ``feature_names`` order."""
        matrix = np.ascontiguousarray(features, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != len(self.feature_names):
            raise ValueError(
                f"expected features of shape (N, {len(self.feature_names)}), got {matrix.shape}"
            )
        out = self.session.run(None, {self._input: matrix})[0]
        return np.clip(np.asarray(out, dtype=np.float64).reshape(len(matrix)), 0.0, 1.0)

    def probability(self, features: Mapping[str, float]) -> float:
        row = np.array([[features[name] for name in self.feature_names]], dtype=np.float32)
        return float(self.probabilities(row)[0])

    def evidence(
        self, features: Mapping[str, float], count: int = EVIDENCE_COUNT
    ) -> dict[str, float]:
        """The ``count`` features furthest from genuine photos towards recapture, with values."""
        pushes = []
        for name, ref in self.references.items():
            if name in features:
                push = ref.direction * (features[name] - ref.median) / ref.scale
                pushes.append((push, name))
        pushes.sort(reverse=True)
        return {name: round(float(features[name]), 4) for _, name in pushes[:count]}


def load_model(cache: ModelCache) -> RecaptureModel:
    """The process-wide recapture model (loaded once, sha256-verified, behind a lock)."""
    return cache.get(MODEL_NAME, RecaptureModel)


def features_of(decoded: DecodedImage) -> dict[str, float]:
    """Every recapture feature of a decoded photo (the analysis image and its origin)."""
    size = decoded.result
    period = 0.0
    if size.format == "JPEG":
        period = recapture_features.jpeg_grid_period(
            max(size.width, size.height), max(decoded.rgb.shape[:2])
        )
    return recapture_features.extract(decoded.rgb, jpeg_period=period)


def check(
    decoded: DecodedImage, *, model: RecaptureModel, thresholds: RecaptureThresholds
) -> RecaptureResult:
    """Score one decoded photo; timings per stage in ``timings_ms``."""
    started = time.perf_counter()
    features = features_of(decoded)
    scored = time.perf_counter()
    probability = model.probability(features)
    done = time.perf_counter()
    return RecaptureResult(
        version=recapture_features.VERSION,
        ms=(done - started) * 1000,
        model=model.version,
        probability=round(probability, 4),
        verdict=verdict_for(probability, thresholds),
        evidence=model.evidence(features),
        timings_ms={
            "features": round((scored - started) * 1000, 2),
            "model": round((done - scored) * 1000, 2),
        },
    )
