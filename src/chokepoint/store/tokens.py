"""API tokens of a store's users: session and bearer tokens, of which only a SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, insert, select

from chokepoint.errors import NotFoundError, UsageError
from chokepoint.store.database import Database, Rows, utc
from chokepoint.store.schema import api_tokens, users

#: the most unexpired bearer tokens one user may hold (revoke one to make another)
MAX_BEARER_TOKENS = 20
#: characters of a token's hash that name it in listings and revocations (never the token)
TOKEN_ID_LENGTH = 16


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRepository:
    """Tokens that stand for a user until they expire or are revoked.

    Parameters
    ----------
    db : Database
        The database the users live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def create(self, user: str, kind: str = "session", ttl: timedelta = timedelta(hours=12)) -> str:
        """A new random token for ``user``, stored hashed.

        Parameters
        ----------
        user : str
            An existing user's name.
        kind : str
            ``session`` (login cookie) or ``bearer``.
        ttl : timedelta
            How long the token is valid.

        Returns
        -------
        str
            The token (returned once: the store keeps only its hash).

        Raises
        ------
        UsageError
            When the user already holds :data:`MAX_BEARER_TOKENS` unexpired bearer tokens.
        """
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.db.begin() as conn:
            # the user's row locked (PostgreSQL): concurrent creations count one after another
            uid = conn.execute(select(users.c.id).where(users.c.name == user).with_for_update()).scalar_one()
            conn.execute(
                delete(api_tokens).where(and_(api_tokens.c.user_id == uid, api_tokens.c.expires_at < now))
            )
            if kind == "bearer":
                held = conn.execute(
                    select(func.count()).where(
                        and_(api_tokens.c.user_id == uid, api_tokens.c.kind == "bearer")
                    )
                ).scalar_one()
                if held >= MAX_BEARER_TOKENS:
                    raise UsageError(
                        f"{user!r} holds {held} bearer tokens, the most allowed: revoke one first "
                        "(GET /api/tokens, DELETE /api/tokens/{id})"
                    )
            conn.execute(
                insert(api_tokens).values(
                    token_hash=_digest(token), user_id=uid, kind=kind, created_at=now, expires_at=now + ttl
                )
            )
        return token

    def user_for(self, token: str) -> tuple[str, str] | None:
        """``(name, role)`` of the enabled user holding this unexpired token, else None."""
        with self.db.connect() as conn:
            row = conn.execute(
                select(users.c.name, users.c.role, users.c.disabled, api_tokens.c.expires_at)
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(api_tokens.c.token_hash == _digest(token))
            ).first()
        if row is None or row.disabled or utc(row.expires_at) < datetime.now(UTC):
            return None
        return str(row.name), str(row.role)

    def revoke(self, token: str) -> None:
        """Delete the token (nothing when it is unknown)."""
        with self.db.begin() as conn:
            conn.execute(delete(api_tokens).where(api_tokens.c.token_hash == _digest(token)))

    def list(self, user: str) -> Rows:
        """The user's unexpired tokens, newest first: ``id`` (the start of the token's hash),
        ``kind``, ``created_at``, ``expires_at``.
        """
        now = datetime.now(UTC)
        with self.db.connect() as conn:
            rows = conn.execute(
                select(
                    api_tokens.c.token_hash,
                    api_tokens.c.kind,
                    api_tokens.c.created_at,
                    api_tokens.c.expires_at,
                )
                .join(users, api_tokens.c.user_id == users.c.id)
                .where(users.c.name == user)
                .order_by(api_tokens.c.created_at.desc())
            ).all()
        return [
            {
                "id": r.token_hash[:TOKEN_ID_LENGTH],
                "kind": r.kind,
                "created_at": utc(r.created_at).isoformat(timespec="seconds"),
                "expires_at": utc(r.expires_at).isoformat(timespec="seconds"),
            }
            for r in rows
            if utc(r.expires_at) >= now
        ]

    def revoke_id(self, user: str, token_id: str) -> None:
        """Revoke the user's token named ``token_id`` (see :meth:`list`).

        Raises
        ------
        NotFoundError
            When the user holds no such token.
        """
        if len(token_id) != TOKEN_ID_LENGTH or not all(c in "0123456789abcdef" for c in token_id):
            raise NotFoundError(f"no token {token_id!r} of {user!r} (see GET /api/tokens)")
        with self.db.begin() as conn:
            uid = conn.execute(select(users.c.id).where(users.c.name == user)).scalar()
            gone = conn.execute(
                delete(api_tokens).where(
                    and_(api_tokens.c.user_id == uid, api_tokens.c.token_hash.startswith(token_id))
                )
            ).rowcount
        if not gone:
            raise NotFoundError(f"no token {token_id!r} of {user!r} (see GET /api/tokens)")
