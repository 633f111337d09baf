"""Label export for ML engineers, as zips: reviewed photos with corrected boxes, and the SKU
catalogue's packshots with the field examples people confirmed."""

from __future__ import annotations

import io
import zipfile
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shelfaudit.analyse.detect import served_classes
from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.security import LabelExporter
from shelfaudit.domain.times import IsoDate
from shelfaudit.review.label_export import LabelFormat, ZipSink, export_labels
from shelfaudit.review.label_split import DEFAULT_VAL_SHARE, MAX_VAL_SHARE
from shelfaudit.review.sku_example_export import export_sku_examples

router = APIRouter(prefix="/v1/labels", tags=["labels"])


@router.get("/export", response_class=Response)
def get_label_export(
    runtime: RuntimeDep,
    session: SessionDep,
    _: LabelExporter,
    since: Annotated[IsoDate, Query(description="decisions taken on or after this day (UTC)")],
    format_: Annotated[LabelFormat, Query(alias="format")] = LabelFormat.coco,
    val_share: Annotated[
        float,
        Query(
            ge=0,
            le=MAX_VAL_SHARE,
            description="about this share of the stores goes to val (0: all photos in train)",
        ),
    ] = DEFAULT_VAL_SHARE,
) -> Response:
    """Approved photos the outlet detector saw, with their boxes as reviewers corrected them
    (class ids in the served detector's order), split into train and val by store;
    ``X-Skipped`` counts the photos left out (rejected, same bytes as another, never seen by
    the detector), ``X-Val-Images`` the photos in val."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        summary = export_labels(
            session,
            runtime.objects,
            fmt=format_,
            since=since,
            sink=ZipSink(archive),
            served_classes=served_classes(runtime.models.registry),
            val_share=val_share,
        )
    name = f"labels-{format_}-since-{since.isoformat()}.zip"
    return Response(
        content=buffer.getvalue(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Images": str(summary.images),
            "X-Boxes": str(summary.boxes),
            "X-Drawn-Boxes": str(summary.drawn),
            "X-Skipped": str(sum(summary.skipped.values())),
            "X-Val-Images": str(summary.splits.get("val", 0)),
        },
    )


@router.get("/sku-examples", response_class=Response)
def get_sku_example_export(runtime: RuntimeDep, session: SessionDep, _: LabelExporter) -> Response:
    """Every active SKU with a packshot and its confirmed field examples, in the GroceryStore
    layout ``training.sku.train --root`` and ``shelfaudit eval sku`` read."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        summary = export_sku_examples(session, runtime.objects, sink=ZipSink(archive))
    return Response(
        content=buffer.getvalue(),
        media_type="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="sku-examples.zip"',
            "X-Classes": str(summary.classes),
            "X-Train": str(summary.train),
            "X-Val": str(summary.val),
        },
    )
