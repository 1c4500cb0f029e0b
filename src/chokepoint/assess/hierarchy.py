"""The technology hierarchy of an assessment: leaves are ranked, parent categories are groups.

A node with ``type_of`` children (a category such as *Lithography tools*) is a **group**:
it is summarised by its members (the leaves below it, at any depth: the worst member, the
share of members at each level), never ranked beside its own children. Leaves (nodes that
are not stages and have no ``type_of`` children) are the technologies the assessment ranks.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from chokepoint.model.chain import ChainMap

Bools = npt.NDArray[np.bool_]


def group_mask(chain: ChainMap) -> Bools:
    """True for nodes that have ``type_of`` children (categories), stages excluded."""
    ix = chain.index
    t = ix.type_of.tocsc()  # t[c, p] = 1: c is a kind of p
    has_child = np.diff(t.indptr) > 0
    return np.asarray(has_child & ~ix.node_is_stage, dtype=bool)


def parent_of(chain: ChainMap) -> npt.NDArray[np.int64]:
    """Position of each node's (first) ``type_of`` parent; -1 when it has none."""
    ix = chain.index
    t = ix.type_of.tocsr()
    out = np.full(ix.n_nodes, -1, dtype=np.int64)
    rows = np.repeat(np.arange(ix.n_nodes), np.diff(t.indptr))
    first = np.r_[True, rows[1:] != rows[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    out[rows[first]] = t.indices[first]
    return out


def member_matrix(chain: ChainMap) -> sp.csr_array:
    """``M[g, l] = 1`` when leaf ``l`` is below group ``g`` (at any depth), vectorized closure."""
    ix = chain.index
    n = ix.n_nodes
    t = sp.csr_array(ix.type_of.T.astype(np.float64))  # t[p, c] = 1: c is a kind of p
    reach = sp.csr_array(t.copy())
    frontier = sp.csr_array(t.copy())
    for _ in range(n):
        frontier = sp.csr_array((frontier @ t) > 0).astype(np.float64)
        new = sp.csr_array((frontier - frontier.multiply(reach > 0)) > 0)
        if new.nnz == 0:
            break
        reach = sp.csr_array((reach + new) > 0).astype(np.float64)
    leaves = ~group_mask(chain) & ~ix.node_is_stage
    return sp.csr_array(reach @ sp.diags(leaves.astype(np.float64)))


LEVEL_KEYS = ("I", "II", "III", "IV", "low", "insufficient_data")


def group_summaries(
    chain: ChainMap, score: npt.NDArray[np.float64], level: npt.NDArray[np.object_]
) -> pd.DataFrame:
    """One row per group: members, the worst member (id, score, level) and the share of
    members at each level (I, II, III, IV, low, insufficient_data), vectorized over groups.
    """
    ix = chain.index
    groups = np.flatnonzero(group_mask(chain))
    m = member_matrix(chain).tocsr()[groups]
    n_members = np.diff(m.indptr)
    weighted = sp.csr_array(m.multiply(np.nan_to_num(score, nan=-1.0) + 2.0))
    worst = np.asarray(weighted.argmax(axis=1)).ravel()
    worst = np.where(n_members > 0, worst, -1)
    onehot = np.stack([(level == k).astype(np.float64) for k in LEVEL_KEYS], axis=1)
    counts = np.asarray(m @ onehot)
    shares = counts / np.maximum(n_members, 1)[:, None]
    member_ids = np.split(ix.node_ids[m.indices], m.indptr[1:-1]) if len(groups) else []
    safe = np.clip(worst, 0, None)
    return pd.DataFrame(
        {
            "id": ix.node_ids[groups],
            "members": [[str(x) for x in ids] for ids in member_ids],
            "n_members": n_members,
            "worst_member": np.where(worst >= 0, ix.node_ids[safe], None),
            "worst_score": np.where(worst >= 0, score[safe], np.nan),
            "worst_level": np.where(worst >= 0, level[safe], None),
            "levels": [
                {k: float(v) for k, v in zip(LEVEL_KEYS, row, strict=True) if v > 0} for row in shares
            ],
        }
    )
