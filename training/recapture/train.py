"""Train, evaluate (leave-one-source-out), calibrate and export the recapture classifier.

Usage::

    .venv/bin/python -m training.recapture.train --out models/recapture [--synthetic 0]

Writes ``recapture-v1.onnx``, ``metrics.json`` and ``CARD.md`` to ``--out`` and updates the
``recapture`` entry of ``models/registry.json``. Feature tables are cached in
``runs/recapture``; a rerun with the same data and seed reuses them.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort

from shelfaudit.analyse import recapture_features
from shelfaudit.analyse.recapture import RecaptureThresholds, verdict_for
from shelfaudit.ml.registry import file_sha256
from training.recapture import card
from training.recapture.data import (
    GENUINE_SOURCES,
    MIXED_SOURCES,
    genuine_samples,
    grocery_content,
    manifest_samples,
)
from training.recapture.export import to_onnx
from training.recapture.features import (
    FeatureTable,
    build_table,
    photo_jobs,
    synthetic_jobs,
)
from training.recapture.model import (
    ModelParams,
    fit,
    fit_platt,
    leave_one_source_out,
    metrics,
    predict,
    threshold_for_fpr,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
VERSION = "v1"
UNCERTAIN_FPR = 0.10  # share of held-out genuine photos a person is asked to look at
FLAG_FPR = 0.01  # share of held-out genuine photos called recapture

log = logging.getLogger("training.recapture")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "models" / "recapture")
    parser.add_argument("--datasets", type=Path, default=REPO_ROOT.parent / "shared" / "datasets")
    parser.add_argument("--registry", type=Path, default=None, help="default: OUT/../registry.json")
    parser.add_argument("--no-registry", action="store_true", help="leave registry.json alone")
    parser.add_argument("--cache-dir", type=Path, default=REPO_ROOT / "runs" / "recapture")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--variants", type=int, default=2, help="resized+recompressed copies")
    parser.add_argument("--synthetic", type=int, default=0, help="synthetic recaptures to add")
    parser.add_argument("--synthetic-weight", type=float, default=1.0)
    parser.add_argument("--margin", type=float, default=0.05)
    parser.add_argument(
        "--synthetic-comparison",
        type=Path,
        default=None,
        help="metrics.json of a run with other --synthetic, compared in the card",
    )
    return parser.parse_args(argv)


def synthetic_content(
    datasets: Path, table_samples: list[Any], seed: int
) -> list[tuple[Path, str]]:
    rng = np.random.default_rng(seed + 3)
    content = [
        (s.path, s.source) for s in table_samples if not s.positive and s.source != "heineken"
    ]
    content += [(p, "grocery") for p in grocery_content(datasets, 150, rng)]
    return content


def class_balanced(positive: np.ndarray) -> np.ndarray:
    w = np.where(positive, 0.5 / max(positive.sum(), 1), 0.5 / max((~positive).sum(), 1))
    return np.asarray(w * len(w), np.float64)


def references(
    table: FeatureTable, columns: tuple[int, ...], directions: tuple[int, ...]
) -> dict[str, list[float]]:
    """Median and spread of each used feature over genuine stored photos, and its direction."""
    genuine = ~table.positive & (table.variant == 0) & (table.source != "synthetic")
    out = {}
    for j, d in zip(columns, directions, strict=True):
        values = table.features[genuine, j].astype(np.float64)
        q25, q50, q75 = np.percentile(values, [25, 50, 75])
        out[table.names[j]] = [round(float(q50), 6), round(float(max(q75 - q25, 1e-6)), 6), d]
    return out


def evaluate_loso(table: FeatureTable, params: ModelParams) -> tuple[dict[str, Any], Any]:
    loso = leave_one_source_out(table, params)
    held = loso.held_out
    platt = fit_platt(loso.scores[held], table.positive[held], class_balanced(table.positive[held]))
    calibrated = np.full(len(table.label), np.nan)
    calibrated[held] = platt(loso.scores[held])
    negatives = held & ~table.positive
    uncertain_at = threshold_for_fpr(calibrated, negatives, UNCERTAIN_FPR)
    flag_at = threshold_for_fpr(calibrated, negatives, FLAG_FPR)
    # Round up to 2 decimals so that the false-positive rates stay within their targets.
    thresholds = RecaptureThresholds(
        uncertain_at=min(1.0, float(np.ceil(uncertain_at * 100) / 100)),
        flag_at=min(1.0, float(np.ceil(max(flag_at, uncertain_at) * 100) / 100)),
    )
    y = table.positive
    per_source = {}
    for s in MIXED_SOURCES:
        m = held & (table.source == s)
        per_source[s] = metrics(y[m], calibrated[m], 0.5)
    mixed = held & np.isin(table.source, MIXED_SOURCES)
    pooled = metrics(y[mixed], calibrated[mixed], 0.5)
    verdicts: dict[str, dict[str, int]] = {}
    fps = {}
    for s in (*MIXED_SOURCES, *GENUINE_SOURCES):
        for positive, kind in ((False, "genuine"), (True, "recapture/print")):
            m = held & (table.source == s) & (y == positive)
            if not m.any():
                continue
            counts: dict[str, int] = {}
            for p in calibrated[m]:
                v = verdict_for(float(p), thresholds).value
                counts[v] = counts.get(v, 0) + 1
            verdicts[f"{s} {kind}"] = counts
    for s in GENUINE_SOURCES:
        m = held & (table.source == s)
        p = calibrated[m]
        fps[s] = {
            "n": int(m.sum()),
            "at_0.5": float(np.mean(p >= 0.5)),
            "uncertain_or_worse": float(np.mean(p >= thresholds.uncertain_at)),
            "recapture": float(np.mean(p >= thresholds.flag_at)),
        }
    report = {
        "per_source": per_source,
        "pooled": pooled,
        "genuine_false_positives": fps,
        "verdicts": verdicts,
        "selected_per_fold": loso.selected,
        "thresholds": {"uncertain_at": thresholds.uncertain_at, "flag_at": thresholds.flag_at},
        "threshold_fpr": {
            "uncertain": float(np.mean(calibrated[negatives] >= thresholds.uncertain_at)),
            "flag": float(np.mean(calibrated[negatives] >= thresholds.flag_at)),
        },
    }
    return report, platt


def synthetic_comparison(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    other = json.loads(path.read_text())
    return {
        "synthetic": other["data"]["synthetic"],
        "command": other["command"],
        "loso": {k: other["loso"][k] for k in ("pooled", "genuine_false_positives")},
    }


def update_registry(registry: Path, out: Path, onnx_path: Path, meta: dict[str, Any]) -> None:
    data = json.loads(registry.read_text()) if registry.is_file() else {"models": {}}
    base = registry.parent
    data.setdefault("models", {})["recapture"] = {
        "file": str(onnx_path.relative_to(base)),
        "sha256": file_sha256(onnx_path),
        "version": VERSION,
        "task": "recapture",
        "card": str((out / "CARD.md").relative_to(base)),
        "meta": meta,
    }
    registry.write_text(json.dumps(data, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    started = time.perf_counter()
    params = ModelParams(margin=args.margin, synthetic_weight=args.synthetic_weight, seed=args.seed)
    samples = manifest_samples(args.datasets / "recapture" / "manifest.csv")
    samples += genuine_samples(args.datasets)
    jobs = photo_jobs(samples, args.variants, args.seed)
    jobs += synthetic_jobs(
        synthetic_content(args.datasets, samples, args.seed), args.synthetic, args.seed
    )
    table = build_table(jobs, workers=args.workers, cache_dir=args.cache_dir)
    features_s = time.perf_counter() - started
    features_cached = features_s < 0.01 * len(jobs)  # far faster than any extraction

    loso_started = time.perf_counter()
    loso_report, platt = evaluate_loso(table, params)
    loso_s = time.perf_counter() - loso_started
    log.info("LOSO pooled: %s", loso_report["pooled"])

    everything = np.ones(len(table.label), dtype=bool)
    fitted = fit(table, everything, params)
    names = [table.names[j] for j in fitted.columns]
    description = {
        "features": names,
        "features_version": recapture_features.VERSION,
        "reference": references(table, fitted.columns, fitted.directions),
    }
    model = to_onnx(fitted, platt, description)
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / f"recapture-{VERSION}.onnx"
    onnx.save(model, str(onnx_path))

    # The exported graph must agree with the trees it came from.
    stored = table.variant == 0
    x = table.features[stored][:, list(fitted.columns)]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    onnx_p = session.run(None, {"features": x.astype(np.float32)})[0]
    expected = platt(predict(fitted, table.features[stored]))
    max_diff = float(np.abs(onnx_p - expected).max())
    if max_diff > 1e-4:
        raise RuntimeError(f"ONNX export differs from LightGBM by {max_diff}")

    train_s = time.perf_counter() - started
    data = {
        "mixed": int(np.sum(np.isin(table.source, MIXED_SOURCES) & stored)),
        "mixed_genuine": int(
            np.sum(np.isin(table.source, MIXED_SOURCES) & stored & ~table.positive)
        ),
        "mixed_positive": int(
            np.sum(np.isin(table.source, MIXED_SOURCES) & stored & table.positive)
        ),
        "sku110k": int(np.sum(table.source == "sku110k")),
        "heineken": int(np.sum(table.source == "heineken")),
        "synthetic": int(np.sum(table.source == "synthetic")),
    }
    report = {
        "version": VERSION,
        "command": "python -m training.recapture.train "
        + shlex.join(argv if argv is not None else sys.argv[1:]),
        "sha256": file_sha256(onnx_path),
        "onnx_bytes": onnx_path.stat().st_size,
        "features": names,
        "features_version": recapture_features.VERSION,
        "n_candidate_features": len(table.names),
        "params": params.__dict__,
        "platt": {"a": platt.a, "b": platt.b},
        "thresholds": {
            **loso_report["thresholds"],
            "uncertain_fpr": loso_report["threshold_fpr"]["uncertain"],
            "flag_fpr": loso_report["threshold_fpr"]["flag"],
        },
        "loso": loso_report,
        "data": data,
        "synthetic_comparison": synthetic_comparison(args.synthetic_comparison),
        "onnx_max_abs_diff": max_diff,
        "timings": {
            "features_s": features_s,
            "loso_s": loso_s,
            "features_cached": features_cached,
        },
        "train_seconds": train_s,
    }
    (args.out / "metrics.json").write_text(json.dumps(report, indent=2, default=float) + "\n")
    (args.out / "CARD.md").write_text(card.render(report))
    if not args.no_registry:
        registry = args.registry or args.out.parent / "registry.json"
        pooled = loso_report["pooled"]
        update_registry(
            registry,
            args.out,
            onnx_path,
            {
                "features_version": recapture_features.VERSION,
                "loso_pooled_auc": round(float(pooled["auc"] or 0), 4),
                "loso_pooled_accuracy": round(float(pooled["accuracy"]), 4),
                "uncertain_at": loso_report["thresholds"]["uncertain_at"],
                "flag_at": loso_report["thresholds"]["flag_at"],
            },
        )
    log.info("wrote %s in %.0f s", onnx_path, train_s)
    print(
        json.dumps(
            {
                "loso": {
                    k: loso_report[k]
                    for k in ("per_source", "pooled", "genuine_false_positives", "thresholds")
                }
            },
            indent=2,
            default=float,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
