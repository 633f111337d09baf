"""Rendering pages: one Jinja2 environment, autoescaped, with the money and time filters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from shelfaudit.auth.principal import Principal
from shelfaudit.commission.money import format_money, is_known_currency
from shelfaudit.errors import ShelfAuditError, Unauthenticated

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")


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


def page_error(request: Request, exc: ShelfAuditError, status_code: int) -> Response:
    """A page's error: the login form for 401 (coming back here after), else an HTML page."""
    if isinstance(exc, Unauthenticated) and request.url.path != "/login":
        back = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?{urlencode({'next': back})}", status_code=303)
    return render(
        request,
        "error.html",
        {"status": status_code, "code": exc.code, "message": exc.message},
        status_code=status_code,
    )
