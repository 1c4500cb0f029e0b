"""The audit log of a store: who changed what through the API, and when."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from chokepoint.store.database import Database, Rows, utc
from chokepoint.store.schema import audit_log


class AuditRepository:
    """Audit rows, one per write request.

    Parameters
    ----------
    db : Database
        The database the log lives in.
    """

    def __init__(self, db: Database):
        self.db = db

    def record(
        self,
        user: str,
        method: str,
        path: str,
        status: int,
        action: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Add one audit row: who, what (method, path, action), when, and before/after identifiers.

        Parameters
        ----------
        user : str
            The acting user (``anonymous`` when none).
        method, path : str
            The request's HTTP method and path.
        status : int
            The response's HTTP status.
        action : str
            What the request did.
        before, after : optional
            JSON-able identifiers or values before and after the change.
        """
        with self.db.begin() as conn:
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

    def entries(self, limit: int = 100, offset: int = 0) -> Rows:
        """The audit rows, latest first, from ``offset`` on, at most ``limit`` of them."""
        with self.db.connect() as conn:
            q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
            rows = conn.execute(q).mappings().all()
        out = []
        for r in rows:
            d = dict(r)
            d["at"] = utc(d["at"]).isoformat(timespec="seconds")
            for k in ("before", "after"):
                d[k] = json.loads(d[k]) if d[k] else None
            out.append(d)
        return out
