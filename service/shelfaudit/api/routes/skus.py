"""The SKU catalogue: admins add products and their packshots; every known caller reads.

A packshot is embedded as it is uploaded (when the service has an embedding model), so the
next photo analysed recognises the product: no retraining, no restart. A person reviewing
photos may also confirm a facing as a SKU (a field example, ``upload.sku_examples``). Every
change is appended to the audit trail (``review.catalogue_audit``) with who made it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status

from shelfaudit.analyse.sku import load_embedder
from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.ids import RowId
from shelfaudit.api.security import AdminOnly, AnyCaller, AnyPerson
from shelfaudit.review.catalogue_audit import (
    record_packshot_deleted,
    record_packshots_added,
    record_sku_changed,
    record_sku_created,
    sku_state,
)
from shelfaudit.store.catalogue import (
    create_sku,
    deactivate_sku,
    delete_packshot,
    get_packshot,
    get_sku,
    list_packshots,
    list_skus,
    update_sku,
)
from shelfaudit.store.sku_schemas import (
    SKU_ID_PATTERN,
    FieldExampleCreate,
    PackshotAccepted,
    SkuCreate,
    SkuDetail,
    SkuPublic,
    SkuState,
    SkuUpdate,
)
from shelfaudit.upload.intake import CONTENT_TYPES
from shelfaudit.upload.packshots import PackshotFile, accept_packshots
from shelfaudit.upload.sku_examples import accept_field_example

router = APIRouter(prefix="/v1/skus", tags=["sku catalogue"])

SkuIdPath = Annotated[str, Path(pattern=SKU_ID_PATTERN)]
ACTIVE = {SkuState.active: True, SkuState.inactive: False, SkuState.any: None}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SkuPublic,
    responses={409: {"description": "sku_id or barcode taken"}, 422: {"description": "invalid"}},
)
def post_sku(session: SessionDep, admin: AdminOnly, body: SkuCreate) -> SkuPublic:
    row = create_sku(session, data=body)
    record_sku_created(session, actor=admin, row=row)
    session.commit()
    return SkuPublic.model_validate(row)


@router.get("", response_model=list[SkuPublic])
def get_skus(
    session: SessionDep,
    _: AnyCaller,
    brand: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="in id, name, brand, barcode")
    ] = None,
    state: SkuState = SkuState.active,
    after: Annotated[str | None, Query(max_length=100, description="last sku_id seen")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[SkuPublic]:
    """SKUs in id order; page on with ``after``."""
    rows = list_skus(session, brand=brand, text=q, active=ACTIVE[state], after=after, limit=limit)
    return [SkuPublic.model_validate(r) for r in rows]


@router.get("/{sku_id}", response_model=SkuDetail)
def get_one_sku(session: SessionDep, _: AnyCaller, sku_id: SkuIdPath) -> SkuDetail:
    row = get_sku(session, sku_id=sku_id)
    return SkuDetail.of(row, list_packshots(session, sku_id=sku_id))


@router.patch("/{sku_id}", response_model=SkuPublic)
def patch_sku(
    session: SessionDep, admin: AdminOnly, sku_id: SkuIdPath, body: SkuUpdate
) -> SkuPublic:
    before = sku_state(get_sku(session, sku_id=sku_id))
    row = update_sku(session, sku_id=sku_id, data=body)
    record_sku_changed(session, actor=admin, action="sku_update", before=before, row=row)
    session.commit()
    return SkuPublic.model_validate(row)


@router.delete("/{sku_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_sku(session: SessionDep, admin: AdminOnly, sku_id: SkuIdPath) -> Response:
    """Deactivate: no longer recognised; the SKU, its packshots and past results stay."""
    before = sku_state(get_sku(session, sku_id=sku_id))
    row = deactivate_sku(session, sku_id=sku_id)
    record_sku_changed(session, actor=admin, action="sku_deactivate", before=before, row=row)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{sku_id}/packshots",
    status_code=status.HTTP_201_CREATED,
    response_model=list[PackshotAccepted],
    responses={
        400: {"description": "empty file, or too many packshots"},
        404: {"description": "unknown SKU"},
        413: {"description": "file or image too large"},
        415: {"description": "not a JPEG, HEIC, PNG or WebP image"},
        422: {"description": "corrupt image"},
    },
)
def post_packshots(
    runtime: RuntimeDep,
    admin: AdminOnly,
    response: Response,
    sku_id: SkuIdPath,
    files: Annotated[list[UploadFile], File(description="one or more images, JPEG/PNG/WebP")],
) -> list[PackshotAccepted]:
    """Store and embed the packshots; if one file is bad, none is stored. 200 instead of
    201 when the SKU already had every file sent."""
    limit = runtime.settings.max_upload_bytes
    # The body-limit middleware bounds what can arrive here, so reading it whole is safe.
    uploads = [PackshotFile(f.filename, f.file.read(limit + 1)) for f in files]
    accepted = accept_packshots(
        sessions=runtime.sessions,
        objects=runtime.objects,
        sku_id=sku_id,
        files=uploads,
        embedder=load_embedder(runtime.models),
        max_bytes=limit,
        max_pixels=runtime.settings.max_pixels,
    )
    record_packshots_added(runtime.sessions, actor=admin, sku_id=sku_id, accepted=accepted)
    if not any(a.created for a in accepted):
        response.status_code = status.HTTP_200_OK
    return [PackshotAccepted.of(a.packshot, created=a.created) for a in accepted]


@router.post(
    "/{sku_id}/examples",
    status_code=status.HTTP_201_CREATED,
    response_model=PackshotAccepted,
    responses={
        400: {"description": "a box outside the photo or too small, or too many examples"},
        404: {"description": "unknown SKU or photo"},
    },
)
def post_field_example(
    runtime: RuntimeDep,
    person: AnyPerson,
    response: Response,
    sku_id: SkuIdPath,
    body: FieldExampleCreate,
) -> PackshotAccepted:
    """Confirm a facing of an analysed photo as this SKU: it is cut from the original as the
    SKU check cuts facings, kept and embedded, so the next audit compares with it too. 200
    instead of 201 when the SKU already had this exact cut-out."""
    accepted = accept_field_example(
        sessions=runtime.sessions,
        objects=runtime.objects,
        sku_id=sku_id,
        photo_id=body.photo_id,
        xyxy=body.xyxy,
        embedder=load_embedder(runtime.models),
        long_side=runtime.settings.quality_long_side,
        max_pixels=runtime.settings.max_pixels,
    )
    record_packshots_added(runtime.sessions, actor=person, sku_id=sku_id, accepted=[accepted])
    if not accepted.created:
        response.status_code = status.HTTP_200_OK
    return PackshotAccepted.of(accepted.packshot, created=accepted.created)


@router.get("/{sku_id}/packshots/{packshot_id}/image", response_class=Response)
def get_packshot_image(
    runtime: RuntimeDep, session: SessionDep, _: AnyCaller, sku_id: SkuIdPath, packshot_id: RowId
) -> Response:
    """The packshot's original bytes, as uploaded."""
    row = get_packshot(session, sku_id=sku_id, packshot_id=packshot_id)
    return Response(
        content=runtime.objects.get(row.object_key),
        media_type=CONTENT_TYPES.get(row.format, "application/octet-stream"),
        headers={"ETag": f'"{row.sha256}"', "Cache-Control": "private, max-age=31536000"},
    )


@router.delete("/{sku_id}/packshots/{packshot_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_one_packshot(
    session: SessionDep, admin: AdminOnly, sku_id: SkuIdPath, packshot_id: RowId
) -> Response:
    """No longer recognised from this picture; the next analysis no longer compares with it."""
    row = get_packshot(session, sku_id=sku_id, packshot_id=packshot_id)
    record_packshot_deleted(session, actor=admin, row=row)
    delete_packshot(session, sku_id=sku_id, packshot_id=packshot_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
