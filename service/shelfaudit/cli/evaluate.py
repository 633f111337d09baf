"""``shelfaudit eval …``: measure models and checks on labelled data.

Each evaluation lives in ``shelfaudit/evaluation/`` and registers its command here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

eval_app = typer.Typer(no_args_is_help=True, help="Evaluate models and checks on labelled data.")


@eval_app.command("genuine")
def genuine(
    images: Annotated[list[Path], typer.Argument(help="folders or files of honest photos")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """False-flag rate of the fraud checks on genuine, distinct photos."""
    from shelfaudit.evaluation.genuine import evaluate_genuine, images_in
    from shelfaudit.settings import get_settings

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
