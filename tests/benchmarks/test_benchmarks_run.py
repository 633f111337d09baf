"""Every benchmark script still runs and prints its figures (tiny sizes: a smoke test, no
timing is asserted; the figures themselves come from running the scripts by hand)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

SMALL_RUNS = [
    (
        "bench_pipeline.py",
        ["--photos", "1", "--rounds", "1", "--history", "50", "--recent", "2"],
        "analysis_total",
    ),
    ("bench_dedup_index.py", ["--sizes", "20000", "--queries", "50", "--keypoints"], "planted"),
    ("bench_detect.py", ["--photos", "1", "--rounds", "1"], "photos/s"),
    (
        "bench_detect.py",
        ["--model", "outlet", "--float", "--photos", "1", "--rounds", "1"],
        "v3 at",
    ),
    ("bench_decode_memory.py", ["--megapixels", "2"], "added MB"),
    ("bench_heic.py", ["--photos", "1", "--long-side", "800"], "largest change"),
    ("bench_recapture.py", ["--photos", "1", "--rounds", "1"], "ms"),
    ("bench_review_queue.py", ["--items", "6000", "--repeat", "1"], "queue page 1"),
    ("bench_sku.py", ["--skus", "300", "--crops", "40", "--rounds", "1"], "total_batch32"),
    ("bench_webhooks.py", ["--events", "20", "--slow-ms", "20"], "deliveries_per_s"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("script", "args", "expected"), SMALL_RUNS, ids=[r[0] for r in SMALL_RUNS])
def test_benchmark_runs_and_prints_figures(script: str, args: list[str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert expected in result.stdout, result.stdout[-3000:]
