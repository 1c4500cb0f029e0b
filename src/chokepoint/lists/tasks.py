r"""Joint R&D tasks (联合攻关任务): one per chokepoint worth tackling.

A task targets a node graded at ``levels`` (default I and II). Its id is
``T-<home>-<node>``, so re-running the lists on an unchanged chain keeps every
id (and the store keeps each task's status and partners across runs).

* **goal**: without an alternative source, "a second qualified non-restricted
  source"; otherwise raise localization from :math:`L` to
  :math:`\min(1, \max(0.3, L + 0.2))`.
* **priority** :math:`P_i = S_i \cdot u_i \cdot f_i`: chokepoint score, downstream
  value share (:mod:`chokepoint.assess.criticality`) and feasibility
  :math:`f_i = 0.2 + 0.8\,h_i`, where :math:`h_i` is the largest home share
  among the node and its related nodes (its kinds, parent, sibling kinds and
  inputs): existing home capability makes a task more feasible.
* **lead**: the home enterprise or institution providing the node itself with the
  largest share, else the one with the largest share on a related node;
  **partners**: the next home, then allied, units (up to 4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chokepoint.assess.assessment import Assessment
from chokepoint.assess.supply import ALLIED, HOME

FEASIBILITY_FLOOR = 0.2


def task_id(home: tuple[str, ...], node_id: str) -> str:
    """Return the stable id ``T-<home>-<node>`` of the task on ``node_id`` (home codes joined by ``+``)."""
    return f"T-{'+'.join(home)}-{node_id}"


def feasibility(a: Assessment) -> np.ndarray:
    r""":math:`f_i = 0.2 + 0.8 \max_{j \in R(i)} L_j` over the node's related nodes :math:`R(i)`."""
    from chokepoint.lists.common import related_nodes

    rel = related_nodes(a)
    loc = a.supply.localization
    best = np.zeros(a.chain.index.n_nodes)
    coo = rel.tocoo()
    np.maximum.at(best, coo.row, loc[coo.col])
    return FEASIBILITY_FLOOR + (1 - FEASIBILITY_FLOOR) * best


def task_list(a: Assessment, lang: str = "en", levels: tuple[str, ...] = ("I", "II")) -> pd.DataFrame:
    r"""Return the joint R&D tasks of the assessment, highest priority first (see module docstring).

    One task per node graded at ``levels``, prioritized by :math:`P_i = S_i \cdot u_i \cdot f_i`.
    """
    from chokepoint.lists.common import (
        finish,
        node_coverage,
        node_names,
        org_provisions,
        related_nodes,
        with_note,
    )

    ix = a.chain.index
    feas = feasibility(a)
    prio = np.nan_to_num(a.score) * a.crit.value_share * feas
    targets = np.flatnonzero(np.isin(a.level, levels) & ~ix.node_is_stage)
    targets = targets[np.lexsort((ix.node_ids[targets].astype(str), -prio[targets]))]
    en_names, zh_names = node_names(a)
    names = zh_names if lang == "zh" else en_names
    cov = node_coverage(a)
    rel = related_nodes(a)
    prov = org_provisions(a)
    prov = prov[np.isin(prov["cls"], [HOME, ALLIED])]
    actor_names = a.chain.actors["name"].to_numpy(dtype=object)
    actor_ids = a.chain.actors["id"].to_numpy(dtype=object)
    rows = []
    for t in targets:
        loc = float(a.supply.localization[t])
        if not a.has_alternative[t]:
            goal = (
                f"为{names[t]}建立第二个合格的非受限（本国或友好国家）供应来源"
                if lang == "zh"
                else f"establish a second qualified non-restricted (home or allied) source of {names[t]}"
            )
        else:
            to = min(1.0, max(0.3, loc + 0.2))
            goal = (
                f"将{names[t]}的国产化率从{loc:.0%}提高到{to:.0%}"
                if lang == "zh"
                else f"raise the localization of {names[t]} from {loc:.0%} to {to:.0%}"
            )
        cand = prov[prov["node"].isin(rel[[t]].indices)].copy()
        cand["direct"] = cand["node"] == t
        cand = cand.sort_values(["cls", "direct", "share"], ascending=[True, False, False]).drop_duplicates(
            "actor"
        )
        units = [int(x) for x in cand["actor"]]
        lead = units[0] if units else -1
        partners = units[1:5]
        reason = (
            f"得分{a.score[t]:.2f}×下游价值占比{a.crit.value_share[t]:.2f}×可行性{feas[t]:.2f}"
            if lang == "zh"
            else f"score {a.score[t]:.2f} x downstream value share {a.crit.value_share[t]:.2f} "
            f"x feasibility {feas[t]:.2f}"
        )
        rows.append(
            {
                "id": ix.node_ids[t],
                "name": en_names[t],
                "name_zh": zh_names[t],
                "reason": with_note(reason, float(cov[t]), lang),
                "coverage": float(cov[t]),
                "task_id": task_id(a.perspective.home, str(ix.node_ids[t])),
                "node": ix.node_ids[t],
                "level": a.level[t],
                "goal": goal,
                "lead": actor_ids[lead] if lead >= 0 else "",
                "lead_name": actor_names[lead] if lead >= 0 else "",
                "partners": "; ".join(f"{actor_names[p]} ({actor_ids[p]})" for p in partners),
                "priority_score": round(float(prio[t]), 6),
                "score": round(float(a.score[t]), 6),
                "value_share": round(float(a.crit.value_share[t]), 6),
                "feasibility": round(float(feas[t]), 6),
            }
        )
    return finish(pd.DataFrame(rows), TASK_COLUMNS)


TASK_COLUMNS = [
    "task_id",
    "node",
    "level",
    "goal",
    "lead",
    "lead_name",
    "partners",
    "priority_score",
    "score",
    "value_share",
    "feasibility",
]
