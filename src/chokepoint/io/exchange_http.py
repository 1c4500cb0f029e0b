"""The HTTP transport of exchange bundles: a sender for :func:`chokepoint.service.exchange.push`
that posts each bundle to the receiver's ``POST /api/network/bundles`` with a bearer token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from chokepoint.errors import BundleGapError, BundleRefusedError

ROUTE = "/api/network/bundles"


def http_sender(url: str, token: str, timeout: float = 60.0) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A callable posting one bundle to the instance at ``url``; it returns the signed reply.

    Raises (from the callable)
    --------------------------
    BundleGapError
        When the receiver awaits another sequence (``expected``).
    BundleRefusedError
        When the receiver refused the bundle (unknown sender, bad signature...).
    OSError
        When the receiver cannot be reached or answers anything else (the push stops; the next
        one resumes).
    """
    client = httpx.Client(
        base_url=url.rstrip("/"), headers={"authorization": f"Bearer {token}"}, timeout=timeout
    )

    def send(bundle: dict[str, Any]) -> dict[str, Any]:
        try:
            r = client.post(ROUTE, json=bundle)
        except httpx.HTTPError as exc:
            raise OSError(f"could not reach {url}: {exc}") from None
        if r.status_code == 200:
            body: dict[str, Any] = r.json()
            return body
        try:
            err = r.json().get("error", {})
        except ValueError:
            err = {}
        message = err.get("message") or r.text[:200]
        if err.get("code") == "bundle_gap":
            raise BundleGapError(message, int(err["details"]["expected"]))
        if err.get("code") == "bundle_refused":
            raise BundleRefusedError(message)
        raise OSError(f"{url} answered {r.status_code}: {message}")

    return send
