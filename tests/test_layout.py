"""The chain map's drawing (model.layout): stage lanes, longest-path columns, barycentre rows.

References: a hand-laid five-node chain (columns by longest path to a sink, Sugiyama, Tagawa and
Toda 1981, step 1) and the invariants of a layered drawing (every edge goes right, no two nodes
in one cell, every node inside its lane), on the demo chain and on random chains (Hypothesis).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.datasets import load_semiconductors
from chokepoint.model.chain import ChainMap
from chokepoint.model.layout import COLUMN_WIDTH, ROW_HEIGHT, chain_layout


def small_chain() -> ChainMap:
    """a -> b -> d, c -> d, e kind of b; stages S1 (a, c, e) and S2 (b, d)."""
    nodes = [
        {"id": "S1", "name": "Stage one", "name_zh": "一", "kind": "stage"},
        {"id": "S2", "name": "Stage two", "name_zh": "二", "kind": "stage"},
        *(
            {"id": i, "name": i.upper(), "kind": "equipment", "stage": s}
            for i, s in [("a", "S1"), ("b", "S2"), ("c", "S1"), ("d", "S2"), ("e", "S1")]
        ),
    ]
    edges = [
        {"source": "a", "target": "b", "kind": "input_of"},
        {"source": "b", "target": "d", "kind": "input_of"},
        {"source": "c", "target": "d", "kind": "input_of"},
        {"source": "e", "target": "b", "kind": "type_of"},
    ]
    return ChainMap(nodes=pd.DataFrame(nodes), edges=pd.DataFrame(edges), actors=None, provisions=None)


def check_invariants(chain: ChainMap) -> pd.DataFrame:
    layout = chain_layout(chain)
    nodes = layout.nodes.set_index("id")
    e = chain.edges[chain.edges["kind"].isin(["input_of", "type_of"])]
    assert (nodes.loc[e["target"], "column"].to_numpy() > nodes.loc[e["source"], "column"].to_numpy()).all()
    assert not nodes.duplicated(["lane", "column", "row"]).any()
    lanes = layout.lanes.set_index("stage")
    top = lanes.loc[nodes["lane"], "top"].to_numpy()
    bottom = top + lanes.loc[nodes["lane"], "height"].to_numpy()
    assert ((nodes["y"] > top) & (nodes["y"] < bottom)).all()
    # cells never closer than one row or one column: labels sized to them cannot overlap
    for _, g in nodes.groupby(["lane", "column"]):
        ys = np.sort(g["y"].to_numpy())
        assert (np.diff(ys) >= ROW_HEIGHT - 1e-9).all()
    np.testing.assert_allclose(nodes["x"], nodes["column"] * COLUMN_WIDTH)
    return layout.nodes


def test_hand_laid_small_chain():
    layout = chain_layout(small_chain())
    got = layout.nodes.set_index("id")
    # longest path to the sink d: a 2, e 2, b 1, c 1, d 0 -> columns D - h with D = 2
    assert got["column"].to_dict() == {"a": 0, "b": 1, "c": 1, "d": 2, "e": 0}
    assert got["lane"].to_dict() == {"a": "S1", "b": "S2", "c": "S1", "d": "S2", "e": "S1"}
    assert layout.lanes["stage"].tolist() == ["S1", "S2"]
    assert layout.lanes["name_zh"].tolist() == ["一", "二"]
    # lane S1 holds two rows (a and e in column 0), S2 one: heights 2 and 1 rows plus padding
    assert layout.lanes["height"].tolist() == [2 * ROW_HEIGHT + 60, ROW_HEIGHT + 60]
    assert layout.width == 3 * COLUMN_WIDTH
    check_invariants(small_chain())


def test_demo_chain_in_three_stage_lanes():
    chain = load_semiconductors()
    nodes = check_invariants(chain)
    layout = chain_layout(chain)
    assert layout.lanes["stage"].tolist()[:3] == ["S1", "S2", "S3"]
    assert len(nodes) == 126  # every node but the three stages
    # the finished chip is the last column; EUV tools sit left of lithography tools
    col = nodes.set_index("id")["column"]
    assert col["N99"] == col.max()
    assert col["N20"] < col["N19"]


def crossings(chain: ChainMap, layout_nodes: pd.DataFrame) -> int:
    """Crossings between edges that join neighbouring columns of one lane."""
    n = layout_nodes.set_index("id")
    e = chain.edges[chain.edges["kind"].isin(["input_of", "type_of"])]
    s, t = n.loc[e["source"]].reset_index(), n.loc[e["target"]].reset_index()
    keep = ((t["column"] - s["column"]) == 1) & (s["lane"] == t["lane"])
    s, t = s[keep], t[keep]
    total = 0
    for idx in s.groupby(["lane", "column"]).groups.values():
        rs, rt = s.loc[idx, "row"].to_numpy(), t.loc[idx, "row"].to_numpy()
        total += int((np.subtract.outer(rs, rs) * np.subtract.outer(rt, rt) < 0).sum() // 2)
    return total


def test_barycentre_sweeps_do_not_add_crossings():
    chain = load_semiconductors()
    assert crossings(chain, chain_layout(chain).nodes) <= crossings(
        chain, chain_layout(chain, sweeps=0).nodes
    )


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_property_random_chains_draw_as_layered_lanes(data):
    n = data.draw(st.integers(2, 25))
    stages = data.draw(st.lists(st.sampled_from(["S1", "S2", ""]), min_size=n, max_size=n))
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    edges = {(min(a, b), max(a, b)) for a, b in pairs if a != b}  # i < j: acyclic by construction
    kinds = data.draw(
        st.lists(st.sampled_from(["input_of", "type_of"]), min_size=len(edges), max_size=len(edges))
    )
    nodes = [{"id": "S1", "name": "one", "kind": "stage"}, {"id": "S2", "name": "two", "kind": "stage"}]
    nodes += [{"id": f"n{i}", "name": f"node {i}", "kind": "equipment", "stage": stages[i]} for i in range(n)]
    edge_rows = [
        {"source": f"n{a}", "target": f"n{b}", "kind": k}
        for (a, b), k in zip(sorted(edges), kinds, strict=True)
    ]
    edge_frame = pd.DataFrame(edge_rows, columns=["source", "target", "kind"])
    chain = ChainMap(nodes=pd.DataFrame(nodes), edges=edge_frame, actors=None, provisions=None)
    got = check_invariants(chain)
    assert len(got) == n
