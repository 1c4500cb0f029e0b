"""API tokens of a store's users: session and bearer tokens, of which only a SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select

from chokepoint.store.database import Database, utc
from chokepoint.store.schema import api_tokens, users


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
        """
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.db.begin() as conn:
            uid = conn.execute(select(users.c.id).where(users.c.name == user)).scalar_one()
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
