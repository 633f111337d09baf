"""Session-wide real servers: PostgreSQL, Redis and SeaweedFS (S3).

Unreachable servers skip the tests that need them, except in CI (``CI`` set), where they fail.
Overrides: SHELFAUDIT_TEST_POSTGRES_URL (an admin URL), SHELFAUDIT_TEST_REDIS_HOST / _PORT /
_DB (default 127.0.0.1:6379, database 13).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.integration.servers import (
    PostgresServer,
    RedisBroker,
    S3Server,
    start_seaweedfs,
)

# Read once at import time: the root conftest strips SHELFAUDIT_* from each test's environment.
POSTGRES_ADMIN_URL = os.environ.get(
    "SHELFAUDIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_HOST = os.environ.get("SHELFAUDIT_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("SHELFAUDIT_TEST_REDIS_PORT", "6379"))
REDIS_DB = int(os.environ.get("SHELFAUDIT_TEST_REDIS_DB", "13"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The server; every database a test creates on it is dropped at the end of the session."""
    server = PostgresServer.connect(POSTGRES_ADMIN_URL)
    yield server
    server.drop_created()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh ``shelfaudit_test_<random>`` database for this session (not yet migrated)."""
    return postgres_server.create_database()


@pytest.fixture(scope="session")
def redis_broker() -> Iterator[RedisBroker]:
    """A Redis database number and a queue-name prefix owned by this session."""
    broker = RedisBroker.connect(REDIS_HOST, REDIS_PORT, REDIS_DB)
    yield broker
    broker.delete_own_keys()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """``weed mini`` on free ports in a temporary folder, credentials enforced."""
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()
