"""The API reference pages, served whole from this process.

FastAPI's own /docs and /redoc load Swagger UI and ReDoc from a CDN, so behind a firewall
or offline they are blank pages; the same assets ship in the fastapi-offline wheel and are
served from /docs-assets instead.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from shelfaudit.api.security import SESSION_COOKIE

ASSETS = "/docs-assets"
ASSETS_DIR = str(files("fastapi_offline") / "static")

SECURITY_SCHEMES: dict[str, Any] = {
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "an API key: `Authorization: Bearer <key>` (or the `X-API-Key` header)",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "a browser session from POST /v1/session; state-changing requests "
        "also send its token in `X-CSRF-Token`",
    },
}
ANONYMOUS = frozenset({"/healthz"})


def install(app: FastAPI) -> None:
    """Serve /docs and /redoc from local assets (create the app with docs_url=None and
    redoc_url=None) and declare how callers authenticate in the OpenAPI schema."""
    app.mount(ASSETS, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    schema_url, title, icon = str(app.openapi_url), f"{app.title} API", f"{ASSETS}/favicon.png"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        js, css = f"{ASSETS}/swagger-ui-bundle.js", f"{ASSETS}/swagger-ui.css"
        return get_swagger_ui_html(
            openapi_url=schema_url, title=title, swagger_js_url=js, swagger_css_url=css,
            swagger_favicon_url=icon,
        )  # fmt: skip

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        js = f"{ASSETS}/redoc.standalone.js"
        return get_redoc_html(
            openapi_url=schema_url, title=title, redoc_js_url=js, redoc_favicon_url=icon,
            with_google_fonts=False,
        )  # fmt: skip

    build = app.openapi

    def openapi() -> dict[str, Any]:
        spec = build()
        spec.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        spec["security"] = [{name: []} for name in SECURITY_SCHEMES]
        for path in ANONYMOUS & spec.get("paths", {}).keys():
            for operation in spec["paths"][path].values():
                operation["security"] = []
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
