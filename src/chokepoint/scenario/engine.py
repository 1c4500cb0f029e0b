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
(``input_of`` plus ``type_of`` child -> parent), one vectorized step per tier:

.. math::

    a_i = \min\Big(b_i,\; \min_{j \to i} \big(1 - w_{ji} (1 - a_j)\big)\Big)

where :math:`w_{ji}` is the ``input_of`` weight (1 = critical: the node cannot
produce more than its scarcest critical input allows; smaller weights soften
non-critical inputs), and the base :math:`b_i` is the supply availability,
or, for a ``type_of`` parent whose kinds carry provisions, the minimum of
those kinds (rule ``all``) or their market-weighted mean (rule ``any``; equal
weights when a market size is missing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from chokepoint.assess.perspective import Perspective
from chokepoint.assess.supply import select_provisions
from chokepoint.model.chain import ChainMap
from chokepoint.model.graph import topological_tiers


def _dense(x: np.ndarray | sp.sparray) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(x.toarray())


@dataclass(frozen=True)
class _Segments:
    """Edges grouped by target for a segment reduction (``np.minimum.reduceat``)."""

    targets: np.ndarray
    src: np.ndarray
    weight: np.ndarray  # (nnz, 1)
    offsets: np.ndarray

    @classmethod
    def build(cls, targets: np.ndarray, src: np.ndarray, weight: np.ndarray) -> _Segments:
        order = np.argsort(targets, kind="stable")
        t, s, w = targets[order], src[order], weight[order]
        uniq, offsets = np.unique(t, return_index=True)
        return cls(uniq, s, w[:, None].astype(float), offsets)

    def __len__(self) -> int:
        return len(self.targets)


@dataclass(frozen=True)
class _Tier:
    nodes: np.ndarray
    inputs: _Segments
    kinds_all: _Segments
    kinds_any: _Segments


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
        combine_all = parent_all & self.combines_kinds[typ.col]  # every kind of such a parent counts
        empty = _Segments.build(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        self.tiers: list[_Tier] = []
        in_tier = tier_of[inp.col]
        ty_tier = tier_of[typ.col]
        for t, nodes in enumerate(tiers):
            e = in_tier == t
            a_sel = (ty_tier == t) & combine_all
            y_sel = (ty_tier == t) & any_mask
            self.tiers.append(
                _Tier(
                    nodes=nodes,
                    inputs=_Segments.build(inp.col[e], inp.row[e], inp.data[e]) if e.any() else empty,
                    kinds_all=_Segments.build(typ.col[a_sel], typ.row[a_sel], np.ones(a_sel.sum()))
                    if a_sel.any()
                    else empty,
                    kinds_any=_Segments.build(typ.col[y_sel], typ.row[y_sel], any_w[y_sel])
                    if y_sel.any()
                    else empty,
                )
            )

    # ------------------------------------------------------------------ shocks
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
        if countries:
            hit |= np.isin(self.prov_country.astype(str), [c.upper() for c in countries])
        if actors:
            pos = ix.actor_positions(actors)
            hit |= np.isin(self.prov_actor, pos[pos >= 0])
        if nodes is not None:
            pos = ix.node_positions(nodes)
            hit &= np.isin(self.prov_node, pos[pos >= 0])
        return hit

    # ------------------------------------------------------------ propagation
    def supply(self, cut: np.ndarray | sp.sparray, capacity_loss: np.ndarray | None = None) -> np.ndarray:
        """Supply availability ``(n_nodes, k)`` for provision cuts ``cut`` ``(n_provisions, k)``."""
        lost_geo = _dense(self.omega_geo @ cut)
        lost_org = _dense(self.omega_org @ cut)
        s_geo = 1.0 - lost_geo
        s_org = 1.0 - lost_org
        s = np.where(
            (self.has_geo & self.has_org)[:, None],
            np.minimum(s_geo, s_org),
            np.where(self.has_geo[:, None], s_geo, np.where(self.has_org[:, None], s_org, 1.0)),
        )
        s = np.clip(s, 0.0, 1.0)
        if capacity_loss is not None:
            s = s * (1.0 - capacity_loss)
        return s

    def propagate(self, supply: np.ndarray) -> np.ndarray:
        """Availability ``(n_nodes, k)`` from supply availability, tier by tier."""
        a = supply.copy()
        for tier in self.tiers:
            ka = tier.kinds_all
            if len(ka):
                a[ka.targets] = np.minimum.reduceat(a[ka.src], ka.offsets, axis=0)
            ky = tier.kinds_any
            if len(ky):
                a[ky.targets] = np.add.reduceat(a[ky.src] * ky.weight, ky.offsets, axis=0)
            seg = tier.inputs
            if len(seg):
                cons = 1.0 - seg.weight * (1.0 - a[seg.src])
                a[seg.targets] = np.minimum(a[seg.targets], np.minimum.reduceat(cons, seg.offsets, axis=0))
        return a

    def availability(
        self, cut: np.ndarray | sp.sparray, capacity_loss: np.ndarray | None = None
    ) -> np.ndarray:
        """Supply then propagation: availability ``(n_nodes, k)`` of every node in every column."""
        return self.propagate(self.supply(cut, capacity_loss))
