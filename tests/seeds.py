"""Seed the database directly for review, payout and UI tests: master data, analysed photos
with the checks a test needs (verdict, display score, boxes, matches) and rule sets.

No image analysis runs: each photo gets a small real JPEG in the object store and an
``analyses`` row written as the pipeline would, then goes through the review triage.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from shelfaudit.auth.principal import Principal
from shelfaudit.auth.roles import Role
from shelfaudit.commission import Cadence, Period
from shelfaudit.payouts.rule_store import activate, add_rule_set
from shelfaudit.review.triage import TriageConfig, triage_photo
from shelfaudit.runtime import Runtime
from shelfaudit.store.objects import original_key
from shelfaudit.store.tables import Activity, Analysis, Photo, Rep, Store, utcnow
from tests.factories import jpeg_bytes

ADMIN = Principal(name="test-admin", role=Role.admin)
APPROVER = Principal(name="test-approver", role=Role.approver)

NOW = datetime.now(UTC)
THIS_MONTH = Period.containing(NOW, Cadence.month)
LAST_MONTH = Period.containing(THIS_MONTH.start - timedelta(days=1), Cadence.month)

SCHEME = """\
id: test_scheme
version: 1
name: Test display scheme
currency: VND
effective_from: 2020-01-01
activities: [A1]
rules:
  - id: display-bands
    kind: score_band
    missing: skip
    bands:
      - {min: 60, max: 79, amount: 20000}
      - {min: 80, max: 100, amount: 40000}
  - id: proven-fraud
    kind: fraud_penalty
    amount: 100000
    rejected_reasons: [duplicate, recapture, fake_gps]
  - id: hold-under-review
    kind: review_hold
    verdicts: [review]
  - id: rejected-after-payment
    kind: clawback
"""

_seeds = itertools.count(1)


def seed_master_data(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        session.add_all(
            [
                Store(id="S1", name="Lotte Mart Q7", region="south", lat=10.78, lon=106.70),
                Store(id="S2", name="Coopmart Hanoi", region="north", lat=21.02, lon=105.84),
                Rep(id="R1", name="Rep One", region="south"),
                Rep(id="R2", name="Rep Two", region="north"),
                Activity(id="A1", name="Heineken stack"),
                Activity(id="A2", name="Cooler"),
            ]
        )


def checks(
    *,
    verdict: str = "review",
    fraud_score: float = 0.5,
    score: float | None = 85,
    boxes: list[dict[str, Any]] | None = None,
    matches: list[dict[str, Any]] | None = None,
    recapture: float | None = None,
    width: int = 320,
    height: int = 240,
) -> dict[str, Any]:
    """The parts of an analysis the review and payouts read."""
    reasons = (
        [
            {
                "code": "outside_geofence",
                "weight": fraud_score,
                "message": "Taken 13 km from the store.",
                "evidence": {},
            }
        ]
        if verdict != "clean"
        else []
    )
    found: dict[str, Any] = {
        "decode": {"width": width, "height": height, "orientation": 1},
        "fraud": {
            "verdict": verdict,
            "score": fraud_score,
            "reasons": reasons,
            "review_at": 0.35,
            "fraud_at": 0.85,
        },
        "duplicates": {"searched": 10, "matches": matches or []},
        "metadata": {"facts": {"distance_to_store_m": 13250.4, "exif_gps": False}},
        "detections": {"boxes": boxes or [], "models": {"outlet": "outlet-test"}}
        if boxes is not None
        else None,
    }
    if score is not None:
        found["display"] = {"score": score, "breakdown": [{"criterion": "facings", "points": 40}]}
    if recapture is not None:
        found["recapture"] = {"probability": recapture}
    return found


def add_photo(
    runtime: Runtime,
    *,
    rep_id: str = "R1",
    store_id: str = "S1",
    activity_id: str | None = "A1",
    captured_at: datetime | None = None,
    config: TriageConfig | None = None,
    data: bytes | None = None,
    **check_args: Any,
) -> int:
    """An analysed photo with the given checks, triaged into the queue if it needs a person;
    ``data``: its file (default: a picture of its own)."""
    n = next(_seeds)
    data = data or jpeg_bytes(320, 240, seed=n)
    sha = hashlib.sha256(data).hexdigest()
    runtime.objects.put(original_key(sha), data, "image/jpeg")
    when = captured_at or (LAST_MONTH.start + timedelta(days=2, hours=n % 24))
    with runtime.sessions.begin() as session:
        photo = Photo(
            sha256=sha,
            object_key=original_key(sha),
            size_bytes=len(data),
            format="jpeg",
            width=320,
            height=240,
            source_name=f"seed-{n}.jpg",
            rep_id=rep_id,
            store_id=store_id,
            activity_id=activity_id,
            captured_at=when,
            received_at=when + timedelta(minutes=1),
            status="analysed",
            attempts=1,
            updated_at=utcnow(),
        )
        session.add(photo)
        session.flush()
        session.add(
            Analysis(
                photo_id=photo.id,
                pipeline_version="test",
                checks=checks(**check_args),
                flags=[],
                ms=1.0,
            )
        )
        session.flush()
        triage_photo(session, photo.id, config=config or TriageConfig())
        return photo.id


def add_scheme(runtime: Runtime, text: str = SCHEME, *, active: bool = True) -> None:
    with runtime.sessions.begin() as session:
        row = add_rule_set(session, text=text, syntax="yaml", actor=ADMIN)
        if active:
            activate(session, rule_set_id=row.rule_set_id, version=row.version, actor=ADMIN)


def run_period(runtime: Runtime, period: Period) -> None:
    """Run and store ``period``'s statements as an admin."""
    from shelfaudit.payouts.statements import run_statements

    with runtime.sessions.begin() as session:
        run_statements(session, period=period, actor=ADMIN)
