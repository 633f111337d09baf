"""The CI script and the Makefile it calls."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CI = REPO / ".ci" / "run"


def test_ci_script_is_executable_bash_that_stops_on_errors() -> None:
    text = CI.read_text(encoding="utf-8")
    assert os.access(CI, os.X_OK)
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text


def test_ci_script_parses() -> None:
    subprocess.run(["bash", "-n", str(CI)], check=True)


def _dry_run(target: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", target], cwd=REPO, check=True, capture_output=True, text=True
    )
    return done.stdout


def test_make_test_runs_ruff_mypy_and_pytest_in_order() -> None:
    out = _dry_run("test")
    positions = [out.index(tool) for tool in ("ruff check", "mypy", "pytest")]
    assert positions == sorted(positions)


def test_make_run_audits_the_samples_then_serves() -> None:
    out = _dry_run("run")
    assert out.index("shelfaudit audit") < out.index("shelfaudit serve")
    assert "sku110k_shelves/originals" in out
