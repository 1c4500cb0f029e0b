"""Alerts from conditions, and assessment snapshots with their differences (pure).

An alert is keyed by ``rule_id|entity``: while its condition holds it stays one
alert (its level, values and message are updated, never repeated); when the
condition clears, an open or acknowledged alert is resolved automatically.
Lifecycle: ``open`` -> ``acknowledged`` -> ``resolved``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chokepoint.assess.score import Assessment

ACTIVE = ("open", "acknowledged")
LEVEL_RANK = {"I": 0, "II": 1, "III": 2, "IV": 3, "low": 4, "insufficient_data": 5}
SNAPSHOT_COLUMNS = ["id", "name", "name_zh", "level", "score", "localization", "has_alternative", "exposure"]


def alert_keys(conditions: pd.DataFrame) -> pd.Series:
    """Return the key ``rule_id|entity`` of each condition row, which identifies its alert."""
    return conditions["rule_id"].astype(str) + "|" + conditions["entity"].astype(str)


@dataclass(frozen=True)
class Reconciliation:
    """What a monitor run does to the alerts: new ones, updated ones, auto-resolved ids."""

    new: pd.DataFrame
    updated: pd.DataFrame  # with alert_id
    resolved: list[int]


def reconcile(active: pd.DataFrame, conditions: pd.DataFrame) -> Reconciliation:
    """Match current ``conditions`` against the ``active`` alerts (columns ``alert_id``, ``key``)."""
    cond = conditions.copy()
    cond["key"] = alert_keys(cond) if len(cond) else pd.Series(dtype=object)
    cond = cond.drop_duplicates("key", keep="first")
    known = dict(zip(active["key"], active["alert_id"], strict=True)) if len(active) else {}
    is_known = cond["key"].isin(list(known))
    updated = cond[is_known].copy()
    updated["alert_id"] = updated["key"].map(known)
    resolved = [int(known[k]) for k in known if k not in set(cond["key"])]
    return Reconciliation(new=cond[~is_known], updated=updated, resolved=sorted(resolved))


def snapshot_of(a: Assessment) -> pd.DataFrame:
    """Take the per-node state a later run is compared with (stages left out), indexed by node id."""
    f = a.frame
    return pd.DataFrame(
        {
            "id": f["id"],
            "name": f["name"],
            "name_zh": f["name_zh"],
            "level": f["level"],
            "score": f["score"].round(10),
            "localization": f["localization"].round(10),
            "has_alternative": f["has_alternative"].astype(bool),
            "exposure": f["exposure"].round(10),
        },
        columns=SNAPSHOT_COLUMNS,
    ).set_index("id")


def diff_snapshots(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Nodes whose level changed, worse first: ``change`` is ``worse`` or ``better``."""
    both = after.merge(before, left_index=True, right_index=True, how="outer", suffixes=("", "_before"))
    old = both["level_before"].map(LEVEL_RANK)
    new = both["level"].map(LEVEL_RANK)
    changed = both[(old != new) & old.notna() & new.notna()].copy()
    changed["change"] = np.where(
        changed["level"].map(LEVEL_RANK) < changed["level_before"].map(LEVEL_RANK), "worse", "better"
    )
    changed["score_change"] = changed["score"] - changed["score_before"]
    out = changed.reset_index()[
        ["id", "name", "level_before", "level", "change", "score_before", "score", "score_change"]
    ]
    order = np.lexsort(
        (out["id"].to_numpy(dtype=str), out["change"].map({"worse": 0, "better": 1}).to_numpy())
    )
    return out.iloc[order].reset_index(drop=True)
