r"""Criticality: what depends on a node downstream.

Dependencies form the matrix :math:`D` (``D[i, j] > 0`` when ``j`` cannot be
made, fully or partly, without ``i``):

* ``input_of`` edges ``i -> j`` with their weight (blank = 1);
* ``type_of`` edges child ``i`` -> parent ``j``: weight 1 when the parent needs
  all its kinds (``all``), ``1/k`` when its ``k`` children are alternatives
  (``any``). Through this edge a child inherits its parent's downstream uses.

Final products are nodes (not stages) with no outgoing dependency. Each final
product ``f`` carries value :math:`v_f` (its market size; 1 each when any final
product lacks one, so that units never mix).

Downstream value share and reach are computed by a linear propagation, one
sparse product per tier (exact for an acyclic graph after as many products as
its longest path):

.. math::

    u = D\,(u + e_F \odot v / V), \qquad r = D\,(r + 1)

:math:`u_i` is the share of final value that depends on :math:`i`, clipped to 1
(diamonds count a path twice); :math:`r_i` the weighted number of downstream
nodes. For chains with at most :data:`EXACT_REACH_MAX_NODES` nodes the reach is
exact instead: :math:`S_{ij}` = the strongest path (largest product of weights)
from ``i`` to ``j``, :math:`u_i = \sum_{f} S_{if} v_f / V` and
:math:`r_i = \sum_j S_{ij}`, and the reached final products are listed.

Criticality :math:`C_i = \tfrac12 u_i + \tfrac12 r_i / \max_k r_k`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from chokepoint.model.chain import ChainMap
from chokepoint.model.graph import topological_tiers

#: Largest chain (nodes) for which exact reach sets are computed.
EXACT_REACH_MAX_NODES = 3000


def dependency_matrix(chain: ChainMap) -> sp.csr_array:
    """:math:`D`: ``input_of`` weights plus ``type_of`` child -> parent (1 or 1/k)."""
    ix = chain.index
    t = ix.type_of.tocoo()
    k = np.bincount(t.col, minlength=ix.n_nodes)
    parent_all = ix.children_all[t.col]
    w = np.where(parent_all, 1.0, 1.0 / np.maximum(k[t.col], 1))
    type_dep = sp.coo_array((w, (t.row, t.col)), shape=(ix.n_nodes, ix.n_nodes))
    d = (ix.input_of + type_dep).tocsr()
    d.data = np.minimum(d.data, 1.0)
    return sp.csr_array(d)


@dataclass(frozen=True)
class Criticality:
    """Per node: criticality ``score``, downstream ``value_share``, ``reach`` and final products."""

    score: np.ndarray
    value_share: np.ndarray
    reach: np.ndarray
    is_final: np.ndarray
    exact: bool
    finals_reached: list[np.ndarray] | None  # exact mode: positions of final products reached


def _final_values(chain: ChainMap, d: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    ix = chain.index
    out_deg = np.diff(d.indptr)
    is_final = (out_deg == 0) & ~ix.node_is_stage
    ms = chain.nodes["market_size"].to_numpy(dtype=float)
    v = np.zeros(ix.n_nodes)
    if is_final.any():
        fv = ms[is_final]
        v[is_final] = fv if not np.isnan(fv).any() and fv.sum() > 0 else 1.0
    return is_final, v / v.sum() if v.sum() > 0 else v


def criticality(chain: ChainMap, *, exact: bool | None = None) -> Criticality:
    """Criticality of every node (see module docstring for the formula).

    Examples
    --------
    >>> from chokepoint.datasets import load_semiconductors
    >>> c = criticality(load_semiconductors())
    >>> bool(c.score.max() <= 1.0)
    True
    """
    ix = chain.index
    n = ix.n_nodes
    d = dependency_matrix(chain)
    is_final, v = _final_values(chain, d)
    use_exact = (n <= EXACT_REACH_MAX_NODES) if exact is None else exact
    finals: list[np.ndarray] | None = None
    if use_exact and n:
        strength = _strongest_paths(d)
        value = strength @ v
        reach = strength.sum(axis=1)
        finals = [np.flatnonzero((strength[i] > 0) & is_final) for i in range(n)]
    else:
        value = np.zeros(n)
        reach = np.zeros(n)
        for _ in range(n + 1):
            nv = np.minimum(1.0, d @ (value + v))
            nr = d @ (reach + 1.0)
            if np.array_equal(nv, value) and np.array_equal(nr, reach):
                break
            value, reach = nv, nr
    value = np.minimum(1.0, value + v)  # a final product depends on itself
    rmax = reach.max() if n and reach.max() > 0 else 1.0
    score = 0.5 * value + 0.5 * reach / rmax
    return Criticality(
        score=score,
        value_share=value,
        reach=reach,
        is_final=is_final,
        exact=bool(use_exact),
        finals_reached=finals,
    )


def _strongest_paths(d: sp.csr_array) -> np.ndarray:
    """Dense ``S[i, j]``: largest product of weights over paths i -> j (0 when none)."""
    n = d.shape[0]
    strength = np.zeros((n, n))
    order = _topological_order(d)
    indptr, indices, data = d.indptr, d.indices, d.data
    for i in order[::-1]:  # sinks first: successors are final when i is processed
        succ = indices[indptr[i] : indptr[i + 1]]
        if len(succ) == 0:
            continue
        w = data[indptr[i] : indptr[i + 1]]
        cand = w[:, None] * strength[succ]
        cand[np.arange(len(succ)), succ] = np.maximum(cand[np.arange(len(succ)), succ], w)
        strength[i] = cand.max(axis=0)
    return strength


def _topological_order(d: sp.csr_array) -> np.ndarray:
    tiers = topological_tiers(d)
    return np.concatenate(tiers) if tiers else np.zeros(0, dtype=np.int64)
