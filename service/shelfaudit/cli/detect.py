"""``shelfaudit detect`` and ``shelfaudit eval detect``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from shelfaudit.cli.evaluate import eval_app
from shelfaudit.cli.files import said_as_usage_error


def detect(
    images: Annotated[list[Path], typer.Argument(help="photos to run the detectors on")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per photo")] = False,
) -> None:
    """Run the registry's detectors on photos (no database, nothing stored)."""
    from shelfaudit.analyse import detect as detect_check
    from shelfaudit.analyse.decode import decode
    from shelfaudit.ml.cache import ModelCache
    from shelfaudit.ml.registry import Registry
    from shelfaudit.ml.sessions import SessionOptions
    from shelfaudit.settings import get_settings

    settings = get_settings()
    cache = ModelCache(
        Registry.load(settings.models_dir, int8=settings.int8_models),
        SessionOptions(settings.onnx_providers, settings.onnx_intra_op_threads),
    )
    detectors = detect_check.load_detectors(cache, detect_check.detect_options(settings))
    if detectors is None:
        typer.echo(f"no detector in {settings.models_dir / 'registry.json'}", err=True)
        raise typer.Exit(2)
    for path in images:
        decoded = decode(
            path.read_bytes(),
            target_long_side=settings.quality_long_side,
            max_pixels=settings.max_pixels,
        )
        result = detect_check.run(
            decoded.rgb, original_width=decoded.result.width, detectors=detectors
        )
        if as_json:
            typer.echo(json.dumps({"file": str(path), **result.model_dump(mode="json")}))
        else:
            rows = f", {result.levels} shelf rows" if result.rows else ""
            counts = ", ".join(f"{n} {name}" for name, n in result.counts.items()) or "nothing"
            typer.echo(f"{path.name}: {counts}{rows} ({result.ms:.0f} ms)")


@eval_app.command("detect")
def eval_detect(
    coco: Annotated[Path, typer.Option("--coco", help="COCO annotations file")],
    images_root: Annotated[
        Path | None, typer.Option("--images-root", help="folder file_name is relative to")
    ] = None,
    model: Annotated[str, typer.Option("--model", help="registry model name")] = "outlet",
    split: Annotated[str, typer.Option("--split", help="val, train or all")] = "val",
    tiles: Annotated[
        int, typer.Option("--tiles", min=1, max=4, help="also detect on an n x n grid of tiles")
    ] = 1,
    mirror: Annotated[
        bool | None,
        typer.Option(
            "--mirror/--no-mirror",
            help="fuse a mirrored pass in (default: as the service does: the outlet model "
            "when SHELFAUDIT_DETECT_MIRROR is on)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """mAP50 and mAP50-95 of a detector, computed the COCO way."""
    from shelfaudit.analyse.detect import serves_mirrored
    from shelfaudit.evaluation.detect import evaluate_detector, load_coco
    from shelfaudit.ml.cache import ModelCache
    from shelfaudit.ml.registry import Registry
    from shelfaudit.ml.sessions import SessionOptions
    from shelfaudit.ml.yolo import YoloDetector
    from shelfaudit.settings import get_settings

    settings = get_settings()
    cache = ModelCache(
        Registry.load(settings.models_dir, int8=settings.int8_models),
        SessionOptions(settings.onnx_providers, settings.onnx_intra_op_threads),
    )
    if model not in cache.registry.entries:
        known = ", ".join(sorted(cache.registry.entries)) or "none"
        typer.echo(f"error: no model {model!r} in the registry (it has: {known})", err=True)
        raise typer.Exit(2)
    with said_as_usage_error():
        detector = cache.get(model, YoloDetector)
        report = evaluate_detector(
            detector,
            load_coco(coco),
            images_root=images_root or coco.parent,
            split=split,
            analysis_long_side=settings.quality_long_side,
            tiles=tiles,
            mirror=serves_mirrored(model, settings) if mirror is None else mirror,
        )
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    typer.echo(
        f"{report.model} on {report.n_images} images: mAP50 {report.map50:.3f}, "
        f"mAP50-95 {report.map50_95:.3f}"
    )
    for name, ap in sorted(report.per_class.items(), key=lambda kv: -kv[1]):
        typer.echo(f"  {name:<16}{ap:.3f}")
