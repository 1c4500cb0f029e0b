"""Early-warning monitoring (预警监测): reported data, rules, monitor runs, alerts, snapshots.

The use cases of ``chokepoint report-data|rules|monitor|alerts`` and of the API's
``.../observations`` (alias ``.../reports``), ``.../rules``, ``.../alerts``, ``.../monitor/run`` and
``.../snapshots`` routes. The computations are the pure functions of :mod:`chokepoint.monitor`;
the checks of who may report, read or act are :mod:`chokepoint.service.users`; the store holds
the data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from chokepoint.assess import Perspective
from chokepoint.errors import ChokepointError, InputFileError, Problem, ReportRejectedError
from chokepoint.io.observation_files import read_report_file, write_report_template
from chokepoint.limits import check_time_limit
from chokepoint.lists.roadmap import roadmap_conditions
from chokepoint.model.chain import ChainMap
from chokepoint.monitor.alerts import diff_snapshots, reconcile, snapshot_of
from chokepoint.monitor.catalog import catalog
from chokepoint.monitor.observations import validate_observations
from chokepoint.monitor.rules import (
    CONDITION_COLUMNS,
    AssessmentRule,
    RuleSet,
    evaluate_assessment,
    evaluate_series,
)
from chokepoint.monitor.text import entity_names
from chokepoint.service.assessment import assess_project
from chokepoint.service.reporting import counted_series, raw_actors, scope_values
from chokepoint.service.users import alert_actor, reporter
from chokepoint.store import Store

HISTORY_COLUMNS = ["indicator", "entity", "period", "old_value", "new_value", "changed_by", "changed_at"]


def current_month() -> str:
    """The current month, ``YYYY-MM`` (UTC)."""
    return datetime.now(UTC).strftime("%Y-%m")


# ----------------------------------------------------------------- reported values
def submit_observations(
    store: Store,
    project: str,
    frame: pd.DataFrame,
    user: str,
    *,
    source: str = "submission",
    rows: list[int] | np.ndarray | None = None,
    as_of: str | None = None,
    chain: ChainMap | None = None,
    at: datetime | None = None,
) -> dict[str, int]:
    """Check and store reported values as ``user``; any bad or forbidden row rejects them all.

    Parameters
    ----------
    frame : columns ``indicator, period, value`` and the entity columns (``node``,
        ``enterprise``, ``country``), optional ``unit``.
    rows : the row number of each row in the problems (default: as a spreadsheet, from 2).
    source : the file or ``request body`` the problems name.
    as_of : the current month ``YYYY-MM`` (later periods are in the future); default today.
    chain : the project's chain when the caller holds it (default: loaded from the store).
    at : when the values were received (default now): a backfill of paper reports gives the date,
        which the data sets' timeliness (及时率) is judged by.

    Returns
    -------
    dict
        Counts ``new``, ``replaced`` (the old value goes to the history) and ``unchanged``.

    Raises
    ------
    ReportRejectedError
        With every problem (row, column, reason), including rows the user may not report.
    AccessDeniedError
        When the user is disabled.
    """
    who = reporter(store, user, project)
    numbers = list(rows) if rows is not None else list(range(2, len(frame) + 2))
    checked = validate_observations(
        frame,
        numbers,
        source,
        catalog(),
        chain if chain is not None else store.chains.load(project),
        who,
        as_of or current_month(),
    )
    if checked.problem_count:
        raise ReportRejectedError(checked.problems, problem_count=checked.problem_count)
    return store.observations.submit(project, checked.clean, who.name, at)


def upload_observations(
    store: Store,
    project: str,
    path: str | os.PathLike[str],
    user: str,
    as_of: str | None = None,
    chain: ChainMap | None = None,
) -> tuple[str, dict[str, int]]:
    """Submit a filled template (.xlsx) or a .csv file as ``user`` (see :func:`submit_observations`);
    returns the source the file was read as (``file.xlsx[data]``) and the counts.
    """
    frame, rows, source, problems = read_report_file(path)
    if problems:
        raise ReportRejectedError(problems)
    check_time_limit("validating")
    return source, submit_observations(
        store, project, frame, user, source=source, rows=rows, as_of=as_of, chain=chain
    )


def read_observations(store: Store, project: str, user: str, indicator: str | None = None) -> pd.DataFrame:
    """Reported values ``user`` may read (a reporter only its enterprises'; a user placed in a unit
    the enterprise values of its subtree, :func:`chokepoint.service.reporting.raw_actors`), by
    indicator, entity, period: columns ``indicator, entity_type, entity, period, value, reporter``.
    """
    who = reporter(store, user, project)
    values = store.observations.values(project, indicator)
    return scope_values(values, raw_actors(store, project, user), who.role == "reporter")


def observation_history(store: Store, project: str, user: str) -> list[dict[str, Any]]:
    """Revision history of the values ``user`` may read, in order of change: indicator, entity,
    period, old value (``None`` for a first report), new value, who and when (ISO seconds).
    """
    who = reporter(store, user, project)
    actors = raw_actors(store, project, user)
    df = store.observations.history(project, actors if who.role == "reporter" else None)
    if actors is not None and who.role != "reporter" and len(df):
        et = {i: ind.entity_type for i, ind in catalog().items()}
        df = scope_values(df.assign(entity_type=[et.get(i, "node") for i in df["indicator"]]), actors, False)
    return [
        {c: _plain(r[c]) for c in HISTORY_COLUMNS if c in r}
        for r in (df.to_dict("records") if len(df) else [])
    ]


def report_template(
    store: Store, project: str, user: str, out: str | os.PathLike[str], period: str | None = None
) -> Path:
    """Write the upload workbook for ``user``: the rows it may report for ``period`` (default: this
    month) prefilled, and the indicator catalog.
    """
    who = reporter(store, user, project)
    return write_report_template(out, store.chains.load(project), who, period or current_month())


def indicators() -> list[dict[str, Any]]:
    """The indicator catalog: code, names, unit, entity type, direction, valid range."""
    return [i.to_dict() for i in catalog().values()]


# ------------------------------------------------------------------------ rules
def read_rules_file(path: str | os.PathLike[str]) -> Any:
    """The parsed body of a YAML or JSON rules file (to give to :func:`import_rules`)."""
    p = Path(path)
    if not p.is_file():
        raise ChokepointError(f"{p}: no such rules file")
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputFileError(p.name, f"not YAML or JSON: {exc}") from None


def import_rules(
    store: Store, project: str, data: Any, user: str = "cli", source: str = "request body"
) -> dict[str, int]:
    """Validate a rules body (``{"rules": [...]}``) and insert or update the rules by id; every
    change goes to the rule history with ``user``.

    Raises
    ------
    ReportRejectedError
        With a problem per invalid field, naming ``source`` (the file, or ``request body``).
    """
    try:
        ruleset = RuleSet.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(source, None, ".".join(str(x) for x in e["loc"]), e["msg"]) for e in exc.errors()]
        raise ReportRejectedError(problems) from None
    return store.rules.put(project, [r.model_dump(mode="json") for r in ruleset.rules], user)


def list_rules(store: Store, project: str) -> list[dict[str, Any]]:
    """The project's rules (their stored bodies), by id."""
    return store.rules.list(project)


