"""The FastAPI application: the app factory, its routers, the audit log and one error shape.

The routes live in :mod:`chokepoint.api.routes` (one router per resource), their
dependencies (caller, roles, store, caches) in :mod:`chokepoint.api.deps`. Every
error (validation, domain, HTTP) has one JSON shape, with the HTTP status the
error class carries (:attr:`chokepoint.errors.ChokepointError.http_status`)::

    {"error": {"status": 404, "code": "project_not_found", "message": "...", "details": {...}}}
"""

from __future__ import annotations

import gc
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chokepoint import __version__
from chokepoint.api.deps import LRUCache
from chokepoint.api.guard import Guard, error_body
from chokepoint.api.limits import BodyLimit
from chokepoint.api.routes import ROUTERS
from chokepoint.assess import Perspective
from chokepoint.errors import ChokepointError, RetryLaterError
from chokepoint.store import Store

ADMIN_PASSWORD_ENV = "CHOKEPOINT_ADMIN_PASSWORD"


def ensure_admin(store: Store) -> str | None:
    """On an empty store create user ``admin``; its password comes from ``$CHOKEPOINT_ADMIN_PASSWORD``
    or is generated and returned once (to be printed).
    """
    if store.users.count():
        return None
    password = os.environ.get(ADMIN_PASSWORD_ENV) or secrets.token_urlsafe(12)
    store.users.add("admin", "admin", password)
    return None if os.environ.get(ADMIN_PASSWORD_ENV) else password


#: Garbage-collector thresholds of a serving process (generation 0, 1, 2): collections run about
#: 70 times less often than Python's default (700, 10, 10). The caches hold large object graphs
#: (chains, assessments, documents); under 16 clients the default collections were the whole tail
#: of the read latency (p99 296 ms against a median of 95 ms; with these, and the objects of the
#: started server frozen out of the collector's scans, p99 150 ms).
SERVING_GC_THRESHOLDS = (50_000, 20, 100)


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[None]:
    """The server's lifespan: once started, freeze what is loaded (modules, the store) out of the
    collector's scans and collect less often (:data:`SERVING_GC_THRESHOLDS`).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)
    yield


def create_app(store: Store | str | None = None) -> FastAPI:
    """The API over ``store`` (a :class:`Store`, a path or URL, or the default store)."""
    app = FastAPI(
        lifespan=serving,
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
        headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, RetryLaterError) else None
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

    for router in ROUTERS:
        app.include_router(router, prefix="/api")
    app.add_middleware(Guard)  # CSRF, security headers, the audit of every write
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
