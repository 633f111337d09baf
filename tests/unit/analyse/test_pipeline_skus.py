"""SKU recognition inside the analysis pipeline: a standard's ``skus:`` criteria get scored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from shelfaudit.analyse import sku, verdict, visit_facts
from shelfaudit.analyse.pipeline import (
    Models,
    PipelineConfig,
    Visit,
    analyse,
    pipeline_version,
    sha256_hex,
)
from shelfaudit.domain.checks import AnalysisResult, DuplicateMatch, HashResult
from shelfaudit.index.gallery import Gallery, SkuInfo
from shelfaudit.scoring.loader import load_standard
from tests.conftest import embedded_settings
from tests.factories import encode
from tests.unit.analyse.factories import embedder_cache, packshot

STANDARD = """
id: hero-skus
version: 1
name: Hero SKUs on show
activity_brand: heineken
criteria:
  - {id: hero, kind: min_facings, label: Heineken Silver, skus: [sku-5], min: 1, weight: 60}
  - {id: seasonal, kind: min_facings, label: Tet cans, skus: [sku-6], min: 1, weight: 40}
"""


class NoHistory:
    def duplicates(
        self, hashes: HashResult, sha256: str, rgb: NDArray[np.uint8]
    ) -> tuple[list[DuplicateMatch], int]:
        return [], 0

    def camera_tables(self, camera: str) -> dict[str, int]:
        return {}


def visit() -> Visit:
    now = datetime(2025, 6, 1, 9, tzinfo=UTC)
    return Visit(
        identity=verdict.PhotoIdentity(store_id=None, rep_id=None, received_at=now),
        facts=visit_facts.VisitFacts(
            captured_at=None, received_at=now, place=None, accuracy_m=None, device_model=None
        ),
        standard=load_standard(STANDARD),
    )


def run(tmp_path: Path, models: Models) -> AnalysisResult:
    # A 1200 px close-up of product 5, lossless: no detector, so the whole photo is one item.
    data = encode(packshot(5, side=1200), "PNG")
    config = PipelineConfig.from_settings(embedded_settings(tmp_path / "data"))
    return analyse(
        data,
        sha256=sha256_hex(data),
        config=config,
        history=NoHistory(),
        visit=visit(),
        models=models,
    )


def test_recognised_skus_are_scored_against_the_standard(tmp_path: Path) -> None:
    cache = embedder_cache(tmp_path, {"input_size": 32, "dim": 16, "min_similarity": 0.9})
    embedder = sku.load_embedder(cache)
    assert embedder is not None
    gallery = Gallery.build(
        embedder.dim,
        [
            (SkuInfo(f"sku-{s}", f"Product {s}"), v)
            for s, v in zip([5, 6], embedder.embed([packshot(5), packshot(6)]), strict=True)
        ],
        revision="catalogue-7",
    )
    models = Models(skus=sku.load_models(cache, lambda: gallery))

    result = run(tmp_path, models)

    skus = result.checks.skus
    assert skus is not None
    assert (skus.source, skus.counts, skus.unknown) == ("whole_photo", {"sku-5": 1}, 0)
    assert skus.min_similarity == 0.9  # the model's calibrated threshold
    assert skus.gallery_revision == "catalogue-7"
    display = result.checks.display
    assert display is not None
    assert {c.name: (c.passed, c.observed) for c in display.criteria} == {
        "hero": (True, 1.0),
        "seasonal": (False, 0.0),
    }
    assert display.score == pytest.approx(60.0)
    # The embedder's version is part of the pipeline version; the gallery's revision is not.
    assert result.pipeline_version == pipeline_version(models)
    assert result.pipeline_version.endswith("+sku-4+sku_embedder-test")


def test_without_sku_recognition_sku_criteria_fail_and_say_why(tmp_path: Path) -> None:
    result = run(tmp_path, Models())

    assert result.checks.skus is None
    display = result.checks.display
    assert display is not None
    assert all(not c.passed for c in display.criteria)
    assert "SKU recognition has not run" in display.criteria[0].sentence
    assert "sku" not in result.pipeline_version
