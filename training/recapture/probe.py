"""Probe ideas for the recapture model before they go into the service's features.

Two questions, answered on the stored photos with the people as sources:

* ``candidates``: does a new physical measurement separate recaptures from genuine photos
  *the same way for every person*? It prints each candidate's AUC per source; the model
  only uses a feature whose AUC lies on one side of 0.5 for all of them
  (``training.recapture.model.consistent_features``).
* ``sweep``: do the tree settings matter? It reruns leave-one-source-out over a small grid
  on a cached feature table (``runs/recapture/features-*.npz``, written by ``train``).

Usage::

    python -m training.recapture.probe candidates [--datasets DIR] [--workers 2]
    python -m training.recapture.probe sweep --table runs/recapture/features-XXXX.npz

The card's "Tried and not used" section quotes what these printed.
"""

from __future__ import annotations

import argparse
import itertools
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from shelfaudit.evaluation.recapture import roc_auc, tpr_at_fpr
from training.recapture.data import MIXED_SOURCES, manifest_samples
from training.recapture.features import FeatureTable, _analysis_rgb
from training.recapture.model import ModelParams, leave_one_source_out

REPO_ROOT = Path(__file__).resolve().parents[2]
Plane = NDArray[np.float32]  # one channel of an analysis image


def _bandpass(x: Plane, inner: float, outer: float) -> Plane:
    return np.asarray(
        cv2.GaussianBlur(x, (0, 0), inner) - cv2.GaussianBlur(x, (0, 0), outer), np.float32
    )


def _log_ratio(num: float, den: float) -> float:
    return float(np.log((num + 1e-3) / (den + 1e-3)))


def colour_fringing(ycc: NDArray[np.float32], textured: NDArray[np.bool_]) -> dict[str, float]:
    """Chroma against luma energy in three bands: sub-pixel stripes alias into colour moiré."""
    out = {}
    bands = {"fine": (0.5, 1.5), "mid": (1.5, 4.0), "coarse": (2.0, 6.0)}
    for name, (inner, outer) in bands.items():
        y, cr, cb = (_bandpass(ycc[..., c], inner, outer) for c in range(3))
        luma = float(np.sqrt(np.mean(y[textured] ** 2)))
        chroma = float(np.sqrt(np.mean(cr[textured] ** 2 + cb[textured] ** 2)))
        out[f"chroma_vs_luma_{name}"] = _log_ratio(chroma, luma)
    return out


def sharpness_and_noise(y: Plane, grad: Plane, textured: NDArray[np.bool_]) -> dict[str, float]:
    """A re-photographed picture is softer (two optics) and carries less fresh sensor noise."""
    flat = grad <= np.percentile(grad, 20)
    residual = np.abs(y - cv2.GaussianBlur(y, (0, 0), 1.0))
    lap = np.abs(cv2.Laplacian(y, cv2.CV_32F))
    noise = float(np.median(residual[flat]))
    contrast = float(np.percentile(y, 95) - np.percentile(y, 5))
    return {
        "noise_flat": float(np.log(noise + 1e-3)),
        "noise_flat_rel": _log_ratio(noise, float(np.median(y[flat])) + 1),
        "lap_vs_grad": _log_ratio(float(lap[textured].mean()), float(grad[textured].mean())),
        "grad_p99_vs_contrast": _log_ratio(float(np.percentile(grad, 99)), contrast),
    }


def spectral_slope(y: Plane) -> dict[str, float]:
    """Slope of log power against log frequency in three bands of a central 512 px crop."""
    h, w = y.shape
    n = min(512, h, w) // 2 * 2
    top, left = (h - n) // 2, (w - n) // 2
    crop = y[top : top + n, left : left + n]
    crop = (crop - crop.mean()) * np.outer(np.hanning(n), np.hanning(n))
    power = np.abs(np.fft.fftshift(np.fft.fft2(crop))) ** 2
    yy, xx = np.indices(power.shape)
    radius = np.hypot(yy - n / 2, xx - n / 2) / n

    def band(lo: float, hi: float) -> tuple[float, float]:
        m = (radius > lo) & (radius < hi)
        log_p = np.log(power[m] + 1e-6)
        return float(np.polyfit(np.log(radius[m]), log_p, 1)[0]), float(log_p.mean())

    (s_lo, e_lo), (s_mid, e_mid), (s_hi, e_hi) = band(0.02, 0.08), band(0.08, 0.2), band(0.2, 0.45)
    return {
        "slope_lo": s_lo,
        "slope_mid": s_mid,
        "slope_hi": s_hi,
        "slope_bend": s_hi - s_lo,
        "energy_hi_vs_lo": e_hi - e_lo,
        "energy_mid_vs_lo": e_mid - e_lo,
    }


def bright_colour(rgb: NDArray[np.uint8]) -> dict[str, float]:
    """White point and saturation of the brightest tenth: a screen's white is its own."""
    lab = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB), np.float32)
    bright = lab[..., 0] >= np.percentile(lab[..., 0], 90)
    sat = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)[..., 1]
    return {
        "bright_a": float(lab[..., 1][bright].mean() - 128),
        "bright_b": float(lab[..., 2][bright].mean() - 128),
        "bright_sat": float(sat[bright].mean() / 255),
    }


