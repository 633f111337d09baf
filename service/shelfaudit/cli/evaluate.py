"""``shelfaudit eval …``: measure models and checks on labelled data.

Each evaluation lives in ``shelfaudit/evaluation/`` and registers its command here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shelfaudit.cli.files import said_as_usage_error

eval_app = typer.Typer(no_args_is_help=True, help="Evaluate models and checks on labelled data.")


@eval_app.command("genuine")
def genuine(
    images: Annotated[list[Path], typer.Argument(help="folders or files of honest photos")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """False-flag rate of the fraud checks on genuine, distinct photos."""
    from shelfaudit.evaluation.genuine import evaluate_genuine
    from shelfaudit.settings import get_settings
    from shelfaudit.upload.files import images_in

    files = images_in(images)
    if not files:
        typer.echo("no images found", err=True)
        raise typer.Exit(2)
    report = evaluate_genuine(files, get_settings())
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    typer.echo(
        f"{report.n} genuine photos: {report.false_review_rate:.1%} not clean, "
        f"{report.false_fraud_rate:.1%} fraud, {report.flagged_rate:.1%} with any flag"
    )
    for code, count in report.flags.items():
        typer.echo(f"  {code:<24}{count}")


@eval_app.command("duplicates")
def duplicates(
    images: Annotated[
        list[Path], typer.Option("--images", help="photos to copy and find again (repeatable)")
    ],
    distractors: Annotated[
        list[Path] | None,
        typer.Option("--distractors", help="more distinct photos for the index (repeatable)"),
    ] = None,
    limit: Annotated[int, typer.Option(help="at most this many photos to copy")] = 200,
    distractor_limit: Annotated[int, typer.Option(help="at most this many distractors")] = 1000,
    context: Annotated[int, typer.Option(help="recent photos of the rep verified")] = 12,
    layout: Annotated[str, typer.Option(help="index layout (11x23: as at 10 M photos)")] = "11x23",
    seed: Annotated[int, typer.Option(help="random seed for sampling and transforms")] = 7,
    all_pairs: Annotated[
        bool, typer.Option("--all-pairs", help="also verify every distinct pair (slow)")
    ] = False,
    same_scene: Annotated[
        Path | None,
        typer.Option(
            "--same-scene",
            help="CSV a,b of file names showing the same scene (not counted as false matches)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recall of the duplicate search per transform, and false matches among distinct photos."""
    from shelfaudit.evaluation.duplicates import (
        evaluate_duplicates,
        read_same_scene,
        report_lines,
        sample,
    )
    from shelfaudit.index.lookup import config_from_settings
    from shelfaudit.settings import get_settings
    from shelfaudit.upload.files import images_in

    originals = sample(images_in(images), limit, seed)
    others = sample(images_in(distractors or []), distractor_limit, seed + 1)
    if not originals:
        typer.echo("no images found", err=True)
        raise typer.Exit(2)
    try:
        scenes = read_same_scene(same_scene) if same_scene else None
    except (OSError, ValueError) as exc:
        typer.echo(f"cannot read --same-scene: {exc}", err=True)
        raise typer.Exit(2) from exc
    settings = get_settings()
    report = evaluate_duplicates(
        originals,
        distractors=others,
        config=config_from_settings(settings).search,
        radius=settings.dup_index_radius,
        context=context,
        layout=layout,
        seed=seed,
        all_pairs=all_pairs,
        same_scene=scenes,
    )
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    for line in report_lines(report):
        typer.echo(line)


@eval_app.command("recapture")
def recapture(
    manifest: Annotated[Path, typer.Option("--manifest", help="CSV with path,label[,source]")],
    root: Annotated[
        Path | None, typer.Option("--root", help="folder the paths are relative to")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """AUC, TPR at 1 % / 5 % FPR and accuracy of the recapture model (recapture, print: +)."""
    from shelfaudit.evaluation.recapture import (
        evaluate_with_settings,
        read_manifest,
        report_summary,
    )
    from shelfaudit.settings import get_settings

    if not manifest.is_file():
        typer.echo(f"no manifest at {manifest}", err=True)
        raise typer.Exit(2)
    with said_as_usage_error():
        report = evaluate_with_settings(read_manifest(manifest, root), get_settings())
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    for line in report_summary(report):
        typer.echo(line)


@eval_app.command("sku")
def sku(
    split: Annotated[
        Path, typer.Option("--split", help="GroceryStore-format split: path, fine_id, coarse_id")
    ],
    root: Annotated[
        Path, typer.Option("--root", help="dataset root: the photos, classes.csv, packshots")
    ],
    gallery: Annotated[
        str,
        typer.Option(
            "--gallery", help="iconic: packshots only; train: ROOT/train.txt photos; both"
        ),
    ] = "iconic",
    models: Annotated[
        Path | None,
        typer.Option("--models", help="models folder with registry.json (default: settings)"),
    ] = None,
    per_class: Annotated[
        bool, typer.Option("--per-class", help="also print top-1 per class")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Top-1 / top-5 SKU accuracy and coarse top-1 of the embedder, each photo embedded whole."""
    from shelfaudit.analyse.sku import MODEL_NAME, load_embedder
    from shelfaudit.evaluation.sku import GalleryKind, evaluate_split, photo_loader
    from shelfaudit.ml.cache import ModelCache
    from shelfaudit.ml.registry import Registry
    from shelfaudit.ml.sessions import SessionOptions
    from shelfaudit.settings import get_settings

    if gallery not in GalleryKind.__members__:
        typer.echo(f"--gallery must be one of {', '.join(GalleryKind)}", err=True)
        raise typer.Exit(2)
    for path, what in ((split, "split file"), (root / "classes.csv", "classes.csv")):
        if not path.is_file():
            typer.echo(f"no {what} at {path}", err=True)
            raise typer.Exit(2)
    settings = get_settings()
    folder = models or settings.models_dir
    cache = ModelCache(
        Registry.load(folder, int8=settings.int8_models),
        SessionOptions(settings.onnx_providers, settings.onnx_intra_op_threads),
    )
    with said_as_usage_error():
        embedder = load_embedder(cache)
        if embedder is None:
            typer.echo(f"no {MODEL_NAME} in {folder / 'registry.json'}", err=True)
            raise typer.Exit(2)
        report = evaluate_split(
            split,
            root,
            gallery_kind=GalleryKind(gallery),
            embedder=embedder,
            load=photo_loader(settings.quality_long_side, settings.max_pixels),
        )
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    typer.echo(
        f"{report.model} on {report.n} photos, gallery {report.gallery} "
        f"({report.gallery_skus} SKUs, {report.gallery_vectors} vectors): "
        f"top-1 {report.top1:.3f}, top-5 {report.top5:.3f}, coarse top-1 "
        f"{report.top1_coarse:.3f} ({report.ms_per_photo:.1f} ms/photo)"
        + (
            f"; {report.gallery_left_out} of the photos were in the gallery and were kept out"
            if report.gallery_left_out
            else ""
        )
    )
    if per_class:
        for name, top1 in sorted(report.per_class.items(), key=lambda kv: kv[1]):
            typer.echo(f"  {name:<28}{top1:.3f}")
