"""Benchmark: Monte Carlo runs over time on a seeded synthetic chain.

Usage::

    python benchmarks/bench_montecarlo.py --runs 10000    # 1e5 nodes, 1e6 edges: the issue's size
    python benchmarks/bench_montecarlo.py --runs 500                                     # quicker

Each run draws random blockades (``MonteCarloConfig`` distributions) over a 364-day horizon in
weekly steps; runs are propagated ``--batch`` at a time as columns of the engine's kernel.
Baseline (same run): the same runs one at a time (batch 1), on the first ``--baseline-runs``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_chain

from chokepoint.assess import Perspective
from chokepoint.scenario import PropagationEngine
from chokepoint.scenario.dynamics import DynamicsConfig
from chokepoint.scenario.montecarlo import MonteCarloConfig, monte_carlo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--baseline-runs", type=int, default=32)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    chain = synthetic_chain(args.nodes, args.edges, seed=args.seed)
    p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    eng = PropagationEngine(chain, p)
    cfg = DynamicsConfig(days=364, step=7)
    monte_carlo(chain, p, MonteCarloConfig(runs=2, seed=0), cfg, engine=eng)  # compile and warm
    t0 = time.perf_counter()
    base = monte_carlo(
        chain, p, MonteCarloConfig(runs=args.baseline_runs, seed=args.seed), cfg, batch=1, engine=eng
    )
    t_base = (time.perf_counter() - t0) / args.baseline_runs
    t1 = time.perf_counter()
    done = [0]

    def progress(n: int, total: int) -> None:
        if n * 10 // total != done[0] * 10 // total:
            print(f"  {n:,}/{total:,} runs, {time.perf_counter() - t1:.0f} s", flush=True)
        done[0] = n

    res = monte_carlo(
        chain,
        p,
        MonteCarloConfig(runs=args.runs, seed=args.seed),
        cfg,
        batch=args.batch,
        engine=eng,
        progress=progress,
    )
    t_all = time.perf_counter() - t1
    np.testing.assert_allclose(res.lost_value[: args.baseline_runs], base.lost_value, rtol=0, atol=1e-9)
    n_edges = int(chain.index.input_of.nnz)
    print(f"chain: {args.nodes:,} nodes, {n_edges:,} edges; {args.runs:,} runs x {cfg.steps} weekly steps")
    print(
        f"batched ({args.batch} runs per kernel call): {t_all:8.1f} s   "
        f"({t_all / args.runs * 1e3:.1f} ms per run)"
    )
    print(
        f"one run at a time (baseline):       {t_base * 1e3:8.1f} ms per run   "
        f"ratio {t_base / (t_all / args.runs):.1f}x"
    )
    print(f"expected loss {res.expected_loss:.2f}, 95% VaR {res.value_at_risk_95:.2f} final-value-days")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GB")


if __name__ == "__main__":
    main()
