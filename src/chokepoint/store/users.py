"""Users of a store and their enterprise bindings, as data.

The checks of who may do what are in :mod:`chokepoint.service.users`; every write is one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import Connection, and_, delete, func, insert, select, update

from chokepoint.errors import NotFoundError, UsageError
from chokepoint.monitor.observations import ROLES
from chokepoint.store.chains import ChainRepository
from chokepoint.store.database import Database, Rows
from chokepoint.store.schema import api_tokens, bindings, users

_HASHER = PasswordHasher()
#: hashed once: verified against when a user name is unknown, so a login takes the same time
_DUMMY_HASH = _HASHER.hash("chokepoint: no such user")
#: the shortest password accepted (NIST SP 800-63B: at least 8 characters)
MIN_PASSWORD_LENGTH = 8


def check_password(password: str) -> None:
    """Refuse a password shorter than :data:`MIN_PASSWORD_LENGTH` characters (a clear UsageError)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


@dataclass(frozen=True)
class UserRecord:
    """A stored user as data: name, role, whether disabled, and the actors bound in one project.

    Attributes
    ----------
    name, role : str
        The user's name and role (see :data:`chokepoint.monitor.observations.ROLES`).
    disabled : bool
        Whether the user is disabled.
    actors : frozenset of str
        The actors bound to the user in the project asked for (empty without one).
    """

    name: str
    role: str
    disabled: bool
    actors: frozenset[str] = frozenset()


class UserRepository:
    """Users (argon2 password hashes) and the bindings of reporters to enterprises.

    Parameters
    ----------
    db : Database
        The database the users live in.
    chains : ChainRepository
        The projects' chains (a binding names an actor of one).
    """

    def __init__(self, db: Database, chains: ChainRepository):
        self.db = db
        self.chains = chains

    def add(self, name: str, role: str, password: str) -> None:
        """Create a user; the password is stored as an argon2 hash.

        Raises
        ------
        UsageError
            For an unknown role, an empty name or password, or a name already taken.
        """
        if role not in ROLES:
            raise UsageError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        if not name.strip():
            raise UsageError("a user needs a name")
        check_password(password)

        def work(conn: Connection) -> None:  # run again when a concurrent writer inserted first
            if conn.execute(select(users.c.id).where(users.c.name == name)).first():
                raise UsageError(f"a user named {name!r} already exists")
            conn.execute(
                insert(users).values(
                    name=name,
                    role=role,
                    password_hash=_HASHER.hash(password),
                    disabled=0,
                    created_at=datetime.now(UTC),
                )
            )

        self.db.write(work)

    def _row(self, conn: Connection, name: str) -> Any:
        row = conn.execute(select(users).where(users.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"no user named {name!r} (add one with `chokepoint users add`)")
        return row

    def get(self, name: str, project: str | None = None) -> UserRecord:
        """The user's role, state and (with ``project``) the actors bound to it in that project.

        Raises
        ------
        NotFoundError
            For an unknown user.
        ProjectNotFoundError
            For an unknown project.
        """
        with self.db.connect() as conn:
            u = self._row(conn, name)
            if project is None:
                return UserRecord(u.name, u.role, bool(u.disabled))
            pid = self.db.project_id(conn, project)
            actors = conn.execute(
                select(bindings.c.actor).where(and_(bindings.c.user_id == u.id, bindings.c.project_id == pid))
            ).scalars()
            return UserRecord(u.name, u.role, bool(u.disabled), frozenset(actors))

    def count(self) -> int:
        """The number of users."""
        with self.db.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def set_password(self, name: str, password: str) -> None:
        """Replace a user's password hash and revoke every session and token of the user (one
        transaction: a stolen session ends with the password change).

        Raises
        ------
        UsageError
            When the password is shorter than :data:`MIN_PASSWORD_LENGTH`.
        NotFoundError
            For an unknown user.
        """
        check_password(password)
        with self.db.begin() as conn:
            row = self._row(conn, name)
            conn.execute(
                update(users).where(users.c.name == name).values(password_hash=_HASHER.hash(password))
            )
            conn.execute(delete(api_tokens).where(api_tokens.c.user_id == row.id))

    def disable(self, name: str, disabled: bool = True) -> None:
        """Mark a user disabled, revoking its sessions and tokens (or, with ``disabled=False``,
        enabled again: it logs in anew).

        Raises
        ------
        NotFoundError
            For an unknown user.
        """
        with self.db.begin() as conn:
            row = self._row(conn, name)
            conn.execute(update(users).where(users.c.name == name).values(disabled=int(disabled)))
            if disabled:  # its sessions and tokens end now, and do not come back with --enable
                conn.execute(delete(api_tokens).where(api_tokens.c.user_id == row.id))

    def verify_password(self, name: str, password: str) -> bool:
        """True when the user exists, is enabled and the password matches.

        An unknown or disabled user costs the same argon2 verification as a known one, so the
        answer's time does not tell which user names exist.
        """
        with self.db.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        stored = row.password_hash if row is not None and not row.disabled else None
        try:
            ok = bool(_HASHER.verify(stored or _DUMMY_HASH, password))
        except VerifyMismatchError:
            return False
        return ok and stored is not None

    def bind(self, name: str, project: str, actor: str) -> None:
        """Bind a reporter to an enterprise (or institution) of a project (nothing when bound).

        Raises
        ------
        UsageError
            When ``actor`` is not an enterprise or institution of the project, or the user is
            not a reporter.
        NotFoundError
            For an unknown user.
        ProjectNotFoundError
            For an unknown project.
        """
        chain = self.chains.load(project)
        kinds = dict(zip(chain.actors["id"], chain.actors["kind"], strict=True))
        if kinds.get(actor) not in ("enterprise", "institution"):
            raise UsageError(f"{actor!r} is not an enterprise or institution of project {project!r}")

        def work(conn: Connection) -> None:  # run again when a concurrent bind inserted it first
            u = self._row(conn, name)
            if u.role != "reporter":
                raise UsageError(f"only reporters are bound to enterprises; {name!r} is {u.role}")
            pid = self.db.project_id(conn, project)
            key = and_(bindings.c.user_id == u.id, bindings.c.project_id == pid, bindings.c.actor == actor)
            if conn.execute(select(bindings.c.actor).where(key)).first() is None:
                conn.execute(insert(bindings).values(user_id=u.id, project_id=pid, actor=actor))

        self.db.write(work)

    def unbind(self, name: str, project: str, actor: str) -> None:
        """Remove a reporter's binding to an actor of a project (nothing when there is none).

        Raises
        ------
        NotFoundError
            For an unknown user.
        ProjectNotFoundError
            For an unknown project.
        """
        with self.db.begin() as conn:
            u = self._row(conn, name)
            pid = self.db.project_id(conn, project)
            conn.execute(
                delete(bindings).where(
                    and_(bindings.c.user_id == u.id, bindings.c.project_id == pid, bindings.c.actor == actor)
                )
            )

    def list(self) -> Rows:
        """Every user with ``name``, ``role``, ``disabled`` and ``bindings`` (``project_id:actor``)."""
        with self.db.connect() as conn:
            out = []
            for u in conn.execute(select(users).order_by(users.c.name)):
                bound = conn.execute(
                    select(bindings.c.project_id, bindings.c.actor).where(bindings.c.user_id == u.id)
                )
                out.append(
                    {
                        "name": u.name,
                        "role": u.role,
                        "disabled": bool(u.disabled),
                        "bindings": [f"{p}:{a}" for p, a in bound],
                    }
                )
            return out
