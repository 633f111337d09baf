"""SKU recognition in the stored-photo processor, against the live packshot catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.store.tables import Analysis
from shelfaudit.upload.intake import accept_photo
from shelfaudit.upload.metadata import VisitMetadata
from tests.catalogue_factories import Catalogue, close_up, close_up_packshot, embedder_models
from tests.conftest import embedded_settings


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    settings = embedded_settings(
        tmp_path / "data",
        models_dir=embedder_models(tmp_path / "models"),
        sku_min_similarity=0.8,
    )
    rt = build_runtime(settings, upgrade_db=True)
    yield rt
    rt.close()


def audit(runtime: Runtime, data: bytes) -> dict[str, Any]:
    photo = accept_photo(
        sessions=runtime.sessions,
        objects=runtime.objects,
        settings=runtime.settings,
        data=data,
        meta=VisitMetadata(),
    ).photo
    runtime.processor.process(photo.id)
    with runtime.sessions() as session:
        analysis = session.scalar(select(Analysis).where(Analysis.photo_id == photo.id))
    assert analysis is not None
    assert analysis.pipeline_version.endswith("+sku-4+sku_embedder-test")
    skus: dict[str, Any] = analysis.checks["skus"]
    return skus


def test_a_sku_added_by_packshot_is_recognised_in_the_next_audit(runtime: Runtime) -> None:
    catalogue = Catalogue(runtime.engine, runtime.sessions, runtime.objects)  # type: ignore[arg-type]
    catalogue.add_sku("sku-a")
    catalogue.add_packshots("sku-a", [close_up_packshot(1)], None)

    before = audit(runtime, close_up(seed=2))

    assert before["source"] == "whole_photo"
    assert (before["gallery_skus"], before["counts"], before["unknown"]) == (1, {}, 1)
    assert before["min_similarity"] == 0.8  # the setting overrides the model's 0.5

    catalogue.add_sku("sku-b", brand="heineken")
    catalogue.add_packshots("sku-b", [close_up_packshot(2)], None)

    after = audit(runtime, close_up(seed=2, quality=85))

    assert (after["gallery_skus"], after["counts"], after["unknown"]) == (2, {"sku-b": 1}, 0)
    (item,) = after["items"]
    assert (item["sku_id"], item["name"], item["brand"]) == ("sku-b", "sku b", "heineken")
    assert item["similarity"] >= 0.8
    assert after["gallery_revision"] != before["gallery_revision"]
