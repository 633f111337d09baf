"""``shelfaudit audit``: run files or folders through the same pipeline as the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shelfaudit.cli.files import read_file
from shelfaudit.errors import InvalidInput
from shelfaudit.queue.dispatch import process_with_retries
from shelfaudit.results.read import audit_record, read_photo
from shelfaudit.runtime import Runtime
from shelfaudit.upload.intake import accept_photo
from shelfaudit.upload.metadata import VisitMetadata


def audit_file(runtime: Runtime, path: Path, meta: VisitMetadata) -> dict[str, Any]:
    """Accept, analyse and describe one file; a refused file gives a record with its error."""
    try:
        data = read_file(path, limit=runtime.settings.max_upload_bytes)
    except OSError as exc:
        return _refused(path, "unreadable", str(exc))
    except InvalidInput as exc:
        return _refused(path, exc.code, exc.message)
    try:
        accepted = accept_photo(
            sessions=runtime.sessions,
            objects=runtime.objects,
            settings=runtime.settings,
            data=data,
            meta=meta,
            source_name=str(path),
        )
    except InvalidInput as exc:
        return _refused(path, exc.code, exc.message)
    photo_id = accepted.photo.id
    process_with_retries(runtime.processor, photo_id, attempts=runtime.settings.max_attempts)
    with runtime.sessions() as session:
        return audit_record(read_photo(session, photo_id), file=str(path))


def _refused(path: Path, code: str, message: str) -> dict[str, Any]:
    return {
        "file": str(path),
        "photo_id": None,
        "status": "rejected",
        "checks": {},
        "flags": [],
        "error": f"{code}: {message}",
    }
