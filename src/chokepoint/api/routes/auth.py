"""Routes: log in and out, who am I, bearer tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import (
    ALL_ROLES,
    CSRF_COOKIE,
    SESSION_COOKIE,
    User,
    allow,
    audit,
    get_store,
    request_token,
    set_session_cookies,
)
from chokepoint.errors import ChokepointError, TooManyAttemptsError
from chokepoint.service import users as users_svc

router = APIRouter(tags=["auth"])


class Login(Body):
    """User name and password."""

    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


@router.post("/login")
def login(body: Login, response: Response, request: Request) -> dict[str, Any]:
    """Log in: sets the session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) and the
    CSRF cookie whose value state-changing requests echo in ``X-CSRF-Token``; returns the
    session token (usable as a bearer token). Failed logins are throttled and audited.
    """
    store = get_store(request)
    address = request.client.host if request.client else "unknown"
    try:
        token = users_svc.login(store, body.username, body.password, address)
    except ChokepointError as exc:
        action = "login locked out" if isinstance(exc, TooManyAttemptsError) else "login failed"
        store.audit.record(
            body.username[:200], "POST", "/api/login", exc.http_status, action, None, {"address": address}
        )
        raise
    store.audit.record(body.username, "POST", "/api/login", 200, "login", None, {"address": address})
    set_session_cookies(request, response, token)
    found = store.tokens.user_for(token)
    return {"token": token, "user": body.username, "role": found[1] if found else None}


@router.post("/logout")
def logout(request: Request, response: Response, user: User = Depends(allow(*ALL_ROLES))) -> dict[str, str]:
    """Revoke the session (or bearer token) of the request and clear the cookies."""
    token = request.cookies.get(SESSION_COOKIE) or request_token(request)
    if token:
        get_store(request).tokens.revoke(token)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return {"status": "logged out"}


@router.get("/me")
def me(user: User = Depends(allow(*ALL_ROLES))) -> dict[str, str]:
    """The caller's name and role."""
    return {"name": user.name, "role": user.role}


@router.post("/tokens")
def new_token(request: Request, user: User = Depends(allow(*ALL_ROLES))) -> dict[str, str]:
    """A bearer token for machines (valid 90 days; at most 20 per user: revoke one to make more)."""
    audit(request, "create token", after={"user": user.name})
    return {"token": get_store(request).tokens.create(user.name, "bearer", timedelta(days=90))}


@router.get("/tokens")
def list_tokens(request: Request, user: User = Depends(allow(*ALL_ROLES))) -> list[dict[str, Any]]:
    """The caller's unexpired sessions and bearer tokens: id (the start of the token's hash, not
    the token), kind, created and expiry times, newest first.
    """
    return users_svc.list_tokens(get_store(request), user.name)


@router.delete("/tokens/{token_id}")
def revoke_token(token_id: str, request: Request, user: User = Depends(allow(*ALL_ROLES))) -> dict[str, str]:
    """Revoke one of the caller's sessions or bearer tokens by its id (GET /api/tokens)."""
    result = users_svc.revoke_token(get_store(request), user.name, token_id)
    audit(request, "revoke token", before={"user": user.name, "token": token_id})
    return result
