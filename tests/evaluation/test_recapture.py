"""Recapture evaluation: exact metrics on hand-made cases, and the CLI on a tiny manifest."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shelfaudit.evaluation.recapture import (
    ManifestRow,
    read_manifest,
    roc_auc,
    summarise,
    tpr_at_fpr,
)
from tests.factories import DATASETS, ORIGINALS

RECAPTURE_SET = DATASETS / "recapture"


@pytest.mark.parametrize(
    ("labels", "scores", "expected"),
    [
        ([1, 1, 0, 0], [0.9, 0.4, 0.5, 0.1], 0.75),  # one of four pairs misordered
        ([1, 0], [0.5, 0.5], 0.5),  # a tie counts one half
        ([1, 1, 0], [0.2, 0.3, 0.1], 1.0),
        ([1, 0, 0], [0.1, 0.2, 0.3], 0.0),
        ([0, 0], [0.1, 0.2], None),  # one class only
    ],
)
def test_roc_auc(labels: list[int], scores: list[float], expected: float | None) -> None:
    result = roc_auc(labels, scores)
    assert result == (pytest.approx(expected) if expected is not None else None)


def hundred_negatives_and(positives: list[float]) -> tuple[np.ndarray, np.ndarray]:
    negatives = np.arange(100) / 100  # 0.00 ... 0.99
    labels = np.r_[np.zeros(100), np.ones(len(positives))]
    return labels, np.r_[negatives, positives]


@pytest.mark.parametrize(
    ("max_fpr", "expected"),
    [
        (0.0, 1 / 4),  # no negative may pass: only 0.995 is above 0.99
        (0.01, 2 / 4),  # one negative (0.99) may pass: 0.985 joins
        (0.019, 2 / 4),  # 1.9 % still allows just one
        (0.02, 3 / 4),  # two negatives (0.99, 0.98): 0.975 joins
        (0.05, 3 / 4),  # 0.5 needs half the negatives
        (0.5, 4 / 4),
    ],
)
def test_tpr_at_fpr_is_exact(max_fpr: float, expected: float) -> None:
    labels, scores = hundred_negatives_and([0.995, 0.985, 0.975, 0.5])
    assert tpr_at_fpr(labels, scores, max_fpr) == pytest.approx(expected)


def test_tied_scores_pass_a_threshold_together() -> None:
    # A positive tied with the top negative cannot be taken without that negative.
    labels = np.array([1, 0, 0, 0, 0])
    scores = np.array([0.9, 0.9, 0.1, 0.1, 0.1])
    assert tpr_at_fpr(labels, scores, 0.0) == 0.0
    assert tpr_at_fpr(labels, scores, 0.25) == 1.0


def test_summary_counts_print_as_positive_and_reports_per_label() -> None:
    rows = [
        ManifestRow(Path("a"), "genuine", "s1"),
        ManifestRow(Path("b"), "genuine", "s1"),
        ManifestRow(Path("c"), "recapture", "s2"),
        ManifestRow(Path("d"), "print", "s2"),
    ]
    report = summarise(
        rows, [0.1, 0.6, 0.8, 0.4], ["genuine", "uncertain", "recapture", "genuine"], model="m"
    )
    assert report.n == 4
    assert report.auc == pytest.approx(0.75)
    assert report.accuracy == pytest.approx(0.5)
    assert report.per_label["genuine"].accuracy == pytest.approx(0.5)
    assert report.per_label["print"].mean_probability == pytest.approx(0.4)
    assert report.verdicts["genuine"] == {"genuine": 1, "uncertain": 1}
    assert report.per_source["s1"]["auc"] is None


def test_manifest_without_label_column_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,kind\na.jpg,genuine\n")
    from shelfaudit.errors import InvalidInput

    with pytest.raises(InvalidInput, match="label"):
        read_manifest(manifest)


needs_data = pytest.mark.skipif(
    not (RECAPTURE_SET / "manifest.csv").is_file(), reason="shared datasets not present"
)


@needs_data
def test_eval_recapture_command_on_a_small_manifest(tmp_path: Path) -> None:
    from shelfaudit.cli.main import app

    with (RECAPTURE_SET / "manifest.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    picked = [r for r in rows if r["source"] == "shrimanta"][:2]
    picked += [r for r in rows if r["source"] == "shrimanta" and r["label"] != "genuine"][:2]
    (tmp_path / "images").mkdir()
    for r in picked:
        shutil.copy(RECAPTURE_SET / r["path"], tmp_path / r["path"])
    original = sorted(ORIGINALS.glob("*.jpg"))[0]
    shutil.copy(original, tmp_path / "images" / original.name)
    picked.append({"path": f"images/{original.name}", "label": "genuine", "source": "sku"})
    with (tmp_path / "manifest.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "label", "source"])
        writer.writeheader()
        writer.writerows({k: r[k] for k in ("path", "label", "source")} for r in picked)

    result = CliRunner().invoke(
        app, ["eval", "recapture", "--manifest", str(tmp_path / "manifest.csv"), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n"] == 5
    assert set(report["per_label"]) == {"genuine", "recapture"}
    assert {"auc", "tpr_at_1pct_fpr", "tpr_at_5pct_fpr", "accuracy"} <= set(report)
    assert 0.0 <= report["auc"] <= 1.0


def test_eval_recapture_command_without_manifest_exits_2(tmp_path: Path) -> None:
    from shelfaudit.cli.main import app

    result = CliRunner().invoke(app, ["eval", "recapture", "--manifest", str(tmp_path / "x")])
    assert result.exit_code == 2


def test_a_manifest_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_bytes("path,label\na.jpg,genuine\nb.jpg,print\n".encode("utf-8-sig"))
    assert [(r.path.name, r.positive) for r in read_manifest(manifest)] == [
        ("a.jpg", False),
        ("b.jpg", True),
    ]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("path,label\na.jpg,Recapture\n", "line 2"),  # a typo would count as genuine
        ("path,label\na.jpg\n", "needs a path and a label"),
        ("path,label\n", "the manifest has no rows"),
        ("path,label\nnot-here.jpg,genuine\n", "manifest paths are relative to --root"),
    ],
    ids=["label_typo", "short_row", "empty", "missing_photo"],
)
def test_eval_recapture_says_what_is_wrong_with_its_manifest(
    tmp_path: Path, body: str, said: str
) -> None:
    from shelfaudit.cli.main import app

    (tmp_path / "m.csv").write_text(body)
    result = CliRunner().invoke(app, ["eval", "recapture", "--manifest", str(tmp_path / "m.csv")])
    assert result.exit_code == 2, result.output
    assert said in result.stderr
