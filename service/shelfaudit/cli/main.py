"""Entry point: ``shelfaudit serve | worker | audit | sweep | db upgrade | db backfill-keys |
db backfill-inside | users | apikeys | webhooks | export | skus | standards | activities``."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from shelfaudit.cli.accounts import users_app
from shelfaudit.cli.apikeys import apikeys_app
from shelfaudit.cli.detect import detect
from shelfaudit.cli.evaluate import eval_app
from shelfaudit.cli.export import export_app
from shelfaudit.cli.master_data import activities_app
from shelfaudit.cli.skus import skus_app
from shelfaudit.cli.standards import missing_activity_hint, standards_app
from shelfaudit.cli.webhooks import webhooks_app
from shelfaudit.errors import ModelError, SchemaOutOfDate, UnknownReference
from shelfaudit.settings import Settings, get_settings

if TYPE_CHECKING:
    from shelfaudit.upload.metadata import VisitMetadata

app = typer.Typer(no_args_is_help=True, help="ShelfAudit: AI audit of retail display photos.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")
app.add_typer(eval_app, name="eval")
app.add_typer(users_app, name="users")
app.add_typer(apikeys_app, name="apikeys")
app.add_typer(export_app, name="export")
app.add_typer(skus_app, name="skus")
app.add_typer(standards_app, name="standards")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(activities_app, name="activities")
app.command("detect")(detect)

err = Console(stderr=True)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:
        err.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
) -> None:
    """Run the HTTP API (and, without a broker, the analysis in-process)."""
    import uvicorn

    from shelfaudit.api.app import create_app
    from shelfaudit.errors import OffsetChanged
    from shelfaudit.payouts.offset_check import refuse_changed_offset_at

    settings = _settings()
    try:
        refuse_changed_offset_at(settings.resolved_database_url, settings.business_offset_min)
    except OffsetChanged as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    err.print(
        f"ShelfAudit on http://{host or settings.host}:{port or settings.port} "
        f"(docs at /docs); data in {settings.data_dir}"
    )
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="worker processes")] = None,
) -> None:
    """Run a Celery worker that analyses queued photos (needs SHELFAUDIT_BROKER_URL)."""
    from shelfaudit.queue.celery_app import create_celery

    settings = _settings()
    if not settings.uses_broker:
        err.print("[red]SHELFAUDIT_BROKER_URL is not set[/red]: `serve` alone analyses in-process")
        raise typer.Exit(2)
    celery = create_celery(settings)
    celery.worker_main(
        [
            "worker",
            "--loglevel=INFO",
            f"--queues={settings.queue_name}",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ]
    )


@app.command("sweep")
def sweep_command() -> None:
    """Queue again every photo stuck in `received` or held by a dead worker."""
    from shelfaudit.api.app import make_dispatcher
    from shelfaudit.queue.sweep import sweep
    from shelfaudit.runtime import build_runtime

    settings = _settings()
    runtime = build_runtime(settings)
    dispatcher = make_dispatcher(runtime)
    try:
        ids = sweep(
            runtime.sessions,
            dispatcher,
            received_grace_s=settings.sweep_received_grace_s,
            processing_lease_s=settings.sweep_processing_lease_s,
        )
    finally:
        dispatcher.close()
        runtime.close()
    typer.echo(json.dumps({"requeued": ids}))


@app.command("reanalyse")
def reanalyse_command(
    photo: Annotated[list[int] | None, typer.Option("--photo", help="a photo id (repeat)")] = None,
    activity: Annotated[str | None, typer.Option(help="every photo of this activity")] = None,
    missing_score: Annotated[
        bool, typer.Option(help="only photos without a display score (standard came later)")
    ] = False,
) -> None:
    """Analyse stored photos again with today's models and display standards (their
    originals are kept): by id, by activity, or those an activity's standard came after."""
    from shelfaudit.api.app import make_dispatcher
    from shelfaudit.results.reanalyse import mark_for_reanalysis, photos_to_reanalyse
    from shelfaudit.runtime import build_runtime

    if not photo and activity is None:
        typer.echo(
            "error: say which photos: --photo ID (repeatable) and/or --activity ID", err=True
        )
        raise typer.Exit(2)
    runtime = build_runtime(_settings())
    dispatcher = make_dispatcher(runtime)
    try:
        with runtime.sessions.begin() as session:
            ids = photos_to_reanalyse(
                session, photo_ids=photo or (), activity_id=activity, missing_score=missing_score
            )
            mark_for_reanalysis(session, ids)
        for photo_id in ids:
            dispatcher.submit(photo_id)
    finally:
        dispatcher.close()  # in-process: waits for the analyses; with a broker: queued
        runtime.close()
    typer.echo(json.dumps({"reanalysed": ids}))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database schema to REVISION (default: the newest)."""
    from shelfaudit.store import migrate
    from shelfaudit.store.database import make_engine

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    try:
        reached = migrate.upgrade(engine, revision)
    except SchemaOutOfDate as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    err.print(f"database at {reached}: {engine.url.render_as_string(hide_password=True)}")


@db_app.command("check")
def db_check() -> None:
    """Re-read every stored rule set and display standard with today's checks; exit 1 and
    list those refused (run after upgrading, before the next payout run)."""
    from shelfaudit.payouts.rule_store import unreadable_versions
    from shelfaudit.runtime import build_runtime
    from shelfaudit.store.standards import unreadable_standards

    runtime = build_runtime(_settings())
    try:
        with runtime.sessions() as session:
            problems = [("rule set", *p) for p in unreadable_versions(session)]
            problems += [("standard", *p) for p in unreadable_standards(session)]
    finally:
        runtime.close()
    for kind, key, why in problems:
        err.print(f"{kind} {key}: {why}", markup=False, highlight=False)
    typer.echo(json.dumps({"refused": len(problems)}))
    if problems:
        raise typer.Exit(1)


@db_app.command("backfill-keys")
def db_backfill_keys(
    batch: Annotated[int, typer.Option(min=1, help="photos per transaction")] = 200,
    limit: Annotated[int | None, typer.Option(min=1, help="stop after this many photos")] = None,
) -> None:
    """Give keypoint keys to photos analysed before they were kept (crop search for all)."""
    from shelfaudit.results.keypoint_backfill import backfill_keys
    from shelfaudit.runtime import build_runtime

    runtime = build_runtime(_settings())
    try:
        report = backfill_keys(
            runtime.sessions, runtime.processor.hash_cache, batch=batch, limit=limit
        )
    finally:
        runtime.close()
    typer.echo(json.dumps(asdict(report)))


@db_app.command("backfill-inside")
def db_backfill_inside(
    batch: Annotated[int, typer.Option(min=1, help="photos per transaction")] = 100,
    limit: Annotated[int | None, typer.Option(min=1, help="stop after this many photos")] = None,
) -> None:
    """Check photos hashed before duplicates-4 for flat bars (screenshots of letterboxed
    photos found by hashes)."""
    from shelfaudit.results.inside_backfill import backfill_inside
    from shelfaudit.runtime import build_runtime

    runtime = build_runtime(_settings())
    try:
        report = backfill_inside(
            runtime.sessions, runtime.processor.hash_cache, batch=batch, limit=limit
        )
    finally:
        runtime.close()
    typer.echo(json.dumps(asdict(report)))


@db_app.command("retriage")
def db_retriage(
    batch: Annotated[int, typer.Option(min=1, help="photos per transaction")] = 500,
) -> None:
    """Queue undecided photos again by today's triage rules (after an upgrade changed them:
    photos judged fraud join the queue, items queued only by the recapture model's doubt
    are cleared)."""
    from shelfaudit.review.triage import TriageConfig, retriage_undecided
    from shelfaudit.runtime import build_runtime

    settings = _settings()
    runtime = build_runtime(settings)
    config = TriageConfig.from_settings(settings)
    last = 0
    try:
        while True:
            with runtime.sessions.begin() as session:
                reached = retriage_undecided(session, config=config, after_id=last, batch=batch)
            if reached is None:
                break
            last = reached
    finally:
        runtime.close()
    typer.echo(json.dumps({"last_photo_id": last}))


@app.command()
def audit(
    paths: Annotated[list[Path], typer.Argument(help="photos or folders of photos")],
    store: Annotated[str | None, typer.Option("--store", help="store id")] = None,
    rep: Annotated[str | None, typer.Option("--rep", help="rep id")] = None,
    activity: Annotated[str | None, typer.Option("--activity", help="activity id")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per photo")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="also write JSON lines here")] = None,
) -> None:
    """Audit photos through the same pipeline as the API, on this machine's data directory."""
    from shelfaudit.cli.audit import audit_file
    from shelfaudit.cli.render import summary_table
    from shelfaudit.runtime import build_runtime, check_models_folder
    from shelfaudit.upload.files import image_files
    from shelfaudit.upload.intake import check_references
    from shelfaudit.upload.metadata import VisitMetadata

    settings = _settings()
    files = image_files(paths, keep_named_files=True)
    if not files:
        err.print("[red]no photos found[/red] in " + ", ".join(map(str, paths)))
        raise typer.Exit(2)
    try:
        meta = VisitMetadata(store_id=store, rep_id=rep, activity_id=activity)
    except ValueError as exc:
        err.print(f"[red]invalid option:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        sink = out.open("w", encoding="utf-8") if out else None
    except OSError as exc:
        err.print(f"[red]--out {escape(str(out))}:[/red] {escape(exc.strerror or str(exc))}")
        raise typer.Exit(2) from exc
    check_models_folder(settings)  # a mistyped folder is an error (main() says it), not "off"
    runtime = build_runtime(settings, upgrade_db=settings.database_url is None)
    records: list[dict[str, Any]] = []
    try:
        with runtime.sessions() as session:
            check_references(session, meta)
        with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task("auditing", total=len(files))
            for path in files:
                record = audit_file(runtime, path, meta)
                records.append(record)
                line = json.dumps(record, ensure_ascii=False)
                if as_json:
                    typer.echo(line)
                if sink:
                    sink.write(line + "\n")
                progress.advance(task)
    except UnknownReference as exc:
        hint = escape(_how_to_create(exc.field, meta))
        err.print(f"[red]{escape(exc.message)}[/red]: {hint}", soft_wrap=True)
        raise typer.Exit(2) from exc
    finally:
        if sink:
            sink.close()
        runtime.close()
    if not as_json:
        Console().print(summary_table(records))
    if any(r["status"] == "rejected" for r in records):
        raise typer.Exit(1)


def _how_to_create(field: str | None, meta: VisitMetadata) -> str:
    """How to add the store, rep or activity the options name but the master data lacks."""
    if field == "activity_id" and meta.activity_id:
        return missing_activity_hint(meta.activity_id)
    if field == "rep_id":
        return f"create it first: PUT /v1/reps/{meta.rep_id}"
    return f"create it first: PUT /v1/stores/{meta.store_id}"


def main() -> None:
    """The console entry: a model that cannot be served (a file whose checksum or class
    list differs from the registry, a broken registry) or invalid settings are one line and
    exit 2, as bad input is, and a database on another schema one line and exit 1, not a
    traceback."""
    try:
        app()
    except ModelError as exc:
        err.print(f"error: {exc.message}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except SchemaOutOfDate as exc:
        err.print(f"error: {exc.message}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        # Any command reads the settings first; each said so as a traceback but serve.
        err.print(f"invalid settings: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
