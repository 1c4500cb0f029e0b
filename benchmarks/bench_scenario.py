"""Benchmark: the propagation engine against a networkx reference, one scenario and a batch.

Usage::

    python benchmarks/bench_scenario.py                                  # 1e5 nodes, 1e6 edges
    python benchmarks/bench_scenario.py --nodes 1000000 --edges 10000000 --no-reference

Reference (measured in the same process): the same propagation written the way an
analyst would, a networkx ``DiGraph`` walked in ``topological_sort`` order with a
Python loop over each node's in-edges, supply computed with Python loops over the
provisions (the same coverage rule: known shares only, unknown ones not renormalised; the same
larger loss of the two provider levels). Both must agree
to 1e-9; the script prints the ratio. The synthetic chain (``synthetic.py``) has
``input_of`` edges only; ``type_of`` rules are covered by the test suite.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import COUNTRIES, synthetic_chain

from chokepoint.assess import Perspective
from chokepoint.scenario import PropagationEngine


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def reference(chain, blocked: str, depth: float) -> dict[str, float]:
    """Availability of every node after ``blocked`` cuts ``depth`` of its supply, loop by loop."""
    kind = dict(zip(chain.actors["id"], chain.actors["kind"], strict=True))
    country = dict(zip(chain.actors["id"], chain.actors["country"], strict=True))
    levels: dict[tuple[str, bool], list[tuple[float, str]]] = defaultdict(list)
    for actor, node, share in zip(
        chain.provisions["actor"], chain.provisions["node"], chain.provisions["share"], strict=True
    ):
        levels[(node, kind[actor] == "country")].append((share, country[actor]))
    supply: dict[str, float] = {}
    for (node, _geo), rows in levels.items():
        # the coverage rule: known shares only (scaled down if they sum above 1); an unknown share
        # is not lost in the central estimate and never renormalised onto the named providers
        known = [(s, c) for s, c in rows if s == s]
        total = sum(s for s, _ in known)
        scale = 1.0 / total if total > 1.0 else 1.0
        lost = sum(s * scale * (depth if c == blocked else 0.0) for s, c in known)
        value = min(1.0, max(0.0, 1.0 - lost))
        supply[node] = min(supply.get(node, 1.0), value)
    g = nx.DiGraph()
    g.add_nodes_from(chain.nodes["id"])
    for s, t, w in zip(chain.edges["source"], chain.edges["target"], chain.edges["weight"], strict=True):
        g.add_edge(s, t, weight=1.0 if w != w else w)
    avail: dict[str, float] = {}
    for node in nx.topological_sort(g):
        a = supply.get(node, 1.0)
        for src, _, data in g.in_edges(node, data=True):
            a = min(a, 1.0 - data["weight"] * (1.0 - avail[src]))
        avail[node] = a
    return avail


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--chunk", type=int, default=250, help="scenario columns propagated together")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-reference", action="store_true", help="skip the networkx reference (large chains)")
    args = ap.parse_args()

    chain = synthetic_chain(args.nodes, args.edges, seed=args.seed)
    p = Perspective.from_codes("CHN")
    t0 = time.perf_counter()
    _ = chain.index  # integer ids and sparse matrices, shared with the assessment
    t_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    eng = PropagationEngine(chain, p)
    t_compile = time.perf_counter() - t0
    n_edges = int(chain.index.input_of.nnz)
    print(
        f"chain: {args.nodes:,} nodes, {n_edges:,} input_of edges, {eng.n_provisions:,} provisions, "
        f"{eng.n_tiers} tiers; index built in {t_index:.2f} s, engine compiled in {t_compile:.2f} s"
    )

    cut = eng.provider_mask(countries=["USA"]).astype(float)[:, None] * 0.8
    t_one = best_of(lambda: eng.availability(cut), 5)
    a = eng.availability(cut)[:, 0]
    print(f"one scenario (USA blockade, 80%):      {t_one * 1e3:8.1f} ms")
    print(
        f"peak memory so far (chain, index, engine, one scenario): {peak_rss_gb():.2f} GB "
        "(target < 4 GB at 1e7 edges)"
    )

    if not args.no_reference:
        t1 = time.perf_counter()
        ref = reference(chain, "USA", 0.8)
        t_ref = time.perf_counter() - t1
        ids = chain.index.node_ids
        diff = max(abs(a[i] - ref[ids[i]]) for i in range(len(ids)))
        assert diff <= 1e-9, f"engine and reference disagree by {diff}"
        print(f"networkx reference (same scenario):    {t_ref * 1e3:8.1f} ms   max difference {diff:.1e}")
        print(f"ratio reference / engine:              {t_ref / t_one:8.0f}x   (target >= 500x at 1e6 edges)")

    rng = np.random.default_rng(args.seed)
    k = args.batch
    country_of = eng.prov_country.astype(str)
    code_idx = {c: j for j, c in enumerate(COUNTRIES)}
    prov_code = np.array([code_idx.get(c, -1) for c in country_of])
    blocked = rng.integers(0, len(COUNTRIES), size=(k, 2))
    depth = rng.uniform(0.2, 1.0, size=k)
    rows, cols, vals = [], [], []
    for j in range(k):
        hit = np.flatnonzero(np.isin(prov_code, blocked[j]))
        rows.append(hit)
        cols.append(np.full(len(hit), j))
        vals.append(np.full(len(hit), depth[j]))
    cuts = sp.csc_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(eng.n_provisions, k)
    )
    mean_loss = np.empty(k)
    worst_loss = np.empty(k)
    kept: dict[int, np.ndarray] = {}

    def batch() -> None:
        # each chunk of scenario columns is propagated together; the batch keeps per-scenario
        # summaries (what Monte Carlo and sweeps consume), not a 1e5 x 1e3 matrix
        for s in range(0, k, args.chunk):
            a = eng.availability(cuts[:, s : s + args.chunk])
            mean_loss[s : s + a.shape[1]] = 1.0 - a.mean(axis=0)
            worst_loss[s : s + a.shape[1]] = 1.0 - a.min(axis=0)
            if s == 0:
                kept[0] = a[:, 3].copy()

    t_batch = best_of(batch, 1)
    single = eng.availability(cuts[:, [3]])[:, 0]
    assert np.allclose(kept[0], single, atol=1e-12, rtol=0), "batch column differs from the single run"
    print(
        f"{k:,} scenarios as one batch:            {t_batch:8.2f} s    "
        f"({t_batch / k * 1e3:.2f} ms per scenario, {args.chunk} columns at a time; "
        f"target < 3 s at 1e6 edges)"
    )
    print(
        f"  mean node loss over the batch {mean_loss.mean():.3f}; "
        f"worst single-node loss {worst_loss.max():.3f}"
    )
    print(f"peak memory with the batch's cut matrix: {peak_rss_gb():.2f} GB")


if __name__ == "__main__":
    main()
