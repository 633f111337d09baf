"""``shelfaudit export labels | sku-examples``: reviewed photos with corrected boxes, and SKU
pictures with confirmed field examples, for retraining."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from shelfaudit.cli.files import output_folder, said_as_usage_error
from shelfaudit.review.label_split import DEFAULT_VAL_SHARE, MAX_VAL_SHARE
from shelfaudit.scoring.wording import counted, plural

export_app = typer.Typer(no_args_is_help=True, help="Export data for other tools.")


@export_app.command("labels")
def export_labels_command(
    since: Annotated[
        datetime, typer.Option(formats=["%Y-%m-%d"], help="decisions on or after this day (UTC)")
    ],
    format_: Annotated[str, typer.Option("--format", help="coco or yolo")] = "coco",
    out: Annotated[Path, typer.Option(help="folder to write (created)")] = Path("labels"),
    val_share: Annotated[
        float,
        typer.Option(
            "--val-share",
            min=0.0,
            max=MAX_VAL_SHARE,
            help="about this share of the stores goes to val (0: every photo in train)",
        ),
    ] = DEFAULT_VAL_SHARE,
) -> None:
    """Write reviewed photos and their boxes as corrected by reviewers, as COCO or YOLO,
    split into train and val by store."""
    from shelfaudit.analyse.detect import served_classes
    from shelfaudit.review.label_export import FolderSink, LabelFormat, export_labels
    from shelfaudit.runtime import build_runtime
    from shelfaudit.settings import get_settings

    if format_ not in LabelFormat.__members__:
        typer.echo("error: --format is coco or yolo", err=True)
        raise typer.Exit(2)
    _check_out(out)
    settings = get_settings()
    runtime = build_runtime(settings, upgrade_db=settings.database_url is None)
    served = served_classes(runtime.models.registry)
    try:
        with runtime.sessions() as session:
            summary = export_labels(
                session,
                runtime.objects,
                fmt=LabelFormat(format_),
                since=since.date(),
                sink=FolderSink(out),
                served_classes=served,
                val_share=val_share,
            )
    finally:
        runtime.close()
    drawn = f" ({summary.drawn} drawn by reviewers)" if summary.drawn else ""
    typer.echo(
        f"{counted(summary.images, 'photo')}, {counted(summary.boxes, 'box')}{drawn}, "
        f"{counted(len(summary.classes), 'class')} "
        f"({format_}) in {out}: {summary.splits.get('train', 0)} train, "
        f"{summary.splits.get('val', 0)} val"
    )
    for why, n in summary.skipped.items():
        typer.echo(f"left out: {counted(n, 'photo')} ({why})", err=True)
    if summary.images and not served:
        typer.echo(
            "note: the registry has no outlet detector, so class ids follow the classes "
            "found, sorted, not a served detector's order; train with the names in the "
            "export's own class list",
            err=True,
        )


def _check_out(out: Path) -> None:
    """A new or empty folder: files of an earlier export left beside this one's would be
    read with this one's class ids."""
    with said_as_usage_error():
        output_folder(out)
    if any(out.iterdir()):
        typer.echo(f"error: --out {out} is not empty; give a new folder", err=True)
        raise typer.Exit(2)


@export_app.command("sku-examples")
def export_sku_examples_command(
    out: Annotated[Path, typer.Option(help="folder to write (created)")] = Path("sku-examples"),
) -> None:
    """Write the SKU catalogue's packshots and confirmed field examples in the GroceryStore
    layout (classes.csv, train.txt, val.txt): train with `python -m training.sku.train --root
    OUT`, measure with `shelfaudit eval sku --split OUT/val.txt --root OUT`."""
    from shelfaudit.review.label_export import FolderSink
    from shelfaudit.review.sku_example_export import export_sku_examples
    from shelfaudit.runtime import build_runtime
    from shelfaudit.settings import get_settings

    _check_out(out)
    settings = get_settings()
    runtime = build_runtime(settings, upgrade_db=settings.database_url is None)
    try:
        with runtime.sessions() as session:
            summary = export_sku_examples(session, runtime.objects, sink=FolderSink(out))
    finally:
        runtime.close()
    typer.echo(
        f"{counted(summary.classes, 'SKU')}, {summary.train} train and {summary.val} val field "
        f"{plural('example', summary.train + summary.val)} "
        f"in {out}"
    )
    if summary.without_packshot:
        typer.echo(f"left out (no packshot): {', '.join(summary.without_packshot)}", err=True)
