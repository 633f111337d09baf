"""Recapture classifier on a labelled manifest: AUC, TPR at fixed FPR, accuracy per label.

The manifest is a CSV with at least ``path,label`` (paths relative to ``root``); labels
``recapture`` and ``print`` are positive, anything else (``genuine``) negative. An optional
``source`` column adds a per-source breakdown. Every photo goes through the service's own
decode and the shipped model, exactly as in the pipeline.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, Field

from shelfaudit.analyse import decode
from shelfaudit.analyse.recapture import RecaptureModel, RecaptureThresholds, check, load_model
from shelfaudit.errors import InvalidInput
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.settings import Settings

POSITIVE_LABELS = frozenset({"recapture", "print"})
LABELS = ("genuine", "recapture", "print")
DECISION_PROBABILITY = 0.5  # "accuracy" reads the calibrated probability at 0.5


@dataclass(frozen=True)
class ManifestRow:
    path: Path
    label: str
    source: str | None = None

    @property
    def positive(self) -> bool:
        return self.label in POSITIVE_LABELS


def read_manifest(manifest: Path, root: Path | None = None) -> list[ManifestRow]:
    """Rows of a ``path,label[,source,...]`` CSV; ``root`` defaults to the CSV's folder."""
    base = root if root is not None else manifest.parent
    # utf-8-sig: a CSV saved by a spreadsheet starts with a byte-order mark.
    with manifest.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"path", "label"} - set(reader.fieldnames or [])
        if missing:
            raise InvalidInput(f"{manifest}: the manifest lacks column(s) {sorted(missing)}")
        rows = []
        for row in reader:
            path, label = (row.get("path") or "").strip(), (row.get("label") or "").strip()
            if not path or label not in LABELS:
                # A typo (Recapture, screen) would silently count as genuine.
                raise InvalidInput(
                    f"{manifest} line {reader.line_num}: needs a path and a label "
                    f"({', '.join(LABELS)}), got {path[:60]!r}, {label[:30]!r}"
                )
            rows.append(ManifestRow(path=base / path, label=label, source=row.get("source")))
        return rows


