"""Golden outputs of the shipped models on real photos (landscape and portrait).

Pinned from the published files; republishing a model changes its sha256 in the registry
and these values with it, on purpose. Each int8 model is pinned twice: as its float32
source (served on CPUs without int8 dot products, and the same everywhere) and as int8
(checked only on CPUs with VNNI, where it is served; elsewhere ONNX Runtime's int8
kernels saturate and give other numbers, which is why the service does not serve it
there: ``ml/cpu.py``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfaudit.analyse import detect
from shelfaudit.analyse.decode import decode
from shelfaudit.evaluation.sku import read_classes
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.cpu import int8_is_native
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.packshot import embed_packshots
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.ml.yolo import DetectOptions
from tests.factories import DATASETS, ORIGINALS

MODELS = Path(__file__).resolve().parents[3] / "models"


@pytest.fixture(
    scope="module",
    params=[
        "float32",
        pytest.param(
            "int8",
            marks=pytest.mark.skipif(
                not int8_is_native(), reason="int8 is served only on CPUs with VNNI"
            ),
        ),
    ],
)
def served(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def cache(served: str) -> ModelCache:
    return ModelCache(Registry.load(MODELS, int8=served == "int8"), SessionOptions())


@pytest.fixture(scope="module")
def detectors(cache: ModelCache) -> detect.Detectors:
    # As the service runs them: the default threshold, a mirrored pass fused into the
    # outlet detector's (shelf rows stay one pass).
    found = detect.load_detectors(cache, DetectOptions(mirror=True))
    assert found is not None
    assert found.shelves is not None
    assert found.outlet is not None
    return found


OUTLET_VAL_PHOTO = (
    DATASETS / "heineken_displays" / "images"
    / "66502444_1706866817116_jpg.rf.0301e40c687f20c2bc4cf51ec0a421cb.jpg"
)  # fmt: skip


# By served file: (counts, the most confident box).
OUTLET_VAL_EXPECTED = {
    # A val outlet photo (640 x 640): cartons stacked by a Tiger display (labelled: 5 cartons,
    # 4 heineken, 2 tiger, a fridge, a larue; the model is weak, pinned as it is).
    "float32": (
        {"beer_carton": 9, "tiger": 4, "ice_bucket": 1},
        ("beer_carton", [401.2, 58.1, 527.0, 378.3]),
    ),
    "int8": (
        {"beer_carton": 8, "tiger": 2, "ice_bucket": 1},
        ("beer_carton", [402.9, 58.9, 527.2, 377.3]),
    ),
}


@pytest.mark.parametrize(
    "photo",
    [
        OUTLET_VAL_PHOTO,
        # A supermarket shelf (4096 x 2304 landscape): no outlet object (v1 saw a false ice
        # bucket here).
        ORIGINALS / "train_2961.jpg",
        # The same kind of shelf in portrait (2340 x 4160): nothing above the threshold.
        ORIGINALS / "train_2968.jpg",
    ],
    ids=["outlet-val", "shelf-landscape", "shelf-portrait"],
)
def test_outlet_objects_on_real_photos(
    detectors: detect.Detectors, served: str, photo: Path
) -> None:
    counts, top = OUTLET_VAL_EXPECTED[served] if photo == OUTLET_VAL_PHOTO else ({}, None)
    decoded = decode(photo.read_bytes(), target_long_side=1024, max_pixels=10**8)
    result = detect.run(decoded.rgb, original_width=decoded.result.width, detectors=detectors)
    assert result.models["outlet"] == detectors.outlet.version  # type: ignore[union-attr]
    assert result.counts == counts
    if top is None:
        assert result.boxes == []
        return
    best = max(result.boxes, key=lambda b: b.confidence)
    assert best.class_name == top[0]
    np.testing.assert_allclose(best.xyxy, top[1], atol=2.0)
    assert all(
        0 <= v <= max(decoded.result.width, decoded.result.height)
        for b in result.boxes
        for v in b.xyxy
    )


@pytest.mark.parametrize(
    ("photo", "rows", "second_row"),
    [
        ("train_2961.jpg", 24, [330.6, 686.0, 1330.6, 965.0]),  # 4096 x 2304 landscape
        ("train_2968.jpg", 10, [1639.6, 191.9, 2331.3, 585.8]),  # 2340 x 4160 portrait
    ],
)
def test_shelf_rows_on_real_photos(
    detectors: detect.Detectors, photo: str, rows: int, second_row: list[float]
) -> None:
    decoded = decode((ORIGINALS / photo).read_bytes(), target_long_side=1024, max_pixels=10**8)
    result = detect.run(decoded.rgb, original_width=decoded.result.width, detectors=detectors)
    assert result.models["shelves"] == detectors.shelves.version  # type: ignore[union-attr]
    assert len(result.rows) == rows
    np.testing.assert_allclose(result.rows[1].xyxy, second_row, atol=2.0)
    tops = [r.xyxy[1] + r.xyxy[3] for r in result.rows]
    assert tops == sorted(tops)  # rows come top to bottom
    assert all(
        0 <= v <= max(decoded.result.width, decoded.result.height)
        for r in result.rows
        for v in r.xyxy
    )


GROCERY = Path(__file__).resolve().parents[4] / "shared" / "datasets" / "grocery_store"


@pytest.fixture(scope="module")
def packshot_gallery(cache: ModelCache) -> tuple[Embedder, list[str], np.ndarray]:
    if not GROCERY.is_dir():
        pytest.skip(f"{GROCERY} is missing")
    embedder = cache.get("sku_embedder", Embedder.from_session)
    classes = read_classes(GROCERY)
    packshots = [grocery_rgb(c.packshot) for c in classes]
    return embedder, [c.name for c in classes], embed_packshots(embedder, packshots)


def grocery_rgb(path: Path) -> np.ndarray:
    return decode(path.read_bytes(), target_long_side=1024, max_pixels=10**8).rgb


@pytest.mark.parametrize(
    ("photo", "first", "similarity"),
    [
        (
            "Packages/Milk/Arla-Standard-Milk/Arla-Standard-Milk_001.jpg",
            "Arla-Standard-Milk",
            {"float32": 0.706, "int8": 0.704},
        ),
        ("Fruit/Banana/Banana_001.jpg", "Banana", {"float32": 0.652, "int8": 0.653}),
        # Misses, pinned as such: the oat drink is taken for the same brand's oatghurt, and
        # the model is weak on loose vegetables (models/sku/CARD.md): orange carrots score
        # above min_similarity as a sweet potato once colours count (0.330 before).
        # Similarities are (cosine + w * colour) / (1 + w) (ml/colour.py).
        (
            "Packages/Oat-Milk/Oatly-Oat-Milk/Oatly-Oat-Milk_001.jpg",
            "Oatly-Natural-Oatghurt",
            {"float32": 0.470, "int8": 0.466},
        ),
        ("Vegetables/Carrots/Carrots_001.jpg", "Sweet-Potato", {"float32": 0.494, "int8": 0.494}),
    ],
)
def test_sku_embedder_on_real_val_photos(
    packshot_gallery: tuple[Embedder, list[str], np.ndarray],
    served: str,
    photo: str,
    first: str,
    similarity: dict[str, float],
) -> None:
    embedder, names, gallery = packshot_gallery
    # The registry says so: a whole photo is searched as the pipeline searches a close-up.
    assert embedder.mirror_queries
    assert embedder.close_up_zooms == (0.8, 0.65)
    assert embedder.colour is not None
    (vector,) = embedder.embed_close_ups([grocery_rgb(GROCERY / "val" / photo)])
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    sims = gallery @ vector
    assert names[int(np.argmax(sims))] == first
    assert float(sims.max()) == pytest.approx(similarity[served], abs=2e-3)


def test_a_registry_class_list_that_differs_from_the_models_is_refused() -> None:
    import onnxruntime as ort

    from shelfaudit.errors import ModelIntegrityError
    from shelfaudit.ml.registry import Registry
    from shelfaudit.ml.yolo import YoloDetector

    entry = Registry.load(MODELS).entries["outlet"].as_float()
    session = ort.InferenceSession(str(MODELS / entry.file), providers=["CPUExecutionProvider"])
    reversed_classes = list(reversed(entry.meta["classes"]))
    tampered = entry.model_copy(update={"meta": {**entry.meta, "classes": reversed_classes}})
    with pytest.raises(ModelIntegrityError, match="trained on"):
        YoloDetector(tampered, session)
    assert YoloDetector(entry, session).class_names[0] == "beer_bottle"


def test_a_registry_entry_whose_size_or_task_is_not_the_files_is_refused_at_load() -> None:
    import onnxruntime as ort

    from shelfaudit.errors import ModelError, ModelIntegrityError
    from shelfaudit.ml.yolo import YoloDetector

    registry = Registry.load(MODELS)
    entry = registry.entries["outlet"].as_float()
    session = ort.InferenceSession(str(MODELS / entry.file), providers=["CPUExecutionProvider"])
    resized = entry.model_copy(update={"meta": {**entry.meta, "imgsz": 640}})
    with pytest.raises(ModelIntegrityError, match="registry gives imgsz 640, the model takes 512"):
        YoloDetector(resized, session)
    recapture = registry.entries["recapture"]
    with pytest.raises(ModelError, match="recapture is not a detector"):
        YoloDetector(recapture, session)


@pytest.mark.skipif(int8_is_native(), reason="CPUs with VNNI check the int8 goldens above")
def test_the_outlet_int8_file_served_without_dot_products_finds_the_same_display() -> None:
    # Without VNNI, ONNX Runtime's u8s8 kernels saturate 16-bit sums, so boxes move a little
    # and low-confidence ones come and go (val mAP50 0.158 here against 0.155 float32,
    # models/outlet/CARD.md); the display itself is found as on every CPU.
    cache = ModelCache(Registry.load(MODELS), SessionOptions())
    found = detect.load_detectors(cache, DetectOptions(mirror=True))
    assert found is not None
    assert found.outlet is not None
    assert found.outlet.version.endswith("-int8")  # served as int8 here too
    decoded = decode(OUTLET_VAL_PHOTO.read_bytes(), target_long_side=1024, max_pixels=10**8)
    result = detect.run(decoded.rgb, original_width=decoded.result.width, detectors=found)
    best = max(result.boxes, key=lambda b: b.confidence)
    assert best.class_name == "beer_carton"
    np.testing.assert_allclose(best.xyxy, [402.9, 58.9, 527.2, 377.3], atol=4.0)
    assert 6 <= result.counts["beer_carton"] <= 9
    assert result.counts.get("tiger", 0) >= 2
