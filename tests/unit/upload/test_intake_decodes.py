"""Validating uploads: costly whole-image decodes (large PNG or WebP) run a few at a time."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from shelfaudit.analyse import decode
from shelfaudit.upload import intake


def png(width: int, height: int, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 130, 140)).save(out, fmt)
    return out.getvalue()


def test_large_pngs_are_decoded_a_few_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def slow_decode(data: bytes, **_: object) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    monkeypatch.setattr(decode, "decode", slow_decode)
    big = png(4100, 4100)  # 16.8 MP: decoded whole, ~50 MB each
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda _: intake.validate_image(big, max_bytes=10**8, max_pixels=10**8), range(8)
            )
        )
    assert most == intake._COSTLY_AT_ONCE


def test_small_pngs_and_jpegs_are_not_held_back(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[bool] = []
    real = intake._costly_decodes

    class Watching:
        def __enter__(self) -> None:
            taken.append(True)
            real.acquire()

        def __exit__(self, *_: object) -> None:
            real.release()

    monkeypatch.setattr(intake, "_costly_decodes", Watching())
    intake.validate_image(png(800, 600), max_bytes=10**8, max_pixels=10**8)
    intake.validate_image(png(4100, 4100, "JPEG"), max_bytes=10**8, max_pixels=10**8)
    assert taken == []  # a JPEG shrinks while it decodes, whatever its size
    intake.validate_image(png(4100, 4100), max_bytes=10**8, max_pixels=10**8)
    assert taken == [True]
