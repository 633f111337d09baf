"""False flags on genuine photos: every photo in the folders is honest and distinct.

Each photo goes through the whole pipeline on a fresh, temporary embedded system, so the
only history a photo meets is the other genuine photos; anything flagged is a false flag.
Each is sent as an honest app would send it, from what its own EXIF says: taken when the
camera says (in the camera's UTC offset when it wrote one), on the phone model it names, at
its GPS fix (10 m accuracy) inside a store placed 25 m away, received five minutes later,
by a rep and for a store of its own (so unrelated photos make no pace between them). A photo
without EXIF is sent as taken five minutes before it arrived, with no place or device.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

from PIL import Image
from pydantic import BaseModel

from shelfaudit.analyse.exif import extract, parse_exif_local
from shelfaudit.domain.times import offset_minutes, parse_offset
from shelfaudit.errors import InvalidInput
from shelfaudit.queue.dispatch import process_with_retries
from shelfaudit.results.read import read_photo
from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.settings import Settings
from shelfaudit.store.tables import Photo, Rep, Store
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


# A store placed this far north of a photo's fix: near, as a real store pin is, not on it.
STORE_OFFSET_DEG = 25 / 111_195


def _as_an_honest_app_sent_it(runtime: Runtime, photo_id: int, path: Path, n: int) -> None:
    """Fill in the visit an honest app would have sent with ``path`` (module docstring).

    Set after intake: the photos were taken years ago, past the age intake accepts, and an
    SFA app sends them within minutes, so ``late_upload`` measures the checks, not the age
    of the dataset."""
    with Image.open(path) as image:
        facts = extract(image.getexif())
    local = parse_exif_local(facts.datetime_original)
    taken = facts.captured_at or (local.replace(tzinfo=UTC) if local else None)
    offset = parse_offset(facts.offset_time_original)
    with runtime.sessions.begin() as session:
        photo = session.get_one(Photo, photo_id)
        store = Store(id=f"store-{n}", name=f"Store {n}")
        rep = Rep(id=f"rep-{n}", name=f"Rep {n}")
        session.add_all([store, rep])
        session.flush()  # before the photo names them (no relationship orders the writes)
        photo.store_id, photo.rep_id = store.id, rep.id
        photo.device_model = facts.model
        if taken is not None:
            photo.captured_at = taken
            photo.captured_offset_min = offset_minutes(offset)
            photo.received_at = taken + timedelta(minutes=5)
        else:  # the app knows when its camera took the photo, EXIF or not
            photo.captured_at = photo.received_at - timedelta(minutes=5)
        if facts.gps_lat is not None and facts.gps_lon is not None:
            photo.lat, photo.lon, photo.accuracy_m = facts.gps_lat, facts.gps_lon, 10.0
            store.lat, store.lon = facts.gps_lat + STORE_OFFSET_DEG, facts.gps_lon


def evaluate_genuine(files: list[Path], settings: Settings) -> GenuineReport:
    verdicts: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    flagged = rejected = 0
    scored: list[tuple[float, str, list[str]]] = []
    with tempfile.TemporaryDirectory(prefix="shelfaudit-eval-") as tmp:
        isolated = settings.model_copy(update={"data_dir": Path(tmp), "database_url": None})
        runtime = build_runtime(isolated, upgrade_db=True)
        try:
            for n, path in enumerate(files):
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
                _as_an_honest_app_sent_it(runtime, photo_id, path, n)
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
