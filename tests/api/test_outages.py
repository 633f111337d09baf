"""What callers hear when a server behind the API fails: a 503 to retry, never a bare 500;
and a request waiting on storage does not hold a database connection."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy.exc
from fastapi.testclient import TestClient
from starlette.requests import Request

from shelfaudit.api import security
from shelfaudit.api.routes import photos
from shelfaudit.errors import TransientError
from tests.api.helpers import runtime_of


def _connection_refused(*_: object, **__: object) -> None:
    raise sqlalchemy.exc.OperationalError(
        "SELECT 1", {}, ConnectionRefusedError("connection refused")
    )


@pytest.mark.parametrize(
    "error",
    [
        sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused")),
        sqlalchemy.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
    ],
    ids=["connection_lost", "pool_exhausted"],
)
def test_a_database_outage_is_503_to_retry(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def fail(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr(photos, "list_photos", fail)
    response = client.get("/v1/photos")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "transient"
    assert response.headers["retry-after"] == "5"


def test_a_page_hears_of_a_database_outage_as_a_page(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(security, "principal_for_session", _connection_refused)
    del client.headers["Authorization"]
    client.cookies.set(security.SESSION_COOKIE, "x")
    response = client.get("/review")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")


def test_the_callers_lookup_hands_its_connection_back(client: TestClient) -> None:
    runtime = runtime_of(client)
    key = client.headers["Authorization"].removeprefix("Bearer ")
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/photos",
        "headers": [(b"authorization", f"Bearer {key}".encode())],
    }
    with runtime.sessions() as session:
        principal = security.current_principal(Request(scope), session, None)
        assert principal is not None
        assert not session.in_transaction()  # no connection held through the upload


def test_health_says_when_the_object_store_fails(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shelfaudit.api.store_probe import StoreProbe

    runtime = runtime_of(client)
    assert client.get("/healthz").json()["objects"] == "ok"

    def refused() -> None:
        raise TransientError("bucket shelfaudit-photos: SignatureDoesNotMatch")

    monkeypatch.setattr(runtime.objects, "check", refused)
    client.app.state.store_probe = StoreProbe(runtime.objects, ttl_s=0)  # type: ignore[attr-defined]
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert "SignatureDoesNotMatch" in response.json()["objects"]


def test_a_stalled_store_is_probed_once_and_waited_on_briefly(tmp_path: Path) -> None:
    import threading
    import time

    from shelfaudit.api.store_probe import StoreProbe

    release = threading.Event()
    probes: list[float] = []

    class Stalled:
        def check(self) -> None:
            probes.append(time.monotonic())
            release.wait(10)

    probe = StoreProbe(Stalled(), ttl_s=5, wait_s=0.2)  # type: ignore[arg-type]
    started = time.monotonic()
    answers = [probe.status() for _ in range(5)]
    assert time.monotonic() - started < 2  # each caller waited 0.2 s, not the stall
    assert answers == ["error: no answer within 0 s"] * 5
    assert len(probes) == 1  # one probe in flight, however many health checks
    release.set()
    probe.close()


def test_a_storage_folder_that_cannot_be_made_is_unhealthy(tmp_path: Path) -> None:
    from shelfaudit.store.objects import LocalObjectStore

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.raises(TransientError, match="storage folder"):
        LocalObjectStore(blocked / "objects").check()
    LocalObjectStore(tmp_path / "objects").check()  # made on first use


def test_uploads_past_the_concurrent_limit_hear_503_at_once(client: TestClient) -> None:
    from tests.api.helpers import create_rep, create_store, upload
    from tests.factories import jpeg_bytes

    create_store(client)
    create_rep(client)
    slots = client.app.state.upload_slots  # type: ignore[attr-defined]
    taken = 0
    while slots.acquire(blocking=False):  # every slot held by a stalled upload
        taken += 1
    try:
        response = upload(client, jpeg_bytes(seed=5))
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "transient"
        assert "too many uploads" in response.json()["error"]["message"]
        assert response.headers["retry-after"] == "2"
    finally:
        for _ in range(taken):
            slots.release()
    assert upload(client, jpeg_bytes(seed=5)).status_code == 202


def test_a_storage_outage_tells_the_caller_to_retry_without_naming_hosts_or_keys(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.api.helpers import create_rep, create_store, upload
    from tests.factories import jpeg_bytes

    create_store(client)
    create_rep(client)

    def unreachable(key: str, *_: object) -> None:
        raise TransientError(f"cannot store {key}: minio.internal:9000 refused")

    monkeypatch.setattr(runtime_of(client).objects, "put", unreachable)
    response = upload(client, jpeg_bytes(seed=6))

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    message = response.json()["error"]["message"]
    assert "retry" in message
    assert "minio" not in message
    assert "originals" not in message
    assert "minio.internal:9000" in caplog.text  # the operator still sees it
