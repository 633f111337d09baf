"""Boxes as the review sees them, corrections, and the label export."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.commission import Decision
from shelfaudit.errors import InvalidInput, NotFound
from shelfaudit.review.decisions import decide
from shelfaudit.review.detections import correct_box, current_boxes
from shelfaudit.review.label_export import ExportSummary, FolderSink, LabelFormat, export_labels
from shelfaudit.review.vocabulary import BoxAction
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import utcnow
from tests.seeds import APPROVER, add_photo, seed_master_data

BOXES = [
    {"xyxy": [10, 20, 110, 220], "class_name": "heineken_can", "confidence": 0.91},
    {"xyxy": [150, 20, 250, 120], "class_name": "tiger_can", "confidence": 0.44},
    {"xyxy": [0, 0, 5, 5], "class_name": "price_tag", "confidence": 0.3},
]


def exported(
    runtime: Runtime,
    out: Path,
    fmt: LabelFormat = LabelFormat.coco,
    *,
    since: date = date(2020, 1, 1),
    served: Sequence[str] = (),
    val_share: float = 0.2,
) -> ExportSummary:
    with runtime.sessions() as session:
        return export_labels(
            session,
            runtime.objects,
            fmt=fmt,
            since=since,
            sink=FolderSink(out),
            served_classes=served,
            val_share=val_share,
        )


def approved_in_two_stores(runtime: Runtime, photo: int) -> int:
    """Approve ``photo`` (store S1) and a second photo of store S2; the second's id."""
    other_store = add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=BOXES, store_id="S2")
    with runtime.sessions.begin() as session:
        for approved in (photo, other_store):
            decide(session, photo_id=approved, decision=Decision.approved, actor=APPROVER)
    return other_store


def relabel(
    session: Session, photo: int, index: int, class_name: str, known: tuple[str, ...] = ()
) -> None:
    correct_box(
        session,
        photo_id=photo,
        box_index=index,
        action=BoxAction.relabel,
        class_name=class_name,
        actor=APPROVER,
        known_classes=known,
    )


@pytest.fixture
def photo(runtime: Runtime) -> int:
    seed_master_data(runtime)
    return add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=BOXES)


def test_corrections_relabel_mark_wrong_and_undo(runtime: Runtime, photo: int) -> None:
    with runtime.sessions.begin() as session:
        relabel(session, photo, 1, "heineken_can")
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
        relabel(session, photo, 0, class_name)


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
                relabel(session, photo, 1, class_name, known)
        else:
            relabel(session, photo, 1, class_name, known)
            assert current_boxes(session, photo)[1].class_name == class_name


def reanalyse_with(
    runtime: Runtime, photo: int, boxes: list[dict[str, object]], version: str = "test-2"
) -> None:
    """A newer pipeline version found ``boxes`` (in its own order)."""
    from shelfaudit.store.tables import Analysis

    with runtime.sessions.begin() as session:
        old = session.scalars(
            select(Analysis).where(Analysis.photo_id == photo).order_by(Analysis.id.desc())
        ).first()
        assert old is not None
        session.add(
            Analysis(
                photo_id=photo,
                pipeline_version=version,
                checks={**old.checks, "detections": {"boxes": boxes}},
                flags=[],
                ms=1.0,
                created_at=utcnow(),  # saved after every earlier correction
                updated_at=utcnow(),
            )
        )


def test_corrections_follow_their_box_through_a_new_analysis(runtime: Runtime, photo: int) -> None:
    with runtime.sessions.begin() as session:
        correct_box(session, photo_id=photo, box_index=1, action=BoxAction.wrong, actor=APPROVER)
        relabel(session, photo, 0, "tiger_can")
    # The new analysis lists the boxes the other way round, shifted by a pixel, and no
    # longer finds the price tag; box 0 is now the one the reviewer marked wrong.
    reanalyse_with(
        runtime,
        photo,
        [
            {"xyxy": [151, 21, 250, 120], "class_name": "tiger_can", "confidence": 0.5},
            {"xyxy": [10, 20, 111, 221], "class_name": "heineken_can", "confidence": 0.9},
            {"xyxy": [300, 0, 320, 40], "class_name": "coke_can", "confidence": 0.6},
        ],
    )
    with runtime.sessions() as session:
        boxes = current_boxes(session, photo)
    assert [(b.model_class, b.class_name, b.wrong) for b in boxes] == [
        ("tiger_can", "tiger_can", True),
        ("heineken_can", "tiger_can", False),
        ("coke_can", "coke_can", False),  # no correction was made on it
    ]


