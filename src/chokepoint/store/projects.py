"""Projects of a store: their names, sizes, versions, renames, deletes and default perspectives."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from chokepoint.errors import ProjectExistsError, ProjectNotFoundError, UsageError
from chokepoint.store.database import Database
from chokepoint.store.schema import (
    MONITORING_TABLES,
    chain_tables,
    match_records,
    projects,
    scenarios,
    tasks,
)


@dataclass(frozen=True)
class ProjectInfo:
    """One row of ``chokepoint projects list``.

    Attributes
    ----------
    name : str
        The project's name.
    created_at, updated_at : str
        ISO dates to the second.
    nodes, actors, provisions : int
        The chain's size (nodes without stages, as in ``chokepoint info``).
    title : str
        The chain's ``meta`` title (empty when none).
    """

    name: str
    created_at: str
    updated_at: str
    nodes: int
    actors: int
    provisions: int
    title: str

    def to_dict(self) -> dict[str, Any]:
        """The row as a plain dict."""
        return dict(self.__dict__)


class ProjectRepository:
    """The projects of one database (their chains are :class:`~chokepoint.store.chains.ChainRepository`).

    Parameters
    ----------
    db : Database
        The database the projects live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def names(self) -> list[str]:
        """The names of every project, sorted."""
        with self.db.connect() as conn:
            return self.db.project_names(conn)

    def exists(self, name: str) -> bool:
        """Whether there is a project ``name``."""
        return name in self.names()

    def infos(self) -> list[ProjectInfo]:
        """Every project with its size and dates, sorted by name."""
        out = []
        with self.db.connect() as conn:
            for row in conn.execute(select(projects).order_by(projects.c.name)):
                counts = {}
                for t in ("nodes", "actors", "provisions"):
                    tab = chain_tables[t]
                    query = select(func.count()).select_from(tab).where(tab.c.project_id == row.id)
                    if t == "nodes":  # stages are counted apart, as in `chokepoint info`
                        query = query.where(tab.c.c_kind != "stage")
                    counts[t] = conn.execute(query).scalar_one()
                meta = json.loads(row.meta or "{}")
                out.append(
                    ProjectInfo(
                        name=row.name,
                        created_at=row.created_at.isoformat(timespec="seconds"),
                        updated_at=row.updated_at.isoformat(timespec="seconds"),
                        nodes=counts["nodes"],
                        actors=counts["actors"],
                        provisions=counts["provisions"],
                        title=meta.get("title", ""),
                    )
                )
        return out

    def version(self, name: str) -> str:
        """A key that changes whenever the project's chain is saved (for caches).

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        with self.db.connect() as conn:
            row = conn.execute(
                select(projects.c.id, projects.c.updated_at).where(projects.c.name == name)
            ).first()
        if row is None:
            raise ProjectNotFoundError(name, self.names())
        return f"{row.id}:{row.updated_at.isoformat()}"

    def rename(self, old: str, new: str) -> None:
        """Rename project ``old`` to ``new`` (renaming to itself changes nothing).

        Raises
        ------
        UsageError
            When ``new`` is empty.
        ProjectNotFoundError
            When there is no project ``old``.
        ProjectExistsError
            When another project is named ``new``.
        """
        if not new.strip():
            raise UsageError("the new project name is empty")
        with self.db.begin() as conn:
            pid = self.db.project_id(conn, old)
            if new != old and new in self.db.project_names(conn):
                raise ProjectExistsError(new)
            conn.execute(
                update(projects).where(projects.c.id == pid).values(name=new, updated_at=datetime.now(UTC))
            )

    def delete(self, name: str) -> None:
        """Delete the project and everything stored for it, in one transaction.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        with self.db.begin() as conn:
            pid = self.db.project_id(conn, name)
            per_project = [t for t in MONITORING_TABLES if "project_id" in t.c]
            for tab in [*chain_tables.values(), scenarios, tasks, match_records, *per_project]:
                conn.execute(delete(tab).where(tab.c.project_id == pid))
            conn.execute(delete(projects).where(projects.c.id == pid))

    def get_perspective(self, name: str) -> dict[str, Any] | None:
        """The project's stored default perspective (a plain dict), or None.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, name)
            raw = conn.execute(select(projects.c.perspective).where(projects.c.id == pid)).scalar()
        return json.loads(raw) if raw else None

    def set_perspective(self, name: str, body: dict[str, Any] | None) -> None:
        """Store ``body`` as the project's default perspective (``None`` clears it).

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        with self.db.begin() as conn:
            pid = self.db.project_id(conn, name)
            conn.execute(
                update(projects)
                .where(projects.c.id == pid)
                .values(
                    perspective=None if body is None else json.dumps(body, ensure_ascii=False),
                    updated_at=datetime.now(UTC),
                )
            )
