"""The one place ONNX Runtime sessions are created."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

# Preferred first; filtered by what this onnxruntime build offers.
PROVIDER_PREFERENCE = ("CUDAExecutionProvider", "CPUExecutionProvider")


@dataclass(frozen=True)
class SessionOptions:
    providers: tuple[str, ...] = PROVIDER_PREFERENCE
    intra_op_threads: int = 2
    inter_op_threads: int = 1


def available_providers(preference: tuple[str, ...]) -> list[str]:
    offered = set(ort.get_available_providers())
    chosen = [p for p in preference if p in offered]
    return chosen or ["CPUExecutionProvider"]


def create_session(path: Path, options: SessionOptions) -> ort.InferenceSession:
    so = ort.SessionOptions()
    # These defaults work well on a small CPU box; a GPU provider ignores them.
    so.intra_op_num_threads = options.intra_op_threads
    so.inter_op_num_threads = options.inter_op_threads
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    # Spinning threads waiting for work cost the other pipeline stages their core on a small
    # machine (the recapture check went from ~37 ms to ~67 ms, the decode beside it 39 -> 63).
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(
        str(path), sess_options=so, providers=available_providers(options.providers)
    )
