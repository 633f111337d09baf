"""Static int8 quantisation of an ONNX model with ONNX Runtime, for serving on CPUs.

Weights are int8 per output channel, activations uint8 with ranges (min/max) from the
calibration inputs a ``CalibrationDataReader`` feeds, in QDQ format (what ONNX Runtime
fuses into integer kernels). Shared by the SKU embedder and the detectors; each brings
its own calibration photos, read as the service reads them. Needs onnxruntime only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

Feed = dict[str, NDArray[np.float32]]


class Feeds(CalibrationDataReader):
    """Calibration inputs one at a time, made lazily (a photo is read when it is asked for)."""

    def __init__(self, feeds: Iterable[Feed]) -> None:
        self._feeds: Iterator[Feed] = iter(feeds)

    def get_next(self) -> Feed | None:
        return next(self._feeds, None)


def quantize_qdq(
    onnx_in: Path, onnx_out: Path, feeds: Iterable[Feed], *, exclude: Iterable[str] = ()
) -> None:
    """Write the int8 model for ``onnx_in`` to ``onnx_out``; nodes named in ``exclude``
    stay float."""
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(onnx_in), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(onnx_out),
            Feeds(feeds),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=list(exclude),
        )
