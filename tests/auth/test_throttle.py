"""The login throttle: failures per username and per client within a window, on a given clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shelfaudit.auth.accounts import create_user
from shelfaudit.auth.roles import Role
from shelfaudit.auth.throttle import (
    LoginLimits,
    authenticate,
    client_key,
    ensure_allowed,
    record_failure,
)
from shelfaudit.errors import TooManyAttempts, Unauthenticated
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import LoginFailure, User

PASSWORD = "a long enough secret"
LIMITS = LoginLimits(max_failures=3, max_failures_per_client=5, window=timedelta(minutes=15))
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
CLIENT = "203.0.113.7"


def fail(
    session: Session, username: str, *, at: datetime, client: str = CLIENT, times: int = 1
) -> None:
    """Failures written directly: the rules under test, without an scrypt per attempt."""
    for _ in range(times):
        record_failure(session, username=username, client=client, window=LIMITS.window, now=at)


def attempt(
    session: Session, username: str, password: str, *, at: datetime, client: str = CLIENT
) -> User:
    return authenticate(
        session, username=username, password=password, client=client, limits=LIMITS, now=at
    )


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with runtime.sessions.begin() as setup:
        create_user(setup, username="mai", password=PASSWORD, role=Role.approver)
    with runtime.sessions() as session:
        yield session


def failures(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LoginFailure)) or 0


def test_wrong_passwords_are_counted_until_the_right_one_is_refused_too(session: Session) -> None:
    for minute in range(LIMITS.max_failures):
        with pytest.raises(Unauthenticated):
            attempt(session, "mai", "wrong password", at=T0 + timedelta(minutes=minute))
    with pytest.raises(TooManyAttempts) as refused:
        attempt(session, "mai", PASSWORD, at=T0 + timedelta(minutes=5))
    # The first failure (T0) leaves the 15-minute window at 09:15, ten minutes from now.
    assert refused.value.retry_after_s == 600
    assert refused.value.message == "Too many failed attempts; try again in 10 minutes."
    assert failures(session) == LIMITS.max_failures  # a refused attempt is not counted


def test_the_lock_out_ends_when_the_oldest_failure_leaves_the_window(session: Session) -> None:
    fail(session, "mai", at=T0)
    fail(session, "mai", at=T0 + timedelta(minutes=10), times=2)
    with pytest.raises(TooManyAttempts) as refused:
        ensure_allowed(
            session, username="mai", client=CLIENT, limits=LIMITS, now=T0 + timedelta(minutes=14)
        )
    assert refused.value.retry_after_s == 60
    assert refused.value.message == "Too many failed attempts; try again in 1 minute."
    user = attempt(session, "mai", PASSWORD, at=T0 + timedelta(minutes=15))
    assert user.username == "mai"


def test_a_success_clears_the_usernames_failures_only(session: Session) -> None:
    fail(session, "mai", at=T0, times=LIMITS.max_failures - 1)
    fail(session, "someone-else", at=T0)
    attempt(session, "mai", PASSWORD, at=T0 + timedelta(minutes=1))
    assert session.scalars(select(LoginFailure.username)).all() == ["someone-else"]
    fail(session, "mai", at=T0 + timedelta(minutes=2), times=LIMITS.max_failures - 1)
    ensure_allowed(
        session, username="mai", client=CLIENT, limits=LIMITS, now=T0 + timedelta(minutes=3)
    )


def test_an_unknown_username_is_counted_and_refused_like_a_known_one(session: Session) -> None:
    # Each name from its own address, so that only the per-username limit is reached.
    for name, client in (("mai", "198.51.100.1"), ("nobody", "198.51.100.2")):
        for _ in range(LIMITS.max_failures):
            with pytest.raises(Unauthenticated, match="wrong username or password"):
                attempt(session, name, "wrong password", at=T0, client=client)
    messages = set()
    for name in ("mai", "nobody"):
        with pytest.raises(TooManyAttempts) as refused:
            attempt(session, name, PASSWORD, at=T0, client="192.0.2.1")
        messages.add(refused.value.message)
    assert len(messages) == 1


def test_usernames_count_whatever_their_case_and_spaces(session: Session) -> None:
    fail(session, "Mai", at=T0)
    fail(session, " mai ", at=T0)
    fail(session, "MAI", at=T0)
    with pytest.raises(TooManyAttempts):
        ensure_allowed(session, username="mai", client="192.0.2.1", limits=LIMITS, now=T0)


def test_one_client_is_limited_across_usernames(session: Session) -> None:
    for n in range(LIMITS.max_failures_per_client):
        fail(session, f"guess-{n}", at=T0)
    with pytest.raises(TooManyAttempts):
        attempt(session, "mai", PASSWORD, at=T0 + timedelta(minutes=1))
    # Another address may still log in as the same person.
    attempt(session, "mai", PASSWORD, at=T0 + timedelta(minutes=1), client="192.0.2.1")


def test_old_failures_are_pruned_when_a_new_one_is_recorded(session: Session) -> None:
    fail(session, "mai", at=T0, times=2)
    fail(session, "mai", at=T0 + LIMITS.window)
    assert failures(session) == 1


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("testclient", "testclient"),
        (None, "unknown"),
        ("", "unknown"),
    ],
)
def test_clients_are_keyed_by_address_and_ipv6_by_network(host: str | None, key: str) -> None:
    assert client_key(host) == key