def test_a_correction_from_a_page_older_than_the_analysis_is_409(
    runtime: Runtime, photo: int
) -> None:
    from shelfaudit.errors import Conflict

    with runtime.sessions() as session:
        shown = current_boxes(session, photo)[0].key
    reanalyse_with(runtime, photo, list(reversed(BOXES)))
    with runtime.sessions() as session, pytest.raises(Conflict, match="analysed again"):
        correct_box(
            session,
            photo_id=photo,
            box_index=0,
            action=BoxAction.wrong,
            actor=APPROVER,
            seen=shown,
        )


@pytest.mark.parametrize("fmt", list(LabelFormat))
def test_export_writes_reviewed_photos_with_corrected_boxes(
    runtime: Runtime, photo: int, tmp_path: Path, fmt: LabelFormat
) -> None:
    unreviewed = add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=BOXES)
    with runtime.sessions.begin() as session:
        correct_box(session, photo_id=photo, box_index=2, action=BoxAction.wrong, actor=APPROVER)
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    summary = exported(runtime, tmp_path, fmt)
    assert (summary.images, summary.boxes, summary.classes) == (
        1,
        2,
        ["heineken_can", "tiger_can"],
    )
    assert (tmp_path / "images" / "train" / f"{photo}.jpeg").exists()
    assert not (tmp_path / "images" / "train" / f"{unreviewed}.jpeg").exists()
    if fmt is LabelFormat.coco:
        coco = json.loads((tmp_path / "annotations.json").read_text())
        assert coco["annotations"][0]["bbox"] == [10, 20, 100, 200]
        assert coco["images"][0]["decision"] == "approved"
    else:
        lines = (tmp_path / "labels" / "train" / f"{photo}.txt").read_text().splitlines()
        # heineken_can at (10, 20)-(110, 220) in a 320 x 240 photo
        assert lines[0] == "0 0.187500 0.500000 0.312500 0.833333"
        assert (tmp_path / "classes.txt").read_text() == "heineken_can\ntiger_can\n"


def test_an_approved_photo_keeps_its_labels_when_another_model_analyses_it_again(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    with runtime.sessions.begin() as session:
        relabel(session, photo, 1, "heineken_can")
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    # A new model finds something else altogether (or nothing) on it.
    reanalyse_with(runtime, photo, [{"xyxy": [0, 0, 30, 30], "class_name": "coke_can"}])

    summary = exported(runtime, tmp_path)

    coco = json.loads((tmp_path / "annotations.json").read_text())
    names = {c["id"]: c["name"] for c in coco["categories"]}
    assert summary.boxes == 3  # the boxes the reviewer saw, as corrected
    assert [names[a["category_id"]] for a in coco["annotations"]] == [
        "heineken_can",
        "heineken_can",  # the reviewer's relabel still stands
        "price_tag",
    ]


@pytest.mark.parametrize("fmt", list(LabelFormat))
def test_export_splits_train_and_val_by_store(
    runtime: Runtime, photo: int, tmp_path: Path, fmt: LabelFormat
) -> None:
    same_store = add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=BOXES)
    other_store = approved_in_two_stores(runtime, photo)
    with runtime.sessions.begin() as session:
        decide(session, photo_id=same_store, decision=Decision.approved, actor=APPROVER)
    summary = exported(runtime, tmp_path, fmt)
    # S2's hash puts it in val at 0.2, S1's in train: both photos of S1 together
    assert sorted(summary.splits.values()) == [1, 2]
    found = {p.stem: p.parent.name for p in (tmp_path / "images").glob("*/*")}
    assert found[str(photo)] == found[str(same_store)] != found[str(other_store)]
    if fmt is LabelFormat.coco:
        coco = json.loads((tmp_path / "annotations.json").read_text())
        assert {i["id"]: i["split"] for i in coco["images"]} == {
            int(k): v for k, v in found.items()
        }
        assert {i["store_id"] for i in coco["images"]} == {"S1", "S2"}
    else:
        assert {p.stem: p.parent.name for p in (tmp_path / "labels").glob("*/*")} == found
        data = (tmp_path / "data.yaml").read_text()
        assert "train: images/train\nval: images/val\n" in data


