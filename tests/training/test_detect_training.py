"""A tiny detector trained end to end: COCO -> YOLO dataset -> train, stop, resume -> ONNX ->
the service's own detection check on real phone photos.

Six heineken_displays photos, 64 px, two epochs: seconds, not minutes. Nothing here measures
accuracy; it proves that what training writes is what serving reads (shapes, classes, boxes
in original-photo pixels).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnx
import pytest
import yaml

from shelfaudit.analyse import decode, detect
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.ml.yolo import DetectOptions, YoloDetector
from tests.factories import DATASETS, real_photos
from tests.fake_models import write_registry
from training.detect.export import export_onnx
from training.detect.publish import OUTLET_GROUPS
from training.detect.train import TrainConfig, checkpoint_epoch, configure_offline, train

pytestmark = pytest.mark.slow

HEINEKEN = DATASETS / "heineken_displays"
IMGSZ = 64
EPOCHS = 2
N_TRAIN, N_VAL = 4, 2


class Interrupted(Exception):
    """Raised from a training callback to stop a run the way a killed process would."""


@dataclass(frozen=True)
class TrainedRun:
    save_dir: Path
    classes: list[str]
    epoch_after_interrupt: int
    epoch_after_resume: int
    results_rows: int


def tiny_coco(out: Path) -> Path:
    """The first train and val photos of heineken_displays, all 17 classes kept."""
    coco = json.loads((HEINEKEN / "annotations.coco.json").read_text())
    images = sorted(coco["images"], key=lambda image: image["id"])
    chosen = [i for i in images if i["split"] == "train"][:N_TRAIN] + [
        i for i in images if i["split"] == "val"
    ][:N_VAL]
    ids = {image["id"] for image in chosen}
    tiny = {
        "images": chosen,
        "annotations": [a for a in coco["annotations"] if a["image_id"] in ids],
        "categories": coco["categories"],
    }
    out.write_text(json.dumps(tiny))
    return out


def tiny_config(tmp: Path) -> TrainConfig:
    return TrainConfig.from_mapping(
        {
            "name": "tiny_outlet",
            "model": "yolo11n.yaml",
            "dataset": {
                "builder": "coco",
                "coco": str(tiny_coco(tmp / "tiny.coco.json")),
                "images_root": str(HEINEKEN / "images"),
            },
            "train": {"imgsz": IMGSZ, "epochs": EPOCHS, "batch": 2, "seed": 0, "patience": 0},
        }
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainedRun]:
    """Train until the first epoch is saved, stop there, then ``resume`` to the end."""
    tmp = tmp_path_factory.mktemp("detect_training")
    runs = tmp / "runs"
    cfg = tiny_config(tmp)
    with pytest.MonkeyPatch.context() as environment:
        # configure_offline writes these into os.environ; give them back after the module.
        for name in ("YOLO_OFFLINE", "YOLO_AUTOINSTALL", "YOLO_CONFIG_DIR", "OMP_NUM_THREADS"):
            environment.setenv(name, os.environ.get(name, ""))
        configure_offline(runs / ".yolo_config")
        from ultralytics.utils.callbacks import base

        def stop_after_first_save(trainer: Any) -> None:
            if trainer.epoch == 0:
                raise Interrupted

        with pytest.MonkeyPatch.context() as callbacks:
            saved = base.default_callbacks["on_model_save"]
            callbacks.setitem(
                base.default_callbacks, "on_model_save", [*saved, stop_after_first_save]
            )
            with pytest.raises(Interrupted):
                train(cfg, runs)
        last = runs / cfg.name / "weights" / "last.pt"
        interrupted_at = checkpoint_epoch(last)

        save_dir = train(cfg, runs, resume=True)
        with (save_dir / "results.csv").open() as handle:
            rows = len(list(csv.DictReader(handle)))
        names = yaml.safe_load((save_dir / "dataset" / "data.yaml").read_text())["names"]
        yield TrainedRun(
            save_dir=save_dir,
            classes=[names[i] for i in sorted(names)],
            epoch_after_interrupt=interrupted_at,
            epoch_after_resume=checkpoint_epoch(last),
            results_rows=rows,
        )


def test_a_stopped_run_resumes_from_its_last_epoch(trained: TrainedRun) -> None:
    assert trained.epoch_after_interrupt == 0  # epoch 0 done and saved, then stopped
    assert trained.epoch_after_resume == -1  # finished: ultralytics marks it -1
    assert trained.results_rows == EPOCHS  # one row per epoch, none repeated
    assert checkpoint_epoch(trained.save_dir / "weights" / "best.pt") == -1


def test_resuming_a_finished_run_trains_nothing(trained: TrainedRun) -> None:
    results = trained.save_dir / "results.csv"
    before = results.read_text()
    cfg = tiny_config(trained.save_dir.parent.parent)
    assert train(cfg, trained.save_dir.parent, resume=True) == trained.save_dir
    assert results.read_text() == before


def test_the_class_list_is_the_coco_categories_in_id_order(trained: TrainedRun) -> None:
    coco = json.loads((HEINEKEN / "annotations.coco.json").read_text())
    expected = [c["name"] for c in sorted(coco["categories"], key=lambda c: c["id"])]
    assert trained.classes == expected
    assert len(expected) == 17


@pytest.fixture(scope="module")
def service_models(trained: TrainedRun, tmp_path_factory: pytest.TempPathFactory) -> ModelCache:
    """The exported ONNX file registered as the outlet detector, as publish.py would."""
    exported = export_onnx(trained.save_dir / "weights" / "best.pt", IMGSZ, trained.save_dir.parent)
    assert exported.suffix == ".onnx"
    models = tmp_path_factory.mktemp("models")
    (models / "outlet").mkdir()
    shutil.copyfile(exported, models / "outlet" / "outlet-test.onnx")
    meta = {"classes": trained.classes, "imgsz": IMGSZ, "groups": OUTLET_GROUPS}
    write_registry(models, {"outlet": {"file": "outlet/outlet-test.onnx", "meta": meta}})
    return ModelCache(Registry.load(models), SessionOptions())


def test_the_onnx_export_has_the_services_input_and_output_shape(
    service_models: ModelCache, trained: TrainedRun
) -> None:
    detectors = detect.load_detectors(service_models, DetectOptions())
    assert detectors is not None
    assert detectors.outlet is not None
    session = detectors.outlet.session
    (image,) = session.get_inputs()
    assert image.shape == [1, 3, IMGSZ, IMGSZ]
    output = session.get_outputs()[0]
    # (1, 4 + C, anchors): strides 8, 16 and 32 over a 64 px input.
    assert output.shape == [1, 4 + len(trained.classes), 8 * 8 + 4 * 4 + 2 * 2]


def real_photo(*, landscape: bool) -> decode.DecodedImage:
    """A full-resolution phone photo, decoded upright as the pipeline does (1024 px)."""
    for path in real_photos():
        photo = decode.decode(path.read_bytes(), target_long_side=1024, max_pixels=10**8)
        if (photo.result.width > photo.result.height) == landscape:
            return photo
    raise LookupError(f"no {'landscape' if landscape else 'portrait'} photo in the originals")


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_the_trained_detector_runs_in_the_detections_check(
    service_models: ModelCache, trained: TrainedRun, orientation: str
) -> None:
    photo = real_photo(landscape=orientation == "landscape")
    # Any score passes: an untrained model's boxes still have to be well formed.
    detectors = detect.load_detectors(service_models, DetectOptions(confidence=0.0, max_det=50))
    assert detectors is not None

    result = detect.run(photo.rgb, original_width=photo.result.width, detectors=detectors)

    width, height = photo.result.width, photo.result.height
    assert max(width, height) > max(photo.rgb.shape)  # boxes must come back scaled up
    assert result.models == {"outlet": "outlet-test"}
    assert 0 < len(result.boxes) <= 50
    for box in result.boxes:
        assert box.class_name in trained.classes
        assert 0.0 <= box.confidence <= 1.0
        x0, y0, x1, y1 = box.xyxy
        assert 0 <= x0 <= x1 <= width
        assert 0 <= y0 <= y1 <= height
    assert sum(result.counts.values()) == len(result.boxes)
    assert set(result.shares) <= set(OUTLET_GROUPS["brand"])
    assert set(result.timings_ms) == {"preprocess", "inference", "postprocess"}


def test_init_weights_are_where_a_new_run_starts(
    trained: TrainedRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--init-weights`` (a checkpoint kept from an earlier session) must be the model the
    trainer starts from, not a model built afresh from the yaml."""
    import torch
    from ultralytics.utils.callbacks import base

    for name in ("YOLO_OFFLINE", "YOLO_AUTOINSTALL", "YOLO_CONFIG_DIR", "OMP_NUM_THREADS"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    init = trained.save_dir / "weights" / "last.pt"
    expected = torch.load(init, map_location="cpu", weights_only=False)["model"].float()
    started: dict[str, Any] = {}

    def capture_and_stop(trainer: Any) -> None:
        started.update(trainer.model.state_dict())
        raise Interrupted

    saved = base.default_callbacks["on_pretrain_routine_end"]
    monkeypatch.setitem(
        base.default_callbacks, "on_pretrain_routine_end", [*saved, capture_and_stop]
    )
    with pytest.raises(Interrupted):
        train(tiny_config(tmp_path), tmp_path / "runs", init_weights=init)

    for name, tensor in expected.state_dict().items():
        if tensor.is_floating_point():
            torch.testing.assert_close(started[name].float(), tensor, msg=name)


def test_publishing_a_run_trained_under_another_name_and_size(
    trained: TrainedRun, tmp_path: Path
) -> None:
    """``training.detect.publish --name RUN``: the run's own image size, both metrics."""
    from training.detect.publish import main as publish

    # The config says 32 px and another run name; the run itself was trained at 64 px.
    cfg = tiny_config(tmp_path)
    # Publication reads val photos where the config's images_root says, as training did.
    config = tmp_path / "outlet.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "not_this_run",
                "model": cfg.model,
                "dataset": cfg.dataset,
                "train": {**cfg.train, "imgsz": 32},
            }
        )
    )
    models = tmp_path / "models"
    arguments = [
        "--config", str(config), "--model", "outlet", "--version", "t1",
        "--name", trained.save_dir.name, "--runs-dir", str(trained.save_dir.parent),
        "--models-dir", str(models),
    ]  # fmt: skip
    publish(arguments)
    with pytest.raises(SystemExit, match="outlet t1 is published already"):
        publish(arguments)  # a version is published once

    entry = json.loads((models / "registry.json").read_text())["models"]["outlet"]
    assert entry["file"] == "outlet/outlet-t1.onnx"
    assert entry["meta"]["imgsz"] == IMGSZ
    detector = ModelCache(Registry.load(models), SessionOptions()).get("outlet", YoloDetector)
    assert detector.session.get_inputs()[0].shape == [1, 3, IMGSZ, IMGSZ]
    card = (models / "outlet" / "CARD.md").read_text()
    assert f"1x3x{IMGSZ}x{IMGSZ}" in card
    assert "in one pass (`--no-mirror`): mAP50" in card
    assert "image size 64" in card

    # Then served as int8 (training.detect.quantize): calibrated on the 4 train photos only.
    from training.detect.quantize import main as quantize

    quantize(["--config", str(config), "--model", "outlet", "--models-dir", str(models)])

    entry = json.loads((models / "registry.json").read_text())["models"]["outlet"]
    assert (entry["file"], entry["version"]) == ("outlet/outlet-t1-int8.onnx", "t1-int8")
    assert entry["meta"]["float_file"] == "outlet/outlet-t1.onnx"
    assert entry["meta"]["imgsz"] == IMGSZ
    int8 = ModelCache(Registry.load(models, int8=True), SessionOptions()).get(
        "outlet", YoloDetector
    )
    assert int8.version == "outlet-t1-int8"  # served as such on CPUs with VNNI (ml/cpu.py)
    ops = {node.op_type for node in onnx.load(str(models / entry["file"])).graph.node}
    assert "QuantizeLinear" in ops
    card = (models / "outlet" / "CARD.md").read_text()
    assert f"| file | `outlet/outlet-t1-int8.onnx` |\n| sha256 | `{entry['sha256']}` |" in card
    assert card.count("## Served as int8") == 1
    assert "calibrated on\n4 *train* photos" in card
    # Quantising again starts from the float file and replaces the section.
    quantize(["--config", str(config), "--model", "outlet", "--models-dir", str(models)])
    again = json.loads((models / "registry.json").read_text())["models"]["outlet"]
    assert again["meta"]["float_file"] == "outlet/outlet-t1.onnx"
    assert (models / "outlet" / "CARD.md").read_text().count("## Served as int8") == 1
