"""The chain maps of a store's projects: saved whole (replace or merge) and loaded back in order."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, delete, insert, select, update

from chokepoint.errors import NotFoundError, UsageError
from chokepoint.model.chain import ChainMap, chain_from_frames
from chokepoint.model.schema import TABLES
from chokepoint.model.validate import ImportReport, merge_tables
from chokepoint.model.validate import chain_tables as raw_tables
from chokepoint.store.database import Database
from chokepoint.store.schema import chain_tables, projects


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


class ChainRepository:
    """The chain map of each project; every write is one transaction.

    Parameters
    ----------
    db : Database
        The database the projects live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def save(self, name: str, chain: ChainMap, *, merge: bool = False) -> ChainMap:
        """Store ``chain`` as project ``name`` in one transaction (creating the project when new).

        An existing project is replaced (its perspective is kept); with ``merge=True`` the chain
        is added to it, rows with the same key replacing the stored ones, and the result is
        validated as a whole (see :func:`chokepoint.model.validate.merge_tables`).

        Parameters
        ----------
        name : str
            The project.
        chain : ChainMap
            The chain to store.
        merge : bool
            Add to the stored chain instead of replacing it.

        Returns
        -------
        ChainMap
            What is stored.

        Raises
        ------
        UsageError
            When ``name`` is empty.
        ChainValidationError
            When a merge gives an invalid chain (nothing is changed).
        """
        if not name.strip():
            raise UsageError("the project name is empty")

        def work(conn: Connection) -> ChainMap:
            pid = conn.execute(select(projects.c.id).where(projects.c.name == name)).scalar()
            if pid is None:  # two first saves of one name: the loser runs again and replaces
                now = datetime.now(UTC)
                values = {"name": name, "created_at": now, "updated_at": now, "meta": "{}"}
                key = conn.execute(insert(projects).values(**values)).inserted_primary_key
                assert key is not None
                pid = key[0]
                stored = chain
            else:
                self.db.lock_project(conn, int(pid))  # saves of one project one after the other
                stored = chain
                if merge:
                    new_rows = raw_tables(chain, "new rows")
                    stored = merge_tables(
                        self._load(conn, int(pid)), new_rows, chain.meta, base_source=f"project {name}"
                    ).chain
            self._replace(conn, int(pid), stored)
            return stored

        return self.db.write(work)

    def edit_node(self, name: str, node: str, changes: dict[str, Any]) -> tuple[dict[str, Any], ChainMap]:
        """Change fields of one node of project ``name`` (its names and assessed attributes): the
        chain is validated with the edit as a whole, then the changed fields alone are written:
        two concurrent edits of different fields both land.

        Returns
        -------
        before : dict
            The changed fields' old values.
        chain : ChainMap
            The chain as stored after the edit (validated as a whole).

        Raises
        ------
        ProjectNotFoundError, NotFoundError
            When there is no such project or node.
        ChainValidationError
            When the edit makes the chain invalid (nothing is changed).
        """
        # validated once outside the write lock (the chain with the edit, as a whole); then only
        # the changed columns of the one row are written, in a short transaction: the fields
        # edited are the node's own, so concurrent edits of other fields or nodes both land, and
        # many edits at once queue for milliseconds each, not for a whole chain's rewrite
        stored = self.load(name)
        rows = stored.nodes[stored.nodes["id"] == node]
        if rows.empty:
            raise NotFoundError(f"no node {node!r} in project {name!r}")
        row = rows.iloc[0].to_dict()
        before = {k: row[k] for k in changes}
        row.update(changes)
        edit = chain_from_frames({"nodes": pd.DataFrame([row])})
        merged = merge_tables(
            stored, raw_tables(edit, "new rows"), edit.meta, base_source=f"project {name}"
        ).chain
        edited = merged.nodes[merged.nodes["id"] == node].iloc[0]
        kinds = {c.name: c.type for c in TABLES["nodes"]}
        values = {f"c_{k}": _to_db(edited[k], kinds[k]) for k in changes}
        nodes = chain_tables["nodes"]

        def work(conn: Connection) -> None:
            pid = self.db.project_id(conn, name)
            self.db.lock_project(conn, pid)
            done = conn.execute(
                update(nodes).where((nodes.c.project_id == pid) & (nodes.c.c_id == node)).values(**values)
            )
            if done.rowcount == 0:  # a concurrent import removed it
                raise NotFoundError(f"no node {node!r} in project {name!r}")
            stamp = datetime.now(UTC)
            conn.execute(update(projects).where(projects.c.id == pid).values(updated_at=stamp))

        self.db.write(work)
        return before, merged

    def set_locations(self, name: str, locations: dict[str, str]) -> int:
        """Write the location of actors of project ``name`` (``{actor: location}``, a blank one
        clears it) and nothing else: concurrent edits of the actors' other fields all land.

        The caller validates the locations (:func:`chokepoint.service.regions.locate_actors`);
        here the ``location`` column alone is updated, in one transaction under the project's
        lock, and the project's version (``updated_at``) moves.

        Returns
        -------
        int
            The number of actors written.

        Raises
        ------
        ProjectNotFoundError, NotFoundError
            When there is no such project, or an actor is gone (a concurrent import removed it;
            nothing is changed).
        """
        actors = chain_tables["actors"]
        rows = [{"b_actor": a, "b_location": loc} for a, loc in locations.items()]

        def work(conn: Connection) -> int:
            pid = self.db.project_id(conn, name)
            self.db.lock_project(conn, pid)
            held = set(conn.execute(select(actors.c.c_id).where(actors.c.project_id == pid)).scalars())
            gone = sorted(set(locations) - held)
            if gone:
                raise NotFoundError(f"no actor {', '.join(map(repr, gone))} in project {name!r}")
            if rows:
                conn.execute(
                    update(actors)
                    .where((actors.c.project_id == pid) & (actors.c.c_id == bindparam("b_actor")))
                    .values(c_location=bindparam("b_location")),
                    rows,
                )
            conn.execute(update(projects).where(projects.c.id == pid).values(updated_at=datetime.now(UTC)))
            return len(rows)

        return self.db.write(work)

    def merge_tables(
        self,
        name: str,
        blocks: list[Any],
        meta: dict[str, str] | None = None,
        problems: list[Any] | None = None,
    ) -> ImportReport:
        """Merge raw rows (as read from a file) into project ``name`` in one transaction.

        The stored chain and the new rows are validated together, so new rows may refer to
        stored nodes.

        Parameters
        ----------
        name : str
            An existing project.
        blocks : list
            The raw tables read from a file (:func:`chokepoint.io.chains.read_blocks`).
        meta : dict, optional
            The file's meta, replacing the stored keys it names.
        problems : list, optional
            Problems the reader already found (reported with the others).

        Returns
        -------
        ImportReport
            The validation report of the merged chain (as stored).

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        ChainValidationError
            On any error (nothing is changed).
        """
        with self.db.begin() as conn:
            pid = self.db.project_id(conn, name)
            self.db.lock_project(conn, pid)
            report = merge_tables(
                self._load(conn, pid), blocks, meta, base_source=f"project {name}", problems=problems or ()
            )
            self._replace(conn, pid, report.chain)
        return report

    def load(self, name: str) -> ChainMap:
        """The chain map of project ``name``.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project (the message lists the projects there are).
        """
        with self.db.connect() as conn:
            return self._load(conn, self.db.project_id(conn, name))

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
