"""Warning rules of a store's projects, with the history of every change."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from chokepoint.store.database import Database, Rows
from chokepoint.store.schema import rule_history, rules


class RuleRepository:
    """The rules of each project (validated bodies, by rule id) and who changed them when.

    Parameters
    ----------
    db : Database
        The database the projects live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def put(self, project: str, bodies: Iterable[dict[str, Any]], user: str = "cli") -> dict[str, int]:
        """Insert or update rules by id in one transaction, recording each change in the history.

        Parameters
        ----------
        project : str
            The project.
        bodies : iterable of dict
            Validated rule bodies, each with its ``id``.
        user : str
            Who made the change (recorded in the history).

        Returns
        -------
        dict
            Counts ``created``, ``updated`` and ``unchanged``.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        now = datetime.now(UTC)
        bodies = list(bodies)

        def work(conn: Connection) -> dict[str, int]:  # run again whole when a concurrent writer won a key
            counts = {"created": 0, "updated": 0, "unchanged": 0}
            pid = self.db.project_id(conn, project)
            for body in bodies:
                text = json.dumps(body, ensure_ascii=False, sort_keys=True)
                key = and_(rules.c.project_id == pid, rules.c.rule_id == body["id"])
                old = conn.execute(select(rules.c.body).where(key)).scalar()
                if old == text:
                    counts["unchanged"] += 1
                    continue
                if old is None:
                    conn.execute(
                        insert(rules).values(project_id=pid, rule_id=body["id"], body=text, updated_at=now)
                    )
                    action = "created"
                else:
                    conn.execute(update(rules).where(key).values(body=text, updated_at=now))
                    action = "updated"
                counts[action] += 1
                conn.execute(
                    insert(rule_history).values(
                        project_id=pid,
                        rule_id=body["id"],
                        action=action,
                        body=text,
                        changed_by=user,
                        changed_at=now,
                    )
                )
            return counts

        return self.db.write(work)

    def history(self, project: str) -> Rows:
        """Every change of the project's rules, oldest first: ``rule_id``, ``action``, who, when."""
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = select(rule_history).where(rule_history.c.project_id == pid).order_by(rule_history.c.id)
            return [
                {
                    "rule_id": r.rule_id,
                    "action": r.action,
                    "changed_by": r.changed_by,
                    "changed_at": r.changed_at.isoformat(timespec="seconds"),
                }
                for r in conn.execute(q)
            ]

    def list(self, project: str) -> Rows:
        """The project's rule bodies, by rule id."""
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = select(rules.c.body).where(rules.c.project_id == pid).order_by(rules.c.rule_id)
            return [json.loads(b) for b in conn.execute(q).scalars()]
