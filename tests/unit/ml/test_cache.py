"""The per-process model cache hands out what each caller asked for, built once."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from tests.fake_models import fake_embedder, write_registry


def cache_with_embedder(root: Path) -> ModelCache:
    fake_embedder(root / "embed.onnx")
    write_registry(root, {"sku_embedder": {"file": "embed.onnx", "meta": {"input_size": 32}}})
    return ModelCache(Registry.load(root), SessionOptions())


def test_a_raw_session_and_a_built_model_are_cached_apart(tmp_path: Path) -> None:
    cache = cache_with_embedder(tmp_path)
    session, entry = cache.session("sku_embedder")
    embedder = cache.get("sku_embedder", Embedder.from_session)
    assert isinstance(session, ort.InferenceSession)
    assert entry.name == "sku_embedder"
    assert isinstance(embedder, Embedder)


def test_a_model_is_built_once_per_builder(tmp_path: Path) -> None:
    cache = cache_with_embedder(tmp_path)
    first = cache.get("sku_embedder", Embedder.from_session)
    assert cache.get("sku_embedder", Embedder.from_session) is first
    cache.preload(["sku_embedder"])
    assert cache.get("sku_embedder", Embedder.from_session) is first
