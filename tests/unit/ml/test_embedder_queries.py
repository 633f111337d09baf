"""Queries are embedded with their mirror image, and close-ups also zoomed on their centre,
when the model's registry meta asks for it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from shelfaudit.ml.embedder import centre_crop
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


def test_without_zooms_a_close_up_is_embedded_as_a_query(tmp_path: Path) -> None:
    embedder = replace(load_embedder(embedder_models(tmp_path)), mirror_queries=True)
    photos = [textured_rgb(80, 60, seed=3)]
    np.testing.assert_array_equal(embedder.embed_close_ups(photos), embedder.embed_queries(photos))


def test_a_close_up_averages_the_photo_and_its_centre_with_their_mirrors(tmp_path: Path) -> None:
    embedder = replace(
        load_embedder(embedder_models(tmp_path)), mirror_queries=True, close_up_zooms=(0.5,)
    )
    photo = textured_rgb(80, 60, seed=3)
    centre = photo[15:45, 20:60]  # half of each side of the 60 x 80 photo, centred

    (vector,) = embedder.embed_close_ups([photo])

    views = [photo, centre, photo[:, ::-1].copy(), centre[:, ::-1].copy()]
    mean = embedder.embed(views).sum(axis=0)
    np.testing.assert_allclose(vector, mean / np.linalg.norm(mean), atol=1e-6)
    assert embedder.embed_close_ups([]).shape == (0, embedder.dim)


@pytest.mark.parametrize(
    ("shape", "share", "expected"),
    [((80, 60), 0.5, (40, 30)), ((7, 3), 0.1, (1, 1)), ((100, 200), 0.8, (80, 160))],
    ids=["portrait half", "tiny keeps a pixel", "landscape"],
)
def test_centre_crop_keeps_the_middle(
    shape: tuple[int, int], share: float, expected: tuple[int, int]
) -> None:
    rgb = textured_rgb(shape[1], shape[0], seed=4)
    out = centre_crop(rgb, share)
    assert out.shape[:2] == expected
    y, x = (shape[0] - expected[0]) // 2, (shape[1] - expected[1]) // 2
    np.testing.assert_array_equal(out, rgb[y : y + expected[0], x : x + expected[1]])


@pytest.mark.parametrize(
    ("zooms", "expected"),
    [("[0.8, 0.65]", (0.8, 0.65)), ("[1.2]", ValueError), ("[0]", ValueError)],
    ids=["zooms", "above one", "zero"],
)
def test_the_registry_meta_sets_close_up_zooms(
    tmp_path: Path, zooms: str, expected: tuple[float, ...] | type[Exception]
) -> None:
    models = embedder_models(tmp_path)
    registry = models / "registry.json"
    registry.write_text(
        registry.read_text().replace('"dim": 16', f'"dim": 16, "close_up_zooms": {zooms}')
    )
    if isinstance(expected, tuple):
        assert load_embedder(models).close_up_zooms == expected
    else:
        with pytest.raises(expected, match="close_up_zooms"):
            load_embedder(models)
