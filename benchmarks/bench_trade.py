"""Benchmark: the full trade indicator set on a BACI-shaped year, against plain pandas and a duckdb floor.

Usage::

    python benchmarks/bench_trade.py                 # 10 million rows: 200 x 200 countries, 5,000 products
    python benchmarks/bench_trade.py --rows 1000000  # quicker

Writes a seeded synthetic year to Parquet (temporary folder), then measures in the same run: the
project's importer indicators + world concentration + exporter leverage; the same importer
indicators with plain pandas group-bys; one plain duckdb group-by over the Parquet file (floor).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from chokepoint.trade import exporter_leverage, importer_indicators, world_concentration


def synthetic(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    countries = np.array([f"C{i:03d}" for i in range(200)])
    products = np.array([f"{i:06d}" for i in range(5000)])
    e = rng.zipf(1.6, rows) % 200
    i = rng.integers(0, 200, rows)
    i = np.where(i == e, (i + 1) % 200, i)
    df = pd.DataFrame(
        {
            "year": 2021,
            "exporter": countries[e],
            "importer": countries[i],
            "product": products[rng.integers(0, 5000, rows)],
            "value": rng.lognormal(3, 2, rows),
            "quantity": rng.lognormal(2, 2, rows),
        }
    )
    return df.groupby(["year", "exporter", "importer", "product"], as_index=False)[
        ["value", "quantity"]
    ].sum()


def pandas_importer_indicators(f: pd.DataFrame) -> pd.DataFrame:
    g = f.groupby(["importer", "product", "year"])["value"]
    f = f.assign(s=f["value"] / g.transform("sum"))
    out = f.groupby(["importer", "product", "year"]).agg(
        imports=("value", "sum"),
        partners=("value", "size"),
        hhi=("s", lambda s: (s * s).sum()),
        top1=("s", "max"),
    )
    top3 = f.sort_values("s", ascending=False).groupby(["importer", "product", "year"]).head(3)
    out["top3"] = top3.groupby(["importer", "product", "year"])["s"].sum()
    return out.reset_index()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--skip-pandas", action="store_true")
    args = ap.parse_args()
    df = synthetic(args.rows, args.seed)
    path = Path(tempfile.mkdtemp()) / "baci_like.parquet"
    df.to_parquet(path, index=False)
    t0 = time.perf_counter()
    data = pd.read_parquet(path)
    t_read = time.perf_counter() - t0
    t1 = time.perf_counter()
    ind = importer_indicators(data, restricted=["C000", "C001"])
    world_concentration(data)
    exporter_leverage(data)
    t_ours = time.perf_counter() - t1
    t2 = time.perf_counter()
    duckdb.sql(f"SELECT importer, product, year, SUM(value) FROM '{path}' GROUP BY ALL").fetchall()
    t_floor = time.perf_counter() - t2
    print(
        f"{len(df):,} flows after aggregation ({args.rows:,} drawn), {df['product'].nunique():,} products; "
        f"Parquet read {t_read:.2f} s"
    )
    print(f"chokepoint full indicator set (importers, world, exporters): {t_ours:8.2f} s   (target < 3 s)")
    print(f"duckdb single group-by over the Parquet file (floor):        {t_floor:8.2f} s")
    if not args.skip_pandas:
        t3 = time.perf_counter()
        ref = pandas_importer_indicators(data)
        t_pd = time.perf_counter() - t3
        merged = ind.merge(ref, on=["importer", "product", "year"])
        assert np.allclose(
            merged["hhi_x"] if "hhi_x" in merged else merged["hhi"],
            merged["hhi_y"] if "hhi_y" in merged else merged["hhi"],
        )
        print(
            f"plain pandas, importer indicators only:                      {t_pd:8.2f} s   "
            f"ratio {t_pd / t_ours:.1f}x (target >= 3x)"
        )
    print(
        f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GB (target < 4 GB)"
    )


if __name__ == "__main__":
    main()
