"""Store methods for warning rules (with their history), monitor snapshots and alerts.

Who may acknowledge or resolve an alert is checked by :mod:`chokepoint.service.monitoring`;
these methods record the user they are given. Mixed into :class:`chokepoint.store.Store`;
every write is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, and_, insert, select, update

from chokepoint.errors import NotFoundError, UsageError
from chokepoint.model.chain import ChainMap
from chokepoint.monitor.text import entity_name, entity_names
from chokepoint.store.schema import alerts, rule_history, rules, snapshots


class AlertsMixin:
    """Rules, snapshots and alerts of the projects in a store."""

    engine: Engine
    _project_id: Callable[[Connection, str], int]  # of Store
    load_chain: Callable[[str], ChainMap]  # of Store

    # ------------------------------------------------------------------ rules
    def import_rules(self, project: str, bodies: list[dict[str, Any]], user: str = "cli") -> dict[str, int]:
        """Insert or update rules by id, recording each change in the rule history."""
        now = datetime.now(UTC)
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        with self.engine.begin() as conn:
            pid = self._project_id(conn, project)
            for body in bodies:
                text = json.dumps(body, ensure_ascii=False, sort_keys=True)
                key = and_(rules.c.project_id == pid, rules.c.rule_id == body["id"])
                old = conn.execute(select(rules.c.body).where(key)).scalar()
                if old == text:
                    counts["unchanged"] += 1
                    continue
                if old is None:
                    conn.execute(
                        insert(rules).values(project_id=pid, rule_id=body["id"], body=text, updated_at=now)
                    )
                    action = "created"
                else:
                    conn.execute(update(rules).where(key).values(body=text, updated_at=now))
                    action = "updated"
                counts[action] += 1
                conn.execute(
                    insert(rule_history).values(
                        project_id=pid,
                        rule_id=body["id"],
                        action=action,
                        body=text,
                        changed_by=user,
                        changed_at=now,
                    )
                )
        return counts

    def list_rules(self, project: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
            q = select(rules.c.body).where(rules.c.project_id == pid).order_by(rules.c.rule_id)
            return [json.loads(b) for b in conn.execute(q).scalars()]

    def rule_history(self, project: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
            q = select(rule_history).where(rule_history.c.project_id == pid).order_by(rule_history.c.id)
            return [
                {
                    "rule_id": r.rule_id,
                    "action": r.action,
                    "changed_by": r.changed_by,
                    "changed_at": r.changed_at.isoformat(timespec="seconds"),
                }
                for r in conn.execute(q)
            ]

    # ------------------------------------------------------------ snapshots
    def latest_snapshot(self, project: str) -> tuple[int, pd.DataFrame] | None:
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
            row = conn.execute(
                select(snapshots)
                .where(snapshots.c.project_id == pid)
                .order_by(snapshots.c.id.desc())
                .limit(1)
            ).first()
        return None if row is None else (int(row.id), _snapshot_frame(row.body))

    def snapshot(self, project: str, snapshot_id: int) -> pd.DataFrame:
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
            body = conn.execute(
                select(snapshots.c.body).where(
                    and_(snapshots.c.project_id == pid, snapshots.c.id == snapshot_id)
                )
            ).scalar()
        if body is None:
            raise NotFoundError(
                f"no snapshot {snapshot_id} in project {project!r} (see `chokepoint monitor list`)"
            )
        return _snapshot_frame(body)

    def list_snapshots(self, project: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
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
    def active_alerts(self, project: str) -> pd.DataFrame:
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
            q = select(alerts.c.id, alerts.c.key).where(
                and_(alerts.c.project_id == pid, alerts.c.status.in_(["open", "acknowledged"]))
            )
            return pd.DataFrame(conn.execute(q).all(), columns=["alert_id", "key"])

    def record_run(
        self,
        project: str,
        new: pd.DataFrame,
        updated: pd.DataFrame,
        resolved: list[int],
        snapshot: pd.DataFrame,
        as_of: str,
        perspective: dict[str, Any],
    ) -> int:
        """Store a monitor run in one transaction: alerts opened, updated, auto-resolved, and the snapshot."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            pid = self._project_id(conn, project)
            for r in new.to_dict("records"):
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

    def list_alerts(
        self, project: str, status: str | None = None, level: str | None = None
    ) -> list[dict[str, Any]]:
        """Alerts of the project, oldest first, with ``entity_name`` and ``entity_name_zh`` named
        from the project's current chain (the key is shown where the chain no longer has it)."""
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
            q = select(alerts).where(alerts.c.project_id == pid)
            if status:
                q = q.where(alerts.c.status == status)
            if level:
                q = q.where(alerts.c.level == level)
            rows = conn.execute(q.order_by(alerts.c.id)).mappings().all()
        names = entity_names(self.load_chain(project)) if rows else {}
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

    def _alert_transition(self, project: str, alert_id: int, user: str, status: str) -> None:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            pid = self._project_id(conn, project)
            row = conn.execute(
                select(alerts.c.status).where(and_(alerts.c.project_id == pid, alerts.c.id == alert_id))
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

    def acknowledge_alert(self, project: str, alert_id: int, user: str) -> None:
        """Mark an alert acknowledged by ``user`` (now)."""
        self._alert_transition(project, alert_id, user, "acknowledged")

    def resolve_alert(self, project: str, alert_id: int, user: str) -> None:
        """Mark an alert resolved by ``user`` (now)."""
        self._alert_transition(project, alert_id, user, "resolved")


def _snapshot_frame(body: str) -> pd.DataFrame:
    return pd.DataFrame(json.loads(body)).set_index("id")