def straight_edges(y: Plane) -> dict[str, float]:
    """Longest straight lines (a bezel, a print's edge), as a share of the diagonal."""
    small = cv2.resize(y, (y.shape[1] // 2, y.shape[0] // 2), interpolation=cv2.INTER_AREA)
    edges = cv2.Canny(np.clip(small, 0, 255).astype(np.uint8), 60, 150)
    found = cv2.HoughLinesP(
        edges, 1, np.pi / 180, 60, minLineLength=min(small.shape) // 4, maxLineGap=5
    )
    if found is None or len(found) == 0:
        return {"line_max": 0.0, "line_top4": 0.0}
    lines = np.asarray(found).reshape(-1, 4).astype(np.float64)
    lengths = np.hypot(lines[:, 2] - lines[:, 0], lines[:, 3] - lines[:, 1])
    lengths /= np.hypot(*small.shape)
    return {"line_max": float(lengths.max()), "line_top4": float(np.sort(lengths)[-4:].sum())}


def candidate_features(rgb: NDArray[np.uint8]) -> dict[str, float]:
    """Every candidate measurement of one upright analysis image (RGB uint8)."""
    ycc = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb), np.float32)
    y = np.ascontiguousarray(ycc[..., 0])
    grad = np.hypot(cv2.Sobel(y, cv2.CV_32F, 1, 0), cv2.Sobel(y, cv2.CV_32F, 0, 1))
    textured = grad >= np.percentile(grad, 60)
    return {
        **colour_fringing(ycc, textured),
        **sharpness_and_noise(y, grad, textured),
        **spectral_slope(y),
        **bright_colour(rgb),
        **straight_edges(y),
    }


def _candidates_of(path: str) -> dict[str, float]:
    cv2.setNumThreads(1)
    return candidate_features(_analysis_rgb(path))


def per_source_auc(
    names: list[str], x: NDArray[np.float64], positive: NDArray[np.bool_], source: NDArray[np.str_]
) -> dict[str, list[float | None]]:
    """Each column's AUC in each mixed source (None where a source lacks a class)."""
    return {
        name: [roc_auc(positive[source == s], x[source == s, j]) for s in MIXED_SOURCES]
        for j, name in enumerate(names)
    }


def consistent(aucs: list[float | None], margin: float = 0.05) -> bool:
    values = np.array([0.5 if a is None else a for a in aucs])
    return bool(np.all(values > 0.5 + margin) or np.all(values < 0.5 - margin))


def run_candidates(datasets: Path, workers: int) -> None:
    samples = [
        s
        for s in manifest_samples(datasets / "recapture" / "manifest.csv")
        if s.source in MIXED_SOURCES
    ]
    with Pool(workers) as pool:
        rows = pool.map(_candidates_of, [str(s.path) for s in samples], chunksize=4)
    names = list(rows[0])
    x = np.array([[r[n] for n in names] for r in rows], np.float64)
    positive = np.array([s.positive for s in samples])
    source = np.array([s.source for s in samples])
    print(f"{'feature':24s}", " ".join(f"{s:>9s}" for s in MIXED_SOURCES), " consistent")
    for name, aucs in per_source_auc(names, x, positive, source).items():
        cells = " ".join(f"{'-' if a is None else f'{a:.2f}':>9s}" for a in aucs)
        print(f"{name:24s} {cells}  {'yes' if consistent(aucs) else 'no'}")


def run_sweep(table_path: Path) -> None:
    table = FeatureTable.load(table_path)
    y = table.positive
    grid = itertools.product([0.0, 0.05, 0.1], [4, 8], [100, 300], [20, 60])
    for margin, leaves, trees, min_child in grid:
        params = ModelParams(
            margin=margin, num_leaves=leaves, n_estimators=trees, min_child_samples=min_child
        )
        scores = leave_one_source_out(table, params).scores
        mixed = ~np.isnan(scores) & np.isin(table.source, MIXED_SOURCES)
        y_m, s_m = y[mixed], scores[mixed]
        auc, tpr5, tpr1 = roc_auc(y_m, s_m), tpr_at_fpr(y_m, s_m, 0.05), tpr_at_fpr(y_m, s_m, 0.01)
        print(
            f"margin {margin:.2f} leaves {leaves} trees {trees} min_child {min_child}:"
            f" auc {auc or 0:.3f} tpr@5% {tpr5 or 0:.3f} tpr@1% {tpr1 or 0:.3f}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cand = sub.add_parser("candidates", help="per-source AUC of candidate features")
    cand.add_argument("--datasets", type=Path, default=REPO_ROOT.parent / "shared" / "datasets")
    cand.add_argument("--workers", type=int, default=2)
    sweep = sub.add_parser("sweep", help="leave-one-source-out over a grid of tree settings")
    sweep.add_argument("--table", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "candidates":
        run_candidates(args.datasets, args.workers)
    else:
        run_sweep(args.table)


if __name__ == "__main__":
    main()
