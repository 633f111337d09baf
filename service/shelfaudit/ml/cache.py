"""Per-process model cache: each model is loaded lazily, once, behind a lock.

Loading verifies the artifact's sha256 (``Registry.verified_path``). A session that fails
to build from a verified file is retried once, then the error propagates.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import onnxruntime as ort

from shelfaudit.errors import ModelIntegrityError
from shelfaudit.ml.registry import ModelEntry, Registry
from shelfaudit.ml.sessions import SessionOptions, create_session

log = logging.getLogger(__name__)

Loaded = TypeVar("Loaded")

# onnxruntime raises these for unreadable or invalid graphs.
_LOAD_ERRORS: tuple[type[BaseException], ...] = (
    RuntimeError,
    ValueError,
    OSError,
    ort.capi.onnxruntime_pybind11_state.Fail,
    ort.capi.onnxruntime_pybind11_state.InvalidGraph,
    ort.capi.onnxruntime_pybind11_state.InvalidProtobuf,
)


class ModelCache:
    def __init__(self, registry: Registry, options: SessionOptions) -> None:
        self.registry = registry
        self.options = options
        self._lock = threading.Lock()
        self._name_locks: dict[str, threading.Lock] = {}
        self._loaded: dict[tuple[str, object], object] = {}

    def _lock_for(self, name: str) -> threading.Lock:
        with self._lock:
            return self._name_locks.setdefault(name, threading.Lock())

    def session(self, name: str) -> tuple[ort.InferenceSession, ModelEntry]:
        return self.get(name, _raw_session), self.registry.entry(name)

    def get(self, name: str, build: Callable[[ModelEntry, ort.InferenceSession], Loaded]) -> Loaded:
        """The object ``build`` makes from the model's session, built on first use only.

        Cached per (model, build): the raw session and, say, an ``Embedder`` built on it are
        different objects and must not be handed out for one another.
        """
        key = (name, build)
        if key in self._loaded:
            return self._loaded[key]  # type: ignore[return-value]
        with self._lock_for(name):
            if key not in self._loaded:
                self._loaded[key] = self._load(name, build)
            return self._loaded[key]  # type: ignore[return-value]

    def _load(
        self, name: str, build: Callable[[ModelEntry, ort.InferenceSession], Loaded]
    ) -> Loaded:
        entry = self.registry.entry(name)
        for attempt in (1, 2):
            path = self.registry.verified_path(name)
            try:
                session = create_session(path, self.options)
            except _LOAD_ERRORS as exc:
                if attempt == 2:
                    raise ModelIntegrityError(f"model {name!r} cannot be loaded: {exc}") from exc
                log.warning("loading model %s failed (%s); retrying once", name, exc)
                continue
            log.info("loaded model %s %s from %s", name, entry.version, path)
            return build(entry, session)
        raise AssertionError("unreachable")

    def preload(self, names: list[str]) -> None:
        for name in names:
            self.session(name)

    def clear(self) -> None:
        with self._lock:
            self._loaded.clear()


def _raw_session(entry: ModelEntry, session: ort.InferenceSession) -> ort.InferenceSession:
    return session
