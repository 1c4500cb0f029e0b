"""Dependencies of the API's routes: the store, the caller, role checks, the audit mark, caches.

Every route declares the roles it allows with :func:`allow`; a request without a
valid session cookie or bearer token gets 401, a role outside the list 403.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from chokepoint.assess import Assessment, Perspective
from chokepoint.errors import ServerBusyError
from chokepoint.limits import DEFAULT_IMPORT_SECONDS, time_limit
from chokepoint.model.chain import ChainMap
from chokepoint.service.assessment import DEFAULT_GOVERNANCE, assess_project, evidence_key
from chokepoint.service.perspective import resolve_perspective
from chokepoint.store import Store

V = TypeVar("V")

SESSION_COOKIE = "chokepoint_session"
#: the double-submit CSRF cookie (readable by the page, which echoes it in ``X-CSRF-Token``)
CSRF_COOKIE = "chokepoint_csrf"
CSRF_HEADER = "x-csrf-token"
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


class LRUCache(Generic[V]):
    """Values of read routes by key, least recently used first out (thread-safe).

    A key names everything the value depends on (route, project version, evidence stamp,
    perspective, query), never the caller: every role allowed to read the route gets the same
    value, and the role check runs before the cache is consulted.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The cached value of ``key``, or ``None``."""
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` for ``key``, dropping the least recently used beyond ``size``."""
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)


def cached_json(request: Request, key: tuple[Any, ...], make: Callable[[], Any]) -> Response:
    """The JSON response of ``make()``, rendered once per ``key`` (see :class:`LRUCache`).

    A route that returns this skips FastAPI's per-request encoding of the same document: on the
    demo chain one node's assessment record costs 4.6 ms to build and the top-20 assessment
    document 17 ms, against well under 1 ms to send cached bytes.
    """
    cache: LRUCache[bytes] = request.app.state.responses
    body = cache.get(key)
    if body is None:
        body = bytes(JSONResponse(make()).body)
        cache.put(key, body)
    return Response(content=body, media_type="application/json")


_STATE_LOCK = threading.Lock()

#: How many heavy documents (reports) the server builds at once; more requests of other
#: documents wait their turn, so reads keep their threads and cores (``CHOKEPOINT_HEAVY_WORKERS``).
HEAVY_WORKERS_VAR = "CHOKEPOINT_HEAVY_WORKERS"


class DocumentBuilds:
    """Heavy documents (reports) built once per key: one build per key at a time (concurrent
    requests for the same document wait for it and share it), at most ``workers`` builds at once,
    the last ``size`` documents kept.
    """

    def __init__(self, workers: int, size: int = 32) -> None:
        self.documents = LRUCache[bytes](size)
        self.slots = threading.BoundedSemaphore(max(1, workers))
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        """The document of ``key``: cached, or built by ``build()`` (once, however many ask)."""
        body = self.documents.get(key)
        if body is not None:
            return body
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            body = self.documents.get(key)
            if body is None:
                with self.slots:
                    body = build()
                self.documents.put(key, body)
        with self._guard:
            self._locks.pop(key, None)
        return body


def document_builds(request: Request) -> DocumentBuilds:
    """The application's :class:`DocumentBuilds` (made on first use)."""
    state = request.app.state
    builds: DocumentBuilds | None = getattr(state, "documents", None)
    if builds is None:
        with _STATE_LOCK:
            builds = getattr(state, "documents", None)
            if builds is None:
                builds = state.documents = DocumentBuilds(int(os.environ.get(HEAVY_WORKERS_VAR, "2")))
    return builds


#: How many heavy writes (chain imports, reporting and sheet uploads, dataset loads, task saves)
#: the server runs at once (``CHOKEPOINT_HEAVY_WRITES``), and how long (seconds) a further one
#: waits for a slot before it is refused with 429 and ``Retry-After`` (``CHOKEPOINT_HEAVY_WAIT_S``).
HEAVY_WRITES_VAR = "CHOKEPOINT_HEAVY_WRITES"
HEAVY_WAIT_VAR = "CHOKEPOINT_HEAVY_WAIT_S"
IMPORT_TIME_VAR = "CHOKEPOINT_IMPORT_TIME_LIMIT_S"


class HeavyWrites:
    """At most ``workers`` heavy writes at once; a further one waits up to ``wait_s`` seconds for
    a slot, then is refused (:class:`ServerBusyError`, 429) instead of queueing without end.

    Without the bound, 50 clients importing the demo chain at once queue behind the store's
    writer for minutes (past any client's timeout) and hold the threads other routes need.
    """

    def __init__(self, workers: int, wait_s: float) -> None:
        self.workers = max(1, workers)
        self.wait_s = max(0.0, wait_s)
        self._slots = threading.BoundedSemaphore(self.workers)

    @contextmanager
    def slot(self, what: str) -> Iterator[None]:
        """Hold one slot while the block runs; :class:`ServerBusyError` when none frees in time."""
        if not self._slots.acquire(timeout=self.wait_s):
            raise ServerBusyError(
                f"the server is busy with {self.workers} heavy writes; {what} was not started, "
                f"retry in a few seconds",
                retry_after=max(1, round(self.wait_s)),
            )
        try:
            yield
        finally:
            self._slots.release()


