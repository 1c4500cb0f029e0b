r"""Monte Carlo of random blockades over time: expected loss, value-at-risk, the nodes most often
critical.

Each run :math:`k` draws its shocks from its own random stream,
``numpy.random.SeedSequence(seed, spawn_key=(k,))`` (the ``k``-th child of
``SeedSequence(seed).spawn``), so a run's shocks do not depend on which runs share its batch or
its worker. Runs are propagated ``batch`` at a time (each run's time steps are columns of one
matrix, with inventories), on an executor (:mod:`chokepoint.scenario.executor`). A batch
returns each run's lost final value, computed in a fixed order per run
(:math:`V_k = \Delta t \sum_i v_i \sum_t \ell_{ikt}`, nodes then steps), and its per-node counts
of critical runs; the batches are folded in run order (concatenation, integer sums), so the
same seed gives the same result, bit for bit, whatever the executor, the number of workers and
the batch size. The 95% value-at-risk needs every run's loss: the per-run vector is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from chokepoint.assess.perspective import Perspective
from chokepoint.model.chain import ChainMap
from chokepoint.scenario.dynamics import DynamicsConfig, node_inventories, supply_over_time
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.executor import Executor, ranges
from chokepoint.scenario.final_value import final_products
from chokepoint.scenario.model import Blockade, CapacityLoss, Outage, Scenario


@dataclass(frozen=True)
class MonteCarloConfig:
    """Documented distributions of random shocks.

    Per run: ``1 + Poisson(extra_countries_mean)`` blockading countries (at most
    ``max_countries``), drawn uniformly from ``countries`` (default: the perspective's restricted
    countries, else every provider country but home); each starts on day 0, lasts
    ``LogNormal(log(median_duration), duration_sigma)`` days (at least one step), and cuts a
    ``Beta(depth_a, depth_b)`` share of supply (mean 0.73).
    """

    runs: int = 1000
    seed: int = 0
    countries: tuple[str, ...] = ()
    extra_countries_mean: float = 0.5
    max_countries: int = 3
    median_duration: float = 90.0
    duration_sigma: float = 0.8
    depth_a: float = 4.0
    depth_b: float = 1.5


def run_stream(seed: int, run: int) -> np.random.Generator:
    """Run ``run``'s random stream: the ``run``-th child of ``SeedSequence(seed)``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(run,)))


def blockade_pool(chain: ChainMap, perspective: Perspective, mc: MonteCarloConfig) -> list[str]:
    """The countries a run draws its blockades from (see :class:`MonteCarloConfig`)."""
    pool = list(mc.countries or perspective.restricted)
    if not pool:
        regions = set(chain.actors.loc[chain.actors["kind"] == "region", "country"])
        pool = sorted(
            {str(c) for c in chain.actors.loc[chain.actors["kind"] == "country", "country"]}
            - set(perspective.home)
            - regions
        )
    return pool


def random_scenario(pool: Sequence[str], mc: MonteCarloConfig, days: int, run: int) -> Scenario:
    """Run ``run``'s random blockades, drawn from its own stream (:func:`run_stream`)."""
    rng = run_stream(mc.seed, run)
    n = int(min(mc.max_countries, len(pool), 1 + rng.poisson(mc.extra_countries_mean)))
    chosen: list[str] = list(rng.choice(np.asarray(pool, dtype=object), size=n, replace=False)) if n else []
    shocks: list[Blockade | Outage | CapacityLoss] = [
        Blockade(
            country=str(c),
            start=0,
            duration=int(
                max(1, min(days, round(rng.lognormal(np.log(mc.median_duration), mc.duration_sigma))))
            ),
            depth=float(rng.beta(mc.depth_a, mc.depth_b)),
        )
        for c in chosen
    ]
    return Scenario(name=f"run-{run}", shocks=shocks)


