"""Benchmark: scenario batches in this process against a Dask LocalCluster on the same machine.

Usage::

    python benchmarks/bench_cluster.py                       # 10,000 scenarios, 1e5 nodes, 1e6 edges
    python benchmarks/bench_cluster.py --scenarios 2000 --workers 2 --mc-runs 200   # quicker

Workload 1, **static scenarios**: ``--scenarios`` random blockades (two random provider
countries each, a random depth between 0.2 and 1), each task building its own columns of the cut
matrix from the provisions' countries (``GroupUnionColumns``), summarized
per scenario (final value stopped, nodes impacted and stopped, worst node) by
``chokepoint.scenario.batch.batch_summaries``, ``--chunk`` scenarios per task. Workload 2,
**Monte Carlo over time**: ``--mc-runs`` runs of a year in weekly steps, ``--mc-batch`` runs per
task, and, as the baseline of batching, the same runs one at a time.

Each workload runs on the local executor (this process; the kernels use every core through
their thread pool) and on a ``LocalCluster`` of ``--workers`` worker processes with one thread
each (loopback only), in the same run. The results are checked equal, bit for bit, before any
time is printed. Printed: wall times, the cluster's time split into starting the cluster, the
scatter of the engine and the mapped tasks, the ratio local / cluster, and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import COUNTRIES, synthetic_chain

from chokepoint.assess import Perspective
from chokepoint.scenario import PropagationEngine
from chokepoint.scenario.batch import GroupUnionColumns, batch_summaries
from chokepoint.scenario.dynamics import DynamicsConfig
from chokepoint.scenario.final_value import final_products
from chokepoint.scenario.montecarlo import MonteCarloConfig, monte_carlo
from chokepoint.service.cluster import open_executor


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def random_blockades(eng: PropagationEngine, k: int, seed: int) -> GroupUnionColumns:
    """``k`` blockades of two random countries each, random depth: each task builds its own
    columns from the provisions' countries (only the pairs and depths travel with it)."""
    rng = np.random.default_rng(seed)
    code = {c: j for j, c in enumerate(COUNTRIES)}
    group_of = np.array([code.get(str(c), -1) for c in eng.prov_country], dtype=np.int64)
    members = rng.integers(0, len(COUNTRIES), size=(k, 2))
    return GroupUnionColumns(group_of, members, rng.uniform(0.2, 1.0, size=k))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--scenarios", type=int, default=10_000)
    ap.add_argument("--chunk", type=int, default=256, help="static scenarios per task")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--mc-runs", type=int, default=400)
    ap.add_argument("--mc-batch", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    chain = synthetic_chain(args.nodes, args.edges, seed=args.seed, shuffle=True)
    p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    eng = PropagationEngine(chain, p)
    _, v = final_products(chain)
    source = random_blockades(eng, args.scenarios, args.seed)
    cfg = DynamicsConfig(days=364, step=7)
    mc = MonteCarloConfig(runs=args.mc_runs, seed=args.seed)
    batch_summaries(eng, random_blockades(eng, 16, 0), v, chunk=16)  # compile and warm
    monte_carlo(chain, p, MonteCarloConfig(runs=2, seed=0), cfg, engine=eng)
    print(
        f"chain: {args.nodes:,} nodes, {int(chain.index.input_of.nnz):,} input_of edges, "
        f"{eng.n_provisions:,} provisions; {args.scenarios:,} static scenarios, "
        f"{args.mc_runs:,} Monte Carlo runs of {cfg.steps} weekly steps"
    )

    t0 = time.perf_counter()
    local = batch_summaries(eng, source, v, chunk=args.chunk)
    t_local = time.perf_counter() - t0
    t0 = time.perf_counter()
    mc_local = monte_carlo(chain, p, mc, cfg, engine=eng, batch=args.mc_batch)
    t_mc_local = time.perf_counter() - t0
    one_runs = min(args.mc_runs, 32)
    t0 = time.perf_counter()
    mc_one = monte_carlo(chain, p, MonteCarloConfig(runs=one_runs, seed=args.seed), cfg, engine=eng, batch=1)
    t_mc_one = (time.perf_counter() - t0) / one_runs
    np.testing.assert_array_equal(mc_one.lost_value, mc_local.lost_value[:one_runs])

    t0 = time.perf_counter()
    with open_executor(f"local:{args.workers}") as cluster:
        t_start = time.perf_counter() - t0
        t1 = time.perf_counter()
        cluster.map(lambda shared, _: None, eng, [0])  # the scatter of the engine alone
        t_scatter = time.perf_counter() - t1
        t1 = time.perf_counter()
        remote = batch_summaries(eng, source, v, chunk=args.chunk, executor=cluster)
        t_remote = time.perf_counter() - t1
        t1 = time.perf_counter()
        mc_remote = monte_carlo(chain, p, mc, cfg, engine=eng, batch=args.mc_batch, executor=cluster)
        t_mc_remote = time.perf_counter() - t1
    for a, b in zip(
        (local.final_value_stopped, local.nodes_impacted, local.worst_node, mc_local.lost_value),
        (remote.final_value_stopped, remote.nodes_impacted, remote.worst_node, mc_remote.lost_value),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
    print("the cluster's results equal the local executor's, bit for bit")
    tasks = -(-args.scenarios // args.chunk)
    print(f"cluster: {args.workers} worker processes x 1 thread, started in {t_start:.1f} s")
    each = t_local / args.scenarios * 1e3
    print(f"static scenarios, local executor:   {t_local:7.2f} s   ({each:.2f} ms each)")
    print(
        f"static scenarios, cluster:          {t_remote:7.2f} s   ({tasks} tasks of {args.chunk}; "
        f"the scatter of the engine alone {t_scatter:.2f} s); local / cluster {t_local / t_remote:.2f}x"
    )
    print(f"Monte Carlo, one run at a time:     {t_mc_one * 1e3:7.1f} ms per run")
    print(
        f"Monte Carlo, local, batch {args.mc_batch}:       {t_mc_local / args.mc_runs * 1e3:7.1f} ms per run "
        f"({t_mc_one / (t_mc_local / args.mc_runs):.2f}x faster per run than one at a time)"
    )
    per_run = t_mc_remote / args.mc_runs * 1e3
    print(
        f"Monte Carlo, cluster, batch {args.mc_batch}:     {per_run:7.1f} ms per run; "
        f"local / cluster {t_mc_local / t_mc_remote:.2f}x"
    )
    print(
        f"peak memory of this process: {peak_rss_gb():.2f} GB (each worker holds its own copy of the engine)"
    )


if __name__ == "__main__":
    main()
