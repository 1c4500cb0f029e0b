"""Graph helpers on scipy.sparse adjacency matrices (pure, vectorized per tier)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from chokepoint.errors import ChokepointError


class CycleError(ChokepointError):
    """The dependency graph has a cycle, so it has no topological order."""

    code = "cycle"


def topological_tiers(adj: sp.csr_array | sp.csr_matrix) -> list[np.ndarray]:
    """Nodes by tier: tier 0 has no predecessor; tier t depends only on earlier tiers.

    Kahn's algorithm, one vectorized step per tier (``adj[i, j] != 0`` is an
    edge ``i -> j``). Raises :class:`CycleError` when some node is never freed.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> adj = sp.csr_array(([1.0, 1.0], ([0, 1], [1, 2])), shape=(3, 3))
    >>> [t.tolist() for t in topological_tiers(adj)]
    [[0], [1], [2]]
    """
    a = sp.csr_array(adj)
    n = a.shape[0]
    indeg = np.bincount(a.indices, minlength=n)
    frontier = np.flatnonzero(indeg == 0)
    tiers: list[np.ndarray] = []
    done = 0
    while len(frontier):
        tiers.append(frontier)
        done += len(frontier)
        succ = a[frontier].indices
        np.subtract.at(indeg, succ, 1)
        cand = np.unique(succ)
        frontier = cand[indeg[cand] == 0]
    if done != n:
        stuck = np.flatnonzero(indeg > 0)[:10]
        raise CycleError(f"the dependency graph has a cycle through node positions {stuck.tolist()}")
    return tiers
