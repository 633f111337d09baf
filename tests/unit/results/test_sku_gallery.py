"""The live gallery on SQLite: rebuilt when the catalogue changes, re-embedded when the
model changes, reused otherwise."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from shelfaudit.domain.enums import ExampleKind
from shelfaudit.index.gallery import Gallery
from shelfaudit.ml.colour import ColourSignature
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.packshot import embed_packshots
from shelfaudit.ml.sku_examples import embed_examples
from shelfaudit.results.sku_gallery import CatalogueGallery
from shelfaudit.store.catalogue import (
    add_packshot,
    catalogue_revision,
    deactivate_sku,
    decode_vector,
    delete_packshot,
    update_sku,
)
from shelfaudit.store.sku_schemas import SkuUpdate
from shelfaudit.store.tables import SkuPackshot
from shelfaudit.upload.packshots import decode_packshot, new_packshot, packshot_key
from tests.catalogue_factories import (
    DIM,
    Catalogue,
    embedder_models,
    load_embedder,
    packshot_jpeg,
    packshot_png,
)


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[Catalogue]:
    cat = Catalogue.at(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "objects")
    yield cat
    cat.engine.dispose()


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return load_embedder(embedder_models(tmp_path_factory.mktemp("models"), version="a"))


@pytest.fixture(scope="module")
def other_model(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """Another version whose vectors differ (another random projection)."""
    models = embedder_models(tmp_path_factory.mktemp("models_b"), version="b", seed=1)
    return load_embedder(models)


def gallery_of(catalogue: Catalogue, embedder: Embedder | None) -> CatalogueGallery:
    return CatalogueGallery(catalogue.sessions, catalogue.objects, lambda: embedder)


def current(live: CatalogueGallery) -> Gallery:
    gallery = live.current()
    assert gallery is not None
    return gallery


def best_sku(gallery: Gallery, embedder: Embedder, image: bytes) -> str | None:
    rgb = decode_packshot(image, max_bytes=10**8, max_pixels=10**8).rgb
    (hit,) = gallery.search(embed_packshots(embedder, [rgb]), min_similarity=0.99, k=3)
    return hit.best.sku.sku_id if hit.best else None


def stored(catalogue: Catalogue) -> list[SkuPackshot]:
    with catalogue.sessions() as session:
        return list(session.scalars(select(SkuPackshot).order_by(SkuPackshot.id)))


def test_without_an_embedder_there_is_no_gallery(catalogue: Catalogue) -> None:
    assert gallery_of(catalogue, None).current() is None


def test_an_empty_catalogue_gives_an_empty_gallery(
    catalogue: Catalogue, embedder: Embedder
) -> None:
    gallery = current(gallery_of(catalogue, embedder))
    assert (gallery.n_skus, gallery.n_vectors, gallery.dim) == (0, 0, DIM)


def test_a_new_packshot_is_recognised_by_the_next_call(
    catalogue: Catalogue, embedder: Embedder
) -> None:
    live = gallery_of(catalogue, embedder)
    catalogue.add_sku("Arla-Standard-Milk", brand="Arla")
    catalogue.add_packshots("Arla-Standard-Milk", [packshot_jpeg(1)], embedder)
    before = current(live)
    milk = packshot_png(2)

    catalogue.add_sku("Oatly-Oat-Milk", brand="Oatly")
    catalogue.add_packshots("Oatly-Oat-Milk", [milk], embedder)
    after = current(live)

    assert after.revision != before.revision
    assert [s.sku_id for s in after.skus] == ["Arla-Standard-Milk", "Oatly-Oat-Milk"]
    assert after.skus[1].brand == "Oatly"
    assert best_sku(after, embedder, milk) == "Oatly-Oat-Milk"
    assert best_sku(before, embedder, milk) is None


def test_the_gallery_is_reused_while_the_catalogue_is_unchanged(
    catalogue: Catalogue, embedder: Embedder
) -> None:
    catalogue.add_sku("A")
    catalogue.add_packshots("A", [packshot_jpeg(1)], embedder)
    live = gallery_of(catalogue, embedder)

    assert current(live) is current(live)


def test_concurrent_callers_share_one_gallery(catalogue: Catalogue, embedder: Embedder) -> None:
    catalogue.add_sku("A")
    catalogue.add_packshots("A", [packshot_jpeg(1), packshot_jpeg(2)], None)
    live = gallery_of(catalogue, embedder)
    seen: list[Gallery] = []

    def call() -> None:
        seen.append(current(live))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(g) for g in seen}) == 1
    assert seen[0].n_vectors == 2


def test_an_inactive_sku_is_left_out_until_reactivated(
    catalogue: Catalogue, embedder: Embedder
) -> None:
    for sku, seed in (("A", 1), ("B", 2)):
        catalogue.add_sku(sku)
        catalogue.add_packshots(sku, [packshot_jpeg(seed)], embedder)
    live = gallery_of(catalogue, embedder)

    with catalogue.sessions.begin() as session:
        deactivate_sku(session, sku_id="B")
    assert [s.sku_id for s in current(live).skus] == ["A"]
    assert best_sku(current(live), embedder, packshot_jpeg(2)) is None

    with catalogue.sessions.begin() as session:
        update_sku(session, sku_id="B", data=SkuUpdate(active=True))
    assert [s.sku_id for s in current(live).skus] == ["A", "B"]


def test_a_renamed_sku_is_renamed_in_the_gallery(catalogue: Catalogue, embedder: Embedder) -> None:
    catalogue.add_sku("A")
    catalogue.add_packshots("A", [packshot_jpeg(1)], embedder)
    live = gallery_of(catalogue, embedder)
    current(live)

    with catalogue.sessions.begin() as session:
        update_sku(session, sku_id="A", data=SkuUpdate(name="Apple juice 1 l", brand="Bravo"))

    assert current(live).skus[0].name == "Apple juice 1 l"
    assert current(live).skus[0].brand == "Bravo"


def test_a_deleted_packshot_is_no_longer_searched(catalogue: Catalogue, embedder: Embedder) -> None:
    catalogue.add_sku("A")
    _, second = catalogue.add_packshots("A", [packshot_jpeg(1), packshot_jpeg(2)], embedder)
    live = gallery_of(catalogue, embedder)
    assert current(live).n_vectors == 2

    with catalogue.sessions.begin() as session:
        delete_packshot(session, sku_id="A", packshot_id=second.packshot.id)

    assert current(live).n_vectors == 1
    assert best_sku(current(live), embedder, packshot_jpeg(2)) is None
    assert best_sku(current(live), embedder, packshot_jpeg(1)) == "A"


def test_packshots_stored_without_an_embedder_are_embedded_by_the_gallery(
    catalogue: Catalogue, embedder: Embedder
) -> None:
    catalogue.add_sku("A")
    catalogue.add_packshots("A", [packshot_jpeg(1)], None)
    assert [p.embedding for p in stored(catalogue)] == [None]

    gallery = current(gallery_of(catalogue, embedder))

    assert best_sku(gallery, embedder, packshot_jpeg(1)) == "A"
    (row,) = stored(catalogue)
    assert row.model_version == "a+views-1"
    assert decode_vector(row.embedding, DIM) is not None


def test_a_new_model_embeds_every_packshot_again_from_its_original(
    catalogue: Catalogue, embedder: Embedder, other_model: Embedder
) -> None:
    images = [packshot_jpeg(1), packshot_png(2)]
    catalogue.add_sku("A")
    catalogue.add_packshots("A", images, embedder)
    old = {p.id: p.embedding for p in stored(catalogue)}

    gallery = current(gallery_of(catalogue, other_model))

    rows = stored(catalogue)
    assert {p.model_version for p in rows} == {"b+views-1"}
    rgbs = [decode_packshot(i, max_bytes=10**8, max_pixels=10**8).rgb for i in images]
    expected = embed_packshots(other_model, rgbs)
    for row, vector in zip(rows, expected, strict=True):
        new = decode_vector(row.embedding, DIM)
        assert new is not None
        np.testing.assert_allclose(new, vector, atol=1e-6)
        assert row.embedding != old[row.id]
    np.testing.assert_allclose(gallery.vectors, expected, atol=1e-6)
    assert best_sku(gallery, other_model, images[1]) == "A"


def test_turning_colours_on_embeds_every_packshot_again_with_them(
    catalogue: Catalogue, embedder: Embedder
) -> None:
    images = [packshot_jpeg(1), packshot_png(2)]
    catalogue.add_sku("A")
    catalogue.add_packshots("A", images, embedder)
    colour = ColourSignature(weight=0.9)
    coloured = replace(embedder, colour=colour)

    gallery = current(gallery_of(catalogue, coloured))

    rows = stored(catalogue)
    assert {p.model_version for p in rows} == {f"a+views-1+{colour.tag}"}
    assert gallery.dim == coloured.vector_dim == DIM + 256
    assert gallery.lead is not None  # searches shortlist by the embedding
    rgbs = [decode_packshot(i, max_bytes=10**8, max_pixels=10**8).rgb for i in images]
    for row, vector in zip(rows, embed_packshots(coloured, rgbs), strict=True):
        new = decode_vector(row.embedding, coloured.vector_dim)
        assert new is not None
        np.testing.assert_allclose(new, vector, atol=1e-6)
    assert best_sku(gallery, coloured, images[1]) == "A"


def test_switching_the_model_rebuilds_without_a_catalogue_change(
    catalogue: Catalogue, embedder: Embedder, other_model: Embedder
) -> None:
    catalogue.add_sku("A")
    catalogue.add_packshots("A", [packshot_jpeg(1)], embedder)
    models = [embedder]
    live = CatalogueGallery(catalogue.sessions, catalogue.objects, lambda: models[0])
    first = current(live)

    models[0] = other_model
    second = current(live)

    assert second is not first
    assert second.revision == first.revision  # the catalogue itself did not change
    assert not np.allclose(second.vectors, first.vectors, atol=1e-3)


def test_a_packshot_whose_original_is_gone_is_left_out(
    catalogue: Catalogue, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    catalogue.add_sku("A")
    lost, _ = catalogue.add_packshots("A", [packshot_jpeg(1), packshot_jpeg(2)], None)
    (catalogue.objects.root / lost.packshot.object_key).unlink()

    gallery = current(gallery_of(catalogue, embedder))

    assert gallery.n_vectors == 1
    assert best_sku(gallery, embedder, packshot_jpeg(2)) == "A"
    assert f"packshot {lost.packshot.id} of SKU A left out" in caplog.text


def test_re_embedding_does_not_change_the_revision(
    catalogue: Catalogue, embedder: Embedder, other_model: Embedder
) -> None:
    catalogue.add_sku("A")
    catalogue.add_packshots("A", [packshot_jpeg(1)], embedder)
    with catalogue.sessions() as session:
        before = catalogue_revision(session)

    current(gallery_of(catalogue, other_model))

    with catalogue.sessions() as session:
        assert catalogue_revision(session) == before


def test_a_new_model_embeds_field_examples_again_as_their_kind(
    catalogue: Catalogue, embedder: Embedder, other_model: Embedder
) -> None:
    """A field example is a photo, not a packshot: re-embedded as a close-up or a crop."""
    catalogue.add_sku("A")
    images = {ExampleKind.close_up: packshot_jpeg(3), ExampleKind.shelf_crop: packshot_png(4)}
    with catalogue.sessions.begin() as session:
        for kind, data in images.items():
            decoded = decode_packshot(data, max_bytes=10**8, max_pixels=10**8)
            catalogue.objects.put(packshot_key(decoded.sha256), data, "image/jpeg")
            add_packshot(
                session,
                sku_id="A",
                packshot=new_packshot(decoded, len(data), None, None, kind=kind),
            )

    gallery = current(gallery_of(catalogue, other_model))

    rows = stored(catalogue)
    assert [(p.kind, p.model_version) for p in rows] == [
        ("close_up", "b+close-up-plain"),
        ("shelf_crop", "b+crop-plain"),
    ]
    for row, (kind, data) in zip(rows, images.items(), strict=True):
        rgb = decode_packshot(data, max_bytes=10**8, max_pixels=10**8).rgb
        vector = decode_vector(row.embedding, DIM)
        assert vector is not None
        np.testing.assert_allclose(vector, embed_examples(other_model, kind, [rgb])[0], atol=1e-6)
    assert (gallery.n_skus, gallery.n_vectors) == (1, 2)
