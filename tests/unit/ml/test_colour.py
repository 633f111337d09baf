"""Colours appended to SKU search vectors: the histogram, the weighted join, and the embedder
and packshot paths that use them when the registry meta asks for it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from shelfaudit.domain.enums import ExampleKind
from shelfaudit.index.gallery import Gallery, SkuInfo
from shelfaudit.ml.colour import ColourSignature
from shelfaudit.ml.packshot import embed_packshots, packshot_version
from shelfaudit.ml.sku_examples import example_version
from tests.evaluation.grocery_factories import embedder_models, load_embedder
from tests.factories import textured_rgb

COLOUR = ColourSignature(weight=0.9)


def flat(rgb: tuple[int, int, int], h: int = 40, w: int = 30) -> np.ndarray:
    image = np.empty((h, w, 3), np.uint8)
    image[:] = rgb
    return image


def on_white(rgb: tuple[int, int, int]) -> np.ndarray:
    """A packshot: a coloured product in the middle of a white page."""
    page = flat((255, 255, 255), 120, 100)
    page[30:90, 25:75] = rgb
    return page


def test_a_histogram_is_a_unit_vector_of_the_signatures_length() -> None:
    vector = COLOUR.histogram(textured_rgb(50, 70, seed=4))
    assert vector.shape == (COLOUR.dim,) == (16 * 4 * 4,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)


def test_the_same_colours_score_one_and_other_colours_zero() -> None:
    red, same_red, green = (
        COLOUR.histogram(flat(c)) for c in ((200, 30, 30),) * 2 + ((30, 160, 40),)
    )
    assert float(red @ same_red) == pytest.approx(1.0, abs=1e-6)
    assert float(red @ green) == pytest.approx(0.0, abs=1e-6)


def test_a_mask_counts_only_the_product_and_an_empty_one_gives_zeros() -> None:
    packshot = on_white((200, 30, 30))
    mask = np.zeros(packshot.shape[:2], np.uint8)
    mask[30:90, 25:75] = 255
    assert float(COLOUR.histogram(packshot, mask) @ COLOUR.histogram(flat((200, 30, 30)))) == (
        pytest.approx(1.0, abs=1e-6)
    )
    assert not COLOUR.histogram(packshot, np.zeros_like(mask)).any()


def test_joined_vectors_score_the_weighted_mean_of_cosine_and_colour() -> None:
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(2, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    colours = np.stack([COLOUR.histogram(textured_rgb(30, 30, seed=s)) for s in (1, 2)])

    joined = COLOUR.append(emb, colours)

    np.testing.assert_allclose(np.linalg.norm(joined, axis=1), 1.0, atol=1e-6)
    expected = (emb[0] @ emb[1] + 0.9 * colours[0] @ colours[1]) / 1.9
    assert float(joined[0] @ joined[1]) == pytest.approx(float(expected), abs=1e-5)


@pytest.mark.parametrize(
    ("field", "value"),
    [("weight", 0.0), ("weight", -1.0), ("bins", (16, 4)), ("bins", (0, 4, 4)), ("crop_centre", 0)],
)
def test_a_signature_refuses_settings_outside_their_range(field: str, value: object) -> None:
    with pytest.raises(ValueError, match="colour"):
        replace(COLOUR, **{field: value})


def test_the_meta_round_trips_and_names_every_setting_in_its_tag() -> None:
    signature = ColourSignature(bins=(8, 4, 2), weight=0.5, close_up_centre=0.6, crop_centre=0.9)
    assert ColourSignature.from_meta(signature.to_meta()) == signature
    assert signature.tag == "colour-8x4x2-w0.5-c0.6,0.9"


def test_the_registry_meta_appends_colours_to_every_searched_vector(tmp_path: Path) -> None:
    models = embedder_models(tmp_path)
    registry = models / "registry.json"
    meta = json.dumps({"colour": COLOUR.to_meta()})[1:-1]
    registry.write_text(registry.read_text().replace('"dim": 16', f'"dim": 16, {meta}'))
    embedder = load_embedder(models)
    crops = [textured_rgb(60, 40, seed=1), textured_rgb(30, 50, seed=2)]

    assert embedder.colour == COLOUR
    assert embedder.vector_dim == 16 + COLOUR.dim
    for vectors in (
        embedder.embed_queries(crops),
        embedder.embed_close_ups(crops),
        embed_packshots(embedder, crops),
    ):
        assert vectors.shape == (2, embedder.vector_dim)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert embedder.embed(crops).shape == (2, 16)  # the model's own output is unchanged


def test_a_crops_colour_part_is_its_centres_histogram(tmp_path: Path) -> None:
    embedder = replace(load_embedder(embedder_models(tmp_path)), colour=COLOUR)
    crop = flat((255, 255, 255), 50, 50)
    crop[5:45, 5:45] = (200, 30, 30)  # a red facing in a white padded box

    (vector,) = embedder.embed_queries([crop])

    colour_part = vector[16:] * np.sqrt(1 + COLOUR.weight) / np.sqrt(COLOUR.weight)
    red = COLOUR.histogram(flat((200, 30, 30)))
    assert float(colour_part @ red) == pytest.approx(1.0, abs=1e-5)  # centre 80 %: all red


def test_colour_tells_two_packshots_of_one_shape_apart(tmp_path: Path) -> None:
    embedder = replace(load_embedder(embedder_models(tmp_path)), colour=COLOUR)
    red, blue = on_white((200, 30, 30)), on_white((30, 40, 200))
    gallery = Gallery.build(
        embedder.vector_dim,
        [
            (SkuInfo("red"), embed_packshots(embedder, [red])[0]),
            (SkuInfo("blue"), embed_packshots(embedder, [blue])[0]),
        ],
    )
    (hit,) = gallery.search(embedder.embed_close_ups([red[30:90, 25:75]]), min_similarity=-1)
    assert hit.best is not None
    assert hit.best.sku.sku_id == "red"


def test_stored_vectors_made_without_colour_are_stale_once_it_is_on(tmp_path: Path) -> None:
    plain = load_embedder(embedder_models(tmp_path))
    coloured = replace(plain, colour=COLOUR)
    assert packshot_version(plain) != packshot_version(coloured)
    for kind in ExampleKind:
        assert example_version(plain, kind) != example_version(coloured, kind)
        assert COLOUR.tag in example_version(coloured, kind)
