"""Store methods for API access: session and bearer tokens, and the audit log."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from chokepoint.store.schema import api_tokens, audit_log, users


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class AccessMixin:
    """Tokens (only their SHA-256 is stored) and the audit log."""

    engine: Engine

    def create_token(self, user: str, kind: str = "session", ttl: timedelta = timedelta(hours=12)) -> str:
        """A new random token for ``user``; returned once, stored hashed."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            uid = conn.execute(select(users.c.id).where(users.c.name == user)).scalar_one()
            conn.execute(
                insert(api_tokens).values(
                    token_hash=_digest(token), user_id=uid, kind=kind, created_at=now, expires_at=now + ttl
                )
            )
        return token

    def user_for_token(self, token: str) -> tuple[str, str] | None:
        """``(name, role)`` of an enabled user holding this unexpired token, else None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users.c.name, users.c.role, users.c.disabled, api_tokens.c.expires_at)
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(api_tokens.c.token_hash == _digest(token))
            ).first()
        if row is None or row.disabled or _aware(row.expires_at) < datetime.now(UTC):
            return None
        return str(row.name), str(row.role)

    def revoke_token(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(api_tokens).where(api_tokens.c.token_hash == _digest(token)))

    def count_users(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def record_audit(
        self,
        user: str,
        method: str,
        path: str,
        status: int,
        action: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """One audit row: who, what (method, path, action), when, and before/after identifiers."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(audit_log).values(
                    at=datetime.now(UTC),
                    user=user,
                    method=method,
                    path=path,
                    status=status,
                    action=action,
                    before=None if before is None else json.dumps(before, ensure_ascii=False, default=str),
                    after=None if after is None else json.dumps(after, ensure_ascii=False, default=str),
                )
            )

    def audit_entries(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
            rows = conn.execute(q).mappings().all()
        out = []
        for r in rows:
            d = dict(r)
            d["at"] = _aware(d["at"]).isoformat(timespec="seconds")
            for k in ("before", "after"):
                d[k] = json.loads(d[k]) if d[k] else None
            out.append(d)
        return out
