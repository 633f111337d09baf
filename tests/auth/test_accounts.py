"""Users, API keys and sessions in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shelfaudit.auth.accounts import (
    check_password,
    create_api_key,
    create_user,
    list_users,
    principal_for_key,
    revoke_api_key,
    set_password,
    set_user_active,
)
from shelfaudit.auth.roles import Role
from shelfaudit.auth.sessions import close_session, open_session, principal_for_session
from shelfaudit.errors import Conflict, InvalidInput, NotFound, Unauthenticated
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


def logged_in_approver(runtime: Runtime) -> str:
    """The session token of mai, an approver, logged in."""
    with runtime.sessions.begin() as session:
        user = create_user(session, username="mai", password=PASSWORD, role=Role.approver)
        return open_session(session, user=user, ttl=timedelta(hours=1))


def test_a_disabled_person_is_logged_out_and_cannot_log_in_until_enabled(
    runtime: Runtime,
) -> None:
    token = logged_in_approver(runtime)
    with runtime.sessions.begin() as session:
        assert set_user_active(session, username="mai", active=False)[1] is True
        assert set_user_active(session, username="mai", active=False)[1] is False
    with runtime.sessions.begin() as session:
        assert principal_for_session(session, token) is None
        assert session.scalar(select(LoginSession.id)) is None  # ended, not only refused
        with pytest.raises(Unauthenticated):
            check_password(session, username="mai", password=PASSWORD)
        set_user_active(session, username="mai", active=True)
    with runtime.sessions() as session:
        assert check_password(session, username="mai", password=PASSWORD).username == "mai"
        assert [(u.username, u.active) for u in list_users(session)] == [("mai", True)]


def test_a_new_password_ends_every_session_and_the_old_one_stops_working(
    runtime: Runtime,
) -> None:
    token = logged_in_approver(runtime)
    with runtime.sessions.begin() as session:
        with pytest.raises(InvalidInput, match="at least"):
            set_password(session, username="mai", password="short")
        set_password(session, username="mai", password="another long secret")
    with runtime.sessions() as session:
        assert principal_for_session(session, token) is None
        with pytest.raises(Unauthenticated):
            check_password(session, username="mai", password=PASSWORD)
        check_password(session, username="mai", password="another long secret")
        with pytest.raises(NotFound, match="no user 'nobody'"):
            set_password(session, username="nobody", password="another long secret")
