"""A stored photo's overlay, drawn on demand from its original and its newest analysis."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from shelfaudit.errors import NotAnalysed, NotFound
from shelfaudit.review.analysis_view import latest_analysis
from shelfaudit.review.images import upright
from shelfaudit.review.overlay import render_overlay
from shelfaudit.review.overlay_content import Layers
from shelfaudit.store.objects import ObjectStore
from shelfaudit.store.tables import Analysis, Photo

# Part of every ETag: bump it when the drawing changes, so browsers fetch the new picture.
OVERLAY_VERSION = "overlay-1"
MAX_SIDE_RANGE = (256, 4096)  # pixels, the photo's long side in the overlay


@dataclass(frozen=True)
class OverlaySource:
    photo: Photo
    analysis: Analysis

    def etag(self, max_side: int) -> str:
        """Changes with the photo, the pipeline version (or a re-run of it), the size asked
        for and the drawing code."""
        key = "|".join(
            (
                self.photo.sha256,
                self.analysis.pipeline_version,
                self.analysis.updated_at.isoformat(),
                str(max_side),
                OVERLAY_VERSION,
            )
        )
        return f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'


def overlay_source(session: Session, photo_id: int) -> OverlaySource:
    """The photo and its newest analysis; ``NotFound`` or ``NotAnalysed`` otherwise."""
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    analysis = latest_analysis(session, photo_id)
    if analysis is None:
        raise NotAnalysed(f"photo {photo_id} has no analysis yet (it is {photo.status})")
    return OverlaySource(photo=photo, analysis=analysis)


def overlay_jpeg(source: OverlaySource, objects: ObjectStore, *, max_side: int) -> bytes:
    """The overlay of ``source`` as JPEG, the photo fitted into ``max_side`` pixels."""
    low, high = MAX_SIDE_RANGE
    if not low <= max_side <= high:
        raise ValueError(f"max_side must be within {low}..{high}, got {max_side}")
    original = upright(objects.get(source.photo.object_key), long_side=max_side)
    return render_overlay(
        np.asarray(original.image),
        Layers.from_stored(source.analysis.checks),
        max_side=max_side,
        original_size=(original.width, original.height),
    )
