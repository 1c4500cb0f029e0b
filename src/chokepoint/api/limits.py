"""Bounded requests: a body larger than its route's limit is refused before it is read.

Limits (bytes; configurable, documented in docs/security.md):

* uploads (multipart bodies: chain imports, reporting uploads, expert and profile sheets, raw
  datasets): ``$CHOKEPOINT_MAX_UPLOAD_MB`` megabytes, default :data:`DEFAULT_UPLOAD_MB`;
* every other request body (JSON): ``$CHOKEPOINT_MAX_BODY_MB``, default :data:`DEFAULT_BODY_MB`.

A declared ``Content-Length`` above the limit answers 413 at once, without reading the body; a
body without one (chunked) is counted as it arrives and refused when it passes the limit, so
memory stays bounded whatever the client sends.

A path or query string holding the NUL character is refused here too (422 ``invalid_request``):
PostgreSQL cannot store or compare it, and no name or code of the platform may hold it.
"""

from __future__ import annotations

import json
import os

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_UPLOAD_MB = 64
DEFAULT_BODY_MB = 8
UPLOAD_ENV = "CHOKEPOINT_MAX_UPLOAD_MB"
#: the refusal of a path or query string holding NUL (no store can keep it; see api.bodies)
NUL_MESSAGE = "the path or query string holds the NUL character (%00): remove it"
BODY_ENV = "CHOKEPOINT_MAX_BODY_MB"


def _megabytes(env: str, default: int) -> int:
    value = os.environ.get(env, "")
    return int(float(value) * 1_000_000) if value.strip() else default * 1_000_000


def body_limit(content_type: str) -> int:
    """The largest body (bytes) a request of ``content_type`` may send (uploads are multipart)."""
    if content_type.startswith("multipart/"):
        return _megabytes(UPLOAD_ENV, DEFAULT_UPLOAD_MB)
    return _megabytes(BODY_ENV, DEFAULT_BODY_MB)


class BodyLimit:
    """ASGI middleware enforcing :func:`body_limit` (413 ``request_too_large``, the API's error
    shape).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a declared or counted body above the limit; pass everything else on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            await _refuse(send, 422, "invalid_request", NUL_MESSAGE)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        limit = body_limit(headers.get(b"content-type", b"").decode("latin-1"))
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _refuse(send, 400, "bad_request", "the Content-Length header is not a number")
                return
            if int(declared) > limit:
                await _refuse(send, 413, "request_too_large", _too_large(int(declared), limit))
                return
        received = 0
        started = refused = False

        async def counted() -> Message:
            # past the limit: answer 413 now and tell the app the client left (frameworks turn an
            # exception raised here into their own 400), then drop whatever it answers
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _refuse(send, 413, "request_too_large", _too_large(received, limit))
                    return {"type": "http.disconnect"}
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted, tracked)


def _too_large(size: int, limit: int) -> str:
    return (
        f"the request body ({size / 1e6:,.1f} MB or more) is larger than this route accepts "
        f"({limit / 1e6:,.0f} MB; the server's operator sets {UPLOAD_ENV} and {BODY_ENV})"
    )


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"status": status, "code": code, "message": message, "details": {}}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