def random_scenarios(
    chain: ChainMap, perspective: Perspective, mc: MonteCarloConfig, days: int
) -> list[Scenario]:
    """``mc.runs`` random blockade scenarios, reproducible from ``mc.seed`` (one stream per run)."""
    pool = blockade_pool(chain, perspective, mc)
    return [random_scenario(pool, mc, days, k) for k in range(mc.runs)]


@dataclass
class MonteCarloResult:
    """Per-run lost final value and per-node criticality frequency."""

    scenarios: list[Scenario]
    lost_value: np.ndarray  # final-value-days per run
    critical_runs: np.ndarray  # per node: number of runs where its worst loss exceeded 0.5
    chain: ChainMap

    @property
    def expected_loss(self) -> float:
        r"""Mean lost final value over the runs, :math:`\frac1N \sum_k V_k` (final-value-days)."""
        return float(self.lost_value.mean())

    @property
    def value_at_risk_95(self) -> float:
        """95% value-at-risk: the empirical 0.95 quantile of the lost final value over the runs."""
        return float(np.quantile(self.lost_value, 0.95))

    def most_critical(self, top: int = 10) -> pd.DataFrame:
        """Return the ``top`` nodes most often critical (worst loss above 50%), with their share of runs."""
        ix = self.chain.index
        share = self.critical_runs / max(len(self.scenarios), 1)
        order = np.lexsort((ix.node_ids.astype(str), -share))
        order = order[~ix.node_is_stage[order]][:top]
        return pd.DataFrame(
            {
                "id": ix.node_ids[order],
                "name": self.chain.nodes["name"].to_numpy()[order],
                "share_of_runs_critical": share[order],
            }
        )

    def worst_runs(self, top: int = 10) -> pd.DataFrame:
        """Return the ``top`` runs with the largest lost final value, with their shocks in words."""
        order = np.argsort(-self.lost_value, kind="stable")[:top]
        return pd.DataFrame(
            {
                "run": order,
                "lost_final_value_days": self.lost_value[order],
                "shocks": [
                    "; ".join(f"{s.label()} for {s.duration} days" for s in self.scenarios[k].shocks)
                    for k in order
                ],
            }
        )

    def loss_distribution(self, bins: int = 20) -> dict[str, list[float] | list[int]]:
        """Histogram of the lost final value over the runs: ``edges`` (``bins + 1`` values,
        final-value-days) and ``counts`` (runs per bin; ``numpy.histogram``, equal-width bins over
        the observed range, the last bin closed).
        """
        counts, edges = np.histogram(self.lost_value, bins=bins)
        return {"edges": edges.tolist(), "counts": counts.tolist()}

    def summary(self) -> dict[str, Any]:
        """Return the JSON-ready summary: runs, expected loss, 95% value-at-risk, the loss
        distribution, top nodes and runs.
        """
        return {
            "runs": len(self.scenarios),
            "expected_loss": self.expected_loss,
            "value_at_risk_95": self.value_at_risk_95,
            "loss_distribution": self.loss_distribution(),
            "most_critical": self.most_critical().to_dict("records"),
            "worst_runs": self.worst_runs().to_dict("records"),
        }


@dataclass(frozen=True)
class MonteCarloPayload:
    """What every batch of runs reads (scattered once to a cluster's workers)."""

    engine: PropagationEngine
    pool: tuple[str, ...]
    mc: MonteCarloConfig
    config: DynamicsConfig
    inventory: np.ndarray
    final_value: np.ndarray


#: one batch's result: each run's lost final value (in run order) and per-node critical counts
BatchResult = tuple[np.ndarray, np.ndarray]


