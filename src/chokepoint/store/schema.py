"""SQLAlchemy 2 schema of the store, generated from the exchange-format columns.

Portable types only (no SQLite-only SQL), so the same schema runs on PostgreSQL.
List columns are stored as JSON text; every table row keeps its position
(``pos``) so a chain loads back in the order it was saved.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from chokepoint.model.schema import TABLES

metadata = MetaData()

migrations_table = Table(
    "chokepoint_migrations",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("meta", Text, nullable=False, default="{}"),
    Column("perspective", Text, nullable=True),
    UniqueConstraint("name", name="uq_projects_name"),
)

_SQL_TYPES = {"str": Text, "float": Double, "int": Integer, "list": Text}


def _chain_table(name: str) -> Table:
    cols = [
        Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        Column("pos", Integer, primary_key=True, autoincrement=False),
    ]
    for c in TABLES[name]:
        cols.append(Column(f"c_{c.name}", _SQL_TYPES[c.type], nullable=not c.required))
    return Table(f"chain_{name}", metadata, *cols)


chain_tables: dict[str, Table] = {name: _chain_table(name) for name in TABLES}

#: Saved scenarios (migration 002): one JSON body per (project, name).
scenarios = Table(
    "scenarios",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


#: Joint R&D tasks (migration 003): stable ids, status and partners kept across list runs.
tasks = Table(
    "tasks",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", String(200), primary_key=True),
    Column("node", String(200), nullable=False),
    Column("status", String(40), nullable=False, default="proposed"),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
