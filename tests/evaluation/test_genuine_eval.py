from __future__ import annotations

from pathlib import Path

from shelfaudit.evaluation.genuine import evaluate_genuine
from shelfaudit.upload.files import images_in
from tests.conftest import embedded_settings
from tests.factories import ORIGINALS


def test_genuine_phone_photos_raise_no_flag(tmp_path: Path) -> None:
    files = images_in([ORIGINALS])
    report = evaluate_genuine(files, embedded_settings(tmp_path / "unused"))
    assert report.n == len(files) == 8
    assert report.verdicts == {"clean": 8}
    assert report.flagged_rate == 0.0
    assert report.flags == {}