def monte_carlo_batch(payload: MonteCarloPayload, item: tuple[int, int]) -> BatchResult:
    """Runs ``start .. stop``: draw, supply over time, propagate; lost values and critical counts."""
    start, stop = item
    eng, cfg = payload.engine, payload.config
    steps = cfg.steps
    n = eng.chain.index.n_nodes
    m = stop - start
    loss = np.empty((n, m * steps))
    for k in range(m):
        sc = random_scenario(payload.pool, payload.mc, cfg.days, start + k)
        loss[:, k * steps : (k + 1) * steps] = supply_over_time(eng, sc, cfg)
    eng._propagate_in_place(loss, payload.inventory, period=steps, step=float(cfg.step))
    lost = np.empty(m)
    _run_values(payload.final_value, loss, steps, float(cfg.step), lost)
    critical = (loss.reshape(n, m, steps).max(axis=2) > 0.5).sum(axis=1).astype(np.int64)
    return lost, critical


def combine_batches(a: BatchResult, b: BatchResult) -> BatchResult:
    """Two consecutive batches as one: their runs concatenated in order, counts added (exact)."""
    return np.concatenate([a[0], b[0]]), a[1] + b[1]


@njit(cache=True, nogil=True)
def _run_values(
    v: np.ndarray, loss: np.ndarray, steps: int, step: float, out: np.ndarray
) -> None:  # pragma: no cover - compiled; covered through monte_carlo
    """``out[k] = step * sum_i v[i] * sum_t loss[i, k*steps + t]``: for every run the nodes are
    added in order and each node's steps in order, whatever the other runs of the batch; the rows
    are read once, in memory order.
    """
    out[:] = 0.0
    for i in range(loss.shape[0]):
        w = v[i]
        if w == 0.0:
            continue
        for k in range(out.shape[0]):
            row = 0.0
            for t in range(k * steps, (k + 1) * steps):
                row += loss[i, t]
            out[k] += w * row
    for k in range(out.shape[0]):
        out[k] *= step


def monte_carlo(
    chain: ChainMap,
    perspective: Perspective,
    mc: MonteCarloConfig | None = None,
    config: DynamicsConfig | None = None,
    *,
    batch: int = 4,
    progress: Callable[[int, int], None] | None = None,
    engine: PropagationEngine | None = None,
    executor: Executor | None = None,
) -> MonteCarloResult:
    """Random scenarios run over time, ``batch`` runs (x steps) propagated as columns together.

    Parameters
    ----------
    mc, config : the random shocks and the time model (defaults: :class:`MonteCarloConfig`,
        :class:`~chokepoint.scenario.dynamics.DynamicsConfig`).
    batch : runs per batch (one task on a cluster).
    progress : called with (done, runs) as batches finish (once at the end on a cluster).
    engine : a compiled engine of ``chain`` to reuse.
    executor : where the batches run (default: this process, one batch after the other).
    """
    mc = mc or MonteCarloConfig()
    cfg = config or DynamicsConfig()
    eng = engine or PropagationEngine(chain, perspective)
    pool = tuple(blockade_pool(chain, perspective, mc))
    scenarios = [random_scenario(pool, mc, cfg.days, k) for k in range(mc.runs)]
    _, v = final_products(chain)
    payload = MonteCarloPayload(eng, pool, mc, cfg, node_inventories(eng, cfg), np.asarray(v, dtype=float))
    items = ranges(mc.runs, batch)
    if not items:
        lost, critical = np.zeros(0), np.zeros(chain.index.n_nodes, dtype=np.int64)
    elif executor is None:
        parts = []
        for item in items:
            parts.append(monte_carlo_batch(payload, item))
            if progress is not None and item[1] < mc.runs:
                progress(item[1], mc.runs)
        lost = np.concatenate([p[0] for p in parts])
        critical = np.sum([p[1] for p in parts], axis=0)
    else:
        lost, critical = executor.map_reduce(monte_carlo_batch, payload, items, combine_batches)
    if progress is not None:
        progress(mc.runs, mc.runs)
    return MonteCarloResult(scenarios, lost, critical.astype(float), chain)


__all__ = [
    "MonteCarloConfig",
    "MonteCarloResult",
    "blockade_pool",
    "monte_carlo",
    "random_scenario",
    "random_scenarios",
    "run_stream",
]
