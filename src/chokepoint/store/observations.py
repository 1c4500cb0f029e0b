"""Directly reported values (数据直报) of a store's projects and their revision history.

The values come in validated and authorized (:mod:`chokepoint.service.monitoring` checks the
rows and who may report them); reads take the scope the caller may see. Every write is one
transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, insert, select, update

from chokepoint.monitor.catalog import REPORTER_ENTITY_TYPES, catalog
from chokepoint.store.database import Database
from chokepoint.store.ledger import append_entry
from chokepoint.store.reporting import record_submission
from chokepoint.store.schema import observation_history, observations

OBSERVATION_COLUMNS = ["indicator", "entity_type", "entity", "period", "value"]
VALUE_COLUMNS = ["indicator", "entity_type", "entity", "period", "value", "reporter"]


def of_actors(entity_types: Iterable[str], entities: Iterable[str], actors: Collection[str]) -> list[bool]:
    """Which values belong to one of ``actors``.

    Those are the enterprise values (key ``P115``) and the node × enterprise values (key
    ``N44|P115``) of those actors.

    Parameters
    ----------
    entity_types, entities : iterable of str
        The values' entity types and entity keys.
    actors : collection of str
        Actor ids.

    Returns
    -------
    list of bool
        One flag per value.
    """
    return [
        t in REPORTER_ENTITY_TYPES and str(e).split("|")[-1] in actors
        for t, e in zip(entity_types, entities, strict=True)
    ]


class ObservationRepository:
    """Reported values of each project, with who changed what and when.

    Parameters
    ----------
    db : Database
        The database the projects live in.
    """

    def __init__(self, db: Database):
        self.db = db

    def submit(
        self, project: str, clean: pd.DataFrame, reporter: str, at: datetime | None = None
    ) -> dict[str, int]:
        """Store validated values as reported by ``reporter``, in one transaction.

        A value for an (indicator, entity, period) already stored replaces it and the old value
        goes to the revision history (who, when, old and new value). The new and changed values
        are appended to the project's tamper-evident log (kind ``observations``, one entry per
        submission: ``[indicator, entity_type, entity, period, value]`` rows) in the same
        transaction, and the reports of the project's data sets the values belong to move
        (:func:`chokepoint.store.reporting.record_submission`: partial or submitted; a changed
        approved report, or a returned one sent again, back to review).

        Parameters
        ----------
        project : str
            The project.
        clean : DataFrame
            Validated values: columns ``indicator, entity_type, entity, period, value``.
        reporter : str
            The user they are recorded as reported by.
        at : datetime, optional
            When they were submitted (default now; a backfill of paper reports gives the date
            they were received, which the reports' timeliness is judged by).

        Returns
        -------
        dict
            Counts ``new``, ``replaced`` and ``unchanged``.

        Raises
        ------
        ProjectNotFoundError
            When there is no such project.
        """
        counts = {"new": 0, "replaced": 0, "unchanged": 0}
        now = (at or datetime.now(UTC)).astimezone(UTC)  # SQLite keeps no offset: store UTC

        def work(conn: Connection) -> None:  # run again when a concurrent writer inserted first
            counts.update(new=0, replaced=0, unchanged=0)
            changed: list[list[Any]] = []  # what the tamper-evident log records of this submission
            pid = self.db.project_id(conn, project)
            self.db.lock_project(conn, pid)  # the log's lock first (see append_entry)
            columns = (clean[c] for c in ("indicator", "entity_type", "entity", "period", "value"))
            for indicator, entity_type, entity, period, raw in zip(*columns, strict=True):
                value = float(raw)
                key = and_(
                    observations.c.project_id == pid,
                    observations.c.indicator == indicator,
                    observations.c.entity == entity,
                    observations.c.period == period,
                )
                old = conn.execute(select(observations.c.value).where(key)).scalar()
                if old is None:
                    conn.execute(
                        insert(observations).values(
                            project_id=pid,
                            indicator=indicator,
                            entity=entity,
                            period=period,
                            entity_type=entity_type,
                            value=value,
                            reporter=reporter,
                            submitted_at=now,
                        )
                    )
                    counts["new"] += 1
                elif float(old) == value:
                    counts["unchanged"] += 1
                    continue
                else:
                    conn.execute(
                        update(observations)
                        .where(key)
                        .values(value=value, reporter=reporter, submitted_at=now)
                    )
                    counts["replaced"] += 1
                conn.execute(
                    insert(observation_history).values(
                        project_id=pid,
                        indicator=indicator,
                        entity=entity,
                        period=period,
                        old_value=None if old is None else float(old),
                        new_value=value,
                        changed_by=reporter,
                        changed_at=now,
                    )
                )
                changed.append([indicator, entity_type, entity, period, value])
            if changed:
                append_entry(self.db, conn, pid, reporter, "observations", reporter, {"values": changed})
            # the data sets' reports move with their values, in this transaction
            record_submission(
                conn, pid, clean, pd.DataFrame(changed, columns=OBSERVATION_COLUMNS), reporter, now
            )

        self.db.write(work)
        return counts

    def values(
        self, project: str, indicator: str | None = None, actors: Collection[str] | None = None
    ) -> pd.DataFrame:
        """Stored values, by indicator, entity and period.

        Parameters
        ----------
        project : str
            The project.
        indicator : str, optional
            Only this indicator.
        actors : collection of str, optional
            Only the values of these actors (see :func:`of_actors`); ``None``: every value.

        Returns
        -------
        DataFrame
            Columns ``indicator, entity_type, entity, period, value, reporter``.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = select(observations).where(observations.c.project_id == pid)
            if indicator:
                q = q.where(observations.c.indicator == indicator)
            df = pd.DataFrame(
                conn.execute(
                    q.order_by(observations.c.indicator, observations.c.entity, observations.c.period)
                )
                .mappings()
                .all()
            )
        if df.empty:
            return pd.DataFrame(columns=VALUE_COLUMNS)
        if actors is not None:
            df = df[of_actors(df["entity_type"], df["entity"], actors)]
        return df[VALUE_COLUMNS].reset_index(drop=True)

    def history(self, project: str, actors: Collection[str] | None = None) -> pd.DataFrame:
        """Revision history (who, when, old and new value) in order of change.

        Parameters
        ----------
        project : str
            The project.
        actors : collection of str, optional
            Only the changes of these actors' values, as in :meth:`values`.

        Returns
        -------
        DataFrame
            Columns ``indicator, entity, period, old_value, new_value, changed_by, changed_at``
            (no columns when there is no change).
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            df = pd.DataFrame(
                conn.execute(
                    select(observation_history)
                    .where(observation_history.c.project_id == pid)
                    .order_by(observation_history.c.id)
                )
                .mappings()
                .all()
            )
        if df.empty:
            return df
        if actors is not None:
            et = {i: ind.entity_type for i, ind in catalog().items()}
            df = df[of_actors([et.get(i, "node") for i in df["indicator"]], df["entity"], actors)]
        return df.drop(columns=["id", "project_id"]).reset_index(drop=True)

    def series(self, project: str, indicator: str, as_of: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The monthly series of ``indicator`` up to ``as_of`` (``YYYY-MM``).

        Returns
        -------
        tuple
            Entities, values (entities x months, NaN = not reported) and months.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = select(observations.c.entity, observations.c.period, observations.c.value).where(
                and_(
                    observations.c.project_id == pid,
                    observations.c.indicator == indicator,
                    observations.c.period <= as_of,
                )
            )
            df = pd.DataFrame(conn.execute(q).all(), columns=["entity", "period", "value"])
        if df.empty:
            return np.zeros(0, dtype=object), np.zeros((0, 0)), []
        months = pd.period_range(df["period"].min(), as_of, freq="M").strftime("%Y-%m").tolist()
        wide = df.pivot(index="entity", columns="period", values="value").reindex(columns=months)
        return wide.index.to_numpy(dtype=object), wide.to_numpy(dtype=float), months
