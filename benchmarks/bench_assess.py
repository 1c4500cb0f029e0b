"""Benchmark: assess a seeded synthetic chain; print time, peak memory and a ratio to a baseline.

Usage::

    python benchmarks/bench_assess.py                     # 1e6 nodes, 1e7 edges
    python benchmarks/bench_assess.py --nodes 100000 --edges 1000000

Baseline (measured in the same run, on a sample of nodes): the supply
indicators (HHI, top-1 share, restricted share) computed the way an analyst
would, a pandas ``groupby(...).apply`` with a Python function per node.
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

from chokepoint.assess import Perspective, assess


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def baseline_per_node(chain, perspective, sample: int):
    """Naive indicators over the first ``sample`` nodes: one Python call per node."""
    prov = chain.provisions
    kind = dict(zip(chain.actors["id"], chain.actors["kind"], strict=True))
    geo = prov[prov["actor"].map(kind).isin(["country", "region"]) & prov["share"].notna()]
    geo = geo[geo["node"].isin(set(chain.nodes["id"].iloc[:sample]))]
    restricted = set(perspective.restricted)

    def one(g):
        s = g["share"].to_numpy()
        return (
            float((s**2).sum()),
            float(s.max()),
            float(s[g["actor"].isin(restricted).to_numpy()].sum()),
        )

    return geo.groupby("node").apply(one, include_groups=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--baseline-sample", type=int, default=20_000)
    ap.add_argument(
        "--shuffle",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="relabel node ids by a seeded permutation, so positions are not in tier order (default)",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    chain = synthetic_chain(args.nodes, args.edges, seed=args.seed, shuffle=args.shuffle)
    t_gen = time.perf_counter() - t0
    gen_peak = peak_rss_gb()
    p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    t1 = time.perf_counter()
    _ = chain.index
    t_index = time.perf_counter() - t1
    t2 = time.perf_counter()
    a = assess(chain, p)
    levels = a.level
    t_assess = time.perf_counter() - t2
    t3 = time.perf_counter()
    _ = a.frame
    t_frame = time.perf_counter() - t3

    t4 = time.perf_counter()
    base = baseline_per_node(chain, p, args.baseline_sample)
    t_base = time.perf_counter() - t4
    # the same indicators for the same nodes, vectorized, to check agreement
    pos = chain.index.node_positions(base.index)
    got = np.column_stack(
        [a.supply.hhi_country[pos], a.supply.top1_country[pos], a.supply.exposure_known[pos]]
    )
    want = np.array(base.tolist())
    # HHI and top-1 share equal; the restricted share is the coverage rule's, the larger of the
    # country level (the baseline's sum) and the enterprise level, so never below the baseline
    assert np.allclose(got[:, :2], want[:, :2], atol=1e-9), "vectorized indicators disagree with the baseline"
    assert (got[:, 2] >= want[:, 2] - 1e-9).all(), "restricted share below the country-level sum"
    per_node_vec = (t_assess) / args.nodes
    per_node_base = t_base / max(len(base), 1)

    n_edges = int(chain.index.input_of.nnz)
    print(
        f"chain: {args.nodes:,} nodes, {n_edges:,} input_of edges, {len(chain.provisions):,} provisions "
        f"(seed {args.seed}); generated in {t_gen:.1f} s"
    )
    print(f"index build      {t_index:8.2f} s")
    print(
        f"assess           {t_assess:8.2f} s   (levels: "
        + ", ".join(
            f"{k} {int((levels == k).sum())}" for k in ("I", "II", "III", "IV", "low", "insufficient_data")
        )
        + ")"
    )
    print(f"ranked frame     {t_frame:8.2f} s")
    print(f"total            {t_index + t_assess + t_frame:8.2f} s   (target < 60 s on 2 cores)")
    print(
        f"peak memory      {peak_rss_gb():8.2f} GB  (target < 8 GB; issue 22: <= 6 GB); "
        f"{gen_peak:.2f} GB of it reached while generating the chain"
    )
    print(
        f"baseline (pandas groupby.apply per node, {len(base):,} nodes): {per_node_base * 1e6:.1f} us/node; "
        f"assess: {per_node_vec * 1e6:.2f} us/node for every indicator; "
        f"ratio {per_node_base / per_node_vec:,.0f}x"
    )


if __name__ == "__main__":
    main()
