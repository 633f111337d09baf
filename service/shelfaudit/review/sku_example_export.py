"""SKU pictures for retraining the embedder: the catalogue's packshots and the field examples
people confirmed, in the GroceryStore layout that ``training.sku`` trains on and
``shelfaudit eval sku`` measures.

Layout (in a folder or a zip, through the same sinks as ``label_export``)::

    classes.csv                                  one class per active SKU with a packshot
    iconic-images-and-descriptions/<sku>/<sku>_Iconic.<ext>    its first packshot
    train/<sku>/<example id>.jpg, val/<sku>/...  its field examples
    train.txt, val.txt                           "path, fine_id, coarse_id, kind" lines

Fine ids follow SKU ids in order; the coarse class is the brand (the SKU itself without
one). Field examples go to val by the photo they were cut from (every ``VAL_EVERY``-th photo
id), so two facings of one photo never sit on both sides of the split and a photo keeps its
side from one export to the next. When no source photo id is such a multiple but there are
at least two source photos, the newest one goes to val, so a small export can still be
measured.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.domain.enums import ExampleKind
from shelfaudit.review.label_export import Sink
from shelfaudit.store.objects import ObjectStore
from shelfaudit.store.tables import Sku, SkuPackshot

VAL_EVERY = 5  # photos whose id is a multiple of this go to val
HEADER = [
    "Class Name (str)",
    "Class ID (int)",
    "Coarse Class Name (str)",
    "Coarse Class ID (int)",
    "Iconic Image Path (str)",
    "Product Description Path (str)",
]
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}


@dataclass(frozen=True)
class SkuExportSummary:
    classes: int
    train: int  # field examples in train.txt
    val: int
    without_packshot: list[str]  # active SKUs left out: no packshot to be their class image


def val_photos(source_photo_ids: set[int]) -> set[int]:
    """The source photos whose examples go to val."""
    chosen = {i for i in source_photo_ids if i % VAL_EVERY == 0}
    if not chosen and len(source_photo_ids) >= 2:
        chosen = {max(source_photo_ids)}
    return chosen


def export_sku_examples(session: Session, objects: ObjectStore, *, sink: Sink) -> SkuExportSummary:
    """Write every active SKU that has a packshot, with its field examples."""
    rows = session.execute(
        select(Sku, SkuPackshot)
        .join(SkuPackshot, SkuPackshot.sku_id == Sku.sku_id)
        .where(Sku.active.is_(True))
        .order_by(Sku.sku_id, SkuPackshot.id)
    ).all()
    skus: dict[str, Sku] = {}
    pictures: dict[str, list[SkuPackshot]] = defaultdict(list)
    for sku, picture in rows:
        skus[sku.sku_id] = sku
        pictures[sku.sku_id].append(picture)
    packshots = {
        sku_id: [p for p in found if p.kind == ExampleKind.packshot.value]
        for sku_id, found in pictures.items()
    }
    kept = [sku_id for sku_id in sorted(skus) if packshots[sku_id]]
    val = val_photos(
        {
            p.source_photo_id
            for sku_id in kept
            for p in pictures[sku_id]
            if p.kind != ExampleKind.packshot.value and p.source_photo_id is not None
        }
    )
    brands = sorted({skus[s].brand or s for s in kept})
    coarse = {brand: i for i, brand in enumerate(brands)}
    classes = io.StringIO()
    writer = csv.writer(classes, lineterminator="\n")
    writer.writerow(HEADER)
    splits: dict[str, list[str]] = {"train": [], "val": []}
    for fine, sku_id in enumerate(kept):
        brand = skus[sku_id].brand or sku_id
        iconic = packshots[sku_id][0]
        path = (
            f"iconic-images-and-descriptions/{sku_id}/{sku_id}_Iconic."
            f"{EXTENSIONS.get(iconic.format, 'jpg')}"
        )
        sink.write(path, objects.get(iconic.object_key))
        writer.writerow([sku_id, fine, brand, coarse[brand], f"/{path}", ""])
        for example in pictures[sku_id]:
            if example.kind == ExampleKind.packshot.value:
                continue
            split = "val" if example.source_photo_id in val else "train"
            name = f"{split}/{sku_id}/{example.id}.{EXTENSIONS.get(example.format, 'jpg')}"
            sink.write(name, objects.get(example.object_key))
            splits[split].append(f"{name}, {fine}, {coarse[brand]}, {example.kind}")
    sink.write("classes.csv", classes.getvalue().encode())
    for split, lines in splits.items():
        sink.write(f"{split}.txt", ("\n".join(lines) + "\n" if lines else "").encode())
    return SkuExportSummary(
        classes=len(kept),
        train=len(splits["train"]),
        val=len(splits["val"]),
        without_packshot=[s for s in sorted(skus) if not packshots[s]],
    )
