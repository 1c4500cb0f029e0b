r"""A region's footprint in a chain (区域产业链): what it hosts, where it is strong, what it depends on.

A region ``R`` is a location code below the home country (``CN-ZJ`` Zhejiang, ``CN-ZJ-HZ``
Hangzhou; see :mod:`chokepoint.model.regions`). For node :math:`i`, from the organisation-level
provisions (latest year per node, as the assessment selects them; known shares summing above 1
are scaled to 1, as :func:`chokepoint.assess.coverage.level_shares` does):

* :math:`r_i` = known share of world supply held by organisations located in ``R``
* :math:`e_i` = known share of home organisations located elsewhere in the home country
* :math:`h_i` = known share of home organisations without a location (they may be in ``R``)
* :math:`f_i` = known share of foreign organisations, :math:`x_i` its part in restricted countries
* :math:`u_i = 1 - \min(1, \sum)` the unknown remainder; a share left blank is unknown too

Unknown stays unknown: the region's share is reported with its bound
:math:`\bar r_i = r_i + h_i + u_i` (every unlocated home share and every unknown share in ``R``);
a node without organisation-level provisions has :math:`r_i` unknown (NaN) and the bound is the
home country's share at country level when known, else 1.

The region *hosts* node :math:`i` when an organisation located in ``R`` provides it (even with an
unknown share). It is *strong* there (长板) when :math:`r_i \ge` ``strong_share`` (default 10% of
world supply). An input of a hosted node (``input_of``) that ``R`` does not host is a dependency
on the rest of the country when the known home share (:math:`e + h`: the input is not hosted, so
no provider is known to be in ``R``) is at least the known foreign share, otherwise on abroad
(restricted when :math:`x` is the largest part).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from chokepoint.assess.hierarchy import group_mask
from chokepoint.assess.perspective import Perspective
from chokepoint.assess.supply import select_provisions
from chokepoint.model.chain import ChainMap
from chokepoint.model.regions import within

#: Default share of world supply from which a hosted node is a strength (长板) of the region.
STRONG_SHARE = 0.10

FOOTPRINT_COLUMNS: tuple[str, ...] = (
    "node",
    "name",
    "name_zh",
    "technology",
    "hosted",
    "strong",
    "region_share",
    "region_partial",
    "region_upper",
    "home_elsewhere",
    "home_unlocated",
    "foreign",
    "restricted",
    "unknown",
    "region_of_home",
    "leads_home",
    "providers",
)


def region_footprint(
    chain: ChainMap, region: str, p: Perspective, strong_share: float = STRONG_SHARE
) -> pd.DataFrame:
    """Per node: the region's share of world supply, its bound and the rest by class.

    Parameters
    ----------
    chain : ChainMap
        The chain; organisations carry ``location``.
    region : str
        The region's location code (``CN-ZJ``).
    p : Perspective
        Home and restricted countries; the region lies in the home country.
    strong_share : float
        Share of world supply from which a hosted node is a strength.

    Returns
    -------
    pandas.DataFrame
        One row per node with columns :data:`FOOTPRINT_COLUMNS`, in the chain's node order.
        ``technology``: neither a stage nor a category (a node with ``type_of`` members, as the
        assessment's groups): only technologies are listed and counted, so a parent never
        stands beside its members.
        ``region_partial``: a provider in the region has an unknown share, so ``region_share``
        is a lower bound only.
        ``region_of_home`` is :math:`r / (r + e + h)`, the region's part of the known home
        supply (NaN without any); ``leads_home`` whether the home country's largest known
        provider of the node is located in the region; ``providers`` the ids of the region's
        providers, largest first.
    """
    nodes = chain.nodes
    ix = chain.index
    keep, _ = select_provisions(chain, p)
    prov = chain.provisions.reset_index(drop=True)
    actors = chain.actors.set_index("id")
    is_geo = ix.actor_is_geo[np.clip(ix.prov_actor, 0, None)]
    org = keep & ~is_geo
    geo = keep & is_geo
    share = prov["share"].to_numpy(dtype=float, na_value=np.nan)
    n = len(nodes)
    node_pos = ix.prov_node

    o = prov[org].assign(_node=node_pos[org], _share=share[org])
    country = actors["country"].reindex(o["actor"]).to_numpy()
    location = actors["location"].reindex(o["actor"]).fillna("").reset_index(drop=True)
    home = np.isin(country, list(p.home))
    in_region = within(location, region) & home
    unlocated = home & (location.to_numpy() == "")
    restricted = np.isin(country, list(p.restricted))
    known = ~np.isnan(o["_share"].to_numpy())
    s = np.where(known, np.clip(o["_share"].to_numpy(), 0.0, None), 0.0)
    total = np.bincount(o["_node"], weights=s, minlength=n)
    scale = np.where(total > 1.0, 1.0 / np.where(total > 1.0, total, 1.0), 1.0)
    w = s * scale[o["_node"].to_numpy()]

    def by_node(mask: np.ndarray) -> np.ndarray:
        return np.bincount(o["_node"].to_numpy()[mask], weights=w[mask], minlength=n)

    has_org = np.bincount(o["_node"], minlength=n) > 0
    r = by_node(in_region)
    e = by_node(home & ~in_region & ~unlocated)
    h = by_node(unlocated)
    f = by_node(~home)
    x = by_node(restricted)
    u = np.where(has_org, 1.0 - np.minimum(1.0, total), 1.0)

    g = prov[geo].assign(_node=node_pos[geo], _share=share[geo])
    g_home = np.isin(actors["country"].reindex(g["actor"]).to_numpy(), list(p.home))
    g_share = g["_share"].to_numpy()
    home_geo = np.bincount(
        g["_node"][g_home & ~np.isnan(g_share)], weights=g_share[g_home & ~np.isnan(g_share)], minlength=n
    )
    geo_known = np.bincount(g["_node"][g_home & ~np.isnan(g_share)], minlength=n) > 0

    hosted = np.bincount(o["_node"].to_numpy()[in_region], minlength=n) > 0
    partial = np.bincount(o["_node"].to_numpy()[in_region & ~known], minlength=n) > 0
    home_known = r + e + h
    out = pd.DataFrame(
        {
            "node": nodes["id"].to_numpy(),
            "name": nodes["name"].to_numpy(),
            "name_zh": nodes["name_zh"].to_numpy(),
            "technology": ~group_mask(chain) & ~ix.node_is_stage,
            "hosted": hosted,
            "strong": has_org & (r >= strong_share),
            "region_share": np.where(has_org, r, np.nan),
            "region_partial": partial,
            "region_upper": np.where(has_org, np.minimum(1.0, r + h + u), np.where(geo_known, home_geo, 1.0)),
            "home_elsewhere": np.where(has_org, e, np.nan),
            "home_unlocated": np.where(has_org, h, np.nan),
            "foreign": np.where(has_org, f, np.nan),
            "restricted": np.where(has_org, x, np.nan),
            "unknown": u,
            "region_of_home": np.where(home_known > 0, r / np.where(home_known > 0, home_known, 1.0), np.nan),
        }
    )
    ranked = (
        o[home].assign(_w=w[home], _in=in_region[home]).sort_values(["_node", "_w"], ascending=[True, False])
    )
    first = ranked[~np.isnan(ranked["_share"].to_numpy())].groupby("_node")["_in"].first()
    out["leads_home"] = first.reindex(range(n), fill_value=False).to_numpy(dtype=bool)
    mine = o[in_region].assign(_w=w[in_region]).sort_values(["_node", "_w"], ascending=[True, False])
    providers = mine.groupby("_node")["actor"].agg(lambda a: tuple(dict.fromkeys(a)))
    out["providers"] = [providers.get(i, ()) for i in range(n)]
    return out


def region_dependencies(chain: ChainMap, footprint: pd.DataFrame) -> pd.DataFrame:
    """Inputs of the region's hosted nodes that it does not host, and where their supply is.

    Returns
    -------
    pandas.DataFrame
        Columns ``node`` (the hosted node), ``input``, ``input_name``, ``input_name_zh``,
        ``depends_on`` (``rest_of_country`` when the known home share, :math:`e + h`, is at least
        the foreign one; else ``restricted`` or ``abroad``; ``unknown`` when no
        organisation-level share is known), ``home_outside`` (:math:`e`), ``home_unlocated``
        (:math:`h`), ``foreign``, ``restricted``, ``unknown``; sorted by hosted node and the
        input's foreign share.
    """
    edges = chain.edges[chain.edges["kind"] == "input_of"]
    fp = footprint.set_index("node")
    hosted = set(fp.index[fp["hosted"]])
    rows = edges[edges["target"].isin(hosted) & ~edges["source"].isin(hosted)]
    inp = fp.reindex(rows["source"])
    home_outside = inp["home_elsewhere"].to_numpy()
    unlocated = inp["home_unlocated"].to_numpy()
    home_any = home_outside + unlocated  # domestic: elsewhere, or without a location
    foreign = inp["foreign"].to_numpy()
    restricted = inp["restricted"].to_numpy()
    known = ~np.isnan(foreign)
    depends = np.where(
        ~known | ((home_any + foreign) == 0),
        "unknown",
        np.where(
            home_any >= foreign,
            "rest_of_country",
            np.where(restricted >= np.maximum(home_any, foreign - restricted), "restricted", "abroad"),
        ),
    )
    out = pd.DataFrame(
        {
            "node": rows["target"].to_numpy(),
            "input": rows["source"].to_numpy(),
            "input_name": inp["name"].to_numpy(),
            "input_name_zh": inp["name_zh"].to_numpy(),
            "depends_on": depends,
            "home_outside": home_outside,
            "home_unlocated": unlocated,
            "foreign": foreign,
            "restricted": restricted,
            "unknown": inp["unknown"].to_numpy(),
        }
    )
    return out.sort_values(["node", "foreign"], ascending=[True, False], ignore_index=True)


def downstream_reach(chain: ChainMap, sources: np.ndarray) -> float:
    """Share of the chain's other nodes that take, directly or through other nodes (``input_of``),
    an input from one of the ``sources`` (boolean per node): how far what a region is strong in
    reaches down the chain. 0 without sources.
    """
    n = len(chain.nodes)
    if n <= 1 or not sources.any():
        return 0.0
    pos = pd.Index(chain.nodes["id"])
    e = chain.edges[chain.edges["kind"] == "input_of"]
    src, dst = pos.get_indexer(e["source"]), pos.get_indexer(e["target"])
    ok = (src >= 0) & (dst >= 0)
    starts = np.flatnonzero(sources)
    rows = np.concatenate([src[ok], np.full(len(starts), n)])
    cols = np.concatenate([dst[ok], starts])
    adj = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1))
    reached = breadth_first_order(adj, n, directed=True, return_predecessors=False)
    downstream = set(reached.tolist()) - {n} - set(starts.tolist())
    return len(downstream) / (n - len(starts)) if n > len(starts) else 0.0


def leading_chain_indicators(footprints: Mapping[str, tuple[ChainMap, pd.DataFrame]]) -> pd.DataFrame:
    r"""Candidate leading chain (首位产业链) of a region among several projects.

    Three indicators per project, each in [0, 1], over the chain's technologies (stages and
    categories left out):

    * ``value_share`` :math:`V = \sum_i m_i r_i / \sum_i m_i` over nodes with a known market size
      :math:`m_i` and a known region share (``value_coverage``: the part of the chain's known
      market size this covers), the share of the chain's value the region hosts;
    * ``reach`` (:func:`downstream_reach` of the nodes where it is strong), its position:
      how much of the chain depends on its strengths;
    * ``leaders``: of the nodes with a known home organisation share, the part whose largest
      home provider is located in the region (the concentration of the country's leaders there;
      counted over the chain, so hosting one node cannot make a region lead everywhere).

    ``score`` is the mean of the three, each divided by its largest value among the projects
    (equal weights; a project is compared with the others, not with an absolute scale); rank 1 is
    the candidate. Projects the region hosts nothing of rank last with score 0.
    """
    rows = []
    for project, (chain, full) in footprints.items():
        tech = full["technology"].to_numpy()
        fp = full[tech]  # a category's market size would count its members' twice
        m = pd.to_numeric(chain.nodes["market_size"], errors="coerce").to_numpy(dtype=float)[tech]
        r = fp["region_share"].to_numpy(dtype=float)
        ok = ~np.isnan(m) & ~np.isnan(r) & (m > 0)
        total_m = np.nansum(np.where(m > 0, m, np.nan)) if np.any(m > 0) else 0.0
        value_share = float((m[ok] * r[ok]).sum() / m[ok].sum()) if ok.any() else 0.0
        coverage = float(m[ok].sum() / total_m) if total_m > 0 else 0.0
        hosted = fp["hosted"].to_numpy()
        home_led = (
            fp[["region_share", "home_elsewhere", "home_unlocated"]].fillna(0.0).sum(axis=1) > 0
        ).to_numpy()
        rows.append(
            {
                "project": project,
                "hosted_nodes": int(hosted.sum()),
                "strong_nodes": int(fp["strong"].sum()),
                "value_share": value_share,
                "value_coverage": coverage,
                "reach": downstream_reach(chain, (full["strong"] & full["technology"]).to_numpy()),
                "leaders": float(fp["leads_home"].to_numpy()[home_led].mean()) if home_led.any() else 0.0,
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    parts = out[["value_share", "reach", "leaders"]]
    scaled = parts / parts.max().replace(0.0, 1.0)
    out["score"] = np.where(out["hosted_nodes"] > 0, scaled.mean(axis=1), 0.0)
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    return out.sort_values(["rank", "project"], ignore_index=True)
