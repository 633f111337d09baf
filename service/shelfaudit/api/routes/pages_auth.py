"""Login and logout pages. The login form carries its own CSRF token (a cookie and a field
that must match), since there is no session yet to hold one; failed logins are throttled
(``auth/throttle.py``)."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.errors import headers_for, status_for
from shelfaudit.api.security import SESSION_COOKIE, AnyPerson, MaybePrincipal
from shelfaudit.auth.roles import Role
from shelfaudit.auth.sessions import close_session, open_session
from shelfaudit.auth.throttle import LoginLimits, authenticate
from shelfaudit.errors import TooManyAttempts, Unauthenticated
from shelfaudit.settings import Environment, Settings
from shelfaudit.store.tables import utcnow
from shelfaudit.web.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)

LOGIN_CSRF_COOKIE = "shelfaudit_login_csrf"


def _landing(role: Role) -> str:
    return "/labels" if role is Role.ml_engineer else "/review"


def _safe_next(target: str | None) -> str | None:
    # Only paths on this site: "//evil.example" and "https://…" are not followed.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@router.get("/", response_class=RedirectResponse)
def home(principal: MaybePrincipal) -> RedirectResponse:
    if principal is None or principal.role is Role.sfa:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(_landing(principal.role), status_code=303)


def login_limits(settings: Settings) -> LoginLimits:
    return LoginLimits(
        max_failures=settings.login_max_failures,
        max_failures_per_client=settings.login_max_failures_per_client,
        window=timedelta(seconds=settings.login_failure_window_s),
    )


def _login_form(
    request: Request,
    *,
    secure: bool,
    next_path: str | None,
    error: str | None,
    status: int,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    page = render(
        request,
        "login.html",
        {"login_csrf": token, "next": next_path or "", "error": error},
        status_code=status,
    )
    page.headers.update(headers or {})
    page.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/login"
    )
    return page


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    runtime: RuntimeDep,
    next_path: Annotated[str | None, Query(alias="next", max_length=500)] = None,
) -> HTMLResponse:
    secure = runtime.settings.environment is Environment.production
    return _login_form(
        request, secure=secure, next_path=_safe_next(next_path), error=None, status=200
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    settings = runtime.settings
    secure = settings.environment is Environment.production
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _login_form(
            request,
            secure=secure,
            next_path=_safe_next(next_path),
            error="The form expired: please log in again.",
            status=403,
        )
    try:
        user = authenticate(
            session,
            username=username,
            password=password,
            client=request.client.host if request.client else None,
            limits=login_limits(settings),
            now=utcnow(),
        )
    except (Unauthenticated, TooManyAttempts) as exc:
        session.commit()  # the failure counts
        return _login_form(
            request,
            secure=secure,
            next_path=_safe_next(next_path),
            error=exc.message,
            status=status_for(exc),
            headers=headers_for(exc),
        )
    token = open_session(session, user=user, ttl=timedelta(hours=settings.session_ttl_h))
    session.commit()
    target = _safe_next(next_path) or _landing(Role(user.role))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_ttl_h * 3600),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", response_class=RedirectResponse)
def logout(request: Request, session: SessionDep, _: AnyPerson) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        close_session(session, token)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
