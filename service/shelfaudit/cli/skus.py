"""``shelfaudit skus add | add-packshot | deactivate | activate | add-example | list |
import-grocery``: the SKU catalogue from the command line.

They work on the database and object store the settings name (migrating the embedded
SQLite first), embedding packshots at once when the models folder has an SKU embedder.
Each change is appended to the audit trail with the actor ``cli``.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from shelfaudit.cli.accounts import CLI_ACTOR
from shelfaudit.cli.files import check_file, read_file
from shelfaudit.domain.ids import MAX_ROW_ID
from shelfaudit.errors import InvalidInput, NotFound
from shelfaudit.scoring.wording import counted

if TYPE_CHECKING:
    from shelfaudit.runtime import Runtime

skus_app = typer.Typer(no_args_is_help=True, help="The SKU catalogue: products and packshots.")


@contextmanager
def _runtime() -> Iterator[Runtime]:
    from shelfaudit.runtime import build_runtime
    from shelfaudit.settings import get_settings

    settings = get_settings()
    runtime = build_runtime(settings, upgrade_db=settings.database_url is None)
    try:
        yield runtime
    finally:
        runtime.close()


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _add_packshots(runtime: Runtime, sku_id: str, paths: list[Path]) -> tuple[int, int]:
    """(packshots new to the SKU, of which embedded)."""
    from shelfaudit.analyse.sku import load_embedder
    from shelfaudit.review.catalogue_audit import record_packshots_added
    from shelfaudit.upload.packshots import PackshotFile, accept_packshots

    limit = runtime.settings.max_upload_bytes
    files = [PackshotFile(path.name, read_file(path, limit=limit)) for path in paths]
    accepted = accept_packshots(
        sessions=runtime.sessions,
        objects=runtime.objects,
        sku_id=sku_id,
        files=files,
        embedder=load_embedder(runtime.models),
        max_bytes=runtime.settings.max_upload_bytes,
        max_pixels=runtime.settings.max_pixels,
    )
    record_packshots_added(runtime.sessions, actor=CLI_ACTOR, sku_id=sku_id, accepted=accepted)
    new = [a for a in accepted if a.created]
    return len(new), sum(a.packshot.embedded for a in new)


def _check_files(runtime: Runtime, paths: list[Path]) -> None:
    """Every packshot decodes, and a new SKU can hold them all."""
    from shelfaudit.upload.packshots import MAX_PACKSHOTS_PER_SKU, decode_packshot

    distinct: set[str] = set()
    for path in paths:
        data = read_file(path, limit=runtime.settings.max_upload_bytes)
        distinct.add(hashlib.sha256(data).hexdigest())
        try:
            decode_packshot(
                data,
                max_bytes=runtime.settings.max_upload_bytes,
                max_pixels=runtime.settings.max_pixels,
            )
        except InvalidInput as exc:
            raise type(exc)(f"{path.name}: {exc.message}") from exc
    if len(distinct) > MAX_PACKSHOTS_PER_SKU:
        raise InvalidInput(
            f"{len(distinct)} packshots would pass the limit of {MAX_PACKSHOTS_PER_SKU} per "
            "SKU: give fewer"
        )


@skus_app.command("add")
def add_command(
    sku_id: Annotated[str, typer.Argument(help="the SKU id, e.g. Arla-Standard-Milk")],
    name: Annotated[str, typer.Option("--name", help="product name")],
    brand: Annotated[str | None, typer.Option("--brand")] = None,
    barcode: Annotated[str | None, typer.Option("--barcode", help="GTIN (EAN-13, ...)")] = None,
    packshot: Annotated[
        list[Path] | None,
        typer.Option("--packshot", exists=True, dir_okay=False, help="an image; repeatable"),
    ] = None,
) -> None:
    """Add a SKU, with its packshots; recognisable in the next audit."""
    from shelfaudit.review.catalogue_audit import record_sku_created
    from shelfaudit.store.catalogue import create_sku
    from shelfaudit.store.sku_schemas import SkuCreate

    try:
        data = SkuCreate(sku_id=sku_id, name=name, brand=brand, barcode=barcode)
    except ValidationError as exc:
        raise _fail("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from exc
    with _runtime() as runtime:
        try:
            # Refuse a bad packshot before the SKU exists, so a failed add leaves nothing.
            _check_files(runtime, packshot or [])
            with runtime.sessions.begin() as session:
                row = create_sku(session, data=data)
                record_sku_created(session, actor=CLI_ACTOR, row=row)
            added, embedded = _add_packshots(runtime, sku_id, packshot) if packshot else (0, 0)
        except InvalidInput as exc:
            raise _fail(exc.message) from exc
    typer.echo(
        f"added SKU {sku_id} with {counted(added, 'packshot')} ({embedded} embedded)", err=True
    )
    if not added:
        typer.echo(
            f"{sku_id} is recognised once it has a packshot (shelfaudit skus add-packshot) or "
            "a confirmed facing (skus add-example, or the photo page)",
            err=True,
        )


@skus_app.command("add-packshot")
def add_packshot_command(
    sku_id: Annotated[str, typer.Argument(help="an existing SKU")],
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="images")],
) -> None:
    """Add packshots to an existing SKU; recognised with them from the next audit."""
    from shelfaudit.store.catalogue import get_sku

    with _runtime() as runtime:
        try:
            with runtime.sessions() as session:
                active = get_sku(session, sku_id=sku_id).active
            _check_files(runtime, files)
            added, embedded = _add_packshots(runtime, sku_id, files)
        except (InvalidInput, NotFound) as exc:
            raise _fail(exc.message) from exc
    known = len(files) - added
    typer.echo(
        f"{sku_id}: {counted(added, 'new packshot')} ({embedded} embedded)"
        + (f"; {counted(known, 'file')} it had already" if known else ""),
        err=True,
    )
    if not active:
        typer.echo(f"{sku_id} is deactivated: skus activate {sku_id} to recognise it", err=True)


def _set_active(sku_id: str, *, active: bool) -> bool:
    """Recognise the SKU again, or stop; False when it already was so (nothing recorded)."""
    from shelfaudit.review.catalogue_audit import record_sku_changed, sku_state
    from shelfaudit.store.catalogue import get_sku, update_sku
    from shelfaudit.store.sku_schemas import SkuUpdate

    with _runtime() as runtime:
        try:
            with runtime.sessions.begin() as session:
                row = get_sku(session, sku_id=sku_id)
                if row.active == active:
                    return False
                before = sku_state(row)
                row = update_sku(session, sku_id=sku_id, data=SkuUpdate(active=active))
                action = "sku_update" if active else "sku_deactivate"
                record_sku_changed(session, actor=CLI_ACTOR, action=action, before=before, row=row)
        except NotFound as exc:
            raise _fail(exc.message) from exc
    return True


@skus_app.command("deactivate")
def deactivate_command(sku_id: Annotated[str, typer.Argument()]) -> None:
    """Stop recognising a SKU (discontinued); it, its packshots and past results stay."""
    changed = _set_active(sku_id, active=False)
    said = "deactivated: no longer recognised" if changed else "was already deactivated"
    typer.echo(f"{sku_id} {said}", err=True)


@skus_app.command("activate")
def activate_command(sku_id: Annotated[str, typer.Argument()]) -> None:
    """Recognise a deactivated SKU again, with its packshots and confirmed facings."""
    changed = _set_active(sku_id, active=True)
    typer.echo(f"{sku_id} {'recognised again' if changed else 'was already active'}", err=True)


def _box(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",")]
    except ValueError as exc:
        raise _fail(f"--box must be x0,y0,x1,y1 numbers, got {text!r}") from exc


@skus_app.command("add-example")
def add_example_command(
    sku_id: Annotated[str, typer.Argument(help="the SKU the facing shows")],
    photo: Annotated[
        int, typer.Option("--photo", min=1, max=MAX_ROW_ID, help="id of an accepted photo")
    ],
    box: Annotated[
        str | None,
        typer.Option(
            "--box",
            help="x0,y0,x1,y1 in upright original-photo pixels (as audit --json reports a "
            "facing's xyxy); omitted: the whole photo is a close-up of the product",
        ),
    ] = None,
) -> None:
    """Confirm a facing of a photo as SKU_ID: a field example, compared with in the next
    audit (no retraining). Prints the stored example as JSON."""
    from shelfaudit.analyse.sku import load_embedder
    from shelfaudit.review.catalogue_audit import record_packshots_added
    from shelfaudit.store.sku_schemas import PackshotAccepted
    from shelfaudit.upload.sku_examples import accept_field_example

    xyxy = _box(box)
    with _runtime() as runtime:
        try:
            accepted = accept_field_example(
                sessions=runtime.sessions,
                objects=runtime.objects,
                sku_id=sku_id,
                photo_id=photo,
                xyxy=xyxy,
                embedder=load_embedder(runtime.models),
                long_side=runtime.settings.quality_long_side,
                max_pixels=runtime.settings.max_pixels,
            )
        except (InvalidInput, NotFound) as exc:
            raise _fail(exc.message) from exc
        record_packshots_added(
            runtime.sessions, actor=CLI_ACTOR, sku_id=sku_id, accepted=[accepted]
        )
    shown = PackshotAccepted.of(accepted.packshot, created=accepted.created)
    typer.echo(shown.model_dump_json())


@skus_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per SKU")] = False,
    inactive: Annotated[bool, typer.Option("--all", help="deactivated SKUs too")] = False,
) -> None:
    """The catalogue, by SKU id, with each SKU's packshot count."""
    from shelfaudit.store.catalogue import count_packshots, list_skus
    from shelfaudit.store.sku_schemas import SkuPublic

    with _runtime() as runtime, runtime.sessions() as session:
        rows: list[tuple[SkuPublic, int]] = []
        after: str | None = None
        while page := list_skus(session, active=None if inactive else True, after=after):
            rows.extend(
                (SkuPublic.model_validate(r), count_packshots(session, sku_id=r.sku_id))
                for r in page
            )
            after = page[-1].sku_id
    if not rows and not as_json:
        typer.echo(
            "no SKUs" + ("" if inactive else " active (--all lists deactivated ones)"), err=True
        )
    for sku, packshots in rows:
        if as_json:
            typer.echo(json.dumps({**sku.model_dump(mode="json"), "packshots": packshots}))
        else:
            state = "" if sku.active else "  (inactive)"
            typer.echo(f"{sku.sku_id}\t{sku.name}\t{sku.brand or '-'}\t{packshots}{state}")


