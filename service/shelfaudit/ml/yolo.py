"""YOLO detectors exported from ultralytics, run with ONNX Runtime alone.

preprocess (letterbox, RGB float CHW) -> inference -> postprocess (decode, class-aware NMS,
scale back to the original photo), each stage timed. The ONNX graph's output is
ultralytics' ``(1, 4 + C, A)``: per anchor ``cx, cy, w, h`` in letterboxed pixels, then one
sigmoid score per class.

Tiling (``DetectOptions.tiles`` n > 1): the whole image and an n x n grid of overlapping
tiles are each detected at the model's input size, so small objects are seen n times
larger; boxes a tile cut are dropped (the whole image or the neighbouring tile has them
whole) and the rest merged by class-aware NMS. It costs n * n + 1 inferences.

Mirror (``DetectOptions.mirror``): the whole image is also detected mirrored left to right,
and the two passes fused (``fuse_mirrored``): a box both passes found is averaged and keeps
their mean confidence, a box only one found keeps half its confidence. Both cues and noise
differ between an image and its mirror, so agreement is worth more than either pass alone
(the model cards give what it measured on val). It doubles the inference time.
"""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field, replace

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from shelfaudit.domain.detections import Detections
from shelfaudit.errors import ModelError, ModelIntegrityError
from shelfaudit.ml.boxes import (
    Letterbox,
    cut_by_window,
    fuse_pairs,
    letterbox,
    mirror_xyxy,
    nms,
    pair_boxes,
    tile_windows,
    unletterbox,
    xywh_to_xyxy,
)
from shelfaudit.ml.registry import ModelEntry


@dataclass(frozen=True)
class DetectOptions:
    confidence: float = 0.25
    iou: float = 0.6
    max_det: int = 300
    tiles: int = 1  # n: also detect on an n x n grid of tiles (1: the whole image only)
    tile_overlap: float = 0.2  # share of a tile's side that neighbouring tiles share
    mirror: bool = False  # also detect the whole image mirrored, and fuse both passes
    mirror_iou: float = 0.55  # boxes of the two passes at least this IoU are one object


@dataclass
class Timings:
    preprocess_ms: float = 0.0
    inference_ms: float = 0.0
    postprocess_ms: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def to_input(image: NDArray[np.uint8], size: int) -> tuple[NDArray[np.float32], Letterbox]:
    """(H, W, 3) RGB uint8 -> (1, 3, size, size) float32 in [0, 1], and the letterbox."""
    padded, box = letterbox(image, size)
    tensor = padded.transpose(2, 0, 1)[None].astype(np.float32) / 255.0
    return np.ascontiguousarray(tensor), box


def decode_output(
    output: NDArray[np.float32],
    box: Letterbox,
    *,
    width: int,
    height: int,
    class_names: tuple[str, ...],
    options: DetectOptions,
) -> Detections:
    """Turn the raw ``(1, 4 + C, A)`` output into detections in original-photo pixels."""
    predictions = output[0].T  # (A, 4 + C)
    if predictions.shape[1] != 4 + len(class_names):
        raise ValueError(
            f"model output has {predictions.shape[1] - 4} classes, "
            f"the registry names {len(class_names)}"
        )
    scores = predictions[:, 4:]
    class_id = scores.argmax(axis=1)
    confidence = scores[np.arange(len(scores)), class_id]
    keep = confidence >= options.confidence
    if not keep.any():
        return Detections.empty(class_names)
    xyxy = xywh_to_xyxy(predictions[keep, :4])
    confidence, class_id = confidence[keep], class_id[keep]
    kept = nms(xyxy, confidence, class_id, iou_threshold=options.iou, max_det=options.max_det)
    return Detections(
        xyxy=unletterbox(xyxy[kept], box, width=width, height=height),
        confidence=confidence[kept].astype(np.float32),
        class_id=class_id[kept].astype(np.int64),
        class_names=class_names,
    )


def merge(parts: list[Detections], options: DetectOptions) -> Detections:
    """Detections of overlapping passes over one image, duplicates removed by class-aware
    NMS (the most confident box of each object stays)."""
    names = parts[0].class_names
    xyxy = np.concatenate([p.xyxy for p in parts]).reshape(-1, 4).astype(np.float32)
    confidence = np.concatenate([p.confidence for p in parts]).astype(np.float32)
    class_id = np.concatenate([p.class_id for p in parts]).astype(np.int64)
    kept = nms(xyxy, confidence, class_id, iou_threshold=options.iou, max_det=options.max_det)
    return Detections(xyxy[kept], confidence[kept], class_id[kept], names)


