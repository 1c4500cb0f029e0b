"""The final products of a chain and the value they weigh, by which a scenario's losses count."""

from __future__ import annotations

import numpy as np

from chokepoint.model.chain import ChainMap

#: Losses below this are reported as none (floating-point noise).
EPS = 1e-9


def final_products(chain: ChainMap) -> tuple[np.ndarray, np.ndarray]:
    """Find the final products (no outgoing ``input_of``/``type_of``, not stages) and their value weights.

    Values are market sizes normalized to sum 1, or equal when any is missing.
    """
    ix = chain.index
    out_deg = np.diff(ix.input_of.indptr) + np.diff(ix.type_of.indptr)
    is_final = (out_deg == 0) & ~ix.node_is_stage
    ms = chain.nodes["market_size"].to_numpy(dtype=float)
    v = np.zeros(ix.n_nodes)
    fv = ms[is_final]
    v[is_final] = fv if len(fv) and not np.isnan(fv).any() and fv.sum() > 0 else 1.0
    return is_final, v / v.sum() if v.sum() > 0 else v
