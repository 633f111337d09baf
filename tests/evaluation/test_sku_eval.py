"""SKU evaluation on a tiny GroceryStore-format set with the fake embedder, and the real
shared set's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfaudit.errors import InvalidInput
from shelfaudit.evaluation.sku import (
    GalleryKind,
    GroceryClass,
    GrocerySample,
    SkuReport,
    evaluate_split,
    photo_loader,
    read_classes,
    read_split,
    score,
)
from shelfaudit.index.gallery import Hit, Recognition, SkuInfo
from tests.evaluation.grocery_factories import embedder_models, grocery_root, load_embedder
from tests.factories import DATASETS

GROCERY = DATASETS / "grocery_store"


def evaluate(tmp_path: Path, kind: GalleryKind, split: str = "test.txt") -> SkuReport:
    root = grocery_root(tmp_path / "grocery")
    return evaluate_split(
        root / split,
        root,
        gallery_kind=kind,
        embedder=load_embedder(embedder_models(tmp_path / "models")),
        load=photo_loader(1024, 10**8),
    )


def test_iconic_gallery_is_the_packshots_only(tmp_path: Path) -> None:
    report = evaluate(tmp_path, GalleryKind.iconic)

    # Photo 2 (the green packshot, labelled blue) misses fine and coarse; photo 3 (the red
    # packshot, labelled blue) misses fine only: red and blue share a coarse class.
    assert (report.n, report.top1, report.top5, report.top1_coarse) == (4, 0.5, 1.0, 0.75)
    assert (report.gallery_skus, report.gallery_vectors) == (3, 3)
    assert report.per_class == {"Blue-Thing": 0.3333, "Red-Thing": 1.0}
    assert report.model == "sku_embedder-test"


def test_train_gallery_is_the_training_photos(tmp_path: Path) -> None:
    report = evaluate(tmp_path, GalleryKind.train)

    # The green picture is labelled blue in training too, so photo 2 now counts as a hit.
    assert (report.n, report.top1, report.top5, report.top1_coarse) == (4, 0.75, 1.0, 1.0)
    assert (report.gallery_skus, report.gallery_vectors) == (2, 3)


def test_both_galleries_together(tmp_path: Path) -> None:
    report = evaluate(tmp_path, GalleryKind.both)
    assert (report.n, report.top5, report.gallery_skus, report.gallery_vectors) == (4, 1.0, 3, 6)


def test_photos_asked_about_are_kept_out_of_the_gallery(tmp_path: Path) -> None:
    report = evaluate(tmp_path, GalleryKind.both, split="train.txt")
    # Each train photo would find itself: the gallery keeps only the packshots.
    assert report.gallery_left_out == report.n
    assert report.gallery_vectors == 3
    assert report.top1 < 1.0


def ranked(*sku_ids: str) -> Recognition:
    hits = tuple(Hit(SkuInfo(s), 1.0 - i / 10) for i, s in enumerate(sku_ids))
    return Recognition(best=hits[0], similarity=hits[0].similarity, alternatives=hits[1:])


def test_top5_counts_distinct_classes_and_coarse_follows_the_predicted_class() -> None:
    classes = [GroceryClass(i, f"c{i}", i // 3, "", Path()) for i in range(6)]
    samples = [GrocerySample(Path(f"{i}.jpg"), 5, 1) for i in range(3)]
    scores = score(
        samples,
        [ranked("5", "0"), ranked("4", "0", "1", "2", "5"), ranked("0", "1", "2", "3", "4")],
        classes,
    )
    assert (scores.n, scores.top1, scores.top5, scores.top1_coarse) == (3, 0.3333, 0.6667, 0.6667)
    assert scores.per_class == {"c5": 0.3333}


def test_an_empty_split_scores_zero() -> None:
    assert score([], [], []).top1 == 0.0


def test_a_malformed_split_line_says_where(tmp_path: Path) -> None:
    split = tmp_path / "bad.txt"
    split.write_text("a.jpg, 0, 0\n\nb.jpg 1 0\n")
    with pytest.raises(InvalidInput, match=r"bad.txt line 3"):
        read_split(split, tmp_path)


def test_a_split_line_may_say_how_the_service_embeds_the_picture(tmp_path: Path) -> None:
    from shelfaudit.domain.enums import ExampleKind

    split = tmp_path / "val.txt"
    split.write_text("a.jpg, 0, 0\nb.jpg, 1, 0, shelf_crop\nc.jpg, 1, 0, close_up\n")
    kinds = [s.kind for s in read_split(split, tmp_path)]
    assert kinds == [ExampleKind.close_up, ExampleKind.shelf_crop, ExampleKind.close_up]
    split.write_text("a.jpg, 0, 0, packshot\n")
    with pytest.raises(InvalidInput, match="close_up or shelf_crop"):
        read_split(split, tmp_path)


def test_a_shelf_crop_is_embedded_as_a_crop_not_a_close_up(tmp_path: Path) -> None:
    import numpy as np

    from shelfaudit.domain.enums import ExampleKind
    from shelfaudit.evaluation.sku import embed_files
    from tests.factories import jpeg_bytes

    embedder = load_embedder(embedder_models(tmp_path / "models"))
    path = tmp_path / "facing.jpg"
    path.write_bytes(jpeg_bytes(120, 200))
    load = photo_loader(1024, 10**8)
    crop = embed_files(embedder, [path], load, {path: ExampleKind.shelf_crop})
    whole = embed_files(embedder, [path], load)
    assert np.allclose(crop, embedder.embed_queries([load(path)]))
    assert np.allclose(whole, embedder.embed_close_ups([load(path)]))


@pytest.mark.skipif(not GROCERY.is_dir(), reason="the shared GroceryStore set is absent")
def test_the_shared_grocery_store_files_parse() -> None:
    classes = read_classes(GROCERY)
    assert [c.fine_id for c in classes] == list(range(len(classes)))
    assert all(c.packshot.is_file() for c in classes), "every class has its packshot"
    coarse = {c.fine_id: c.coarse_id for c in classes}
    for name in ("train.txt", "val.txt", "test.txt"):
        if not (GROCERY / name).is_file():
            continue
        samples = read_split(GROCERY / name, GROCERY)
        assert samples, name
        assert all(s.path.is_file() for s in samples), name
        assert all(coarse[s.fine_id] == s.coarse_id for s in samples), name
