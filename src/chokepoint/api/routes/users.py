"""Routes: users, their enterprise bindings, and the audit log."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import ADMINS, ALL_ROLES, User, allow, audit, get_store
from chokepoint.service import users as svc

router = APIRouter(tags=["users"])


class NewUser(Body):
    """A new user: name, role and password."""

    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "analyst", "officer", "reporter", "viewer"]
    password: str = Field(min_length=1, max_length=1000)


class Password(Body):
    """A new password; changing one's own password needs the current one too."""

    password: str = Field(min_length=1, max_length=1000)
    current_password: str | None = Field(None, max_length=1000)


class Binding(Body):
    """An enterprise (actor id) of a project."""

    project: str
    actor: str


@router.get("/users")
def list_users(request: Request, user: User = Depends(allow(*ADMINS))) -> list[dict[str, Any]]:
    """Users with role, state and enterprise bindings."""
    return svc.list_users(get_store(request))


@router.post("/users", status_code=201)
def add_user(body: NewUser, request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, str]:
    """Add a user (the password is stored as an argon2 hash)."""
    result = svc.add_user(get_store(request), body.name, body.role, body.password)
    audit(request, "add user", after={"user": body.name, "role": body.role})
    return result


@router.put("/users/{name}/password")
def set_password(
    name: str, body: Password, request: Request, user: User = Depends(allow(*ALL_ROLES))
) -> dict[str, str]:
    """Admins set anyone's password; others only their own, giving ``current_password``. Every
    session and token of the user ends (a new login follows).
    """
    result = svc.set_password(
        get_store(request), name, body.password, by=user.name, current=body.current_password
    )
    audit(request, "set password", after={"user": name})
    return result


@router.post("/users/{name}/disable")
def disable_user(
    name: str, request: Request, enable: bool = False, user: User = Depends(allow(*ADMINS))
) -> dict[str, Any]:
    """Disable a user (it can no longer log in, report or act), or enable it with ``enable=true``."""
    result = svc.disable_user(get_store(request), name, not enable)
    audit(request, "enable user" if enable else "disable user", after={"user": name})
    return result


@router.post("/users/{name}/bindings")
def bind_user(
    name: str, body: Binding, request: Request, user: User = Depends(allow(*ADMINS))
) -> dict[str, str]:
    """Bind a reporter to an enterprise of a project: it may report and read that enterprise's data."""
    result = svc.bind(get_store(request), name, body.project, body.actor)
    audit(request, "bind reporter", after={"user": name, "project": body.project, "actor": body.actor})
    return result


@router.delete("/users/{name}/bindings")
def unbind_user(
    name: str, project: str, actor: str, request: Request, user: User = Depends(allow(*ADMINS))
) -> dict[str, str]:
    """Remove a reporter's binding to an enterprise."""
    result = svc.unbind(get_store(request), name, project, actor)
    audit(request, "unbind reporter", before={"user": name, "project": project, "actor": actor})
    return result


@router.get("/audit")
def audit_log(
    request: Request,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=2**62),  # a 64-bit SQL integer
    user: User = Depends(allow(*ADMINS)),
) -> list[dict[str, Any]]:
    """The audit log, latest first: who, method, path, status, when, before and after."""
    return svc.audit_entries(get_store(request), limit, offset)
