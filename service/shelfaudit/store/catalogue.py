"""The SKU catalogue in the database: SKUs, their packshots, and the catalogue's revision.

Functions take the caller's session and flush, never commit: the caller decides the
transaction. Requests are validated by the schemas in ``store.sku_schemas``; what only the
database can tell (a taken id or barcode, an unknown SKU) is raised here as ``Conflict`` or
``NotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shelfaudit.domain.enums import ExampleKind
from shelfaudit.domain.gtin import same_gtin
from shelfaudit.errors import Conflict, InvalidInput, NotFound
from shelfaudit.store.sku_schemas import SkuCreate, SkuUpdate
from shelfaudit.store.tables import Sku, SkuPackshot, utcnow

_VECTOR_DTYPE = np.dtype("<f4")


def encode_vector(vector: NDArray[np.float32]) -> bytes:
    """A (D,) vector as float32 little-endian bytes, as ``SkuPackshot.embedding`` stores it."""
    return np.asarray(vector, _VECTOR_DTYPE).reshape(-1).tobytes()


def decode_vector(data: bytes | None, dim: int) -> NDArray[np.float32] | None:
    """The stored vector, or ``None`` when there is none or it has another dimension."""
    if data is None or len(data) != dim * _VECTOR_DTYPE.itemsize:
        return None
    return np.frombuffer(data, _VECTOR_DTYPE).astype(np.float32)


# --- SKUs ------------------------------------------------------------------------------


def find_sku(session: Session, *, sku_id: str) -> Sku | None:
    return session.get(Sku, sku_id)


def get_sku(session: Session, *, sku_id: str) -> Sku:
    row = find_sku(session, sku_id=sku_id)
    if row is None:
        raise NotFound(f"SKU {sku_id!r} does not exist", field="sku_id")
    return row


def _check_barcode_free(session: Session, barcode: str | None, *, sku_id: str) -> None:
    if barcode is None:
        return
    holder = session.scalar(
        select(Sku.sku_id).where(Sku.barcode.in_(same_gtin(barcode)), Sku.sku_id != sku_id)
    )
    if holder is not None and holder != sku_id:
        raise Conflict(f"barcode {barcode} belongs to SKU {holder!r}", field="barcode")


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request took the id or barcode first
        raise Conflict(f"{what} collides with a SKU saved meanwhile; retry") from exc


def create_sku(session: Session, *, data: SkuCreate) -> Sku:
    """A new, active SKU; ``Conflict`` when its id or barcode is taken."""
    if find_sku(session, sku_id=data.sku_id) is not None:
        raise Conflict(f"SKU {data.sku_id!r} exists", field="sku_id")
    # Ids stay as written, but two that differ only in case (a1, A1) would be read as one
    # product by people and by spreadsheets that join on them.
    twin = session.scalar(
        select(Sku.sku_id).where(func.lower(Sku.sku_id) == data.sku_id.lower()).limit(1)
    )
    if twin is not None:
        raise Conflict(
            f"SKU {twin!r} exists; ids that differ only in case are refused", field="sku_id"
        )
    _check_barcode_free(session, data.barcode, sku_id=data.sku_id)
    _check_brand_spelling(session, data.brand, sku_id=data.sku_id)
    now = utcnow()
    row = Sku(**data.model_dump(), active=True, revision=1, created_at=now, updated_at=now)
    session.add(row)
    _flush(session, f"SKU {data.sku_id!r}")
    return row


def _spellings(session: Session, brand: str, *, besides: str | None = None) -> list[str]:
    """Every spelling of ``brand`` in the catalogue (on SKUs other than ``besides``),
    case-folded in Python: SQLite's lower() folds ASCII only, so "MÜLLER" and "Müller"
    would not meet there."""
    folded = brand.casefold()
    query = select(Sku.brand).where(Sku.brand.is_not(None))
    if besides is not None:
        query = query.where(Sku.sku_id != besides)
    brands = session.scalars(query.distinct())
    return sorted(b for b in brands if b is not None and b.casefold() == folded)


def _check_brand_spelling(session: Session, brand: str | None, *, sku_id: str) -> None:
    """One spelling per brand: "Arla" and "ARLA" were listed apart, filtered apart and
    coloured apart on overlays, while people read them as one brand. A spelling already in
    the catalogue is always taken (a catalogue that has two, from before this check, can
    be unified towards either); only a new variant of an existing brand is refused."""
    if brand is None:
        return
    spellings = _spellings(session, brand, besides=sku_id)
    others = [b for b in spellings if b != brand]
    if others and brand not in spellings:
        raise InvalidInput(
            f"brand {brand!r} is written {others[0]!r} in the catalogue: use that spelling",
            field="brand",
        )


def lock_sku(session: Session, *, sku_id: str) -> None:
    """Hold the SKU's row until the transaction ends (PostgreSQL ``FOR UPDATE``; SQLite
    serialises writers), so that limits counted after it hold against concurrent adds."""
    session.execute(select(Sku.sku_id).where(Sku.sku_id == sku_id).with_for_update())


def _touch(row: Sku) -> None:
    row.revision += 1
    row.updated_at = utcnow()


def update_sku(session: Session, *, sku_id: str, data: SkuUpdate) -> Sku:
    """Change the fields ``data`` carries; nothing changes (revision included) if none differ."""
    row = get_sku(session, sku_id=sku_id)
    changes = {k: v for k, v in data.changes().items() if getattr(row, k) != v}
    if "barcode" in changes:
        _check_barcode_free(session, data.barcode, sku_id=sku_id)
    if "brand" in changes:
        _check_brand_spelling(session, data.brand, sku_id=sku_id)
    if changes:
        for key, value in changes.items():
            setattr(row, key, value)
        _touch(row)
        _flush(session, f"SKU {sku_id!r}")
    return row


def deactivate_sku(session: Session, *, sku_id: str) -> Sku:
    """Take the SKU out of recognition; the row and its packshots stay for history."""
    row = get_sku(session, sku_id=sku_id)
    if row.active:
        row.active = False
        _touch(row)
        session.flush()
    return row


def list_skus(
    session: Session,
    *,
    brand: str | None = None,
    text: str | None = None,
    active: bool | None = True,
    after: str | None = None,
    limit: int = 100,
) -> list[Sku]:
    """SKUs in id order; ``text`` matches id, name, brand or barcode (case-insensitive);
    ``active`` None lists both; page on with ``after`` (the last id seen)."""
    query = select(Sku)
    if brand is not None:
        query = query.where(Sku.brand.in_(_spellings(session, brand) or [brand]))
    if text:
        needle = text.strip().lower()
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (Sku.sku_id, Sku.name, Sku.brand, Sku.barcode)
                )
            )
        )
    if active is not None:
        query = query.where(Sku.active.is_(active))
    if after is not None:
        query = query.where(Sku.sku_id > after)
    return list(session.scalars(query.order_by(Sku.sku_id).limit(limit)))


# --- packshots -------------------------------------------------------------------------


def list_packshots(session: Session, *, sku_id: str) -> list[SkuPackshot]:
    query = select(SkuPackshot).where(SkuPackshot.sku_id == sku_id).order_by(SkuPackshot.id)
    return list(session.scalars(query))


def count_packshots(session: Session, *, sku_id: str, field: bool = False) -> int:
    """The SKU's packshots, or with ``field`` its field examples (every other kind)."""
    kind = SkuPackshot.kind != ExampleKind.packshot.value
    query = (
        select(func.count())
        .select_from(SkuPackshot)
        .where(SkuPackshot.sku_id == sku_id, kind if field else ~kind)
    )
    return int(session.scalar(query) or 0)


