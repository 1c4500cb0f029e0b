r"""Policy lists (清单) built from an assessment, each row with its priority and reason.

Lists (keys of :attr:`PolicyLists.tables`):

``chokepoints`` (卡脖子技术清单)
    Nodes graded I-IV, by level then score.
``advantages`` (长板/杀手锏清单)
    Nodes where home providers hold at least ``advantage_share`` of the world
    market (or lead it), ranked by leverage :math:`L_i \cdot C_i`: home share times
    the others' dependence, measured by the node's criticality.
``key_enterprises`` (重点企业及上下游核心关联企业清单)
    Enterprises providing graded nodes, ranked by the risk and value passing
    through them, :math:`\sum_i s_{ei} S_i C_i` (share x score x criticality), each
    with its core upstream partners (providers of the inputs and kinds of its
    nodes) and downstream partners (providers of the nodes that use them).
``research_units`` (产学研关键单位清单)
    Per level I-II chokepoint, the home, allied or neutral institutions and
    enterprises able to work on it: providers of the node or of related nodes
    (its kinds, its parent, its sibling kinds, its inputs). Institutions first.
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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.assess.score import Assessment
from chokepoint.assess.supply import AGGREGATE, ALLIED, HOME, RESTRICTED, classify_codes
from chokepoint.model.countries import country_name

GRADED = ("I", "II", "III", "IV")
LEVEL_ORDER = {"I": 0, "II": 1, "III": 2, "IV": 3, "low": 4, "insufficient_data": 5}


@dataclass
class PolicyLists:
    """The lists of one project and perspective, as DataFrames keyed by list name."""

    assessment: Assessment
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def _name(chain_nodes: pd.DataFrame, lang: str) -> np.ndarray:
    en = chain_nodes["name"].to_numpy(dtype=object)
    if lang != "zh":
        return en
    zh = chain_nodes["name_zh"].to_numpy(dtype=object)
    return np.where(zh != "", zh, en)


def chokepoint_list(a: Assessment, lang: str = "en") -> pd.DataFrame:
    f = a.frame
    g = f[f["level"].isin(GRADED)].copy()
    g = g.iloc[np.lexsort((-g["score"].to_numpy(), g["level"].map(LEVEL_ORDER).to_numpy()))]
    names = pd.Series(_name(a.chain.nodes, lang), index=a.chain.nodes["id"])
    return pd.DataFrame(
        {
            "priority": np.arange(1, len(g) + 1),
            "id": g["id"].to_numpy(),
            "name": names.loc[g["id"]].to_numpy(),
            "level": g["level"].to_numpy(),
            "score": g["score"].round(4).to_numpy(),
            "quadrant": g["quadrant"].to_numpy(),
            "gap": g["gap"].round(4).to_numpy(),
            "criticality": g["criticality"].round(4).to_numpy(),
            "exposure": g["exposure"].round(4).to_numpy(),
            "localization": g["localization"].round(4).to_numpy(),
            "top_country": g["top1_country"].to_numpy(),
            "top_enterprise": [_actor_name(a, x) for x in g["top1_enterprise"]],
            "has_alternative": g["has_alternative"].to_numpy(),
            "reason": [a.explanation(i, lang) for i in g["id"]],
        }
    )


def _actor_name(a: Assessment, actor_id: str) -> str:
    if not actor_id:
        return ""
    return str(a.chain.actor(actor_id)["name"])


def advantage_list(a: Assessment, lang: str = "en", advantage_share: float = 0.2) -> pd.DataFrame:
    f = a.frame
    lead = (f["top1_country"].isin(a.perspective.home)) & (f["localization"] > 0)
    sel = f[(f["localization"] >= advantage_share) | lead].copy()
    sel["leverage"] = sel["localization"] * sel["criticality"]
    sel = sel.sort_values(["leverage", "id"], ascending=[False, True])
    names = pd.Series(_name(a.chain.nodes, lang), index=a.chain.nodes["id"])
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
    return pd.DataFrame(
        {
            "priority": np.arange(1, len(sel) + 1),
            "id": sel["id"].to_numpy(),
            "name": names.loc[sel["id"]].to_numpy(),
            "home_share": sel["localization"].round(4).to_numpy(),
            "dependence": sel["criticality"].round(4).to_numpy(),
            "leverage": sel["leverage"].round(4).to_numpy(),
            "top_country": sel["top1_country"].to_numpy(),
            "reason": reason,
        }
    )


def _related(a: Assessment) -> sp.csr_array:
    """Node x node relation: itself, its kinds, its parent, sibling kinds, its inputs (boolean)."""
    ix = a.chain.index
    n = ix.n_nodes
    t = (ix.type_of > 0).astype(float)
    inp = (ix.input_of > 0).astype(float)
    eye = sp.eye_array(n, format="csr")
    rel = eye + t + t.T + (t @ t.T) + inp.T
    return sp.csr_array(rel > 0)


def _org_provisions(a: Assessment) -> pd.DataFrame:
    """Enterprise and institution provisions used by the assessment (latest year), with country class."""
    from chokepoint.assess.supply import select_provisions

    ix = a.chain.index
    keep, _ = select_provisions(a.chain, a.perspective)
    org = keep & ~ix.actor_is_geo[np.clip(ix.prov_actor, 0, None)]
    actor = ix.prov_actor[org]
    codes = ix.actor_country[actor].astype(str)
    uniq, inv = np.unique(codes, return_inverse=True)
    cls = classify_codes(uniq, a.chain, a.perspective)[inv] if len(uniq) else np.zeros(0, dtype=np.int8)
    return pd.DataFrame(
        {
            "node": ix.prov_node[org],
            "actor": actor,
            "share": ix.prov_share[org],
            "country": codes,
            "cls": cls,
            "kind": a.chain.actors["kind"].to_numpy()[actor],
        }
    )


def key_enterprise_list(a: Assessment, lang: str = "en", top_partners: int = 5) -> pd.DataFrame:
    ix = a.chain.index
    prov = _org_provisions(a)
    score = np.nan_to_num(a.score, nan=0.0)
    graded = np.isin(a.level, GRADED)
    prov = prov[graded[prov["node"]]].copy()
    share = prov["share"].fillna(0.0)
    prov["weight"] = share * score[prov["node"]] * a.crit.score[prov["node"]]
    agg = prov.groupby("actor").agg(weight=("weight", "sum"), nodes=("node", lambda s: sorted(set(s))))
    agg = agg.sort_values("weight", ascending=False)
    # partners through the graph: upstream = providers of inputs/kinds, downstream = providers of users
    up_adj = sp.csr_array((ix.input_of > 0).astype(float).T + (ix.type_of > 0).astype(float).T)  # i <- j
    down_adj = sp.csr_array((ix.input_of > 0).astype(float) + (ix.type_of > 0).astype(float))  # i -> j
    all_prov = _org_provisions(a)
    by_node = all_prov.groupby("node")
    names = a.chain.actors["name"].to_numpy(dtype=object)
    node_names = _name(a.chain.nodes, lang)

    def partners(nodes: list[int], adj: sp.csr_array, me: int) -> str:
        near = np.unique(adj[nodes].indices) if len(nodes) else np.zeros(0, dtype=np.int64)
        rows = [by_node.get_group(j) for j in near if j in by_node.groups]
        if not rows:
            return ""
        df = pd.concat(rows)
        df = df[df["actor"] != me]
        best = df.groupby("actor")["share"].max().fillna(0.0).sort_values(ascending=False).head(top_partners)
        return "; ".join(f"{names[x]} ({a.chain.actors.iloc[x]['country']})" for x in best.index)

    rows = []
    for rank, (actor_key, r) in enumerate(agg.iterrows(), start=1):
        actor = int(actor_key)  # type: ignore[call-overload]
        act = a.chain.actors.iloc[actor]
        nodes = list(r["nodes"])
        shown = ", ".join(str(node_names[i]) for i in nodes[:4]) + (" ..." if len(nodes) > 4 else "")
        cls = classify_codes(np.array([act["country"]]), a.chain, a.perspective)[0]
        reason = (
            f"供给{len(nodes)}个分级节点：{shown}"
            if lang == "zh"
            else f"provides {len(nodes)} graded node{'s' if len(nodes) != 1 else ''}: {shown}"
        )
        rows.append(
            {
                "priority": rank,
                "actor": act["id"],
                "name": act["name"],
                "country": act["country"],
                "home": bool(cls == HOME),
                "restricted": bool(cls == RESTRICTED),
                "weight": round(float(r["weight"]), 6),
                "nodes": "; ".join(str(ix.node_ids[i]) for i in nodes),
                "upstream_partners": partners(nodes, up_adj, actor),
                "downstream_partners": partners(nodes, down_adj, actor),
                "reason": reason,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "priority",
            "actor",
            "name",
            "country",
            "home",
            "restricted",
            "weight",
            "nodes",
            "upstream_partners",
            "downstream_partners",
            "reason",
        ],
    )


def research_unit_list(
    a: Assessment, lang: str = "en", levels: tuple[str, ...] = ("I", "II")
) -> pd.DataFrame:
    ix = a.chain.index
    rel = _related(a)
    prov = _org_provisions(a)
    prov = prov[~np.isin(prov["cls"], [RESTRICTED, AGGREGATE])]
    targets = np.flatnonzero(np.isin(a.level, levels) & ~ix.node_is_stage)
    names = _name(a.chain.nodes, lang)
    cls_name = {HOME: "home", ALLIED: "allied"}
    rows = []
    for t in targets[np.argsort(-np.nan_to_num(a.score[targets]))]:
        near = rel[[t]].indices
        cand = prov[prov["node"].isin(near)].copy()
        if cand.empty:
            continue
        cand["direct"] = cand["node"] == t
        cand["inst"] = cand["kind"] == "institution"
        cand = cand.sort_values(["inst", "direct", "cls", "share"], ascending=[False, False, True, False])
        for rec in cand.drop_duplicates("actor").to_dict("records"):
            actor, node, direct = int(rec["actor"]), int(rec["node"]), bool(rec["direct"])
            share, standing = float(rec["share"]), int(rec["cls"])
            act = a.chain.actors.iloc[actor]
            relation = (
                ("供给该节点" if direct else f"供给相关节点 {names[node]}")
                if lang == "zh"
                else ("provides the node" if direct else f"provides related node {names[node]}")
            )
            rows.append(
                {
                    "chokepoint": ix.node_ids[t],
                    "chokepoint_name": names[t],
                    "level": a.level[t],
                    "unit": act["id"],
                    "unit_name": act["name"],
                    "unit_kind": act["kind"],
                    "country": act["country"],
                    "standing": cls_name.get(standing, "neutral"),
                    "share": None if np.isnan(share) else round(share, 4),
                    "reason": relation,
                }
            )
    cols = [
        "chokepoint",
        "chokepoint_name",
        "level",
        "unit",
        "unit_name",
        "unit_kind",
        "country",
        "standing",
        "share",
        "reason",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "priority", np.arange(1, len(df) + 1))
    return df


def supporting_gap_list(a: Assessment, lang: str = "en") -> pd.DataFrame:
    f = a.frame
    data = f[f["level"] != "insufficient_data"]
    no_home = data["localization"] <= 0
    no_alt = ~data["has_alternative"].astype(bool)
    sel = data[no_home | no_alt].copy()
    sel = sel.iloc[np.lexsort((sel["id"].to_numpy(dtype=str), -np.nan_to_num(sel["score"].to_numpy())))]
    names = pd.Series(_name(a.chain.nodes, lang), index=a.chain.nodes["id"])
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
    return pd.DataFrame(
        {
            "priority": np.arange(1, len(sel) + 1),
            "id": sel["id"].to_numpy(),
            "name": names.loc[sel["id"]].to_numpy(),
            "level": sel["level"].to_numpy(),
            "localization": sel["localization"].round(4).to_numpy(),
            "has_alternative": sel["has_alternative"].to_numpy(),
            "top_country": sel["top1_country"].to_numpy(),
            "reason": reasons,
        }
    )


def major_problem_list(a: Assessment, lang: str = "en") -> pd.DataFrame:
    from chokepoint.scenario.run import sweep

    ix = a.chain.index
    names = _name(a.chain.nodes, lang)
    rows: list[tuple[str, str, str, str]] = []
    s = sweep(a.chain, a.perspective, "country")
    avail = s.availability
    finals = np.flatnonzero(s.final_value > 0)
    for j, code in enumerate(s.keys):
        stopped = finals[avail[finals, j] <= 0.01]
        for f in stopped:
            cname = country_name(code, lang)
            rows.append(
                (
                    "single_country_stop",
                    code,
                    str(ix.node_ids[f]),
                    f"{cname}（{code}）单独断供即可使{names[f]}停产：所有路径都经过{cname}"
                    if lang == "zh"
                    else f"a blockade by {cname} ({code}) alone stops {names[f]}: "
                    f"every path passes through {code}",
                )
            )
    stage_ids = ix.node_ids[ix.node_is_stage]
    stage_of = a.chain.nodes["stage"].to_numpy(dtype=object)
    for sid in stage_ids:
        members = np.flatnonzero(stage_of == sid)
        if len(members) == 0:
            continue
        for j, code in enumerate(s.keys):
            frac = float((avail[members, j] <= 0.01).mean())
            if frac >= 0.5:
                sname = names[ix.node_position(str(sid))]
                cname = country_name(code, lang)
                rows.append(
                    (
                        "stage_stop",
                        code,
                        str(sid),
                        f"{cname}（{code}）断供使{sname}环节{frac:.0%}的节点停产"
                        if lang == "zh"
                        else f"a blockade by {cname} ({code}) stops {frac:.0%} of the nodes of stage {sname}",
                    )
                )
    f = a.frame
    dominant = f[f["top1_country_share"] > 0.65].groupby("top1_country").size().sort_values(ascending=False)
    for code_key, count in dominant.items():
        code = str(code_key)
        if code in a.perspective.home or count < 3:
            continue
        cname = country_name(str(code), lang)
        rows.append(
            (
                "dominant_country",
                str(code),
                "",
                f"{cname}（{code}）在{count}个节点上占全球供给65%以上"
                if lang == "zh"
                else f"{cname} ({code}) holds more than 65% of world supply of {count} nodes",
            )
        )
    graded = f[f["level"].isin(GRADED)]
    no_alt = int((~graded["has_alternative"].astype(bool)).sum())
    if no_alt:
        rows.append(
            (
                "no_alternative",
                "",
                "",
                f"{no_alt}个分级节点没有合格替代来源（本国或友好国家）"
                if lang == "zh"
                else f"{no_alt} graded nodes have no qualified alternative source (home or allied)",
            )
        )
    df = pd.DataFrame(rows, columns=["kind", "country", "node", "finding"])
    order = {"single_country_stop": 0, "stage_stop": 1, "dominant_country": 2, "no_alternative": 3}
    df = df.iloc[
        np.lexsort(
            (
                df["node"].to_numpy(dtype=str),
                df["country"].to_numpy(dtype=str),
                df["kind"].map(order).to_numpy(),
            )
        )
    ].reset_index(drop=True)
    df.insert(0, "priority", np.arange(1, len(df) + 1))
    return df


def policy_lists(a: Assessment, lang: str = "en", tasks: pd.DataFrame | None = None) -> PolicyLists:
    """Every list for the assessment's project and perspective (``tasks`` from :func:`task_list`)."""
    from chokepoint.lists.tasks import task_list

    out = PolicyLists(a)
    out.tables["chokepoints"] = chokepoint_list(a, lang)
    out.tables["advantages"] = advantage_list(a, lang)
    out.tables["key_enterprises"] = key_enterprise_list(a, lang)
    out.tables["research_units"] = research_unit_list(a, lang)
    out.tables["tasks"] = tasks if tasks is not None else task_list(a, lang)
    out.tables["supporting_gaps"] = supporting_gap_list(a, lang)
    out.tables["major_problems"] = major_problem_list(a, lang)
    return out
