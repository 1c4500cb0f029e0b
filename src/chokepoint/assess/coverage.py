r"""The coverage rule: what a shock removes at a node when part of its market is unknown.

One rule for every engine (assessment exposure, scenarios, sweeps, Monte Carlo, lists).
A node's providers are described at up to two *provider levels*: countries and
regions (``geo``), and organizations (``org``). The two describe the same market
and are never added.

At level :math:`l` of node :math:`i`, the known shares :math:`s_p` sum to the
*coverage* :math:`\kappa_{il} = \min(1, \sum_p s_p)`; the *unknown remainder*
:math:`r_{il} = 1 - \kappa_{il}` is the part of the market no provision names with a
share (blank shares belong to it). When public data rounds small shares up and the
known shares exceed 1, they are scaled down to sum to 1 (never up).

A shock cuts a fraction :math:`c_p \in [0, 1]` of provisions :math:`p` (a blockade of
country X cuts X's country provision and those of X's enterprises; an outage cuts one
enterprise's).

* **Central estimate** (``loss``): the known shares the shock removes; the unknown
  remainder is left unaffected (it is never scaled away onto the named providers).
  The levels are reconciled by the larger known loss:

  .. math:: \ell_i = \max_l \sum_{p \in l} s_p c_p

* **Bound** (``loss_upper``): the loss if the unknown remainder belonged to the shocked
  party too, at the level that knows most:

  .. math:: \bar\ell_i = \max\Big(\ell_i,\; \min_{l \text{ present}}
            \big(\textstyle\sum_{p \in l} s_p c_p + r_{il}\, d_i\big)\Big)

  where :math:`d_i` is the deepest cut at the node. A node the shock does not touch
  (the party names no provision there) has :math:`d_i = 0` and no bound: a chain map
  lists the providers it knows of, and nothing in the data ties the remainder to the
  party.
* **Coverage** (``coverage``): :math:`\max_l \kappa_{il}`, the best-known level.

Worked example (``tests/data/coverage-battery``): country shares CHN 0.65, KOR 0.20,
BEL 0.10 (coverage 0.95) and one Belgian enterprise at 0.08 (coverage 0.08). A Belgian
blockade removes 0.10 at the country level and 0.08 at the enterprise level: the loss is
0.10; the bound is :math:`\min(0.10 + 0.05, 0.08 + 0.92) = 0.15`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit

GEO, ORG = 0, 1


@dataclass(frozen=True)
class LevelShares:
    r"""Known shares per provision and coverage per (node, level), for :func:`direct_loss`.

    Attributes
    ----------
    node, level : int arrays (n_provisions,)
        Node position and provider level (``GEO`` 0 or ``ORG`` 1) of each provision.
    weight : float array (n_provisions,)
        The known share used (0 when unknown; scaled down where a level's shares exceed 1).
    known : bool array (n_provisions,)
    present : bool array (n_nodes, 2)
        The node has provisions at the level.
    coverage : float array (n_nodes, 2)
        :math:`\kappa_{il}`; 0 where the level is absent.
    """

    node: np.ndarray
    level: np.ndarray
    weight: np.ndarray
    known: np.ndarray
    present: np.ndarray
    coverage: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes the shares describe."""
        return int(self.present.shape[0])

    @property
    def remainder(self) -> np.ndarray:
        r"""Unknown remainder :math:`r_{il} = 1 - \kappa_{il}` per (node, level); 0 where absent."""
        return np.where(self.present, 1.0 - self.coverage, 0.0)

    @property
    def node_coverage(self) -> np.ndarray:
        """Coverage of the best-known level per node; NaN for a node without provisions."""
        cov = np.where(self.present, self.coverage, -1.0).max(axis=1)
        return np.where(cov < 0, np.nan, cov)


def level_shares(node: np.ndarray, is_geo: np.ndarray, share: np.ndarray, n_nodes: int) -> LevelShares:
    """Known shares and coverage of provisions ``node``, ``is_geo``, ``share`` (NaN = unknown)."""
    node = np.asarray(node, dtype=np.int64)
    level = np.where(np.asarray(is_geo, dtype=bool), GEO, ORG).astype(np.int64)
    share = np.asarray(share, dtype=float)
    known = ~np.isnan(share)
    s = np.where(known, np.clip(share, 0.0, None), 0.0)
    key = node * 2 + level
    total = np.bincount(key, weights=s, minlength=2 * n_nodes)
    scale = np.where(total > 1.0, 1.0 / np.where(total > 1.0, total, 1.0), 1.0)
    weight = s * scale[key]
    present = (np.bincount(key, minlength=2 * n_nodes) > 0).reshape(n_nodes, 2)
    coverage = np.minimum(1.0, total).reshape(n_nodes, 2)
    return LevelShares(node, level, weight, known, present, np.where(present, coverage, 0.0))


@njit(cache=True, nogil=True)
def _scatter(
    out: np.ndarray,
    depth: np.ndarray,
    prov_node: np.ndarray,
    prov_level: np.ndarray,
    prov_w: np.ndarray,
    cut_ptr: np.ndarray,
    cut_row: np.ndarray,
    cut_val: np.ndarray,
) -> None:  # pragma: no cover - compiled; covered through direct_loss
    """``out[l, i, c] += w_p cut[p, c]`` per level; ``depth[i, c]`` = deepest cut at node ``i``."""
    k = out.shape[2]
    for c in range(k):
        for f in range(cut_ptr[c], cut_ptr[c + 1]):
            p = cut_row[f]
            i = prov_node[p]
            v = cut_val[f]
            out[prov_level[p], i, c] += prov_w[p] * v
            if v > depth[i, c]:
                depth[i, c] = v


@njit(cache=True, nogil=True)
def _scatter_rows(
    out: np.ndarray,
    depth: np.ndarray,
    prov_node: np.ndarray,
    prov_level: np.ndarray,
    prov_w: np.ndarray,
    rows: np.ndarray,
    cut: np.ndarray,
) -> None:  # pragma: no cover - compiled; covered through direct_loss
    """:func:`_scatter` for a dense cut, over its non-zero ``rows``: each provision's scenario row
    is added to its node's row, both contiguous (the inner loop vectorizes).
    """
    k = out.shape[2]
    for r in range(rows.shape[0]):
        p = rows[r]
        i = prov_node[p]
        lv = prov_level[p]
        w = prov_w[p]
        for c in range(k):
            v = cut[p, c]
            out[lv, i, c] += w * v
            if v > depth[i, c]:
                depth[i, c] = v


def loss_by_level(shares: LevelShares, cut: np.ndarray | sp.sparray) -> tuple[np.ndarray, np.ndarray]:
    """Known loss per level ``(2, n_nodes, k)`` and the deepest cut per node ``(n_nodes, k)``.

    A dense cut is read in place (its non-zero rows only); a sparse one column by column.
    """
    n = shares.n_nodes
    if isinstance(cut, np.ndarray) and cut.ndim == 2:
        dense = np.ascontiguousarray(cut, dtype=np.float64)
        k = dense.shape[1]
        per_level = np.zeros((2, n, k))
        depth = np.zeros((n, k))
        rows = np.flatnonzero(dense.any(axis=1)).astype(np.int64)
        _scatter_rows(per_level, depth, shares.node, shares.level, shares.weight, rows, dense)
        np.clip(per_level, 0.0, 1.0, out=per_level)
        return per_level, depth
    c = sp.csc_array(cut)
    k = c.shape[1]
    per_level = np.zeros((2, n, k))
    depth = np.zeros((n, k))
    _scatter(
        per_level,
        depth,
        shares.node,
        shares.level,
        shares.weight,
        c.indptr.astype(np.int64),
        c.indices.astype(np.int64),
        c.data.astype(np.float64),
    )
    np.clip(per_level, 0.0, 1.0, out=per_level)
    return per_level, depth


def bound_level(
    shares: LevelShares, per_level: np.ndarray, depth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return the bound before reconciliation and the level that sets it (``GEO``/``ORG``; -1 if none).

    :math:`\min_{l \text{ present}} (\sum_{p \in l} s_p c_p + r_{il} d_i)`, 0 at nodes without provisions.
    """
    r = shares.remainder
    cand = per_level + r.T[:, :, None] * depth[None, :, :]
    cand = np.where(shares.present.T[:, :, None], cand, np.inf)
    which = np.argmin(cand, axis=0)
    bound = np.min(cand, axis=0)
    none = np.isinf(bound)
    return np.where(none, 0.0, bound), np.where(none, -1, which)


@njit(cache=True, nogil=True, inline="always")
def clip01(x: float) -> float:  # pragma: no cover - compiled
    """``x`` clipped to [0, 1]."""
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


@njit(cache=True, nogil=True, inline="always")
def bound_of_levels(
    lg: float, lo: float, v: float, d: float, g: bool, o: bool, rg: float, ro: float
) -> float:  # pragma: no cover - compiled
    """The bound of :func:`direct_loss` at one node and column: ``clip(max(min_l (pl_l + r_l d), v), 0, 1)``
    over the levels present (``g``, ``o``), from the known losses ``lg``, ``lo``, their larger ``v``, the
    deepest cut ``d`` and the remainders ``rg``, ``ro``.
    """
    b = np.inf
    if g:
        b = lg + rg * d
    if o:
        x = lo + ro * d
        if x < b:
            b = x
    if b == np.inf:
        b = 0.0
    if v > b:
        b = v
    return clip01(b)


@njit(cache=True, nogil=True)
def _loss_and_bound(
    per_level: np.ndarray,
    depth: np.ndarray,
    remainder: np.ndarray,
    present: np.ndarray,
    loss: np.ndarray,
    bound: np.ndarray,
) -> None:  # pragma: no cover - compiled; covered through direct_loss
    """Fused :func:`bound_level` and the reconciliation of :func:`direct_loss`, without temporaries:
    ``loss = max_l pl_l``; ``bound = clip(max(min_{l present} (pl_l + r_l d), loss), 0, 1)``.
    """
    n, k = depth.shape
    for i in range(n):
        g, o = present[i, 0], present[i, 1]
        rg, ro = remainder[i, 0], remainder[i, 1]
        for c in range(k):
            lg = per_level[0, i, c]
            lo = per_level[1, i, c]
            v = lg if lg > lo else lo
            loss[i, c] = v
            bound[i, c] = bound_of_levels(lg, lo, v, depth[i, c], g, o, rg, ro)


def direct_loss(
    shares: LevelShares, cut: np.ndarray | sp.sparray, *, upper: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Central loss and bound at every node (before propagation), shape ``(n_nodes, k)``.

    Parameters
    ----------
    shares : LevelShares
    cut : (n_provisions, k) array or sparse array
        Fraction of each provision cut, one column per scenario.
    upper : bool
        Also compute the bound (else ``None`` is returned for it).

    Returns
    -------
    loss, loss_upper : arrays in [0, 1] (see the module docstring for the formulas)
    """
    per_level, depth = loss_by_level(shares, cut)
    if not upper:
        return np.maximum(per_level[GEO], per_level[ORG]), None
    loss = np.empty(depth.shape)
    bound = np.empty(depth.shape)
    r = np.ascontiguousarray(shares.remainder, dtype=np.float64)
    present = np.ascontiguousarray(shares.present)
    _loss_and_bound(per_level, depth, r, present, loss, bound)
    return loss, bound
