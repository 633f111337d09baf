"""The catalogue's data functions on SQLite: SKUs, packshot intake and the revision."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shelfaudit.errors import (
    Conflict,
    CorruptImage,
    EmptyFile,
    InvalidInput,
    NotFound,
    UnsupportedMediaType,
)
from shelfaudit.store.catalogue import (
    catalogue_revision,
    create_sku,
    deactivate_sku,
    delete_packshot,
    encode_vector,
    gallery_rows,
    get_sku,
    list_skus,
    set_embedding,
    update_sku,
)
from shelfaudit.store.sku_schemas import SkuCreate, SkuUpdate
from shelfaudit.store.tables import SkuPackshot
from shelfaudit.upload.packshots import MAX_PACKSHOTS_PER_SKU, packshot_key
from tests.catalogue_factories import Catalogue, packshot_jpeg


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[Catalogue]:
    cat = Catalogue.at(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "objects")
    yield cat
    cat.engine.dispose()


def revision(catalogue: Catalogue) -> str:
    with catalogue.sessions() as session:
        return catalogue_revision(session)


def in_session(catalogue: Catalogue, change: Callable[[Session], object]) -> None:
    with catalogue.sessions.begin() as session:
        change(session)


def packshot_rows(catalogue: Catalogue) -> int:
    with catalogue.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(SkuPackshot)) or 0)


# --- schemas --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sku_id", ["", "-leading-dash", "has space", "a/b", "é", "x" * 101, ".hidden"]
)
def test_a_sku_id_must_be_slug_like(sku_id: str) -> None:
    with pytest.raises(ValidationError, match="sku_id"):
        SkuCreate(sku_id=sku_id, name="n")


@pytest.mark.parametrize("sku_id", ["A", "Arla-Standard-Milk", "8934588012112", "x.y_z-1"])
def test_slug_like_sku_ids_are_taken(sku_id: str) -> None:
    assert SkuCreate(sku_id=sku_id, name="n").sku_id == sku_id


def test_names_and_brands_are_stripped_and_a_blank_brand_is_none() -> None:
    sku = SkuCreate(sku_id="A", name="  Milk 1 l ", brand="   ")
    assert (sku.name, sku.brand) == ("Milk 1 l", None)
    with pytest.raises(ValidationError, match="blank"):
        SkuCreate(sku_id="A", name="   ")


def test_a_bad_barcode_is_refused_by_the_schema() -> None:
    with pytest.raises(ValidationError, match="check digit"):
        SkuCreate(sku_id="A", name="n", barcode="4006381333932")


def test_an_update_cannot_null_the_name() -> None:
    with pytest.raises(ValidationError, match="name cannot be null"):
        SkuUpdate.model_validate({"name": None})
    assert SkuUpdate.model_validate({"brand": None}).changes() == {"brand": None}


# --- SKUs -----------------------------------------------------------------------------


def test_a_taken_sku_id_is_a_conflict(catalogue: Catalogue) -> None:
    catalogue.add_sku("A")
    with pytest.raises(Conflict, match="'A' exists"):
        catalogue.add_sku("A")


def test_a_taken_barcode_is_a_conflict_on_create_and_update(catalogue: Catalogue) -> None:
    catalogue.add_sku("A", barcode="4006381333931")
    with pytest.raises(Conflict, match="belongs to SKU 'A'"):
        catalogue.add_sku("B", barcode="4006381333931")
    catalogue.add_sku("B")
    with pytest.raises(Conflict, match="belongs to SKU 'A'"):
        in_session(
            catalogue,
            lambda s: update_sku(s, sku_id="B", data=SkuUpdate(barcode="4006381333931")),
        )
    # Setting a SKU's own barcode again is no conflict.
    in_session(
        catalogue, lambda s: update_sku(s, sku_id="A", data=SkuUpdate(barcode="4006381333931"))
    )


@pytest.mark.parametrize("written", ["0036000291452", "00036000291452"])
def test_one_gtin_written_with_more_leading_zeros_is_still_taken(
    catalogue: Catalogue, written: str
) -> None:
    catalogue.add_sku("A", barcode="036000291452")  # UPC-A; the same product as EAN-13 0…
    with pytest.raises(Conflict, match="belongs to SKU 'A'"):
        catalogue.add_sku("B", barcode=written)


def test_a_search_folds_case_in_every_script(catalogue: Catalogue) -> None:
    # SQLite's own lower() folds ASCII only: "ölmühle" never found "Ölmühle".
    catalogue.add_sku("Oelmuehle", name="Ölmühle Öl")
    with catalogue.sessions() as session:
        for text in ("ölmühle", "ÖLMÜHLE", "Ölmühle"):
            assert [r.sku_id for r in list_skus(session, text=text)] == ["Oelmuehle"]


def test_an_unknown_sku_is_not_found(catalogue: Catalogue) -> None:
    with catalogue.sessions() as session, pytest.raises(NotFound, match="'nope'"):
        get_sku(session, sku_id="nope")


def test_list_filters_by_brand_text_and_state_and_pages(catalogue: Catalogue) -> None:
    catalogue.add_sku("Arla-Standard-Milk", brand="Arla", barcode="7310865004703")
    catalogue.add_sku("Arla-Sour-Cream", brand="Arla")
    catalogue.add_sku("Oatly-Oat-Milk", brand="Oatly")
    catalogue.add_sku("Banana")
    in_session(catalogue, lambda s: deactivate_sku(s, sku_id="Arla-Sour-Cream"))

    def ids(**filters: object) -> list[str]:
        with catalogue.sessions() as session:
            return [r.sku_id for r in list_skus(session, **filters)]  # type: ignore[arg-type]

    assert ids() == ["Arla-Standard-Milk", "Banana", "Oatly-Oat-Milk"]
    assert ids(active=None) == ["Arla-Sour-Cream", "Arla-Standard-Milk", "Banana", "Oatly-Oat-Milk"]
    assert ids(active=False) == ["Arla-Sour-Cream"]
    assert ids(brand="Arla") == ["Arla-Standard-Milk"]
    assert ids(text="MILK") == ["Arla-Standard-Milk", "Oatly-Oat-Milk"]
    assert ids(text="0047") == ["Arla-Standard-Milk"]  # in the barcode
    assert ids(text="%") == []  # a literal percent sign, not a wildcard
    assert ids(limit=2) == ["Arla-Standard-Milk", "Banana"]
    assert ids(after="Banana", limit=2) == ["Oatly-Oat-Milk"]


# --- packshots ------------------------------------------------------------------------


def test_packshots_are_stored_under_their_sha256_with_upright_sizes(
    catalogue: Catalogue,
) -> None:
    catalogue.add_sku("A")
    image = packshot_jpeg(1, width=160, height=240)

    (accepted,) = catalogue.add_packshots("A", [image], None)

    row = accepted.packshot
    assert accepted.created
    assert (row.format, row.width, row.height, row.size_bytes) == ("JPEG", 160, 240, len(image))
    assert row.object_key == packshot_key(row.sha256)
    assert row.object_key.startswith("packshots/")
    assert catalogue.objects.get(row.object_key) == image
    assert (row.embedding, row.model_version, row.embedded) == (None, None, False)


def test_the_same_bytes_twice_are_one_packshot(catalogue: Catalogue) -> None:
    catalogue.add_sku("A")
    image = packshot_jpeg(1)

    first = catalogue.add_packshots("A", [image, image], None)
    again = catalogue.add_packshots("A", [image], None)

    assert [a.created for a in first] == [True]
    assert [a.created for a in again] == [False]
    assert again[0].packshot.id == first[0].packshot.id
    assert packshot_rows(catalogue) == 1


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (b"", EmptyFile),
        (b"%PDF-1.4 not an image", UnsupportedMediaType),
        (packshot_jpeg(9)[:600], CorruptImage),
    ],
    ids=["empty", "pdf", "truncated"],
)
def test_one_bad_file_stores_nothing(
    catalogue: Catalogue, bad: bytes, error: type[InvalidInput]
) -> None:
    catalogue.add_sku("A")

    with pytest.raises(error, match=r"A-1\.jpg: ") as raised:
        catalogue.add_packshots("A", [packshot_jpeg(1), bad], None)

    assert raised.value.field == "files.1"
    assert packshot_rows(catalogue) == 0
    assert not (catalogue.objects.root / "packshots").exists()


def test_packshots_for_an_unknown_sku_are_refused(catalogue: Catalogue) -> None:
    with pytest.raises(NotFound):
        catalogue.add_packshots("nope", [packshot_jpeg(1)], None)
    assert not (catalogue.objects.root / "packshots").exists()


def test_a_sku_holds_a_bounded_number_of_packshots(catalogue: Catalogue) -> None:
    catalogue.add_sku("A")
    images = [packshot_jpeg(seed, width=24, height=24) for seed in range(MAX_PACKSHOTS_PER_SKU)]
    catalogue.add_packshots("A", images, None)

    with pytest.raises(InvalidInput, match="limit of"):
        catalogue.add_packshots("A", [packshot_jpeg(999, width=24, height=24)], None)
    assert packshot_rows(catalogue) == MAX_PACKSHOTS_PER_SKU
    # Counted before anything is decoded (these bytes would not decode), and a packshot the
    # SKU already has does not count.
    with pytest.raises(InvalidInput, match="1 more would pass the limit"):
        catalogue.add_packshots("A", [b"not an image", images[0]], None)
    assert catalogue.add_packshots("A", [images[0]], None)[0].created is False


def test_deleting_another_skus_packshot_is_not_found(catalogue: Catalogue) -> None:
    catalogue.add_sku("A")
    catalogue.add_sku("B")
    (accepted,) = catalogue.add_packshots("A", [packshot_jpeg(1)], None)
    with pytest.raises(NotFound):
        in_session(
            catalogue, lambda s: delete_packshot(s, sku_id="B", packshot_id=accepted.packshot.id)
        )


# --- revision and gallery rows --------------------------------------------------------


def test_the_revision_moves_with_every_change_and_only_then(catalogue: Catalogue) -> None:
    seen = [revision(catalogue)]

    def moved() -> bool:
        seen.append(revision(catalogue))
        return seen[-1] != seen[-2]

    catalogue.add_sku("A")
    assert moved()
    (first,) = catalogue.add_packshots("A", [packshot_jpeg(1)], None)
    assert moved()
    in_session(catalogue, lambda s: update_sku(s, sku_id="A", data=SkuUpdate(name="Apple")))
    assert moved()
    in_session(catalogue, lambda s: update_sku(s, sku_id="A", data=SkuUpdate(name="Apple")))
    assert not moved()  # nothing differed
    in_session(
        catalogue,
        lambda s: set_embedding(
            s, packshot_id=first.packshot.id, embedding=b"\0" * 64, model_version="x"
        ),
    )
    assert not moved()
    in_session(catalogue, lambda s: deactivate_sku(s, sku_id="A"))
    assert moved()
    in_session(catalogue, lambda s: deactivate_sku(s, sku_id="A"))
    assert not moved()
    in_session(catalogue, lambda s: delete_packshot(s, sku_id="A", packshot_id=first.packshot.id))
    assert moved()
    # Delete the newest and add another: same count, but ids are never reused.
    (second,) = catalogue.add_packshots("A", [packshot_jpeg(2)], None)
    before_swap = revision(catalogue)
    in_session(catalogue, lambda s: delete_packshot(s, sku_id="A", packshot_id=second.packshot.id))
    catalogue.add_packshots("A", [packshot_jpeg(3)], None)
    assert revision(catalogue) != before_swap


def test_gallery_rows_are_the_active_skus_packshots(catalogue: Catalogue) -> None:
    catalogue.add_sku("B", brand="Bravo")
    catalogue.add_sku("A")
    catalogue.add_sku("C")
    catalogue.add_packshots("B", [packshot_jpeg(1), packshot_jpeg(2)], None)
    catalogue.add_packshots("A", [packshot_jpeg(3)], None)
    catalogue.add_packshots("C", [packshot_jpeg(4)], None)
    in_session(catalogue, lambda s: deactivate_sku(s, sku_id="C"))
    (pid,) = [r.packshot_id for r in _rows(catalogue) if r.sku_id == "A"]
    in_session(
        catalogue,
        lambda s: set_embedding(s, packshot_id=pid, embedding=b"\1" * 8, model_version="m"),
    )

    rows = _rows(catalogue)

    assert [(r.sku_id, r.brand) for r in rows] == [("A", None), ("B", "Bravo"), ("B", "Bravo")]
    assert (rows[0].embedding, rows[0].model_version) == (b"\1" * 8, "m")


def _rows(catalogue: Catalogue) -> list:  # type: ignore[type-arg]
    with catalogue.sessions() as session:
        return gallery_rows(session)


def test_vectors_are_stored_as_float32_little_endian() -> None:
    import numpy as np

    assert encode_vector(np.array([1.0, -2.0], np.float64)) == b"\x00\x00\x80?\x00\x00\x00\xc0"


def test_a_brand_has_one_spelling_and_filters_whatever_the_case(catalogue: Catalogue) -> None:
    from shelfaudit.errors import InvalidInput

    with catalogue.sessions.begin() as session:
        create_sku(session, data=SkuCreate(sku_id="M1", name="Milk", brand="Arla"))
    with (
        pytest.raises(InvalidInput, match="written 'Arla' in the catalogue"),
        catalogue.sessions.begin() as session,
    ):
        create_sku(session, data=SkuCreate(sku_id="M2", name="Milk 2", brand="ARLA"))
    with catalogue.sessions.begin() as session:
        create_sku(session, data=SkuCreate(sku_id="M3", name="Milk 3", brand="Arla"))
        assert [s.sku_id for s in list_skus(session, brand="arla")] == ["M1", "M3"]


def test_a_catalogue_with_two_spellings_can_be_unified_towards_either(
    catalogue: Catalogue,
) -> None:
    from shelfaudit.store.tables import Sku

    with catalogue.sessions.begin() as session:  # written before the one-spelling rule
        session.add(Sku(sku_id="A1", name="a", brand="Arla"))
        session.add(Sku(sku_id="A2", name="b", brand="ARLA"))
        session.add(Sku(sku_id="M1", name="m", brand="MÜLLER"))
    with catalogue.sessions.begin() as session:
        create_sku(session, data=SkuCreate(sku_id="A3", name="c", brand="ARLA"))
        update_sku(session, sku_id="A1", data=SkuUpdate(brand="ARLA"))
        update_sku(session, sku_id="M1", data=SkuUpdate(brand="Müller"))  # its own spelling
        assert [s.sku_id for s in list_skus(session, brand="arla")] == ["A1", "A2", "A3"]
        assert [s.sku_id for s in list_skus(session, brand="müller")] == ["M1"]
    with pytest.raises(InvalidInput, match="written 'Müller'"), catalogue.sessions.begin() as s:
        create_sku(s, data=SkuCreate(sku_id="M2", name="n", brand="MÜLLER"))
