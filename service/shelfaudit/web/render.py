"""Rendering pages: one Jinja2 environment, autoescaped, with the money and time filters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from shelfaudit.auth.principal import Principal
from shelfaudit.commission.money import format_money, is_known_currency
from shelfaudit.errors import ShelfAuditError, Unauthenticated
from shelfaudit.review.detections import box_key
from shelfaudit.web.fact_text import fact_rows, on_the_phone

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
MAX_NEXT = 500  # the login form's ``next`` field takes no more


def _money(amount: Decimal | int | float | None, currency: str | None, sign: bool = False) -> str:
    if amount is None:
        return ""
    value = Decimal(str(amount))
    if currency and is_known_currency(currency):
        return format_money(value, currency, sign=sign)
    return f"{value:,}"


def _when(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


templates.env.filters["money"] = _money
templates.env.filters["when"] = _when
templates.env.globals["query"] = _query
templates.env.globals["box_key"] = box_key
templates.env.globals["fact_rows"] = fact_rows
templates.env.filters["on_the_phone"] = on_the_phone


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    principal: Principal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    page = {
        "principal": principal,
        "csrf_token": principal.csrf_token if principal else None,
        **context,
    }
    return templates.TemplateResponse(request, name, page, status_code=status_code)


def _referer(request: Request) -> str:
    """The page the request came from, on this site; else the start page."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return "/"
    return referer.path + (f"?{referer.query}" if referer.query else "")


def come_back_to(request: Request) -> str:
    """Where to return after logging in: this page with its filters; for a form sent after
    the session ended, the page the form was on, since the POST itself cannot be replayed."""
    if request.method == "GET":
        query = request.url.query
        back = request.url.path + (f"?{query}" if query else "")
    else:
        back = _referer(request)
    return back if len(back) <= MAX_NEXT else back.partition("?")[0][:MAX_NEXT]


def page_error(request: Request, exc: ShelfAuditError, status_code: int) -> Response:
    """A page's error: the login form for 401 (coming back here after), else an HTML page."""
    if isinstance(exc, Unauthenticated) and request.url.path != "/login":
        return RedirectResponse(
            f"/login?{urlencode({'next': come_back_to(request)})}", status_code=303
        )
    return render(
        request,
        "error.html",
        {
            "status": status_code,
            "code": exc.code,
            "message": exc.public,
            "back": _referer(request),
        },
        status_code=status_code,
    )
