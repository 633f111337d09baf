"""The model registry: ``models/registry.json`` names every shipped model and its sha256.

Each entry::

    "recapture": {"file": "recapture/recapture-v1.onnx", "sha256": "…", "version": "v1",
                  "task": "recapture", "card": "recapture/CARD.md", "meta": {…}}

A model is loaded only after its file's sha256 matches the manifest, so a half-copied or
swapped artifact is refused with a clear error instead of producing quiet nonsense.

An int8 entry names the float32 file it was quantised from (``meta.float_file``,
``meta.float_sha256``). The int8 file is served on CPUs that run it as measured
(``ml/cpu.py``), and elsewhere only where ``meta.int8_without_dot_products`` says it was
measured there too; otherwise, or when asked, the float32 one is, under the version without
``-int8``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shelfaudit.errors import ModelIntegrityError, ModelNotFound
from shelfaudit.ml.cpu import int8_is_native

REGISTRY_FILE = "registry.json"


class ModelEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    file: str = Field(description="path relative to the models folder")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    version: str
    task: str
    card: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    def as_float(self) -> ModelEntry:
        """The float32 model an int8 entry was quantised from; itself for the others."""
        float_file = self.meta.get("float_file")
        if not float_file:
            return self
        if not isinstance(self.meta.get("float_sha256"), str):
            raise ModelIntegrityError(
                f"{self.name}: meta.float_file {float_file} has no meta.float_sha256 to check"
            )
        return self.model_copy(
            update={
                "file": float_file,
                "sha256": self.meta["float_sha256"],
                "version": self.version.removesuffix("-int8"),
            }
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Registry:
    def __init__(self, root: Path, entries: dict[str, ModelEntry]) -> None:
        self.root = root
        self.entries = entries

    @classmethod
    def load(cls, root: Path, *, int8: bool | None = None) -> Registry:
        """The registry in ``root``; int8 models as listed when ``int8``, else the float32
        files they came from. None: per model, int8 where this CPU has int8 dot products,
        or where the entry's ``meta.int8_without_dot_products`` says its int8 file was
        measured as accurate and faster without them too (the outlet detector; the SKU
        embedder's vectors drift there)."""
        loaded = cls.load_listed(root)
        if int8 is True:
            return loaded
        if int8 is False:
            return cls(root, {name: e.as_float() for name, e in loaded.entries.items()})
        native = int8_is_native()
        return cls(
            root,
            {
                name: e
                if native or e.meta.get("int8_without_dot_products") is True
                else e.as_float()
                for name, e in loaded.entries.items()
            },
        )

    @classmethod
    def load_listed(cls, root: Path) -> Registry:
        """The registry exactly as ``registry.json`` lists it."""
        manifest = root / REGISTRY_FILE
        if not manifest.is_file():
            return cls(root, {})
        try:
            raw = json.loads(manifest.read_text(encoding="utf-8"))
            entries = {
                name: ModelEntry(name=name, **body) for name, body in raw.get("models", {}).items()
            }
        except (json.JSONDecodeError, ValidationError, TypeError) as exc:
            raise ModelIntegrityError(f"model registry {manifest} is invalid: {exc}") from exc
        return cls(root, entries)

    def entry(self, name: str) -> ModelEntry:
        try:
            return self.entries[name]
        except KeyError:
            known = ", ".join(sorted(self.entries)) or "none"
            raise ModelNotFound(
                f"model {name!r} is not in {self.root / REGISTRY_FILE} (known: {known})"
            ) from None

    def verified_path(self, name: str) -> Path:
        """The model file, after checking that its sha256 matches the manifest."""
        entry = self.entry(name)
        path = self.root / entry.file
        if not path.is_file():
            raise ModelNotFound(f"model {name!r}: file {path} is missing")
        actual = file_sha256(path)
        if actual != entry.sha256:
            raise ModelIntegrityError(
                f"model {name!r}: {path} has sha256 {actual}, the registry expects "
                f"{entry.sha256}; refusing to load it"
            )
        return path
