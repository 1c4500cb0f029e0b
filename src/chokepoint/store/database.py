"""The database under a store: engine, location, migrations, and what every repository shares.

The database is chosen by, in order: the ``location`` argument (a path or an SQLAlchemy URL),
the ``CHOKEPOINT_DB`` environment variable, or ``chokepoint.db`` under the user's data
directory. Opening one applies the pending migrations (:data:`MIGRATIONS`).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

from platformdirs import user_data_dir
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    insert,
    inspect,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from chokepoint.errors import ProjectNotFoundError
from chokepoint.limits import check_time_limit
from chokepoint.store.schema import (
    MONITORING_TABLES,
    NETWORK_TABLES,
    api_tokens,
    audit_log,
    chain_tables,
    expert_scores,
    indicator_systems,
    io_datasets,
    ledger_entries,
    login_failures,
    match_records,
    materials_datasets,
    metadata,
    migrations_table,
    projects,
    region_values,
    regions,
    scenarios,
    tasks,
    trade_datasets,
)

T = TypeVar("T")

ENV_VAR = "CHOKEPOINT_DB"

#: Rows as most reads return them: one JSON-like dict per row.
Rows: TypeAlias = list[dict[str, Any]]


def default_database_path() -> Path:
    """The default database file.

    Returns
    -------
    Path
        ``chokepoint.db`` in the user's data directory (created when needed).
    """
    return Path(user_data_dir("chokepoint", appauthor=False)) / "chokepoint.db"


def database_url(location: str | os.PathLike[str] | None = None) -> str:
    """Resolve ``--db`` / ``CHOKEPOINT_DB`` / default into an SQLAlchemy URL.

    Parameters
    ----------
    location : path or SQLAlchemy URL, optional
        A URL (anything with ``://``) is returned as is; a path becomes an SQLite URL
        (its folder is created).

    Returns
    -------
    str
        The SQLAlchemy URL.
    """
    loc = str(location) if location is not None else os.environ.get(ENV_VAR) or ""
    if "://" in loc:
        return loc
    path = Path(loc) if loc else default_database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def utc(t: datetime) -> datetime:
    """``t`` as an aware datetime: SQLite gives stored datetimes back naive (they are UTC)."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)


# ------------------------------------------------------------------ migrations
def _m001_initial(conn: Connection) -> None:
    metadata.create_all(conn, tables=[projects, *chain_tables.values()])


def _m002_scenarios(conn: Connection) -> None:
    metadata.create_all(conn, tables=[scenarios])


def _m003_tasks(conn: Connection) -> None:
    metadata.create_all(conn, tables=[tasks])


def _m004_monitoring(conn: Connection) -> None:
    metadata.create_all(conn, tables=MONITORING_TABLES)


def _m005_api(conn: Connection) -> None:
    metadata.create_all(conn, tables=[api_tokens, audit_log])


def _m006_io(conn: Connection) -> None:
    metadata.create_all(conn, tables=[io_datasets])


def _m007_trade(conn: Connection) -> None:
    metadata.create_all(conn, tables=[trade_datasets])


def _m008_match(conn: Connection) -> None:
    metadata.create_all(conn, tables=[match_records])


def _m009_experts(conn: Connection) -> None:
    metadata.create_all(conn, tables=[expert_scores])


def _m010_materials(conn: Connection) -> None:
    metadata.create_all(conn, tables=[materials_datasets])


def _m011_alert_level_before(conn: Connection) -> None:
    # a store created after this column joined the schema has it from 004 already
    if "level_before" not in {c["name"] for c in inspect(conn).get_columns("alerts")}:
        conn.execute(text("ALTER TABLE alerts ADD COLUMN level_before VARCHAR(4)"))


def _m012_login_failures(conn: Connection) -> None:
    metadata.create_all(conn, tables=[login_failures])


def _m013_ledger(conn: Connection) -> None:
    metadata.create_all(conn, tables=[ledger_entries])


def _m014_actor_location(conn: Connection) -> None:
    # a store created after this column joined the schema has it from 001 already
    if "c_location" not in {c["name"] for c in inspect(conn).get_columns("chain_actors")}:
        conn.execute(text("ALTER TABLE chain_actors ADD COLUMN c_location TEXT"))


def _m015_regions(conn: Connection) -> None:
    metadata.create_all(conn, tables=[regions, region_values, indicator_systems])


def _m016_network(conn: Connection) -> None:
    metadata.create_all(conn, tables=NETWORK_TABLES)


#: Ordered migrations; append new functions, never edit applied ones.
MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("001_initial", _m001_initial),
    ("002_scenarios", _m002_scenarios),
    ("003_tasks", _m003_tasks),
    ("004_monitoring", _m004_monitoring),
    ("005_api", _m005_api),
    ("006_io", _m006_io),
    ("007_trade", _m007_trade),
    ("008_match", _m008_match),
    ("009_experts", _m009_experts),
    ("010_materials", _m010_materials),
    ("011_alert_level_before", _m011_alert_level_before),
    ("012_login_failures", _m012_login_failures),
    ("013_ledger", _m013_ledger),
    ("014_actor_location", _m014_actor_location),
    ("015_regions", _m015_regions),
    ("016_network", _m016_network),
]