@dataclass(frozen=True)
class GroceryClass:
    sku_id: str
    name: str
    brand: str | None
    packshot: Path


def grocery_classes(root: Path) -> list[GroceryClass]:
    """The rows of a GroceryStore ``classes.csv``: packaged products take the first word of
    their class name as the brand ("Arla-Standard-Milk" -> Arla); fruit and vegetables none."""
    with (root / "classes.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in list(csv.reader(handle))[1:] if r]
    classes = []
    for line, row in enumerate(rows, start=2):
        if len(row) < 5:
            raise InvalidInput(
                f"classes.csv line {line}: {len(row)} columns; GroceryStore has 5 "
                "(class name, class id, coarse name, coarse id, iconic image path)"
            )
        class_name, iconic = row[0].strip(), row[4].strip().lstrip("/")
        packaged = "/Packages/" in f"/{iconic}"
        classes.append(
            GroceryClass(
                sku_id=class_name,
                name=class_name.replace("-", " "),
                brand=class_name.split("-", 1)[0] if packaged else None,
                packshot=root / iconic,
            )
        )
    return classes


@skus_app.command("import-grocery")
def import_grocery_command(
    root: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="GroceryStore dataset folder")
    ],
) -> None:
    """One SKU per class of a GroceryStore dataset, with its iconic image as the packshot.

    Safe to run again: existing SKUs are kept, packshots already there are not added twice.
    """
    from shelfaudit.review.catalogue_audit import record_sku_created
    from shelfaudit.settings import get_settings
    from shelfaudit.store.catalogue import create_sku, find_sku
    from shelfaudit.store.sku_schemas import SkuCreate

    if not (root / "classes.csv").is_file():
        raise _fail(f"{root} has no classes.csv: is it the GroceryStore dataset?")
    limit = get_settings().max_upload_bytes
    try:
        items = grocery_classes(root)
        for item in items:
            SkuCreate(sku_id=item.sku_id, name=item.name, brand=item.brand)
            check_file(item.packshot, limit=limit)  # every file there before anything is
    except (InvalidInput, ValueError, OSError) as exc:  # added (UnicodeDecodeError too)
        raise _fail(f"{root / 'classes.csv'}: {exc}") from exc
    created = packshots = embedded = 0
    with _runtime() as runtime:
        for item in items:
            try:
                with runtime.sessions.begin() as session:
                    if find_sku(session, sku_id=item.sku_id) is None:
                        data = SkuCreate(sku_id=item.sku_id, name=item.name, brand=item.brand)
                        row = create_sku(session, data=data)
                        record_sku_created(session, actor=CLI_ACTOR, row=row)
                        created += 1
                added, done = _add_packshots(runtime, item.sku_id, [item.packshot])
            except InvalidInput as exc:
                raise _fail(f"{item.sku_id}: {exc.message}") from exc
            except OSError as exc:
                raise _fail(f"{item.sku_id}: cannot read its packshot: {exc}") from exc
            packshots += added
            embedded += done
    typer.echo(
        json.dumps({"skus_created": created, "packshots_added": packshots, "embedded": embedded})
    )
