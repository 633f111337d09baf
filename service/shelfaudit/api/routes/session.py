"""A login for scripts: the JSON twin of the login form, for admins and approvers driving
the API with curl or a notebook. It answers the session cookie and the CSRF token that
state-changing requests must carry (``X-CSRF-Token``). No login-CSRF cookie is needed here:
a JSON body cannot be sent cross-site without a CORS preflight, which this API never grants.
Failed logins are throttled as the form's are (``auth/throttle.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, StringConstraints

from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.routes.pages_auth import login_limits
from shelfaudit.api.security import SESSION_COOKIE, AnyPerson
from shelfaudit.auth.roles import Role
from shelfaudit.auth.sessions import close_session, open_session, principal_for_session
from shelfaudit.auth.throttle import authenticate
from shelfaudit.errors import TooManyAttempts, TransientError, Unauthenticated
from shelfaudit.settings import Environment
from shelfaudit.store.tables import utcnow

router = APIRouter(prefix="/v1/session", tags=["session"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class SessionPublic(BaseModel):
    username: str
    role: Role
    csrf_token: str
    expires_at: datetime


@router.post("", response_model=SessionPublic)
def log_in(
    request: Request, response: Response, runtime: RuntimeDep, session: SessionDep, body: LoginIn
) -> SessionPublic:
    """Log in; the answer sets the ``shelfaudit_session`` cookie and carries the CSRF token."""
    settings = runtime.settings
    try:
        user = authenticate(
            session,
            username=body.username,
            password=body.password,
            client=request.client.host if request.client else None,
            limits=login_limits(settings),
            now=utcnow(),
        )
    except (Unauthenticated, TooManyAttempts):
        session.commit()  # the failure counts
        raise
    ttl = timedelta(hours=settings.session_ttl_h)
    token = open_session(session, user=user, ttl=ttl)
    principal = principal_for_session(session, token)
    if principal is None or principal.csrf_token is None:  # written just above
        lost = "the new session could not be read back; log in again"
        raise TransientError(lost, public=lost)
    session.commit()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.environment is Environment.production,
        path="/",
    )
    return SessionPublic(
        username=principal.name,
        role=principal.role,
        csrf_token=principal.csrf_token,
        expires_at=utcnow() + ttl,
    )


@router.delete("", status_code=204)
def log_out(request: Request, response: Response, session: SessionDep, _: AnyPerson) -> None:
    """End this session (its cookie stops working at once)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        close_session(session, token)
        session.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")
