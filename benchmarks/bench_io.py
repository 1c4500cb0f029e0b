"""Benchmark: Leontief/Ghosh and all-sector hypothetical extraction against pymrio and naive re-solving.

Usage::

    python benchmarks/bench_io.py --n 2000
    python benchmarks/bench_io.py --n 5000

A seeded synthetic MRIO (n sectors, 50 per region). Measured in the same run: pymrio's
``calc_all`` with and without Ghosh vs ours (A, L by block elimination, and G from L);
all-sector extraction in closed form vs naive re-solving (timed on a sample of sectors and
extrapolated); and the machine's dense floor, 2 n^3 flops at the measured matrix-multiply rate.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, pd.MultiIndex]:
    rng = np.random.default_rng(seed)
    Z = rng.gamma(0.3, 10.0, (n, n)) * (rng.random((n, n)) < 0.3)
    Y = rng.uniform(50, 500, (n, 3)) + Z.sum(axis=0, keepdims=True).T * 0.3
    regions = [f"r{i // 50}" for i in range(n)]
    sectors = [f"s{i % 50}" for i in range(n)]
    return Z, Y, pd.MultiIndex.from_arrays([regions, sectors], names=["region", "sector"])


def best(fn, repeat: int = 1) -> float:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--sample", type=int, default=3, help="sectors re-solved naively (extrapolated)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    n = args.n
    Z, Y, idx = synthetic(n, args.seed)

    from chokepoint.macro import IOSystem

    labels = idx.to_frame(index=False)

    def ours(ghosh: bool) -> IOSystem:
        s = IOSystem(Z=Z, Y=Y, labels=labels)
        _ = s.L
        if ghosh:
            _ = s.G
        return s

    t_ours = best(lambda: ours(False), 2)
    t_ours_g = best(lambda: ours(True), 2)
    system = ours(True)
    t_extract = best(lambda: system.extraction("total"))
    t_naive = best(lambda: [system.naive_extraction(j) for j in range(args.sample)]) / args.sample * n
    closed = system.extraction("total")["loss"].to_numpy()
    for j in range(args.sample):
        assert abs(closed[j] - system.naive_extraction(j)) <= 1e-8 * abs(closed[j])

    a = np.random.default_rng(0).random((n, n))
    t_mm = best(lambda: a @ a, 2)
    rate = 2 * n**3 / t_mm
    floor = 2 * n**3 / rate

    print(f"synthetic MRIO: n = {n:,} sectors ({n // 50} regions x 50)")
    print(f"dense floor (2 n^3 flops at {rate / 1e9:.1f} GFLOP/s): {floor:8.2f} s")
    try:
        import pymrio

        def theirs(ghosh: bool) -> None:
            y_cols = pd.MultiIndex.from_product([["r0"], ["a", "b", "c"]])
            io = pymrio.IOSystem(
                Z=pd.DataFrame(Z, index=idx, columns=idx), Y=pd.DataFrame(Y, index=idx, columns=y_cols)
            )
            io.calc_all(include_ghosh=ghosh)

        t_py = best(lambda: theirs(False), 2)
        t_py_g = best(lambda: theirs(True), 2)
        print(
            f"pymrio calc_all without Ghosh:  {t_py:8.2f} s   ours {t_ours:8.2f} s   "
            f"ratio {t_py / t_ours:5.2f}x (target >= 2x)"
        )
        print(
            f"pymrio calc_all with Ghosh:     {t_py_g:8.2f} s   ours {t_ours_g:8.2f} s   "
            f"ratio {t_py_g / t_ours_g:5.2f}x (target >= 2x)"
        )
    except ImportError:
        print("pymrio not installed: pip install pymrio to compare")
    print(
        f"all-sector extraction (closed form, from L): {t_extract:8.4f} s = "
        f"{t_extract / t_ours:.3f}x one Leontief inverse (target <= 1.5x)"
    )
    print(
        f"naive re-solving of every sector (extrapolated from {args.sample}): {t_naive:8.1f} s   "
        f"ratio {t_naive / t_extract:,.0f}x (target >= 1,000x)"
    )


if __name__ == "__main__":
    main()
