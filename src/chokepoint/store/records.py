"""Matching records of a store's projects: challenges, capability profiles and bids, by kind and key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from chokepoint.store.database import Database
from chokepoint.store.schema import match_records


class RecordRepository:
    """JSON records of each project, one body per (kind, key): ``challenge``, ``profile``, ``bid``.

    Parameters
    ----------
    db : Database
        The database the projects live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def put(self, project: str, kind: str, records: dict[str, dict[str, Any]]) -> None:
        """Insert or replace records of ``kind`` by key, in one transaction.

        Parameters
        ----------
        project : str
            The project.
        kind : str
            ``challenge``, ``profile`` or ``bid``.
        records : dict
            The bodies by key; a stored record with the same key is replaced.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        now = datetime.now(UTC)

        def work(conn: Connection) -> None:  # a concurrent first write of a key: the retry replaces it
            pid = self.db.project_id(conn, project)
            for key, body in records.items():
                where = (
                    (match_records.c.project_id == pid)
                    & (match_records.c.kind == kind)
                    & (match_records.c.key == key)
                )
                conn.execute(delete(match_records).where(where))
                conn.execute(
                    insert(match_records).values(
                        project_id=pid,
                        kind=kind,
                        key=key,
                        body=json.dumps(body, ensure_ascii=False),
                        updated_at=now,
                    )
                )

        self.db.write(work)

    def add_numbered(self, project: str, kind: str, prefix: str, body: dict[str, Any], width: int = 4) -> str:
        """Store ``body`` under the next free key ``<prefix><number>`` (``C0001``, ``C0002``...)
        and return the key. Concurrent adds each get their own key: the number is read and the
        row inserted in one transaction, run again when another writer took the number first.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        text = json.dumps(body, ensure_ascii=False)

        def work(conn: Connection) -> str:
            pid = self.db.project_id(conn, project)
            keys = conn.execute(
                select(match_records.c.key).where(
                    (match_records.c.project_id == pid)
                    & (match_records.c.kind == kind)
                    & match_records.c.key.startswith(prefix)
                )
            ).scalars()
            numbers = [int(k[len(prefix) :]) for k in keys if k[len(prefix) :].isdigit()]
            key = f"{prefix}{max(numbers, default=0) + 1:0{width}d}"
            conn.execute(
                insert(match_records).values(
                    project_id=pid, kind=kind, key=key, body=text, updated_at=datetime.now(UTC)
                )
            )
            return key

        return self.db.write(work, attempts=50)

    def get(self, project: str, kind: str) -> dict[str, dict[str, Any]]:
        """Every record of ``kind`` in the project: the bodies by key, sorted by key.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = (
                select(match_records.c.key, match_records.c.body)
                .where((match_records.c.project_id == pid) & (match_records.c.kind == kind))
                .order_by(match_records.c.key)
            )
            return {k: json.loads(b) for k, b in conn.execute(q)}
