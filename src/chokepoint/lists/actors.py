r"""The actor lists: key enterprises with their partners, and key research units.

``key_enterprises`` (重点企业和上下游核心关联企业清单)
    The **home** enterprises (never a foreign firm, never a data aggregate), ranked by the
    chain's value and risk passing through them:

    .. math:: W_e = \sum_i s_{ei}\, u_i\, \tfrac12 (1 + S_i)

    with :math:`s_{ei}` the enterprise's known share of node :math:`i`, :math:`u_i` the share of
    final-product value that depends on the node (:mod:`chokepoint.assess.criticality`) and
    :math:`S_i` its chokepoint score (0 when not scored): value counts in full at a chokepoint and
    half at a safe node. :math:`\bar W_e` (``weight_upper``) counts an unknown share as the node's
    unknown remainder at the enterprise level. The **chain leader** (链主) of each stage is the home
    enterprise with the largest :math:`W_e` among those with a known share in it; chain leaders come
    first. Each row names its core upstream partners (providers of its nodes' inputs and kinds) and
    downstream partners (providers of the nodes that use them), home or foreign, with a restricted
    flag.
``research_units`` (产学研关键单位清单)
    Per level I-II chokepoint, the home, allied and neutral institutions and enterprises able to work
    on it: providers of the node or of related nodes (kinds, parent, sibling kinds, inputs), and
    actors whose capability profile names the node or a related node (an institution need not
    provide anything). Restricted actors and aggregates are left out. Home first, then allied, then
    neutral; institutions first within each; direct before related.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.assess.assessment import Assessment
from chokepoint.assess.supply import AGGREGATE, ALLIED, CLASS_NAMES, HOME, RESTRICTED
from chokepoint.lists.common import (
    CHOKEPOINT_LEVELS,
    actor_classes,
    display_names,
    finish,
    node_coverage,
    org_provisions,
    related_nodes,
    with_note,
)

KEY_ENTERPRISE_COLUMNS = [
    "country",
    "chain_leader",
    "weight",
    "weight_upper",
    "weight_basis",
    "nodes",
    "upstream_partners",
    "downstream_partners",
]
RESEARCH_UNIT_COLUMNS = [
    "chokepoint",
    "chokepoint_name",
    "level",
    "unit_kind",
    "country",
    "standing",
    "relation",
    "share",
]


def _actor_name_zh(a: Assessment) -> np.ndarray:
    en = a.chain.actors["name"].to_numpy(dtype=object)
    zh = a.chain.actors["name_zh"].to_numpy(dtype=object)
    return np.where(zh != "", zh, en)


def key_enterprise_list(a: Assessment, lang: str = "en", top_partners: int = 5) -> pd.DataFrame:
    r"""Return the list of home key enterprises, chain leaders first (see module docstring).

    Enterprises are ranked by :math:`W_e = \sum_i s_{ei}\, u_i\, \tfrac12 (1 + S_i)`; each row
    names up to ``top_partners`` core upstream and downstream partners.
    """
    ix = a.chain.index
    prov = org_provisions(a)
    prov = prov[prov["kind"] == "enterprise"]
    u = a.crit.value_share
    score = np.nan_to_num(a.score, nan=0.0)
    factor = u * 0.5 * (1.0 + score)
    # unknown share -> the enterprise level's unknown remainder at that node, for the bound
    known = prov["share"].notna().to_numpy()
    s = prov["share"].fillna(0.0).to_numpy()
    rem = np.maximum(0.0, 1.0 - a.supply.coverage_enterprise)
    node = prov["node"].to_numpy()
    prov = prov.assign(
        w=s * factor[node],
        w_up=np.where(known, s, rem[node]) * factor[node],
        known=known,
    )
    home = prov[prov["cls"] == HOME]
    if home.empty:
        return finish(pd.DataFrame(columns=KEY_ENTERPRISE_COLUMNS), KEY_ENTERPRISE_COLUMNS)
    agg = home.groupby("actor").agg(weight=("w", "sum"), weight_upper=("w_up", "sum"))
    agg["nodes"] = home.groupby("actor")["node"].agg(lambda x: sorted(set(x)))
    agg["n_known"] = home.groupby("actor")["known"].sum()
    # chain leader: largest known weight in each stage
    stage_of = a.chain.nodes["stage"].to_numpy(dtype=object)
    by_stage = home[home["known"] & (home["w"] > 0)].assign(
        stage=stage_of[home[home["known"] & (home["w"] > 0)]["node"]]
    )
    stage_w = by_stage.groupby(["stage", "actor"])["w"].sum().reset_index()
    leaders = set(
        stage_w.sort_values(["w", "actor"], ascending=[False, True]).drop_duplicates("stage")["actor"]
    )
    agg["chain_leader"] = agg.index.isin(list(leaders))
    agg = agg.reset_index()
    agg = agg.iloc[
        np.lexsort(
            (
                agg["actor"].to_numpy(),
                -agg["weight_upper"].to_numpy(),
                -agg["weight"].to_numpy(),
                ~agg["chain_leader"].to_numpy(dtype=bool),
            )
        )
    ]
    up_adj = sp.csr_array((ix.input_of > 0).astype(float).T + (ix.type_of > 0).astype(float).T)
    down_adj = sp.csr_array((ix.input_of > 0).astype(float) + (ix.type_of > 0).astype(float))
    cls = actor_classes(a)
    names_en = a.chain.actors["name"].to_numpy(dtype=object)
    names_zh = _actor_name_zh(a)
    ids = a.chain.actors["id"].to_numpy(dtype=object)
    countries = a.chain.actors["country"].to_numpy(dtype=object)
    node_disp = display_names(a, lang)
    cov = node_coverage(a)
    partner_pool = prov[["node", "actor", "share"]]

    def partners(nodes: list[int], adj: sp.csr_array, me: int) -> list[dict[str, Any]]:
        near = np.unique(adj[nodes].indices) if len(nodes) else np.zeros(0, dtype=np.int64)
        df = partner_pool[partner_pool["node"].isin(near) & (partner_pool["actor"] != me)]
        best = df.groupby("actor")["share"].max().fillna(0.0).sort_values(ascending=False, kind="stable")
        return [
            {
                "id": str(ids[x]),
                "name": str(names_en[x]),
                "name_zh": str(names_zh[x]),
                "country": str(countries[x]),
                "restricted": bool(cls[x] == RESTRICTED),
            }
            for x in best.index[:top_partners]
        ]

    rows = []
    for r in agg.to_dict("records"):
        actor = int(r["actor"])
        nodes = list(r["nodes"])
        shown = (
            "、".join(str(node_disp[i]) for i in nodes[:4])
            if lang == "zh"
            else ", ".join(str(node_disp[i]) for i in nodes[:4])
        )
        more = len(nodes) > 4
        c = float(np.mean(cov[nodes])) if nodes else None
        leader = bool(r["chain_leader"])
        if lang == "zh":
            reason = (
                ("链主企业；" if leader else "")
                + f"供给{len(nodes)}个节点：{shown}{'等' if more else ''}"
                + f"；经其流转的终端产品价值与风险{r['weight']:.3f}"
                + (
                    f"（份额未知部分计入后最多{r['weight_upper']:.3f}）"
                    if r["weight_upper"] > r["weight"] + 1e-9
                    else ""
                )
            )
        else:
            reason = (
                ("chain leader; " if leader else "")
                + f"provides {len(nodes)} node{'s' if len(nodes) != 1 else ''}: "
                + f"{shown}{' ...' if more else ''}"
                + f"; final value and risk passing through it {r['weight']:.3f}"
                + (
                    f" (up to {r['weight_upper']:.3f} with its unknown shares)"
                    if r["weight_upper"] > r["weight"] + 1e-9
                    else ""
                )
            )
        rows.append(
            {
                "id": str(ids[actor]),
                "name": str(names_en[actor]),
                "name_zh": str(names_zh[actor]),
                "reason": with_note(reason, c, lang),
                "coverage": c,
                "country": str(countries[actor]),
                "chain_leader": leader,
                "weight": round(float(r["weight"]), 6),
                "weight_upper": round(float(r["weight_upper"]), 6),
                "weight_basis": "sum of share x downstream value share x (1 + score) / 2",
                "nodes": [str(ix.node_ids[i]) for i in nodes],
                "upstream_partners": partners(nodes, up_adj, actor),
                "downstream_partners": partners(nodes, down_adj, actor),
            }
        )
    return finish(pd.DataFrame(rows), KEY_ENTERPRISE_COLUMNS)


def research_unit_list(
    a: Assessment,
    lang: str = "en",
    levels: tuple[str, ...] = CHOKEPOINT_LEVELS,
    profiles: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Units able to work on each level I-II chokepoint (see module docstring).

    ``profiles`` are capability profiles by actor id (``nodes``, ``evidence``), as stored for matching.
    """
    ix = a.chain.index
    rel = related_nodes(a)
    prov = org_provisions(a)[["node", "actor", "share", "cls", "kind"]]
    prov = prov.assign(via="provision")
    cls = actor_classes(a)
    kinds = a.chain.actors["kind"].to_numpy(dtype=object)
    prof_rows = []
    for actor_id, p in (profiles or {}).items():
        k = ix.actor_positions([actor_id])[0]
        if k < 0 or kinds[k] not in ("enterprise", "institution"):
            continue
        for nid in p.get("nodes", []) or []:
            j = ix.node_positions([nid])[0]
            if j >= 0:
                prof_rows.append({"node": j, "actor": k, "share": np.nan, "cls": cls[k], "kind": kinds[k]})
    if prof_rows:
        prov = pd.concat([prov, pd.DataFrame(prof_rows).assign(via="profile")], ignore_index=True)
    prov = prov[~np.isin(prov["cls"], [RESTRICTED, AGGREGATE])]
    targets = np.flatnonzero(np.isin(a.level, levels) & ~ix.node_is_stage)
    names = display_names(a, lang)
    ids = a.chain.actors["id"].to_numpy(dtype=object)
    names_en = a.chain.actors["name"].to_numpy(dtype=object)
    names_zh = _actor_name_zh(a)
    countries = a.chain.actors["country"].to_numpy(dtype=object)
    evidence = {k: len(p.get("evidence", []) or []) for k, p in (profiles or {}).items()}
    cov = node_coverage(a)
    rows = []
    for t in targets[np.lexsort((ix.node_ids[targets].astype(str), -np.nan_to_num(a.score[targets])))]:
        near = rel[[t]].indices
        cand = prov[prov["node"].isin(near)].copy()
        if cand.empty:
            continue
        cand["direct"] = cand["node"] == t
        cand["inst"] = cand["kind"] == "institution"
        order = ["cls", "inst", "direct", "share"]
        cand = cand.sort_values(order, ascending=[True, False, False, False], kind="stable")
        for rec in cand.drop_duplicates("actor").to_dict("records"):
            actor, node, direct = int(rec["actor"]), int(rec["node"]), bool(rec["direct"])
            share = float(rec["share"])
            aid = str(ids[actor])
            if lang == "zh":
                what = "该节点" if direct else f"相关节点{names[node]}（{ix.node_ids[node]}）"
                relation = ("能力档案涉及" if rec["via"] == "profile" else "供给") + what
                if evidence.get(aid):
                    relation += f"；能力档案含{evidence[aid]}项证据"
            else:
                what = "the node" if direct else f"related node {names[node]} ({ix.node_ids[node]})"
                relation = ("capability profile covers " if rec["via"] == "profile" else "provides ") + what
                if evidence.get(aid):
                    relation += f"; profile with {evidence[aid]} evidence record(s)"
            rows.append(
                {
                    "id": aid,
                    "name": str(names_en[actor]),
                    "name_zh": str(names_zh[actor]),
                    "reason": with_note(relation, float(cov[t]), lang),
                    "coverage": float(cov[t]),
                    "chokepoint": str(ix.node_ids[t]),
                    "chokepoint_name": str(names[t]),
                    "level": str(a.level[t]),
                    "unit_kind": str(kinds[actor]),
                    "country": str(countries[actor]),
                    "standing": CLASS_NAMES[int(rec["cls"])]
                    if int(rec["cls"]) in (HOME, ALLIED)
                    else "neutral",
                    "relation": "direct" if direct else "related",
                    "share": None if np.isnan(share) else round(share, 4),
                }
            )
    return finish(pd.DataFrame(rows), RESEARCH_UNIT_COLUMNS)
