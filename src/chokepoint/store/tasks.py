"""Joint R&D tasks (联合攻关任务) of a store's projects: stable ids, bodies and statuses."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import Connection, insert, select, update

from chokepoint.errors import NotFoundError, UsageError
from chokepoint.store.database import Database, Rows
from chokepoint.store.schema import tasks


class TaskRepository:
    """The stored tasks of each project; a task keeps its status across refreshes.

    Parameters
    ----------
    db : Database
        The database the projects live in.
    """

    #: Task statuses, in the order a task moves through them.
    STATUSES: ClassVar[tuple[str, ...]] = ("proposed", "active", "done", "dropped")

    def __init__(self, db: Database):
        self.db = db

    def upsert(self, project: str, rows: Iterable[dict[Any, Any]]) -> Rows:
        """Insert new tasks and refresh existing ones in one transaction; keep ids and status.

        Parameters
        ----------
        project : str
            The project.
        rows : iterable of dict
            Task rows, each with ``task_id`` and ``node``; a new task is ``proposed``.

        Returns
        -------
        list of dict
            The rows with their stored ``status``.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        now = datetime.now(UTC)
        rows = list(rows)

        def work(conn: Connection) -> Rows:  # run again when a concurrent refresh inserted first
            out = []
            pid = self.db.project_id(conn, project)
            self.db.lock_project(conn, pid)
            stored = {
                r.task_id: r.status
                for r in conn.execute(
                    select(tasks.c.task_id, tasks.c.status).where(tasks.c.project_id == pid)
                )
            }
            for row in rows:
                body = json.dumps(row, ensure_ascii=False, default=str)
                tid = str(row["task_id"])
                if tid in stored:
                    where = (tasks.c.project_id == pid) & (tasks.c.task_id == tid)
                    conn.execute(update(tasks).where(where).values(body=body, updated_at=now))
                    status = stored[tid]
                else:
                    status = "proposed"
                    values = {
                        "project_id": pid,
                        "task_id": tid,
                        "node": str(row["node"]),
                        "status": status,
                        "body": body,
                        "created_at": now,
                        "updated_at": now,
                    }
                    conn.execute(insert(tasks).values(**values))
                out.append({**row, "status": status})
            return out

        return self.db.write(work)

    def set_status(self, project: str, task_id: str, status: str) -> None:
        """Set a stored task's status (one of :attr:`STATUSES`).

        Raises
        ------
        UsageError
            For an unknown status.
        NotFoundError
            When the project has no task ``task_id``.
        ProjectNotFoundError
            When there is no such project.
        """
        if status not in self.STATUSES:
            raise UsageError(f"unknown status {status!r}; use one of {', '.join(self.STATUSES)}")
        with self.db.begin() as conn:
            pid = self.db.project_id(conn, project)
            where = (tasks.c.project_id == pid) & (tasks.c.task_id == task_id)
            if (
                conn.execute(
                    update(tasks).where(where).values(status=status, updated_at=datetime.now(UTC))
                ).rowcount
                == 0
            ):
                raise NotFoundError(
                    f"no task {task_id!r} in project {project!r} (run `chokepoint lists` first)"
                )

    def list(self, project: str) -> Rows:
        """The stored tasks with ``status``, ``created_at`` and ``updated_at``, by task id.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = select(tasks).where(tasks.c.project_id == pid).order_by(tasks.c.task_id)
            return [
                {
                    **json.loads(r.body),
                    "status": r.status,
                    "created_at": r.created_at.isoformat(timespec="seconds"),
                    "updated_at": r.updated_at.isoformat(timespec="seconds"),
                }
                for r in conn.execute(q)
            ]
