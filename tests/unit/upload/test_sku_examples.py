"""Field examples: a confirmed facing is cut from the original as the pipeline cuts it, kept,
embedded, and compared with in the next audit."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from shelfaudit.domain.enums import ExampleKind
from shelfaudit.errors import Conflict, InvalidInput, NotFound
from shelfaudit.ml.sku_examples import embed_examples
from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.store.catalogue import decode_vector
from shelfaudit.store.tables import Analysis, SkuPackshot
from shelfaudit.upload import sku_examples
from shelfaudit.upload.intake import accept_photo
from shelfaudit.upload.metadata import VisitMetadata
from shelfaudit.upload.packshots import decode_packshot
from tests.catalogue_factories import (
    DIM,
    Catalogue,
    close_up,
    close_up_packshot,
    embedder_models,
    load_embedder,
)

LONG_SIDE, MAX_PIXELS = 1024, 100_000_000


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    from tests.conftest import embedded_settings

    settings = embedded_settings(
        tmp_path / "data", models_dir=embedder_models(tmp_path / "models"), sku_min_similarity=0.8
    )
    rt = build_runtime(settings, upgrade_db=True)
    yield rt
    rt.close()


def submit(runtime: Runtime, data: bytes) -> int:
    photo = accept_photo(
        sessions=runtime.sessions,
        objects=runtime.objects,
        settings=runtime.settings,
        data=data,
        meta=VisitMetadata(),
    ).photo
    runtime.processor.process(photo.id)
    return photo.id


def skus_of(runtime: Runtime, photo_id: int) -> dict[str, Any]:
    with runtime.sessions() as session:
        analysis = session.scalar(select(Analysis).where(Analysis.photo_id == photo_id))
    assert analysis is not None
    found: dict[str, Any] = analysis.checks["skus"]
    return found


def confirm(runtime: Runtime, sku_id: str, photo_id: int, xyxy: list[float] | None = None) -> Any:
    from shelfaudit.analyse.sku import load_embedder as catalogue_embedder

    return sku_examples.accept_field_example(
        sessions=runtime.sessions,
        objects=runtime.objects,
        sku_id=sku_id,
        photo_id=photo_id,
        xyxy=xyxy,
        embedder=catalogue_embedder(runtime.models),
        long_side=LONG_SIDE,
        max_pixels=MAX_PIXELS,
    )


def turned_portrait() -> tuple[bytes, np.ndarray]:
    """A 600 x 900 upright picture stored as a 900 x 600 JPEG with EXIF orientation 6."""
    rng = np.random.default_rng(5)
    upright = np.kron(rng.integers(0, 256, (30, 20, 3), dtype=np.uint8), np.ones((30, 30, 1)))
    upright = upright.astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90).save(
        out, "JPEG", quality=95, exif=exif.tobytes()
    )
    return out.getvalue(), upright


def wide_landscape() -> tuple[bytes, np.ndarray]:
    """A 2048 x 1024 PNG: analysed at 1024 x 512."""
    upright = np.random.default_rng(3).integers(0, 256, (1024, 2048, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(upright).save(buffer, "PNG")
    return buffer.getvalue(), upright


@pytest.mark.parametrize(
    ("orientation", "shape"),
    [("landscape", (512, 1024)), ("portrait", (900, 600))],
    ids=["landscape halved", "portrait turned by EXIF"],
)
def test_a_box_is_cut_upright_at_analysis_size_with_the_pipelines_padding(
    orientation: str, shape: tuple[int, int]
) -> None:
    original, upright = turned_portrait() if orientation == "portrait" else wide_landscape()
    height, width = upright.shape[:2]
    box = [width * 0.25, height * 0.5, width * 0.5, height * 0.75]

    region, kind = sku_examples.cut_example(
        original, box, long_side=LONG_SIDE, max_pixels=MAX_PIXELS
    )

    assert kind is ExampleKind.shelf_crop
    scale = shape[1] / width
    pad_x, pad_y = (box[2] - box[0]) * 0.05 * scale, (box[3] - box[1]) * 0.05 * scale
    expected_w = round(box[2] * scale + pad_x) - round(box[0] * scale - pad_x)
    expected_h = round(box[3] * scale + pad_y) - round(box[1] * scale - pad_y)
    assert region.shape == (expected_h, expected_w, 3)
    whole, whole_kind = sku_examples.cut_example(
        original, None, long_side=LONG_SIDE, max_pixels=MAX_PIXELS
    )
    assert (whole.shape[:2], whole_kind) == (shape, ExampleKind.close_up)
    if orientation == "portrait":  # the cut shows the upright picture's region, not the stored one
        top, left = round(box[1] * scale - pad_y), round(box[0] * scale - pad_x)
        np.testing.assert_allclose(
            region.mean(axis=(0, 1)),
            upright[top : top + expected_h, left : left + expected_w].mean(axis=(0, 1)),
            atol=6,
        )


@pytest.mark.parametrize(
    ("xyxy", "message"),
    [
        ([0, 0, 2000, 100], "not a box inside the 1600 x 1200 photo"),
        ([100, 100, 50, 200], "not a box inside"),
        ([100, 100, 100, 200], "not a box inside"),
        ([-1, 0, 10, 10], "not a box inside"),
        ([0, 0, float("nan"), 10], "four numbers"),
        ([0, 0, 10], "four numbers"),
        ([10, 10, 11, 11], "too small"),
    ],
    ids=["outside", "inverted", "no width", "negative", "nan", "three numbers", "too small"],
)
def test_a_bad_box_is_refused(xyxy: list[float], message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        sku_examples.cut_example(close_up(1), xyxy, long_side=LONG_SIDE, max_pixels=MAX_PIXELS)
    assert caught.value.field == "xyxy"


def test_a_confirmed_close_up_is_recognised_in_the_next_audit(runtime: Runtime) -> None:
    catalogue = Catalogue(runtime.engine, runtime.sessions, runtime.objects)  # type: ignore[arg-type]
    catalogue.add_sku("sku-a")
    catalogue.add_packshots("sku-a", [close_up_packshot(1)], None)
    catalogue.add_sku("sku-b")
    first = submit(runtime, close_up(seed=2))
    assert skus_of(runtime, first)["counts"] == {}  # sku-b has no picture yet

    accepted = confirm(runtime, "sku-b", first)

    assert accepted.created
    row = accepted.packshot
    assert (row.kind, row.source_photo_id, row.format) == ("close_up", first, "JPEG")
    assert row.model_version == "test+close-up-plain"
    stored = runtime.objects.get(row.object_key)
    rgb = decode_packshot(stored, max_bytes=len(stored), max_pixels=MAX_PIXELS).rgb
    embedder = load_embedder(runtime.settings.models_dir)
    vector = decode_vector(row.embedding, DIM)
    assert vector is not None
    np.testing.assert_allclose(
        vector, embed_examples(embedder, ExampleKind.close_up, [rgb])[0], atol=1e-6
    )
    later = skus_of(runtime, submit(runtime, close_up(seed=2, quality=80)))
    assert (later["counts"], later["unknown"]) == ({"sku-b": 1}, 0)
    assert later["items"][0]["similarity"] >= 0.8


def test_the_same_example_again_changes_nothing(runtime: Runtime) -> None:
    Catalogue(runtime.engine, runtime.sessions, runtime.objects).add_sku("sku-b")  # type: ignore[arg-type]
    photo = submit(runtime, close_up(seed=2))
    first = confirm(runtime, "sku-b", photo, [100, 100, 900, 700])
    again = confirm(runtime, "sku-b", photo, [100, 100, 900, 700])
    assert (first.created, again.created) == (True, False)
    assert again.packshot.id == first.packshot.id
    assert first.packshot.kind == "shelf_crop"
    with runtime.sessions() as session:
        assert len(list(session.scalars(select(SkuPackshot)))) == 1


def test_unknown_skus_and_photos_are_not_found(runtime: Runtime) -> None:
    Catalogue(runtime.engine, runtime.sessions, runtime.objects).add_sku("sku-b")  # type: ignore[arg-type]
    photo = submit(runtime, close_up(seed=2))
    with pytest.raises(NotFound, match="SKU 'nope'"):
        confirm(runtime, "nope", photo)
    with pytest.raises(NotFound, match="photo 999"):
        confirm(runtime, "sku-b", 999)


def test_a_deactivated_sku_takes_no_field_examples(runtime: Runtime) -> None:
    from shelfaudit.store.catalogue import deactivate_sku

    Catalogue(runtime.engine, runtime.sessions, runtime.objects).add_sku("sku-b")  # type: ignore[arg-type]
    with runtime.sessions.begin() as session:
        deactivate_sku(session, sku_id="sku-b")
    photo = submit(runtime, close_up(seed=2))
    with pytest.raises(Conflict, match="deactivated"):
        confirm(runtime, "sku-b", photo)
    with runtime.sessions() as session:
        assert list(session.scalars(select(SkuPackshot))) == []


def test_field_examples_have_their_own_limit(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sku_examples, "MAX_FIELD_EXAMPLES_PER_SKU", 1)
    catalogue = Catalogue(runtime.engine, runtime.sessions, runtime.objects)  # type: ignore[arg-type]
    catalogue.add_sku("sku-b")
    catalogue.add_packshots("sku-b", [close_up_packshot(1)], None)  # packshots do not count
    photo = submit(runtime, close_up(seed=2))
    confirm(runtime, "sku-b", photo)
    with pytest.raises(InvalidInput, match="has 1 field examples"):
        confirm(runtime, "sku-b", photo, [0, 0, 800, 600])
