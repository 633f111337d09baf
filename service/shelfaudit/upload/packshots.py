"""Accept packshots for a SKU: validate like a photo upload, store, embed at once.

All files of one request are validated before anything is stored, so one corrupt file
leaves the SKU as it was. With an embedder the vectors are stored with the rows, so the
next audit recognises the SKU without waiting for the gallery to embed them itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.analyse import decode
from shelfaudit.analyse.pipeline import sha256_hex
from shelfaudit.domain.enums import ExampleKind
from shelfaudit.errors import InvalidInput, PayloadTooLarge
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.packshot import embed_packshots, foreground_mask, packshot_version
from shelfaudit.store.catalogue import (
    NewPackshot,
    add_packshot,
    count_packshots,
    encode_vector,
    find_packshot,
    get_sku,
    lock_sku,
)
from shelfaudit.store.objects import ObjectStore
from shelfaudit.store.tables import SkuPackshot
from shelfaudit.upload.intake import CONTENT_TYPES

MAX_PACKSHOTS_PER_SKU = 20  # a handful of angles per product; more only slows the search
# Packshots are decoded at most this large before the embedder letterboxes them to its
# input (96 px): far above the input, yet a 4000 px studio shot costs no full decode.
EMBED_LONG_SIDE = 512


def packshot_key(sha256: str) -> str:
    return f"packshots/{sha256[:2]}/{sha256[2:4]}/{sha256}"


@dataclass(frozen=True)
class PackshotFile:
    name: str | None
    data: bytes


@dataclass(frozen=True)
class DecodedPackshot:
    sha256: str
    format: str
    width: int  # upright, after EXIF orientation
    height: int
    rgb: NDArray[np.uint8]  # (H, W, 3), long side at most EMBED_LONG_SIDE


# A facing cut from a shelf photo may be as small as the SKU check crops (SkuConfig.min_side)
# and as thin as a bottle seen edge-on; a packshot has no shape to keep.
PACKSHOT_MIN_SIDE = 4


@dataclass(frozen=True)
class AcceptedPackshot:
    packshot: SkuPackshot
    created: bool  # False: the SKU already had these exact bytes


def decode_packshot(data: bytes, *, max_bytes: int, max_pixels: int) -> DecodedPackshot:
    """Refuse empty, oversized, non-image, bomb, truncated or corrupt files (``InvalidInput``
    subclasses); decode the rest upright, through the same safe decoder as photos."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"file is {len(data):,} bytes; the limit is {max_bytes:,} bytes "
            f"({max_bytes / 2**20:.1f} MiB)"
        )
    image = decode.decode(
        data,
        target_long_side=EMBED_LONG_SIDE,
        max_pixels=max_pixels,
        min_side=PACKSHOT_MIN_SIDE,
        max_aspect=None,
    )
    if not foreground_mask(image.rgb).any():
        raise InvalidInput("the packshot shows no product: it is blank (or fully transparent)")
    return DecodedPackshot(
        sha256=sha256_hex(data),
        format=image.result.format,
        width=image.result.width,
        height=image.result.height,
        rgb=image.rgb,
    )


def _decode_all(
    files: Sequence[PackshotFile], *, max_bytes: int, max_pixels: int
) -> list[DecodedPackshot]:
    decoded = []
    for i, file in enumerate(files):
        try:
            decoded.append(decode_packshot(file.data, max_bytes=max_bytes, max_pixels=max_pixels))
        except InvalidInput as exc:
            # Same class (so the same status), with the file named.
            label = file.name or f"file {i + 1}"
            raise type(exc)(f"{label}: {exc.message}", field=f"files.{i}") from exc
    return decoded


