"""The store: named projects (chain maps, perspectives) in SQLite or PostgreSQL.

One class, one transaction per write, migrations as functions. The database
is chosen by, in order: the ``url`` argument (a path or an SQLAlchemy URL),
the ``CHOKEPOINT_DB`` environment variable, or ``chokepoint.db`` under the
user's data directory.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from platformdirs import user_data_dir
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)

from chokepoint.errors import (
    NotFoundError,
    ProjectExistsError,
    ProjectNotFoundError,
    UsageError,
)
from chokepoint.model.chain import ChainMap
from chokepoint.model.schema import TABLES
from chokepoint.model.validate import ImportReport, merge_tables
from chokepoint.model.validate import chain_tables as raw_tables
from chokepoint.store.access import AccessMixin
from chokepoint.store.monitoring import MonitoringMixin
from chokepoint.store.schema import (
    MONITORING_TABLES,
    api_tokens,
    audit_log,
    chain_tables,
    io_datasets,
    match_records,
    metadata,
    migrations_table,
    projects,
    scenarios,
    tasks,
    trade_datasets,
)

ENV_VAR = "CHOKEPOINT_DB"


def default_database_path() -> Path:
    """``chokepoint.db`` in the user's data directory (created when needed)."""
    return Path(user_data_dir("chokepoint", appauthor=False)) / "chokepoint.db"


def database_url(location: str | os.PathLike[str] | None = None) -> str:
    """Resolve ``--db`` / ``CHOKEPOINT_DB`` / default into an SQLAlchemy URL."""
    loc = str(location) if location is not None else os.environ.get(ENV_VAR) or ""
    if "://" in loc:
        return loc
    path = Path(loc) if loc else default_database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


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
]


def migrate(engine: Engine) -> list[str]:
    """Apply pending migrations in one transaction; return the names applied."""
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


@dataclass(frozen=True)
class ProjectInfo:
    """One row of ``chokepoint projects list``."""

    name: str
    created_at: str
    updated_at: str
    nodes: int
    actors: int
    provisions: int
    title: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _to_db(value: Any, kind: str) -> Any:
    if kind == "list":
        return json.dumps(list(value), ensure_ascii=False)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return value


def _from_db(value: Any, kind: str) -> Any:
    if kind == "list":
        return tuple(json.loads(value)) if value else ()
    if value is None:
        return "" if kind == "str" else None
    return value


