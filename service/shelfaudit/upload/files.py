"""Which files on disk are photos to take in: the CLI's audit and the evaluations share it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif"})


def image_files(paths: Iterable[Path], *, keep_named_files: bool = False) -> list[Path]:
    """The images inside folders (recursively, sorted per folder), in argument order.

    A file named directly is kept whatever its suffix when ``keep_named_files`` (the audit
    reports why it is refused); otherwise only image suffixes count.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                )
            )
        elif keep_named_files or (path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES):
            files.append(path)
    return files


def images_in(folders: Iterable[Path]) -> list[Path]:
    """Every image in ``folders``, sorted by path: a stable order to sample from."""
    return sorted(image_files(folders))
