"""The routine monitor run (常态化评估): rules over reported series, re-assessment, alerts, snapshot.

This module orchestrates: it takes a store object and calls its methods; the
computations are the pure functions of :mod:`chokepoint.monitor.rules` and
:mod:`chokepoint.monitor.alerts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from chokepoint.assess import Perspective, assess
from chokepoint.errors import ChokepointError
from chokepoint.model.chain import ChainMap
from chokepoint.monitor.alerts import diff_snapshots, reconcile, snapshot_of
from chokepoint.monitor.catalog import catalog
from chokepoint.monitor.rules import (
    CONDITION_COLUMNS,
    AssessmentRule,
    RuleSet,
    evaluate_assessment,
    evaluate_series,
)
from chokepoint.monitor.text import entity_names


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
    store: Any,
    project: str,
    as_of: str,
    snapshot: pd.DataFrame,
    previous: pd.DataFrame | None,
    chain: ChainMap | None = None,
) -> pd.DataFrame:
    """Every enabled rule of the project, one vectorized evaluation per rule; entities are named
    from ``chain`` (default: the project's stored chain)."""
    ruleset = RuleSet.model_validate({"rules": store.list_rules(project)})
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
            series_cache[rule.indicator] = store.series(project, rule.indicator, as_of)
        entities, values, months = series_cache[rule.indicator]
        if len(months) and months[-1] == as_of:
            if names is None:
                names = entity_names(chain if chain is not None else store.load_chain(project))
            if ind.entity_type == "country":
                names.update(entity_names(None, [e for e in entities if e not in names]))
            # the latest report stands until replaced; the alert names the period it was reported for
            parts.append(evaluate_series(rule, ind, entities, values, months, names=names, as_of=as_of))
    return (
        pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    )


def monitor_run(store: Any, project: str, as_of: str | None = None) -> MonitorRun:
    """Re-assess with the project's stored perspective, evaluate all rules, reconcile alerts,
    store a snapshot. ``as_of`` (``YYYY-MM``) defaults to the current month."""
    month = as_of or datetime.now(UTC).strftime("%Y-%m")
    stored = store.get_perspective(project)
    if not stored:
        raise ChokepointError(
            f"project {project!r} has no stored perspective; set one with `chokepoint perspective set`"
        )
    chain = store.load_chain(project)
    a = assess(chain, Perspective.from_dict(stored))
    snap = snapshot_of(a)
    prev = store.latest_snapshot(project)
    previous = prev[1] if prev else None
    conditions = evaluate_rules(store, project, month, snap, previous, chain)
    rec = reconcile(store.active_alerts(project), conditions)
    sid = store.record_run(project, rec.new, rec.updated, rec.resolved, snap, month, stored)
    changes = diff_snapshots(previous, snap) if previous is not None else pd.DataFrame()
    return MonitorRun(sid, month, conditions, len(rec.new), len(rec.updated), len(rec.resolved), changes)


def monitor_diff(store: Any, project: str, a: int, b: int) -> pd.DataFrame:
    """Nodes whose level changed between snapshots ``a`` and ``b`` (worse first)."""
    return diff_snapshots(store.snapshot(project, a), store.snapshot(project, b))
