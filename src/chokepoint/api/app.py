"""The FastAPI application: the app factory, its routers, the audit log and one error shape.

The routes live in :mod:`chokepoint.api.routes` (one router per resource), their
dependencies (caller, roles, store, caches) in :mod:`chokepoint.api.deps`. Every
error (validation, domain, HTTP) has one JSON shape, with the HTTP status the
error class carries (:attr:`chokepoint.errors.ChokepointError.http_status`)::

    {"error": {"status": 404, "code": "project_not_found", "message": "...", "details": {...}}}
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chokepoint import __version__
from chokepoint.api.deps import LRUCache
from chokepoint.api.routes import ROUTERS
from chokepoint.assess import Perspective
from chokepoint.errors import ChokepointError
from chokepoint.store import Store

ADMIN_PASSWORD_ENV = "CHOKEPOINT_ADMIN_PASSWORD"


def error_body(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"error": {"status": status, "code": code, "message": message, "details": details or {}}}


def ensure_admin(store: Store) -> str | None:
    """On an empty store create user ``admin``; its password comes from ``$CHOKEPOINT_ADMIN_PASSWORD``
    or is generated and returned once (to be printed).
    """
    if store.users.count():
        return None
    password = os.environ.get(ADMIN_PASSWORD_ENV) or secrets.token_urlsafe(12)
    store.users.add("admin", "admin", password)
    return None if os.environ.get(ADMIN_PASSWORD_ENV) else password


def create_app(store: Store | str | None = None) -> FastAPI:
    """The API over ``store`` (a :class:`Store`, a path or URL, or the default store)."""
    app = FastAPI(
        docs_url=None,  # served by _mount_web from the package's own Swagger UI assets
        redoc_url=None,
        title="chokepoint API",
        version=__version__,
        description="Industrial-chain security: chain maps, chokepoint assessment, disruption scenarios, "
        "policy lists and early-warning monitoring. Log in with POST /api/login (session cookie) or send "
        "`Authorization: Bearer <token>` (POST /api/tokens).",
    )
    app.state.store = store if isinstance(store, Store) else Store(store)
    app.state.jobs = {}
    app.state.cache = {}
    app.state.responses = LRUCache[bytes](1024)
    app.state.perspectives = LRUCache[Perspective](256)

    @app.exception_handler(ChokepointError)
    async def domain_error(request: Request, exc: ChokepointError) -> JSONResponse:
        status = exc.http_status
        body = exc.to_dict()
        return JSONResponse(
            error_body(status, body["code"], body["message"], body["details"]), status_code=status
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        return JSONResponse(
            error_body(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"location": ".".join(str(x) for x in e.get("loc", ())), "reason": e.get("msg", "")}
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body(422, "invalid_request", "the request is invalid", {"problems": problems}),
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - safety net
        return JSONResponse(error_body(500, "internal_error", "internal error"), status_code=500)

    @app.middleware("http")
    async def audit_writes(request: Request, call_next: Callable[..., Any]) -> Any:
        response = await call_next(request)
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.url.path != "/api/login":
            action, before, after = getattr(request.state, "audit", (request.url.path, None, None))
            user = getattr(request.state, "user", "anonymous")
            app.state.store.audit.record(
                user, request.method, request.url.path, response.status_code, action, before, after
            )
        return response

    for router in ROUTERS:
        app.include_router(router, prefix="/api")
    _mount_web(app)
    return app


def _mount_web(app: FastAPI) -> None:
    """The web UI: ``/`` serves the single page, ``/static`` its assets (all shipped in the package)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import FileResponse, HTMLResponse
    from fastapi.staticfiles import StaticFiles

    from chokepoint.web import STATIC

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """Swagger UI from the vendored assets (works offline; no CDN)."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="data:,",
        )
