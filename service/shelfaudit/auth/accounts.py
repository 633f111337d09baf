"""Users and API keys: create, list, disable and reset them, and find who a password or a
key belongs to."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shelfaudit.auth.passwords import DUMMY_HASH, MIN_LENGTH, hash_password, verify_password
from shelfaudit.auth.principal import Principal
from shelfaudit.auth.roles import PERSON_ROLES, Role
from shelfaudit.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from shelfaudit.store.tables import ApiKey, LoginSession, User, utcnow

KEY_PREFIX = "sa_"


def _is_plain_text(text: str, *, allow_space: bool = False) -> bool:
    """Printable, encodable (no lone surrogates from a mis-set terminal) and visible: no
    zero-width characters, which make two names look the same."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    if any(unicodedata.category(c) == "Cf" for c in text):  # format characters: U+200B…
        return False
    return text.isprintable() if allow_space else text.replace(" ", "").isprintable()


def create_user(session: Session, *, username: str, password: str, role: Role) -> User:
    """A person who logs in to the UI. Raises ``Conflict`` when the username is taken."""
    username = username.strip()
    if not username or len(username) > 64:
        raise InvalidInput("a username has 1 to 64 characters", field="username")
    if not _is_plain_text(username) or any(c.isspace() for c in username):
        raise InvalidInput(
            "a username is printable characters without spaces (no newlines, escape codes "
            "or invisible characters)",
            field="username",
        )
    if role not in PERSON_ROLES:
        raise InvalidInput(
            f"people are {', '.join(PERSON_ROLES)}; SFA apps get an API key", field="role"
        )
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists", field="username")
    user = User(username=username, password_hash=hash_password(password), role=role.value)
    session.add(user)
    session.flush()
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password has at least {MIN_LENGTH} characters", field="password")
    if not password.strip() or not _is_plain_text(password, allow_space=True):
        raise InvalidInput(
            "a password is printable text, not only spaces (check the terminal's encoding)",
            field="password",
        )


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound(f"no user {username.strip()!r}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def set_user_active(session: Session, *, username: str, active: bool) -> tuple[User, bool]:
    """Let a person log in again, or not; disabling ends their sessions at once. The flag is
    False when nothing changed."""
    user = find_user(session, username)
    if user.active == active:
        return user, False
    user.active = active
    if not active:
        end_sessions(session, user)
    return user, True


def set_password(session: Session, *, username: str, password: str) -> User:
    """A new password (a forgotten one, or one that leaked): every session of the person
    ends, so whoever knew the old one is logged out too."""
    _check_password(password)
    user = find_user(session, username)
    user.password_hash = hash_password(password)
    end_sessions(session, user)
    return user


def end_sessions(session: Session, user: User) -> None:
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.name)))


def check_password(session: Session, *, username: str, password: str) -> User:
    """The active user with this password; ``Unauthenticated`` otherwise (one message for
    an unknown name and a wrong password, and the same work, so neither can be probed)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    stored = user.password_hash if user is not None and user.active else DUMMY_HASH
    if not verify_password(password, stored) or user is None or not user.active:
        raise Unauthenticated("wrong username or password")
    return user


def key_hash(key: str) -> str:
    # Keys are 256 random bits: a fast hash is enough, no KDF needed.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(session: Session, *, name: str, role: Role = Role.sfa) -> tuple[ApiKey, str]:
    """A new key for an app; returns the row and the key, which is shown once, never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a key name has 1 to 100 characters", field="name")
    if not _is_plain_text(name, allow_space=True):
        raise InvalidInput(
            "a key name is printable text (no newlines or escape codes)", field="name"
        )
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise Conflict(f"API key {name!r} exists", field="name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, key_hash=key_hash(key), prefix=key[:10], role=role.value)
    session.add(row)
    session.flush()
    return row, key


def principal_for_key(session: Session, key: str) -> Principal:
    """Who holds ``key``; ``Unauthenticated`` for an unknown or revoked key."""
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash(key)))
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("unknown or revoked API key")
    return Principal(name=row.name, role=Role(row.role))


def revoke_api_key(session: Session, *, name: str) -> tuple[ApiKey, bool]:
    """Revoke the key ``name``; the flag is False when it was revoked before (that time
    stands)."""
    name = name.strip()
    row = session.scalar(select(ApiKey).where(ApiKey.name == name)) if name.isprintable() else None
    if row is None:
        raise InvalidInput(f"no API key {name!r}", field="name")
    if row.revoked_at is not None:
        return row, False
    row.revoked_at = utcnow()
    return row, True