def find_packshot(session: Session, *, sku_id: str, sha256: str) -> SkuPackshot | None:
    """The SKU's packshot with exactly these bytes, if it has one."""
    return session.scalar(
        select(SkuPackshot).where(SkuPackshot.sku_id == sku_id, SkuPackshot.sha256 == sha256)
    )


def get_packshot(session: Session, *, sku_id: str, packshot_id: int) -> SkuPackshot:
    row = session.get(SkuPackshot, packshot_id)
    if row is None or row.sku_id != sku_id:
        raise NotFound(f"SKU {sku_id!r} has no packshot {packshot_id}")
    return row


@dataclass(frozen=True)
class NewPackshot:
    """A validated packshot whose original is already in object storage."""

    object_key: str
    sha256: str
    format: str
    size_bytes: int
    width: int
    height: int
    embedding: bytes | None = None
    model_version: str | None = None
    kind: ExampleKind = ExampleKind.packshot
    source_photo_id: int | None = None  # field examples: the photo it was cut from


def add_packshot(session: Session, *, sku_id: str, packshot: NewPackshot) -> SkuPackshot:
    get_sku(session, sku_id=sku_id)
    row = SkuPackshot(
        sku_id=sku_id,
        object_key=packshot.object_key,
        sha256=packshot.sha256,
        format=packshot.format,
        size_bytes=packshot.size_bytes,
        width=packshot.width,
        height=packshot.height,
        embedding=packshot.embedding,
        model_version=packshot.model_version,
        created_at=utcnow(),
        kind=packshot.kind.value,
        source_photo_id=packshot.source_photo_id,
    )
    session.add(row)
    _flush(session, f"packshot {packshot.sha256[:12]} of SKU {sku_id!r}")
    return row


