"""``shelfaudit audit`` end to end, as a user runs it: a subprocess on the embedded defaults."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.factories import real_photos, reencoded_resized

SHELFAUDIT = [sys.executable, "-m", "shelfaudit.cli.main"]


def run_audit(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFAUDIT_")}
    env["SHELFAUDIT_DATA_DIR"] = str(data_dir)
    result = subprocess.run(
        [*SHELFAUDIT, "audit", *args], env=env, capture_output=True, text=True, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def records(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_audit_flags_a_reencoded_resized_copy_as_near_duplicate(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    original = real_photos()[0]
    shutil.copy(original, folder / "a_original.jpg")
    (folder / "b_copy.jpg").write_bytes(
        reencoded_resized(original.read_bytes(), scale=0.85, quality=75)
    )

    out = run_audit(tmp_path / "data", str(folder), "--json")

    first, copy = records(out.stdout)
    assert first["file"].endswith("a_original.jpg")
    assert first["checks"]["duplicates"]["matches"] == []
    matches = copy["checks"]["duplicates"]["matches"]
    assert [(m["photo_id"], m["kind"]) for m in matches] == [(first["photo_id"], "near")]
    assert matches[0]["file"].endswith("a_original.jpg")
    assert matches[0]["pdq_distance"] <= 32
    assert "near_duplicate" in [f["code"] for f in copy["flags"]]


def test_audit_records_have_quality_exif_and_hashes(tmp_path: Path) -> None:
    out = run_audit(tmp_path / "data", str(real_photos()[0].parent), "--json")
    rows = records(out.stdout)
    assert len(rows) == len(real_photos())
    for row in rows:
        assert set(row) >= {"file", "photo_id", "status", "checks", "flags"}
        assert row["status"] == "analysed"
        assert row["checks"]["quality"]["passed"]
        assert row["checks"]["exif"]["make"]
        assert len(row["checks"]["hashes"]["pdq"]) == 64
        # Genuine, distinct phone photos: no duplicate, no flag of any kind.
        assert row["flags"] == [], row["file"]


def test_separate_runs_share_history_through_the_data_dir(tmp_path: Path) -> None:
    photo = str(real_photos()[1])
    first = records(run_audit(tmp_path / "data", photo, "--json").stdout)[0]
    again = records(run_audit(tmp_path / "data", photo, "--json").stdout)[0]
    assert again["photo_id"] != first["photo_id"]
    assert again["checks"]["duplicates"]["matches"][0]["photo_id"] == first["photo_id"]
    assert again["checks"]["duplicates"]["matches"][0]["kind"] == "exact"
    fresh = records(run_audit(tmp_path / "other", photo, "--json").stdout)[0]
    assert fresh["checks"]["duplicates"]["matches"] == []


def test_audit_writes_out_file_and_reports_rejected_files(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a photo")
    out_file = tmp_path / "audit.jsonl"
    result = run_audit(
        tmp_path / "data", str(real_photos()[2]), str(bad), "--out", str(out_file), check=False
    )
    assert result.returncode == 1
    rows = records(out_file.read_text())
    assert [r["status"] for r in rows] == ["analysed", "rejected"]
    assert rows[1]["error"].startswith("unsupported_media_type")
    assert "broken.jpg" in result.stdout  # the human summary table


def test_audit_refuses_an_unknown_store(tmp_path: Path) -> None:
    result = run_audit(tmp_path / "data", str(real_photos()[0]), "--store", "S404", check=False)
    assert result.returncode == 2
    assert "unknown store 'S404'" in result.stderr


def test_audit_refuses_what_is_not_a_file_or_too_big_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    with big.open("wb") as handle:  # sparse: 8 GB on paper, nothing on disk
        handle.truncate(8 * 2**30)
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)  # reading it would wait forever
    out_file = tmp_path / "audit.jsonl"
    result = run_audit(
        tmp_path / "data", str(big), str(fifo), "/dev/zero", "--out", str(out_file), check=False
    )
    assert result.returncode == 1
    rows = records(out_file.read_text())
    assert [r["error"].split(":")[0] for r in rows] == [
        "payload_too_large",
        "invalid_input",
        "invalid_input",
    ]
    assert "8,589,934,592 bytes" in rows[0]["error"]