def fuse_mirrored(
    upright: Detections, mirrored: Detections, *, width: int, options: DetectOptions
) -> Detections:
    """Detections of an image ``width`` pixels wide and of its mirror image (in the
    mirror's coordinates) as one set: see ``boxes.fuse_pairs``. Fused boxes below
    ``options.confidence`` are dropped and at most ``options.max_det`` kept."""
    back = Detections(
        mirror_xyxy(mirrored.xyxy, width),
        mirrored.confidence,
        mirrored.class_id,
        mirrored.class_names,
    )
    fused = fuse_pairs(upright, back, pair_boxes(upright, back, iou_threshold=options.mirror_iou))
    keep = np.flatnonzero(fused.confidence >= options.confidence)
    return fused[keep[np.argsort(-fused.confidence[keep], kind="stable")][: options.max_det]]


def trained_class_names(session: ort.InferenceSession) -> tuple[str, ...] | None:
    """The class names ultralytics' export wrote into the model (``{0: 'a', 1: 'b'}``), in
    id order; None when the file carries none."""
    text = session.get_modelmeta().custom_metadata_map.get("names")
    if not text:
        return None
    try:
        names = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    if not isinstance(names, dict) or sorted(names) != list(range(len(names))):
        return None
    return tuple(str(names[i]) for i in range(len(names)))


class YoloDetector:
    """A loaded detector: its session, classes and input size from the registry entry."""

    def __init__(self, entry: ModelEntry, session: ort.InferenceSession) -> None:
        self.entry = entry
        self.session = session
        missing = [key for key in ("classes", "imgsz") if key not in entry.meta]
        if missing:
            raise ModelError(
                f"{entry.name} is not a detector (task {entry.task!r}): its registry entry "
                f"has no {' or '.join(missing)}"
            )
        self.class_names = tuple(str(c) for c in entry.meta["classes"])
        trained = trained_class_names(session)
        if trained is not None and trained != self.class_names:
            # The sha256 covers the file, not the registry's class list: a reordered list
            # would name every box wrongly with full confidence.
            raise ModelIntegrityError(
                f"{entry.name}: the registry lists classes {list(self.class_names)}, the model "
                f"was trained on {list(trained)}"
            )
        self.imgsz = int(entry.meta["imgsz"])
        self.input_name = session.get_inputs()[0].name
        fixed = [d for d in session.get_inputs()[0].shape[2:] if isinstance(d, int)]
        if fixed and any(d != self.imgsz for d in fixed):
            # Every photo would fail at inference with ONNX Runtime's shape error.
            raise ModelIntegrityError(
                f"{entry.name}: the registry gives imgsz {self.imgsz}, the model takes "
                f"{' x '.join(str(d) for d in session.get_inputs()[0].shape[2:])} inputs"
            )

    @property
    def version(self) -> str:
        return f"{self.entry.name}-{self.entry.version}"

    def detect(
        self, image: NDArray[np.uint8], options: DetectOptions, timings: Timings | None = None
    ) -> Detections:
        """Detect on an upright RGB image; boxes come back in its pixel coordinates."""
        timings = timings or Timings()
        whole = self._detect_whole(image, options, timings)
        if options.tiles <= 1:
            return whole
        height, width = image.shape[:2]
        parts = [whole]
        for window in tile_windows(width, height, options.tiles, options.tile_overlap):
            left, top, right, bottom = window
            tile = np.ascontiguousarray(image[top:bottom, left:right])
            found = self._detect_once(tile, options, timings)
            xyxy = found.xyxy + np.array([left, top, left, top], np.float32)
            found = Detections(xyxy, found.confidence, found.class_id, found.class_names)
            parts.append(found[~cut_by_window(xyxy, window, width=width, height=height)])
        started = time.perf_counter()
        merged = merge(parts, options)
        timings.postprocess_ms += (time.perf_counter() - started) * 1000
        return merged

    def _detect_whole(
        self, image: NDArray[np.uint8], options: DetectOptions, timings: Timings
    ) -> Detections:
        if not options.mirror:
            return self._detect_once(image, options, timings)
        # Each pass keeps boxes down to half the threshold: a box one pass scores 0.3 and the
        # other 0.2 is 0.25 fused.
        per_pass = replace(options, confidence=options.confidence / 2)
        upright = self._detect_once(image, per_pass, timings)
        mirrored = self._detect_once(np.ascontiguousarray(image[:, ::-1]), per_pass, timings)
        started = time.perf_counter()
        fused = fuse_mirrored(upright, mirrored, width=image.shape[1], options=options)
        timings.postprocess_ms += (time.perf_counter() - started) * 1000
        return fused

    def _detect_once(
        self, image: NDArray[np.uint8], options: DetectOptions, timings: Timings
    ) -> Detections:
        started = time.perf_counter()
        tensor, box = to_input(image, self.imgsz)
        inferred = time.perf_counter()
        (output,) = self.session.run(None, {self.input_name: tensor})[:1]
        decoded = time.perf_counter()
        detections = decode_output(
            np.asarray(output, dtype=np.float32),
            box,
            width=image.shape[1],
            height=image.shape[0],
            class_names=self.class_names,
            options=options,
        )
        finished = time.perf_counter()
        timings.preprocess_ms += (inferred - started) * 1000
        timings.inference_ms += (decoded - inferred) * 1000
        timings.postprocess_ms += (finished - decoded) * 1000
        return detections
