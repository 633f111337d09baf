"""Factories for SKU catalogue tests: a models folder with a fake embedder, packshot images,
and a catalogue on a fresh database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.analyse.sku import MODEL_NAME as EMBEDDER_MODEL
from shelfaudit.analyse.sku import load_embedder as catalogue_embedder
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.store import migrate
from shelfaudit.store.catalogue import create_sku
from shelfaudit.store.database import make_engine, make_sessionmaker
from shelfaudit.store.objects import LocalObjectStore
from shelfaudit.store.sku_schemas import SkuCreate
from shelfaudit.store.tables import Sku
from shelfaudit.upload.packshots import AcceptedPackshot, PackshotFile, accept_packshots
from tests.factories import encode, jpeg_bytes, textured_rgb
from tests.fake_models import fake_embedder, write_registry

SIZE, DIM = 32, 16
CPU = SessionOptions(providers=("CPUExecutionProvider",), intra_op_threads=1)


def embedder_models(root: Path, *, version: str = "test", seed: int = 0) -> Path:
    """A models folder holding only a fake ``sku_embedder`` of ``version``."""
    root.mkdir(parents=True, exist_ok=True)
    fake_embedder(root / "sku_embedder.onnx", size=SIZE, dim=DIM, seed=seed)
    write_registry(
        root,
        {
            EMBEDDER_MODEL: {
                "file": "sku_embedder.onnx",
                "meta": {"input_size": SIZE, "dim": DIM, "min_similarity": 0.5},
            }
        },
    )
    manifest = root / "registry.json"
    raw = json.loads(manifest.read_text())
    raw["models"][EMBEDDER_MODEL]["version"] = version
    manifest.write_text(json.dumps(raw))
    return root


def load_embedder(models: Path) -> Embedder:
    embedder = catalogue_embedder(ModelCache(Registry.load(models), CPU))
    assert embedder is not None
    return embedder


def packshot_jpeg(seed: int, width: int = 160, height: int = 240) -> bytes:
    """A product-like picture; another seed gives another colour layout, so another vector."""
    return jpeg_bytes(width, height, seed=seed, quality=92)


def packshot_png(seed: int, width: int = 200, height: int = 120) -> bytes:
    return encode(textured_rgb(width, height, seed), "PNG")


def close_up(seed: int, quality: int = 90) -> bytes:
    """A photo filled by product ``seed``; with no detector it is recognised whole."""
    return jpeg_bytes(1600, 1200, seed=seed, quality=quality)


def close_up_packshot(seed: int) -> bytes:
    """The product of ``close_up(seed)``, smaller and lossless, as a brand sends it."""
    picture = Image.fromarray(textured_rgb(1600, 1200, seed)).resize((400, 300))
    return encode(np.asarray(picture), "PNG")


@dataclass
class Catalogue:
    """A migrated database and a local object store, as the service uses them."""

    engine: Engine
    sessions: sessionmaker[Session]
    objects: LocalObjectStore

    @classmethod
    def at(cls, url: str, objects: Path) -> Catalogue:
        engine = make_engine(url)
        migrate.upgrade(engine)
        return cls(engine, make_sessionmaker(engine), LocalObjectStore(objects))

    def add_sku(self, sku_id: str, *, brand: str | None = None, **fields: object) -> Sku:
        with self.sessions.begin() as session:
            data = SkuCreate.model_validate(
                {"sku_id": sku_id, "name": sku_id.replace("-", " "), "brand": brand, **fields}
            )
            return create_sku(session, data=data)

    def add_packshots(
        self, sku_id: str, images: list[bytes], embedder: Embedder | None
    ) -> list[AcceptedPackshot]:
        return accept_packshots(
            sessions=self.sessions,
            objects=self.objects,
            sku_id=sku_id,
            files=[PackshotFile(f"{sku_id}-{i}.jpg", data) for i, data in enumerate(images)],
            embedder=embedder,
            max_bytes=10_000_000,
            max_pixels=50_000_000,
        )
