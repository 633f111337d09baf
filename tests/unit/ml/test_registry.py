from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from shelfaudit.errors import ModelIntegrityError, ModelNotFound
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry, file_sha256
from shelfaudit.ml.sessions import SessionOptions, available_providers


def tiny_model(path: Path) -> None:
    """y = x + 1 on a (1, 3) float tensor."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
    graph = helper.make_graph([helper.make_node("Add", ["x", "one"], ["y"])], "t", [x], [y], [one])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def make_registry(root: Path, sha256: str | None = None) -> Registry:
    tiny_model(root / "tiny.onnx")
    digest = sha256 or file_sha256(root / "tiny.onnx")
    manifest = {
        "models": {"tiny": {"file": "tiny.onnx", "sha256": digest, "version": "v1", "task": "test"}}
    }
    (root / "registry.json").write_text(json.dumps(manifest))
    return Registry.load(root)


def test_verified_model_loads_once_and_runs(tmp_path: Path) -> None:
    cache = ModelCache(make_registry(tmp_path), SessionOptions())
    calls = []

    def build(entry: object, session: object) -> object:
        calls.append(entry)
        return session

    sessions = []
    threads = [
        threading.Thread(target=lambda: sessions.append(cache.get("tiny", build))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert all(s is sessions[0] for s in sessions)
    session, entry = cache.session("tiny")
    out = session.run(None, {"x": np.zeros((1, 3), np.float32)})[0]
    assert out.tolist() == [[1.0, 1.0, 1.0]]
    assert entry.version == "v1"


def test_sha256_mismatch_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    registry = make_registry(tmp_path, sha256="0" * 64)
    with pytest.raises(ModelIntegrityError, match="refusing to load"):
        ModelCache(registry, SessionOptions()).session("tiny")


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    registry = make_registry(tmp_path)
    with (tmp_path / "tiny.onnx").open("ab") as handle:
        handle.write(b"\x00")
    with pytest.raises(ModelIntegrityError):
        registry.verified_path("tiny")


def test_unknown_model_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="known: tiny"):
        make_registry(tmp_path).entry("detector")


def test_invalid_manifest_is_an_integrity_error(tmp_path: Path) -> None:
    (tmp_path / "registry.json").write_text('{"models": {"x": {"file": 3}}}')
    with pytest.raises(ModelIntegrityError, match="invalid"):
        Registry.load(tmp_path)


def test_provider_preference_falls_back_to_cpu() -> None:
    assert available_providers(("NoSuchProvider",)) == ["CPUExecutionProvider"]
    assert (
        available_providers(("CUDAExecutionProvider", "CPUExecutionProvider"))[-1]
        == "CPUExecutionProvider"
    )


def test_shipped_registry_is_valid_and_every_model_verifies() -> None:
    root = Path(__file__).resolve().parents[3] / "models"
    registry = Registry.load(root)
    for name in registry.entries:
        assert registry.verified_path(name).is_file()
