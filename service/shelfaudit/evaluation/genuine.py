"""False flags on genuine photos: every photo in the folders is honest and distinct.

Each photo goes through the whole pipeline on a fresh, temporary embedded system, so the
only history a photo meets is the other genuine photos; anything flagged is a false flag.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

from PIL import Image
from pydantic import BaseModel

from shelfaudit.analyse.exif import extract
from shelfaudit.errors import InvalidInput
from shelfaudit.queue.dispatch import process_with_retries
from shelfaudit.results.read import read_photo
from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.settings import Settings
from shelfaudit.store.tables import Photo
from shelfaudit.upload.intake import accept_photo
from shelfaudit.upload.metadata import VisitMetadata


class GenuineReport(BaseModel):
    n: int
    rejected: int
    verdicts: dict[str, int]
    false_review_rate: float  # share of photos whose verdict is not clean
    false_fraud_rate: float
    flagged_rate: float  # share of photos with any flag at all (info included)
    flags: dict[str, int]
    worst: list[dict[str, object]]


def _as_if_uploaded_promptly(runtime: Runtime, photo_id: int, path: Path) -> None:
    """These photos were taken months ago but an SFA app uploads within minutes: date the
    receipt five minutes after the camera's own time, so ``late_upload`` measures the
    checks, not the age of the dataset."""
    with Image.open(path) as image:
        taken = extract(image.getexif()).captured_at
    if taken is None:
        return
    with runtime.sessions.begin() as session:
        photo = session.get(Photo, photo_id)
        if photo is not None:
            photo.received_at = taken + timedelta(minutes=5)


def evaluate_genuine(files: list[Path], settings: Settings) -> GenuineReport:
    verdicts: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    flagged = rejected = 0
    scored: list[tuple[float, str, list[str]]] = []
    with tempfile.TemporaryDirectory(prefix="shelfaudit-eval-") as tmp:
        isolated = settings.model_copy(update={"data_dir": Path(tmp), "database_url": None})
        runtime = build_runtime(isolated, upgrade_db=True)
        try:
            for path in files:
                try:
                    photo_id = accept_photo(
                        sessions=runtime.sessions,
                        objects=runtime.objects,
                        settings=isolated,
                        data=path.read_bytes(),
                        meta=VisitMetadata(),
                        source_name=str(path),
                    ).photo.id
                except InvalidInput:
                    rejected += 1
                    continue
                _as_if_uploaded_promptly(runtime, photo_id, path)
                process_with_retries(runtime.processor, photo_id, attempts=1)
                with runtime.sessions() as session:
                    result = read_photo(session, photo_id).results[0]
                fraud = result.checks["fraud"]
                verdicts[fraud["verdict"]] += 1
                codes = [f["code"] for f in result.flags]
                flags.update(codes)
                flagged += bool(codes)
                scored.append((float(fraud["score"]), str(path), codes))
        finally:
            runtime.close()
    n = sum(verdicts.values())
    scored.sort(reverse=True)
    return GenuineReport(
        n=n,
        rejected=rejected,
        verdicts=dict(verdicts),
        false_review_rate=round((n - verdicts["clean"]) / n, 4) if n else 0.0,
        false_fraud_rate=round(verdicts["fraud"] / n, 4) if n else 0.0,
        flagged_rate=round(flagged / n, 4) if n else 0.0,
        flags=dict(flags.most_common()),
        worst=[{"file": f, "score": s, "flags": c} for s, f, c in scored[:10] if s > 0],
    )
