"""A server that accepts connections and never answers (a stalled S3 or Redis): the caller
hears so within a bounded time instead of hanging an upload, its thread and its connection."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from shelfaudit.errors import TransientError
from shelfaudit.queue.celery_app import create_celery
from shelfaudit.queue.dispatch import CeleryDispatcher
from shelfaudit.settings import Settings, StorageBackend
from shelfaudit.store.objects import S3ObjectStore


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port whose server accepts connections and reads nothing, answers nothing."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def test_a_stalled_object_store_is_a_transient_error_in_bounded_time(black_hole: int) -> None:
    settings = Settings(
        storage_backend=StorageBackend.s3, s3_endpoint=f"127.0.0.1:{black_hole}", s3_timeout_s=0.5
    )
    store = S3ObjectStore.from_settings(settings)
    started = time.monotonic()
    with pytest.raises(TransientError):
        store.get("originals/ab/abc.jpg")
    # 3 tries of a 0.5 s read plus backoff; the SDK's own defaults waited 300 s a try.
    assert time.monotonic() - started < 10


def test_publishing_to_a_stalled_broker_gives_up_and_leaves_the_photo_to_the_sweep(
    black_hole: int,
) -> None:
    settings = Settings(broker_url=f"redis://127.0.0.1:{black_hole}/0", broker_timeout_s=0.5)
    dispatcher = CeleryDispatcher(create_celery(settings), settings.queue_name)
    started = time.monotonic()
    dispatcher.submit(1)  # logs and returns: the photo is stored as `received`
    assert time.monotonic() - started < 15
