"""The recapture check with the shipped model: pinned outputs on real photos, verdicts, errors.

The pinned photos were in the model's training data: the pins catch a changed model or
feature code, they say nothing about accuracy (that is models/recapture/CARD.md, LOSO).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from PIL import Image

from shelfaudit.analyse import decode, recapture
from shelfaudit.domain.enums import RecaptureVerdict
from shelfaudit.errors import ModelIntegrityError
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry, file_sha256
from shelfaudit.ml.sessions import SessionOptions
from tests.factories import DATASETS, ORIGINALS, REPO

MODELS = REPO / "models"
THRESHOLDS = recapture.RecaptureThresholds(uncertain_at=0.5, flag_at=0.85)
DEFAULTS = recapture.RecaptureThresholds(uncertain_at=0.67, flag_at=0.93)  # as Settings
GENUINE_ORIGINAL = ORIGINALS / "train_2968.jpg"  # full-resolution shelf photo, camera EXIF
SCREEN_PHOTO = DATASETS / "recapture" / "images" / "shrimanta__screen__20260706_164434.jpg"
PINNED_GENUINE = 0.2213
PINNED_SCREEN = 0.95

needs_photos = pytest.mark.skipif(
    not (GENUINE_ORIGINAL.is_file() and SCREEN_PHOTO.is_file()), reason="shared datasets absent"
)


@pytest.fixture(scope="module")
def model() -> recapture.RecaptureModel:
    cache = ModelCache(Registry.load(MODELS), SessionOptions(intra_op_threads=1))
    return recapture.load_model(cache)


def decoded(data: bytes) -> decode.DecodedImage:
    return decode.decode(data, target_long_side=1024, max_pixels=100_000_000)


def score(model: recapture.RecaptureModel, data: bytes) -> recapture.RecaptureResult:
    return recapture.check(decoded(data), model=model, thresholds=DEFAULTS)


def test_shipped_model_matches_its_registry_sha256() -> None:
    registry = Registry.load(MODELS)
    path = registry.verified_path("recapture")
    assert file_sha256(path) == registry.entry("recapture").sha256


def test_settings_defaults_are_the_thresholds_pinned_here() -> None:
    from shelfaudit.settings import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert recapture.RecaptureThresholds.from_settings(settings) == DEFAULTS


@needs_photos
def test_genuine_full_resolution_photo_scores_low(model: recapture.RecaptureModel) -> None:
    result = score(model, GENUINE_ORIGINAL.read_bytes())
    assert result.probability == pytest.approx(PINNED_GENUINE, abs=0.02)
    assert result.verdict is RecaptureVerdict.genuine


@needs_photos
def test_photo_of_a_screen_scores_high(model: recapture.RecaptureModel) -> None:
    result = score(model, SCREEN_PHOTO.read_bytes())
    assert result.probability == pytest.approx(PINNED_SCREEN, abs=0.02)
    assert result.verdict is RecaptureVerdict.recapture


@needs_photos
def test_no_full_resolution_original_is_called_a_recapture(
    model: recapture.RecaptureModel,
) -> None:
    verdicts = {
        p.name: score(model, p.read_bytes()).verdict for p in sorted(ORIGINALS.glob("*.jpg"))
    }
    assert set(verdicts.values()) == {RecaptureVerdict.genuine}, verdicts


def without_app_segments(jpeg: bytes) -> bytes:
    """The same JPEG with every APPn segment (EXIF, XMP, ...) cut out, pixels untouched."""
    out, i = bytearray(jpeg[:2]), 2
    while jpeg[i] == 0xFF and jpeg[i + 1] != 0xDA:  # up to the start of scan
        length = int.from_bytes(jpeg[i + 2 : i + 4], "big")
        if not 0xE0 <= jpeg[i + 1] <= 0xEF:
            out += jpeg[i : i + 2 + length]
        i += 2 + length
    return bytes(out + jpeg[i:])


@needs_photos
def test_stripping_exif_changes_nothing(model: recapture.RecaptureModel) -> None:
    # Messenger-forwarded photos carry no EXIF; the model must not read its absence.
    data = GENUINE_ORIGINAL.read_bytes()
    stripped = without_app_segments(data)
    assert len(Image.open(io.BytesIO(stripped)).getexif()) == 0
    assert score(model, stripped).probability == score(model, data).probability


@needs_photos
def test_recompressed_copy_keeps_its_verdict(model: recapture.RecaptureModel) -> None:
    image = Image.open(io.BytesIO(SCREEN_PHOTO.read_bytes())).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    original, copy = score(model, SCREEN_PHOTO.read_bytes()), score(model, buffer.getvalue())
    assert copy.verdict is original.verdict


@needs_photos
def test_result_carries_timings_evidence_and_versions(model: recapture.RecaptureModel) -> None:
    result = score(model, SCREEN_PHOTO.read_bytes())
    assert set(result.timings_ms) == {"features", "model"}
    assert result.ms >= result.timings_ms["model"]
    assert len(result.evidence) == recapture.EVIDENCE_COUNT
    assert set(result.evidence) <= set(model.feature_names)
    assert result.model == "recapture-v1"
    assert json.loads(result.model_dump_json())["verdict"] == "recapture"


def test_feature_matrix_of_the_wrong_width_is_refused(model: recapture.RecaptureModel) -> None:
    with pytest.raises(ValueError, match="expected features of shape"):
        model.probabilities(np.zeros((1, 3), np.float32))


@pytest.mark.parametrize(
    ("probability", "verdict"),
    [
        (0.0, RecaptureVerdict.genuine),
        (0.49, RecaptureVerdict.genuine),
        (0.5, RecaptureVerdict.uncertain),
        (0.84, RecaptureVerdict.uncertain),
        (0.85, RecaptureVerdict.recapture),
        (1.0, RecaptureVerdict.recapture),
    ],
)
def test_verdict_for(probability: float, verdict: RecaptureVerdict) -> None:
    assert recapture.verdict_for(probability, THRESHOLDS) is verdict


@pytest.mark.parametrize(("uncertain", "flag"), [(0.9, 0.5), (0.0, 0.5), (0.5, 1.5)])
def test_thresholds_out_of_order_are_refused(uncertain: float, flag: float) -> None:
    with pytest.raises(ValueError, match="uncertain_at"):
        recapture.RecaptureThresholds(uncertain_at=uncertain, flag_at=flag)


def model_with_metadata(root: Path, description: dict[str, object]) -> Registry:
    x = helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, 1])
    y = helper.make_tensor_value_info("probability", TensorProto.FLOAT, [None])
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["features"], ["flat"], axis=0),
         helper.make_node("Sigmoid", ["flat"], ["probability"])],
        "t", [x], [y],
    )  # fmt: skip
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    proto.ir_version = 8
    helper.set_model_props(proto, {"shelfaudit": json.dumps(description)})
    onnx.save(proto, str(root / "r.onnx"))
    manifest = {
        "models": {
            "recapture": {
                "file": "r.onnx",
                "sha256": file_sha256(root / "r.onnx"),
                "version": "v0",
                "task": "recapture",
            }
        }
    }
    (root / "registry.json").write_text(json.dumps(manifest))
    return Registry.load(root)


def test_model_for_other_feature_code_is_refused(tmp_path: Path) -> None:
    registry = model_with_metadata(tmp_path, {"features": ["a"], "features_version": "old-0"})
    with pytest.raises(ModelIntegrityError, match="trained on old-0"):
        recapture.load_model(ModelCache(registry, SessionOptions()))


def test_model_without_description_is_refused(tmp_path: Path) -> None:
    registry = model_with_metadata(tmp_path, {"features_version": "x"})
    with pytest.raises(ModelIntegrityError, match="metadata"):
        recapture.load_model(ModelCache(registry, SessionOptions()))
