"""Seeded generator of layered synthetic chain maps for benchmarks.

``synthetic_chain(n_nodes, n_edges, seed)`` builds ``layers`` tiers of nodes;
``input_of`` edges go from a tier to a later tier (mostly the next one), so the
chain is acyclic by construction. Every non-final node gets country provisions
(1-4 countries out of 30, shares summing to at most 1, 5% unknown) and firm
provisions (1-3 firms); 1% of the nodes are grouped under ``type_of`` parents.

Node ``n{i}`` sits at position ``i`` of the nodes table, in tier order. With
``shuffle=True`` the same chain (same graph, shares and market sizes) has its node ids
relabelled by a seeded random permutation and its nodes table ordered by the new ids, so
that positions are not in tier order, as in real data. The default output is unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chokepoint.model.chain import ChainMap

COUNTRIES = (
    "CHN",
    "USA",
    "JPN",
    "NLD",
    "KOR",
    "TWN",
    "DEU",
    "FRA",
    "GBR",
    "ITA",
    "SGP",
    "MYS",
    "ISR",
    "CHE",
    "AUT",
    "SWE",
    "CAN",
    "IND",
    "BRA",
    "MEX",
    "VNM",
    "THA",
    "IDN",
    "POL",
    "ESP",
    "BEL",
    "IRL",
    "FIN",
    "DNK",
    "NOR",
)


def synthetic_chain(
    n_nodes: int,
    n_edges: int,
    seed: int = 0,
    layers: int = 10,
    n_firms: int | None = None,
    shuffle: bool = False,
) -> ChainMap:
    """A seeded layered chain with ``n_nodes`` nodes and about ``n_edges`` ``input_of`` edges.

    ``shuffle`` relabels the nodes by a random permutation (seeded by ``seed``, drawn from its
    own generator so the chain itself is the same) and orders the nodes table by the new ids.
    """
    rng = np.random.default_rng(seed)
    tier = np.sort(rng.integers(0, layers, n_nodes))
    starts = np.searchsorted(tier, np.arange(layers + 1))
    # edges: source in tier t, target in tier t+1 (80%) or later (20%)
    src = rng.integers(0, starts[layers - 1], n_edges)
    jump = np.where(rng.random(n_edges) < 0.8, 1, rng.integers(1, layers, n_edges))
    t_tier = np.minimum(tier[src] + jump, layers - 1)
    lo, hi = starts[t_tier], starts[t_tier + 1]
    ok = hi > lo
    dst = lo + (rng.random(n_edges) * (hi - lo)).astype(np.int64)
    src, dst = src[ok], dst[ok]
    keys = np.unique(src.astype(np.int64) * n_nodes + dst)
    src, dst = keys // n_nodes, keys % n_nodes
    label = np.arange(n_nodes)
    if shuffle:
        label = np.random.default_rng([seed, 1]).permutation(n_nodes)  # node i is called n{label[i]}
    ids = np.char.add("n", label.astype(str)).astype(object)
    nodes = pd.DataFrame(
        {"id": ids, "name": ids, "kind": "component", "market_size": rng.lognormal(18, 2, n_nodes)}
    )
    if shuffle:  # the nodes table in the order of the new ids: positions no longer follow the tiers
        nodes = nodes.iloc[np.argsort(label)].reset_index(drop=True)
    edges = pd.DataFrame(
        {
            "source": ids[src],
            "target": ids[dst],
            "kind": "input_of",
            "weight": np.where(rng.random(len(src)) < 0.9, 1.0, 0.5),
        }
    )
    # country provisions
    supplied = np.flatnonzero(tier < layers - 1)
    k = rng.integers(1, 5, len(supplied))
    p_node = np.repeat(supplied, k)
    p_cty = rng.integers(0, len(COUNTRIES), len(p_node))
    raw = rng.random(len(p_node))
    tot = np.bincount(p_node, weights=raw, minlength=n_nodes)
    share = raw / np.maximum(tot[p_node], 1.0) * rng.uniform(0.8, 1.0)
    share[rng.random(len(share)) < 0.05] = np.nan
    pair = np.unique(p_node.astype(np.int64) * len(COUNTRIES) + p_cty, return_index=True)[1]
    p_node, p_cty, share = p_node[pair], p_cty[pair], share[pair]
    # firms
    n_firms = n_firms or max(10, n_nodes // 20)
    firm_cty = rng.integers(0, len(COUNTRIES), n_firms)
    f_k = rng.integers(1, 4, len(supplied))
    f_node = np.repeat(supplied, f_k)
    f_firm = rng.integers(0, n_firms, len(f_node))
    pair = np.unique(f_node.astype(np.int64) * n_firms + f_firm, return_index=True)[1]
    f_node, f_firm = f_node[pair], f_firm[pair]
    f_raw = rng.random(len(f_node))
    f_tot = np.bincount(f_node, weights=f_raw, minlength=n_nodes)
    f_share = f_raw / np.maximum(f_tot[f_node], 1.0) * 0.9
    firm_ids = np.char.add("f", np.arange(n_firms).astype(str)).astype(object)
    actors = pd.concat(
        [
            pd.DataFrame(
                {
                    "id": list(COUNTRIES),
                    "name": list(COUNTRIES),
                    "kind": "country",
                    "country": list(COUNTRIES),
                }
            ),
            pd.DataFrame(
                {
                    "id": firm_ids,
                    "name": firm_ids,
                    "kind": "enterprise",
                    "country": np.array(COUNTRIES, dtype=object)[firm_cty],
                }
            ),
        ],
        ignore_index=True,
    )
    provisions = pd.DataFrame(
        {
            "actor": np.concatenate([np.array(COUNTRIES, dtype=object)[p_cty], firm_ids[f_firm]]),
            "node": np.concatenate([ids[p_node], ids[f_node]]),
            "share": np.concatenate([share, f_share]),
            "year": 2025,
        }
    )
    return ChainMap(nodes=nodes, edges=edges, actors=actors, provisions=provisions)
