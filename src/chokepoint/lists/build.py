r"""Policy lists (清单) built from an assessment, each row with its priority and reason.

Lists (keys of :attr:`PolicyLists.tables`):

Every row starts with ``rank``, ``id`` (node or actor), ``name``, ``name_zh``, ``reason`` and
``coverage`` (the known share of the market behind the finding, :mod:`chokepoint.assess.coverage`;
a row resting on less than half says so in its reason), then the list's own columns.

``chokepoints`` (卡脖子技术清单)
    Nodes graded I-II, by level then score.
``watch_list`` (关注清单)
    Nodes graded III-IV, by level then score: watched, not yet chokepoints.
``advantages`` (长板/杀手锏清单)
    Nodes where home providers hold at least ``advantage_share`` of the world
    market (or lead it), ranked by leverage :math:`L_i \cdot C_i`: home share times
    the others' dependence, measured by the node's criticality.
``key_enterprises`` (重点企业和上下游核心关联企业清单), ``research_units`` (产学研关键单位清单)
    See :mod:`chokepoint.lists.actors`: home enterprises only, chain leaders first.
``tasks`` (联合攻关任务清单)
    See :mod:`chokepoint.lists.tasks`.
``supporting_gaps`` (配套缺项清单)
    Nodes with supply data and no home provider, or without a qualified
    alternative (home or allied) source.
``major_problems`` (重大问题清单)
    Chain-level findings from a sweep of every single-country blockade: final
    products and stages that one foreign country can stop, countries holding
    more than 65% of many nodes, and the count of nodes without an alternative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.assess.assessment import Assessment
from chokepoint.lists.actors import key_enterprise_list, research_unit_list
from chokepoint.lists.common import (
    CHOKEPOINT_LEVELS,
    GRADED,
    LEVEL_ORDER,
    WATCH_LEVELS,
    display_names,
    finish,
    node_coverage,
    node_names,
    with_note,
)
from chokepoint.model.countries import country_name


@dataclass
class PolicyLists:
    """The lists of one project and perspective, as DataFrames keyed by list name."""

    assessment: Assessment
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        """Return the list ``name`` (e.g. ``chokepoints``); ``KeyError`` if it was not built."""
        return self.tables[name]


def _node_base(a: Assessment, ids: np.ndarray, reasons: list[str]) -> pd.DataFrame:
    """Build the base columns of node rows: id, name, name_zh, reason, coverage."""
    ix = a.chain.index
    pos = ix.node_positions(ids)
    en, zh = node_names(a)
    cov = node_coverage(a)[pos]
    return pd.DataFrame(
        {
            "id": np.asarray(ids, dtype=object),
            "name": en[pos],
            "name_zh": zh[pos],
            "reason": reasons,
            "coverage": cov,
        }
    )


CHOKEPOINT_COLUMNS = [
    "level",
    "score",
    "quadrant",
    "gap",
    "criticality",
    "exposure",
    "restricted_share",
    "restricted_share_upper",
    "localization",
    "top_country",
    "top_enterprise",
    "has_alternative",
]


def _graded_list(a: Assessment, levels: tuple[str, ...], lang: str) -> pd.DataFrame:
    f = a.frame
    g = f[f["level"].isin(levels)].copy()
    g = g.iloc[
        np.lexsort(
            (g["id"].to_numpy(dtype=str), -g["score"].to_numpy(), g["level"].map(LEVEL_ORDER).to_numpy())
        )
    ]
    ids = g["id"].to_numpy()
    lang_reason = [a.explanation(i, lang) for i in ids]
    base = _node_base(a, ids, lang_reason)
    base["reason"] = [with_note(r, c, lang) for r, c in zip(base["reason"], base["coverage"], strict=True)]
    own = pd.DataFrame(
        {
            "level": g["level"].to_numpy(),
            "score": g["score"].round(4).to_numpy(),
            "quadrant": g["quadrant"].to_numpy(),
            "gap": g["gap"].round(4).to_numpy(),
            "criticality": g["criticality"].round(4).to_numpy(),
            "exposure": g["exposure"].round(4).to_numpy(),
            "restricted_share": g["restricted_share"].round(4).to_numpy(),
            "restricted_share_upper": g["restricted_share_upper"].round(4).to_numpy(),
            "localization": g["localization"].round(4).to_numpy(),
            "top_country": g["top1_country"].to_numpy(),
            "top_enterprise": [_actor_name(a, x) for x in g["top1_enterprise"]],
            "has_alternative": g["has_alternative"].astype(bool).to_numpy(),
        }
    )
    return finish(pd.concat([base, own], axis=1), CHOKEPOINT_COLUMNS)


def chokepoint_list(a: Assessment, lang: str = "en") -> pd.DataFrame:
    """卡脖子技术清单: levels I-II, level then score."""
    return _graded_list(a, CHOKEPOINT_LEVELS, lang)


def watch_list(a: Assessment, lang: str = "en") -> pd.DataFrame:
    """关注清单: levels III-IV, level then score."""
    return _graded_list(a, WATCH_LEVELS, lang)


def _actor_name(a: Assessment, actor_id: str) -> str:
    if not actor_id:
        return ""
    return str(a.chain.actor(actor_id)["name"])


ADVANTAGE_COLUMNS = ["home_share", "dependence", "leverage", "top_country"]


def advantage_list(a: Assessment, lang: str = "en", advantage_share: float = 0.2) -> pd.DataFrame:
    r"""长板/杀手锏清单: nodes where home providers hold ``advantage_share`` or lead, by leverage.

    A node is listed when its localization :math:`L_i` (home providers' world share) is at
    least ``advantage_share`` or a home country is its top provider; rows are ranked by
    leverage :math:`L_i \cdot C_i`, the home share times the node's criticality.
    """
    f = a.frame
    lead = (f["top1_country"].isin(a.perspective.home)) & (f["localization"] > 0)
    sel = f[(f["localization"] >= advantage_share) | lead].copy()
    sel["leverage"] = sel["localization"] * sel["criticality"]
    sel = sel.sort_values(["leverage", "id"], ascending=[False, True])
    reason = []
    for r in sel.itertuples(index=False):
        if lang == "zh":
            reason.append(
                f"本国企业占全球市场{r.localization:.0%}"
                + ("（全球第一）" if r.top1_country in a.perspective.home else "")
                + f"；下游依赖度{r.criticality:.2f}"
            )
        else:
            reason.append(
                f"home providers hold {r.localization:.0%} of the world market"
                + (" (the largest share)" if r.top1_country in a.perspective.home else "")
                + f"; downstream dependence {r.criticality:.2f}"
            )
    base = _node_base(a, sel["id"].to_numpy(), reason)
    base["reason"] = [with_note(r, c, lang) for r, c in zip(base["reason"], base["coverage"], strict=True)]
    own = pd.DataFrame(
        {
            "home_share": sel["localization"].round(4).to_numpy(),
            "dependence": sel["criticality"].round(4).to_numpy(),
            "leverage": sel["leverage"].round(4).to_numpy(),
            "top_country": sel["top1_country"].to_numpy(),
        }
    )
    return finish(pd.concat([base, own], axis=1), ADVANTAGE_COLUMNS)


SUPPORTING_GAP_COLUMNS = ["level", "localization", "has_alternative", "top_country"]


def supporting_gap_list(a: Assessment, lang: str = "en") -> pd.DataFrame:
    """配套缺项清单: nodes with supply data and no home provider, or no qualified alternative source."""
    f = a.frame
    data = f[f["level"] != "insufficient_data"]
    no_home = data["localization"] <= 0
    no_alt = ~data["has_alternative"].astype(bool)
    sel = data[no_home | no_alt].copy()
    sel = sel.iloc[np.lexsort((sel["id"].to_numpy(dtype=str), -np.nan_to_num(sel["score"].to_numpy())))]
    reasons = []
    for r in sel.to_dict("records"):
        parts = []
        if r["localization"] <= 0:
            parts.append("无本国供应商" if lang == "zh" else "no home provider")
        if not r["has_alternative"]:
            parts.append(
                "无合格替代来源（本国或友好国家）"
                if lang == "zh"
                else "no qualified alternative source (home or allied)"
            )
        reasons.append("；".join(parts) if lang == "zh" else "; ".join(parts))
    base = _node_base(a, sel["id"].to_numpy(), reasons)
    base["reason"] = [with_note(r, c, lang) for r, c in zip(base["reason"], base["coverage"], strict=True)]
    own = pd.DataFrame(
        {
            "level": sel["level"].to_numpy(),
            "localization": sel["localization"].round(4).to_numpy(),
            "has_alternative": sel["has_alternative"].astype(bool).to_numpy(),
            "top_country": sel["top1_country"].to_numpy(),
        }
    )
    return finish(pd.concat([base, own], axis=1), SUPPORTING_GAP_COLUMNS)


MAJOR_PROBLEM_COLUMNS = ["kind", "country", "node"]
MAJOR_PROBLEM_KINDS = ("single_country_stop", "stage_stop", "dominant_country", "no_alternative")


def major_problem_list(a: Assessment, lang: str = "en") -> pd.DataFrame:
    """重大问题清单: chain-level findings from a sweep of every single-country blockade.

    A stop is claimed only where the central loss (known shares, coverage rule) reaches 99%: a
    finding never rests on an unknown share scaled up.
    """
    from chokepoint.scenario.sweep import sweep

    ix = a.chain.index
    names = display_names(a, lang)
    en, zh = node_names(a)
    cov = node_coverage(a)
    rows: list[dict[str, object]] = []

    def add(kind: str, code: str, node: int, finding: str, coverage: float | None) -> None:
        cname_en = country_name(code, "en") if code else ""
        cname_zh = country_name(code, "zh") if code else ""
        rows.append(
            {
                # a node, else the country, else the whole chain
                "id": str(ix.node_ids[node]) if node >= 0 else code or "chain",
                "name": str(en[node]) if node >= 0 else cname_en or "whole chain",
                "name_zh": str(zh[node]) if node >= 0 else cname_zh or "全产业链",
                "reason": with_note(finding, coverage, lang),
                "coverage": coverage,
                "kind": kind,
                "country": code,
                "node": str(ix.node_ids[node]) if node >= 0 else "",
            }
        )

    s = sweep(a.chain, a.perspective, "country")
    avail = s.availability
    finals = np.flatnonzero(s.final_value > 0)
    for j, code in enumerate(s.keys):
        cname = country_name(code, lang)
        for f in finals[avail[finals, j] <= 0.01]:
            add(
                "single_country_stop",
                code,
                int(f),
                f"{cname}（{code}）单独断供即可使{names[f]}停产：所有路径都经过{cname}"
                if lang == "zh"
                else f"a blockade by {cname} ({code}) alone stops {names[f]}: "
                f"every path passes through {code}",
                _stop_coverage(a, s, j, int(f)),
            )
    stage_of = a.chain.nodes["stage"].to_numpy(dtype=object)
    for sid in ix.node_ids[ix.node_is_stage]:
        members = np.flatnonzero(stage_of == sid)
        if len(members) == 0:
            continue
        si = ix.node_position(str(sid))
        for j, code in enumerate(s.keys):
            stopped = avail[members, j] <= 0.01
            frac = float(stopped.mean())
            if frac >= 0.5:
                cname = country_name(code, lang)
                add(
                    "stage_stop",
                    code,
                    si,
                    f"{cname}（{code}）断供使{names[si]}环节{frac:.0%}的节点停产"
                    if lang == "zh"
                    else f"a blockade by {cname} ({code}) stops {frac:.0%} of the nodes of stage {names[si]}",
                    float(np.mean(cov[members[stopped]])),
                )
    f = a.frame
    big = f[f["top1_country_share"] > 0.65]
    dominant = big.groupby("top1_country").size().sort_values(ascending=False)
    for code_key, count in dominant.items():
        code = str(code_key)
        if code in a.perspective.home or count < 3:
            continue
        cname = country_name(code, lang)
        held = big[big["top1_country"] == code]["id"].to_numpy()
        add(
            "dominant_country",
            code,
            -1,
            f"{cname}（{code}）在{count}个节点上占全球供给65%以上"
            if lang == "zh"
            else f"{cname} ({code}) holds more than 65% of world supply of {count} nodes",
            float(np.mean(cov[ix.node_positions(held)])),
        )
    graded = f[f["level"].isin(GRADED)]
    lacking = graded[~graded["has_alternative"].astype(bool)]["id"].to_numpy()
    if len(lacking):
        add(
            "no_alternative",
            "",
            -1,
            f"{len(lacking)}个分级节点没有合格替代来源（本国或友好国家）"
            if lang == "zh"
            else f"{len(lacking)} graded nodes have no qualified alternative source (home or allied)",
            float(np.mean(cov[ix.node_positions(lacking)])),
        )
    df = pd.DataFrame(rows, columns=["id", "name", "name_zh", "reason", "coverage", *MAJOR_PROBLEM_COLUMNS])
    order = {k: i for i, k in enumerate(MAJOR_PROBLEM_KINDS)}
    df = df.iloc[
        np.lexsort(
            (
                df["node"].to_numpy(dtype=str),
                df["country"].to_numpy(dtype=str),
                df["kind"].map(order).to_numpy(),
            )
        )
    ]
    return finish(df, MAJOR_PROBLEM_COLUMNS)


def _stop_coverage(a: Assessment, s: object, j: int, f: int) -> float | None:
    """Coverage behind a stopped final product: the least-known node the sweep stopped upstream."""
    avail = s.availability  # type: ignore[attr-defined]
    cov = node_coverage(a)
    stopped = np.flatnonzero((avail[:, j] <= 0.01) & (cov > 0))
    return float(cov[stopped].min()) if len(stopped) else None


LIST_KEYS = (
    "chokepoints",
    "watch_list",
    "advantages",
    "key_enterprises",
    "research_units",
    "tasks",
    "supporting_gaps",
    "major_problems",
)


def policy_lists(
    a: Assessment,
    lang: str = "en",
    tasks: pd.DataFrame | None = None,
    profiles: Mapping[str, Mapping[str, Any]] | None = None,
) -> PolicyLists:
    """Every list for the assessment's project and perspective.

    ``tasks`` from :func:`~chokepoint.lists.tasks.task_list` (with their stored status);
    ``profiles``: capability profiles by actor id (for the research units).
    """
    from chokepoint.lists.tasks import task_list

    out = PolicyLists(a)
    out.tables["chokepoints"] = chokepoint_list(a, lang)
    out.tables["watch_list"] = watch_list(a, lang)
    out.tables["advantages"] = advantage_list(a, lang)
    out.tables["key_enterprises"] = key_enterprise_list(a, lang)
    out.tables["research_units"] = research_unit_list(a, lang, profiles=profiles)
    out.tables["tasks"] = tasks if tasks is not None else task_list(a, lang)
    out.tables["supporting_gaps"] = supporting_gap_list(a, lang)
    out.tables["major_problems"] = major_problem_list(a, lang)
    return out
