"""The one place where errors become HTTP statuses. Bodies: {"error": {code, message, field}}."""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Send

from shelfaudit import errors
from shelfaudit.api.security import is_guarded, is_known_caller
from shelfaudit.web.render import page_error, render

log = logging.getLogger(__name__)

STATUS: dict[type[errors.ShelfAuditError], int] = {
    errors.EmptyFile: 400,
    errors.PayloadTooLarge: 413,
    errors.TooManyPixels: 413,
    errors.UnsupportedMediaType: 415,
    errors.CorruptImage: 422,
    errors.UnusableDimensions: 422,
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


class ErrorDetail(BaseModel):
    code: str = Field(description="a fixed vocabulary, e.g. corrupt_image, unauthenticated")
    message: str = Field(description="for a person: what is wrong and what to do")
    field: str | None = Field(description="the field at fault, dotted; null for the whole")
    problems: list[dict[str, Any]] | None = Field(
        default=None, description="validation errors: every {field, message}, first above"
    )


class ErrorBody(BaseModel):
    """Every error the API answers has this shape."""

    error: ErrorDetail


# Documented on every operation (the schema would otherwise show FastAPI's own 422 body).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "no valid API key or session"),
        (403, "the caller's role may not do this, or a browser request lacks its CSRF token"),
        (404, "no such resource or path"),
        (422, "invalid input: the error names the field"),
        (503, "the database or storage is unavailable: retry after Retry-After seconds"),
    )
}


def status_for(exc: errors.ShelfAuditError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def headers_for(exc: errors.ShelfAuditError) -> dict[str, str]:
    """Headers that go with the status: when to come back after a 429 or a 503."""
    if isinstance(exc, errors.TooManyAttempts | errors.TransientError):
        return {"Retry-After": str(exc.retry_after_s)}
    return {}


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


async def send_error(send: Send, status: int, code: str, message: str) -> None:
    """An error answered by ASGI middleware, before any route runs; the connection is
    closed since the request body, if any, is left unread."""
    body = json.dumps(error_body(code, message)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def is_page(request: Request) -> bool:
    """The review UI answers errors in HTML (a login redirect for 401); the API in JSON."""
    path = request.url.path
    return not (path.startswith(("/v1/", "/static/")) or path == "/healthz")


async def _shelfaudit_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ShelfAuditError)
    if isinstance(exc, errors.TransientError):
        log.warning("%s %s answered 503: %s", request.method, request.url.path, exc.message)
    if is_page(request):
        response = page_error(request, exc, status_for(exc))
        response.headers.update(headers_for(exc))
        return response
    return JSONResponse(
        error_body(exc.code, exc.public, exc.field),
        status_code=status_for(exc),
        headers=headers_for(exc),
    )


def _problem(err: dict[str, Any]) -> dict[str, Any]:
    """One pydantic error as ``{field, message}``: the field a dotted path (None for the
    body as a whole), the message without pydantic's "Value error, " prefix."""
    message = str(err["msg"]).removeprefix("Value error, ")
    if err.get("type") == "json_invalid":
        detail = (err.get("ctx") or {}).get("error", "")
        return {"field": None, "message": f"the body is not valid JSON ({detail})"}
    parts = [str(p) for p in err["loc"] if p not in ("body", "query", "path", "form")]
    return {"field": ".".join(parts) or None, "message": message}


def _anonymous_on_a_guarded_route(request: Request) -> bool:
    """FastAPI parses the body before it runs dependencies, so a caller with no key or
    session would hear about their JSON before hearing that they must log in."""
    if not is_guarded(request.scope.get("route")):
        return False
    with request.app.state.runtime.sessions() as session:
        return not is_known_caller(request, session)


MAX_PROBLEMS = 20


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _anonymous_on_a_guarded_route(request):
        return await _shelfaudit_error(
            request, errors.Unauthenticated("log in, or send an API key")
        )
    found = exc.errors()
    # A body of a million unknown keys made a 157 MB answer over 25 s: name the first few.
    problems = [_problem(err) for err in found[:MAX_PROBLEMS]]
    first = problems[0] if problems else {"field": None, "message": "invalid request"}
    message = "; ".join(
        f"{p['field']}: {p['message']}" if p["field"] else p["message"] for p in problems
    )
    if len(found) > MAX_PROBLEMS:
        message += f"; and {len(found) - MAX_PROBLEMS:,} more problems"
    if is_page(request):  # a person at a form gets a page saying what to fix, not JSON
        return page_error(request, errors.InvalidInput(message, field=first["field"]), 422)
    return JSONResponse(
        error_body("invalid_metadata", message, first["field"], problems=problems),
        status_code=422,
    )


HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path (Starlette names only the first route's)."""
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return ", ".join(allowed)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no such path, wrong method, an unparseable body) in our shape."""
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        message = f"there is nothing at {request.url.path}"
    elif exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        message = f"{request.method} is not allowed here; use {headers['Allow']}"
    else:
        message = str(exc.detail)
    if is_page(request):
        context = {"status": exc.status_code, "code": code, "message": message}
        response = render(request, "error.html", context, status_code=exc.status_code)
        response.headers.update(headers)
        return response
    return JSONResponse(
        error_body(code, message), status_code=exc.status_code, headers=headers or None
    )


def _document_error_bodies(app: FastAPI) -> None:
    """Every 4xx and 5xx answer in the OpenAPI schema has the error body; routes name only
    the reason (``responses={409: {"description": ...}}``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        spec = build()  # FastAPI caches it; the additions below are made once
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if status[:1] in ("4", "5"):  # JSON, whatever the route answers on 200
                        response["content"] = body
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


# The database failing in a way a retry may fix: connection lost or refused, pool
# exhausted. SFA apps retry on 503; a plain 500 made them give up on a photo.
DATABASE_OUTAGES = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)


async def _database_error(request: Request, exc: Exception) -> Response:
    outage = errors.TransientError(
        f"the database is unavailable: {exc}",
        public="the database is unavailable; retry shortly",
    )
    return await _shelfaudit_error(request, outage)


def install(app: FastAPI) -> None:
    for outage in DATABASE_OUTAGES:
        app.add_exception_handler(outage, _database_error)
    app.add_exception_handler(errors.ShelfAuditError, _shelfaudit_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    _document_error_bodies(app)
