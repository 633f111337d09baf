"""The process-wide pieces built from settings: database, object store, analysis processor."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.analyse.detect import detect_options
from shelfaudit.analyse.pipeline import PipelineConfig
from shelfaudit.errors import ModelNotFound
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import REGISTRY_FILE, Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.notify.events import EventType, on_photo
from shelfaudit.results.hash_lookup import HashCache
from shelfaudit.results.process import Processor, load_models
from shelfaudit.review.triage import ReviewTriage, TriageConfig
from shelfaudit.settings import Settings
from shelfaudit.store import migrate
from shelfaudit.store.database import make_engine, make_sessionmaker
from shelfaudit.store.objects import ObjectStore, make_object_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    objects: ObjectStore
    processor: Processor
    models: ModelCache

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings, *, upgrade_db: bool = False) -> Runtime:
    """Connect everything; with ``upgrade_db`` the schema is migrated first (embedded use)."""
    for name in settings.unknown_environment():
        log.warning("%s names no setting and is ignored", name)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    if upgrade_db:
        migrate.upgrade(engine)
    else:
        migrate.check_current(engine)
    sessions = make_sessionmaker(engine)
    objects = make_object_store(settings)
    models = _model_cache(settings)
    processor = Processor(
        sessions=sessions,
        objects=objects,
        config=PipelineConfig.from_settings(settings),
        debug_delay_s=settings.debug_task_delay_s,
        max_attempts=settings.max_attempts,
        hash_cache=HashCache.from_settings(settings),
        on_analysed=(
            ReviewTriage(TriageConfig.from_settings(settings)),
            on_photo(EventType.photo_analysed),
        ),
        on_failed=(on_photo(EventType.photo_failed),),
        models=models,
        detect_options=detect_options(settings),
    )
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        objects=objects,
        processor=processor,
        models=models,
    )


def check_models_folder(settings: Settings) -> None:
    """A models folder that does not exist is a mistyped setting, not "no models": it
    turned every model off without a word (photos analysed with no detections, SKUs or
    recapture check)."""
    if not settings.models_dir.is_dir():
        raise ModelNotFound(
            f"the models folder {settings.models_dir} does not exist (SHELFAUDIT_MODELS_DIR)"
        )


def _model_cache(settings: Settings) -> ModelCache:
    return ModelCache(
        Registry.load(settings.models_dir, int8=settings.int8_models),
        SessionOptions(
            providers=settings.onnx_providers,
            intra_op_threads=settings.onnx_intra_op_threads,
            inter_op_threads=settings.onnx_inter_op_threads,
        ),
    )


def _loading_at_start(settings: Settings, registry: Registry) -> bool:
    """Whether models are loaded at start (``SHELFAUDIT_PRELOAD_MODELS``); then the folder
    must exist, and an empty registry is said out loud."""
    if not settings.preload_models:
        return False
    check_models_folder(settings)
    if not registry.entries:
        log.warning(
            "no models listed in %s: detections, SKUs and the recapture check are off",
            settings.models_dir / REGISTRY_FILE,
        )
    return True


def preload_models(runtime: Runtime) -> None:
    """Load and verify every model the pipeline runs, now (``SHELFAUDIT_PRELOAD_MODELS``):
    a corrupt or missing artifact stops the process at start with ``ModelError`` instead of
    failing each photo it is handed."""
    if _loading_at_start(runtime.settings, runtime.models.registry):
        runtime.processor.pipeline_models()


def check_schema(settings: Settings) -> None:
    """``SchemaOutOfDate`` unless the database is at this release's schema (a worker's start:
    it builds its runtime only when the first photo arrives)."""
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate.check_current(engine)
    finally:
        engine.dispose()


def verify_models(settings: Settings) -> None:
    """``preload_models`` without a database or object store, for a worker's start: the
    models are loaded into a cache of their own and dropped."""
    cache = _model_cache(settings)
    if _loading_at_start(settings, cache.registry):
        load_models(cache, detect_options(settings), lambda: None)
