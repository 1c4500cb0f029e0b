"""Regions below the provinces, their indicator values, and indicator systems (every version)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select

from chokepoint.errors import NotFoundError
from chokepoint.model.regions import REGION_COLUMNS
from chokepoint.store.database import Database, utc
from chokepoint.store.schema import indicator_systems, region_values, regions

#: Columns of a region-values table.
VALUE_COLUMNS: tuple[str, ...] = ("region", "indicator", "value", "unit", "period", "source")


class RegionRepository:
    """The region table (cities, districts, parks) and the indicator values of regions.

    Parameters
    ----------
    db : Database
        The database.
    """

    def __init__(self, db: Database):
        self.db = db

    def put(self, table: pd.DataFrame) -> int:
        """Insert or replace the rows of a checked region table (by code), in one transaction;
        the number of rows written.
        """
        now = datetime.now(UTC)
        rows = [
            {**{c: str(r[c]) for c in REGION_COLUMNS}, "updated_at": now} for r in table.to_dict("records")
        ]

        def work(conn: Connection) -> int:
            if rows:
                conn.execute(delete(regions).where(regions.c.code.in_([r["code"] for r in rows])))
                conn.execute(insert(regions), rows)
            return len(rows)

        return self.db.write(work)

    def table(self) -> pd.DataFrame:
        """Every stored region row, by code (columns :data:`~chokepoint.model.regions.REGION_COLUMNS`)."""
        with self.db.connect() as conn:
            q = select(*(regions.c[c] for c in REGION_COLUMNS)).order_by(regions.c.code)
            return pd.DataFrame(conn.execute(q).mappings().all(), columns=list(REGION_COLUMNS))

    def put_values(self, dataset: str, values: pd.DataFrame) -> int:
        """Replace dataset ``dataset``'s values by ``values`` (columns :data:`VALUE_COLUMNS`), in one
        transaction; the number of values stored.
        """
        now = datetime.now(UTC)
        rows = [
            {
                "dataset": dataset,
                "region": str(r["region"]),
                "indicator": str(r["indicator"]),
                "value": float(r["value"]),
                "unit": str(r.get("unit", "") or ""),
                "period": str(r.get("period", "") or ""),
                "source": str(r.get("source", "") or ""),
                "updated_at": now,
            }
            for r in values.to_dict("records")
        ]

        def work(conn: Connection) -> int:
            conn.execute(delete(region_values).where(region_values.c.dataset == dataset))
            if rows:
                conn.execute(insert(region_values), rows)
            return len(rows)

        return self.db.write(work)

    def values(self, dataset: str) -> pd.DataFrame:
        """The values of ``dataset`` (columns :data:`VALUE_COLUMNS`).

        Raises
        ------
        NotFoundError
            When no such dataset is stored.
        """
        with self.db.connect() as conn:
            q = (
                select(*(region_values.c[c] for c in VALUE_COLUMNS))
                .where(region_values.c.dataset == dataset)
                .order_by(region_values.c.region, region_values.c.indicator)
            )
            frame = pd.DataFrame(conn.execute(q).mappings().all(), columns=list(VALUE_COLUMNS))
        if frame.empty:
            raise NotFoundError(
                f"no region-values dataset {dataset!r}; load one with `chokepoint region values`"
            )
        return frame

    def datasets(self) -> list[str]:
        """The names of the stored region-values datasets."""
        with self.db.connect() as conn:
            q = select(region_values.c.dataset).distinct().order_by(region_values.c.dataset)
            return list(conn.execute(q).scalars())


class IndicatorSystemRepository:
    """Indicator systems by name; each save adds a version (1, 2, ...), none is overwritten.

    Parameters
    ----------
    db : Database
        The database.
    """

    def __init__(self, db: Database):
        self.db = db

    def add(self, name: str, body: dict[str, Any], user: str) -> int:
        """Store ``body`` as the next version of system ``name``; that version number."""
        text = json.dumps(body, ensure_ascii=False)

        def work(conn: Connection) -> int:
            last = conn.execute(
                select(func.max(indicator_systems.c.version)).where(indicator_systems.c.name == name)
            ).scalar()
            version = int(last or 0) + 1
            conn.execute(
                insert(indicator_systems).values(
                    name=name, version=version, body=text, created_by=user, created_at=datetime.now(UTC)
                )
            )
            return version

        return self.db.write(work, attempts=50)

    def get(self, name: str, version: int | None = None) -> dict[str, Any]:
        """Version ``version`` of system ``name`` (the latest by default), with ``name``,
        ``version``, ``created_by`` and ``created_at`` beside its body.

        Raises
        ------
        NotFoundError
            For an unknown system or version.
        """
        with self.db.connect() as conn:
            q = select(indicator_systems).where(indicator_systems.c.name == name)
            q = q.where(indicator_systems.c.version == version) if version else q
            row = conn.execute(q.order_by(indicator_systems.c.version.desc()).limit(1)).mappings().first()
        if row is None:
            what = f"version {version} of indicator system" if version else "indicator system"
            raise NotFoundError(f"no {what} {name!r}; import one with `chokepoint indicator-systems import`")
        return {
            **json.loads(row["body"]),
            "name": name,
            "version": row["version"],
            "created_by": row["created_by"],
            "created_at": utc(row["created_at"]).isoformat(timespec="seconds"),
        }

    def list(self) -> list[dict[str, Any]]:
        """Every system's latest version: name, version, title, applies_to, created_by, created_at."""
        with self.db.connect() as conn:
            rows = conn.execute(
                select(indicator_systems).order_by(indicator_systems.c.name, indicator_systems.c.version)
            ).mappings()
            latest = {r["name"]: r for r in rows}
        out = []
        for name, r in latest.items():
            body = json.loads(r["body"])
            out.append(
                {
                    "name": name,
                    "version": r["version"],
                    "title": body.get("title", ""),
                    "applies_to": body.get("applies_to", ""),
                    "created_by": r["created_by"],
                    "created_at": utc(r["created_at"]).isoformat(),
                }
            )
        return out
