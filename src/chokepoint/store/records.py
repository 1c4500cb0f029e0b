"""Matching records of a store's projects: challenges, capability profiles and bids, by kind and key."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from chokepoint.errors import NotFoundError
from chokepoint.store.database import Database
from chokepoint.store.ledger import append_entry
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

    def put(
        self,
        project: str,
        kind: str,
        records: dict[str, dict[str, Any]],
        logged_by: str | None = None,
        guard: tuple[str, str, Callable[[dict[str, Any]], None]] | None = None,
    ) -> None:
        """Insert or replace records of ``kind`` by key, in one transaction.

        Parameters
        ----------
        project : str
            The project.
        kind : str
            ``challenge``, ``profile`` or ``bid``.
        records : dict
            The bodies by key; a stored record with the same key is replaced.
        logged_by : str, optional
            When given, each record is also appended to the project's tamper-evident log as
            written by this user, in the same transaction.
        guard : (kind, key, check), optional
            Write only while record ``(kind, key)`` passes ``check(body)`` (which raises to
            refuse), holding that record's row for the transaction: a bid cannot land between
            its challenge's check and a concurrent award.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        NotFoundError
            When the guard's record is not stored.
        (and whatever the guard's ``check`` raises: then nothing is written)
        """
        now = datetime.now(UTC)

        def work(conn: Connection) -> None:  # a concurrent first write of a key: the retry replaces it
            pid = self.db.project_id(conn, project)
            if logged_by is not None or guard is not None:  # the log's lock first (deadlocks)
                self.db.lock_project(conn, pid)
            if guard is not None:
                self._check_guard(conn, pid, project, *guard)
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
                if logged_by is not None:
                    append_entry(self.db, conn, pid, logged_by, kind, key, body)

        self.db.write(work)

    @staticmethod
    def _check_guard(
        conn: Connection, pid: int, project: str, kind: str, key: str, check: Callable[[dict[str, Any]], None]
    ) -> None:
        where = (
            (match_records.c.project_id == pid)
            & (match_records.c.kind == kind)
            & (match_records.c.key == key)
        )
        text = conn.execute(select(match_records.c.body).where(where).with_for_update()).scalar()
        if text is None:
            raise NotFoundError(f"no {kind} {key!r} in project {project!r}")
        check(json.loads(text))

    def add_numbered(
        self,
        project: str,
        kind: str,
        prefix: str,
        body: dict[str, Any],
        width: int = 4,
        logged_by: str | None = None,
    ) -> str:
        """Store ``body`` under the next free key ``<prefix><number>`` (``C0001``, ``C0002``...)
        and return the key. Concurrent adds each get their own key: the number is read and the
        row inserted in one transaction, run again when another writer took the number first;
        with ``logged_by``, the record is appended to the project's log in that transaction.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        text = json.dumps(body, ensure_ascii=False)

        def work(conn: Connection) -> str:
            pid = self.db.project_id(conn, project)
            if logged_by is not None:  # the log's lock first: taken later, two writers deadlock
                self.db.lock_project(conn, pid)
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
            if logged_by is not None:
                append_entry(self.db, conn, pid, logged_by, kind, key, body)
            return key

        return self.db.write(work, attempts=50)

    def update(
        self,
        project: str,
        kind: str,
        key: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
        logged_by: str | None = None,
        missing: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Replace record ``key`` by ``change(body)`` in one transaction, holding the record's row
        (``FOR UPDATE``; SQLite's writer lock) so that concurrent updates apply one after the
        other, each to the other's outcome; logged as by ``logged_by`` when given. The new body.

        With ``missing``, a record not stored yet is created as ``change(missing)`` in that
        transaction (an upsert: two concurrent first writers serialise on the project's lock, and
        one that loses the insert runs again on the other's record, so neither change is lost).

        Raises
        ------
        NotFoundError
            When the project holds no such record (and ``missing`` is not given).
        ProjectNotFoundError
            When there is no such project.
        (and whatever ``change`` raises: then nothing is written)
        """

        def work(conn: Connection) -> dict[str, Any]:
            pid = self.db.project_id(conn, project)
            if logged_by is not None or missing is not None:  # the log's lock first (deadlocks)
                self.db.lock_project(conn, pid)
            where = (
                (match_records.c.project_id == pid)
                & (match_records.c.kind == kind)
                & (match_records.c.key == key)
            )
            text = conn.execute(select(match_records.c.body).where(where).with_for_update()).scalar()
            if text is None and missing is None:
                raise NotFoundError(f"no {kind} {key!r} in project {project!r}")
            body = change(json.loads(text) if text is not None else dict(missing or {}))
            values = {"body": json.dumps(body, ensure_ascii=False), "updated_at": datetime.now(UTC)}
            if text is None:
                conn.execute(insert(match_records).values(project_id=pid, kind=kind, key=key, **values))
            else:
                conn.execute(update(match_records).where(where).values(**values))
            if logged_by is not None:
                append_entry(self.db, conn, pid, logged_by, kind, key, body)
            return body

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
