"""Analyse stored photos again (admins): after a display standard is published for photos
that came before it, or a model or threshold changed. Originals are kept, so nothing is
asked of the SFA app; the photos are queued and their analysis replaced."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shelfaudit.api.deps import DispatcherDep, SessionDep
from shelfaudit.api.ids import StoredId
from shelfaudit.api.security import AdminOnly
from shelfaudit.results.reanalyse import mark_for_reanalysis, photos_to_reanalyse
from shelfaudit.review import audit

router = APIRouter(prefix="/v1/reanalyse", tags=["photos"])


class ReanalyseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    photo_ids: list[StoredId] = Field(default_factory=list, max_length=1000)
    activity_id: str | None = Field(default=None, min_length=1, max_length=64)
    missing_score: bool = Field(
        default=False, description="only photos without a display score (standard came later)"
    )

    @model_validator(mode="after")
    def _says_which(self) -> ReanalyseIn:
        if not self.photo_ids and self.activity_id is None:
            raise ValueError("say which photos: photo_ids and/or activity_id")
        return self


class ReanalyseQueued(BaseModel):
    reanalysed: list[int] = Field(description="photos queued, in id order")


@router.post("", response_model=ReanalyseQueued, status_code=status.HTTP_202_ACCEPTED)
def post_reanalyse(
    session: SessionDep, dispatcher: DispatcherDep, principal: AdminOnly, body: ReanalyseIn
) -> ReanalyseQueued:
    """Queue finished photos (analysed or failed) for a new analysis with today's standards
    and models; photos still waiting or being analysed are left alone."""
    ids = photos_to_reanalyse(
        session,
        photo_ids=body.photo_ids,
        activity_id=body.activity_id,
        missing_score=body.missing_score,
    )
    mark_for_reanalysis(session, ids)
    audit.record(
        session,
        actor=principal,
        action="photos_reanalyse",
        subject=f"activity {body.activity_id}" if body.activity_id else "photos",
        after={"photo_ids": ids, "missing_score": body.missing_score},
    )
    session.commit()
    for photo_id in ids:
        dispatcher.submit(photo_id)
    return ReanalyseQueued(reanalysed=ids)
