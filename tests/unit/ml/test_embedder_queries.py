"""Queries are embedded with their mirror image when the model's registry meta asks for it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from tests.evaluation.grocery_factories import embedder_models, load_embedder
from tests.factories import textured_rgb


def test_without_the_meta_queries_are_embedded_as_they_are(tmp_path: Path) -> None:
    embedder = load_embedder(embedder_models(tmp_path))
    crops = [textured_rgb(60, 40, seed=1), textured_rgb(30, 50, seed=2)]
    assert not embedder.mirror_queries
    np.testing.assert_array_equal(embedder.embed_queries(crops), embedder.embed(crops))


def test_mirror_queries_average_each_crop_with_its_mirror_image(tmp_path: Path) -> None:
    embedder = replace(load_embedder(embedder_models(tmp_path)), mirror_queries=True)
    crops = [textured_rgb(60, 40, seed=1), textured_rgb(30, 50, seed=2)]

    vectors = embedder.embed_queries(crops)

    for crop, vector in zip(crops, vectors, strict=True):
        mean = embedder.embed([crop])[0] + embedder.embed([crop[:, ::-1].copy()])[0]
        np.testing.assert_allclose(vector, mean / np.linalg.norm(mean), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert embedder.embed_queries([]).shape == (0, embedder.dim)


def test_the_registry_meta_turns_mirror_queries_on(tmp_path: Path) -> None:
    models = embedder_models(tmp_path)
    registry = models / "registry.json"
    registry.write_text(
        registry.read_text().replace('"dim": 16', '"dim": 16, "query_views": "mirror"')
    )
    assert load_embedder(models).mirror_queries
