"""Photo intake and results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status
from pydantic import BaseModel, ValidationError

from shelfaudit.api.deps import DispatcherDep, RuntimeDep, SessionDep
from shelfaudit.api.etags import matches
from shelfaudit.api.ids import RowId
from shelfaudit.api.security import sfa_or_admin
from shelfaudit.api.upload_slots import upload_slot
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.domain.ids import MAX_ROW_ID
from shelfaudit.domain.times import AwareDatetime
from shelfaudit.errors import InvalidMetadata, NotFound
from shelfaudit.results.read import list_photos, read_photo
from shelfaudit.results.reanalyse import retry_failed
from shelfaudit.results.schemas import PhotoPublic
from shelfaudit.store.tables import Photo, utcnow
from shelfaudit.upload.intake import CONTENT_TYPES, accept_photo
from shelfaudit.upload.metadata import VisitMetadata

# SFA apps (API key) and admins; people reach photos through the review pages.
router = APIRouter(prefix="/v1/photos", tags=["photos"], dependencies=[Depends(sfa_or_admin)])


class PhotoAccepted(BaseModel):
    photo_id: int
    status: PhotoStatus
    status_url: str
    replayed: bool  # True when client_photo_id was sent before: this is the original photo


def _metadata(**fields: object) -> VisitMetadata:
    try:
        return VisitMetadata.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        raise InvalidMetadata(
            "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'metadata'}: "
                + str(e["msg"]).removeprefix("Value error, ")
                for e in exc.errors()
            ),
            field=field,
        ) from exc


UPLOAD_FIELDS = frozenset({"file", *VisitMetadata.model_fields})


async def _only_known_fields(request: Request) -> None:
    """Refuse a form with fields we do not read, sent twice or sent empty: an app that
    misspells ``store_id``, sends two files or an empty store should hear so, not have them
    silently dropped."""
    form = await request.form()  # parsed once already for the route; Starlette caches it
    unknown = sorted(set(form.keys()) - UPLOAD_FIELDS)
    if unknown:
        raise InvalidMetadata(
            f"unknown field {', '.join(map(repr, unknown))}; "
            f"the fields are {', '.join(sorted(UPLOAD_FIELDS))}",
            field=unknown[0],
        )
    for key in sorted(set(form.keys())):
        if (count := len(form.getlist(key))) > 1:
            raise InvalidMetadata(f"{key} was sent {count} times; send it once", field=key)
        # FastAPI reads an empty form field as absent: a store_id the app failed to fill
        # would pass as a photo of no store (unscored, no geofence) instead of a bug.
        if key != "file" and isinstance(value := form[key], str) and not value.strip():
            raise InvalidMetadata(f"{key} is empty; leave it out or send a value", field=key)


@router.post(
    "",
    dependencies=[Depends(_only_known_fields)],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PhotoAccepted,
    responses={
        200: {"description": "client_photo_id seen before: the original photo"},
        400: {"description": "empty file"},
        409: {"description": "client_photo_id used before for another file or visit"},
        413: {"description": "file or image too large"},
        415: {"description": "not a JPEG, HEIC, PNG or WebP image"},
        422: {"description": "corrupt image or invalid metadata"},
        503: {"description": "storage unavailable or too many uploads at once: retry"},
    },
)
def upload_photo(
    request: Request,
    runtime: RuntimeDep,
    dispatcher: DispatcherDep,
    response: Response,
    file: Annotated[UploadFile, File(description="the photo, JPEG/PNG/WebP")],
    client_photo_id: Annotated[str | None, Form()] = None,
    rep_id: Annotated[str | None, Form()] = None,
    store_id: Annotated[str | None, Form()] = None,
    activity_id: Annotated[str | None, Form()] = None,
    captured_at: Annotated[str | None, Form(description="ISO 8601 with offset")] = None,
    lat: Annotated[str | None, Form()] = None,
    lon: Annotated[str | None, Form()] = None,
    accuracy_m: Annotated[str | None, Form()] = None,
    device_model: Annotated[str | None, Form()] = None,
    app_version: Annotated[str | None, Form()] = None,
) -> PhotoAccepted:
    """Accept a photo with its visit metadata; analysis runs in the background."""
    meta = _metadata(
        client_photo_id=client_photo_id,
        rep_id=rep_id,
        store_id=store_id,
        activity_id=activity_id,
        captured_at=captured_at,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        device_model=device_model,
        app_version=app_version,
    )
    # The body-limit middleware bounds what can arrive here, so reading it whole is safe.
    data = file.file.read(runtime.settings.max_upload_bytes + 1)
    with upload_slot(request):
        accepted = accept_photo(
            sessions=runtime.sessions,
            objects=runtime.objects,
            settings=runtime.settings,
            data=data,
            meta=meta,
            source_name=file.filename,
        )
    photo = accepted.photo
    state = PhotoStatus(photo.status)
    if accepted.created:
        dispatcher.submit(photo.id)
    elif state is PhotoStatus.failed and retry_failed(runtime.sessions, photo.id, now=utcnow()):
        # The app sent a photo whose analysis failed: the resend is its way to try again.
        state = PhotoStatus.received
        dispatcher.submit(photo.id)
    else:
        response.status_code = status.HTTP_200_OK
    return PhotoAccepted(
        photo_id=photo.id,
        status=state,
        status_url=f"/v1/photos/{photo.id}",
        replayed=not accepted.created,
    )


@router.get("/{photo_id}", response_model=PhotoPublic)
def get_photo(session: SessionDep, photo_id: RowId) -> PhotoPublic:
    """Status, visit metadata and every analysis result of one photo."""
    return read_photo(session, photo_id)


@router.get("", response_model=list[PhotoPublic])
def get_photos(
    session: SessionDep,
    status_: Annotated[PhotoStatus | None, Query(alias="status")] = None,
    store_id: str | None = None,
    rep_id: str | None = None,
    activity_id: str | None = None,
    after_id: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    changed_since: Annotated[
        AwareDatetime | None,
        Query(
            description="only photos analysed, failed or decided by a reviewer at or after "
            "this time (ISO 8601 with offset; write + as %2B)"
        ),
    ] = None,
) -> list[PhotoPublic]:
    """Photos in id order, without results; page with ``after_id``. An app syncing outcomes
    keeps the time it started and passes it as ``changed_since`` the next time."""
    return list_photos(
        session,
        status=status_,
        store_id=store_id,
        rep_id=rep_id,
        activity_id=activity_id,
        after_id=after_id,
        limit=limit,
        changed_since=changed_since,
    )


@router.get("/{photo_id}/original", response_class=Response)
def get_original(
    request: Request, runtime: RuntimeDep, session: SessionDep, photo_id: RowId
) -> Response:
    """The original bytes exactly as uploaded (304 for the ETag the caller holds)."""
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    headers = {"ETag": f'"{photo.sha256}"', "Cache-Control": "private, max-age=31536000"}
    if matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    data = runtime.objects.get(photo.object_key)
    return Response(
        content=data,
        media_type=CONTENT_TYPES.get(photo.format, "application/octet-stream"),
        headers=headers,
    )
