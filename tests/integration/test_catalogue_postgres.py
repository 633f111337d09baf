"""The SKU catalogue and its live gallery on a real PostgreSQL (migrated from scratch)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from shelfaudit.errors import Conflict
from shelfaudit.ml.embedder import Embedder
from shelfaudit.results.sku_gallery import CatalogueGallery
from shelfaudit.store.catalogue import (
    catalogue_revision,
    deactivate_sku,
    decode_vector,
    delete_packshot,
    list_skus,
    update_sku,
)
from shelfaudit.store.sku_schemas import SkuUpdate
from shelfaudit.store.tables import Sku, SkuPackshot
from tests.catalogue_factories import (
    DIM,
    Catalogue,
    embedder_models,
    load_embedder,
    packshot_jpeg,
    packshot_png,
)
from tests.integration.servers import PostgresServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def catalogue(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Catalogue]:
    cat = Catalogue.at(postgres_server.create_database(), tmp_path / "objects")
    yield cat
    cat.engine.dispose()


@pytest.fixture(scope="module")
def embedders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Embedder, Embedder]:
    first = embedder_models(tmp_path_factory.mktemp("a"), version="a")
    second = embedder_models(tmp_path_factory.mktemp("b"), version="b", seed=1)
    return load_embedder(first), load_embedder(second)


def test_the_catalogue_and_its_gallery_on_postgresql(
    catalogue: Catalogue, embedders: tuple[Embedder, Embedder]
) -> None:
    embedder, next_model = embedders
    models = [embedder]
    live = CatalogueGallery(catalogue.sessions, catalogue.objects, lambda: models[0])
    assert live.current() is not None

    catalogue.add_sku("Arla-Standard-Milk", brand="Arla", barcode="7310865004703")
    catalogue.add_sku("Oatly-Oat-Milk", brand="Oatly")
    milk = catalogue.add_packshots("Arla-Standard-Milk", [packshot_jpeg(1)], embedder)
    oat = catalogue.add_packshots("Oatly-Oat-Milk", [packshot_png(2), packshot_jpeg(3)], None)
    assert milk[0].packshot.embedded
    assert not oat[0].packshot.embedded

    gallery = live.current()
    assert gallery is not None
    assert (gallery.n_skus, gallery.n_vectors) == (2, 3)
    assert live.current() is gallery
    with catalogue.sessions() as session:
        rows = session.scalars(select(SkuPackshot).order_by(SkuPackshot.id)).all()
        assert {r.model_version for r in rows} == {"a+views-1"}  # the gallery embedded the rest
        assert all(decode_vector(r.embedding, DIM) is not None for r in rows)
        created = session.get(Sku, "Arla-Standard-Milk")
        assert created is not None
        assert created.created_at.tzinfo is not None
        assert [s.sku_id for s in list_skus(session, text="OAT")] == ["Oatly-Oat-Milk"]
        assert [s.sku_id for s in list_skus(session, text="_")] == []  # no LIKE wildcard

    with pytest.raises(Conflict, match="belongs to SKU"):
        catalogue.add_sku("Copy", barcode="7310865004703")
    with pytest.raises(Conflict, match="exists"):
        catalogue.add_sku("Oatly-Oat-Milk")

    with catalogue.sessions.begin() as session:
        deactivate_sku(session, sku_id="Oatly-Oat-Milk")
        update_sku(session, sku_id="Arla-Standard-Milk", data=SkuUpdate(name="Arla Milk"))
    after = live.current()
    assert after is not None
    assert after.revision != gallery.revision
    assert [(s.sku_id, s.name) for s in after.skus] == [("Arla-Standard-Milk", "Arla Milk")]

    models[0] = next_model
    moved = live.current()
    assert moved is not None
    assert moved.revision == after.revision
    with catalogue.sessions() as session:
        versions = session.scalars(
            select(SkuPackshot.model_version).where(SkuPackshot.sku_id == "Arla-Standard-Milk")
        ).all()
    assert versions == ["b+views-1"]

    with catalogue.sessions.begin() as session:
        before = catalogue_revision(session)
        delete_packshot(session, sku_id="Arla-Standard-Milk", packshot_id=milk[0].packshot.id)
    emptied = live.current()
    assert emptied is not None
    assert emptied.n_vectors == 0
    with catalogue.sessions() as session:
        assert catalogue_revision(session) != before


def test_two_uploads_at_once_cannot_pass_the_packshot_limit(
    catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from shelfaudit.errors import InvalidInput
    from shelfaudit.upload.packshots import MAX_PACKSHOTS_PER_SKU

    catalogue.add_sku("Arla-Standard-Milk", brand="Arla")
    catalogue.add_packshots(
        "Arla-Standard-Milk", [packshot_jpeg(i) for i in range(MAX_PACKSHOTS_PER_SKU - 1)], None
    )
    # Both uploads pass the early counts, then meet before storing: the race the audit found.
    both_counted = threading.Barrier(2, timeout=30)
    put = catalogue.objects.put

    def put_after_both(key: str, data: bytes, content_type: str) -> None:
        both_counted.wait()
        put(key, data, content_type)

    monkeypatch.setattr(catalogue.objects, "put", put_after_both)
    outcomes: list[str] = []

    def upload(seed: int) -> None:
        try:
            catalogue.add_packshots("Arla-Standard-Milk", [packshot_jpeg(seed)], None)
            outcomes.append("stored")
        except InvalidInput as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=upload, args=(100 + i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes)[1] == "stored"
    assert "would pass the limit of 20" in sorted(outcomes)[0]
    with catalogue.sessions() as session:
        count = len(list(session.scalars(select(SkuPackshot.id))))
    assert count == MAX_PACKSHOTS_PER_SKU
