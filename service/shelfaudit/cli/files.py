"""Reading a file the CLI was given: a regular file, within a size limit, checked before a
byte is read (``audit /dev/zero`` or an 8 GB file would otherwise fill the memory, and a
named pipe would wait forever)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from shelfaudit.errors import InvalidInput, PayloadTooLarge


def check_file(path: Path, *, limit: int) -> None:
    """``InvalidInput`` for what is not a regular file, ``PayloadTooLarge`` past ``limit``
    bytes; nothing is read."""
    if not path.is_file():
        what = "a folder" if path.is_dir() else "missing" if not path.exists() else "not a file"
        raise InvalidInput(f"{path}: {what}; give a regular file", field="path")
    size = path.stat().st_size
    if size > limit:
        raise PayloadTooLarge(
            f"{path}: {size:,} bytes; the limit is {limit:,} bytes ({limit / 2**20:.1f} MiB)"
        )


def read_file(path: Path, *, limit: int) -> bytes:
    """The bytes of ``path``, after ``check_file``; ``OSError`` when it cannot be read."""
    check_file(path, limit=limit)
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew while we looked
        raise PayloadTooLarge(f"{path}: over the limit of {limit:,} bytes")
    return data


def output_folder(out: Path) -> Path:
    """``out`` created as a folder (with its parents); ``InvalidInput`` when it is a file or
    cannot be created, said before any work is done."""
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out {out}: a file is there; give a folder", field="out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"--out {out}: cannot create it ({exc.strerror})", field="out") from exc
    return out


@contextmanager
def said_as_usage_error() -> Iterator[None]:
    """Bad input (a malformed split, manifest or COCO file, an image that is not there) is
    one line on stderr and exit 2, not a traceback."""
    try:
        yield
    except InvalidInput as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    except OSError as exc:
        typer.echo(f"error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from exc
