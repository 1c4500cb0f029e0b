"""The exchange between instances as data: identity, registered peers, the outbox of signed
bundles, what each sender's bundles merged (values, rates, alerts, escalations) and the inbox
that makes merging idempotent and gap-free.

Every merge is one transaction: a bundle lands whole or not at all, and its (sender, sequence)
row in ``inbox`` lands with it, so a transfer killed at any point leaves either the whole bundle
or nothing, and the sender's resend is recognised.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from chokepoint.errors import BundleGapError, BundleRefusedError, NotFoundError, UsageError
from chokepoint.store.database import Database
from chokepoint.store.schema import (
    data_reports,
    data_sets,
    escalations,
    inbox,
    network_alerts,
    network_chokepoints,
    network_rates,
    network_settings,
    network_values,
    observations,
    outbox,
    peers,
    projects,
)

VALUE_COLUMNS = [
    "entity",
    "period",
    "indicator",
    "value",
    "enterprise",
    "revision",
    "pending",
    "project",
    "data_set",
]
VALUE_FIELDS = ["data_set", "unit", "enterprise", "period", "indicator", "value", "count", "revision"]
RATE_FIELDS = ["data_set", "unit", "period", "expected", "submitted", "on_time", "approved"]
ALERT_FIELDS = ["project", "alert_id", "unit", "level", "entity", "message_en", "message_zh"]
CHOKEPOINT_FIELDS = ["project", "node", "name", "name_zh", "level", "score"]
ESCALATION_FIELDS = [
    "id",
    "origin",
    "origin_id",
    "project",
    "alert_id",
    "alert",
    "from_unit",
    "to_unit",
    "raised_by",
    "raised_at",
    "reason",
    "state",
    "decision",
    "decided_by",
    "decided_at",
    "why",
]


def _iso(v: Any) -> Any:
    return v.isoformat(timespec="seconds") if isinstance(v, datetime) else v


class NetworkRepository:
    """Identity, peers, outbox, inbox and the merged data of the reporting network.

    Parameters
    ----------
    db : Database
        The database of this instance.
    """

    def __init__(self, db: Database):
        self.db = db

    # ------------------------------------------------------------ settings and peers
    def settings(self) -> dict[str, str]:
        """Every network setting of this instance (name, unit, private key, policy, raw levels)."""
        with self.db.connect() as conn:
            return dict(conn.execute(select(network_settings.c.key, network_settings.c.value)).all())

    def set_settings(self, values: dict[str, str]) -> None:
        """Set network settings (each replaced whole)."""

        def work(conn: Connection) -> None:
            for k, v in values.items():
                conn.execute(delete(network_settings).where(network_settings.c.key == k))
                conn.execute(insert(network_settings).values(key=k, value=v))

        self.db.write(work)

    def add_peer(self, name: str, role: str, unit: str, public_key: str, url: str, by: str) -> None:
        """Register (or re-register) instance ``name`` as a ``sender`` below or the ``receiver``."""

        def work(conn: Connection) -> None:
            conn.execute(delete(peers).where(peers.c.name == name))
            conn.execute(
                insert(peers).values(
                    name=name,
                    role=role,
                    unit=unit,
                    public_key=public_key,
                    url=url,
                    registered_by=by,
                    registered_at=datetime.now(UTC),
                )
            )

        self.db.write(work)

    def peers(self) -> list[dict[str, Any]]:
        """Registered instances, by name."""
        with self.db.connect() as conn:
            rows = conn.execute(select(peers).order_by(peers.c.name)).mappings().all()
        return [{k: _iso(v) for k, v in r.items()} for r in rows]

    def peer(self, name: str) -> dict[str, Any] | None:
        """One registered instance, or None."""
        return next((p for p in self.peers() if p["name"] == name), None)

    def remove_peer(self, name: str) -> None:
        """Unregister an instance (``NotFoundError`` when unknown); what it sent stays."""
        done = self.db.write(lambda conn: conn.execute(delete(peers).where(peers.c.name == name)).rowcount)
        if not done:
            raise NotFoundError(f"no registered instance {name!r}")

    # ------------------------------------------------------------ the sending side
    def enqueue(
        self, receiver: str, batch: int, build: Callable[..., tuple[dict[str, Any], int]]
    ) -> int | None:
        """Bundle the next approved reports not yet sent at their revision, in one transaction:
        the projects are locked (no submission or review lands meanwhile), the reports and their
        values read, the bundle built and signed, stored in the outbox as the next sequence for
        ``receiver``, and the reports marked sent at that revision.

        Parameters
        ----------
        batch : int
            At most this many reports (oldest project, data set, period first).
        build : callable
            ``build(sequence, reports, values)`` → (signed bundle, records it carries).
            ``reports``: ``project, data_set, enterprise, period, revision``; ``values``: the
            approved values of every report of those data sets in those periods (``project,
            data_set, enterprise, entity, period, indicator, value, revision, pending``; pending:
            one of ``reports``; the others let aggregates be sent whole).

        Returns
        -------
        int or None
            The bundle's sequence, or None when ``build`` returned no bundle.
        """
        r, o = data_reports.c, observations.c
        unsent = (r.state == "approved") & (r.bundled_revision.is_(None) | (r.bundled_revision < r.revision))

        def work(conn: Connection) -> int | None:
            for pid in sorted(conn.execute(select(r.project_id).where(unsent).distinct()).scalars()):
                self.db.lock_project(conn, int(pid))
            cols = ["project", "project_id", "data_set", "enterprise", "period", "revision"]
            reports = pd.DataFrame(
                conn.execute(
                    select(projects.c.name, r.project_id, r.data_set, r.enterprise, r.period, r.revision)
                    .join(projects, projects.c.id == r.project_id)
                    .where(unsent)
                    .order_by(projects.c.name, r.data_set, r.period, r.enterprise)
                    .limit(batch)
                ).all(),
                columns=cols,
            )
            parts = []
            for (project, pid, data_set), group in reports.groupby(["project", "project_id", "data_set"]):
                body = json.loads(
                    conn.execute(
                        select(data_sets.c.body).where(
                            (data_sets.c.project_id == pid) & (data_sets.c.name == data_set)
                        )
                    ).scalar_one()
                )
                periods = sorted(set(group["period"]))
                approved = pd.DataFrame(
                    conn.execute(
                        select(r.enterprise, r.period, r.revision).where(
                            (r.project_id == pid)
                            & (r.data_set == data_set)
                            & (r.state == "approved")
                            & r.period.in_(periods)
                        )
                    ).all(),
                    columns=["enterprise", "period", "revision"],
                )
                vals = pd.DataFrame(
                    conn.execute(
                        select(o.entity, o.period, o.indicator, o.value).where(
                            (o.project_id == pid)
                            & o.indicator.in_(body["indicators"])
                            & o.period.in_(periods)
                        )
                    ).all(),
                    columns=["entity", "period", "indicator", "value"],
                )
                vals["enterprise"] = vals["entity"].astype(str).str.split("|").str[-1]
                vals = vals.merge(approved, on=["enterprise", "period"])  # approved reports only
                mine = set(zip(group["enterprise"], group["period"], strict=True))
                vals["pending"] = [
                    (e, p) in mine for e, p in zip(vals["enterprise"], vals["period"], strict=True)
                ]
                parts.append(vals.assign(project=str(project), data_set=str(data_set)))
            values = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=VALUE_COLUMNS)
            last = conn.execute(
                select(func.max(outbox.c.sequence)).where(outbox.c.receiver == receiver)
            ).scalar()
            sequence = int(last or 0) + 1
            bundle, records = build(sequence, reports.drop(columns="project_id"), values)
            if bundle is None:
                return None
            conn.execute(
                insert(outbox).values(
                    receiver=receiver,
                    sequence=sequence,
                    records=records,
                    body=json.dumps(bundle, ensure_ascii=False),
                    created_at=datetime.now(UTC),
                )
            )
            marks = [
                {
                    "b_pid": int(m["project_id"]),
                    "b_set": m["data_set"],
                    "b_e": m["enterprise"],
                    "b_p": m["period"],
                    "b_rev": int(m["revision"]),
                }
                for m in reports.to_dict("records")
            ]
            if marks:
                conn.execute(
                    update(data_reports)
                    .where(
                        (r.project_id == bindparam("b_pid"))
                        & (r.data_set == bindparam("b_set"))
                        & (r.enterprise == bindparam("b_e"))
                        & (r.period == bindparam("b_p"))
                        & (r.revision == bindparam("b_rev"))
                    )
                    .values(bundled_revision=bindparam("b_rev")),
                    marks,
                )
            return sequence

        return self.db.write(work)

    def outbox(self, receiver: str, unacked: bool = True) -> list[dict[str, Any]]:
        """The bundles for ``receiver`` in sequence (only those not acknowledged, by default)."""
        q = select(outbox).where(outbox.c.receiver == receiver)
        if unacked:
            q = q.where(outbox.c.acked_at.is_(None))
        with self.db.connect() as conn:
            rows = conn.execute(q.order_by(outbox.c.sequence)).mappings().all()
        return [{**r, "body": json.loads(r["body"])} for r in rows]

    def ack(self, receiver: str, up_to: int) -> int:
        """Mark every bundle for ``receiver`` up to sequence ``up_to`` acknowledged."""
        q = (
            update(outbox)
            .where(
                (outbox.c.receiver == receiver) & (outbox.c.sequence <= up_to) & outbox.c.acked_at.is_(None)
            )
            .values(acked_at=datetime.now(UTC))
        )
        return int(self.db.write(lambda conn: conn.execute(q).rowcount))

    def unack(self, receiver: str, from_sequence: int) -> int:
        """Mark the bundles for ``receiver`` from ``from_sequence`` on not acknowledged (a receiver
        restored from an older backup lost them: they are sent again).
        """
        q = (
            update(outbox)
            .where((outbox.c.receiver == receiver) & (outbox.c.sequence >= from_sequence))
            .values(acked_at=None)
        )
        return int(self.db.write(lambda conn: conn.execute(q).rowcount))

    def outbox_status(self) -> list[dict[str, Any]]:
        """Per receiver: bundles prepared, acknowledged, waiting, and the last acknowledgement."""
        o = outbox.c
        q = select(
            o.receiver,
            func.count().label("bundles"),
            func.count(o.acked_at).label("acknowledged"),
            func.max(o.acked_at).label("last_acknowledged_at"),
            func.max(o.sequence).label("last_sequence"),
        ).group_by(o.receiver)
        with self.db.connect() as conn:
            rows = conn.execute(q).mappings().all()
        return [
            {**{k: _iso(v) for k, v in r.items()}, "waiting": r["bundles"] - r["acknowledged"]} for r in rows
        ]

    # ------------------------------------------------------------ the receiving side
    def merge(self, header: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
        """Merge a verified bundle from ``header['sender']`` in one transaction.

        Returns
        -------
        dict
            ``sequence``, ``outcome`` (``merged`` or ``duplicate``: already merged, nothing done)
            and ``records``.

        Raises
        ------
        BundleGapError
            When the bundle is not the next of its sender (``expected``: the one awaited).
        BundleRefusedError
            When a bundle with this sequence was merged with other content.
        """
        sender, sequence = header["sender"], int(header["sequence"])
        now = datetime.now(UTC)

        def work(conn: Connection) -> dict[str, Any]:
            # the sender's peer row, locked: bundles of one sender merge one after the other
            q = select(peers.c.name).where(peers.c.name == sender)
            conn.execute(q.with_for_update() if conn.dialect.name == "postgresql" else q)
            seen = conn.execute(
                select(inbox.c.digest).where((inbox.c.sender == sender) & (inbox.c.sequence == sequence))
            ).scalar()
            if seen is not None:
                if seen != header["digest"]:
                    raise BundleRefusedError(
                        f"{sender!r} already sent a different bundle {sequence}: refused, nothing merged"
                    )
                return {"sequence": sequence, "outcome": "duplicate", "records": 0}
            last = int(
                conn.execute(select(func.max(inbox.c.sequence)).where(inbox.c.sender == sender)).scalar() or 0
            )
            if sequence != last + 1:
                raise BundleGapError(
                    f"bundle {sequence} from {sender!r} comes before bundle {last + 1}: send from {last + 1}",
                    last + 1,
                )
            records = self._merge_payload(conn, sender, sequence, payload, now)
            conn.execute(
                insert(inbox).values(
                    sender=sender,
                    sequence=sequence,
                    digest=header["digest"],
                    records=records,
                    received_at=now,
                )
            )
            return {"sequence": sequence, "outcome": "merged", "records": records}

        return self.db.write(work)

    def _merge_payload(
        self, conn: Connection, sender: str, sequence: int, payload: dict[str, Any], now: datetime
    ) -> int:
        v = network_values.c
        values = payload.get("values") or []
        for row in values:
            missing = [f for f in VALUE_FIELDS if f not in row]
            if missing:
                raise BundleRefusedError(f"a value of bundle {sequence} lacks {', '.join(missing)}")
        if values:
            # replace: an enterprise's value (whatever unit it was in before); for sums, every
            # unit's sum of that data set, period and indicator (an enterprise that moved units
            # is not left in its old unit's sum)
            raw = {
                (r["data_set"], r["enterprise"], r["period"], r["indicator"])
                for r in values
                if r["enterprise"]
            }
            sums = {(r["data_set"], r["period"], r["indicator"]) for r in values if not r["enterprise"]}
            for d, e, p, i in raw:
                conn.execute(
                    delete(network_values).where(
                        (v.sender == sender)
                        & (v.data_set == d)
                        & (v.enterprise == e)
                        & (v.period == p)
                        & (v.indicator == i)
                    )
                )
            for d, p, i in sums:
                conn.execute(
                    delete(network_values).where(
                        (v.sender == sender)
                        & (v.data_set == d)
                        & (v.enterprise == "")
                        & (v.period == p)
                        & (v.indicator == i)
                    )
                )
            conn.execute(
                insert(network_values),
                [
                    {**{f: row[f] for f in VALUE_FIELDS}, "sender": sender, "sequence": sequence}
                    for row in values
                ],
            )
        if "rates" in payload:
            conn.execute(delete(network_rates).where(network_rates.c.sender == sender))
            rates = [
                {**{f: r[f] for f in RATE_FIELDS}, "sender": sender, "as_of": now} for r in payload["rates"]
            ]
            if rates:
                conn.execute(insert(network_rates), rates)
        if "alerts" in payload:
            conn.execute(delete(network_alerts).where(network_alerts.c.sender == sender))
            alerts = [
                {**{f: a[f] for f in ALERT_FIELDS}, "sender": sender, "as_of": now} for a in payload["alerts"]
            ]
            if alerts:
                conn.execute(insert(network_alerts), alerts)
        if "chokepoints" in payload:
            conn.execute(delete(network_chokepoints).where(network_chokepoints.c.sender == sender))
            found = [
                {**{f: c[f] for f in CHOKEPOINT_FIELDS}, "sender": sender, "as_of": now}
                for c in payload["chokepoints"]
            ]
            if found:
                conn.execute(insert(network_chokepoints), found)
        for e in payload.get("escalations") or []:
            key = (escalations.c.origin == sender) & (escalations.c.origin_id == int(e["id"]))
            held = conn.execute(select(escalations.c.state).where(key)).scalar()
            fields = {
                "project": e["project"],
                "alert_id": int(e["alert_id"]),
                "alert": json.dumps(e["alert"], ensure_ascii=False),
                "from_unit": e["from_unit"],
                "to_unit": e["to_unit"],
                "raised_by": e["raised_by"],
                "raised_at": datetime.fromisoformat(e["raised_at"]),
                "reason": e["reason"],
            }
            if held is None:
                conn.execute(
                    insert(escalations).values(origin=sender, origin_id=int(e["id"]), state="open", **fields)
                )
        return len(values) + len(payload.get("rates") or []) + len(payload.get("escalations") or [])

    def inbox_status(self) -> list[dict[str, Any]]:
        """Per sender: bundles merged, the last sequence and when it was merged."""
        i = inbox.c
        q = select(
            i.sender,
            func.count().label("bundles"),
            func.max(i.sequence).label("last_sequence"),
            func.max(i.received_at).label("last_exchange_at"),
            func.sum(i.records).label("records"),
        ).group_by(i.sender)
        with self.db.connect() as conn:
            return [{k: _iso(v) for k, v in r.items()} for r in conn.execute(q.order_by(i.sender)).mappings()]

    def values(self) -> pd.DataFrame:
        """Every merged value: ``sender`` and :data:`VALUE_FIELDS`."""
        cols = ["sender", *VALUE_FIELDS]
        with self.db.connect() as conn:
            rows = conn.execute(select(*(network_values.c[c] for c in cols))).all()
        return pd.DataFrame(rows, columns=cols)

    def rates(self) -> pd.DataFrame:
        """Every sender's reporting rates as of its last bundle (``sender``, :data:`RATE_FIELDS`)."""
        cols = ["sender", *RATE_FIELDS]
        with self.db.connect() as conn:
            rows = conn.execute(select(*(network_rates.c[c] for c in cols))).all()
        return pd.DataFrame(rows, columns=cols)

    def alerts(self) -> pd.DataFrame:
        """Every sender's open alerts as of its last bundle (``sender``, :data:`ALERT_FIELDS`)."""
        cols = ["sender", *ALERT_FIELDS]
        with self.db.connect() as conn:
            rows = conn.execute(select(*(network_alerts.c[c] for c in cols))).all()
        return pd.DataFrame(rows, columns=cols)

    def chokepoints(self) -> pd.DataFrame:
        """Every sender's chokepoints as of its last bundle (``sender``, :data:`CHOKEPOINT_FIELDS`)."""
        cols = ["sender", *CHOKEPOINT_FIELDS]
        with self.db.connect() as conn:
            rows = conn.execute(select(*(network_chokepoints.c[c] for c in cols))).all()
        return pd.DataFrame(rows, columns=cols)

    # ------------------------------------------------------------ escalations
    def escalate(self, fields: dict[str, Any]) -> int:
        """Record a local escalation (state ``open``); returns its id."""
        row = {
            **fields,
            "origin": "",
            "state": "open",
            "alert": json.dumps(fields["alert"], ensure_ascii=False),
        }

        def work(conn: Connection) -> int:
            key = conn.execute(insert(escalations).values(**row)).inserted_primary_key
            assert key is not None  # an autoincrement id
            return int(key[0])

        return self.db.write(work)

    def escalations(self) -> list[dict[str, Any]]:
        """Every escalation, newest first, with its decision."""
        with self.db.connect() as conn:
            rows = conn.execute(select(escalations).order_by(escalations.c.id.desc())).mappings().all()
        return [{**{k: _iso(v) for k, v in r.items()}, "alert": json.loads(r["alert"])} for r in rows]

    def decide(self, escalation_id: int, decision: str, why: str, by: str) -> dict[str, Any]:
        """Record the decision on an open escalation.

        Raises
        ------
        NotFoundError, UsageError
            When there is no such escalation, or it is decided already.
        """
        key = escalations.c.id == escalation_id

        def work(conn: Connection) -> None:
            state = conn.execute(select(escalations.c.state).where(key)).scalar()
            if state is None:
                raise NotFoundError(f"no escalation {escalation_id}")
            done = conn.execute(
                update(escalations)
                .where(key & (escalations.c.state == "open"))  # two deciders at once: one wins
                .values(
                    state="decided", decision=decision, why=why, decided_by=by, decided_at=datetime.now(UTC)
                )
            )
            if done.rowcount == 0:
                raise UsageError(f"escalation {escalation_id} is decided already")

        self.db.write(work)
        return next(e for e in self.escalations() if e["id"] == escalation_id)

    def decisions_for(self, sender: str, origin_ids: list[int]) -> list[dict[str, Any]]:
        """The decisions taken here on escalations ``sender`` raised (by its ids)."""
        if not origin_ids:
            return []
        with self.db.connect() as conn:
            rows = conn.execute(
                select(escalations).where(
                    (escalations.c.origin == sender)
                    & escalations.c.origin_id.in_(origin_ids)
                    & (escalations.c.state == "decided")
                )
            ).mappings()
            return [
                {
                    "id": r["origin_id"],
                    "decision": r["decision"],
                    "why": r["why"],
                    "decided_by": r["decided_by"],
                    "decided_at": _iso(r["decided_at"]),
                }
                for r in rows
            ]

    def apply_decisions(self, decisions: list[dict[str, Any]]) -> int:
        """Record decisions the receiver took on this instance's escalations; how many were new."""

        def work(conn: Connection) -> int:
            n = 0
            for d in decisions:
                key = (
                    (escalations.c.id == int(d["id"]))
                    & (escalations.c.origin == "")
                    & (escalations.c.state == "open")
                )
                n += conn.execute(
                    update(escalations)
                    .where(key)
                    .values(
                        state="decided",
                        decision=d["decision"],
                        why=d["why"],
                        decided_by=d["decided_by"],
                        decided_at=datetime.fromisoformat(d["decided_at"]),
                    )
                ).rowcount
            return n

        return self.db.write(work)
