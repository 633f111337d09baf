"""The live SKU gallery: the catalogue's packshot and field-example vectors, rebuilt when the
catalogue changes.

``CatalogueGallery.current()`` costs one small query while nothing changed; after a SKU or
packshot is added, changed or removed (``catalogue_revision`` moves), or when the embedding
model is another version, it builds a new immutable ``Gallery``. Pictures without a vector
of the current model (and views, ``ml.sku_examples.example_version``) are embedded again from
their originals in object storage, each as its kind is, and the vectors written back, so a
new model never compares its crops with an old model's vectors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.domain.enums import ExampleKind
from shelfaudit.errors import InvalidInput, NotFound
from shelfaudit.index.gallery import Gallery, SkuInfo
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.sku_examples import embed_examples, example_version, gallery_version
from shelfaudit.store.catalogue import (
    GalleryRow,
    catalogue_revision,
    decode_vector,
    encode_vector,
    gallery_rows,
    set_embedding,
)
from shelfaudit.store.objects import ObjectStore
from shelfaudit.upload.packshots import decode_packshot

log = logging.getLogger(__name__)

# Stored packshots passed the upload limits when they came in; these bounds only guard
# the re-decode against an object that was swapped in storage.
_MAX_BYTES = 1 << 30
_MAX_PIXELS = 400_000_000
_CHUNK = 64  # packshots decoded at once while re-embedding: bounds memory, not speed


class CatalogueGallery:
    """Thread-safe: concurrent callers share one gallery and wait for one rebuild."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        objects: ObjectStore,
        embedder: Callable[[], Embedder | None],
    ) -> None:
        self._sessions = sessions
        self._objects = objects
        self._embedder = embedder
        self._lock = threading.Lock()
        self._gallery: Gallery | None = None
        self._built_for: tuple[str, str] | None = None  # (catalogue revision, model version)

    def current(self) -> Gallery | None:
        """The gallery of every active SKU's packshots and field examples; None when there is
        no embedder."""
        embedder = self._embedder()
        if embedder is None:
            return None
        with self._lock:
            with self._sessions() as session:
                # Revision first, rows second: the gallery holds at least that state.
                revision = catalogue_revision(session)
                if self._gallery is not None and self._built_for == (
                    revision,
                    gallery_version(embedder),
                ):
                    return self._gallery
                rows = gallery_rows(session)
            gallery = self._build(embedder, revision, rows)
            self._gallery, self._built_for = gallery, (revision, gallery_version(embedder))
            return gallery

    def _build(self, embedder: Embedder, revision: str, rows: Sequence[GalleryRow]) -> Gallery:
        vectors: dict[int, NDArray[np.float32]] = {}
        stale: list[GalleryRow] = []
        for row in rows:
            vector = (
                decode_vector(row.embedding, embedder.vector_dim)
                if row.model_version == example_version(embedder, row.kind)
                else None
            )
            if vector is None:
                stale.append(row)
            else:
                vectors[row.packshot_id] = vector
        for kind in ExampleKind:
            same = [row for row in stale if row.kind is kind]
            for start in range(0, len(same), _CHUNK):
                vectors.update(self._embed_again(embedder, kind, same[start : start + _CHUNK]))
        entries = [
            (SkuInfo(row.sku_id, row.name, row.brand), vectors[row.packshot_id])
            for row in rows
            if row.packshot_id in vectors
        ]
        gallery = Gallery.build(
            embedder.vector_dim, entries, revision, shortlist_dims=embedder.shortlist_dims
        )
        log.info(
            "SKU gallery %s (model %s): %d SKUs, %d vectors, %d embedded again",
            revision,
            gallery_version(embedder),
            gallery.n_skus,
            gallery.n_vectors,
            len(stale),
        )
        return gallery

    def _embed_again(
        self, embedder: Embedder, kind: ExampleKind, rows: Sequence[GalleryRow]
    ) -> dict[int, NDArray[np.float32]]:
        """Vectors of ``rows`` (all of ``kind``) from their originals, written back to the
        database.

        A packshot whose original is gone or no longer decodes is left out of the gallery
        (and logged) rather than failing every audit; a storage outage propagates.
        """
        ids: list[int] = []
        crops: list[NDArray[np.uint8]] = []
        for row in rows:
            try:
                data = self._objects.get(row.object_key)
                crops.append(
                    decode_packshot(data, max_bytes=_MAX_BYTES, max_pixels=_MAX_PIXELS).rgb
                )
            except (NotFound, InvalidInput) as exc:
                log.warning(
                    "packshot %d of SKU %s left out of the gallery: %s",
                    row.packshot_id,
                    row.sku_id,
                    exc.message,
                )
                continue
            ids.append(row.packshot_id)
        if not ids:
            return {}
        vectors = embed_examples(embedder, kind, crops)
        with self._sessions.begin() as session:
            for packshot_id, vector in zip(ids, vectors, strict=True):
                set_embedding(
                    session,
                    packshot_id=packshot_id,
                    embedding=encode_vector(vector),
                    model_version=example_version(embedder, kind),
                )
        return dict(zip(ids, vectors, strict=True))
