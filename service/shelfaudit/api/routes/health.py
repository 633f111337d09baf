"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shelfaudit import __version__
from shelfaudit.analyse.pipeline import PIPELINE_VERSION
from shelfaudit.api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """200 when the database and the object store answer; 503 otherwise. The store's
    answer is at most a few seconds old (``api/store_probe.py``)."""
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as exc:
        database = f"error: {type(exc).__name__}"
    objects = request.app.state.store_probe.status()
    healthy = database == "ok" and objects == "ok"
    body = {
        "status": "ok" if healthy else "degraded",
        "version": __version__,
        # The checks' versions; each analysis also names the models it ran (their versions
        # below: the int8 or float32 file, as this CPU is served: ml/cpu.py).
        "pipeline_version": PIPELINE_VERSION,
        "models": {
            name: entry.version for name, entry in sorted(runtime.models.registry.entries.items())
        },
        "database": database,
        "queue": "celery" if runtime.settings.uses_broker else "in-process",
        "storage": runtime.settings.storage_backend.value,
        "objects": objects,
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
