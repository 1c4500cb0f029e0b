"""Dependencies of the API's routes: the store, the caller, role checks, the audit mark, caches.

Every route declares the roles it allows with :func:`allow`; a request without a
valid session cookie or bearer token gets 401, a role outside the list 403.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Query, Request

from chokepoint.assess import Assessment, Perspective
from chokepoint.model.chain import ChainMap
from chokepoint.service.assessment import DEFAULT_GOVERNANCE, assess_project, evidence_key
from chokepoint.service.perspective import resolve_perspective
from chokepoint.store import Store

SESSION_COOKIE = "chokepoint_session"
ALL_ROLES = ("admin", "analyst", "officer", "reporter", "viewer")
READERS = ("admin", "analyst", "officer", "viewer")
EDITORS = ("admin", "analyst")
OFFICERS = ("admin", "analyst", "officer")
REPORTERS = ("admin", "analyst", "officer", "reporter")
ADMINS = ("admin",)


@dataclass(frozen=True)
class User:
    """The caller of a request: user name and role."""

    name: str
    role: str


def get_store(request: Request) -> Store:
    """The application's store."""
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


def chain_of(request: Request, project: str) -> ChainMap:
    """The project's chain, cached per project version (any save changes the version)."""
    store = get_store(request)
    chain: ChainMap = cached(
        request, ("chain", project, store.projects.version(project)), lambda: store.chains.load(project)
    )
    return chain


def request_token(request: Request) -> str | None:
    """The bearer token of the request, else its session cookie."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def current_user(request: Request) -> User:
    """The user behind the session cookie or the ``Authorization: Bearer`` token (401 otherwise)."""
    token = request_token(request)
    found = get_store(request).tokens.user_for(token) if token else None
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


def perspective_of(
    request: Request,
    project: str,
    home: str | None = None,
    restricted: str | None = None,
    allied: str | None = None,
    year: int | None = None,
) -> Perspective:
    """The request's perspective: the stored default with the query's fields replaced
    (:func:`chokepoint.service.perspective.resolve_perspective`).
    """
    return resolve_perspective(
        get_store(request),
        project,
        home=home,
        restricted=restricted,
        allied=allied,
        year=year,
        chain=chain_of(request, project),
    )


def assessment_of(
    request: Request,
    project: str,
    p: Perspective,
    governance: str = DEFAULT_GOVERNANCE,
    trade_dataset: str | None = None,
) -> Assessment:
    """The project's assessment from ``p``, cached per project version, perspective, governance
    table and expert scores.
    """
    store = get_store(request)
    key = (
        "assessment",
        project,
        store.projects.version(project),
        json.dumps(p.to_dict(), sort_keys=True),
        evidence_key(store, project, governance, trade_dataset),
    )
    a: Assessment = cached(
        request,
        key,
        lambda: assess_project(
            store,
            project,
            p,
            chain=chain_of(request, project),
            governance=governance,
            trade_dataset=trade_dataset,
        ),
    )
    return a


@dataclass(frozen=True)
class PerspectiveQuery:
    """The perspective fields of a query string (each replaces the stored default's)."""

    home: str | None = None
    restricted: str | None = None
    allied: str | None = None
    year: int | None = None

    def resolve(self, request: Request, project: str) -> Perspective:
        """The perspective of the request on ``project``."""
        return perspective_of(request, project, self.home, self.restricted, self.allied, self.year)


def perspective_query(
    home: str | None = Query(None, description="Home economy: ISO3 codes or a group (CHN, EU27)."),
    restricted: str | None = Query(None, description="Comma-separated ISO3 codes that may blockade."),
    allied: str | None = Query(None, description="Comma-separated ISO3 codes of allies."),
    year: int | None = Query(None, ge=1900, le=2200, description="Use provisions up to this year."),
) -> PerspectiveQuery:
    """Dependency: the query's perspective fields (absent ones keep the project's stored default)."""
    return PerspectiveQuery(home, restricted, allied, year)
