"""The one settings object. Nothing else in the package reads the environment."""

from __future__ import annotations

import difflib
import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shelfaudit.domain.times import offset_minutes, parse_offset


class Environment(StrEnum):
    development = "development"
    production = "production"


class StorageBackend(StrEnum):
    local = "local"
    s3 = "s3"


class Int8Models(StrEnum):
    """Which file of an int8 model to serve: ``auto`` the int8 one where the CPU has int8
    dot products (VNNI; ``ml/cpu.py``), else its float32 source."""

    auto = "auto"
    on = "on"
    off = "off"


_PREFIX = "SHELFAUDIT_"
# Read by the tests and the compose file, not by the service.
_NOT_SETTINGS = frozenset({"SHELFAUDIT_SHARED_DIR", "SHELFAUDIT_IMAGE_TAG"})


def _env(field: str) -> str:
    return f"{_PREFIX}{field.upper()}"


def _default_data_dir() -> Path:
    # Per-user and shared between runs, so that separate `shelfaudit audit` runs see each
    # other's history; XDG_DATA_HOME is honoured as on any Linux desktop.
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "shelfaudit"


def _default_models_dir() -> Path:
    # The repository's models/ folder (service/shelfaudit/settings.py -> repo root).
    return Path(__file__).resolve().parents[2] / "models"


_DEFAULT_S3_SECRET = "minioadmin"  # noqa: S105 - the MinIO development default, refused in production


