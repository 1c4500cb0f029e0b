"""Run the whole test suite on PostgreSQL: ``pytest --store-backend postgresql``.

With that option (or ``CHOKEPOINT_TEST_BACKEND=postgresql``) and a server named by
``CHOKEPOINT_TEST_PG``, every store a test opens from a file path (``Store(tmp_path / "x.db")``,
``--db x.db``, ``CHOKEPOINT_DB``) opens a schema of that PostgreSQL database instead: one schema
per path (``t_`` + 16 hex of the path's hash), so a test that opens the same path twice sees the
same data, and two tests never share one. The schemas are dropped when the session ends, and
each test's engines are disposed when it ends (a server has a connection limit, a file has not).

Tests that look at the SQLite file itself, or hand a path to a subprocess (which does not carry
this mapping), are marked ``sqlite_only`` and skipped on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

BACKEND_ENV = "CHOKEPOINT_TEST_BACKEND"
PG_ENV = "CHOKEPOINT_TEST_PG"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store-backend",
        choices=["sqlite", "postgresql"],
        default=os.environ.get(BACKEND_ENV, "sqlite"),
        help="database under every store the tests open (postgresql needs CHOKEPOINT_TEST_PG)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: looks at the SQLite file itself; skipped on PostgreSQL")


def on_postgresql(config: pytest.Config) -> bool:
    return bool(config.getoption("--store-backend") == "postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not on_postgresql(config):
        return
    if not os.environ.get(PG_ENV):
        raise pytest.UsageError(f"--store-backend postgresql needs {PG_ENV} (an SQLAlchemy URL of a server)")
    skip = pytest.mark.skip(reason="looks at the SQLite file itself (run on the SQLite pass)")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


class SchemaPerPath:
    """Maps SQLite locations to schemas of one PostgreSQL database and remembers what it made."""

    def __init__(self, server: str) -> None:
        self.server = make_url(server)
        self.admin = create_engine(self.server, pool_size=1, max_overflow=0)
        self.schemas: set[str] = set()
        self.salt = uuid.uuid4().hex[:6]
        self.engines: weakref.WeakSet = weakref.WeakSet()

    def url(self, sqlite_url: str) -> str:
        database = make_url(sqlite_url).database or ""
        key = str(Path(database).resolve()) if database not in ("", ":memory:") else uuid.uuid4().hex
        schema = "t_" + hashlib.sha1(f"{self.salt}:{key}".encode()).hexdigest()[:16]
        if schema not in self.schemas:
            with self.admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
            self.schemas.add(schema)
        return self.server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )

    def dispose_engines(self) -> None:
        for engine in list(self.engines):
            engine.dispose()

    def drop_all(self) -> None:
        self.dispose_engines()
        for schema in sorted(self.schemas):  # one transaction each: a lock per dropped table
            with self.admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        self.admin.dispose()


_MAPPING: SchemaPerPath | None = None
_PATCH = pytest.MonkeyPatch()


def _install(mapping: SchemaPerPath) -> None:
    """Every SQLite location a store resolves becomes a schema of the server: patched before
    collection, so module-level and module-scoped stores land there too."""
    from chokepoint.store import database

    resolve = database.database_url
    create = database.create_engine

    def database_url(location: str | os.PathLike[str] | None = None) -> str:
        url = resolve(location)
        return mapping.url(url) if url.startswith("sqlite") else url

    def create_engine_tracked(*args, **kwargs):  # type: ignore[no-untyped-def]
        engine = create(*args, **kwargs)
        mapping.engines.add(engine)
        return engine

    _PATCH.setattr(database, "database_url", database_url)
    _PATCH.setattr(database, "create_engine", create_engine_tracked)


def pytest_sessionstart(session: pytest.Session) -> None:
    global _MAPPING
    if on_postgresql(session.config) and os.environ.get(PG_ENV):
        _MAPPING = SchemaPerPath(os.environ[PG_ENV])
        _install(_MAPPING)


def pytest_sessionfinish(session: pytest.Session) -> None:
    global _MAPPING
    if _MAPPING is not None:
        _PATCH.undo()
        _MAPPING.drop_all()
        _MAPPING = None


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    """On PostgreSQL: a test's idle pooled connections are closed when it ends."""
    yield
    if _MAPPING is not None:
        _MAPPING.dispose_engines()


def copy_store(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Copy the store at path ``source`` to path ``target`` on the backend of this run (SQLite's
    backup API on SQLite, never a file copy, which would miss what the write-ahead log holds; on PostgreSQL the rows of every table into ``target``'s fresh schema, with
    its sequences moved past the copied ids)."""
    if _MAPPING is None:  # SQLite's online backup: consistent, and holds what is still in the WAL
        import sqlite3
        from contextlib import closing

        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
        return
    from chokepoint.store import Store
    from chokepoint.store.schema import metadata, migrations_table

    src = make_url(_MAPPING.url(f"sqlite:///{source}")).query["options"].split("=", 1)[1]
    dst = Store(target)
    try:
        with dst.database.begin() as conn:
            for table in metadata.sorted_tables:
                if table.name == migrations_table.name:
                    continue
                conn.execute(text(f'INSERT INTO "{table.name}" SELECT * FROM {src}."{table.name}"'))
                for column in table.primary_key.columns:
                    if column.autoincrement is True or (
                        column.autoincrement == "auto" and column.type.python_type is int
                    ):
                        conn.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'), "
                                f'COALESCE((SELECT max("{column.name}") FROM "{table.name}"), 0) + 1, false) '
                                f"WHERE pg_get_serial_sequence('\"{table.name}\"', '{column.name}') IS NOT NULL"
                            )
                        )
    finally:
        dst.close()


def store_location(path: str | os.PathLike[str]) -> str:
    """What to hand a subprocess as ``--db`` for the store a test opens at ``path``: the path on
    SQLite, the schema's URL on PostgreSQL (a subprocess does not carry this module's mapping)."""
    return str(path) if _MAPPING is None else _MAPPING.url(f"sqlite:///{path}")
