"""The FastAPI application: app factory, authentication, roles, audit log and one error shape.

Every route declares the roles it allows with :func:`allow`; a request without a
valid session cookie or bearer token gets 401, a role outside the list 403. Every
error (validation, domain, HTTP) has one JSON shape::

    {"error": {"status": 404, "code": "project_not_found", "message": "...", "details": {...}}}
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chokepoint import __version__
from chokepoint.errors import (
    ChainValidationError,
    ChokepointError,
    InputFileError,
    NotFoundError,
    ProjectExistsError,
    UsageError,
)
from chokepoint.store import Store

SESSION_COOKIE = "chokepoint_session"
ALL_ROLES = ("admin", "analyst", "officer", "reporter", "viewer")
READERS = ("admin", "analyst", "officer", "viewer")
EDITORS = ("admin", "analyst")
OFFICERS = ("admin", "analyst", "officer")
REPORTERS = ("admin", "analyst", "officer", "reporter")
ADMINS = ("admin",)
ADMIN_PASSWORD_ENV = "CHOKEPOINT_ADMIN_PASSWORD"


@dataclass(frozen=True)
class User:
    name: str
    role: str


def error_body(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"error": {"status": status, "code": code, "message": message, "details": details or {}}}


def _status_of(exc: ChokepointError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ProjectExistsError):
        return 409
    if isinstance(exc, ChainValidationError | UsageError | InputFileError):
        return 422
    if getattr(exc, "code", "") == "forbidden":
        return 403
    return 400


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def cached(request: Request, key: tuple[Any, ...], make: Callable[[], Any], size: int = 32) -> Any:
    """A small per-app cache; keys carry the project version, so a save invalidates them."""
    cache: dict[Any, Any] = request.app.state.cache
    if key not in cache:
        if len(cache) >= size:
            cache.pop(next(iter(cache)))
        cache[key] = make()
    return cache[key]


def chain_of(request: Request, project: str) -> Any:
    """The project's chain, cached per project version (any save changes the version)."""
    store = get_store(request)
    return cached(
        request, ("chain", project, store.project_version(project)), lambda: store.load_chain(project)
    )


def current_user(request: Request) -> User:
    """The user behind the session cookie or the ``Authorization: Bearer`` token (401 otherwise)."""
    token = request.cookies.get(SESSION_COOKIE)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    found = get_store(request).user_for_token(token) if token else None
    if found is None:
        raise HTTPException(status_code=401, detail="log in first: POST /api/login, or send a bearer token")
    user = User(*found)
    request.state.user = user.name
    return user


def allow(*roles: str) -> Callable[..., User]:
    """Dependency: the current user, refused with 403 unless their role is in ``roles``."""

    def dependency(user: User = Depends(current_user)) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail=f"role {user.role!r} may not use this route")
        return user

    dependency.roles = roles  # type: ignore[attr-defined]
    return dependency


def audit(request: Request, action: str, before: Any = None, after: Any = None) -> None:
    """Mark the request for the audit log with before/after identifiers (written by the middleware)."""
    request.state.audit = (action, before, after)


def ensure_admin(store: Store) -> str | None:
    """On an empty store create user ``admin``; its password comes from ``$CHOKEPOINT_ADMIN_PASSWORD``
    or is generated and returned once (to be printed)."""
    if store.count_users():
        return None
    password = os.environ.get(ADMIN_PASSWORD_ENV) or secrets.token_urlsafe(12)
    store.add_user("admin", "admin", password)
    return None if os.environ.get(ADMIN_PASSWORD_ENV) else password


def create_app(store: Store | str | None = None) -> FastAPI:
    """The API over ``store`` (a :class:`Store`, a path or URL, or the default store)."""
    from chokepoint.api import matching_routes, routes

    app = FastAPI(
        title="chokepoint API",
        version=__version__,
        description="Industrial-chain security: chain maps, chokepoint assessment, disruption scenarios, "
        "policy lists and early-warning monitoring. Log in with POST /api/login (session cookie) or send "
        "`Authorization: Bearer <token>` (POST /api/tokens).",
    )
    app.state.store = store if isinstance(store, Store) else Store(store)
    app.state.jobs = {}
    app.state.cache = {}

    @app.exception_handler(ChokepointError)
    async def domain_error(request: Request, exc: ChokepointError) -> JSONResponse:
        status = _status_of(exc)
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
            app.state.store.record_audit(
                user, request.method, request.url.path, response.status_code, action, before, after
            )
        return response

    app.include_router(routes.router, prefix="/api")
    app.include_router(matching_routes.router, prefix="/api")
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