def migrate(engine: Engine) -> list[str]:
    """Apply pending migrations in one transaction.

    Parameters
    ----------
    engine : Engine
        The database to migrate.

    Returns
    -------
    list of str
        The names of the migrations applied now (empty when none was pending).
    """
    applied_now = []
    with engine.begin() as conn:
        migrations_table.create(conn, checkfirst=True)
        done = set(conn.execute(select(migrations_table.c.name)).scalars())
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            fn(conn)
            conn.execute(insert(migrations_table).values(name=name, applied_at=datetime.now(UTC)))
            applied_now.append(name)
    return applied_now


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (the pysqlite recipe), so a write transaction can take the
    # write lock first (_sqlite_begin) instead of upgrading a read lock, which SQLite answers with
    # "database is locked" when two writers meet
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # write-ahead log: readers never block the writer nor the writer them (with the rollback
    # journal, 50 clients reading kept a writer from committing until others timed out)
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    """``BEGIN IMMEDIATE`` for :meth:`Database.begin` (writers queue for the lock), ``BEGIN``
    (deferred) for reads.
    """
    # on the driver's connection itself: through SQLAlchemy's statement machinery BEGIN cost as
    # much as the query it opened (half the time of a cached read under 16 clients)
    statement = "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN"
    conn.connection.driver_connection.execute(statement)  # type: ignore[union-attr]


#: how long an SQLite writer waits for another writer's lock before failing
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: the execution option that marks a connection's transaction as a write
WRITE_OPTION = "chokepoint_write"


#: pooled connections kept open per engine: the API's worker threads (up to 40 at once) would
#: otherwise open and close a connection for every request beyond SQLAlchemy's default five;
#: ``CHOKEPOINT_DB_POOL_SIZE`` sets it (the pool may grow to three times it under load)
POOL_SIZE_VAR = "CHOKEPOINT_DB_POOL_SIZE"
POOL_SIZE = 16


def _pool_options(url: str) -> dict[str, Any]:
    """Queue-pool sizes for a file or server database (in-memory SQLite has its own pool)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        return {}
    size = int(os.environ.get(POOL_SIZE_VAR, POOL_SIZE))
    return {
        "pool_size": size,
        "max_overflow": 2 * size,
        "pool_pre_ping": parsed.get_backend_name() != "sqlite",
    }


class Database:
    """One migrated database: the engine every repository of a store works on.

    Parameters
    ----------
    location : path or SQLAlchemy URL, optional
        ``my.db``, ``sqlite:///my.db`` or ``postgresql+psycopg://...``; default from
        ``CHOKEPOINT_DB`` or the user's data directory (see :func:`database_url`).

    Attributes
    ----------
    url : str
        The SQLAlchemy URL.
    engine : Engine
        The SQLAlchemy engine (SQLite connections have foreign keys switched on).
    """

    def __init__(self, location: str | os.PathLike[str] | None = None):
        self.url = database_url(location)
        self.engine = create_engine(self.url, **_pool_options(self.url))
        self._writers: threading.Lock | nullcontext[None] = nullcontext()
        if self.engine.dialect.name == "sqlite":
            self._writers = threading.Lock()
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        migrate(self.engine)

    def __repr__(self) -> str:
        return f"Database({self.engine.url.render_as_string(hide_password=True)!r})"

    def connect(self) -> Connection:
        """A connection for reads (``with db.connect() as conn: ...``)."""
        return self.engine.connect()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a write transaction, committed when the block ends without an error
        (on SQLite it holds the write lock from its first statement: ``BEGIN IMMEDIATE``, and the
        writers of this process queue on a lock first, so none of them polls SQLite's busy handler
        for a lock another thread of the process holds).
        """
        with self._writers, self.engine.connect() as conn:
            check_time_limit("storing")  # the wait for the writer counts too
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn
                check_time_limit("committing")  # past the limit: roll back, store as before

    def write(self, work: Callable[[Connection], T], attempts: int = 8) -> T:
        """Run ``work(conn)`` in one transaction; when a concurrent writer committed the same
        unique key first (``IntegrityError``), roll back and run it again: it reads what the
        other wrote (a row to update, the next free number). After ``attempts`` the error is
        raised as it is.

        Every read-then-insert of a repository goes through here, so concurrent writers never
        answer 500 for a race and no acknowledged write is lost (``tests/test_concurrency.py``).
        """
        for attempt in range(attempts):
            try:
                with self.begin() as conn:
                    return work(conn)
            except IntegrityError:
                if attempt == attempts - 1:
                    raise
                time.sleep(random.uniform(0.001, 0.01) * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def lock_project(self, conn: Connection, project_id: int) -> None:
        """Hold the project's row until ``conn``'s transaction ends: writers that lock it run
        one after the other (PostgreSQL ``SELECT ... FOR UPDATE``; SQLite takes the database's
        write lock with a no-op update).
        """
        if conn.dialect.name == "postgresql":
            conn.execute(select(projects.c.id).where(projects.c.id == project_id).with_for_update())
        else:
            conn.execute(update(projects).where(projects.c.id == project_id).values(id=projects.c.id))

    def project_id(self, conn: Connection, name: str) -> int:
        """The id of project ``name``.

        Parameters
        ----------
        conn : Connection
            The caller's connection (or transaction).
        name : str
            The project's name.

        Returns
        -------
        int
            The project's id.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project (the message lists the projects there are).
        """
        pid = conn.execute(select(projects.c.id).where(projects.c.name == name)).scalar()
        if pid is None:
            raise ProjectNotFoundError(name, self.project_names(conn))
        return int(pid)

    def project_names(self, conn: Connection) -> list[str]:
        """The names of every project, sorted, read on the caller's connection."""
        return sorted(conn.execute(select(projects.c.name)).scalars())

    def table_names(self) -> list[str]:
        """The names of the database's tables, sorted."""
        return sorted(inspect(self.engine).get_table_names())

    def close(self) -> None:
        """Close every pooled connection (the database stays usable; it reconnects when needed)."""
        self.engine.dispose()
