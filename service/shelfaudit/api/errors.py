"""The one place where errors become HTTP statuses. Bodies: {"error": {code, message, field}}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from shelfaudit import errors
from shelfaudit.web.render import page_error

STATUS: dict[type[errors.ShelfAuditError], int] = {
    errors.EmptyFile: 400,
    errors.PayloadTooLarge: 413,
    errors.TooManyPixels: 413,
    errors.UnsupportedMediaType: 415,
    errors.CorruptImage: 422,
    errors.InvalidMetadata: 422,
    errors.UnknownReference: 422,
    errors.InvalidRuleSet: 422,
    errors.InvalidStandard: 422,
    errors.CommissionError: 422,  # MissingField too
    errors.Conflict: 409,
    errors.InvalidInput: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,  # CsrfRejected too
    errors.TooManyAttempts: 429,
    errors.NotFound: 404,
    errors.TransientError: 503,
}


def status_for(exc: errors.ShelfAuditError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def headers_for(exc: errors.ShelfAuditError) -> dict[str, str]:
    """Headers that go with the status: when to come back after a 429."""
    if isinstance(exc, errors.TooManyAttempts):
        return {"Retry-After": str(exc.retry_after_s)}
    return {}


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def is_page(request: Request) -> bool:
    """The review UI answers errors in HTML (a login redirect for 401); the API in JSON."""
    path = request.url.path
    return not (path.startswith(("/v1/", "/static/")) or path == "/healthz")


async def _shelfaudit_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ShelfAuditError)
    if is_page(request):
        response = page_error(request, exc, status_for(exc))
        response.headers.update(headers_for(exc))
        return response
    return JSONResponse(
        error_body(exc.code, exc.message, exc.field),
        status_code=status_for(exc),
        headers=headers_for(exc),
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "field": ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path")),
            "message": err["msg"],
        }
        for err in exc.errors()
    ]
    first = problems[0] if problems else {"field": None, "message": "invalid request"}
    message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return JSONResponse(
        error_body("invalid_metadata", message, first["field"], problems=problems),
        status_code=422,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.ShelfAuditError, _shelfaudit_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