@contextmanager
def heavy_write(request: Request, what: str) -> Iterator[None]:
    """Run the block as a heavy write: in a slot of the application's :class:`HeavyWrites` (made
    on first use) and under the import time limit (``$CHOKEPOINT_IMPORT_TIME_LIMIT_S``, default
    :data:`chokepoint.limits.DEFAULT_IMPORT_SECONDS`; its clock starts once the slot is held).
    """
    state = request.app.state
    writes: HeavyWrites | None = getattr(state, "heavy_writes", None)
    if writes is None:
        with _STATE_LOCK:
            writes = getattr(state, "heavy_writes", None)
            if writes is None:
                writes = state.heavy_writes = HeavyWrites(
                    int(os.environ.get(HEAVY_WRITES_VAR, "2")),
                    float(os.environ.get(HEAVY_WAIT_VAR, "10")),
                )
    seconds = float(os.environ.get(IMPORT_TIME_VAR, "") or DEFAULT_IMPORT_SECONDS)
    with writes.slot(what), time_limit(seconds, what):
        yield


def project_version(request: Request, project: str) -> str:
    """The project's version (:meth:`Store.projects.version`), read once per request."""
    versions: dict[str, str] | None = getattr(request.state, "versions", None)
    if versions is None:
        versions = request.state.versions = {}
    if project not in versions:
        versions[project] = get_store(request).projects.version(project)
    return versions[project]


def chain_of(request: Request, project: str) -> ChainMap:
    """The project's chain, cached per project version (any save changes the version)."""
    store = get_store(request)
    chain: ChainMap = cached(
        request, ("chain", project, project_version(request, project)), lambda: store.chains.load(project)
    )
    return chain


def request_token(request: Request) -> str | None:
    """The bearer token of the request, else its session cookie."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def set_session_cookies(request: Request, response: Response, token: str) -> None:
    """Set the session cookie (HttpOnly, SameSite=Strict; Secure when served over HTTPS) and a
    fresh CSRF cookie (readable by the page: the double-submit value).
    """
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
    csrf = secrets.token_urlsafe(24)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, samesite="strict", secure=secure, path="/")


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
    (:func:`chokepoint.service.perspective.resolve_perspective`), cached per project version
    (storing a default perspective changes the version) and query.
    """
    key = ("perspective", project, project_version(request, project), home, restricted, allied, year)
    cache: LRUCache[Perspective] = request.app.state.perspectives
    p = cache.get(key)
    if p is None:
        p = resolve_perspective(
            get_store(request),
            project,
            home=home,
            restricted=restricted,
            allied=allied,
            year=year,
            chain=chain_of(request, project),
        )
        cache.put(key, p)
    return p


def assessment_key(
    request: Request,
    project: str,
    p: Perspective,
    governance: str = DEFAULT_GOVERNANCE,
    trade_dataset: str | None = None,
) -> tuple[str, ...]:
    """What an assessment depends on: the project version, the perspective, the governance table,
    the experts' scores, the reported values and the trade dataset (a cache key).
    """
    store = get_store(request)
    return (
        "assessment",
        project,
        project_version(request, project),
        json.dumps(p.to_dict(), sort_keys=True),
        evidence_key(store, project, governance, trade_dataset),
    )


def assessment_of(
    request: Request,
    project: str,
    p: Perspective,
    governance: str = DEFAULT_GOVERNANCE,
    trade_dataset: str | None = None,
) -> Assessment:
    """The project's assessment from ``p``, cached per :func:`assessment_key`."""
    store = get_store(request)
    a: Assessment = cached(
        request,
        assessment_key(request, project, p, governance, trade_dataset),
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

    def fields(self) -> dict[str, Any]:
        """The fields as the service layer's keyword arguments (``home``, ``restricted``, ...)."""
        return {"home": self.home, "restricted": self.restricted, "allied": self.allied, "year": self.year}

    def resolve(self, request: Request, project: str) -> Perspective:
        """The perspective of the request on ``project``."""
        return perspective_of(request, project, self.home, self.restricted, self.allied, self.year)


def perspective_query(
    home: str | None = Query(
        None, description="Home economy: ISO3 codes, a group (CHN, EU27) or a region (CN-ZJ)."
    ),
    restricted: str | None = Query(None, description="Comma-separated ISO3 codes that may blockade."),
    allied: str | None = Query(None, description="Comma-separated ISO3 codes of allies."),
    year: int | None = Query(None, ge=1900, le=2200, description="Use provisions up to this year."),
) -> PerspectiveQuery:
    """Dependency: the query's perspective fields (absent ones keep the project's stored default)."""
    return PerspectiveQuery(home, restricted, allied, year)
