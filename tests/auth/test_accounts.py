"""Users, API keys and sessions in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shelfaudit.auth.accounts import (
    check_password,
    create_api_key,
    create_user,
    principal_for_key,
    revoke_api_key,
)
from shelfaudit.auth.roles import Role
from shelfaudit.auth.sessions import close_session, open_session, principal_for_session
from shelfaudit.errors import Conflict, InvalidInput, Unauthenticated
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import ApiKey, LoginSession, User

PASSWORD = "a long enough secret"


def test_a_user_logs_in_with_the_right_password_only(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        create_user(session, username="mai", password=PASSWORD, role=Role.approver)
    with runtime.sessions() as session:
        assert check_password(session, username="mai", password=PASSWORD).role == "approver"
        stored = session.scalar(select(User.password_hash))
        assert stored is not None
        assert PASSWORD not in stored
        for username, password in (("mai", "wrong password"), ("nobody", PASSWORD)):
            with pytest.raises(Unauthenticated, match="wrong username or password"):
                check_password(session, username=username, password=password)


@pytest.mark.parametrize(
    ("username", "password", "role", "error"),
    [
        ("mai", PASSWORD, Role.approver, Conflict),
        ("new", "short", Role.approver, InvalidInput),
        ("app", PASSWORD, Role.sfa, InvalidInput),
        ("", PASSWORD, Role.admin, InvalidInput),
    ],
)
def test_bad_users_are_refused(
    runtime: Runtime, username: str, password: str, role: Role, error: type[Exception]
) -> None:
    with runtime.sessions.begin() as session:
        create_user(session, username="mai", password=PASSWORD, role=Role.approver)
    with runtime.sessions() as session, pytest.raises(error):
        create_user(session, username=username, password=password, role=role)


def test_an_api_key_is_stored_only_as_its_hash_and_can_be_revoked(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        _, key = create_api_key(session, name="sfa-app")
    with runtime.sessions.begin() as session:
        row = session.scalar(select(ApiKey))
        assert row is not None
        assert key not in (row.key_hash, row.prefix)
        principal = principal_for_key(session, key)
        assert (principal.name, principal.role) == ("sfa-app", Role.sfa)
        assert revoke_api_key(session, name="sfa-app")[1] is True
    with runtime.sessions() as session, pytest.raises(Unauthenticated):
        principal_for_key(session, key)
    with runtime.sessions.begin() as session:
        row, revoked = revoke_api_key(session, name="sfa-app")
        assert (revoked, row.revoked_at is not None) == (False, True)


def test_sessions_expire_and_close(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        user = create_user(session, username="mai", password=PASSWORD, role=Role.admin)
        live = open_session(session, user=user, ttl=timedelta(hours=1))
        expired = open_session(session, user=user, ttl=timedelta(seconds=-1))
    with runtime.sessions.begin() as session:
        principal = principal_for_session(session, live)
        assert principal is not None
        assert principal.role is Role.admin
        assert principal_for_session(session, expired) is None
        assert session.get(LoginSession, live) is None  # the row id is the token's hash
        close_session(session, live)
    with runtime.sessions() as session:
        assert principal_for_session(session, live) is None
