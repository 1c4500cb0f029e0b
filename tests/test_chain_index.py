"""``ChainIndex.build``: positions by Arrow hash lookup, sparse matrices per edge kind.

Reference: ``pandas.Index.get_indexer`` (the lookup it replaced) and the chain's own tables read
row by row; exact equality.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.datasets import load_semiconductors
from chokepoint.model.chain import positions

ids = st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=30, unique=True)


@settings(max_examples=60, deadline=None)
@given(known=ids, extra=st.lists(st.text(min_size=1, max_size=6), max_size=10), seed=st.integers(0, 2**31))
def test_positions_equal_get_indexer_with_unknown_values_as_minus_one(known, extra, seed):
    rng = np.random.default_rng(seed)
    values = list(rng.choice(np.array(known + extra, dtype=object), size=50))
    got = positions(pd.Series(values, dtype=object), pa.array(known, type=pa.string()))
    want = pd.Index(known, dtype=object).get_indexer(pd.Index(values, dtype=object))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, want)


def test_demo_chain_matrices_and_provisions_match_its_tables_row_by_row():
    chain = load_semiconductors()
    # the demo has no substitutes: add two, one with an unknown switching time
    extra = pd.DataFrame(
        {
            "source": ["N21", "N44"],
            "target": ["N20", "N45"],
            "kind": "substitute_for",
            "switching_days": [30.0, None],
        }
    )
    chain = type(chain)(
        chain.nodes, pd.concat([chain.edges, extra], ignore_index=True), chain.actors, chain.provisions
    )
    ix = chain.index
    pos = {node: i for i, node in enumerate(chain.nodes["id"])}
    for kind, matrix in (
        ("input_of", ix.input_of),
        ("type_of", ix.type_of),
        ("substitute_for", ix.substitute_for),
    ):
        rows = chain.edges[chain.edges["kind"] == kind]
        dense = np.zeros((len(pos), len(pos)))
        for source, target, weight in zip(rows["source"], rows["target"], rows["weight"], strict=True):
            w = 1.0 if kind != "input_of" or pd.isna(weight) else float(weight)
            dense[pos[source], pos[target]] += w
        np.testing.assert_array_equal(matrix.toarray(), dense)
        assert len(rows) >= 2
    switching = ix.switching_days.toarray()
    assert switching[pos["N21"], pos["N20"]] == 31.0  # days + 1
    assert switching[pos["N44"], pos["N45"]] == 0.0  # unknown: no entry
    actors = {a: i for i, a in enumerate(chain.actors["id"])}
    np.testing.assert_array_equal(ix.prov_node, [pos[n] for n in chain.provisions["node"]])
    np.testing.assert_array_equal(ix.prov_actor, [actors[a] for a in chain.provisions["actor"]])
