"""Tiny ONNX detectors with fixed outputs, for testing the serving path without training.

The graph reads its input (so the shape contract is real) and emits a constant
``(1, 4 + C, A)`` ultralytics-style prediction.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from shelfaudit.ml.registry import file_sha256


def constant_detector(path: Path, prediction: np.ndarray, imgsz: int) -> None:
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, imgsz, imgsz])
    output = helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(prediction.shape))
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["prediction", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "constant_detector",
        [image],
        [output],
        [
            numpy_helper.from_array(prediction.astype(np.float32), "prediction"),
            numpy_helper.from_array(np.zeros((), np.float32), "zero"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def prediction(
    boxes: list[tuple[float, float, float, float, int, float]], classes: int
) -> np.ndarray:
    """(cx, cy, w, h, class, score) in letterboxed pixels -> (1, 4 + C, A)."""
    out = np.zeros((1, 4 + classes, len(boxes)), np.float32)
    for i, (cx, cy, w, h, cls, score) in enumerate(boxes):
        out[0, :4, i] = (cx, cy, w, h)
        out[0, 4 + cls, i] = score
    return out


def write_registry(root: Path, models: dict[str, dict[str, object]]) -> None:
    """``models``: name -> {"file", "meta"}; sha256s are computed from the files."""
    entries = {
        name: {
            "file": spec["file"],
            "sha256": file_sha256(root / str(spec["file"])),
            "version": "test",
            "task": "detect",
            "meta": spec["meta"],
        }
        for name, spec in models.items()
    }
    (root / "registry.json").write_text(json.dumps({"models": entries}))


def fake_embedder(path: Path, size: int = 32, dim: int = 16, seed: int = 0) -> None:
    """A deterministic SKU embedder: 4x4 colour layout -> fixed random projection -> unit.

    Same picture, same vector; different colour layouts, different vectors; so catalogue and
    recognition can be tested end to end without a trained model.
    """
    if size % 4:
        raise ValueError("size must be a multiple of 4")
    images = helper.make_tensor_value_info("images", TensorProto.FLOAT, ["n", 3, size, size])
    output = helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["n", dim])
    projection = np.random.default_rng(seed).normal(size=(48, dim)).astype(np.float32)
    cell = size // 4
    nodes = [
        helper.make_node(
            "AveragePool", ["images"], ["grid"], kernel_shape=[cell, cell], strides=[cell, cell]
        ),
        helper.make_node("Flatten", ["grid"], ["flat"], axis=1),
        helper.make_node("Sub", ["flat", "half"], ["centred"]),
        helper.make_node("MatMul", ["centred", "projection"], ["raw"]),
        helper.make_node("LpNormalization", ["raw"], ["embeddings"], axis=1, p=2),
    ]
    graph = helper.make_graph(
        nodes,
        "fake_embedder",
        [images],
        [output],
        [
            numpy_helper.from_array(projection, "projection"),
            numpy_helper.from_array(np.array(0.5, np.float32), "half"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
