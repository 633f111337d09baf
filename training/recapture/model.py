"""Gradient-boosted trees on the recapture features, with leave-one-source-out evaluation.

Generalising to other people's phones is the point, so the model is kept from learning what
only some sources share:

* a feature enters only if it separates recaptures from genuine photos *in the same
  direction* in every mixed training source (per-source AUC beyond 0.5 +/- ``margin``), and
  the trees are then constrained to be monotone in that direction;
* every (source, class) cell weighs the same in training, so neither the biggest source nor
  the shelf photos dominate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from shelfaudit.evaluation.recapture import roc_auc, tpr_at_fpr
from training.recapture.data import GENUINE_SOURCES, MIXED_SOURCES
from training.recapture.features import FeatureTable


@dataclass(frozen=True)
class ModelParams:
    margin: float = 0.05
    synthetic_weight: float = 1.0
    n_estimators: int = 300
    learning_rate: float = 0.03
    num_leaves: int = 8
    min_child_samples: int = 20
    seed: int = 0


@dataclass(frozen=True)
class Fitted:
    booster: lgb.LGBMClassifier
    columns: tuple[int, ...]  # indices into the table's feature names
    directions: tuple[int, ...]  # +1 / -1 per column: which way is "recapture"


def consistent_features(
    table: FeatureTable, rows: NDArray[np.bool_], sources: Sequence[str], margin: float
) -> tuple[list[int], list[int]]:
    """Columns whose per-source AUC lies beyond 0.5 +/- margin, all on the same side."""
    y = table.positive
    columns, directions = [], []
    for j in range(table.features.shape[1]):
        aucs = []
        for s in sources:
            m = rows & (table.source == s)
            auc = roc_auc(y[m], table.features[m, j])
            aucs.append(0.5 if auc is None else auc)
        a = np.array(aucs)
        if np.all(a > 0.5 + margin):
            columns.append(j)
            directions.append(1)
        elif np.all(a < 0.5 - margin):
            columns.append(j)
            directions.append(-1)
    return columns, directions


def balanced_weights(
    table: FeatureTable, rows: NDArray[np.bool_], synthetic_weight: float
) -> NDArray[np.float64]:
    """Weights for ``rows`` so that each (source, class) cell sums to the same total."""
    y = table.positive[rows]
    src = table.source[rows]
    w = np.zeros(int(rows.sum()))
    for s in np.unique(src):
        for c in (False, True):
            m = (src == s) & (y == c)
            if m.any():
                w[m] = (synthetic_weight if s == "synthetic" else 1.0) / m.sum()
    return np.asarray(w * len(w) / w.sum(), np.float64)


def fit(table: FeatureTable, rows: NDArray[np.bool_], params: ModelParams) -> Fitted:
    mixed = [s for s in MIXED_SOURCES if np.any(rows & (table.source == s))]
    columns, directions = consistent_features(table, rows, mixed, params.margin)
    if not columns:
        raise ValueError("no feature separates the classes consistently across sources")
    booster = lgb.LGBMClassifier(
        n_estimators=params.n_estimators,
        learning_rate=params.learning_rate,
        num_leaves=params.num_leaves,
        min_child_samples=params.min_child_samples,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.7,
        reg_lambda=1.0,
        monotone_constraints=directions,
        random_state=params.seed,
        n_jobs=1,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )
    x = table.features[rows][:, columns]
    booster.fit(
        x,
        table.positive[rows].astype(np.int64),
        sample_weight=balanced_weights(table, rows, params.synthetic_weight),
    )
    return Fitted(booster, tuple(columns), tuple(directions))


def predict(fitted: Fitted, features: NDArray[np.float32]) -> NDArray[np.float64]:
    proba = fitted.booster.predict_proba(features[:, list(fitted.columns)])[:, 1]
    return np.asarray(proba, np.float64)


@dataclass
class Loso:
    """Out-of-source predictions: each photo scored by a model that never saw its source."""

    scores: NDArray[np.float64]  # NaN where not held out (augmented variants, synthetic)
    held_out: NDArray[np.bool_]
    selected: dict[str, list[str]] = field(default_factory=dict)


def leave_one_source_out(table: FeatureTable, params: ModelParams) -> Loso:
    scores = np.full(len(table.label), np.nan)
    selected: dict[str, list[str]] = {}
    for held in (*MIXED_SOURCES, *GENUINE_SOURCES):
        test = (table.source == held) & (table.variant == 0)
        if not test.any():
            continue
        # Synthetic recaptures of the held-out source's photos would leak it back in.
        train = (table.source != held) & (table.content_source != held)
        fitted = fit(table, train, params)
        scores[test] = predict(fitted, table.features[test])
        selected[held] = [table.names[j] for j in fitted.columns]
    return Loso(scores=scores, held_out=~np.isnan(scores), selected=selected)


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1 - q)), np.float64)


@dataclass(frozen=True)
class Platt:
    """p = sigmoid(a * logit(raw) + b), fitted on out-of-source predictions."""

    a: float
    b: float

    def __call__(self, raw: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(1 / (1 + np.exp(-(self.a * _logit(raw) + self.b))), np.float64)


def fit_platt(
    raw: NDArray[np.float64], positive: NDArray[np.bool_], weights: NDArray[np.float64]
) -> Platt:
    """Weighted logistic regression of the label on logit(raw); weights balance the classes."""
    x = _logit(raw)[:, None]
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(x, positive.astype(np.int64), sample_weight=weights)
    return Platt(float(lr.coef_[0, 0]), float(lr.intercept_[0]))


def threshold_for_fpr(
    scores: NDArray[np.float64], negative: NDArray[np.bool_], fpr: float
) -> float:
    """The lowest score threshold (rule ``score >= t``) with at most ``fpr`` of negatives above."""
    neg = np.sort(scores[negative])[::-1]
    allowed = int(np.floor(fpr * len(neg)))
    if allowed >= len(neg):
        return float(neg[-1])
    # Just above the (allowed+1)-th highest negative.
    return float(np.nextafter(neg[allowed], np.inf))


def metrics(
    positive: NDArray[np.bool_], scores: NDArray[np.float64], decision: float
) -> dict[str, float | None]:
    return {
        "n": len(scores),
        "auc": roc_auc(positive, scores),
        "tpr_at_1pct_fpr": tpr_at_fpr(positive, scores, 0.01),
        "tpr_at_5pct_fpr": tpr_at_fpr(positive, scores, 0.05),
        "accuracy": float(np.mean((scores >= decision) == positive)),
    }
