"""Boxes reviewers draw round objects the detector missed, and how the label export adds them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from shelfaudit.commission import Decision
from shelfaudit.errors import Conflict, InvalidInput, NotAnalysed, NotFound
from shelfaudit.review.decisions import decide
from shelfaudit.review.drawn_boxes import (
    Size,
    clip_box,
    draw_box,
    drawn_boxes_of,
    remove_drawn_box,
)
from shelfaudit.review.label_export import LabelFormat
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import Analysis, AuditEvent, utcnow
from tests.review.test_detections import BOXES, exported
from tests.seeds import APPROVER, add_photo, seed_master_data

PHOTO = Size(320, 240)  # the seeded photos' upright size


@pytest.fixture
def photo(runtime: Runtime) -> int:
    seed_master_data(runtime)
    return add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=BOXES)


@pytest.mark.parametrize(
    ("drag", "expected"),
    [
        ((10, 20, 110, 220), (10, 20, 110, 220)),
        ((110, 220, 10, 20), (10, 20, 110, 220)),  # dragged up and to the left
        ((-30, -5, 40.26, 60), (0, 0, 40.3, 60)),  # clipped to the photo, rounded to 0.1 px
        ((300, 200, 400, 900), (300, 200, 320, 240)),
        ((0, 0, 4, 4), (0, 0, 4, 4)),  # the smallest box taken
    ],
)
def test_a_drag_is_ordered_and_clipped_to_the_photo(
    drag: tuple[float, ...], expected: tuple[float, ...]
) -> None:
    assert clip_box(drag, PHOTO) == pytest.approx(expected)


@pytest.mark.parametrize(
    "drag",
    [
        (10, 10, 13, 50),  # a click, not an object
        (10, 10, 50, 10),  # no height
        (330, 10, 400, 50),  # off the photo to the right
        (-50, -50, -1, -1),  # off the photo to the top left
        (1, 2, 3),  # not a box
    ],
)
def test_a_slip_or_a_box_off_the_photo_is_refused(drag: tuple[float, ...]) -> None:
    with pytest.raises(InvalidInput):
        clip_box(drag, PHOTO)


def test_a_drawn_box_is_kept_with_its_trail_and_can_be_removed(
    runtime: Runtime, photo: int
) -> None:
    with runtime.sessions.begin() as session:
        drawn = draw_box(
            session,
            photo_id=photo,
            class_name="beer_crate",
            xyxy=(200, 100, 300, 200),
            actor=APPROVER,
        )
        drawn_id = drawn.id
    with runtime.sessions() as session:
        (kept,) = drawn_boxes_of(session, photo)
        assert (kept.class_name, kept.xyxy, kept.created_by) == (
            "beer_crate",
            [200, 100, 300, 200],
            APPROVER.name,
        )
    with runtime.sessions.begin() as session:
        remove_drawn_box(session, photo_id=photo, drawn_id=drawn_id, actor=APPROVER)
        remove_drawn_box(session, photo_id=photo, drawn_id=drawn_id, actor=APPROVER)  # no-op
    with runtime.sessions() as session:
        assert drawn_boxes_of(session, photo) == []
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.photo_id == photo).order_by(AuditEvent.id)
        ).all()
    assert actions == ["drawn_box_added", "drawn_box_removed"]


def test_drawing_the_same_object_twice_is_409(runtime: Runtime, photo: int) -> None:
    with runtime.sessions.begin() as session:
        draw_box(
            session, photo_id=photo, class_name="tiger", xyxy=(20, 20, 120, 120), actor=APPROVER
        )
    with runtime.sessions() as session:
        with pytest.raises(Conflict, match="already drawn"):
            draw_box(
                session, photo_id=photo, class_name="tiger", xyxy=(22, 21, 121, 119), actor=APPROVER
            )
        # Another class in the same place is another label (a logo on a carton).
        draw_box(
            session,
            photo_id=photo,
            class_name="beer_carton",
            xyxy=(20, 20, 120, 120),
            actor=APPROVER,
        )


@pytest.mark.parametrize(
    ("class_name", "error"),
    [
        ("Beer Crate", "lower-case"),
        ("beer_crat", "not one the detector knows"),
        ("", "lower-case"),
    ],
)
def test_a_drawn_box_names_a_class_the_detector_knows(
    runtime: Runtime, photo: int, class_name: str, error: str
) -> None:
    with runtime.sessions() as session, pytest.raises(InvalidInput, match=error):
        draw_box(
            session,
            photo_id=photo,
            class_name=class_name,
            xyxy=(20, 20, 120, 120),
            actor=APPROVER,
            known_classes=("beer_crate", "tiger"),
        )


def test_boxes_are_drawn_on_analysed_photos_only(runtime: Runtime, photo: int) -> None:
    with runtime.sessions.begin() as session:
        for analysis in session.scalars(select(Analysis).where(Analysis.photo_id == photo)):
            session.delete(analysis)
    with runtime.sessions() as session:
        with pytest.raises(NotAnalysed, match="not been analysed"):
            draw_box(
                session, photo_id=photo, class_name="tiger", xyxy=(1, 1, 90, 90), actor=APPROVER
            )
        with pytest.raises(NotFound):
            draw_box(
                session, photo_id=9999, class_name="tiger", xyxy=(1, 1, 90, 90), actor=APPROVER
            )
        with pytest.raises(NotFound):
            remove_drawn_box(session, photo_id=photo, drawn_id=12345, actor=APPROVER)


def test_a_drawn_box_of_another_photo_is_not_found(runtime: Runtime, photo: int) -> None:
    other = add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=BOXES)
    with runtime.sessions.begin() as session:
        drawn_id = draw_box(
            session, photo_id=other, class_name="tiger", xyxy=(1, 1, 90, 90), actor=APPROVER
        ).id
    with runtime.sessions() as session, pytest.raises(NotFound):
        remove_drawn_box(session, photo_id=photo, drawn_id=drawn_id, actor=APPROVER)


@pytest.mark.parametrize("fmt", list(LabelFormat))
def test_the_label_export_adds_drawn_boxes_and_leaves_removed_ones_out(
    runtime: Runtime, photo: int, tmp_path: Path, fmt: LabelFormat
) -> None:
    with runtime.sessions.begin() as session:
        draw_box(
            session,
            photo_id=photo,
            class_name="beer_crate",
            xyxy=(160, 120, 320, 240),
            actor=APPROVER,
        )
        taken_back = draw_box(
            session, photo_id=photo, class_name="tiger_can", xyxy=(0, 100, 50, 200), actor=APPROVER
        )
        remove_drawn_box(session, photo_id=photo, drawn_id=taken_back.id, actor=APPROVER)
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)

    summary = exported(runtime, tmp_path, fmt, served=("heineken_can", "tiger_can"))

    assert (summary.boxes, summary.drawn) == (4, 1)  # three detected, one drawn
    assert summary.classes == ["heineken_can", "tiger_can", "beer_crate", "price_tag"]
    if fmt is LabelFormat.coco:
        coco = json.loads((tmp_path / "annotations.json").read_text())
        drawn = [a for a in coco["annotations"] if a["drawn"]]
        assert [(a["category_id"], a["bbox"]) for a in drawn] == [(2, [160, 120, 160, 120])]
    else:
        lines = (tmp_path / "labels" / "train" / f"{photo}.txt").read_text().splitlines()
        assert lines[-1] == "2 0.750000 0.750000 0.500000 0.500000"


def test_a_drawn_box_outlives_a_new_analysis(runtime: Runtime, photo: int, tmp_path: Path) -> None:
    from tests.review.test_detections import reanalyse_with

    with runtime.sessions.begin() as session:
        draw_box(session, photo_id=photo, class_name="tiger", xyxy=(1, 1, 90, 90), actor=APPROVER)
    reanalyse_with(runtime, photo, [])
    with runtime.sessions() as session:
        assert [d.class_name for d in drawn_boxes_of(session, photo)] == ["tiger"]


def test_an_object_the_detector_boxed_is_relabelled_not_drawn_again(
    runtime: Runtime, photo: int
) -> None:
    with runtime.sessions() as session, pytest.raises(Conflict, match="already boxed"):
        # BOXES[0]: heineken_can at (10, 20)-(110, 220)
        draw_box(
            session, photo_id=photo, class_name="heineken_can", xyxy=(11, 20, 110, 219),
            actor=APPROVER,
        )  # fmt: skip
    with runtime.sessions.begin() as session:
        # Marked wrong, the detector's box is no label: drawing it right is how to fix it.
        from shelfaudit.review.detections import correct_box
        from shelfaudit.review.vocabulary import BoxAction

        correct_box(session, photo_id=photo, box_index=0, action=BoxAction.wrong, actor=APPROVER)
        draw_box(
            session, photo_id=photo, class_name="heineken_can", xyxy=(11, 20, 110, 219),
            actor=APPROVER,
        )  # fmt: skip


def test_a_box_drawn_after_the_decision_reaches_an_export_since_the_drawing(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    from datetime import date, timedelta

    from sqlalchemy import update

    from shelfaudit.store.tables import PhotoReview

    with runtime.sessions.begin() as session:
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
        session.execute(
            update(PhotoReview).values(decided_at=utcnow() - timedelta(days=30))
        )  # approved a month ago
    today = utcnow().date()
    assert exported(runtime, tmp_path / "before", since=today).images == 0
    with runtime.sessions.begin() as session:
        draw_box(
            session, photo_id=photo, class_name="tiger", xyxy=(200, 100, 300, 200), actor=APPROVER
        )
    summary = exported(runtime, tmp_path / "after", since=today)
    assert (summary.images, summary.drawn) == (1, 1)
    assert exported(runtime, tmp_path / "old", since=date(2020, 1, 1)).drawn == 1


def test_a_drawn_box_the_detector_later_found_is_exported_once(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    with runtime.sessions.begin() as session:
        draw_box(
            session, photo_id=photo, class_name="tiger", xyxy=(200, 100, 300, 200), actor=APPROVER
        )
        old = session.scalars(select(Analysis).where(Analysis.photo_id == photo)).one()
        found = [*BOXES, {"xyxy": [201, 101, 300, 199], "class_name": "tiger"}]
        session.add(
            Analysis(
                photo_id=photo,
                pipeline_version="test-2",  # a newer model now finds the tiger
                checks={**old.checks, "detections": {**old.checks["detections"], "boxes": found}},
                flags=[],
                ms=1.0,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    with runtime.sessions.begin() as session:
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    summary = exported(runtime, tmp_path)
    assert (summary.boxes, summary.drawn) == (4, 0)


def test_boxes_drawn_on_a_copy_with_the_same_bytes_go_to_the_exported_photo(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    from shelfaudit.store.tables import Photo

    with runtime.sessions() as session:
        original = session.get(Photo, photo)
        assert original is not None
        data = runtime.objects.get(original.object_key)
    copy = add_photo(runtime, verdict="fraud", fraud_score=0.9, boxes=BOXES, data=data)
    with runtime.sessions.begin() as session:
        draw_box(
            session, photo_id=copy, class_name="tiger", xyxy=(200, 100, 300, 200), actor=APPROVER
        )
        for approved in (photo, copy):
            decide(session, photo_id=approved, decision=Decision.approved, actor=APPROVER)
    summary = exported(runtime, tmp_path)
    assert (summary.images, summary.drawn) == (1, 1)
    assert summary.skipped == {"same bytes as an exported photo": 1}
    coco = json.loads((tmp_path / "annotations.json").read_text())
    assert {a["image_id"] for a in coco["annotations"]} == {photo}
