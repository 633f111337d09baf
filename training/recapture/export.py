"""One ONNX graph: features (N, F) float32 -> calibrated probability (N,) float32.

The LightGBM trees are converted by onnxmltools; the Platt calibration is appended as plain
ONNX ops, and the description the service needs (feature names in input order, feature
version, reference statistics for the evidence) goes into the model's metadata.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnxmltools import convert_lightgbm
from onnxmltools.convert.common.data_types import FloatTensorType

from training.recapture.model import Fitted, Platt

INPUT = "features"
OUTPUT = "probability"
OPSET = 15  # the highest onnxmltools converts LightGBM to
METADATA_KEY = "shelfaudit"  # as shelfaudit.analyse.recapture.METADATA_KEY


def to_onnx(fitted: Fitted, platt: Platt, description: dict[str, Any]) -> onnx.ModelProto:
    n_features = len(fitted.columns)
    model = convert_lightgbm(
        fitted.booster,
        initial_types=[(INPUT, FloatTensorType([None, n_features]))],
        zipmap=False,
        target_opset=OPSET,
    )
    _restore_exact_thresholds(model, fitted)
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx"):
            # The converter declares the lowest opset its nodes need; ours need Clip-11+.
            opset.version = max(opset.version, OPSET)
    graph = model.graph
    probabilities = next(o.name for o in graph.output if o.name != "label")
    consts = {
        "rc_index": np.array(1, np.int64),
        "rc_lo": np.array(1e-6, np.float32),
        "rc_hi": np.array(1 - 1e-6, np.float32),
        "rc_one": np.array(1.0, np.float32),
        "rc_a": np.array(platt.a, np.float32),
        "rc_b": np.array(platt.b, np.float32),
    }
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in consts.items())
    graph.node.extend(
        [
            helper.make_node("Gather", [probabilities, "rc_index"], ["rc_p"], axis=1),
            helper.make_node("Clip", ["rc_p", "rc_lo", "rc_hi"], ["rc_pc"]),
            helper.make_node("Sub", ["rc_one", "rc_pc"], ["rc_q"]),
            helper.make_node("Div", ["rc_pc", "rc_q"], ["rc_odds"]),
            helper.make_node("Log", ["rc_odds"], ["rc_logit"]),
            helper.make_node("Mul", ["rc_logit", "rc_a"], ["rc_scaled"]),
            helper.make_node("Add", ["rc_scaled", "rc_b"], ["rc_z"]),
            helper.make_node("Sigmoid", ["rc_z"], [OUTPUT]),
        ]
    )
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, [None]))
    graph.name = "recapture"
    model.producer_name = "shelfaudit-training"
    helper.set_model_props(model, {METADATA_KEY: json.dumps(description, sort_keys=True)})
    onnx.checker.check_model(model)
    return model


def _split_thresholds(fitted: Fitted) -> dict[tuple[int, int, float], float]:
    """(tree, feature, threshold as float32) -> LightGBM's float64 threshold."""
    out: dict[tuple[int, int, float], float] = {}

    def walk(tree: int, node: dict[str, Any]) -> None:
        if "split_feature" not in node:
            return
        t64 = float(node["threshold"])
        out[(tree, int(node["split_feature"]), float(np.float32(t64)))] = t64
        walk(tree, node["left_child"])
        walk(tree, node["right_child"])

    for info in fitted.booster.booster_.dump_model()["tree_info"]:
        walk(int(info["tree_index"]), info["tree_structure"])
    return out


def _restore_exact_thresholds(model: onnx.ModelProto, fitted: Fitted) -> None:
    """Make float32 thresholds decide exactly as LightGBM's float64 ones.

    The converter rounds each threshold to the nearest float32; when that rounds up onto a
    feature value, ``x <= t`` flips. The largest float32 not above the float64 threshold
    gives the same decision for every float32 input.
    """
    exact = _split_thresholds(fitted)
    for node in model.graph.node:
        if node.op_type != "TreeEnsembleClassifier":
            continue
        attrs = {a.name: a for a in node.attribute}
        trees = list(attrs["nodes_treeids"].ints)
        features = list(attrs["nodes_featureids"].ints)
        modes = list(attrs["nodes_modes"].strings)
        values = list(attrs["nodes_values"].floats)
        for i, mode in enumerate(modes):
            if mode != b"BRANCH_LEQ":
                continue
            t64 = exact.get((trees[i], features[i], float(np.float32(values[i]))))
            if t64 is None:
                raise RuntimeError(f"no LightGBM split for ONNX node {i} of tree {trees[i]}")
            t32 = np.float32(t64)
            if float(t32) > t64:
                t32 = np.nextafter(t32, np.float32(-np.inf))
            values[i] = float(t32)
        del attrs["nodes_values"].floats[:]
        attrs["nodes_values"].floats.extend(values)
