"""Public shapes of photos and their results, shared by the API and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from shelfaudit.domain.enums import PhotoStatus


class AnalysisPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pipeline_version: str
    checks: dict[str, Any]
    flags: list[dict[str, Any]]
    ms: float
    created_at: datetime
    updated_at: datetime


class PhotoPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    client_photo_id: str | None
    status: PhotoStatus
    sha256: str
    size_bytes: int
    format: str
    width: int
    height: int
    source_name: str | None
    rep_id: str | None
    store_id: str | None
    activity_id: str | None
    captured_at: datetime | None
    received_at: datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    device_model: str | None
    app_version: str | None
    attempts: int
    last_error: str | None
    results: list[AnalysisPublic] = []
