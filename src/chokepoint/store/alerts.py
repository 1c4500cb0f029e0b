"""Alerts and monitor snapshots of a store's projects, written together by a monitor run.

Who may acknowledge or resolve an alert is checked by :mod:`chokepoint.service.monitoring`;
the repository records the user it is given. Every write is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import and_, insert, select, update

from chokepoint.errors import NotFoundError, UsageError
from chokepoint.monitor.text import entity_name, entity_names
from chokepoint.store.chains import ChainRepository
from chokepoint.store.database import Database, Rows
from chokepoint.store.schema import alerts, snapshots

#: The statuses an alert moves to by hand (a monitor run opens and auto-resolves them).
TRANSITIONS = ("acknowledged", "resolved")


def _snapshot_frame(body: str) -> pd.DataFrame:
    return pd.DataFrame(json.loads(body)).set_index("id")


class AlertRepository:
    """The alerts and snapshots of each project.

    Parameters
    ----------
    db : Database
        The database the projects live in.
    chains : ChainRepository
        The projects' chains (alerts are listed with their entities' current names).
    """

    def __init__(self, db: Database, chains: ChainRepository):
        self.db = db
        self.chains = chains

    # ------------------------------------------------------------ snapshots
    def latest_snapshot(self, project: str) -> tuple[int, pd.DataFrame] | None:
        """The id and the assessment frame (by node id) of the project's last snapshot, or None."""
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            row = conn.execute(
                select(snapshots)
                .where(snapshots.c.project_id == pid)
                .order_by(snapshots.c.id.desc())
                .limit(1)
            ).first()
        return None if row is None else (int(row.id), _snapshot_frame(row.body))

    def changed_since(self, project: str, snapshot_id: int) -> dict[str, list[int]]:
        """Ids of the alerts ``opened``, ``updated`` (a later run changed them, or an officer) and
        ``resolved`` after snapshot ``snapshot_id`` was stored (compared at the store's full time
        precision: a run writes its alerts at its snapshot's time).

        Raises
        ------
        NotFoundError
            When the project has no such snapshot.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            at = _snapshot_value(conn, pid, project, snapshot_id, snapshots.c.created_at)
            mine = alerts.c.project_id == pid
            out = {}
            for key, column in (
                ("opened", alerts.c.opened_at),
                ("updated", alerts.c.updated_at),
                ("resolved", alerts.c.resolved_at),
            ):
                ids = conn.execute(select(alerts.c.id).where(and_(mine, column > at))).scalars()
                out[key] = sorted(int(i) for i in ids)
            return out

    def snapshot(self, project: str, snapshot_id: int) -> pd.DataFrame:
        """The assessment frame (by node id) of snapshot ``snapshot_id``.

        Raises
        ------
        NotFoundError
            When the project has no such snapshot.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            body = _snapshot_value(conn, pid, project, snapshot_id, snapshots.c.body)
        return _snapshot_frame(body)

    def snapshots(self, project: str) -> Rows:
        """Every snapshot's ``id``, ``created_at``, ``as_of`` and count of nodes per level, by id."""
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = (
                select(snapshots.c.id, snapshots.c.created_at, snapshots.c.as_of, snapshots.c.body)
                .where(snapshots.c.project_id == pid)
                .order_by(snapshots.c.id)
            )
            out = []
            for r in conn.execute(q):
                levels = _snapshot_frame(r.body)["level"].value_counts().to_dict()
                out.append(
                    {
                        "id": int(r.id),
                        "created_at": r.created_at.isoformat(timespec="seconds"),
                        "as_of": r.as_of,
                        "levels": {k: int(v) for k, v in levels.items()},
                    }
                )
            return out

    # ------------------------------------------------------------------ alerts
    def active(self, project: str) -> pd.DataFrame:
        """The open and acknowledged alerts: columns ``alert_id`` and ``key``."""
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = select(alerts.c.id, alerts.c.key).where(
                and_(alerts.c.project_id == pid, alerts.c.status.in_(["open", "acknowledged"]))
            )
            return pd.DataFrame(conn.execute(q).all(), columns=["alert_id", "key"])

    def record_run(
        self,
        project: str,
        new: pd.DataFrame,
        updated: pd.DataFrame,
        resolved: Sequence[int],
        snapshot: pd.DataFrame,
        as_of: str,
        perspective: dict[str, Any],
    ) -> int:
        """Store a monitor run in one transaction: alerts opened, updated, auto-resolved, and the snapshot.

        Parameters
        ----------
        project : str
            The project.
        new, updated : DataFrame
            The alerts to open and the open ones to update (see
            :func:`chokepoint.monitor.alerts.reconcile`).
        resolved : sequence of int
            The ids of the alerts resolved automatically.
        snapshot : DataFrame
            The run's assessment (by node id).
        as_of : str
            The month evaluated (``YYYY-MM``).
        perspective : dict
            The perspective the run assessed from.

        Returns
        -------
        int
            The new snapshot's id.
        """
        now = datetime.now(UTC)
        with self.db.begin() as conn:
            pid = self.db.project_id(conn, project)
            # runs of one project one after the other; a condition another run opened meanwhile
            # is updated, never opened twice
            self.db.lock_project(conn, pid)
            active = dict(
                conn.execute(
                    select(alerts.c.key, alerts.c.id).where(
                        and_(alerts.c.project_id == pid, alerts.c.status.in_(["open", "acknowledged"]))
                    )
                ).all()
            )
            rows = new.to_dict("records")
            opened_meanwhile = [{**r, "alert_id": active[r["key"]]} for r in rows if r["key"] in active]
            if opened_meanwhile:
                updated = pd.concat([updated, pd.DataFrame(opened_meanwhile)], ignore_index=True)
            for r in (r for r in rows if r["key"] not in active):
                conn.execute(
                    insert(alerts).values(
                        project_id=pid,
                        key=r["key"],
                        rule_id=r["rule_id"],
                        entity_type=r["entity_type"],
                        entity=str(r["entity"]),
                        level=r["level"],
                        status="open",
                        values=json.dumps(r["values"]),
                        message_en=r["message_en"],
                        message_zh=r["message_zh"],
                        opened_at=now,
                        updated_at=now,
                    )
                )
            for r in updated.to_dict("records"):
                conn.execute(
                    update(alerts)
                    .where(alerts.c.id == int(r["alert_id"]))
                    .values(
                        level_before=alerts.c.level,  # SET reads the row as it was
                        level=r["level"],
                        values=json.dumps(r["values"]),
                        message_en=r["message_en"],
                        message_zh=r["message_zh"],
                        updated_at=now,
                    )
                )
            if resolved:
                conn.execute(
                    update(alerts)
                    .where(alerts.c.id.in_(resolved))
                    .values(status="resolved", resolved_by="auto", resolved_at=now, updated_at=now)
                )
            body = snapshot.reset_index().to_json(orient="records", force_ascii=False)
            result = conn.execute(
                insert(snapshots).values(
                    project_id=pid,
                    created_at=now,
                    as_of=as_of,
                    perspective=json.dumps(perspective),
                    body=body,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def transition(self, project: str, alert_id: int, user: str, status: str) -> None:
        """Move an alert to ``status`` (``acknowledged`` or ``resolved``) by ``user``, now.

        Raises
        ------
        UsageError
            For another status, or an alert already resolved.
        NotFoundError
            When the project has no alert ``alert_id``.
        """
        if status not in TRANSITIONS:
            raise UsageError(f"unknown alert status {status!r}; use one of {', '.join(TRANSITIONS)}")
        now = datetime.now(UTC)
        with self.db.begin() as conn:
            pid = self.db.project_id(conn, project)
            # the row lock: of two concurrent resolutions the second reads the first's outcome
            # (PostgreSQL READ COMMITTED would let both read "open"; SQLite's writer lock serialises)
            row = conn.execute(
                select(alerts.c.status)
                .where(and_(alerts.c.project_id == pid, alerts.c.id == alert_id))
                .with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"no alert {alert_id} in project {project!r}")
            if row.status == "resolved":
                raise UsageError(f"alert {alert_id} is already resolved")
            values: dict[str, Any] = {"status": status, "updated_at": now}
            values.update(
                {"acknowledged_by": user, "acknowledged_at": now}
                if status == "acknowledged"
                else {"resolved_by": user, "resolved_at": now}
            )
            conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))

    def list(self, project: str, status: str | None = None, level: str | None = None) -> Rows:
        """Alerts of the project, oldest first, with ``entity_name`` and ``entity_name_zh``.

        The names come from the project's current chain (the key is shown where the chain no
        longer has it).

        Parameters
        ----------
        project : str
            The project.
        status, level : str, optional
            Only the alerts of this status (``open``, ``acknowledged``, ``resolved``) and level.
        """
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = select(alerts).where(alerts.c.project_id == pid)
            if status:
                q = q.where(alerts.c.status == status)
            if level:
                q = q.where(alerts.c.level == level)
            rows = conn.execute(q.order_by(alerts.c.id)).mappings().all()
        names = entity_names(self.chains.load(project)) if rows else {}
        out = []
        for r in rows:
            d = dict(r)
            d["values"] = json.loads(d["values"])
            d.pop("project_id")
            if d["entity_type"] == "country" and d["entity"] not in names:
                names.update(entity_names(None, [d["entity"]]))
            d["entity_name"] = entity_name(d["entity_type"], d["entity"], names)
            d["entity_name_zh"] = entity_name(d["entity_type"], d["entity"], names, "zh")
            for k in ("opened_at", "updated_at", "acknowledged_at", "resolved_at"):
                d[k] = d[k].isoformat(timespec="seconds") if d[k] else None
            out.append(d)
        return out


def _snapshot_value(conn: Any, pid: int, project: str, snapshot_id: int, column: Any) -> Any:
    """``column`` of snapshot ``snapshot_id`` of the project; :class:`NotFoundError` when absent."""
    value = conn.execute(
        select(column).where(and_(snapshots.c.project_id == pid, snapshots.c.id == snapshot_id))
    ).scalar()
    if value is None:
        raise NotFoundError(
            f"no snapshot {snapshot_id} in project {project!r} (see `chokepoint monitor list`)"
        )
    return value
