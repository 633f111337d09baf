"""Per-stage latency of the foundation pipeline on 12 MP phone JPEGs.

Run: .venv/bin/python benchmarks/bench_pipeline.py [--photos 8] [--rounds 3] [--history 10000]
     [--recent 40]

Prints milliseconds per stage (median and p90 over all photos and rounds) for intake
(validate + SHA-256 + store + row) and analysis (decode, quality, EXIF, hashes, duplicate
lookup over --history earlier photos, and the DB/storage work around them), then photos/s
of the whole analysis on one process. Uses the embedded defaults in a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from PIL import Image

from shelfaudit.results.hash_lookup import to_signed64
from shelfaudit.runtime import build_runtime
from shelfaudit.settings import Settings
from shelfaudit.store.tables import Photo, PhotoHash, PhotoHashFeed, utcnow
from shelfaudit.upload.intake import accept_photo
from shelfaudit.upload.metadata import VisitMetadata

SKU110K = Path(__file__).resolve().parents[1].parent / "shared/datasets/sku110k_shelves"
ORIGINALS = SKU110K / "originals"
SHELVES = SKU110K / "images"


def twelve_megapixel_jpegs(count: int) -> list[bytes]:
    """Real shelf photos resampled to exactly 12 MP (4000x3000 or 3000x4000), quality 92."""
    out = []
    for path in sorted(ORIGINALS.glob("*.jpg"))[:count]:
        image = Image.open(path)
        exif = image.info.get("exif", b"")
        image = image.convert("RGB")
        size = (4000, 3000) if image.width >= image.height else (3000, 4000)
        buffer = io.BytesIO()
        image.resize(size, Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=92, exif=exif)
        out.append(buffer.getvalue())
    return out


# Check names as the benchmark prints them (the duplicate check is the history lookup).
STAGE_NAMES = {"duplicates": "lookup"}


def seed_history(runtime_sessions: object, n: int) -> None:
    """Insert n earlier photos with random hashes so the lookup scans a realistic table.

    They are older than the recency window (``SHELFAUDIT_DUP_VERIFY_RECENT_DAYS``), so they
    are searched through the hash index only: they have no stored original whose keypoints a
    recent-photo check could read (the --recent real photos play that part)."""
    rng = random.Random(7)
    now = utcnow() - timedelta(days=365)
    with runtime_sessions.begin() as session:  # type: ignore[attr-defined]
        photos = [
            Photo(
                sha256=f"{i:064x}",
                object_key=f"seed/{i}",
                size_bytes=1,
                format="JPEG",
                width=4000,
                height=3000,
                status="analysed",
                attempts=1,
                received_at=now,
                updated_at=now,
            )
            for i in range(n)
        ]
        session.add_all(photos)
        session.flush()
        session.add_all(
            PhotoHash(
                photo_id=p.id,
                sha256=p.sha256,
                phash=to_signed64(rng.getrandbits(64)),
                dhash=to_signed64(rng.getrandbits(64)),
                pdq=f"{rng.getrandbits(256):064x}",
                pdq_quality=100,
            )
            for p in photos
        )
        # The duplicate index catches up from this feed, as it does for analysed photos.
        session.add_all(PhotoHashFeed(photo_id=p.id) for p in photos)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--recent", type=int, default=40, help="real photos analysed last")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    photos = twelve_megapixel_jpegs(args.photos)
    stages: dict[str, list[float]] = {
        k: []
        for k in (
            "intake",
            "decode",
            "quality",
            "exif",
            "hashes",
            "lookup",
            "db_storage",
            "analysis_total",
        )
    }
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))  # type: ignore[call-arg]
        runtime = build_runtime(settings, upgrade_db=True)
        seed_history(runtime.sessions, args.history)
        # The newest history is real photos, analysed as usual: the local-feature stage
        # verifies the latest photos, and those must have originals as they do in service.
        for path in sorted(SHELVES.glob("*.jpg"))[: args.recent]:
            recent = accept_photo(
                sessions=runtime.sessions,
                objects=runtime.objects,
                settings=settings,
                data=path.read_bytes(),
                meta=VisitMetadata(),
            )
            runtime.processor.process(recent.photo.id)
        # Warm-up: imports, first-call allocations.
        warm = accept_photo(
            sessions=runtime.sessions,
            objects=runtime.objects,
            settings=settings,
            data=photos[0],
            meta=VisitMetadata(),
        )
        runtime.processor.process(warm.photo.id)
        started = time.perf_counter()
        analysed = 0
        for _ in range(args.rounds):
            for data in photos:
                t0 = time.perf_counter()
                accepted = accept_photo(
                    sessions=runtime.sessions,
                    objects=runtime.objects,
                    settings=settings,
                    data=data,
                    meta=VisitMetadata(),
                )
                t1 = time.perf_counter()
                runtime.processor.process(accepted.photo.id)
                t2 = time.perf_counter()
                analysed += 1
                with runtime.sessions() as session:
                    from shelfaudit.results.read import read_photo

                    checks = read_photo(session, accepted.photo.id).results[0].checks
                stage_ms = {
                    STAGE_NAMES.get(name, name): float(check["ms"])
                    for name, check in checks.items()
                    if check is not None and name not in ("fraud",)
                }
                total = (t2 - t1) * 1000
                stages["intake"].append((t1 - t0) * 1000)
                for name, value in stage_ms.items():
                    stages.setdefault(name, []).append(value)
                stages["db_storage"].append(total - sum(stage_ms.values()))
                stages["analysis_total"].append(total)
        elapsed = time.perf_counter() - started
        runtime.close()

    last = ("db_storage", "analysis_total")
    stages = {k: stages[k] for k in [*(k for k in stages if k not in last), *last] if stages[k]}
    report = {
        "photos": len(photos),
        "megapixels": 12.0,
        "history": args.history,
        "stages_ms": {
            name: {"median": round(statistics.median(v), 2), "p90": round(pct(v, 0.9), 2)}
            for name, v in stages.items()
        },
        "analysis_photos_per_s": round(analysed / sum(stages["analysis_total"]) * 1000, 2),
        "end_to_end_photos_per_s": round(analysed / elapsed, 2),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{len(photos)} real shelf photos at 12 MP, {args.rounds} rounds, ", end="")
    print(f"{args.history} earlier photos")
    print(f"{'stage':<16}{'median ms':>10}{'p90 ms':>10}")
    for name, row in report["stages_ms"].items():  # type: ignore[union-attr]
        print(f"{name:<16}{row['median']:>10.1f}{row['p90']:>10.1f}")
    print(
        f"analysis: {report['analysis_photos_per_s']} photos/s; "
        f"intake+analysis: {report['end_to_end_photos_per_s']} photos/s (one process)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
