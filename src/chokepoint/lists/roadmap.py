"""Roadmaps of joint R&D tasks (攻关路线图): milestones, their progress, and the graded follow-up
of the ones running late (分级推进, 直到事情解决).

A task's roadmap is a list of milestones, each with a kind (:data:`MILESTONE_KINDS`), a title, a
target month, an owner, a status (:data:`MILESTONE_STATUSES`) and the evidence of each step. A
milestone of kind ``customer_qualified`` or ``volume_share`` done with a ``provider`` and a
``share`` records a new home provision of the task's node (the service writes it into the chain,
so the next assessment reflects it).

Graded follow-up (:func:`roadmap_conditions`): at a monitor run of month ``as_of`` a milestone not
done whose target month has passed is **overdue**, an alert at the level of its node's chokepoint
(I the most severe; a node not graded: IV); one due this month and not started (``planned``) is
**slipping**, one level milder. Pure: no file, database or web imports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from chokepoint.assess.levels import LEVELS
from chokepoint.errors import UsageError
from chokepoint.monitor.rules import CONDITION_COLUMNS

MILESTONE_KINDS = {
    "prototype": ("prototype", "样机"),
    "pilot_line": ("pilot line", "中试线"),
    "customer_qualified": ("qualified at a customer", "客户验证通过"),
    "volume_share": ("volume share", "批量供货份额"),
    "other": ("other", "其他"),
}
MILESTONE_STATUSES = {
    "planned": ("planned", "未开始"),
    "in_progress": ("in progress", "进行中"),
    "done": ("done", "已完成"),
    "missed": ("missed", "未达成"),
}
#: kinds whose completion may record a new home provider and its share of the node
PROVIDING_KINDS = ("customer_qualified", "volume_share")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month(text: str, what: str) -> str:
    month = str(text).strip()[:7]
    if not _MONTH.match(month):
        raise UsageError(f"{what} {text!r}: give a month YYYY-MM (or a date YYYY-MM-DD)")
    return month


def new_milestone(
    existing: Sequence[Mapping[str, Any]],
    kind: str,
    title: str,
    target: str,
    owner: str = "",
    share: float | None = None,
) -> dict[str, Any]:
    """A new milestone (status ``planned``), numbered after ``existing`` (``M1``, ``M2``...).

    Parameters
    ----------
    kind : one of :data:`MILESTONE_KINDS`.
    title : what is to be reached.
    target : the target month ``YYYY-MM`` (a date is cut to its month).
    owner : who is responsible (an actor id or a name).
    share : for ``volume_share``, the share of the node's supply aimed at (0-1).

    Raises
    ------
    UsageError
        For an unknown kind, an empty title, a bad month or a share outside 0-1.
    """
    if kind not in MILESTONE_KINDS:
        raise UsageError(f"unknown milestone kind {kind!r}; use one of {', '.join(MILESTONE_KINDS)}")
    if not title.strip():
        raise UsageError("a milestone needs a title")
    if share is not None and not 0 < share <= 1:
        raise UsageError(f"share {share!r}: give a fraction above 0 and at most 1")
    numbers = [int(m["id"][1:]) for m in existing if str(m.get("id", "")).startswith("M")]
    return {
        "id": f"M{max(numbers, default=0) + 1}",
        "kind": kind,
        "title": title.strip(),
        "target": _month(target, "target"),
        "owner": owner,
        "share": share,
        "status": "planned",
        "history": [],
    }


def record_progress(
    milestone: Mapping[str, Any],
    status: str,
    by: str,
    at: str,
    evidence: str = "",
    provider: str | None = None,
    share: float | None = None,
) -> dict[str, Any]:
    """The milestone after a progress step: new ``status``, the step (who, when, evidence) in its
    ``history``; for a providing kind done with ``provider`` and ``share``, those recorded.

    Raises
    ------
    UsageError
        For an unknown status, a milestone already done or missed, ``done`` without evidence, a
        provider or share on a kind that records none, or one without the other.
    """
    if status not in MILESTONE_STATUSES:
        raise UsageError(f"unknown milestone status {status!r}; use one of {', '.join(MILESTONE_STATUSES)}")
    if milestone["status"] in ("done", "missed"):
        raise UsageError(f"milestone {milestone['id']} is {milestone['status']}: add a new one instead")
    if status == "done" and not evidence.strip():
        raise UsageError("record the evidence that the milestone is reached")
    if (provider is None) != (share is None):
        raise UsageError("give the new provider and its share together")
    if provider is not None:
        if milestone["kind"] not in PROVIDING_KINDS or status != "done":
            raise UsageError(
                "a provider and share are recorded when a customer_qualified or volume_share "
                "milestone is done"
            )
        if share is None or not 0 < share <= 1:
            raise UsageError(f"share {share!r}: give a fraction above 0 and at most 1")
    step: dict[str, Any] = {"status": status, "by": by, "at": at, "evidence": evidence}
    out = {k: v for k, v in milestone.items() if k != "history"}
    if provider is not None:
        step.update(provider=provider, share=share)
        out.update(provider=provider, achieved_share=share)
    out["status"] = status
    out["history"] = [*milestone.get("history", []), step]
    return out


def milder(level: str) -> str:
    """One level milder (I → II ... IV stays IV)."""
    return LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)] if level in LEVELS else "IV"


def roadmap_conditions(
    roadmaps: Mapping[str, Mapping[str, Any]],
    levels: Mapping[str, str],
    names: Mapping[str, tuple[str, str]],
    as_of: str,
) -> pd.DataFrame:
    """Alert conditions of late milestones at month ``as_of`` (see the module).

    Parameters
    ----------
    roadmaps : the roadmaps by task id (each with ``node`` and ``milestones``).
    levels : each node's current chokepoint level (``I``-``IV``; others count as IV).
    names : ``{node: (English, Chinese)}``.
    as_of : the month of the run, ``YYYY-MM``.

    Returns
    -------
    DataFrame
        One row per late milestone (rule id ``roadmap/<task>/<milestone>``, the node as entity).
    """
    rows = []
    for task, roadmap in sorted(roadmaps.items()):
        node = str(roadmap["node"])
        level = levels.get(node, "IV") if levels.get(node) in LEVELS else "IV"
        en, zh = names.get(node, (node, node))
        for m in roadmap.get("milestones", []):
            if m["status"] in ("done", "missed"):
                continue
            if m["target"] < as_of:
                late, lv = "overdue", level
                msg = (
                    f"milestone {m['id']} of {task} ({m['title']}) is overdue: target {m['target']}, "
                    f"status {MILESTONE_STATUSES[m['status']][0]}",
                    f"{task}的里程碑{m['id']}（{m['title']}）已逾期：目标{m['target']}，"
                    f"状态{MILESTONE_STATUSES[m['status']][1]}",
                )
            elif m["target"] == as_of and m["status"] == "planned":
                late, lv = "slipping", milder(level)
                msg = (
                    f"milestone {m['id']} of {task} ({m['title']}) is due this month and not started",
                    f"{task}的里程碑{m['id']}（{m['title']}）本月到期，尚未开始",
                )
            else:
                continue
            rows.append(
                {
                    "rule_id": f"roadmap/{task}/{m['id']}",
                    "entity_type": "node",
                    "entity": node,
                    "entity_name": en,
                    "entity_name_zh": zh or en,
                    "level": lv,
                    "values": {
                        "late": late,
                        "target": m["target"],
                        "status": m["status"],
                        "node_level": level,
                    },
                    "message_en": msg[0],
                    "message_zh": msg[1],
                }
            )
    return pd.DataFrame(rows, columns=CONDITION_COLUMNS)


def provisions_after(
    provisions: pd.DataFrame,
    actor_kinds: Mapping[str, str],
    node: str,
    provider: str,
    share: float,
    home_country_actor: str | None,
    source: str,
) -> pd.DataFrame:
    """The provisions of ``node`` to write when ``provider`` reached ``share`` of its supply.

    Assessment reads the latest year per node and provider level (organisations, countries), so
    the new share joins that year at both levels: ``provider`` at ``share`` among the
    organisations, and the home country (``home_country_actor``, when the chain has one) at no
    less than ``share`` among the countries. Where the shares of a level would pass 1, the others
    of that year are scaled by ``(1 - new) / sum(others)``: the share is taken from them in
    proportion (their source says so); otherwise they stay as they were.

    Returns
    -------
    DataFrame
        Text cells (``actor, node, share, capacity, year, source``), the rows to merge into the
        chain (they replace the stored rows of the same actor, node and year).
    """
    rows = provisions[provisions["node"] == node].copy()
    rows["level"] = [
        "country" if actor_kinds.get(a) in ("country", "region") else "org" for a in rows["actor"]
    ]
    out = []
    for level, actor, target in (("org", provider, share), ("country", home_country_actor, share)):
        if actor is None:
            continue
        mine = rows[rows["level"] == level]
        years = pd.to_numeric(mine["year"], errors="coerce").dropna()
        year = int(years.max()) if len(years) else None
        current = mine[pd.to_numeric(mine["year"], errors="coerce") == year] if year is not None else mine
        held = current.loc[current["actor"] == actor, "share"].astype(float)
        new = max(target, float(held.max())) if level == "country" and len(held) else target
        others = current[current["actor"] != actor]
        total = float(others["share"].astype(float).fillna(0).sum())
        factor = (1.0 - new) / total if total + new > 1.0 and total > 0 else 1.0
        if factor < 1.0:
            for r in others.to_dict("records"):
                out.append(
                    {
                        **r,
                        "share": float(r["share"]) * factor if pd.notna(r["share"]) else r["share"],
                        "source": f"{r['source'] or ''} (scaled by {factor:.3f}: {source})".strip(),
                    }
                )
        out.append(
            {"actor": actor, "node": node, "share": new, "capacity": None, "year": year, "source": source}
        )
    frame = pd.DataFrame(out, columns=["actor", "node", "share", "capacity", "year", "source"])
    return frame.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))


def progress_text(roadmap: Mapping[str, Any] | None, lang: str = "en") -> str:
    """One line on a task's roadmap for the lists: milestones done of all, and the next one
    (``2/3 milestones done; next: M3 pilot line (2027-06)``); empty without milestones.
    """
    milestones = list((roadmap or {}).get("milestones", []))
    if not milestones:
        return ""
    zh = lang == "zh"
    done = sum(m["status"] == "done" for m in milestones)
    waiting = sorted(
        (m for m in milestones if m["status"] in ("planned", "in_progress")), key=lambda m: m["target"]
    )
    head = f"已完成{done}/{len(milestones)}个里程碑" if zh else f"{done}/{len(milestones)} milestones done"
    if not waiting:
        return head
    m = waiting[0]
    kind = MILESTONE_KINDS[m["kind"]][1 if zh else 0]
    return (
        f"{head}；下一个：{m['id']} {kind}（{m['target']}）"
        if zh
        else f"{head}; next: {m['id']} {kind} ({m['target']})"
    )
