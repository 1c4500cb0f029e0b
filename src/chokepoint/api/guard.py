"""The guard of every request (pure ASGI middleware): CSRF for cookie sessions, the security
headers of every response, and one audit row for every outcome of a write.

It is plain ASGI rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` runs
each response through an extra task and stream, which cost about a millisecond per request (two
of them were a quarter of a cached read's time under 16 clients).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chokepoint.api.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE

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
HEADER_ITEMS = tuple(SECURITY_HEADERS.items())
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


class Guard:
    """CSRF check before the route, security headers on the response, audit row after a write.

    A write (``POST``, ``PUT``, ``PATCH``, ``DELETE``; not the login, which audits itself) is
    recorded with the response's status, whatever it is: refused (403), invalid (4xx), done (2xx)
    or failed (500, recorded before the error travels on to the server's error handler).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Guard one request (other scopes pass through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        write = request.method in UNSAFE_METHODS and request.url.path != "/api/login"
        audited = [False]

        async def record(status: int) -> None:
            if write and not audited[0]:
                audited[0] = True
                await anyio.to_thread.run_sync(self._audit, request, status)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # the audit row is stored before the client hears the answer
                await record(int(message["status"]))
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADER_ITEMS if k.encode() not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            refused = csrf_refusal(request)
            if refused is not None:
                await JSONResponse(error_body(403, "csrf", refused), status_code=403)(
                    scope, receive, send_with_headers
                )
            else:
                await self.app(scope, receive, send_with_headers)
        finally:
            await record(500)  # the route failed before it answered

    @staticmethod
    def _audit(request: Request, status: int) -> None:
        action, before, after = getattr(request.state, "audit", (request.url.path, None, None))
        user = getattr(request.state, "user", "anonymous")
        request.app.state.store.audit.record(
            user, request.method, request.url.path, status, action, before, after
        )


def error_body(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"error": {"status": status, "code": code, "message": message, "details": details or {}}}