def rule_history(store: Store, project: str) -> list[dict[str, Any]]:
    """Every change of the project's rules: rule id, action, who, when."""
    return store.rules.history(project)


# ------------------------------------------------------------------------ alerts
def list_alerts(
    store: Store,
    project: str,
    status: str | None = None,
    level: str | None = None,
    lang: str = "en",
    user: str | None = None,
) -> list[dict[str, Any]]:
    """Alerts of the project, oldest first, each with ``message``: ``message_zh`` for ``lang="zh"``,
    else ``message_en`` (status codes are kept; see :func:`chokepoint.monitor.text.status_label`).

    With ``user``, an alert on an enterprise's reported value (its message quotes the value) is
    listed only when the user may read that enterprise's raw reports
    (:func:`chokepoint.service.reporting.raw_actors`); node and country alerts are for everyone.
    """
    rows = store.alerts.list(project, status, level)
    actors = raw_actors(store, project, user) if user is not None else None
    if actors is not None:
        rows = [
            r
            for r in rows
            if r["entity_type"] not in ("enterprise", "node_enterprise")
            or str(r["entity"]).split("|")[-1] in actors
        ]
    for r in rows:
        r["message"] = r["message_zh"] if lang == "zh" else r["message_en"]
    return rows


def acknowledge_alert(store: Store, project: str, alert_id: int, user: str) -> dict[str, Any]:
    """Acknowledge an alert as ``user`` (an admin, analyst or officer), recording who and when."""
    alert_actor(store, user, project, "acknowledge")
    store.alerts.transition(project, alert_id, user, "acknowledged")
    return {"alert": alert_id, "status": "acknowledged"}


def resolve_alert(store: Store, project: str, alert_id: int, user: str) -> dict[str, Any]:
    """Resolve an alert as ``user`` (an admin, analyst or officer), recording who and when."""
    alert_actor(store, user, project, "resolve")
    store.alerts.transition(project, alert_id, user, "resolved")
    return {"alert": alert_id, "status": "resolved"}


# ------------------------------------------------------------- monitor runs
@dataclass(frozen=True)
class MonitorRun:
    """Summary of one run."""

    snapshot_id: int
    as_of: str
    conditions: pd.DataFrame
    opened: int
    updated: int
    resolved: int
    level_changes: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """The run as JSON: snapshot, month, counts and the level changes."""
        return {
            "snapshot_id": self.snapshot_id,
            "as_of": self.as_of,
            "conditions": len(self.conditions),
            "opened": self.opened,
            "updated": self.updated,
            "auto_resolved": self.resolved,
            "level_changes": self.level_changes.to_dict("records"),
        }


