"""Named raw-materials datasets of a store (not per project): six tables as one zip of Parquet."""

from __future__ import annotations

import io as _io
import json
import zipfile
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Connection, delete, insert, select

from chokepoint.errors import NotFoundError
from chokepoint.materials.data import COLUMNS, MaterialsData
from chokepoint.store.database import Database, Rows
from chokepoint.store.schema import materials_datasets


def _pack(data: MaterialsData) -> bytes:
    buf = _io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, frame in data.tables().items():
            part = _io.BytesIO()
            frame.reset_index(drop=True).to_parquet(part, index=False, compression="zstd")
            zf.writestr(f"{name}.parquet", part.getvalue())
    return buf.getvalue()


def _unpack(body: bytes, notes: list[str]) -> MaterialsData:
    with zipfile.ZipFile(_io.BytesIO(body)) as zf:
        tables = {name: pd.read_parquet(_io.BytesIO(zf.read(f"{name}.parquet"))) for name in COLUMNS}
    return MaterialsData(**tables, notes=notes)


class MaterialsDatasetRepository:
    """Named raw-materials datasets (``chokepoint materials load DIR --dataset NAME``).

    Parameters
    ----------
    db : Database
        The database the datasets live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def save(self, name: str, data: MaterialsData) -> None:
        """Store ``data`` as ``name`` in one transaction, replacing a dataset of that name."""
        body = _pack(data)
        years = sorted(int(y) for y in data.production["year"].unique())
        span = f"{years[0]}-{years[-1]}" if years else ""

        def work(conn: Connection) -> None:  # run again when a concurrent writer inserted first
            conn.execute(delete(materials_datasets).where(materials_datasets.c.name == name))
            conn.execute(
                insert(materials_datasets).values(
                    name=name,
                    commodities=len(data.commodities),
                    trade_rows=len(data.trade),
                    years=span,
                    notes=json.dumps(data.notes, ensure_ascii=False),
                    body=body,
                    created_at=datetime.now(UTC),
                )
            )

        self.db.write(work)

    def load(self, name: str) -> MaterialsData:
        """The dataset stored as ``name``.

        Raises
        ------
        NotFoundError
            When there is no dataset of that name.
        """
        with self.db.connect() as conn:
            row = conn.execute(
                select(materials_datasets.c.body, materials_datasets.c.notes).where(
                    materials_datasets.c.name == name
                )
            ).first()
        if row is None:
            raise NotFoundError(
                f"no raw-materials dataset named {name!r}; "
                f"load one with `chokepoint materials load DIR --dataset {name}`"
            )
        return _unpack(row.body, json.loads(row.notes))

    def delete(self, name: str) -> None:
        """Delete dataset ``name`` (``NotFoundError`` when absent)."""
        with self.db.begin() as conn:
            gone = conn.execute(delete(materials_datasets).where(materials_datasets.c.name == name))
            if gone.rowcount == 0:
                raise NotFoundError(f"no raw-materials dataset named {name!r}")

    def list(self) -> Rows:
        """Every dataset's ``name``, ``commodities``, ``trade_rows``, ``years``, ``created_at``."""
        t = materials_datasets.c
        with self.db.connect() as conn:
            q = select(t.name, t.commodities, t.trade_rows, t.years, t.created_at).order_by(t.name)
            return [
                {
                    "name": r.name,
                    "commodities": r.commodities,
                    "trade_rows": r.trade_rows,
                    "years": r.years,
                    "created_at": r.created_at.isoformat(timespec="seconds"),
                }
                for r in conn.execute(q)
            ]
