"""Routes: users."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from chokepoint.api.deps import (
    ADMINS,
    ALL_ROLES,
    User,
    allow,
    audit,
    get_store,
)

router = APIRouter(tags=["users"])


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "analyst", "officer", "reporter", "viewer"]
    password: str = Field(min_length=1)


class Password(BaseModel):
    password: str = Field(min_length=1)


class Binding(BaseModel):
    project: str
    actor: str


@router.get("/users", tags=["users"])
def list_users(request: Request, user: User = Depends(allow(*ADMINS))) -> list[dict[str, Any]]:
    return get_store(request).list_users()


@router.post("/users", tags=["users"], status_code=201)
def add_user(body: NewUser, request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, str]:
    get_store(request).add_user(body.name, body.role, body.password)
    audit(request, "add user", after={"user": body.name, "role": body.role})
    return {"name": body.name, "role": body.role}


@router.put("/users/{name}/password", tags=["users"])
def set_password(
    name: str, body: Password, request: Request, user: User = Depends(allow(*ALL_ROLES))
) -> dict:
    """Admins set anyone's password; others only their own."""
    if user.role != "admin" and user.name != name:
        raise HTTPException(status_code=403, detail="you may change only your own password")
    get_store(request).set_password(name, body.password)
    audit(request, "set password", after={"user": name})
    return {"name": name}


@router.post("/users/{name}/disable", tags=["users"])
def disable_user(
    name: str, request: Request, enable: bool = False, user: User = Depends(allow(*ADMINS))
) -> dict:
    get_store(request).disable_user(name, not enable)
    audit(request, "enable user" if enable else "disable user", after={"user": name})
    return {"name": name, "disabled": not enable}


@router.post("/users/{name}/bindings", tags=["users"])
def bind_user(name: str, body: Binding, request: Request, user: User = Depends(allow(*ADMINS))) -> dict:
    get_store(request).bind(name, body.project, body.actor)
    audit(request, "bind reporter", after={"user": name, "project": body.project, "actor": body.actor})
    return {"name": name, "project": body.project, "actor": body.actor}


@router.delete("/users/{name}/bindings", tags=["users"])
def unbind_user(
    name: str, project: str, actor: str, request: Request, user: User = Depends(allow(*ADMINS))
) -> dict[str, str]:
    get_store(request).unbind(name, project, actor)
    audit(request, "unbind reporter", before={"user": name, "project": project, "actor": actor})
    return {"name": name, "project": project, "actor": actor}


@router.get("/audit", tags=["users"])
def audit_log(
    request: Request,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=2**62),  # a 64-bit SQL integer
    user: User = Depends(allow(*ADMINS)),
) -> list[dict[str, Any]]:
    return get_store(request).audit_entries(limit, offset)
