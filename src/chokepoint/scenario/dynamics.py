r"""Scenarios over time: inventories, ramp-up of alternative sources, survive/recover times.

Time advances in steps of ``step`` days over ``days`` days. Each shock acts from its ``start``
day for its ``duration`` (to the end of the horizon when absent). At each step:

1. **Supply loss** of node :math:`i`: the static engine's share-weighted cut of its providers
   (:mod:`chokepoint.scenario.engine`) for the shocks active that day.
2. **Ramp-up**: providers that no shock touches raise output by their spare capacity
   :math:`\sigma_p` once their switching (qualification) time :math:`\tau_p` has passed since the
   node's first loss :math:`t_i^0`:
   :math:`R_i(t) = \sum_{p\ \text{untouched}} s_{ip}\,\sigma_p\,[t \ge t_i^0 + \tau_p]`, and the
   supply availability is :math:`\min(1, 1 - \ell_i(t) + R_i(t))` while the loss lasts.
3. **Propagation** through every tier as in the static engine; then a node with
   :math:`I_i` days of **inventory** covers its loss until the stock, drawn by each step's loss
   (loss x step days), runs out; the stock is not refilled within the horizon.

Defaults (:class:`DynamicsConfig`): no inventory, spare capacity 10%, switching time 90 days;
inventory is overridable per node, spare capacity and switching time per enterprise, per country
and per node (the most specific wins: enterprise, then country, then node, then default).

Per node: **time-to-survive** (TTS) = days from the first shock's start until the node's first
loss (``None`` when it never loses); **time-to-recover** (TTR) = days from the first shock's start
until the node is back at full availability for good (``None`` when not recovered within the
horizon). **Lost final value** = :math:`\sum_t \sum_f v_f (1 - a_f(t))` x step, in
final-value-days (the final products' value shares, see :mod:`chokepoint.scenario.run`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.assess.perspective import Perspective
from chokepoint.model.chain import ChainMap
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.final_value import final_products
from chokepoint.scenario.model import Blockade, CapacityLoss, Scenario
from chokepoint.scenario.shocks import check_scenario

EPS = 1e-9


@dataclass(frozen=True)
class DynamicsConfig:
    """Horizon, step and the documented defaults with their overrides.

    ``inventory_days``: node id -> days. ``spare_capacity`` and ``switching_days``: keys are
    enterprise ids, country codes or node ids -> value.
    """

    days: int = 365
    step: int = 1
    default_inventory_days: float = 0.0
    default_spare_capacity: float = 0.1
    default_switching_days: float = 90.0
    inventory_days: Mapping[str, float] = field(default_factory=dict)
    spare_capacity: Mapping[str, float] = field(default_factory=dict)
    switching_days: Mapping[str, float] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        r"""Number of time steps, :math:`\lceil days / step \rceil`."""
        return int(np.ceil(self.days / self.step))


def _per_provision(engine: PropagationEngine, overrides: Mapping[str, float], default: float) -> np.ndarray:
    """Value per provision: enterprise override, else country, else node, else the default."""
    ix = engine.chain.index
    out = np.full(engine.n_provisions, float(default))
    if not overrides:
        return out
    node_ids = ix.node_ids[engine.prov_node].astype(str)
    actor_ids = ix.actor_ids[engine.prov_actor].astype(str)
    countries = engine.prov_country.astype(str)
    for keys in (node_ids, countries, actor_ids):  # least to most specific
        hit = pd.Series(keys).map(dict(overrides))
        mask = hit.notna().to_numpy()
        out[mask] = hit[mask].to_numpy(dtype=float)
    return out


def node_inventories(engine: PropagationEngine, cfg: DynamicsConfig) -> np.ndarray:
    """Days of inventory of every node, in the chain's order (``cfg``'s overrides, else its default)."""
    ids = engine.chain.index.node_ids.astype(str)
    inv = pd.Series(ids).map(dict(cfg.inventory_days)).fillna(cfg.default_inventory_days)
    return inv.to_numpy(dtype=float)


def supply_over_time(engine: PropagationEngine, scenario: Scenario, cfg: DynamicsConfig) -> np.ndarray:
    """Supply loss ``(n_nodes, steps)`` after ramp-up of untouched providers."""
    steps = cfg.steps
    days = np.arange(steps) * cfg.step
    rows, cols, vals = [], [], []
    cap: np.ndarray | None = None
    for shock in scenario.shocks:
        active = np.flatnonzero([shock.active(int(d)) for d in days])
        if isinstance(shock, CapacityLoss):
            if cap is None:
                cap = np.zeros((engine.chain.index.n_nodes, steps))
            i = engine.chain.index.node_position(shock.node)
            cap[i, active] = 1.0 - (1.0 - cap[i, active]) * (1.0 - shock.loss)
            continue
        nodes = list(shock.nodes) if shock.nodes is not None else None
        if isinstance(shock, Blockade):
            hit = np.flatnonzero(engine.provider_mask(countries=[shock.country], nodes=nodes))
        else:
            hit = np.flatnonzero(engine.provider_mask(actors=[shock.actor], nodes=nodes))
        rows.append(np.repeat(hit, len(active)))
        cols.append(np.tile(active, len(hit)))
        vals.append(np.full(len(hit) * len(active), shock.depth))
    if rows and sum(len(r) for r in rows):
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        key = r.astype(np.int64) * steps + c
        order = np.lexsort((-v, key))
        first = np.r_[True, key[order][1:] != key[order][:-1]]
        sel = order[first]  # the deepest cut per (provision, step)
        cut = sp.csc_array((v[sel], (r[sel], c[sel])), shape=(engine.n_provisions, steps))
    else:
        cut = sp.csc_array((engine.n_provisions, steps))
    loss = engine.supply_loss(cut, cap)
    lossy_rows = np.flatnonzero((loss > EPS).any(axis=1))  # only nodes that lose supply can ramp up
    if len(lossy_rows) == 0:
        return loss
    sub = loss[lossy_rows]
    lossy = sub > EPS
    onset = lossy.argmax(axis=1) * cfg.step
    touched = np.zeros(engine.n_provisions, dtype=bool)
    touched[cut.indices] = True
    sigma, tau = _ramp_parameters(engine, cfg)
    free = ~touched
    n = loss.shape[0]
    for t in np.unique(tau[free]):
        sel = free & (tau == t)
        rho = np.bincount(engine.prov_node[sel], weights=engine.prov_weight[sel] * sigma[sel], minlength=n)
        rho = rho[lossy_rows]
        ramping = (days[None, :] >= (onset + t)[:, None]) & lossy
        sub -= rho[:, None] * ramping
    np.clip(sub, 0.0, 1.0, out=sub)
    loss[lossy_rows] = sub
    return loss


def _ramp_parameters(engine: PropagationEngine, cfg: DynamicsConfig) -> tuple[np.ndarray, np.ndarray]:
    """Spare capacity and switching days per provision, cached on the engine per configuration."""
    key = (
        tuple(sorted(cfg.spare_capacity.items())),
        tuple(sorted(cfg.switching_days.items())),
        cfg.default_spare_capacity,
        cfg.default_switching_days,
    )
    cache: dict[Any, tuple[np.ndarray, np.ndarray]] = engine.__dict__.setdefault("_ramp_cache", {})
    if key not in cache:
        cache[key] = (
            _per_provision(engine, cfg.spare_capacity, cfg.default_spare_capacity),
            _per_provision(engine, cfg.switching_days, cfg.default_switching_days),
        )
    return cache[key]


@dataclass
class DynamicResult:
    """Loss curves of one scenario over time."""

    chain: ChainMap
    scenario: Scenario
    config: DynamicsConfig
    availability: np.ndarray  # (n_nodes, steps)
    supply: np.ndarray  # supply availability after ramp-up, before inventories
    final_value: np.ndarray
    start: int

    @property
    def days(self) -> np.ndarray:
        """Day of each time step (0, ``step``, 2 ``step``, ...)."""
        return np.arange(self.availability.shape[1]) * self.config.step

    def _node_times(self) -> tuple[np.ndarray, np.ndarray]:
        lossy = self.availability < 1.0 - EPS
        steps = lossy.shape[1]
        any_loss = lossy.any(axis=1)
        first = lossy.argmax(axis=1)
        last = steps - 1 - lossy[:, ::-1].argmax(axis=1)
        tts = np.where(any_loss, first * self.config.step - self.start, np.nan)
        recovered = any_loss & (last < steps - 1)
        ttr = np.where(recovered, (last + 1) * self.config.step - self.start, np.nan)
        return tts, ttr

    def times(self) -> pd.DataFrame:
        """Per node: time-to-survive, time-to-recover, worst loss and loss-days (stages left out)."""
        ix = self.chain.index
        tts, ttr = self._node_times()
        loss = 1.0 - self.availability
        df = pd.DataFrame(
            {
                "id": ix.node_ids,
                "name": self.chain.nodes["name"].to_numpy(),
                "time_to_survive": tts,
                "time_to_recover": ttr,
                "worst_loss": loss.max(axis=1),
                "loss_days": loss.sum(axis=1) * self.config.step,
            }
        )[~ix.node_is_stage]
        return (
            df[df["worst_loss"] > EPS]
            .sort_values(["loss_days", "id"], ascending=[False, True])
            .reset_index(drop=True)
        )

    @property
    def lost_final_value(self) -> float:
        r"""Final-value-days lost: :math:`\sum_t \sum_f v_f (1 - a_f(t))` x step."""
        return float((self.final_value @ (1.0 - self.availability)).sum() * self.config.step)

    def final_value_curve(self) -> np.ndarray:
        r"""Share of final value lost on each time step, :math:`\sum_f v_f (1 - a_f(t)) / \sum_f v_f`."""
        total = float(self.final_value.sum())
        lost = self.final_value @ (1.0 - self.availability)
        return np.asarray(lost / total if total > 0 else np.zeros_like(lost), dtype=float)

    def curves(self, node_ids: list[str]) -> pd.DataFrame:
        """Availability over time of some nodes (columns), indexed by day."""
        pos = self.chain.index.node_positions(node_ids)
        return pd.DataFrame(self.availability[pos].T, index=self.days, columns=node_ids)


def run_dynamic(
    chain: ChainMap,
    scenario: Scenario,
    perspective: Perspective,
    config: DynamicsConfig | None = None,
    *,
    engine: PropagationEngine | None = None,
) -> DynamicResult:
    """Loss curves of ``scenario`` over ``config.days`` (see module docstring).

    Examples
    --------
    >>> from chokepoint.datasets import load_semiconductors
    >>> chain = load_semiconductors()
    >>> s = Scenario.model_validate({"shocks": [{"type": "blockade", "country": "NLD", "duration": 180}]})
    >>> r = run_dynamic(chain, s, Perspective.from_codes("CHN"), DynamicsConfig(days=200,
    ...                 inventory_days={"N19": 60}))
    >>> int(r.times().set_index("id").loc["N19", "time_to_survive"])
    60
    """
    cfg = config or DynamicsConfig()
    check_scenario(chain, scenario, perspective, scenario.name)
    eng = engine or PropagationEngine(chain, perspective)
    loss = supply_over_time(eng, scenario, cfg)
    supply = 1.0 - loss
    eng._propagate_in_place(loss, node_inventories(eng, cfg), period=loss.shape[1], step=float(cfg.step))
    _, v = final_products(chain)
    start = min((s.start for s in scenario.shocks), default=0)
    return DynamicResult(chain, scenario, cfg, 1.0 - loss, supply, v, start)


__all__ = ["DynamicResult", "DynamicsConfig", "node_inventories", "run_dynamic", "supply_over_time"]
