"""A mistyped models folder is an error, not a run with every model off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.factories import ORIGINALS


def test_audit_with_a_models_folder_that_does_not_exist_says_so(tmp_path: Path) -> None:
    photo = sorted(ORIGINALS.glob("*.jpg"))[0]
    done = subprocess.run(
        [sys.executable, "-m", "shelfaudit.cli.main", "audit", str(photo), "--json"],
        env={
            **os.environ,
            "SHELFAUDIT_DATA_DIR": str(tmp_path / "data"),
            "SHELFAUDIT_MODELS_DIR": str(tmp_path / "modles"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the models folder" in done.stderr
    assert "modles does not exist" in done.stderr
    assert "photo_id" not in done.stdout
