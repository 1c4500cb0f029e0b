"""The tamper-evident log of each project in the store: appends and reads (``chokepoint.ledger``
has the hashing and the verification).

Appends are serialised per project: the appending transaction takes the project's lock
(:meth:`Database.lock_project`), reads the last entry and inserts the next one, so two writers
never link to the same predecessor; the primary key (project, seq) refuses a second entry of a
number anyway. A repository that appends takes the project's lock at the start of its
transaction, before it writes anything: on PostgreSQL a row it inserts first takes a share lock
on the project's row (the foreign key), and two such writers asking for the update lock later
deadlock. Other repositories append inside their own write transactions
(:func:`append_entry`), so a record and its log entry land together or not at all.

The HMAC key comes from ``$CHOKEPOINT_LEDGER_KEY`` (any text; keep it outside the store, like a
password). Without it the log is hash-chained but unanchored.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select

from chokepoint.ledger import GENESIS, LedgerCheck, canonical_json, entry_hash, entry_mac, verify_entries
from chokepoint.store.database import Database, Rows
from chokepoint.store.schema import ledger_entries, projects

KEY_VAR = "CHOKEPOINT_LEDGER_KEY"


def ledger_secret() -> bytes | None:
    """The configured HMAC key (``$CHOKEPOINT_LEDGER_KEY``), or ``None``."""
    value = os.environ.get(KEY_VAR, "")
    return value.encode("utf-8") if value else None


def append_entry(
    db: Database, conn: Connection, project_id: int, user: str, kind: str, key: str, body: Any
) -> dict[str, Any]:
    """Append one entry to a project's log inside the caller's write transaction ``conn``.

    Parameters
    ----------
    db : Database
        The store's database (for the project lock).
    conn : Connection
        A write transaction; the entry commits or rolls back with it.
    project_id : int
        The project.
    user : str
        Who appends (the acting user).
    kind, key : str
        What is recorded and its key (``bid``, ``C0001:P115``).
    body : JSON-able
        The recorded content.

    Returns
    -------
    dict
        The entry as stored.
    """
    db.lock_project(conn, project_id)
    last = conn.execute(
        select(ledger_entries.c.seq, ledger_entries.c.hash)
        .where(ledger_entries.c.project_id == project_id)
        .order_by(ledger_entries.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (int(last.seq) + 1, str(last.hash)) if last is not None else (1, GENESIS)
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    text = canonical_json(body)
    digest = entry_hash(seq, at, user, kind, key, text, prev)
    secret = ledger_secret()
    row = {
        "project_id": project_id,
        "seq": seq,
        "at": at,
        "user": user,
        "kind": kind,
        "key": key,
        "body": text,
        "prev_hash": prev,
        "hash": digest,
        "mac": entry_mac(secret, digest) if secret is not None else None,
    }
    conn.execute(insert(ledger_entries).values(**row))
    return row


def ledger_heads(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every project's head read on ``conn``: ``{project: {"seq": n, "hash": h}}``."""
    last = (
        select(ledger_entries.c.project_id, func.max(ledger_entries.c.seq).label("seq"))
        .group_by(ledger_entries.c.project_id)
        .subquery()
    )
    q = (
        select(projects.c.name, ledger_entries.c.seq, ledger_entries.c.hash)
        .join(
            last,
            and_(ledger_entries.c.project_id == last.c.project_id, ledger_entries.c.seq == last.c.seq),
        )
        .join(projects, projects.c.id == ledger_entries.c.project_id)
    )
    return {str(n): {"seq": int(seq), "hash": str(h)} for n, seq, h in conn.execute(q)}


class LedgerRepository:
    """The log of each project: append, read, verify.

    Parameters
    ----------
    db : Database
        The database the projects live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def append(self, project: str, user: str, kind: str, key: str, body: Any) -> dict[str, Any]:
        """Append one entry in its own transaction; the entry as stored.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """

        def work(conn: Connection) -> dict[str, Any]:
            return append_entry(self.db, conn, self.db.project_id(conn, project), user, kind, key, body)

        return self.db.write(work)

    def entries(self, project: str, kind: str | None = None, key: str | None = None) -> Rows:
        """The project's entries in sequence order (``body`` as stored text), optionally of one
        ``kind`` and ``key``.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = select(ledger_entries).where(ledger_entries.c.project_id == pid)
            if kind is not None:
                q = q.where(ledger_entries.c.kind == kind)
            if key is not None:
                q = q.where(ledger_entries.c.key == key)
            rows = conn.execute(q.order_by(ledger_entries.c.seq)).mappings().all()
        return [{k: v for k, v in r.items() if k != "project_id"} for r in rows]

    def heads(self) -> dict[str, dict[str, Any]]:
        """Every project's head: ``{project: {"seq": n, "hash": h}}`` (projects with entries)."""
        with self.db.connect() as conn:
            return ledger_heads(conn)

    def verify(self, project: str, expect_head: tuple[int, str] | None = None) -> LedgerCheck:
        """Verify the project's log with the configured key (:func:`chokepoint.ledger.verify_entries`).

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        return verify_entries(self.entries(project), ledger_secret(), expect_head)