def delete_packshot(session: Session, *, sku_id: str, packshot_id: int) -> None:
    """Forget the packshot. The original stays in object storage (content-addressed, it
    may be another SKU's packshot too)."""
    session.delete(get_packshot(session, sku_id=sku_id, packshot_id=packshot_id))
    session.flush()


def set_embedding(
    session: Session, *, packshot_id: int, embedding: bytes, model_version: str
) -> None:
    """Store a packshot's vector; a packshot deleted meanwhile is left alone."""
    row = session.get(SkuPackshot, packshot_id)
    if row is not None:
        row.embedding = embedding
        row.model_version = model_version
        session.flush()


# --- the catalogue as a whole ----------------------------------------------------------


def catalogue_revision(session: Session) -> str:
    """A string that changes whenever a SKU or packshot is added, changed or removed.

    SKUs are never deleted and every change bumps a row's ``revision``, so (count, sum of
    revisions) moves on each one; packshot ids are never reused, so (count, max id) moves
    on each add or delete. One round trip, four aggregates. Re-embedding a packshot
    changes no part of it: the gallery keys on the model version separately.
    """
    n_skus, sku_sum, n_packs, max_pack = session.execute(
        select(
            select(func.count()).select_from(Sku).scalar_subquery(),
            select(func.coalesce(func.sum(Sku.revision), 0)).scalar_subquery(),
            select(func.count()).select_from(SkuPackshot).scalar_subquery(),
            select(func.coalesce(func.max(SkuPackshot.id), 0)).scalar_subquery(),
        )
    ).one()
    return f"s{n_skus}.{sku_sum}-p{n_packs}.{max_pack}"


@dataclass(frozen=True)
class GalleryRow:
    """One packshot or field example of an active SKU, with what the gallery needs of both."""

    sku_id: str
    name: str
    brand: str | None
    packshot_id: int
    object_key: str
    embedding: bytes | None
    model_version: str | None
    kind: ExampleKind = ExampleKind.packshot


def gallery_rows(session: Session) -> list[GalleryRow]:
    """Every packshot of every active SKU, by SKU id then packshot id."""
    query = (
        select(
            Sku.sku_id,
            Sku.name,
            Sku.brand,
            SkuPackshot.id,
            SkuPackshot.object_key,
            SkuPackshot.embedding,
            SkuPackshot.model_version,
            SkuPackshot.kind,
        )
        .join(SkuPackshot, SkuPackshot.sku_id == Sku.sku_id)
        .where(Sku.active.is_(True))
        .order_by(Sku.sku_id, SkuPackshot.id)
    )
    return [GalleryRow(*row[:-1], kind=ExampleKind(row[-1])) for row in session.execute(query)]
