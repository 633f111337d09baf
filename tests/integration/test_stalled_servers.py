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


@pytest.fixture
def cut_off_body() -> Iterator[int]:
    """An HTTP server that promises 100 kB and closes the connection after 4 kB."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n"
                b"Content-Type: image/jpeg\r\n\r\n" + b"x" * 4096
            )
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    server.close()


def test_a_download_cut_off_midway_is_a_transient_error(cut_off_body: int) -> None:
    # It was a bug (the photo marked failed) instead of an outage to retry.
    settings = Settings(
        storage_backend=StorageBackend.s3,
        s3_endpoint=f"127.0.0.1:{cut_off_body}",
        s3_timeout_s=2,
        s3_region="us-east-1",  # no bucket-location request first
    )
    with pytest.raises(TransientError, match="cut off"):
        S3ObjectStore.from_settings(settings).get("originals/ab/abc.jpg")
