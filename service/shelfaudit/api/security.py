"""Who is asking, and may they: the one place requests are authenticated and authorised.

An API key (``Authorization: Bearer <key>`` or ``X-API-Key``) or a session cookie names a
``Principal``; ``require(*roles)`` builds the dependency that lets only those roles in.
Browser sessions must also show their CSRF token on every state-changing request (the
``X-CSRF-Token`` header, or a ``csrf_token`` form field). Every route declares its roles
through these aliases; ``tests/api/test_authorization_matrix.py`` checks all of them.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from shelfaudit.api.deps import SessionDep
from shelfaudit.auth.accounts import principal_for_key
from shelfaudit.auth.principal import Principal
from shelfaudit.auth.roles import Role
from shelfaudit.auth.sessions import principal_for_session
from shelfaudit.errors import CsrfRejected, Forbidden, Unauthenticated

SESSION_COOKIE = "shelfaudit_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def api_key_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a state-changing browser request carries, if any."""
    if request.method in SAFE_METHODS or api_key_of(request):
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if SESSION_COOKIE in request.cookies and request.headers.get("content-type", "").startswith(
        _FORMS
    ):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def current_principal(
    request: Request,
    session: SessionDep,
    csrf: Annotated[str | None, Depends(submitted_csrf)],
) -> Principal | None:
    """The caller, or ``None`` when anonymous. A wrong API key is an error, not anonymous.

    The lookup's transaction ends here, handing its connection back to the pool: the
    request's session would otherwise hold it through whatever the route does next (an
    upload's object-store write), and fifteen uploads to a stalled S3 emptied the pool for
    every other request. The session checks a connection out again when next used."""
    key = api_key_of(request)
    if key:
        found = principal_for_key(session, key)
        session.commit()
        return found
    token = request.cookies.get(SESSION_COOKIE)
    principal = principal_for_session(session, token) if token else None
    session.commit()
    if principal is None:
        return None
    if request.method not in SAFE_METHODS:
        expected = principal.csrf_token or ""
        if not csrf or not hmac.compare_digest(csrf.encode(), expected.encode()):
            raise CsrfRejected("the form's CSRF token is missing or stale: reload the page")
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(current_principal)]


def is_guarded(route: object) -> bool:
    """Whether a route admits only some roles (one of the ``require`` dependencies below)."""
    pending = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        call = getattr(dependant, "call", None)
        if getattr(call, "__module__", None) == __name__ and getattr(
            call, "__name__", ""
        ).startswith("require_"):
            return True
        pending.extend(dependant.dependencies)
    return False


def is_known_caller(request: Request, session: Session) -> bool:
    """Whether the request names a live key or session (roles and CSRF aside)."""
    key = api_key_of(request)
    if key:
        try:
            principal_for_key(session, key)
        except Unauthenticated:
            return False
        return True
    token = request.cookies.get(SESSION_COOKIE)
    return token is not None and principal_for_session(session, token) is not None


def require(*roles: Role) -> Callable[[Principal | None], Principal]:
    """A dependency admitting only ``roles``: 401 for nobody, 403 for another role."""
    allowed = frozenset(roles)

    def dependency(principal: MaybePrincipal) -> Principal:
        if principal is None:
            raise Unauthenticated("log in, or send an API key")
        if principal.role not in allowed:
            names = ", ".join(sorted(allowed))
            raise Forbidden(f"this needs the role {names}; you are {principal.role}")
        return principal

    dependency.__name__ = "require_" + "_or_".join(sorted(allowed))
    return dependency


# Who may do what. SFA apps (or an admin) feed photos and master data in; people run the UI.
sfa_or_admin = require(Role.sfa, Role.admin)
admin_only = require(Role.admin)
approver = require(Role.approver, Role.admin)
photo_reader = require(Role.approver, Role.admin, Role.ml_engineer)
label_exporter = require(Role.ml_engineer, Role.admin)
any_person = require(Role.approver, Role.admin, Role.ml_engineer)
any_caller = require(*Role)  # whoever is known: every role, apps included
visit_reader = require(Role.sfa, Role.approver, Role.admin)  # the app shows reps, people check

SfaOrAdmin = Annotated[Principal, Depends(sfa_or_admin)]
AdminOnly = Annotated[Principal, Depends(admin_only)]
Approver = Annotated[Principal, Depends(approver)]
PhotoReader = Annotated[Principal, Depends(photo_reader)]
LabelExporter = Annotated[Principal, Depends(label_exporter)]
AnyPerson = Annotated[Principal, Depends(any_person)]
AnyCaller = Annotated[Principal, Depends(any_caller)]
VisitReader = Annotated[Principal, Depends(visit_reader)]
