"""Saved scenarios of a store's projects: one JSON body per project and name."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from chokepoint.errors import NotFoundError, UsageError
from chokepoint.store.database import Database
from chokepoint.store.schema import scenarios


class ScenarioRepository:
    """The saved scenarios of each project; every write is one transaction.

    Parameters
    ----------
    db : Database
        The database the projects live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def save(self, project: str, name: str, body: dict[str, Any]) -> None:
        """Store (or replace) a scenario body under ``name`` in ``project``.

        Raises
        ------
        UsageError
            When ``name`` is empty.
        ProjectNotFoundError
            When there is no such project.
        """
        if not name.strip():
            raise UsageError("the scenario name is empty")
        now = datetime.now(UTC)
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)

        def work(conn: Connection) -> None:
            pid = self.db.project_id(conn, project)
            where = (scenarios.c.project_id == pid) & (scenarios.c.name == name)
            if conn.execute(select(scenarios.c.name).where(where)).first() is None:
                values = {"project_id": pid, "name": name, "body": text, "created_at": now, "updated_at": now}
                conn.execute(insert(scenarios).values(**values))
            else:
                conn.execute(update(scenarios).where(where).values(body=text, updated_at=now))

        self.db.write(work)  # a concurrent first save of the same name: the retry updates it

    def names(self, project: str) -> list[str]:
        """The names of the project's saved scenarios, sorted."""
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = select(scenarios.c.name).where(scenarios.c.project_id == pid).order_by(scenarios.c.name)
            return list(conn.execute(q).scalars())

    def load(self, project: str, name: str) -> dict[str, Any]:
        """The body of saved scenario ``name``.

        Raises
        ------
        NotFoundError
            When the project has no scenario of that name (the message lists the saved ones).
        ProjectNotFoundError
            When there is no such project.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            where = (scenarios.c.project_id == pid) & (scenarios.c.name == name)
            body = conn.execute(select(scenarios.c.body).where(where)).scalar()
        if body is None:
            names = self.names(project)
            hint = (
                f"; saved scenarios: {', '.join(names)}" if names else "; the project has no saved scenario"
            )
            raise NotFoundError(f"no scenario named {name!r} in project {project!r}{hint}")
        data: dict[str, Any] = json.loads(body)
        return data

    def delete(self, project: str, name: str) -> None:
        """Delete saved scenario ``name``.

        Raises
        ------
        NotFoundError
            When the project has no scenario of that name.
        ProjectNotFoundError
            When there is no such project.
        """
        self.load(project, name)
        with self.db.begin() as conn:
            pid = self.db.project_id(conn, project)
            conn.execute(
                delete(scenarios).where((scenarios.c.project_id == pid) & (scenarios.c.name == name))
            )
