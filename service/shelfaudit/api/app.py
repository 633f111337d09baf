"""The FastAPI application: built around one Runtime and one Dispatcher."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from shelfaudit import __version__
from shelfaudit.api import docs, errors, upload_slots
from shelfaudit.api.anonymous_guard import AnonymousBodyGuard
from shelfaudit.api.body_limit import BodyLimitMiddleware
from shelfaudit.api.nul_guard import NulGuardMiddleware
from shelfaudit.api.page_headers import PageHeadersMiddleware
from shelfaudit.api.routes import (
    audit,
    drawn_boxes,
    health,
    labels,
    master_data,
    overlay,
    pages_auth,
    pages_payouts,
    pages_photos,
    pages_review,
    pages_webhooks,
    payouts,
    photos,
    reanalyse,
    review,
    rule_sets,
    session,
    skus,
    standards,
    visits,
    webhooks,
)
from shelfaudit.api.store_probe import StoreProbe
from shelfaudit.errors import OffsetChanged
from shelfaudit.notify.deliver import PeriodicDelivery
from shelfaudit.payouts.offset_check import refuse_changed_offset
from shelfaudit.queue.dispatch import CeleryDispatcher, Dispatcher, ThreadDispatcher
from shelfaudit.queue.sweep import PeriodicSweep, sweep
from shelfaudit.runtime import Runtime, build_runtime, preload_models
from shelfaudit.settings import Settings, get_settings
from shelfaudit.web.render import STATIC_DIR

log = logging.getLogger(__name__)

# Room for the multipart envelope and the metadata fields around the file itself.
_MULTIPART_OVERHEAD = 256 * 1024


def make_dispatcher(runtime: Runtime) -> Dispatcher:
    settings = runtime.settings
    if settings.uses_broker:
        from shelfaudit.queue.celery_app import create_celery

        return CeleryDispatcher(create_celery(settings), settings.queue_name)
    return ThreadDispatcher(
        runtime.processor, workers=settings.inprocess_workers, attempts=settings.max_attempts
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        embedded = not settings.uses_broker and settings.database_url is None
        runtime = build_runtime(settings, upgrade_db=embedded)
        try:
            with runtime.sessions() as session:
                refuse_changed_offset(session, settings.business_offset_min)
        except OffsetChanged:
            runtime.close()
            raise
        preload_models(runtime)
        dispatcher = make_dispatcher(runtime)
        if not settings.uses_broker:
            # Nothing else processes photos in this mode: whatever a previous run left
            # half-done is picked up at once.
            sweep(runtime.sessions, dispatcher, received_grace_s=0, processing_lease_s=0)
        periodic = PeriodicSweep(
            runtime.sessions,
            dispatcher,
            interval_s=settings.sweep_interval_s,
            received_grace_s=settings.sweep_received_grace_s,
            processing_lease_s=settings.sweep_processing_lease_s,
        )
        periodic.start()
        delivery = PeriodicDelivery(
            runtime.sessions,
            interval_s=settings.webhook_poll_s,
            timeout_s=settings.webhook_timeout_s,
            max_attempts=settings.webhook_max_attempts,
            keep=timedelta(days=settings.webhook_keep_days),
        )
        delivery.start()
        app.state.runtime = runtime
        app.state.dispatcher = dispatcher
        app.state.store_probe = StoreProbe(runtime.objects)
        try:
            yield
        finally:
            app.state.store_probe.close()
            delivery.stop()
            periodic.stop()
            dispatcher.close()
            runtime.close()

    app = FastAPI(
        title="ShelfAudit",
        version=__version__,
        summary="Store photos in; quality, EXIF facts, duplicates, scores and verdicts out.",
        lifespan=lifespan,
        responses=errors.ERROR_RESPONSES,
        docs_url=None,  # served from local assets by api.docs
        redoc_url=None,
    )
    upload_slots.install(app, settings.max_concurrent_uploads)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_upload_bytes + _MULTIPART_OVERHEAD
    )
    app.add_middleware(NulGuardMiddleware)
    app.add_middleware(AnonymousBodyGuard)
    app.add_middleware(PageHeadersMiddleware)
    errors.install(app)
    docs.install(app)
    app.include_router(health.router)
    app.include_router(photos.router)
    app.include_router(overlay.router)
    app.include_router(master_data.router)
    routers = (
        session,
        standards,
        skus,
        review,
        drawn_boxes,
        payouts,
        rule_sets,
        labels,
        audit,
        reanalyse,
        visits,
        webhooks,
    )
    for router in routers:
        app.include_router(router.router)
    webhooks.describe(app)
    for pages in (pages_auth, pages_review, pages_photos, pages_payouts, pages_webhooks):
        app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
