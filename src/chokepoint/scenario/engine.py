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

import itertools
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.assess.coverage import direct_loss, level_shares
from chokepoint.assess.perspective import Perspective
from chokepoint.assess.supply import select_provisions
from chokepoint.model.chain import ChainMap
from chokepoint.model.graph import topological_tiers
from chokepoint.scenario.kernels import WIDTH, from_blocks, propagate_columns, propagate_one, to_blocks


def _dense(x: np.ndarray | sp.sparray) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(x.toarray())


def _csc_arrays(cut: sp.sparray | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``indptr``, ``indices`` and ``data`` of a cut ``(n_provisions, k)`` in CSC form (kernel dtypes)."""
    c = cut if isinstance(cut, sp.csc_array) else sp.csc_array(cut)
    return (
        np.asarray(c.indptr, dtype=np.int64),
        np.asarray(c.indices, dtype=np.int64),
        np.asarray(c.data, dtype=np.float64),
    )


def _by_target(
    targets: np.ndarray, src: np.ndarray, weight: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR-like arrays of in-edges grouped by target: ``ptr`` (n+1), sources, weights."""
    order = np.argsort(targets, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets, minlength=n), out=ptr[1:])
    return ptr, src[order].astype(np.int64), weight[order].astype(np.float64)


def kernel_threads() -> int:
    """Threads the batch kernels use: ``OMP_NUM_THREADS`` when set (the usual limit, which
    BLAS honours too and Dask sets to 1 in its worker processes, one core each), else every core.
    """
    limit = os.environ.get("OMP_NUM_THREADS", "")
    return int(limit) if limit.isdigit() and int(limit) > 0 else max(1, os.cpu_count() or 1)


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
        prov = np.flatnonzero(keep)  # positions in the provisions table
        level = ix.actor_is_geo[ix.prov_actor[prov]]
        present = level_shares(ix.prov_node[prov], level, ix.prov_share[prov], n).present

        # dependency graph and tiers
        # dependency graph and tiers
        inp = ix.input_of.tocoo()
        typ = ix.type_of.tocoo()
        has_data: np.ndarray = np.asarray(present.any(axis=1), dtype=bool)
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
        mode = np.where(self.combines_kinds, np.where(ix.children_all, 1, 2), 0).astype(np.int8)
        w_in = np.minimum(inp.data, 1.0)
        self.n_tiers = len(tiers)
        # the graph renumbered in topological order: node t of the new numbering is order[t]; every
        # input of a node has a smaller number, so one pass 0 .. n-1 propagates every tier
        order = np.concatenate(tiers).astype(np.int64) if tiers else np.zeros(0, dtype=np.int64)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        self._order, self._rank = order, rank
        # provisions in the order of their node's new number: a cut's rows, in provision order,
        # then reach the kernels' nodes in ascending order (a forward sweep, not random access)
        self.prov = prov = prov[np.argsort(rank[ix.prov_node[prov]], kind="stable")]
        node = ix.prov_node[prov]
        actor = ix.prov_actor[prov]
        geo = ix.actor_is_geo[actor]
        self.prov_node, self.prov_actor, self.prov_geo = node, actor, geo
        self.prov_country = ix.actor_country[actor]
        # the coverage rule (chokepoint.assess.coverage): known shares, unknown remainders
        self.shares = level_shares(node, geo, ix.prov_share[prov], n)
        self.prov_weight = self.shares.weight
        self.imputed = ~self.shares.known  # provisions whose share is unknown (held by the remainder)
        self.has_geo = self.shares.present[:, 0]
        self.has_org = self.shares.present[:, 1]
        self.unknown_share_used = np.bincount(node[~self.shares.known], minlength=n) > 0
        self.coverage = self.shares.node_coverage

        self._graph = (
            order,
            mode[order],
            *_by_target(rank[typ.col[use]], rank[typ.row[use]], any_w[use], n),
            *_by_target(rank[inp.col], rank[inp.row], w_in, n),
        )
        self._supply = (
            rank[node],
            self.shares.level,
            self.shares.weight,
            np.ascontiguousarray(self.shares.remainder[order], dtype=np.float64),
            np.ascontiguousarray(self.shares.present[order]),
        )
        self._no_inventory = np.zeros(n)
        #: threads for batches of columns; ``None``: :func:`kernel_threads` at each call
        self.threads: int | None = None

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

    def _columns(
        self,
        k: int,
        out: np.ndarray,
        out_bound: np.ndarray,
        pre: np.ndarray,
        cut: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
        cap: np.ndarray,
        inventory: np.ndarray,
        period: int,
        step: float,
        availability: bool,
    ) -> None:
        """Run :func:`~chokepoint.scenario.kernels.propagate_columns` over ``k`` columns on threads.

        Each thread takes a contiguous range of blocks of ``WIDTH`` columns (of whole runs of
        ``period`` columns with inventories).
        """
        unit = WIDTH if period <= 1 else period  # a thread's range starts at a multiple of unit
        n_units = -(-k // unit)
        threads = max(1, min(self.threads or kernel_threads(), n_units, -(-k // WIDTH)))
        cut_args = (np.zeros(k + 1, np.int64), np.zeros(0, np.int64), np.zeros(0)) if cut is None else cut
        inv = inventory[self._order] if inventory.any() else np.zeros(0)
        # the kernel reads and writes contiguous blocks in renumbered order: each thread moves its
        # columns of the inputs into blocks and its blocks of the outputs back into columns
        n = len(self._order)
        upper = out_bound.shape[0] > 0
        order = self._order

        def run(u0: int, u1: int) -> None:
            c0, c1 = u0 * unit, min(k, u1 * unit)
            if c0 >= c1:
                return
            shape = (-(-(c1 - c0) // WIDTH), n, WIDTH)
            none = np.zeros((0, n, WIDTH))
            out_b = np.empty(shape)
            bound_b = np.empty(shape) if upper else none
            pre_b = none
            if pre.shape[0]:
                pre_b = out_b
                to_blocks(pre_b, pre, order, c0, c1)
            cap_b = none
            if cap.shape[0]:
                cap_b = np.empty(shape)
                to_blocks(cap_b, cap, order, c0, c1)
            propagate_columns(  # type: ignore[call-arg]
                c0, c1, out_b, bound_b, pre_b, *cut_args, cap_b, *self._supply, *self._graph,
                inv, max(1, period), float(step), availability,
            )  # fmt: skip
            from_blocks(out, out_b, self._rank, c0, c1)
            if upper:
                from_blocks(out_bound, bound_b, self._rank, c0, c1)

        bounds = np.linspace(0, n_units, threads + 1).round().astype(int)
        if threads == 1:
            run(0, n_units)
            return
        with ThreadPoolExecutor(threads) as pool:
            for f in [pool.submit(run, int(b0), int(b1)) for b0, b1 in itertools.pairwise(bounds)]:
                f.result()

    def _from_cut(
        self,
        cut: np.ndarray | sp.sparray,
        capacity_loss: np.ndarray | None,
        *,
        upper: bool,
        availability: bool,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Supply and propagation in one compiled pass: loss (or availability) and its bound."""
        n = len(self._order)
        dense = isinstance(cut, np.ndarray)
        k = 1 if dense and cut.ndim == 1 else int(cut.shape[1])
        out = np.empty((n, k))
        out_bound = np.empty((n, k) if upper else (0, k))
        cap = np.zeros((0, k))
        if capacity_loss is not None:
            cap = np.ascontiguousarray(np.asarray(capacity_loss, dtype=np.float64).reshape(n, k))
        if k == 1:
            col = np.asarray(cut if dense else sp.csc_array(cut).toarray(), dtype=np.float64).reshape(-1)
            propagate_one(
                out[:, 0], out_bound[:, 0] if upper else np.zeros(0), np.ascontiguousarray(col),
                cap[:, 0] if capacity_loss is not None else np.zeros(0), *self._supply, *self._graph,
                availability,
            )  # fmt: skip
        else:
            self._columns(
                k, out, out_bound, np.zeros((0, k)), _csc_arrays(cut), cap, self._no_inventory, 1, 1.0,
                availability,
            )  # fmt: skip
        return out, (out_bound if upper else None)

    def _propagate_in_place(
        self, loss: np.ndarray, inventory: np.ndarray | None = None, period: int = 1, step: float = 1.0
    ) -> np.ndarray:
        """Propagate supply losses ``(n_nodes, k)`` in place; ``inventory`` (days per node) buffers
        runs of ``period`` steps of ``step`` days.
        """
        if not (loss.flags.c_contiguous and loss.dtype == np.float64):
            raise ValueError("loss must be a C-contiguous float64 array")
        k = loss.shape[1]
        inv = self._no_inventory if inventory is None else np.asarray(inventory, dtype=np.float64)
        self._columns(k, loss, np.zeros((0, k)), loss, None, np.zeros((0, k)), inv, period, step, False)
        return loss

    def availability_chunks(
        self, cut: sp.sparray | np.ndarray, chunk: int = 256
    ) -> Iterator[tuple[int, int, np.ndarray]]:
        """Availability of ``chunk`` scenario columns at a time: ``(start, stop, (n_nodes, stop - start))``.

        For sweeps and batches that keep per-scenario summaries rather than the whole
        ``(n_nodes, k)`` matrix; the cut is read in place (no copy per chunk).
        """
        indptr, indices, data = _csc_arrays(cut)
        k = len(indptr) - 1
        n = len(self._order)
        for start in range(0, k, chunk):
            stop = min(k, start + chunk)
            m = stop - start
            out = np.empty((n, m))
            if m == 1:
                col = np.zeros(self.n_provisions)
                col[indices[indptr[start] : indptr[stop]]] = data[indptr[start] : indptr[stop]]
                propagate_one(out[:, 0], np.zeros(0), col, np.zeros(0), *self._supply, *self._graph, True)
            else:
                view = (indptr[start : stop + 1], indices, data)
                self._columns(
                    m, out, np.zeros((0, m)), np.zeros((0, m)), view, np.zeros((0, m)), self._no_inventory,
                    1, 1.0, True,
                )  # fmt: skip
            yield start, stop, out

    def propagate(self, supply: np.ndarray) -> np.ndarray:
        """Availability ``(n_nodes, k)`` from supply availability, every tier in topological order."""
        loss = np.ascontiguousarray(1.0 - np.asarray(supply, dtype=np.float64).reshape(len(supply), -1))
        return 1.0 - self._propagate_in_place(loss)

    def availability(
        self, cut: np.ndarray | sp.sparray, capacity_loss: np.ndarray | None = None
    ) -> np.ndarray:
        """Supply then propagation: availability ``(n_nodes, k)`` of every node in every column."""
        out, _ = self._from_cut(cut, capacity_loss, upper=False, availability=True)
        return out

    def loss_bounds(
        self, cut: np.ndarray | sp.sparray, capacity_loss: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Propagated central loss and bound ``(n_nodes, k)`` of every node in every column.

        The propagation kernel is monotone, so the bound of every node is the propagation of the
        supply bounds; both go through the same pass.
        """
        loss, bound = self._from_cut(cut, capacity_loss, upper=True, availability=False)
        assert bound is not None
        return loss, bound
