"""A stored photo's overlay, drawn on demand from its original and its newest analysis."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy.orm import Session

from shelfaudit.errors import NotAnalysed, NotFound
from shelfaudit.review.analysis_view import latest_analysis
from shelfaudit.review.drawn_boxes import drawn_boxes_of
from shelfaudit.review.images import upright
from shelfaudit.review.overlay import render_overlay
from shelfaudit.review.overlay_content import Layers
from shelfaudit.store.objects import ObjectStore
from shelfaudit.store.tables import Analysis, DrawnBox, Photo

# Part of every ETag: bump it when the drawing changes, so browsers fetch the new picture.
OVERLAY_VERSION = "overlay-2"  # 2: reviewers' drawn boxes
MAX_SIDE_RANGE = (256, 4096)  # pixels, the photo's long side in the overlay


@dataclass(frozen=True)
class OverlaySource:
    photo: Photo
    analysis: Analysis
    drawn: tuple[DrawnBox, ...] = ()  # reviewers' boxes round objects the detector missed

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
                ",".join(str(box.id) for box in self.drawn),
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
    return OverlaySource(
        photo=photo, analysis=analysis, drawn=tuple(drawn_boxes_of(session, photo_id))
    )


def overlay_jpeg(source: OverlaySource, objects: ObjectStore, *, max_side: int) -> bytes:
    """The overlay of ``source`` as JPEG, the photo fitted into ``max_side`` pixels."""
    low, high = MAX_SIDE_RANGE
    if not low <= max_side <= high:
        raise ValueError(f"max_side must be within {low}..{high}, got {max_side}")
    original = upright(objects.get(source.photo.object_key), long_side=max_side)
    return render_overlay(
        np.asarray(original.image),
        replace(
            Layers.from_stored(source.analysis.checks),
            reviewer_boxes=tuple(
                (box.class_name, (box.xyxy[0], box.xyxy[1], box.xyxy[2], box.xyxy[3]))
                for box in source.drawn
            ),
        ),
        max_side=max_side,
        original_size=(original.width, original.height),
    )
