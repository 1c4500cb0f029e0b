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
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chokepoint import __version__
from chokepoint.api.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, LRUCache
from chokepoint.api.limits import BodyLimit
from chokepoint.api.routes import ROUTERS
from chokepoint.assess import Perspective
from chokepoint.errors import ChokepointError, TooManyAttemptsError
from chokepoint.store import Store

ADMIN_PASSWORD_ENV = "CHOKEPOINT_ADMIN_PASSWORD"


#: headers of every response: no inline or foreign script, no framing, no MIME sniffing
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_refusal(request: Request) -> str | None:
    """Why a state-changing request authenticated by the session cookie is refused, else None.

    Bearer-token requests pass (a page of another site cannot set the header). Cookie requests
    must come from this site (an ``Origin``, else ``Referer``, naming another host is refused)
    and echo the CSRF cookie in ``X-CSRF-Token`` (double submit; compared in constant time).
    ``POST /api/login`` has no session yet: only its origin is checked.
    """
    if request.method not in UNSAFE_METHODS:
        return None
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return None
    source = request.headers.get("origin") or request.headers.get("referer")
    if source and source != "null":
        host = urlsplit(source).netloc
        if host and host != request.headers.get("host", ""):
            return f"cross-site request refused (origin {host!r})"
    if request.url.path == "/api/login" or SESSION_COOKIE not in request.cookies:
        return None
    sent, expected = request.headers.get(CSRF_HEADER, ""), request.cookies.get(CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        return "missing or wrong X-CSRF-Token header: send the value of the chokepoint_csrf cookie"
    return None


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
        headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, TooManyAttemptsError) else None
        return JSONResponse(
            error_body(status, body["code"], body["message"], body["details"]),
            status_code=status,
            headers=headers,
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
    async def guard(request: Request, call_next: Callable[..., Any]) -> Any:
        refused = csrf_refusal(request)
        if refused is not None:
            response: Any = JSONResponse(error_body(403, "csrf", refused), status_code=403)
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

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
    app.add_middleware(BodyLimit)  # outermost: an oversized body is refused before anything reads it
    _mount_web(app)
    return app


def _mount_web(app: FastAPI) -> None:
    """The web UI: ``/`` serves the single page, ``/static`` its assets (all shipped in the package)."""
    from fastapi.responses import FileResponse
    from fastapi.staticfiles import StaticFiles

    from chokepoint.web import STATIC

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> FileResponse:
        """Swagger UI from the vendored assets (works offline; no CDN), its initialiser a static
        file (``/static/docs/init.js``) so the page needs no inline script.
        """
        return FileResponse(STATIC / "docs" / "index.html", headers={"cache-control": "no-cache"})