def test_a_coco_export_converts_for_training_as_the_shared_set_does(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    from training.detect.coco_to_yolo import build_dataset

    approved_in_two_stores(runtime, photo)
    export = tmp_path / "export"
    exported(runtime, export, served=["heineken_can", "tiger_can", "price_tag"])

    data = build_dataset(export / "annotations.json", export, tmp_path / "yolo")

    labels = sorted((tmp_path / "yolo" / "labels").glob("*/*.txt"))
    assert sorted(p.parent.name for p in labels) == ["train", "val"]
    assert labels[0].read_text().splitlines()[0] == "0 0.187500 0.500000 0.312500 0.833333"
    assert "price_tag" in data.read_text()


def test_a_coco_export_with_no_val_converts_to_a_dataset_that_trains(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    import yaml

    from training.detect.coco_to_yolo import build_dataset

    approved_in_two_stores(runtime, photo)
    export = tmp_path / "export"
    exported(runtime, export, val_share=0.0)

    data = yaml.safe_load(
        build_dataset(export / "annotations.json", export, tmp_path / "y").read_text()
    )

    assert (data["train"], data["val"]) == ("images/train", "images/train")


def test_export_with_no_val_share_puts_every_store_in_train(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    approved_in_two_stores(runtime, photo)
    summary = exported(runtime, tmp_path, LabelFormat.yolo, val_share=0.0)
    assert summary.splits == {"train": 2, "val": 0}
    assert "val: images/train\n" in (tmp_path / "data.yaml").read_text()


def test_a_yolo_export_with_every_store_in_val_still_trains(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    only = add_photo(runtime, verdict="clean", fraud_score=0.0, boxes=BOXES, store_id="S2")
    with runtime.sessions.begin() as session:
        decide(session, photo_id=only, decision=Decision.approved, actor=APPROVER)
    summary = exported(runtime, tmp_path, LabelFormat.yolo)  # S2 hashes into val at 0.2
    assert summary.splits == {"train": 0, "val": 1}
    data = (tmp_path / "data.yaml").read_text()
    assert "train: images/val\nval: images/val\n" in data


def test_export_since_leaves_out_older_decisions(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    with runtime.sessions.begin() as session:
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    summary = exported(runtime, tmp_path, since=date(2999, 1, 1))
    assert summary.images == 0


def test_export_numbers_classes_as_the_served_detector_does(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    with runtime.sessions.begin() as session:
        decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
    served = ["beer_can", "tiger_can", "heineken_can"]
    summary = exported(runtime, tmp_path, LabelFormat.yolo, served=served)
    # price_tag is not the detector's: it comes after the detector's own ids
    assert summary.classes == [*served, "price_tag"]
    lines = (tmp_path / "labels" / "train" / f"{photo}.txt").read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["2", "1", "3"]
    assert "path:" not in (tmp_path / "data.yaml").read_text()


def test_export_leaves_out_rejected_repeated_and_undetected_photos(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    from shelfaudit.review.vocabulary import ReasonCode
    from shelfaudit.store.tables import Analysis, Photo

    rejected = add_photo(runtime, verdict="review", boxes=BOXES)
    undetected = add_photo(runtime, verdict="review", boxes=None)
    repeated = add_photo(runtime, verdict="review", boxes=BOXES)
    with runtime.sessions.begin() as session:
        first, again = session.get(Photo, photo), session.get(Photo, repeated)
        assert first is not None
        assert again is not None
        again.sha256 = first.sha256  # the same bytes sent twice (another visit)
        analysis = session.scalars(select(Analysis).where(Analysis.photo_id == undetected)).one()
        assert "detections" not in analysis.checks or not analysis.checks["detections"]
    with runtime.sessions.begin() as session:
        for approved in (photo, undetected, repeated):
            decide(session, photo_id=approved, decision=Decision.approved, actor=APPROVER)
        decide(
            session,
            photo_id=rejected,
            decision=Decision.rejected,
            reason_code=ReasonCode.recapture,
            actor=APPROVER,
        )
    summary = exported(runtime, tmp_path)
    assert summary.images == 1
    assert summary.skipped == {
        "rejected": 1,
        "not seen by the outlet detector": 1,
        "same bytes as an exported photo": 1,
    }
    coco = json.loads((tmp_path / "annotations.json").read_text())
    assert [(image["id"], image["model"]) for image in coco["images"]] == [(photo, "outlet-test")]


def test_a_correction_follows_a_box_the_detector_moved_a_little(
    runtime: Runtime, photo: int
) -> None:
    with runtime.sessions.begin() as session:
        relabel(session, photo, 0, "tiger_can")
    moved = {**BOXES[0], "xyxy": [4, 12, 113, 226]}  # IoU 0.88 with the box corrected
    reanalyse_with(runtime, photo, [BOXES[1], moved])
    with runtime.sessions() as session:
        boxes = current_boxes(session, photo)
    assert [(b.model_class, b.class_name) for b in boxes] == [
        ("tiger_can", "tiger_can"),
        ("heineken_can", "tiger_can"),
    ]


def test_one_corrected_box_marks_one_box_however_many_overlap_it(
    runtime: Runtime, photo: int
) -> None:
    with runtime.sessions.begin() as session:
        correct_box(session, photo_id=photo, box_index=0, action=BoxAction.wrong, actor=APPROVER)
    twin = {**BOXES[0], "xyxy": [12, 22, 110, 220]}  # the new analysis finds the can twice
    reanalyse_with(runtime, photo, [twin, BOXES[0]])
    with runtime.sessions() as session:
        boxes = current_boxes(session, photo)
    assert [(b.index, b.wrong) for b in boxes] == [(0, False), (1, True)]  # the closer one


def test_a_correction_saved_before_boxes_were_remembered_lapses_on_a_newer_analysis(
    runtime: Runtime, photo: int
) -> None:
    from shelfaudit.store.tables import LabelCorrection

    with runtime.sessions.begin() as session:
        correct_box(session, photo_id=photo, box_index=0, action=BoxAction.wrong, actor=APPROVER)
        legacy = session.scalars(select(LabelCorrection)).one()
        legacy.model_class, legacy.xyxy = None, None  # as stored before migration 0109
    with runtime.sessions() as session:
        assert current_boxes(session, photo)[0].wrong  # the analysis it was made on
    reanalyse_with(runtime, photo, list(reversed(BOXES)))
    with runtime.sessions() as session:
        assert not any(box.wrong for box in current_boxes(session, photo))


def test_a_box_form_from_before_another_reviewers_correction_is_409(
    runtime: Runtime, photo: int
) -> None:
    from shelfaudit.errors import Conflict

    with runtime.sessions() as session:
        shown = current_boxes(session, photo)[1].key
    with runtime.sessions.begin() as session:
        correct_box(session, photo_id=photo, box_index=1, action=BoxAction.wrong, actor=APPROVER)
    with runtime.sessions() as session:
        assert current_boxes(session, photo)[1].key == "tiger_can@150,20,250,120>wrong"
        with pytest.raises(Conflict):
            correct_box(
                session,
                photo_id=photo,
                box_index=1,
                action=BoxAction.restore,
                actor=APPROVER,
                seen=shown,
            )


def test_box_keys_round_half_up() -> None:
    from shelfaudit.review.detections import box_key

    assert box_key("can", [10.5, 20.5, 100.5, 200.49]) == "can@11,21,101,200"


def test_the_newest_correction_of_an_object_wins_wherever_its_box_went(
    runtime: Runtime, photo: int
) -> None:
    with runtime.sessions.begin() as session:
        relabel(session, photo, 0, "tiger_can")  # on the first analysis
    moved = {**BOXES[0], "xyxy": [4, 12, 113, 226]}
    reanalyse_with(runtime, photo, [moved, BOXES[1]])
    with runtime.sessions.begin() as session:
        relabel(session, photo, 0, "beer_can")  # the same can, on the second analysis
    reanalyse_with(runtime, photo, [BOXES[0], BOXES[1]], version="test-3")  # back where it was
    with runtime.sessions() as session:
        assert current_boxes(session, photo)[0].class_name == "beer_can"


def test_two_overlapping_boxes_of_one_analysis_stay_two_objects(
    runtime: Runtime, photo: int
) -> None:
    pair = [
        {"xyxy": [0, 0, 100, 100], "class_name": "can", "confidence": 0.9},
        {"xyxy": [10, 0, 110, 100], "class_name": "can", "confidence": 0.8},  # IoU 0.82
    ]
    reanalyse_with(runtime, photo, pair)
    with runtime.sessions.begin() as session:
        relabel(session, photo, 0, "tiger_can")
        correct_box(session, photo_id=photo, box_index=1, action=BoxAction.wrong, actor=APPROVER)
    with runtime.sessions() as session:
        boxes = current_boxes(session, photo)
    assert [(b.class_name, b.wrong) for b in boxes] == [("tiger_can", False), ("can", True)]


def test_the_same_picture_from_another_store_is_exported_once(
    runtime: Runtime, photo: int, tmp_path: Path
) -> None:
    copy = add_photo(
        runtime,
        verdict="clean",
        fraud_score=0.0,
        boxes=BOXES,
        store_id="S2",  # resized and sent for another store: another side of the split
        matches=[{"photo_id": photo, "kind": "near", "pdq_distance": 6}],
    )
    with runtime.sessions.begin() as session:
        for approved in (photo, copy):
            decide(session, photo_id=approved, decision=Decision.approved, actor=APPROVER)

    summary = exported(runtime, tmp_path)

    assert summary.images == 1
    assert summary.skipped == {"the same picture as an exported photo": 1}
