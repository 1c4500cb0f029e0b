"""Store methods for users, direct reporting, rules, alerts and snapshots (monitoring).

Mixed into :class:`chokepoint.store.Store`; every write is one transaction.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import Connection, Engine, and_, delete, insert, select, update

from chokepoint.errors import (
    AccessDeniedError,
    ChainValidationError,
    NotFoundError,
    Problem,
    ReportRejectedError,
    UsageError,
)
from chokepoint.model.chain import ChainMap
from chokepoint.monitor.catalog import catalog
from chokepoint.monitor.observations import ROLES, Reporter, validate_observations
from chokepoint.monitor.text import entity_name, entity_names
from chokepoint.store.schema import (
    alerts,
    bindings,
    observation_history,
    observations,
    rule_history,
    rules,
    snapshots,
    users,
)

_HASHER = PasswordHasher()


class MonitoringMixin:
    """Users, observations, rules, alerts and snapshots of the projects in a store."""

    engine: Engine

    def _project_id(self, conn: Connection, name: str) -> int:  # provided by Store
        raise NotImplementedError

    def load_chain(self, name: str) -> ChainMap:  # provided by Store
        raise NotImplementedError

    # ------------------------------------------------------------------ users
    def add_user(self, name: str, role: str, password: str) -> None:
        """Create a user; the password is stored as an argon2 hash."""
        if role not in ROLES:
            raise UsageError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        if not name.strip() or not password:
            raise UsageError("a user needs a name and a non-empty password")
        with self.engine.begin() as conn:
            if conn.execute(select(users.c.id).where(users.c.name == name)).first():
                raise UsageError(f"a user named {name!r} already exists")
            conn.execute(
                insert(users).values(
                    name=name,
                    role=role,
                    password_hash=_HASHER.hash(password),
                    disabled=0,
                    created_at=datetime.now(UTC),
                )
            )

    def _user_row(self, conn: Connection, name: str) -> Any:
        row = conn.execute(select(users).where(users.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"no user named {name!r} (add one with `chokepoint users add`)")
        return row

    def list_users(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            out = []
            for u in conn.execute(select(users).order_by(users.c.name)):
                bound = conn.execute(
                    select(bindings.c.project_id, bindings.c.actor).where(bindings.c.user_id == u.id)
                )
                out.append(
                    {
                        "name": u.name,
                        "role": u.role,
                        "disabled": bool(u.disabled),
                        "bindings": [f"{p}:{a}" for p, a in bound],
                    }
                )
            return out

    def set_password(self, name: str, password: str) -> None:
        if not password:
            raise UsageError("the password is empty")
        with self.engine.begin() as conn:
            self._user_row(conn, name)
            conn.execute(
                update(users).where(users.c.name == name).values(password_hash=_HASHER.hash(password))
            )

    def disable_user(self, name: str, disabled: bool = True) -> None:
        with self.engine.begin() as conn:
            self._user_row(conn, name)
            conn.execute(update(users).where(users.c.name == name).values(disabled=int(disabled)))

    def verify_password(self, name: str, password: str) -> bool:
        """True when the user exists, is enabled and the password matches."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        if row is None or row.disabled:
            return False
        try:
            return bool(_HASHER.verify(row.password_hash, password))
        except VerifyMismatchError:
            return False

    def bind(self, name: str, project: str, actor: str) -> None:
        """Bind a reporter to an enterprise (or institution) of a project."""
        chain = self.load_chain(project)
        kinds = dict(zip(chain.actors["id"], chain.actors["kind"], strict=True))
        if kinds.get(actor) not in ("enterprise", "institution"):
            raise UsageError(f"{actor!r} is not an enterprise or institution of project {project!r}")
        with self.engine.begin() as conn:
            u = self._user_row(conn, name)
            if u.role != "reporter":
                raise UsageError(f"only reporters are bound to enterprises; {name!r} is {u.role}")
            pid = self._project_id(conn, project)
            key = and_(bindings.c.user_id == u.id, bindings.c.project_id == pid, bindings.c.actor == actor)
            if conn.execute(select(bindings.c.actor).where(key)).first() is None:
                conn.execute(insert(bindings).values(user_id=u.id, project_id=pid, actor=actor))

    def unbind(self, name: str, project: str, actor: str) -> None:
        with self.engine.begin() as conn:
            u = self._user_row(conn, name)
            pid = self._project_id(conn, project)
            conn.execute(
                delete(bindings).where(
                    and_(bindings.c.user_id == u.id, bindings.c.project_id == pid, bindings.c.actor == actor)
                )
            )

    def reporter(self, name: str, project: str) -> Reporter:
        """The user as a :class:`Reporter` of ``project`` (disabled users are refused)."""
        with self.engine.connect() as conn:
            u = self._user_row(conn, name)
            if u.disabled:
                raise AccessDeniedError(f"user {name!r} is disabled")
            pid = self._project_id(conn, project)
            actors = conn.execute(
                select(bindings.c.actor).where(and_(bindings.c.user_id == u.id, bindings.c.project_id == pid))
            ).scalars()
            return Reporter(u.name, u.role, frozenset(actors))

    # ----------------------------------------------------------- observations
    def submit_observations(
        self,
        project: str,
        frame: pd.DataFrame,
        user: str,
        *,
        source: str = "submission",
        rows: list[int] | np.ndarray | None = None,
        as_of: str | None = None,
    ) -> dict[str, int]:
        """Validate and store reported values in one transaction; any bad row rejects all.

        A value for an (indicator, entity, period) already stored replaces it and
        the old value goes to the revision history (who, when, old and new value).
        Returns counts ``new``, ``replaced``, ``unchanged``.
        """
        who = self.reporter(user, project)
        chain = self.load_chain(project)
        month = as_of or datetime.now(UTC).strftime("%Y-%m")
        numbers = list(rows) if rows is not None else list(range(2, len(frame) + 2))
        clean, problems = validate_observations(frame, numbers, source, catalog(), chain, who, month)
        if problems:
            raise ReportRejectedError(problems)
        counts = {"new": 0, "replaced": 0, "unchanged": 0}
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            pid = self._project_id(conn, project)
            for r in clean.itertuples(index=False):
                key = and_(
                    observations.c.project_id == pid,
                    observations.c.indicator == r.indicator,
                    observations.c.entity == r.entity,
                    observations.c.period == r.period,
                )
                old = conn.execute(select(observations.c.value).where(key)).scalar()
                if old is None:
                    conn.execute(
                        insert(observations).values(
                            project_id=pid,
                            indicator=r.indicator,
                            entity=r.entity,
                            period=r.period,
                            entity_type=r.entity_type,
                            value=float(r.value),
                            reporter=who.name,
                            submitted_at=now,
                        )
                    )
                    counts["new"] += 1
                elif float(old) == float(r.value):
                    counts["unchanged"] += 1
                    continue
                else:
                    conn.execute(
                        update(observations)
                        .where(key)
                        .values(value=float(r.value), reporter=who.name, submitted_at=now)
                    )
                    counts["replaced"] += 1
                conn.execute(
                    insert(observation_history).values(
                        project_id=pid,
                        indicator=r.indicator,
                        entity=r.entity,
                        period=r.period,
                        old_value=None if old is None else float(old),
                        new_value=float(r.value),
                        changed_by=who.name,
                        changed_at=now,
                    )
                )
        return counts

    def read_observations(self, project: str, user: str, indicator: str | None = None) -> pd.DataFrame:
        """Stored values the user may see: a reporter only its enterprises' values."""
        who = self.reporter(user, project)
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
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
            return pd.DataFrame(columns=["indicator", "entity_type", "entity", "period", "value", "reporter"])
        allowed = [who.may_read(t, e) for t, e in zip(df["entity_type"], df["entity"], strict=True)]
        return df.loc[
            allowed, ["indicator", "entity_type", "entity", "period", "value", "reporter"]
        ].reset_index(drop=True)

    def observation_history(self, project: str, user: str) -> pd.DataFrame:
        """Revision history (who, when, old and new value), filtered like :meth:`read_observations`."""
        who = self.reporter(user, project)
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
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
        et = {i: ind.entity_type for i, ind in catalog().items()}
        keep = [
            who.may_read(et.get(i, "node"), e) for i, e in zip(df["indicator"], df["entity"], strict=True)
        ]
        return df[keep].drop(columns=["id", "project_id"]).reset_index(drop=True)

    def series(self, project: str, indicator: str, as_of: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Entities, values (entities x months, NaN = not reported) and months up to ``as_of``."""
        with self.engine.connect() as conn:
            pid = self._project_id(conn, project)
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
            return int(result.inserted_primary_key[0])

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
        who = self.reporter(user, project)
        if who.role not in ("admin", "analyst", "officer"):
            raise AccessDeniedError(f"user {user!r} ({who.role}) may not {status} alerts")
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
        self._alert_transition(project, alert_id, user, "acknowledged")

    def resolve_alert(self, project: str, alert_id: int, user: str) -> None:
        self._alert_transition(project, alert_id, user, "resolved")


def _snapshot_frame(body: str) -> pd.DataFrame:
    return pd.DataFrame(json.loads(body)).set_index("id")


def problems_of(exc: ChainValidationError) -> list[Problem]:
    return exc.problems
