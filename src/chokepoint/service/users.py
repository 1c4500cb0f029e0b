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

from chokepoint.errors import AccessDeniedError, AuthenticationError, TooManyAttemptsError
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
    """Every user with role, state, bindings (``project_id:actor``) and organisation unit (or None)."""
    units = store.reporting.units()
    return [{**u, "unit": units.get(u["name"])} for u in store.users.list()]


def set_password(
    store: Store, name: str, password: str, *, by: str | None = None, current: str | None = None
) -> dict[str, str]:
    """Change ``name``'s password and end its sessions and tokens.

    ``by`` (the acting user, when not local access) must be an admin or ``name`` itself; a user
    changing its own password gives its ``current`` one too. Local access (the command line's
    operator, ``by=None``) needs neither.

    Raises
    ------
    AccessDeniedError
        When ``by`` may not change ``name``'s password, or ``current`` is missing or wrong.
    UsageError
        When the new password is too short.
    """
    if by is not None and by != name:
        acting = store.users.get(by)
        if acting.role != "admin" or acting.disabled:
            raise AccessDeniedError("you may change only your own password")
    elif by is not None and not (current and store.users.verify_password(name, current)):
        raise AccessDeniedError("give your current password (current_password) to change it")
    store.users.set_password(name, password)
    return {"name": name}


def login(store: Store, username: str, password: str, address: str) -> str:
    """Check ``username``'s password and return a new session token.

    Throttled (:mod:`chokepoint.store.logins`): an account or an address with too many recent
    failures waits, whatever the password; every failure is recorded by the name tried.

    Raises
    ------
    TooManyAttemptsError
        During a lockout (also the failure that starts one).
    AuthenticationError
        For a wrong user name or password (the same message for both).
    """
    wait = store.logins.blocked_for(username, address)
    if wait:
        raise TooManyAttemptsError(f"too many failed logins: try again in {wait} s", wait)
    if not store.users.verify_password(username, password):
        wait = store.logins.failed(username, address)
        if wait:
            raise TooManyAttemptsError(f"too many failed logins: try again in {wait} s", wait)
        raise AuthenticationError("wrong user name or password")
    store.logins.succeeded(username)
    return store.tokens.create(username, "session")


def list_tokens(store: Store, user: str) -> list[dict[str, Any]]:
    """The user's unexpired sessions and bearer tokens (id, kind, dates), newest first."""
    return store.tokens.list(user)


def revoke_token(store: Store, user: str, token_id: str) -> dict[str, str]:
    """Revoke the user's token ``token_id`` (an id of :func:`list_tokens`)."""
    store.tokens.revoke_id(user, token_id)
    return {"revoked": token_id}


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
