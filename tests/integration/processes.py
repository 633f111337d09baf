"""``shelfaudit serve`` and ``shelfaudit worker`` as real subprocesses, always cleaned up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integration.servers import free_port, stop_process_group


def shelfaudit_env(**settings: object) -> dict[str, str]:
    """This process's environment without any SHELFAUDIT_*, plus ``settings`` as variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFAUDIT_")}
    env.update({f"SHELFAUDIT_{name.upper()}": str(value) for name, value in settings.items()})
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class ShelfAuditProcess:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    url: str | None = None  # the API's base URL
    # A worker's warm shutdown (SIGTERM) waits for its task; the tests' tasks are idempotent,
    # so a cold one (SIGQUIT) is as good and a couple of seconds faster.
    stop_signal: signal.Signals = signal.SIGTERM

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def print_log(self) -> None:
        print(f"\n----- {self.name} (exit {self.process.poll()}) -----\n{self.log()[-8000:]}")

    def wait_for_log(self, needle: str, *, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if needle in self.log():
                return
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.process.returncode} before {needle!r}")
            time.sleep(0.1)
        pytest.fail(f"{self.name} did not log {needle!r} within {timeout_s:.0f} s")

    def kill_group(self) -> None:
        """SIGKILL the process and every child (a Celery prefork pool), as a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_process_group(self.process, grace_s=5.0, first=self.stop_signal)


@contextmanager
def shelfaudit_process(
    name: str, args: list[str], *, env: dict[str, str], workdir: Path
) -> Iterator[ShelfAuditProcess]:
    """Run ``shelfaudit ARGS``; its log is printed when the body fails; always stopped."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        # cwd: a folder without a developer's .env file, which Settings would read.
        process = subprocess.Popen(
            [sys.executable, "-m", "shelfaudit.cli.main", *args],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = ShelfAuditProcess(name, process, log_path)
    try:
        yield running
    except BaseException:
        running.print_log()
        raise
    finally:
        running.stop()


@contextmanager
def celery_worker(
    name: str, *, env: dict[str, str], workdir: Path, timeout_s: float = 60.0
) -> Iterator[ShelfAuditProcess]:
    """A ready ``shelfaudit worker --concurrency 1``."""
    with shelfaudit_process(
        name, ["worker", "--concurrency", "1"], env=env, workdir=workdir
    ) as worker:
        worker.stop_signal = signal.SIGQUIT
        worker.wait_for_log(" ready.", timeout_s=timeout_s)
        yield worker


@contextmanager
def api_server(
    name: str, *, env: dict[str, str], workdir: Path, timeout_s: float = 60.0
) -> Iterator[ShelfAuditProcess]:
    """A ``shelfaudit serve`` answering ``/healthz`` on a free port."""
    port = free_port()
    with shelfaudit_process(
        name, ["serve", "--host", "127.0.0.1", "--port", str(port)], env=env, workdir=workdir
    ) as api:
        api.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout_s
        while True:
            if api.process.poll() is not None:
                pytest.fail(f"{name} exited with {api.process.returncode} during start-up")
            try:
                if httpx.get(f"{api.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} did not answer /healthz within {timeout_s:.0f} s")
            time.sleep(0.1)
        yield api
