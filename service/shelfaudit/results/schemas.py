"""Public shapes of photos and their results, shared by the API and the CLI."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.domain.enums import PhotoStatus


class AnalysisPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pipeline_version: str
    checks: dict[str, Any]
    flags: list[dict[str, Any]]
    ms: float
    created_at: datetime
    updated_at: datetime


class ReviewState(StrEnum):
    not_needed = "not_needed"  # no person was asked: the analysis stands
    waiting = "waiting"  # in the review queue
    decided = "decided"  # a person approved or rejected it


class ReviewPublic(BaseModel):
    """Where a photo stands with the people who review it, as the rep's app shows it."""

    state: ReviewState
    reasons: list[str] = Field(
        default=[], description="why it was queued: verdict_review, verdict_fraud, ..."
    )
    decision: str | None = Field(default=None, description="approved | rejected")
    reason_code: str | None = Field(default=None, description="genuine, duplicate, ...")
    comment: str | None = Field(default=None, description="the reviewer's note")
    decided_at: datetime | None = None


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
    review: ReviewPublic = ReviewPublic(state=ReviewState.not_needed)
    results: list[AnalysisPublic] = []
