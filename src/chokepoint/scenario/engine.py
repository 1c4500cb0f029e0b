r"""The propagation engine: availability of every node under many scenarios at once.

Availability :math:`a_i \in [0, 1]` is relative to the no-shock baseline of the
same model (DESIGN 6b): with no shock every node is at 1, whatever the gaps in
the data.

**Supply.** Provider :math:`p` of node :math:`i` has weight
:math:`\omega_{ip} = s_{ip} / \sum_q s_{iq}` within its provider level
(countries and regions, or organizations; the two describe the same market
and are never added). A scenario cuts a fraction :math:`b_p \in [0, 1]` of each
provision, so the level's supply availability is :math:`1 - \sum_p \omega_{ip} b_p`
(one sparse product for all scenarios: :math:`1 - \Omega B`). When a node has
both levels the smaller availability counts (each shock shows at least at one
level); a node without provisions has supply availability 1. A capacity shock
multiplies it by :math:`1 - \ell_i`.

*Unknown shares* (blank in the data) receive the node's unallocated share
:math:`\max(0, 1 - \sum \text{known})`, split equally among them; when every
share of a level is unknown they share it equally. Nodes where this rule was
used are flagged (``unknown_share_used``).

**Tiers.** Nodes are processed in topological order of the dependency graph
(``input_of`` plus ``type_of`` child -> parent) by one compiled kernel (numba)
that updates every scenario column of a node at once:

.. math::

    a_i = \min\Big(b_i,\; \min_{j \to i} \big(1 - w_{ji} (1 - a_j)\big)\Big)

where :math:`w_{ji}` is the ``input_of`` weight (1 = critical: the node cannot
produce more than its scarcest critical input allows; smaller weights soften
non-critical inputs), and the base :math:`b_i` is the supply availability,
or, for a ``type_of`` parent whose kinds carry provisions, the minimum of
those kinds (rule ``all``) or their market-weighted mean (rule ``any``; equal
weights when a market size is missing).

The kernel works on losses :math:`\ell = 1 - a`, where the rule reads
:math:`\ell_i = \max(\ell^{base}_i, \max_{j \to i} w_{ji} \ell_j)`: a loop over
the in-edges of each node in topological order, the batch of scenarios as the
contiguous inner dimension.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numba import njit

from chokepoint.assess.perspective import Perspective
from chokepoint.assess.supply import select_provisions
from chokepoint.model.chain import ChainMap
from chokepoint.model.graph import topological_tiers


def _dense(x: np.ndarray | sp.sparray) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(x.toarray())


@njit(cache=True, nogil=True)
def _propagate_loss(
    loss: np.ndarray,
    order: np.ndarray,
    mode: np.ndarray,
    kind_ptr: np.ndarray,
    kind_src: np.ndarray,
    kind_w: np.ndarray,
    in_ptr: np.ndarray,
    in_src: np.ndarray,
    in_w: np.ndarray,
    inventory: np.ndarray,
    period: int,
    step: float,
) -> None:  # pragma: no cover - compiled; covered through PropagationEngine
    """In place, in topological ``order``: ``loss[i] = max(base_i, max_j w_ji loss[j])``.

    ``base_i`` is the supply loss already in ``loss[i]`` (mode 0), the largest loss
    of its kinds (mode 1, rule ``all``) or their weighted mean (mode 2, rule ``any``).
    Works on every scenario column of a row at once. For the dynamics, columns come in
    runs of ``period`` time steps of ``step`` days, and a node with ``inventory`` days of
    stock covers its loss until the stock (drawn by each step's loss) runs out.
    """
    k = loss.shape[1]
    for idx in range(order.shape[0]):
        i = order[idx]
        m = mode[i]
        if m != 0:
            for c in range(k):
                loss[i, c] = 0.0
            for e in range(kind_ptr[i], kind_ptr[i + 1]):
                j = kind_src[e]
                w = kind_w[e]
                for c in range(k):
                    if m == 1:
                        if loss[j, c] > loss[i, c]:
                            loss[i, c] = loss[j, c]
                    else:
                        loss[i, c] += w * loss[j, c]
        for e in range(in_ptr[i], in_ptr[i + 1]):
            j = in_src[e]
            w = in_w[e]
            for c in range(k):
                v = w * loss[j, c]
                if v > loss[i, c]:
                    loss[i, c] = v
        if inventory[i] > 0.0:
            stock = 0.0
            for c in range(k):
                if c % period == 0:
                    stock = inventory[i]
                need = loss[i, c] * step
                used = need if need < stock else stock
                stock -= used
                loss[i, c] = (need - used) / step


@njit(cache=True, nogil=True)
def _supply_loss(
    geo_loss: np.ndarray,
    org_loss: np.ndarray,
    prov_node: np.ndarray,
    prov_w: np.ndarray,
    prov_geo: np.ndarray,
    cut_ptr: np.ndarray,
    cut_row: np.ndarray,
    cut_val: np.ndarray,
) -> None:  # pragma: no cover - compiled; covered through PropagationEngine
    """Scatter the cuts of each scenario column (CSC) into per-level node losses.

    ``geo_loss[i, c] += w_p * cut[p, c]`` for country/region provisions ``p`` of node
    ``i``, ``org_loss`` likewise for organizations; only non-zero cuts are visited.
    """
    k = geo_loss.shape[1]
    for c in range(k):
        for f in range(cut_ptr[c], cut_ptr[c + 1]):
            p = cut_row[f]
            i = prov_node[p]
            if prov_geo[p]:
                geo_loss[i, c] += prov_w[p] * cut_val[f]
            else:
                org_loss[i, c] += prov_w[p] * cut_val[f]


def _by_target(targets: np.ndarray, src: np.ndarray, weight: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """CSR-like arrays of in-edges grouped by target: ``ptr`` (n+1), sources, weights."""
    order = np.argsort(targets, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets, minlength=n), out=ptr[1:])
    return ptr, src[order].astype(np.int64), weight[order].astype(np.float64)


class PropagationEngine:
    """Compiled once per chain and perspective; runs any number of scenario columns.

    Parameters
    ----------
    chain : ChainMap
    perspective : Perspective
        Only its ``year`` matters here (which provisions are used); who blockades
        whom is in the scenario.

    Examples
    --------
    >>> from chokepoint.datasets import load_semiconductors
    >>> from chokepoint.assess import Perspective
    >>> chain = load_semiconductors()
    >>> eng = PropagationEngine(chain, Perspective.from_codes("CHN"))
    >>> cut = eng.provider_mask(countries=["NLD"])
    >>> a = eng.availability(cut[:, None].astype(float))
    >>> float(a[chain.index.node_position("N20"), 0])
    0.0
    """

    def __init__(self, chain: ChainMap, perspective: Perspective):
        self.chain = chain
        self.perspective = perspective
        ix = chain.index
        n = ix.n_nodes
        keep, _ = select_provisions(chain, perspective)
        self.prov = np.flatnonzero(keep)  # positions in the provisions table
        node = ix.prov_node[self.prov]
        actor = ix.prov_actor[self.prov]
        share = ix.prov_share[self.prov]
        geo = ix.actor_is_geo[actor]
        self.prov_node, self.prov_actor, self.prov_geo = node, actor, geo
        self.prov_country = ix.actor_country[actor]
        m = len(self.prov)

        # unknown-share rule, per (node, level)
        key = node * 2 + geo.astype(np.int64)
        known = ~np.isnan(share)
        k_sum = np.bincount(key[known], weights=share[known], minlength=2 * n)
        n_unknown = np.bincount(key[~known], minlength=2 * n)
        n_known = np.bincount(key[known], minlength=2 * n)
        remainder = np.maximum(0.0, 1.0 - k_sum)
        all_unknown = n_known == 0
        fill = np.where(all_unknown, 1.0 / np.maximum(n_unknown, 1), remainder / np.maximum(n_unknown, 1))
        eff = np.where(known, share, fill[key])
        self.imputed = ~known
        total = np.bincount(key, weights=eff, minlength=2 * n)
        weight = np.where(total[key] > 0, eff / np.where(total[key] > 0, total[key], 1.0), 0.0)
        # equal weights where every share is zero (e.g. all rounded to 0.0)
        zero = total[key] <= 0
        if zero.any():
            cnt = np.bincount(key[zero], minlength=2 * n)
            weight[zero] = 1.0 / cnt[key[zero]]
        self.prov_weight = weight
        rows = np.arange(m)
        self.omega_geo = sp.csr_array((np.where(geo, weight, 0.0), (node, rows)), shape=(n, m))
        self.omega_org = sp.csr_array((np.where(~geo, weight, 0.0), (node, rows)), shape=(n, m))
        self.omega_geo.eliminate_zeros()
        self.omega_org.eliminate_zeros()

        self.has_geo = np.bincount(node[geo], minlength=n) > 0
        self.has_org = np.bincount(node[~geo], minlength=n) > 0
        self.unknown_share_used = np.bincount(node[~known], minlength=n) > 0

        # dependency graph and tiers
        inp = ix.input_of.tocoo()
        typ = ix.type_of.tocoo()
        has_data = self.has_geo | self.has_org
        dep = sp.csr_array(
            (
                np.ones(len(inp.row) + len(typ.row)),
                (np.r_[inp.row, typ.row], np.r_[inp.col, typ.col]),
            ),
            shape=(n, n),
        )
        tiers = topological_tiers(dep)
        # which parents combine their kinds: those with a kind that has data (recursively)
        kind_data = has_data.copy()
        self.tier_of = tier_of = np.empty(n, dtype=np.int64)
        for t, nodes in enumerate(tiers):
            tier_of[nodes] = t
        for nodes in tiers:  # kinds are in earlier tiers than their parents
            sel = np.isin(typ.col, nodes) & kind_data[typ.row]
            kind_data[typ.col[sel]] = True
        child_ok = kind_data[typ.row]
        parent_all = ix.children_all[typ.col]
        ms = chain.nodes["market_size"].to_numpy(dtype=float)
        any_mask = child_ok & ~parent_all
        any_w = np.ones(len(typ.row))
        if any_mask.any():
            pc = typ.col[any_mask]
            mw = ms[typ.row[any_mask]]
            missing = np.bincount(pc, weights=np.isnan(mw), minlength=n) > 0
            mw = np.where(missing[pc] | np.isnan(mw), 1.0, mw)
            tot = np.bincount(pc, weights=mw, minlength=n)
            any_w[any_mask] = mw / tot[pc]
        self.combines_kinds = np.bincount(typ.col[child_ok], minlength=n) > 0
        # 'all' parents combine every kind; 'any' parents only the kinds with data
        use = np.where(parent_all, self.combines_kinds[typ.col], any_mask)
        self._mode = np.where(self.combines_kinds, np.where(ix.children_all, 1, 2), 0).astype(np.int8)
        self._kind_ptr, self._kind_src, self._kind_w = _by_target(typ.col[use], typ.row[use], any_w[use], n)
        w_in = np.minimum(inp.data, 1.0)
        self._in_ptr, self._in_src, self._in_w = _by_target(inp.col, inp.row, w_in, n)
        self._order = np.concatenate(tiers).astype(np.int64) if tiers else np.zeros(0, dtype=np.int64)
        self.n_tiers = len(tiers)
        self._no_inventory = np.zeros(n)

    # ------------------------------------------------------------------ shocks
    @cached_property
    def _provisions_of_country(self) -> dict[str, np.ndarray]:
        groups = pd.Series(np.arange(self.n_provisions)).groupby(self.prov_country.astype(str)).indices
        return {str(k): np.asarray(v, dtype=np.int64) for k, v in groups.items()}

    @cached_property
    def _provisions_of_actor(self) -> dict[int, np.ndarray]:
        groups = pd.Series(np.arange(self.n_provisions)).groupby(self.prov_actor).indices
        return {int(k): np.asarray(v, dtype=np.int64) for k, v in groups.items()}  # type: ignore[call-overload]

    @property
    def n_provisions(self) -> int:
        return len(self.prov)

    def provider_mask(
        self,
        countries: list[str] | None = None,
        actors: list[str] | None = None,
        nodes: list[str] | None = None,
    ) -> np.ndarray:
        """Provisions (engine order) by providers in ``countries`` or ``actors``, on ``nodes`` (or all).

        A country matches its own country or region provisions and those of
        enterprises headquartered there; regions match only their own code.
        """
        ix = self.chain.index
        hit = np.zeros(self.n_provisions, dtype=bool)
        empty = np.zeros(0, dtype=np.int64)
        for c in countries or ():
            hit[self._provisions_of_country.get(c.upper(), empty)] = True
        for a in ix.actor_positions(actors) if actors else ():
            hit[self._provisions_of_actor.get(int(a), empty)] = True
        if nodes is not None:
            pos = ix.node_positions(nodes)
            hit &= np.isin(self.prov_node, pos[pos >= 0])
        return hit

    # ------------------------------------------------------------ propagation
    def supply_loss(
        self, cut: np.ndarray | sp.sparray, capacity_loss: np.ndarray | None = None
    ) -> np.ndarray:
        """Supply loss ``1 - supply availability``, shape ``(n_nodes, k)``, for cuts ``(n_provisions, k)``.

        Each level's loss is :math:`\\Omega B`; the larger of the two levels counts
        (a node without provisions at a level has no loss there).
        """
        c = sp.csc_array(cut)
        n, k = self.chain.index.n_nodes, c.shape[1]
        loss, org = np.zeros((n, k)), np.zeros((n, k))
        cut_arrays = (c.indptr.astype(np.int64), c.indices.astype(np.int64), c.data.astype(np.float64))
        _supply_loss(loss, org, self.prov_node.astype(np.int64), self.prov_weight, self.prov_geo, *cut_arrays)
        np.maximum(loss, org, out=loss)
        np.clip(loss, 0.0, 1.0, out=loss)
        if capacity_loss is not None:
            loss = 1.0 - (1.0 - loss) * (1.0 - capacity_loss)
        return np.ascontiguousarray(loss, dtype=np.float64)

    def supply(self, cut: np.ndarray | sp.sparray, capacity_loss: np.ndarray | None = None) -> np.ndarray:
        """Supply availability ``(n_nodes, k)`` before propagation."""
        return 1.0 - self.supply_loss(cut, capacity_loss)

    def _propagate_in_place(
        self, loss: np.ndarray, inventory: np.ndarray | None = None, period: int = 1, step: float = 1.0
    ) -> np.ndarray:
        """Propagate losses in place; ``inventory`` (days per node) buffers runs of ``period`` steps."""
        inv = self._no_inventory if inventory is None else np.asarray(inventory, dtype=np.float64)
        kernel_args = (self._order, self._mode, self._kind_ptr, self._kind_src, self._kind_w)
        edge_args = (self._in_ptr, self._in_src, self._in_w)
        _propagate_loss(loss, *kernel_args, *edge_args, inv, max(1, period), float(step))
        return loss

    def propagate(self, supply: np.ndarray) -> np.ndarray:
        """Availability ``(n_nodes, k)`` from supply availability, every tier in topological order."""
        loss = np.ascontiguousarray(1.0 - np.asarray(supply, dtype=np.float64).reshape(len(supply), -1))
        return 1.0 - self._propagate_in_place(loss)

    def availability(
        self, cut: np.ndarray | sp.sparray, capacity_loss: np.ndarray | None = None
    ) -> np.ndarray:
        """Supply then propagation: availability ``(n_nodes, k)`` of every node in every column."""
        return 1.0 - self._propagate_in_place(self.supply_loss(cut, capacity_loss))