def evaluate_rules(
    store: Store,
    project: str,
    as_of: str,
    snapshot: pd.DataFrame,
    previous: pd.DataFrame | None,
    chain: ChainMap | None = None,
) -> pd.DataFrame:
    """Every enabled rule of the project, one vectorized evaluation per rule, and the late
    milestones of the tasks' roadmaps (:func:`chokepoint.lists.roadmap.roadmap_conditions`);
    entities are named from ``chain`` (default: the project's stored chain).
    """
    ruleset = RuleSet.model_validate({"rules": store.rules.list(project)})
    cat = catalog()
    names: dict[str, tuple[str, str]] | None = None
    parts = [pd.DataFrame(columns=CONDITION_COLUMNS)]
    series_cache: dict[str, tuple[Any, Any, list[str]]] = {}
    for rule in ruleset.rules:
        if not rule.enabled:
            continue
        if isinstance(rule, AssessmentRule):
            parts.append(evaluate_assessment(rule, previous, snapshot))
            continue
        ind = cat.get(rule.indicator)
        if ind is None:
            raise ChokepointError(f"rule {rule.id!r} names unknown indicator {rule.indicator!r}")
        if rule.indicator not in series_cache:
            series_cache[rule.indicator] = counted_series(store, project, rule.indicator, as_of)
        entities, values, months = series_cache[rule.indicator]
        if len(months) and months[-1] == as_of:
            if names is None:
                names = entity_names(chain if chain is not None else store.chains.load(project))
            if ind.entity_type == "country":
                names.update(entity_names(None, [e for e in entities if e not in names]))
            # the latest report stands until replaced; the alert names the period it was reported for
            parts.append(evaluate_series(rule, ind, entities, values, months, names=names, as_of=as_of))
    roadmaps = store.records.get(project, "roadmap")
    if roadmaps:  # graded follow-up of late milestones, at their node's chokepoint level
        if names is None:
            names = entity_names(chain if chain is not None else store.chains.load(project))
        levels = dict(zip(snapshot.index, snapshot["level"], strict=True))
        parts.append(roadmap_conditions(roadmaps, levels, names, as_of))
    return (
        pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    )


def monitor_run(store: Store, project: str, as_of: str | None = None) -> MonitorRun:
    """Re-assess with the project's stored perspective, evaluate all rules, reconcile alerts,
    store a snapshot. ``as_of`` (``YYYY-MM``) defaults to the current month.
    """
    month = as_of or current_month()
    stored = store.projects.get_perspective(project)
    if not stored:
        raise ChokepointError(
            f"project {project!r} has no stored perspective; set one with `chokepoint perspective set`"
        )
    chain = store.chains.load(project)
    snap = snapshot_of(assess_project(store, project, Perspective.from_dict(stored), chain=chain))
    prev = store.alerts.latest_snapshot(project)
    previous = prev[1] if prev else None
    conditions = evaluate_rules(store, project, month, snap, previous, chain)
    rec = reconcile(store.alerts.active(project), conditions)
    sid = store.alerts.record_run(project, rec.new, rec.updated, rec.resolved, snap, month, stored)
    changes = diff_snapshots(previous, snap) if previous is not None else pd.DataFrame()
    return MonitorRun(sid, month, conditions, len(rec.new), len(rec.updated), len(rec.resolved), changes)


def monitor_diff(store: Store, project: str, a: int, b: int) -> pd.DataFrame:
    """Nodes whose level changed between snapshots ``a`` and ``b`` (worse first)."""
    return diff_snapshots(store.alerts.snapshot(project, a), store.alerts.snapshot(project, b))


def node_history(store: Store, project: str, node_id: str) -> list[dict[str, Any]]:
    """One node's assessment in every stored snapshot, oldest first: snapshot id, month, date,
    level, score, localization and exposure (``None`` where the snapshot did not assess it).
    """
    out = []
    for snap in store.alerts.snapshots(project):
        frame = store.alerts.snapshot(project, snap["id"])
        row = frame.loc[node_id] if node_id in frame.index else None
        out.append(
            {
                "snapshot": snap["id"],
                "as_of": snap["as_of"],
                "created_at": snap["created_at"],
                **{
                    c: (None if row is None else _plain(row[c]))
                    for c in ("level", "score", "localization", "exposure")
                },
            }
        )
    return out


def list_snapshots(store: Store, project: str) -> list[dict[str, Any]]:
    """Stored snapshots: id, month evaluated, when, and the count of nodes per level."""
    return store.alerts.snapshots(project)


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat(timespec="seconds")
    return v.item() if hasattr(v, "item") else v
