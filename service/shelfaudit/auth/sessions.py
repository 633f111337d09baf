"""Browser sessions: server-side rows that expire; the cookie holds a random token whose
SHA-256 is the row id, so a stolen database does not hand out live sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.auth.roles import Role
from shelfaudit.store.tables import LoginSession, User, utcnow


def _session_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(session: Session, *, user: User, ttl: timedelta) -> str:
    """Start a session for ``user``; returns the cookie token (shown to the browser only)."""
    now = utcnow()
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            id=_session_id(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return token


def principal_for_session(session: Session, token: str) -> Principal | None:
    """The person behind a live session token; ``None`` when unknown, expired or disabled."""
    row = session.get(LoginSession, _session_id(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return Principal(
        name=user.username, role=Role(user.role), session_id=row.id, csrf_token=row.csrf_token
    )


def close_session(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.id == _session_id(token)))
