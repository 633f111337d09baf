"""``shelfaudit serve`` behind a reverse proxy: X-Forwarded-For is believed from the proxies
named in SHELFAUDIT_FORWARDED_ALLOW_IPS only, so the login throttle counts real callers."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.integration.processes import api_server, shelfaudit_env


def failed_login_from(url: str, forwarded_for: str) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None, page.text[:500]
        answer = client.post(
            "/login",
            data={"username": "nobody", "password": "wrong", "csrf_token": token.group(1)},
            headers={"X-Forwarded-For": forwarded_for},
        )
        assert answer.status_code == 401


def counted_clients(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "shelfaudit.db") as db:
        return [row[0] for row in db.execute("SELECT client FROM login_failures")]


@pytest.mark.parametrize(
    ("allow", "counted"),
    [("127.0.0.1", "203.0.113.7"), ("10.9.9.9", "127.0.0.1")],
    ids=["from-a-trusted-proxy", "from-an-untrusted-peer"],
)
def test_login_failures_count_the_address_a_trusted_proxy_forwards(
    tmp_path: Path, allow: str, counted: str
) -> None:
    data_dir = tmp_path / "data"
    env = shelfaudit_env(data_dir=data_dir, forwarded_allow_ips=allow, preload_models=False)
    with api_server("api", env=env, workdir=tmp_path / "run") as api:
        assert api.url is not None
        failed_login_from(api.url, "203.0.113.7")
    assert counted_clients(data_dir) == [counted]
