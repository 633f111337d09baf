"""Export the embedding network to ONNX with the service's input and output names."""

from __future__ import annotations

from pathlib import Path

import torch

from shelfaudit.ml.embedder import INPUT, OUTPUT
from training.sku.model import EmbedNet


def export_onnx(model: EmbedNet, size: int, path: Path) -> Path:
    model.eval()
    dummy = torch.zeros(1, 3, size, size)
    torch.onnx.export(
        model,
        (dummy,),
        str(path),
        input_names=[INPUT],
        output_names=[OUTPUT],
        dynamic_axes={INPUT: {0: "n"}, OUTPUT: {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    return path