class Settings(BaseSettings):
    """Every knob of the service, read from ``SHELFAUDIT_*`` variables or a ``.env`` file."""

    model_config = SettingsConfigDict(
        env_prefix=_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    environment: Environment = Environment.development

    # Embedded defaults live under one folder: SQLite database and the object store.
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None

    storage_backend: StorageBackend = StorageBackend.local
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "minioadmin"
    s3_secret_key: SecretStr = SecretStr(_DEFAULT_S3_SECRET)
    s3_bucket: str = "shelfaudit-photos"
    s3_secure: bool = False
    s3_region: str | None = None
    # A stalled S3 used to hold an upload (and its thread and DB connection) for minutes:
    # the SDK's default is 300 s per read and 5 retries.
    s3_timeout_s: float = Field(default=10.0, gt=0, le=600)

    # Queue: no broker means analysis runs in-process (one command is a working system).
    broker_url: str | None = None
    queue_name: str = "shelfaudit.analyse"
    broker_visibility_timeout_s: int = Field(default=600, ge=1)
    # Uploads being validated and stored at once in one API process; more wait a second,
    # then hear 503: a stalled object store or a run of huge PNGs then holds this many
    # request threads at most, not every thread the API has.
    max_concurrent_uploads: int = Field(default=12, ge=1, le=1000)
    # A hung broker must not hang an upload: past this the photo waits for the sweep.
    broker_timeout_s: float = Field(default=5.0, gt=0, le=120)
    worker_concurrency: int = Field(default=2, ge=1)
    inprocess_workers: int = Field(default=1, ge=1)

    # Sweep: nothing accepted is ever lost.
    sweep_interval_s: float = Field(default=60.0, gt=0)
    sweep_received_grace_s: float = Field(default=120.0, ge=0)
    sweep_processing_lease_s: float = Field(default=900.0, ge=0)
    max_attempts: int = Field(default=5, ge=1)

    # Webhooks (notify/): how often the API processes look for events due, how long a
    # receiver may take, and how many tries before a delivery is given up (about 3 days
    # with the back-off in notify/deliver.py).
    webhook_poll_s: float = Field(default=2.0, gt=0, le=3600)
    webhook_timeout_s: float = Field(default=5.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=12, ge=1, le=50)
    webhook_keep_days: float = Field(default=30.0, gt=0)  # delivered and failed rows, then gone

    # Intake limits.
    max_upload_bytes: int = Field(default=40 * 1024 * 1024, gt=0)
    max_pixels: int = Field(default=100_000_000, gt=0)
    capture_future_tolerance_s: float = Field(default=600.0, ge=0)
    capture_max_age_days: float = Field(default=366.0, gt=0)

    # Quality: analysis image long side, and thresholds. Sharpness is the Laplacian variance at
    # 640 px: sharp phone photos measure 1,000-30,000, a Gaussian blur of 0.4 % of the width
    # 25-175.
    quality_long_side: int = Field(default=1024, ge=256)
    blur_min_sharpness: float = Field(default=100.0, ge=0)
    exposure_dark_mean: float = Field(default=50.0, ge=0, le=255)
    exposure_bright_mean: float = Field(default=215.0, ge=0, le=255)
    exposure_clipped_fraction: float = Field(default=0.25, ge=0, le=1)
    min_megapixels: float = Field(default=1.0, ge=0)
    min_short_side: int = Field(default=720, ge=0)

    # Near-duplicate thresholds (Hamming distances), from benchmarks/calibrate_duplicates.py:
    # every re-encoded/resized/recoloured copy matched, no false match among 1,276 distinct
    # real photos (the nearest distinct pair is at PDQ 38).
    pdq_max_distance: int = Field(default=28, ge=0, le=256)
    phash_max_distance: int = Field(default=2, ge=0, le=64)
    dhash_max_distance: int = Field(default=2, ge=0, le=64)

    # Metadata checks and the fraud verdict (scores are noisy-OR of signal weights, 0-1).
    capture_time_tolerance_s: float = Field(default=600.0, ge=0)
    # The UTC offsets the business's phones are in, e.g. "+07:00" (comma-separated; empty:
    # any). A camera clock without a written offset is read in the app's offset only when it
    # is one of these, else in these: an app sending Z, or an offset of a cheat's choosing,
    # no longer lets a photo taken hours earlier pass as taken when the app says.
    local_utc_offsets: str = Field(default="", pattern=r"^\s*([+-]\d{2}:\d{2}\s*(,\s*|$))*$")
    # The business's own UTC offset (+07:00 in Vietnam): statement periods, caps and budgets
    # run from its midnight, not UTC's (at +00:00 a photo taken at 06:00 on the 1st in
    # Hanoi was paid in the previous month). Set it before the first statement run: periods
    # already run keep the hours they were run with.
    business_utc_offset: str = Field(default="+00:00", max_length=16)
    late_upload_h: float = Field(default=48.0, gt=0)
    gps_poor_accuracy_m: float = Field(default=500.0, gt=0)
    gps_accuracy_allowance_m: float = Field(default=100.0, ge=0)
    gps_exif_mismatch_m: float = Field(default=1000.0, gt=0)
    max_travel_kmh: float = Field(default=200.0, gt=0)
    burst_window_s: float = Field(default=600.0, gt=0)
    burst_min_stores: int = Field(default=3, ge=2)
    fraud_review_at: float = Field(default=0.35, gt=0, le=1)
    fraud_fraud_at: float = Field(default=0.85, gt=0, le=1)

    # Duplicate index. PDQ goes into a multi-index hash (kept under data_dir/index/, rebuilt
    # from the database when missing) that finds every photo within dup_index_radius bits of
    # the upright photo, and within 21-23 bits of its rotations and mirrors at 10 M photos
    # (benchmarks/bench_dedup_index.py). A match needs pdq_max_distance, or dup_vote_pdq with
    # pHash and dHash within theirs. Local features (ORB + RANSAC: dup_min_inliers, then the
    # aligned pictures must correlate, dup_min_similarity) verify the nearest unmatched
    # candidates, the dup_verify_keypoint photos sharing most keypoint keys (at least
    # dup_keypoint_min_votes: what finds crops and tilted copies from anyone), a store's
    # and a rep's latest photos, and the latest photos of anyone.
    dup_index_radius: int = Field(default=31, ge=0, le=64)
    dup_vote_pdq: int = Field(default=40, ge=0, le=256)
    dup_index_save_every: int = Field(default=50_000, ge=1)
    dup_index_gap_timeout_s: float = Field(default=600.0, gt=0)
    dup_verify_nearest: int = Field(default=8, ge=0)
    dup_verify_recent: int = Field(default=12, ge=0)
    dup_verify_latest: int = Field(default=8, ge=0)
    dup_verify_recent_days: float = Field(default=90.0, gt=0)
    dup_verify_max: int = Field(default=40, ge=0)
    dup_verify_keypoint: int = Field(default=4, ge=0)
    dup_keypoint_min_votes: int = Field(default=3, ge=1)
    dup_keypoint_probe_below: int = Field(default=2_000_000, ge=0)
    dup_min_inliers: int = Field(default=20, ge=4)
    dup_min_similarity: float = Field(default=0.93, ge=-1, le=1)

    # Fault injection for the worker-crash test: seconds to sleep inside the task.
    debug_task_delay_s: float = Field(default=0.0, ge=0)

    # Recapture classifier. The model gives a calibrated probability that the photo shows a
    # screen or a print (models/recapture/CARD.md); at or above recapture_uncertain_at the
    # verdict is uncertain (a person looks), at or above recapture_flag_at it is recapture.
    # Defaults: about 10 % and 1 % of held-out genuine photos reach them (LOSO).
    recapture_uncertain_at: float = Field(default=0.67, gt=0, le=1)
    recapture_flag_at: float = Field(default=0.93, gt=0, le=1)

    # Models: the registry folder and how ONNX Runtime runs them.
    models_dir: Path = Field(default_factory=_default_models_dir)
    onnx_providers: tuple[str, ...] = ("CUDAExecutionProvider", "CPUExecutionProvider")
    onnx_intra_op_threads: int = Field(default=2, ge=1)
    onnx_inter_op_threads: int = Field(default=1, ge=1)
    onnx_int8: Int8Models = Int8Models.auto
    preload_models: bool = True
    detect_confidence: float = Field(default=0.25, gt=0, lt=1)
    detect_iou: float = Field(default=0.6, gt=0, lt=1)
    # Outlet detector only: also detect on an n x n grid of overlapping tiles of the analysis
    # image (1: off). Small cans and bottles are seen n times larger, at n * n + 1 times the
    # inference time; models/outlet/CARD.md gives what it measured on val.
    detect_tiles: int = Field(default=1, ge=1, le=4)
    detect_tile_overlap: float = Field(default=0.2, ge=0, lt=0.5)
    # Outlet detector only: also detect the photo mirrored left to right and fuse the two
    # passes (a box both found is averaged, one only one found keeps half its confidence).
    # Twice its inference time; models/outlet/CARD.md gives what it gains on val.
    detect_mirror: bool = True

    # SKU recognition (the sku_embedder model and the packshot gallery). Boxes of the product
    # classes are cropped, embedded and matched; a facing whose best packshot is less similar
    # than sku_min_similarity stays unknown. Unset, the threshold is the one calibrated with
    # the model (its registry meta "min_similarity"), else 0.5: set it only to override the
    # model's. With no product box the whole photo is recognised as one product (a close-up).
    # With the model's "colour" meta, similarity weighs the embedding and colours (ml/colour.py).
    sku_min_similarity: float | None = Field(default=None, ge=-1, le=1)
    sku_product_classes: tuple[str, ...] = ("beer_can", "beer_bottle", "beer_carton", "beer_crate")
    sku_whole_photo_fallback: bool = True
    sku_max_crops: int = Field(default=200, ge=1)
    sku_alternatives: int = Field(default=3, ge=0)

    # Review queue and the web UI: who lands in the queue, and how long a login lasts.
    review_confidence_below: float = Field(default=0.6, ge=0, le=1)
    review_threshold_margin: float = Field(default=3.0, ge=0, le=100)
    session_ttl_h: float = Field(default=12.0, gt=0)

    # Login throttle: after login_max_failures failed logins for one username, or
    # login_max_failures_per_client from one address (across usernames), within
    # login_failure_window_s, logins for it are refused with 429 (the password is not even
    # checked) until the oldest of those failures leaves the window. Kept in the database, so
    # every API worker sees the same count.
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_client: int = Field(default=20, ge=1)
    login_failure_window_s: float = Field(default=900.0, gt=0)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Addresses of the reverse proxies whose X-Forwarded-For / -Proto the API believes
    # (comma-separated IPs or networks, "*" for any). Behind a proxy at another address, set it
    # to that proxy: otherwise every caller appears as the proxy, and the per-address login
    # limit locks everyone out together.
    forwarded_allow_ips: str = "127.0.0.1"

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Self:
        uses_s3 = self.storage_backend is StorageBackend.s3
        if (
            self.environment is Environment.production
            and uses_s3
            and self.s3_secret_key.get_secret_value() == _DEFAULT_S3_SECRET
        ):
            raise ValueError("SHELFAUDIT_S3_SECRET_KEY still has its default value in production")
        return self

    @model_validator(mode="after")
    def _refuse_contradictions(self) -> Self:
        for low, high in (
            ("fraud_review_at", "fraud_fraud_at"),
            ("recapture_uncertain_at", "recapture_flag_at"),
        ):
            if getattr(self, low) > getattr(self, high):
                raise ValueError(
                    f"{_env(low)} ({getattr(self, low)}) is above {_env(high)} "
                    f"({getattr(self, high)}): the review band would be inverted"
                )
        wrong = [
            t
            for t in self.local_utc_offsets.split(",")
            if t.strip() and not parse_offset(t.strip())
        ]
        if wrong:
            raise ValueError(
                f"SHELFAUDIT_LOCAL_UTC_OFFSETS: {', '.join(wrong)} is no UTC offset in use "
                "(-12:00 to +14:00, written like +07:00)"
            )
        business = offset_minutes(parse_offset(self.business_utc_offset.strip()))
        if business is None or not -12 * 60 <= business <= 14 * 60:
            raise ValueError(
                f"SHELFAUDIT_BUSINESS_UTC_OFFSET: {self.business_utc_offset.strip()} is no UTC "
                "offset in use (-12:00 to +14:00, written like +07:00)"
            )
        if self.environment is Environment.production and not self.database_url:
            typos = self.unknown_environment()
            raise ValueError(
                "SHELFAUDIT_DATABASE_URL is not set in production: the data would go to an "
                f"SQLite file in {self.data_dir} (set it, or run as development)"
                + (f"; these name no setting: {', '.join(typos)}" if typos else "")
            )
        return self

    @property
    def business_offset_min(self) -> int:
        """``business_utc_offset`` in minutes east of UTC."""
        return offset_minutes(parse_offset(self.business_utc_offset.strip())) or 0

    def unknown_environment(self) -> list[str]:
        """``SHELFAUDIT_*`` variables that name no setting (a typo is otherwise ignored,
        and the default used), each with the nearest setting's name when one is close."""
        known = {_env(name) for name in type(self).model_fields}
        found = []
        for name in sorted(os.environ):
            if name.startswith(_PREFIX) and name not in known and name not in _NOT_SETTINGS:
                near = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
                found.append(f"{name} (did you mean {near[0]}?)" if near else name)
        return found

    @property
    def local_offsets_s(self) -> tuple[int, ...]:
        """``local_utc_offsets`` in seconds east of UTC."""
        zones = (parse_offset(t.strip()) for t in self.local_utc_offsets.split(","))
        return tuple(60 * m for m in map(offset_minutes, zones) if m is not None)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'shelfaudit.db'}"

    @property
    def int8_models(self) -> bool | None:
        """``Registry.load``'s ``int8``: None lets it ask the CPU."""
        return {Int8Models.on: True, Int8Models.off: False}.get(self.onnx_int8)

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def uses_broker(self) -> bool:
        return bool(self.broker_url)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
