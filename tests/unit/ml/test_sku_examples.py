"""Each kind of SKU picture is embedded as what it will be compared with, under a version
that names the model and the views."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from shelfaudit.domain.enums import ExampleKind
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.packshot import embed_packshots
from shelfaudit.ml.sku_examples import embed_examples, example_version, gallery_version
from tests.catalogue_factories import embedder_models, load_embedder
from tests.factories import textured_rgb


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    models = embedder_models(tmp_path_factory.mktemp("models"), version="a")
    return replace(load_embedder(models), mirror_queries=True, close_up_zooms=(0.8, 0.65))


def test_each_kind_is_embedded_its_own_way(embedder: Embedder) -> None:
    images = [textured_rgb(120, 90, seed=1), textured_rgb(60, 100, seed=2)]
    expected = {
        ExampleKind.packshot: embed_packshots(embedder, images),
        ExampleKind.shelf_crop: embedder.embed_queries(images),
        ExampleKind.close_up: embedder.embed_close_ups(images),
    }
    for kind, vectors in expected.items():
        np.testing.assert_allclose(embed_examples(embedder, kind, images), vectors, atol=1e-6)
    assert not np.allclose(expected[ExampleKind.shelf_crop], expected[ExampleKind.close_up])


def test_versions_name_the_model_and_the_views(embedder: Embedder) -> None:
    assert example_version(embedder, ExampleKind.packshot) == "a+views-1"
    assert example_version(embedder, ExampleKind.shelf_crop) == "a+crop-mirror"
    assert example_version(embedder, ExampleKind.close_up) == "a+close-up-mirror-z0.8,0.65"
    plain = replace(embedder, mirror_queries=False, close_up_zooms=())
    assert example_version(plain, ExampleKind.close_up) == "a+close-up-plain"
    # Other views make every field vector stale, and so the gallery built with them.
    assert gallery_version(plain) != gallery_version(embedder)
    assert example_version(plain, ExampleKind.packshot) == "a+views-1"
