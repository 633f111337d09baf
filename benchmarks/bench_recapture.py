"""Per-stage latency of the recapture check.

Run: .venv/bin/python benchmarks/bench_recapture.py [--photos 8] [--rounds 3] [--no-spin]

Two kinds of input: real shelf photos resampled to 12 MP (4000x3000, quality 92, what the
field sends; the pipeline decodes them at 1/4 through the DCT) and photos of the shared
recapture set as they are (up to 1280 px). For each it prints milliseconds per stage
(median and p90 over photos x rounds): the pipeline's decode (context only: the pipeline
pays it once for every check), spectral features, global features, the ONNX model, and the
whole ``recapture.check`` (features + model + result). The model comes from models/ through
the same cache as the service (2 ONNX threads).
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from shelfaudit.analyse import decode, recapture, recapture_features
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.settings import Settings

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"


def twelve_megapixel_jpegs(count: int) -> list[bytes]:
    out = []
    for path in sorted((DATASETS / "sku110k_shelves" / "originals").glob("*.jpg"))[:count]:
        with Image.open(path) as opened:
            exif = opened.info.get("exif", b"")
            image = opened.convert("RGB")
        size = (4000, 3000) if image.width >= image.height else (3000, 4000)
        buffer = io.BytesIO()
        image.resize(size, Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=92, exif=exif)
        out.append(buffer.getvalue())
    return out


def recapture_set_photos(count: int) -> list[bytes]:
    with (DATASETS / "recapture" / "manifest.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    step = max(1, len(rows) // count)
    return [(DATASETS / "recapture" / r["path"]).read_bytes() for r in rows[::step][:count]]


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one call; on a busy shared machine CPU time is the
    better estimate of the unloaded wall time of single-threaded code."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def bench(name: str, photos: list[bytes], model: recapture.RecaptureModel, rounds: int) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    thresholds = recapture.RecaptureThresholds.from_settings(settings)
    stages: dict[str, list[tuple[float, float]]] = {
        k: [] for k in ("decode", "spectral", "global", "model", "check_total")
    }
    shape = (0, 0)
    for _ in range(rounds):
        for data in photos:
            holder: list[decode.DecodedImage] = []
            stages["decode"].append(
                timed(
                    lambda: holder.append(  # noqa: B023
                        decode.decode(
                            data,  # noqa: B023
                            target_long_side=settings.quality_long_side,
                            max_pixels=settings.max_pixels,
                        )
                    )
                )
            )
            decoded = holder[0]
            shape = decoded.rgb.shape[:2]
            size = decoded.result
            period = recapture_features.jpeg_grid_period(max(size.width, size.height), max(shape))
            rgb = decoded.rgb
            stages["spectral"].append(
                timed(lambda: recapture_features.spectral_features(rgb, period))  # noqa: B023
            )
            stages["global"].append(timed(lambda: recapture_features.global_features(rgb)))  # noqa: B023
            features = recapture.features_of(decoded)
            stages["model"].append(timed(lambda: model.probability(features)))  # noqa: B023
            stages["check_total"].append(
                timed(lambda: recapture.check(decoded, model=model, thresholds=thresholds))  # noqa: B023
            )
    print(f"\n{name}: {len(photos)} photos x {rounds} rounds, analysis image {shape[1]}x{shape[0]}")
    print(f"  {'stage':<12} {'wall median':>12} {'wall p90':>10} {'CPU median':>11}")
    for stage, values in stages.items():
        wall = [w for w, _ in values]
        cpu = [c for _, c in values]
        print(
            f"  {stage:<12} {statistics.median(wall):9.2f} ms {np.percentile(wall, 90):7.2f} ms "
            f"{statistics.median(cpu):8.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-spin",
        action="store_true",
        help="build the session with session.intra_op.allow_spinning=0 (not yet an option of "
        "ml/sessions.py): ORT's spinning threads otherwise steal about 20 ms of CPU from the "
        "numpy feature code that runs right after each inference",
    )
    args = parser.parse_args()
    registry = Registry.load(REPO / "models")
    if args.no_spin:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(
            str(registry.verified_path(recapture.MODEL_NAME)),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
        model = recapture.RecaptureModel(registry.entry(recapture.MODEL_NAME), session)
    else:
        model = recapture.load_model(ModelCache(registry, SessionOptions()))
    print(f"model {model.version}, {len(model.feature_names)} features")
    bench("12 MP shelf photos", twelve_megapixel_jpegs(args.photos), model, args.rounds)
    bench("recapture set (<= 1280 px)", recapture_set_photos(args.photos), model, args.rounds)


if __name__ == "__main__":
    main()
