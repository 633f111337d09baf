"""The training tests train tiny models end to end; they need the ``training`` extra.

Without torch or ultralytics they are skipped locally; in CI (``CI`` set) that is a failure,
never a silent skip: ``make test`` installs the extra.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import pytest

TRAINING_MODULES = ("torch", "torchvision", "ultralytics")


def missing_training_modules() -> list[str]:
    return [name for name in TRAINING_MODULES if importlib.util.find_spec(name) is None]


@pytest.fixture(scope="session", autouse=True)
def _training_extra() -> None:
    """Session-scoped so that it decides before any module-scoped training fixture runs."""
    missing = missing_training_modules()
    if not missing:
        return
    reason = (
        f"{', '.join(missing)} not installed: the training extra "
        "(`pip install -e '.[dev,training]'`, which `make test` runs)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the training tests")
    pytest.skip(reason)


@pytest.fixture(scope="module", autouse=True)
def _unpatch_pillow() -> Iterator[None]:
    """Importing ultralytics replaces ``PIL.Image.open`` (a HEIF retry that tries to install
    pi-heif); the service never imports ultralytics, so later tests must see Pillow's own."""
    yield
    from PIL import Image

    if getattr(Image.open, "__module__", "") == "ultralytics.utils.patches":
        from ultralytics.utils import patches

        Image.open = patches._image_open