class Store(MonitoringMixin, AccessMixin):
    """Named projects in one database.

    Parameters
    ----------
    location : path or SQLAlchemy URL, optional
        ``my.db``, ``sqlite:///my.db`` or ``postgresql+psycopg://...``;
        default from ``CHOKEPOINT_DB`` or the user's data directory.

    Examples
    --------
    >>> import tempfile, os
    >>> from chokepoint.datasets import load_semiconductors
    >>> store = Store(os.path.join(tempfile.mkdtemp(), "demo.db"))
    >>> _ = store.save_chain("semiconductors", load_semiconductors())
    >>> [p.name for p in store.projects()]
    ['semiconductors']
    """

    def __init__(self, location: str | os.PathLike[str] | None = None):
        self.url = database_url(location)
        self.engine = create_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        migrate(self.engine)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------- projects
    def _project_id(self, conn: Connection, name: str) -> int:
        pid = conn.execute(select(projects.c.id).where(projects.c.name == name)).scalar()
        if pid is None:
            raise ProjectNotFoundError(name, self.project_names(conn))
        return int(pid)

    def project_names(self, conn: Connection | None = None) -> list[str]:
        if conn is None:
            with self.engine.connect() as c:
                return self.project_names(c)
        return sorted(conn.execute(select(projects.c.name)).scalars())

    def has_project(self, name: str) -> bool:
        return name in self.project_names()

    def projects(self) -> list[ProjectInfo]:
        """Every project with its size and dates, sorted by name."""
        out = []
        with self.engine.connect() as conn:
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

    def project_version(self, name: str) -> str:
        """Changes whenever the project's chain is saved: a key for caches."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(projects.c.id, projects.c.updated_at).where(projects.c.name == name)
            ).first()
        if row is None:
            raise ProjectNotFoundError(name, self.project_names())
        return f"{row.id}:{row.updated_at.isoformat()}"

    def rename_project(self, old: str, new: str) -> None:
        if not new.strip():
            raise UsageError("the new project name is empty")
        with self.engine.begin() as conn:
            pid = self._project_id(conn, old)
            if new != old and new in self.project_names(conn):
                raise ProjectExistsError(new)
            conn.execute(
                update(projects).where(projects.c.id == pid).values(name=new, updated_at=datetime.now(UTC))
            )

    def delete_project(self, name: str) -> None:
        with self.engine.begin() as conn:
            pid = self._project_id(conn, name)
            per_project = [t for t in MONITORING_TABLES if "project_id" in t.c]
            for tab in [*chain_tables.values(), scenarios, tasks, match_records, *per_project]:
                conn.execute(delete(tab).where(tab.c.project_id == pid))
            conn.execute(delete(projects).where(projects.c.id == pid))

    # ---------------------------------------------------------------- chains
    def save_chain(self, name: str, chain: ChainMap, *, merge: bool = False) -> ChainMap:
        """Store ``chain`` as project ``name`` in one transaction; return what is stored.

        An existing project is replaced (its perspective is kept); with
        ``merge=True`` the chain is added to it, rows with the same key
        replacing the stored ones, and the result is validated as a whole
        (see :func:`chokepoint.model.validate.merge_tables`); an invalid result
        raises :class:`ChainValidationError` and changes nothing.
        """
        if not name.strip():
            raise UsageError("the project name is empty")
        with self.engine.begin() as conn:
            pid = conn.execute(select(projects.c.id).where(projects.c.name == name)).scalar()
            if pid is None:
                now = datetime.now(UTC)
                values = {"name": name, "created_at": now, "updated_at": now, "meta": "{}"}
                key = conn.execute(insert(projects).values(**values)).inserted_primary_key
                assert key is not None
                pid = key[0]
            elif merge:
                stored = self._load(conn, int(pid))
                new_rows = raw_tables(chain, "new rows")
                chain = merge_tables(stored, new_rows, chain.meta, base_source=f"project {name}").chain
            self._replace(conn, int(pid), chain)
        return chain

    def _replace(self, conn: Connection, pid: int, chain: ChainMap) -> None:
        """Replace every row of project ``pid`` by ``chain`` (inside the caller's transaction)."""
        for tab in chain_tables.values():
            conn.execute(delete(tab).where(tab.c.project_id == pid))
        conn.execute(
            update(projects)
            .where(projects.c.id == pid)
            .values(updated_at=datetime.now(UTC), meta=json.dumps(chain.meta, ensure_ascii=False))
        )
        for tname, frame in chain.tables().items():
            cols = TABLES[tname]
            rows = [
                {
                    "project_id": pid,
                    "pos": i,
                    **{f"c_{c.name}": _to_db(v, c.type) for c, v in zip(cols, rec, strict=True)},
                }
                for i, rec in enumerate(frame[[c.name for c in cols]].itertuples(index=False))
            ]
            if rows:
                conn.execute(insert(chain_tables[tname]), rows)

    def merge_tables(
        self,
        name: str,
        blocks: list[Any],
        meta: dict[str, str] | None = None,
        problems: list[Any] | None = None,
    ) -> ImportReport:
        """Merge raw rows (as read from a file) into project ``name`` in one transaction.

        The stored chain and the new rows are validated together, so new rows may
        refer to stored nodes; any error raises and changes nothing.
        """
        with self.engine.begin() as conn:
            pid = self._project_id(conn, name)
            report = merge_tables(
                self._load(conn, pid), blocks, meta, base_source=f"project {name}", problems=problems or ()
            )
            self._replace(conn, pid, report.chain)
        return report

    def load_chain(self, name: str) -> ChainMap:
        """Load project ``name`` (raises :class:`ProjectNotFoundError`)."""
        with self.engine.connect() as conn:
            return self._load(conn, self._project_id(conn, name))

    def _load(self, conn: Connection, pid: int) -> ChainMap:
        frames = {}
        for tname, tab in chain_tables.items():
            cols = TABLES[tname]
            result = conn.execute(
                select(*[tab.c[f"c_{c.name}"] for c in cols])
                .where(tab.c.project_id == pid)
                .order_by(tab.c.pos)
            ).all()
            frames[tname] = pd.DataFrame(
                {c.name: [_from_db(r[j], c.type) for r in result] for j, c in enumerate(cols)},
                columns=[c.name for c in cols],
            )
        meta = json.loads(conn.execute(select(projects.c.meta).where(projects.c.id == pid)).scalar_one())
        return ChainMap(meta=meta, **frames)

    # ----------------------------------------------------------- perspective
    def get_perspective(self, name: str) -> dict[str, Any] | None:
        """The project's stored default perspective (a plain dict), or None."""
        with self.engine.connect() as conn:
            pid = self._project_id(conn, name)
            raw = conn.execute(select(projects.c.perspective).where(projects.c.id == pid)).scalar()
        return json.loads(raw) if raw else None

    def set_perspective(self, name: str, perspective: dict[str, Any] | None) -> None:
        with self.engine.begin() as conn:
            pid = self._project_id(conn, name)
            conn.execute(
                update(projects)
                .where(projects.c.id == pid)
                .values(
                    perspective=None if perspective is None else json.dumps(perspective, ensure_ascii=False),
                    updated_at=datetime.now(UTC),
                )
            )

    # ------------------------------------------------------------- scenarios
    def save_scenario(self, project: str, name: str, body: dict[str, Any]) -> None:
        """Store (or replace) a scenario body under ``name`` in ``project``."""
        if not name.strip():
            raise UsageError("the scenario name is empty")
        now = datetime.now(UTC)
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        with self.engine.begin() as conn:
            pid = self._project_id(conn, project)
            where = (scenarios.c.project_id == pid) & (scenarios.c.name == name)
            if conn.execute(select(scenarios.c.name).where(where)).first() is None:
                values = {"project_id": pid, "name": name, "body": text, "created_at": now, "updated_at": now}
                conn.execute(insert(scenarios).values(**values))
            else:
                conn.execute(update(scenarios).where(where).values(body=text, updated_at=now))

    def scenario_names(self, project: str) -> list[str]:
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
            q = select(scenarios.c.name).where(scenarios.c.project_id == pid).order_by(scenarios.c.name)
            return list(conn.execute(q).scalars())

    def load_scenario(self, project: str, name: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
            where = (scenarios.c.project_id == pid) & (scenarios.c.name == name)
            body = conn.execute(select(scenarios.c.body).where(where)).scalar()
        if body is None:
            names = self.scenario_names(project)
            hint = (
                f"; saved scenarios: {', '.join(names)}" if names else "; the project has no saved scenario"
            )
            raise NotFoundError(f"no scenario named {name!r} in project {project!r}{hint}")
        data: dict[str, Any] = json.loads(body)
        return data

    def delete_scenario(self, project: str, name: str) -> None:
        self.load_scenario(project, name)
        with self.engine.begin() as conn:
            pid = self._project_id(conn, project)
            conn.execute(
                delete(scenarios).where((scenarios.c.project_id == pid) & (scenarios.c.name == name))
            )

    # ------------------------------------------------------------------ tasks
    #: Task statuses, in the order a task moves through them.
    TASK_STATUSES = ("proposed", "active", "done", "dropped")

    def upsert_tasks(self, project: str, rows: list[dict[Any, Any]]) -> list[dict[str, Any]]:
        """Insert new tasks and refresh existing ones in one transaction; keep ids and status.

        Returns the rows with their stored ``status``.
        """
        now = datetime.now(UTC)
        out = []
        with self.engine.begin() as conn:
            pid = self._project_id(conn, project)
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

    def list_tasks(self, project: str) -> list[dict[str, Any]]:
        """Stored tasks with status and dates, by task id."""
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
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

    def set_task_status(self, project: str, task_id: str, status: str) -> None:
        if status not in self.TASK_STATUSES:
            raise UsageError(f"unknown status {status!r}; use one of {', '.join(self.TASK_STATUSES)}")
        with self.engine.begin() as conn:
            pid = self._project_id(conn, project)
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

    # ------------------------------------------------------------ IO datasets
    def save_io(self, name: str, system: Any, *, replace: bool = True) -> None:
        """Store a named input-output system (``--dataset NAME``)."""
        from chokepoint.io.macro_files import system_to_bytes

        body = system_to_bytes(system)
        with self.engine.begin() as conn:
            exists = conn.execute(select(io_datasets.c.name).where(io_datasets.c.name == name)).first()
            if exists and not replace:
                raise ProjectExistsError(name)
            conn.execute(delete(io_datasets).where(io_datasets.c.name == name))
            conn.execute(
                insert(io_datasets).values(
                    name=name, title=system.name, n=system.n, body=body, created_at=datetime.now(UTC)
                )
            )

    def load_io(self, name: str) -> Any:
        from chokepoint.io.macro_files import system_from_bytes

        with self.engine.connect() as conn:
            body = conn.execute(select(io_datasets.c.body).where(io_datasets.c.name == name)).scalar()
        if body is None:
            raise NotFoundError(f"no IO dataset named {name!r}; load one with `chokepoint macro load`")
        return system_from_bytes(body)

    def io_datasets(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(io_datasets.c.name, io_datasets.c.title, io_datasets.c.n, io_datasets.c.created_at)
            return [
                {
                    "name": r.name,
                    "title": r.title,
                    "sectors": r.n,
                    "created_at": r.created_at.isoformat(timespec="seconds"),
                }
                for r in conn.execute(q.order_by(io_datasets.c.name))
            ]

    def rename_io(self, old: str, new: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(select(io_datasets.c.name).where(io_datasets.c.name == new)).first():
                raise ProjectExistsError(new)
            if (
                conn.execute(update(io_datasets).where(io_datasets.c.name == old).values(name=new)).rowcount
                == 0
            ):
                raise NotFoundError(f"no IO dataset named {old!r}")

    def delete_io(self, name: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(delete(io_datasets).where(io_datasets.c.name == name)).rowcount == 0:
                raise NotFoundError(f"no IO dataset named {name!r}")

    # --------------------------------------------------------- trade datasets
    def save_trade(self, name: str, flows: pd.DataFrame, layout: str) -> None:
        """Store a named trade-flow table (``--dataset NAME``), replacing one of that name."""
        import io as _io

        buf = _io.BytesIO()
        flows.reset_index(drop=True).to_parquet(buf, index=False)
        with self.engine.begin() as conn:
            conn.execute(delete(trade_datasets).where(trade_datasets.c.name == name))
            conn.execute(
                insert(trade_datasets).values(
                    name=name,
                    layout=layout,
                    rows=len(flows),
                    body=buf.getvalue(),
                    created_at=datetime.now(UTC),
                )
            )

    def load_trade(self, name: str) -> pd.DataFrame:
        import io as _io

        with self.engine.connect() as conn:
            body = conn.execute(select(trade_datasets.c.body).where(trade_datasets.c.name == name)).scalar()
        if body is None:
            raise NotFoundError(f"no trade dataset named {name!r}; load one with `chokepoint trade load`")
        return pd.read_parquet(_io.BytesIO(body))

    def trade_datasets(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(
                trade_datasets.c.name,
                trade_datasets.c.layout,
                trade_datasets.c.rows,
                trade_datasets.c.created_at,
            )
            return [
                {
                    "name": r.name,
                    "layout": r.layout,
                    "rows": r.rows,
                    "created_at": r.created_at.isoformat(timespec="seconds"),
                }
                for r in conn.execute(q.order_by(trade_datasets.c.name))
            ]

    def delete_trade(self, name: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(delete(trade_datasets).where(trade_datasets.c.name == name)).rowcount == 0:
                raise NotFoundError(f"no trade dataset named {name!r}")

    # ------------------------------------------- challenges, profiles, bids
    def put_records(self, project: str, kind: str, records: dict[str, dict[str, Any]]) -> None:
        """Insert or replace records of ``kind`` (challenge, profile, bid) by key, in one transaction."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            pid = self._project_id(conn, project)
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

    def records(self, project: str, kind: str) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
            q = (
                select(match_records.c.key, match_records.c.body)
                .where((match_records.c.project_id == pid) & (match_records.c.kind == kind))
                .order_by(match_records.c.key)
            )
            return {k: json.loads(b) for k, b in conn.execute(q)}

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
