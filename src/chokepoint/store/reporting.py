"""Reporting cycles as data: organisation units of users, data sets, the state of each report
and every review step, and in-app notifications.

The rules (what a state means, the rates, who may review) are :mod:`chokepoint.monitor.reporting`
and :mod:`chokepoint.service.reporting`; here every write is one transaction, and a report's
state moves with its values: :func:`record_submission` runs inside the transaction that stores
the values (:meth:`chokepoint.store.observations.ObservationRepository.submit`).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from chokepoint.errors import ConflictError, NotFoundError
from chokepoint.monitor.reporting import REVIEW_ACTIONS, REVIEWABLE, report_state
from chokepoint.store.database import Database
from chokepoint.store.schema import (
    data_reports,
    data_sets,
    notifications,
    observations,
    report_steps,
    user_units,
    users,
)

REPORT_COLUMNS = [
    "data_set",
    "enterprise",
    "period",
    "state",
    "revision",
    "first_submitted_at",
    "submitted_at",
    "submitted_by",
    "reviewed_by",
    "reviewed_at",
    "comment",
]


def record_submission(
    conn: Connection, pid: int, rows: pd.DataFrame, changed: pd.DataFrame, by: str, now: datetime
) -> None:
    """Move the reports a submission touches (inside the submission's transaction).

    Parameters
    ----------
    conn : Connection
        The submission's transaction (the project is locked).
    pid : int
        The project's id.
    rows : DataFrame
        Every submitted value (``indicator, entity_type, entity, period``), changed or not: a
        returned report sent again unchanged is submitted again.
    changed : DataFrame
        The values that are new or changed (same columns).
    by : str
        The submitting user.
    now : datetime
        The submission's time (the values').
    """
    sets = conn.execute(select(data_sets.c.name, data_sets.c.body).where(data_sets.c.project_id == pid)).all()
    if not sets or not len(rows):
        return
    actor = rows["entity"].astype(str).str.split("|").str[-1]
    changed_actor = (
        changed["entity"].astype(str).str.split("|").str[-1] if len(changed) else pd.Series([], dtype=str)
    )
    for name, raw in sets:
        body = json.loads(raw)
        mine = rows["indicator"].isin(body["indicators"]) & actor.isin(body["enterprises"])
        if not mine.any():
            continue
        touched = pd.DataFrame(
            {"enterprise": actor[mine], "period": rows.loc[mine, "period"]}
        ).drop_duplicates()
        periods = sorted(set(touched["period"]))
        held = pd.DataFrame(
            conn.execute(
                select(observations.c.indicator, observations.c.entity, observations.c.period).where(
                    (observations.c.project_id == pid)
                    & observations.c.indicator.in_(body["indicators"])
                    & observations.c.period.in_(periods)
                )
            ).all(),
            columns=["indicator", "entity", "period"],
        )
        held["enterprise"] = held["entity"].astype(str).str.split("|").str[-1]
        present = (
            held.drop_duplicates(["enterprise", "period", "indicator"])
            .groupby(["enterprise", "period"])
            .size()
        )
        moved = set()
        if len(changed):
            cm = changed["indicator"].isin(body["indicators"]) & changed_actor.isin(body["enterprises"])
            moved = set(zip(changed_actor[cm], changed.loc[cm, "period"], strict=True))
        current = {
            (r.enterprise, r.period): r
            for r in conn.execute(
                select(data_reports).where(
                    (data_reports.c.project_id == pid)
                    & (data_reports.c.data_set == name)
                    & data_reports.c.period.in_(periods)
                    & data_reports.c.enterprise.in_(sorted(set(touched["enterprise"])))
                )
            )
        }
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        steps: list[dict[str, Any]] = []
        for enterprise, period in zip(touched["enterprise"], touched["period"], strict=True):
            old = current.get((enterprise, period))
            was_changed = (enterprise, period) in moved
            state = report_state(
                int(present.get((enterprise, period), 0)),
                len(body["indicators"]),
                None if old is None else old.state,
                was_changed,
            )
            if state == "submitted" and body.get("review_level") == "none":
                state = "approved"  # not reviewed: a complete report counts (and is sent up) at once
            if old is not None and old.state == state and not was_changed:
                continue  # nothing moved (an unchanged value sent again)
            submitted = state != "partial"
            if old is None:
                revision = 1
                inserts.append(
                    {
                        "project_id": pid,
                        "data_set": name,
                        "enterprise": enterprise,
                        "period": period,
                        "state": state,
                        "revision": revision,
                        "first_submitted_at": now if submitted else None,
                        "submitted_at": now,
                        "submitted_by": by,
                        "comment": "",
                    }
                )
            else:
                # a new revision: changed values of a complete report (a reviewer must not approve
                # values it did not see), or a returned or queried report sent again
                sent_again = old.state in ("returned", "queried") and state != old.state
                revision = old.revision + (1 if old.state != "partial" and (was_changed or sent_again) else 0)
                updates.append(
                    {
                        "b_enterprise": enterprise,
                        "b_period": period,
                        "b_state": state,
                        "b_revision": revision,
                        "b_first": old.first_submitted_at or (now if submitted else None),
                    }
                )
            steps.append(
                {
                    "project_id": pid,
                    "data_set": name,
                    "enterprise": enterprise,
                    "period": period,
                    "revision": revision,
                    "action": "submit" if submitted else "partial",
                    "by": by,
                    "unit": "",
                    "comment": "",
                    "at": now,
                }
            )
        # one statement each, many rows (executemany): a national upload moves thousands of reports
        if inserts:
            conn.execute(insert(data_reports), inserts)
        if updates:
            r = data_reports.c
            conn.execute(
                update(data_reports)
                .where(
                    (r.project_id == pid)
                    & (r.data_set == name)
                    & (r.enterprise == bindparam("b_enterprise"))
                    & (r.period == bindparam("b_period"))
                )
                .values(
                    state=bindparam("b_state"),
                    revision=bindparam("b_revision"),
                    first_submitted_at=bindparam("b_first"),
                    submitted_at=now,
                    submitted_by=by,
                ),
                updates,
            )
        if steps:
            conn.execute(insert(report_steps), steps)


class ReportingRepository:
    """Units of users, data sets, reports and their steps, notifications.

    Parameters
    ----------
    db : Database
        The database the projects and users live in.
    """

    def __init__(self, db: Database):
        self.db = db

    # ------------------------------------------------------------ organisation units
    def set_unit(self, user: str, unit: str | None) -> None:
        """Place ``user`` in organisation unit ``unit`` (``None``: no unit; the instance's top).

        Raises
        ------
        NotFoundError
            When there is no such user.
        """

        def work(conn: Connection) -> None:
            uid = conn.execute(select(users.c.id).where(users.c.name == user)).scalar()
            if uid is None:
                raise NotFoundError(f"no user {user!r}")
            conn.execute(delete(user_units).where(user_units.c.user_id == uid))
            if unit:
                conn.execute(insert(user_units).values(user_id=uid, unit=unit, assigned_at=datetime.now(UTC)))

        self.db.write(work)

    def unit_of(self, user: str) -> str | None:
        """The organisation unit of ``user`` (``None`` when it has none)."""
        q = (
            select(user_units.c.unit)
            .join(users, users.c.id == user_units.c.user_id)
            .where(users.c.name == user)
        )
        with self.db.connect() as conn:
            return conn.execute(q).scalar()

    def units(self) -> dict[str, str]:
        """Every user placed in a unit: user → unit."""
        q = select(users.c.name, user_units.c.unit).join(users, users.c.id == user_units.c.user_id)
        with self.db.connect() as conn:
            return {n: u for n, u in conn.execute(q.order_by(users.c.name))}

    # ------------------------------------------------------------ data sets
    def put_data_set(self, project: str, name: str, body: dict[str, Any], by: str) -> None:
        """Insert or replace data set ``name`` of ``project``."""

        def work(conn: Connection) -> None:
            pid = self.db.project_id(conn, project)
            key = (data_sets.c.project_id == pid) & (data_sets.c.name == name)
            conn.execute(delete(data_sets).where(key))
            conn.execute(
                insert(data_sets).values(
                    project_id=pid,
                    name=name,
                    body=json.dumps(body, ensure_ascii=False),
                    updated_by=by,
                    updated_at=datetime.now(UTC),
                )
            )

        self.db.write(work)

    def data_sets(self, project: str) -> list[dict[str, Any]]:
        """The project's data sets (bodies), by name."""
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            rows = conn.execute(
                select(data_sets.c.body).where(data_sets.c.project_id == pid).order_by(data_sets.c.name)
            ).scalars()
            return [json.loads(b) for b in rows]

    def delete_data_set(self, project: str, name: str) -> None:
        """Delete a data set and its reports and steps (``NotFoundError`` when absent)."""

        def work(conn: Connection) -> None:
            pid = self.db.project_id(conn, project)
            done = conn.execute(
                delete(data_sets).where((data_sets.c.project_id == pid) & (data_sets.c.name == name))
            )
            if done.rowcount == 0:
                raise NotFoundError(f"no data set {name!r} in project {project!r}")
            for t in (data_reports, report_steps):
                conn.execute(delete(t).where((t.c.project_id == pid) & (t.c.data_set == name)))

        self.db.write(work)

    # ------------------------------------------------------------ reports
    def reports(
        self,
        project: str,
        data_set: str | None = None,
        periods: Collection[str] | None = None,
        enterprises: Collection[str] | None = None,
    ) -> pd.DataFrame:
        """Stored reports (:data:`REPORT_COLUMNS`), by data set, enterprise and period."""
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            q = select(*(data_reports.c[c] for c in REPORT_COLUMNS)).where(data_reports.c.project_id == pid)
            if data_set is not None:
                q = q.where(data_reports.c.data_set == data_set)
            if periods is not None:
                q = q.where(data_reports.c.period.in_(sorted(periods)))
            if enterprises is not None:
                q = q.where(data_reports.c.enterprise.in_(sorted(enterprises)))
            order = (data_reports.c.data_set, data_reports.c.period, data_reports.c.enterprise)
            return pd.DataFrame(conn.execute(q.order_by(*order)).all(), columns=REPORT_COLUMNS)

    def review(
        self,
        project: str,
        data_set: str,
        items: list[tuple[str, str, int | None]],
        action: str,
        by: str,
        unit: str,
        comment: str = "",
    ) -> list[dict[str, Any]]:
        """Approve, query or return reports in one transaction (all or none), one step each
        recorded with who, unit and comment.

        Parameters
        ----------
        items : list of (enterprise, period, revision)
            The reports; a revision (the one the reviewer saw) refuses the review when the
            report was sent again since, rather than applying it to values not seen.

        Raises
        ------
        NotFoundError
            When a report does not exist.
        ConflictError
            When a report's state does not allow ``action`` (approving a returned report) or
            its revision moved on; nothing is reviewed.
        """
        now = datetime.now(UTC)
        state = REVIEW_ACTIONS[action]

        def work(conn: Connection) -> list[dict[str, Any]]:
            pid = self.db.project_id(conn, project)
            self.db.lock_project(conn, pid)
            held = {
                (r.enterprise, r.period): r
                for r in conn.execute(
                    select(data_reports).where(
                        (data_reports.c.project_id == pid)
                        & (data_reports.c.data_set == data_set)
                        & data_reports.c.enterprise.in_(sorted({e for e, _, _ in items}))
                    )
                )
            }
            done = []
            for enterprise, period, revision in items:
                row = held.get((enterprise, period))
                if row is None:
                    raise NotFoundError(f"no report of {enterprise!r} for {period} in data set {data_set!r}")
                if row.state not in REVIEWABLE[action]:
                    raise ConflictError(
                        f"the report of {enterprise!r} for {period} is {row.state}: "
                        f"it cannot be {state} (reload it)"
                    )
                if revision is not None and row.revision != revision:
                    raise ConflictError(
                        f"the report of {enterprise!r} for {period} is at revision {row.revision}, not "
                        f"{revision}: it was sent again; reload it"
                    )
                key = and_(
                    data_reports.c.project_id == pid,
                    data_reports.c.data_set == data_set,
                    data_reports.c.enterprise == enterprise,
                    data_reports.c.period == period,
                )
                conn.execute(
                    update(data_reports)
                    .where(key)
                    .values(state=state, reviewed_by=by, reviewed_at=now, comment=comment)
                )
                done.append(
                    {
                        "project_id": pid,
                        "data_set": data_set,
                        "enterprise": enterprise,
                        "period": period,
                        "revision": row.revision,
                        "action": action,
                        "by": by,
                        "unit": unit,
                        "comment": comment,
                        "at": now,
                    }
                )
            if done:
                conn.execute(insert(report_steps), done)
            return [
                {k: d[k] for k in ("data_set", "enterprise", "period", "revision", "comment")}
                | {"state": state, "reviewed_by": by}
                for d in done
            ]

        return self.db.write(work)

    def steps(self, project: str, data_set: str, enterprise: str, period: str) -> list[dict[str, Any]]:
        """Every step of one report, in order: revision, action, by, unit, comment, at."""
        c = report_steps.c
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            rows = conn.execute(
                select(c.revision, c.action, c.by, c.unit, c.comment, c.at)
                .where(
                    (c.project_id == pid)
                    & (c.data_set == data_set)
                    & (c.enterprise == enterprise)
                    & (c.period == period)
                )
                .order_by(c.id)
            ).mappings()
            return [{**r, "at": r["at"].isoformat(timespec="seconds")} for r in rows]

    def all_steps(self, project: str, data_set: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Every step of every report of a data set, in order, by (enterprise, period): one query."""
        c = report_steps.c
        out: dict[tuple[str, str], list[dict[str, Any]]] = {}
        with self.db.connect() as conn:
            pid = self.db.project_id(conn, project)
            rows = conn.execute(
                select(c.enterprise, c.period, c.revision, c.action, c.by, c.unit, c.comment, c.at)
                .where((c.project_id == pid) & (c.data_set == data_set))
                .order_by(c.id)
            ).mappings()
            for r in rows:
                step = {k: r[k] for k in ("revision", "action", "by", "unit", "comment")}
                out.setdefault((r["enterprise"], r["period"]), []).append(
                    {**step, "at": r["at"].isoformat(timespec="seconds")}
                )
        return out

    # ------------------------------------------------------------ notifications
    def notify(self, rows: list[dict[str, Any]]) -> int:
        """Store notifications (``user, kind, message_en, message_zh, body``); their number."""
        if not rows:
            return 0
        now = datetime.now(UTC)
        values = [
            {**r, "body": json.dumps(r.get("body", {}), ensure_ascii=False), "created_at": now} for r in rows
        ]
        self.db.write(lambda conn: conn.execute(insert(notifications), values))
        return len(values)

    def notifications(self, user: str, unread: bool = False, limit: int = 100) -> list[dict[str, Any]]:
        """The user's notifications, newest first."""
        c = notifications.c
        q = select(c.id, c.kind, c.message_en, c.message_zh, c.body, c.created_at, c.read_at).where(
            c.user == user
        )
        if unread:
            q = q.where(c.read_at.is_(None))
        with self.db.connect() as conn:
            rows = conn.execute(q.order_by(c.id.desc()).limit(limit)).mappings().all()
        return [
            {
                **r,
                "body": json.loads(r["body"]),
                "created_at": r["created_at"].isoformat(timespec="seconds"),
                "read_at": r["read_at"].isoformat(timespec="seconds") if r["read_at"] else None,
            }
            for r in rows
        ]

    def mark_read(self, user: str, ids: Collection[int] | None = None) -> int:
        """Mark the user's notifications read (all, or those of ``ids``); how many changed."""
        c = notifications.c
        q = update(notifications).where((c.user == user) & c.read_at.is_(None))
        if ids is not None:
            q = q.where(c.id.in_(list(ids)))
        return int(self.db.write(lambda conn: conn.execute(q.values(read_at=datetime.now(UTC))).rowcount))