def roc_auc(labels: ArrayLike, scores: ArrayLike) -> float | None:
    """Area under the ROC curve (ties count one half); None without both classes."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    # Mann-Whitney U from mid-ranks.
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_scores = s[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    mid = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(mid, counts)
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def tpr_at_fpr(labels: ArrayLike, scores: ArrayLike, max_fpr: float) -> float | None:
    """Highest true-positive rate of a rule ``score >= t`` whose false-positive rate <= max_fpr.

    Exact over every threshold: with 100 negatives and ``max_fpr=0.01`` at most one negative
    may score at or above ``t``; tied scores move together. None without both classes.
    """
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    thresholds = np.unique(s)[::-1]  # descending
    # counts of scores >= each threshold
    pos_sorted = np.sort(s[y])
    neg_sorted = np.sort(s[~y])
    tp = n_pos - np.searchsorted(pos_sorted, thresholds, side="left")
    fp = n_neg - np.searchsorted(neg_sorted, thresholds, side="left")
    allowed = fp <= max_fpr * n_neg + 1e-9
    if not allowed.any():
        return 0.0
    return float(tp[allowed].max() / n_pos)


class LabelStats(BaseModel):
    n: int
    accuracy: float = Field(description="share classified correctly at probability 0.5")
    mean_probability: float


class RecaptureReport(BaseModel):
    model: str
    n: int
    auc: float | None
    tpr_at_1pct_fpr: float | None
    tpr_at_5pct_fpr: float | None
    accuracy: float = Field(description="at calibrated probability 0.5")
    per_label: dict[str, LabelStats]
    per_source: dict[str, dict[str, float | int | None]] = Field(default_factory=dict)
    verdicts: dict[str, dict[str, int]] = Field(
        description="label -> verdict -> count, at the settings' thresholds"
    )
    mean_ms: float


def summarise(
    rows: Sequence[ManifestRow],
    probabilities: Sequence[float],
    verdicts: Sequence[str],
    *,
    model: str,
    mean_ms: float = 0.0,
) -> RecaptureReport:
    """The report for scored rows (pure: no model, no files)."""
    y = np.array([r.positive for r in rows], dtype=bool)
    p = np.asarray(probabilities, dtype=np.float64)
    correct = (p >= DECISION_PROBABILITY) == y
    per_label: dict[str, LabelStats] = {}
    for label in sorted({r.label for r in rows}):
        m = np.array([r.label == label for r in rows])
        per_label[label] = LabelStats(
            n=int(m.sum()),
            accuracy=round(float(correct[m].mean()), 4),
            mean_probability=round(float(p[m].mean()), 4),
        )
    per_source: dict[str, dict[str, float | int | None]] = {}
    for source in sorted({r.source for r in rows if r.source}):
        m = np.array([r.source == source for r in rows])
        auc = roc_auc(y[m], p[m])
        per_source[source] = {
            "n": int(m.sum()),
            "auc": None if auc is None else round(auc, 4),
            "accuracy": round(float(correct[m].mean()), 4),
        }
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row, verdict in zip(rows, verdicts, strict=True):
        counts[row.label][verdict] = counts[row.label].get(verdict, 0) + 1

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return RecaptureReport(
        model=model,
        n=len(rows),
        auc=rounded(roc_auc(y, p)),
        tpr_at_1pct_fpr=rounded(tpr_at_fpr(y, p, 0.01)),
        tpr_at_5pct_fpr=rounded(tpr_at_fpr(y, p, 0.05)),
        accuracy=round(float(correct.mean()), 4) if len(rows) else 0.0,
        per_label=per_label,
        per_source=per_source,
        verdicts=dict(counts),
        mean_ms=round(mean_ms, 2),
    )


def evaluate_manifest(
    rows: Sequence[ManifestRow],
    *,
    model: RecaptureModel,
    thresholds: RecaptureThresholds,
    long_side: int,
    max_pixels: int,
) -> RecaptureReport:
    """Decode and score every photo of ``rows`` as the pipeline would."""
    if not rows:
        raise InvalidInput("the manifest has no rows")
    probabilities: list[float] = []
    verdicts: list[str] = []
    total_ms = 0.0
    for row in rows:
        if not row.path.is_file():
            raise InvalidInput(
                f"{row.path} does not exist: manifest paths are relative to --root "
                "(default: the manifest's folder)"
            )
        decoded = decode.decode(
            row.path.read_bytes(), target_long_side=long_side, max_pixels=max_pixels
        )
        result = check(decoded, model=model, thresholds=thresholds)
        probabilities.append(result.probability)
        verdicts.append(result.verdict.value)
        total_ms += result.ms
    return summarise(
        rows, probabilities, verdicts, model=model.version, mean_ms=total_ms / len(rows)
    )


def evaluate_with_settings(rows: Sequence[ManifestRow], settings: Settings) -> RecaptureReport:
    """Score ``rows`` with the registry's model and the thresholds of ``settings``."""
    cache = ModelCache(
        Registry.load(settings.models_dir, int8=settings.int8_models),
        SessionOptions(
            providers=settings.onnx_providers,
            intra_op_threads=settings.onnx_intra_op_threads,
            inter_op_threads=settings.onnx_inter_op_threads,
        ),
    )
    return evaluate_manifest(
        rows,
        model=load_model(cache),
        thresholds=RecaptureThresholds.from_settings(settings),
        long_side=settings.quality_long_side,
        max_pixels=settings.max_pixels,
    )


def report_summary(report: RecaptureReport) -> list[str]:
    """Human-readable lines of a report."""

    def fmt(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        f"{report.n} photos, model {report.model}: AUC {fmt(report.auc)}, "
        f"TPR@1%FPR {fmt(report.tpr_at_1pct_fpr)}, TPR@5%FPR {fmt(report.tpr_at_5pct_fpr)}, "
        f"accuracy {report.accuracy:.3f}, {report.mean_ms:.1f} ms/photo",
        f"  accuracy reads the probability at {DECISION_PROBABILITY}; the verdict counts in "
        "brackets use the service's thresholds (SHELFAUDIT_RECAPTURE_UNCERTAIN_AT, _FLAG_AT)",
    ]
    for label, stats in report.per_label.items():
        verdicts = ", ".join(f"{v} {c}" for v, c in sorted(report.verdicts.get(label, {}).items()))
        lines.append(
            f"  {label:<10} n={stats.n:<4} accuracy {stats.accuracy:.3f}  "
            f"mean p {stats.mean_probability:.3f}  ({verdicts})"
        )
    for source, row in report.per_source.items():
        lines.append(f"  source {source:<12} {row}")
    return lines
