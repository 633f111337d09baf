"""Boxes as the review sees them, corrections, and the label export."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from shelfaudit.commission import Decision
from shelfaudit.errors import InvalidInput, NotFound
from shelfaudit.review.decisions import decide
from shelfaudit.review.detections import correct_box, current_boxes
from shelfaudit.review.label_export import FolderSink, LabelFormat, export_labels
from shelfaudit.review.vocabulary import BoxAction
from shelfaudit.runtime import Runtime
from tests.seeds import APPROVER, add_photo, seed_master_data

BOXES = [
    {"xyxy": [10, 20, 110, 220], "class_name": "heineken_can", "confidence": 0.91},
    {"xyxy": [150, 20, 250, 120], "class_name": "tiger_can", "confidence": 0.44},
    {"xyxy": [0, 0, 5, 5], "class_name": "price_tag", "confidence": 0.3},
]


@pytest.fixture
def photo(runtime: Runtime) -> int:
    seed_master_data(runtime)
    return add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=BOXES)


def test_corrections_relabel_mark_wrong_and_undo(runtime: Runtime, photo: int) -> None:
    with runtime.sessions.begin() as session:
        correct_box(
            session,
            photo_id=photo,
            box_index=1,
            action=BoxAction.relabel,
            class_name="heineken_can",
            actor=APPROVER,
        )
        correct_box(session, photo_id=photo, box_index=2, action=BoxAction.wrong, actor=APPROVER)
        correct_box(session, photo_id=photo, box_index=0, action=BoxAction.wrong, actor=APPROVER)
        correct_box(session, photo_id=photo, box_index=0, action=BoxAction.restore, actor=APPROVER)
    with runtime.sessions() as session:
        boxes = current_boxes(session, photo)
    assert [(b.class_name, b.wrong, b.model_class) for b in boxes] == [
        ("heineken_can", False, "heineken_can"),
        ("heineken_can", False, "tiger_can"),
        ("price_tag", True, "price_tag"),
    ]


def test_bad_corrections_are_refused(runtime: Runtime, photo: int) -> None:
    with runtime.sessions() as session:
        with pytest.raises(NotFound):
            correct_box(
                session, photo_id=photo, box_index=9, action=BoxAction.wrong, actor=APPROVER
            )
        with pytest.raises(InvalidInput):
            correct_box(
                session, photo_id=photo, box_index=0, action=BoxAction.relabel, actor=APPROVER
            )


@pytest.mark.parametrize(
    "class_name", ["aaa\nzzz", "no such class ✓", "Beer Carton", "-x", "a" * 65, "ｂeer"]
)
def test_a_class_name_that_would_break_the_export_is_refused(
    runtime: Runtime, photo: int, class_name: str
) -> None:
    # YOLO's classes.txt has one name per line; a newline would shift every later class id.
    with runtime.sessions() as session, pytest.raises(InvalidInput, match="lower-case"):
        correct_box(
            session,
            photo_id=photo,
            box_index=0,
            action=BoxAction.relabel,
            class_name=class_name,
            actor=APPROVER,
        )


@pytest.mark.parametrize(
    ("class_name", "refused"),
    [
        ("beer_carton", False),  # the detector knows it
        ("price_tag", False),  # already on one of the photo's boxes
        ("beer_cartn", True),  # a typo would start a new class in the exported labels
    ],
)
def test_a_relabel_names_a_class_the_detector_knows(
    runtime: Runtime, photo: int, class_name: str, refused: bool
) -> None:
    known = ("beer_carton", "heineken_can")
    with runtime.sessions() as session:
        if refused:
            with pytest.raises(InvalidInput, match="not one the detector knows"):
                correct_box(
                    session,
                    photo_id=photo,
                    box_index=1,
                    action=BoxAction.relabel,
                    class_name=class_name,
                    actor=APPROVER,
                    known_classes=known,
                )
        else:
            correct_box(
                session,
                photo_id=photo,
                box_index=1,
                action=BoxAction.relabel,
                class_name=class_name,
                actor=APPROVER,
                known_classes=known,
            )
            assert current_boxes(session, photo)[1].class_name == class_name


@pytest.mark.parametrize("fmt", list(LabelFormat))
def test_export_writes_reviewed_photos_with_corrected_boxes(
    runtime: Runtime, photo: int, tmp_path: Path, fmt: LabelFormat
) -> None:
    unreviewed = add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=BOXES)
    with runtime.sessions.begin() as session:
        correct_box(session, photo_id=photo, box_index=2, action=BoxAction.wrong, actor=APPROVER)
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    with runtime.sessions() as session:
        summary = export_labels(
            session, runtime.objects, fmt=fmt, since=date(2020, 1, 1), sink=FolderSink(tmp_path)
        )
    assert (summary.images, summary.boxes, summary.classes) == (
        1,
        2,
        ["heineken_can", "tiger_can"],
    )
    assert (tmp_path / "images" / f"{photo}.jpeg").exists()
    assert not (tmp_path / "images" / f"{unreviewed}.jpeg").exists()
    if fmt is LabelFormat.coco:
        coco = json.loads((tmp_path / "annotations.json").read_text())
        assert coco["annotations"][0]["bbox"] == [10, 20, 100, 200]
        assert coco["images"][0]["decision"] == "approved"
    else:
        lines = (tmp_path / "labels" / f"{photo}.txt").read_text().splitlines()
        # heineken_can at (10, 20)-(110, 220) in a 320 x 240 photo
        assert lines[0] == "0 0.187500 0.500000 0.312500 0.833333"
        assert (tmp_path / "classes.txt").read_text() == "heineken_can\ntiger_can\n"


def test_export_since_leaves_out_older_decisions(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    with runtime.sessions.begin() as session:
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    with runtime.sessions() as session:
        summary = export_labels(
            session,
            runtime.objects,
            fmt=LabelFormat.coco,
            since=date(2999, 1, 1),
            sink=FolderSink(tmp_path),
        )
    assert summary.images == 0
