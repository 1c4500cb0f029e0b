"""Routes: log in and out, who am I, bearer tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from chokepoint.api.deps import ALL_ROLES, SESSION_COOKIE, User, allow, audit, get_store, request_token

router = APIRouter(tags=["auth"])


class Login(BaseModel):
    """User name and password."""

    username: str
    password: str


@router.post("/login")
def login(body: Login, response: Response, request: Request) -> dict[str, Any]:
    """Log in: sets the session cookie and returns the same token (usable as a bearer token)."""
    store = get_store(request)
    if not store.users.verify_password(body.username, body.password):
        raise HTTPException(status_code=401, detail="wrong user name or password")
    token = store.tokens.create(body.username, "session")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax")
    found = store.tokens.user_for(token)
    return {"token": token, "user": body.username, "role": found[1] if found else None}


@router.post("/logout")
def logout(request: Request, response: Response, user: User = Depends(allow(*ALL_ROLES))) -> dict[str, str]:
    """Revoke the session (or bearer token) of the request and clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE) or request_token(request)
    if token:
        get_store(request).tokens.revoke(token)
    response.delete_cookie(SESSION_COOKIE)
    return {"status": "logged out"}


@router.get("/me")
def me(user: User = Depends(allow(*ALL_ROLES))) -> dict[str, str]:
    """The caller's name and role."""
    return {"name": user.name, "role": user.role}


@router.post("/tokens")
def new_token(request: Request, user: User = Depends(allow(*ALL_ROLES))) -> dict[str, str]:
    """A bearer token for machines (valid 90 days)."""
    audit(request, "create token", after={"user": user.name})
    return {"token": get_store(request).tokens.create(user.name, "bearer", timedelta(days=90))}
