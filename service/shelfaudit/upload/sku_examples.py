"""Field examples: a facing a person confirmed on a real photo, added to its SKU's gallery.

A packshot shows the product on white; a field example shows it as reps photograph it, under
shop light, among other products. Confirming one (from the review page, the API or the CLI)
cuts it from the stored original exactly as the pipeline cuts a facing (the same analysis
size and padding), keeps the cut-out in object storage and embeds it at once, so the next
audit compares facings with it too. No retraining: the model is unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.analyse import decode
from shelfaudit.analyse.sku import SkuConfig, crop_region
from shelfaudit.domain.enums import ExampleKind, PhotoStatus
from shelfaudit.errors import Conflict, InvalidInput, NotAnalysed, NotFound
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.sku_examples import embed_examples, example_version
from shelfaudit.store.catalogue import (
    add_packshot,
    count_packshots,
    encode_vector,
    find_packshot,
    get_sku,
    lock_sku,
)
from shelfaudit.store.objects import ObjectStore
from shelfaudit.store.tables import Photo
from shelfaudit.upload.packshots import (
    AcceptedPackshot,
    decode_packshot,
    new_packshot,
    packshot_key,
)

MAX_FIELD_EXAMPLES_PER_SKU = 50  # beyond a few dozen, more views of a SKU only slow search
JPEG_QUALITY = 92
_CROP = SkuConfig()  # the pipeline's padding and smallest crop


def _validated_box(
    xyxy: Sequence[float] | None, width: int, height: int
) -> tuple[float, float, float, float] | None:
    """The box in upright original pixels, or None for the whole photo; ``InvalidInput`` for
    a box that is not four finite numbers inside the photo with positive area."""
    if xyxy is None:
        return None
    values = [float(v) for v in xyxy]
    if len(values) != 4 or not all(np.isfinite(values)):
        raise InvalidInput("xyxy must be four numbers: x0, y0, x1, y1", field="xyxy")
    x0, y0, x1, y1 = values
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise InvalidInput(
            f"xyxy {values} is not a box inside the {width} x {height} photo "
            "(original upright pixels, x0 < x1, y0 < y1)",
            field="xyxy",
        )
    return x0, y0, x1, y1


def cut_example(
    original: bytes, xyxy: Sequence[float] | None, *, long_side: int, max_pixels: int
) -> tuple[NDArray[np.uint8], ExampleKind]:
    """The confirmed region of a photo as the pipeline sees it (upright, at analysis size,
    padded like a facing), and its kind: a shelf crop, or without a box the whole close-up."""
    decoded = decode.decode(original, target_long_side=long_side, max_pixels=max_pixels)
    width, height = decoded.result.width, decoded.result.height
    box = _validated_box(xyxy, width, height)
    rgb = decoded.rgb
    if box is None:
        return rgb, ExampleKind.close_up
    cut = crop_region(
        list(box),
        scale=rgb.shape[1] / width,
        width=rgb.shape[1],
        height=rgb.shape[0],
        padding=_CROP.padding,
        min_side=_CROP.min_side,
    )
    if cut is None:
        raise InvalidInput("the box is too small to recognise anything in it", field="xyxy")
    left, top, right, bottom = cut
    return np.ascontiguousarray(rgb[top:bottom, left:right]), ExampleKind.shelf_crop


def _jpeg(rgb: NDArray[np.uint8]) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def accept_field_example(
    *,
    sessions: sessionmaker[Session],
    objects: ObjectStore,
    sku_id: str,
    photo_id: int,
    xyxy: Sequence[float] | None,
    embedder: Embedder | None,
    long_side: int,
    max_pixels: int,
) -> AcceptedPackshot:
    """Cut ``xyxy`` (upright original pixels; None: the whole photo) from photo ``photo_id``,
    store it as a field example of ``sku_id`` and embed it. The same cut-out again changes
    nothing (``created`` False). ``NotFound`` for an unknown SKU or photo, ``NotAnalysed``
    for a photo whose analysis has not succeeded, ``InvalidInput``
    for a bad box or past ``MAX_FIELD_EXAMPLES_PER_SKU``."""
    with sessions() as session:
        if not get_sku(session, sku_id=sku_id).active:
            # The review's catalogue offers active SKUs only; an id typed or scripted against
            # a retired SKU would teach the gallery a product that is never recognised.
            raise Conflict(
                f"SKU {sku_id!r} is deactivated: reactivate it before confirming facings as it",
                field="sku_id",
            )
        photo = session.get(Photo, photo_id)
        if photo is None:
            raise NotFound(f"photo {photo_id} does not exist", field="photo_id")
        if photo.status != PhotoStatus.analysed:
            raise NotAnalysed(
                f"photo {photo_id} is {photo.status}: confirm facings of analysed photos only",
                field="photo_id",
            )
        object_key = photo.object_key
    region, kind = cut_example(
        objects.get(object_key), xyxy, long_side=long_side, max_pixels=max_pixels
    )
    data = _jpeg(region)
    # Embedded from the stored bytes, as the gallery embeds it again after a model change.
    stored = decode_packshot(data, max_bytes=len(data), max_pixels=max_pixels)
    with sessions() as session:
        existing = find_packshot(session, sku_id=sku_id, sha256=stored.sha256)
        if existing is not None:
            return AcceptedPackshot(existing, created=False)
        have = count_packshots(session, sku_id=sku_id, field=True)
    if have >= MAX_FIELD_EXAMPLES_PER_SKU:
        raise InvalidInput(
            f"SKU {sku_id!r} has {have} field examples, the limit: delete some first",
            field="sku_id",
        )
    embedding = version = None
    if embedder is not None:
        (vector,) = embed_examples(embedder, kind, [stored.rgb])
        embedding, version = encode_vector(vector), example_version(embedder, kind)
    objects.put(packshot_key(stored.sha256), data, "image/jpeg")
    with sessions.begin() as session:
        # Counted again under the SKU's row lock: six confirmations at once each saw 49 and
        # together made 52.
        lock_sku(session, sku_id=sku_id)
        have = count_packshots(session, sku_id=sku_id, field=True)
        if have >= MAX_FIELD_EXAMPLES_PER_SKU:
            raise InvalidInput(
                f"SKU {sku_id!r} has {have} field examples, the limit: delete some first",
                field="sku_id",
            )
        row = add_packshot(
            session,
            sku_id=sku_id,
            packshot=new_packshot(
                stored, len(data), embedding, version, kind=kind, source_photo_id=photo_id
            ),
        )
        return AcceptedPackshot(row, created=True)
