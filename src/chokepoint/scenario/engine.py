r"""The propagation engine: availability of every node under many scenarios at once.

Availability :math:`a_i \in [0, 1]` is relative to the no-shock baseline of the
same model (DESIGN 6b): with no shock every node is at 1, whatever the gaps in
the data.

**Supply.** Provider :math:`p` of node :math:`i` holds its known share
:math:`s_{ip}` of the market at its provider level (countries and regions, or
organizations; the two describe the same market and are never added). A
scenario cuts a fraction :math:`b_p \in [0, 1]` of each provision; the node's
supply loss is the larger known loss of its two levels,
:math:`\max_l \sum_{p \in l} s_{ip} b_p`, and its bound adds the level's unknown
remainder :math:`1 - \kappa_{il}` (the coverage rule of
:mod:`chokepoint.assess.coverage`: unknown shares are never scaled up onto the
named providers). A node without provisions has no supply loss. A capacity
shock multiplies the availability by :math:`1 - \ell_i`. Bounds propagate
through the tiers by the same kernel as the central estimate.

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

from chokepoint.assess.coverage import direct_loss, level_shares
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
def _propagate_one(
    loss: np.ndarray,
    mode: np.ndarray,
    kind_ptr: np.ndarray,
    kind_src: np.ndarray,
    kind_w: np.ndarray,
    in_ptr: np.ndarray,
    in_src: np.ndarray,
    in_w: np.ndarray,
) -> None:  # pragma: no cover - compiled; covered through PropagationEngine
    """One scenario, nodes renumbered in topological order (``0 .. n-1``): the rule of
    :func:`_propagate_loss` with the node's value kept in a register and inputs read from earlier
    (nearby) positions.
    """
    for i in range(loss.shape[0]):
        m = mode[i]
        v = loss[i]
        if m != 0:
            v = 0.0
            for e in range(kind_ptr[i], kind_ptr[i + 1]):
                lj = loss[kind_src[e]]
                if m == 1:
                    if lj > v:
                        v = lj
                else:
                    v += kind_w[e] * lj
        for e in range(in_ptr[i], in_ptr[i + 1]):
            x = in_w[e] * loss[in_src[e]]
            if x > v:
                v = x
        loss[i] = v


def _by_target(
    targets: np.ndarray, src: np.ndarray, weight: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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

        # the coverage rule (chokepoint.assess.coverage): known shares, unknown remainders
        self.shares = level_shares(node, geo, share, n)
        self.prov_weight = self.shares.weight
        self.imputed = ~self.shares.known  # provisions whose share is unknown (held by the remainder)
        self.has_geo = self.shares.present[:, 0]
        self.has_org = self.shares.present[:, 1]
        self.unknown_share_used = np.bincount(node[~self.shares.known], minlength=n) > 0
        self.coverage = self.shares.node_coverage

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
        # the same graph renumbered in topological order: node t of the new numbering is
        # self._order[t]; every input of a node has a smaller number, so one pass 0 .. n-1 works
        rank = np.empty(n, dtype=np.int64)
        rank[self._order] = np.arange(n)
        self._r_mode = self._mode[self._order]
        kt, ks = typ.col[use], typ.row[use]
        self._r_kind = _by_target(rank[kt], rank[ks], any_w[use], n)
        self._r_in = _by_target(rank[inp.col], rank[inp.row], w_in, n)

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
        """Number of provisions the engine uses (the rows of a cut matrix)."""
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
        """Central supply loss, shape ``(n_nodes, k)``, for cuts ``(n_provisions, k)``.

        The larger known loss of the two provider levels (coverage rule); a node
        without provisions at a level has no loss there.
        """
        loss, _ = self.supply_loss_bounds(cut, capacity_loss, upper=False)
        return loss

    def supply_loss_bounds(
        self, cut: np.ndarray | sp.sparray, capacity_loss: np.ndarray | None = None, upper: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Central supply loss and its bound (the unknown remainder lost too), each ``(n_nodes, k)``."""
        loss, bound = direct_loss(self.shares, cut, upper=upper)
        if bound is None:
            bound = loss
        if capacity_loss is not None:
            loss = 1.0 - (1.0 - loss) * (1.0 - capacity_loss)
            bound = 1.0 - (1.0 - bound) * (1.0 - capacity_loss) if upper else loss
        return np.ascontiguousarray(loss, dtype=np.float64), np.ascontiguousarray(bound, dtype=np.float64)

    def supply(self, cut: np.ndarray | sp.sparray, capacity_loss: np.ndarray | None = None) -> np.ndarray:
        """Supply availability ``(n_nodes, k)`` before propagation."""
        return 1.0 - self.supply_loss(cut, capacity_loss)

    def _propagate_in_place(
        self, loss: np.ndarray, inventory: np.ndarray | None = None, period: int = 1, step: float = 1.0
    ) -> np.ndarray:
        """Propagate losses in place; ``inventory`` (days per node) buffers runs of ``period`` steps."""
        if inventory is None and loss.shape[1] == 1 and len(self._order) == len(loss):
            # one scenario: gather the column in topological order, one pass in registers, scatter
            # back (a batch keeps the 2-D kernel: its inner loop over contiguous columns vectorizes)
            col = np.ascontiguousarray(loss[self._order, 0])
            _propagate_one(col, self._r_mode, *self._r_kind, *self._r_in)
            loss[self._order, 0] = col
            return loss
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

    def loss_bounds(
        self, cut: np.ndarray | sp.sparray, capacity_loss: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Propagated central loss and bound ``(n_nodes, k)`` of every node in every column.

        The propagation kernel is monotone, so the bound of every node is the propagation of the
        supply bounds.
        """
        loss, bound = self.supply_loss_bounds(cut, capacity_loss)
        return self._propagate_in_place(loss), self._propagate_in_place(bound)
