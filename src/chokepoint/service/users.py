"""Users, their enterprise bindings, and the checks of who may do what.

The store holds users as data (``store.users.get``, :class:`~chokepoint.store.users.UserRepository`);
the rules of access live here, once, for the command line (``--as USER``) and the API (the
logged-in user):

* a disabled user may not report, read reported values or act;
* a reporter reports and reads only ``enterprise`` and ``node_enterprise`` values of the
  enterprises bound to it (:class:`~chokepoint.monitor.observations.Reporter`); analysts,
  officers and admins any, viewers read only;
* admins, analysts and officers acknowledge and resolve alerts;
* admins set anyone's password, every other user only its own.
"""

from __future__ import annotations

from typing import Any

from chokepoint.errors import AccessDeniedError
from chokepoint.monitor.observations import Reporter
from chokepoint.store import Store

ALERT_ROLES = ("admin", "analyst", "officer")


def reporter(store: Store, name: str, project: str) -> Reporter:
    """The user as a :class:`Reporter` of ``project``: its role and the actors bound to it.

    Raises
    ------
    NotFoundError
        When there is no such user (``ProjectNotFoundError`` for an unknown project).
    AccessDeniedError
        When the user is disabled.
    """
    rec = store.users.get(name, project)
    if rec.disabled:
        raise AccessDeniedError(f"user {name!r} is disabled")
    return Reporter(rec.name, rec.role, rec.actors)


def readable_actors(who: Reporter) -> frozenset[str] | None:
    """The actors whose values ``who`` may read (``None``: every value)."""
    return who.actors if who.role == "reporter" else None


def alert_actor(store: Store, name: str, project: str, action: str) -> Reporter:
    """The user, allowed to ``action`` (acknowledge, resolve) alerts of ``project``.

    Raises
    ------
    AccessDeniedError
        When the user is disabled or its role may not act on alerts.
    """
    who = reporter(store, name, project)
    if who.role not in ALERT_ROLES:
        raise AccessDeniedError(f"user {name!r} ({who.role}) may not {action} alerts")
    return who


def add_user(store: Store, name: str, role: str, password: str) -> dict[str, str]:
    """Create a user (the password is stored as an argon2 hash); returns its name and role."""
    store.users.add(name, role, password)
    return {"name": name, "role": role}


def list_users(store: Store) -> list[dict[str, Any]]:
    """Every user with role, state and bindings (``project_id:actor``)."""
    return store.users.list()


def set_password(store: Store, name: str, password: str, *, by: str | None = None) -> dict[str, str]:
    """Change ``name``'s password; ``by`` (the acting user, when not local access) must be an
    admin or ``name`` itself.
    """
    if by is not None and by != name:
        acting = store.users.get(by)
        if acting.role != "admin" or acting.disabled:
            raise AccessDeniedError("you may change only your own password")
    store.users.set_password(name, password)
    return {"name": name}


def disable_user(store: Store, name: str, disabled: bool = True) -> dict[str, Any]:
    """Disable a user (no login, reporting or action), or enable it again."""
    store.users.disable(name, disabled)
    return {"name": name, "disabled": disabled}


def bind(store: Store, name: str, project: str, actor: str) -> dict[str, str]:
    """Bind a reporter to an enterprise (or institution) of ``project``."""
    store.users.bind(name, project, actor)
    return {"name": name, "project": project, "actor": actor}


def unbind(store: Store, name: str, project: str, actor: str) -> dict[str, str]:
    """Remove a reporter's binding to an actor of ``project``."""
    store.users.unbind(name, project, actor)
    return {"name": name, "project": project, "actor": actor}


def audit_entries(store: Store, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The audit log, latest first."""
    return store.audit.entries(limit, offset)