def accept_packshots(
    *,
    sessions: sessionmaker[Session],
    objects: ObjectStore,
    sku_id: str,
    files: Sequence[PackshotFile],
    embedder: Embedder | None,
    max_bytes: int,
    max_pixels: int,
) -> list[AcceptedPackshot]:
    """Validate every file, then store and embed the new ones; one result per distinct file.

    Raises ``NotFound`` for an unknown SKU, an ``InvalidInput`` subclass naming the first bad
    file (nothing stored then), or ``InvalidInput`` past ``MAX_PACKSHOTS_PER_SKU``.
    """
    if not files:
        raise InvalidInput("send at least one packshot image", field="files")
    with sessions() as session:
        get_sku(session, sku_id=sku_id)
        # Counted from the raw bytes before any is decoded: decoding 40 large packshots
        # costs half a minute of CPU only to refuse them.
        distinct = {sha256_hex(f.data) for f in files}
        known = sum(
            find_packshot(session, sku_id=sku_id, sha256=sha) is not None for sha in distinct
        )
        have = count_packshots(session, sku_id=sku_id)
    if have + len(distinct) - known > MAX_PACKSHOTS_PER_SKU:
        raise InvalidInput(
            f"SKU {sku_id!r} has {have} packshots; {len(distinct) - known} more would pass the "
            f"limit of {MAX_PACKSHOTS_PER_SKU}: delete some first",
            field="files",
        )
    decoded = _decode_all(files, max_bytes=max_bytes, max_pixels=max_pixels)
    unique = list({d.sha256: (d, f) for d, f in zip(decoded, files, strict=True)}.values())

    with sessions() as session:
        existing = {
            d.sha256: row
            for d, _ in unique
            if (row := find_packshot(session, sku_id=sku_id, sha256=d.sha256)) is not None
        }
        have = count_packshots(session, sku_id=sku_id)
    new = [(d, f) for d, f in unique if d.sha256 not in existing]
    if have + len(new) > MAX_PACKSHOTS_PER_SKU:
        raise InvalidInput(
            f"SKU {sku_id!r} has {have} packshots; {len(new)} more would pass the limit of "
            f"{MAX_PACKSHOTS_PER_SKU}: delete some first",
            field="files",
        )

    embeddings: list[bytes | None] = [None] * len(new)
    version = None
    if embedder is not None and new:
        embeddings = [encode_vector(v) for v in embed_packshots(embedder, [d.rgb for d, _ in new])]
        version = packshot_version(embedder)
    for d, f in new:
        objects.put(packshot_key(d.sha256), f.data, CONTENT_TYPES[d.format])

    results: dict[str, AcceptedPackshot] = {
        sha: AcceptedPackshot(row, created=False) for sha, row in existing.items()
    }
    with sessions.begin() as session:
        lock_sku(session, sku_id=sku_id)  # counted again: two uploads at once each saw room
        have = count_packshots(session, sku_id=sku_id)
        if have + len(new) > MAX_PACKSHOTS_PER_SKU:
            raise InvalidInput(
                f"SKU {sku_id!r} has {have} packshots; {len(new)} more would pass the limit of "
                f"{MAX_PACKSHOTS_PER_SKU}: delete some first",
                field="files",
            )
        for (d, f), embedding in zip(new, embeddings, strict=True):
            row = add_packshot(
                session,
                sku_id=sku_id,
                packshot=new_packshot(d, len(f.data), embedding, version),
            )
            results[d.sha256] = AcceptedPackshot(row, created=True)
    return [results[d.sha256] for d, _ in unique]


def new_packshot(
    decoded: DecodedPackshot,
    size_bytes: int,
    embedding: bytes | None,
    version: str | None,
    *,
    kind: ExampleKind = ExampleKind.packshot,
    source_photo_id: int | None = None,
) -> NewPackshot:
    """The row of a picture stored at ``packshot_key(decoded.sha256)``."""
    return NewPackshot(
        object_key=packshot_key(decoded.sha256),
        sha256=decoded.sha256,
        format=decoded.format,
        size_bytes=size_bytes,
        width=decoded.width,
        height=decoded.height,
        embedding=embedding,
        model_version=version if embedding is not None else None,
        kind=kind,
        source_photo_id=source_photo_id,
    )
