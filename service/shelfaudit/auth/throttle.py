"""Login throttling: failed logins counted per username and per client address over a
sliding window, in the database, so that every API worker sees the same count.

The limits are checked before the password is, and a refused attempt is not counted: a
lock-out ends when the oldest failure that makes it leaves the window, however often an
attacker keeps trying. Unknown usernames count like known ones, so the answers do not tell
which exist. Workers checking at the same moment may each let one guess through before the
others' failures are written: a few guesses over the limit at most, not a way around it.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from shelfaudit.auth.accounts import check_password
from shelfaudit.errors import TooManyAttempts, Unauthenticated
from shelfaudit.store.tables import LoginFailure, User

_COLUMN_LENGTH = 64  # of login_failures.username and .client


@dataclass(frozen=True)
class LoginLimits:
    max_failures: int  # per username
    max_failures_per_client: int  # per client address, across usernames
    window: timedelta


def normalise_username(username: str) -> str:
    return username.strip().casefold()[:_COLUMN_LENGTH]


def client_key(host: str | None) -> str:
    """What a client's failures count under: its IPv4 address, its IPv6 /64 (one subscriber's
    network, where a new address costs nothing), or the host as the server reports it."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host[:_COLUMN_LENGTH]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _limit_reached_at(
    session: Session,
    column: InstrumentedAttribute[str],
    key: str,
    limit: int,
    since: datetime,
) -> datetime | None:
    """The time of the ``limit``-th newest failure under ``key`` since ``since``, if there are
    that many: when it leaves the window, one more attempt is allowed."""
    query = (
        select(LoginFailure.at)
        .where(column == key, LoginFailure.at > since)
        .order_by(LoginFailure.at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    return session.scalar(query)


def ensure_allowed(
    session: Session, *, username: str, client: str | None, limits: LoginLimits, now: datetime
) -> None:
    """Raises ``TooManyAttempts`` while ``username`` or ``client`` is locked out."""
    since = now - limits.window
    reached = [
        at
        for at in (
            _limit_reached_at(
                session,
                LoginFailure.username,
                normalise_username(username),
                limits.max_failures,
                since,
            ),
            _limit_reached_at(
                session,
                LoginFailure.client,
                client_key(client),
                limits.max_failures_per_client,
                since,
            ),
        )
        if at is not None
    ]
    if not reached:
        return
    retry_after_s = max(1, math.ceil((max(reached) + limits.window - now).total_seconds()))
    minutes = math.ceil(retry_after_s / 60)
    raise TooManyAttempts(
        f"Too many failed attempts; try again in {minutes} minute{'' if minutes == 1 else 's'}.",
        retry_after_s=retry_after_s,
    )


def record_failure(
    session: Session, *, username: str, client: str | None, window: timedelta, now: datetime
) -> None:
    """Count one failed login; failures older than ``window`` are pruned on the way."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - window))
    session.add(
        LoginFailure(username=normalise_username(username), client=client_key(client), at=now)
    )
    session.flush()


def clear_failures(session: Session, *, username: str) -> None:
    """Forget ``username``'s failures (after it logged in); its client's others still count."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.username == normalise_username(username))
    )


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    client: str | None,
    limits: LoginLimits,
    now: datetime,
) -> User:
    """``check_password`` behind the throttle, in the caller's transaction (which must commit
    on ``Unauthenticated`` too, or the failure is not counted).

    ``client`` is the caller's address as the server sees it. Raises ``TooManyAttempts``
    during a lock-out (whatever the password) and ``Unauthenticated`` for a wrong username or
    password; a success clears the username's failures.
    """
    if not username.isprintable():
        # No account has such a name (``create_user`` refuses them), and PostgreSQL cannot
        # compare text holding NUL: count the failure under a name no one can have.
        username = "\ufffd"
    ensure_allowed(session, username=username, client=client, limits=limits, now=now)
    try:
        user = check_password(session, username=username, password=password)
    except Unauthenticated:
        record_failure(session, username=username, client=client, window=limits.window, now=now)
        raise
    clear_failures(session, username=username)
    return user
