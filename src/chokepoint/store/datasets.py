"""Named datasets of a store (not per project): input-output systems and trade-flow tables."""

from __future__ import annotations

import io as _io
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection, delete, insert, select, update

from chokepoint.errors import NotFoundError, ProjectExistsError
from chokepoint.store.database import Database, Rows
from chokepoint.store.schema import io_datasets, trade_datasets

if TYPE_CHECKING:  # for annotations only: the macro core (and scipy) loads when a dataset is used
    from chokepoint.macro import IOSystem


class IODatasetRepository:
    """Named input-output systems (``--dataset NAME``), stored as compressed numpy archives.

    Parameters
    ----------
    db : Database
        The database the datasets live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def save(self, name: str, system: IOSystem, *, replace: bool = True) -> None:
        """Store an input-output system as ``name`` in one transaction.

        Parameters
        ----------
        name : str
            The dataset's name.
        system : IOSystem
            The system to store.
        replace : bool
            Replace a dataset of that name; with ``False`` an existing one raises.

        Raises
        ------
        ProjectExistsError
            When ``replace`` is false and the name is taken.
        """
        from chokepoint.io.macro_files import system_to_bytes

        body = system_to_bytes(system)

        def work(conn: Connection) -> None:  # run again when a concurrent writer inserted first
            exists = conn.execute(select(io_datasets.c.name).where(io_datasets.c.name == name)).first()
            if exists and not replace:
                raise ProjectExistsError(name)
            conn.execute(delete(io_datasets).where(io_datasets.c.name == name))
            conn.execute(
                insert(io_datasets).values(
                    name=name, title=system.name, n=system.n, body=body, created_at=datetime.now(UTC)
                )
            )

        self.db.write(work)

    def load(self, name: str) -> IOSystem:
        """The input-output system stored as ``name``.

        Raises
        ------
        NotFoundError
            When there is no dataset of that name.
        """
        from chokepoint.io.macro_files import system_from_bytes

        with self.db.connect() as conn:
            body = conn.execute(select(io_datasets.c.body).where(io_datasets.c.name == name)).scalar()
        if body is None:
            raise NotFoundError(f"no IO dataset named {name!r}; load one with `chokepoint macro load`")
        return system_from_bytes(body)

    def rename(self, old: str, new: str) -> None:
        """Rename dataset ``old`` to ``new``.

        Raises
        ------
        ProjectExistsError
            When ``new`` is taken.
        NotFoundError
            When there is no dataset ``old``.
        """
        with self.db.begin() as conn:
            if conn.execute(select(io_datasets.c.name).where(io_datasets.c.name == new)).first():
                raise ProjectExistsError(new)
            if (
                conn.execute(update(io_datasets).where(io_datasets.c.name == old).values(name=new)).rowcount
                == 0
            ):
                raise NotFoundError(f"no IO dataset named {old!r}")

    def delete(self, name: str) -> None:
        """Delete dataset ``name``.

        Raises
        ------
        NotFoundError
            When there is no dataset of that name.
        """
        with self.db.begin() as conn:
            if conn.execute(delete(io_datasets).where(io_datasets.c.name == name)).rowcount == 0:
                raise NotFoundError(f"no IO dataset named {name!r}")

    def list(self) -> Rows:
        """Every dataset's ``name``, ``title``, ``sectors`` and ``created_at``, by name."""
        with self.db.connect() as conn:
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


class TradeDatasetRepository:
    """Named trade-flow tables (``--dataset NAME``), stored as Parquet.

    Parameters
    ----------
    db : Database
        The database the datasets live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def save(self, name: str, flows: pd.DataFrame, layout: str) -> None:
        """Store a trade-flow table as ``name`` in one transaction, replacing one of that name.

        Parameters
        ----------
        name : str
            The dataset's name.
        flows : DataFrame
            The long flow table (``year, exporter, importer, product, value, quantity``).
        layout : str
            The layout it was read from (``fao``, ``baci``, ``comtrade``).
        """
        buf = _io.BytesIO()
        flows.reset_index(drop=True).to_parquet(buf, index=False)

        def work(conn: Connection) -> None:  # run again when a concurrent writer inserted first
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

        self.db.write(work)

    def load(self, name: str) -> pd.DataFrame:
        """The flow table stored as ``name``.

        Raises
        ------
        NotFoundError
            When there is no dataset of that name.
        """
        with self.db.connect() as conn:
            body = conn.execute(select(trade_datasets.c.body).where(trade_datasets.c.name == name)).scalar()
        if body is None:
            raise NotFoundError(f"no trade dataset named {name!r}; load one with `chokepoint trade load`")
        return pd.read_parquet(_io.BytesIO(body))

    def delete(self, name: str) -> None:
        """Delete dataset ``name``.

        Raises
        ------
        NotFoundError
            When there is no dataset of that name.
        """
        with self.db.begin() as conn:
            if conn.execute(delete(trade_datasets).where(trade_datasets.c.name == name)).rowcount == 0:
                raise NotFoundError(f"no trade dataset named {name!r}")

    def list(self) -> Rows:
        """Every dataset's ``name``, ``layout``, ``rows`` and ``created_at``, by name."""
        with self.db.connect() as conn:
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
