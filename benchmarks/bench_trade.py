"""Benchmark: the full trade indicator set on a BACI-shaped year, against fair baselines in the same run.

Usage::

    python benchmarks/bench_trade.py                 # 10 million rows: 200 x 200 countries, 5,000 products
    python benchmarks/bench_trade.py --rows 1000000  # quicker

Writes a seeded synthetic year to Parquet (temporary folder) and reads it back, then measures in the
same run, each result checked equal to the pandas one before any timing is printed:

* chokepoint: ``trade_indicators`` (importer indicators, world concentration, exporter leverage;
  rows unordered, as the baselines);
* vectorized pandas: the same three tables with ``groupby().agg`` and ``transform``, the top-3 by one
  sort and ``cumcount`` (what a skilled analyst writes; no Python function per group);
* polars (lazy, when installed: ``pip install -e .[bench]``): the same three tables;
* the floor: one duckdb GROUP BY of the Parquet file to Arrow (the least any implementation must do).
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

from chokepoint.trade import trade_indicators

KEYS = ["importer", "product", "year"]
RESTRICTED = ["C000", "C001"]


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


def pandas_indicators(data: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three tables with vectorized pandas (the baseline a skilled analyst writes)."""
    f = data[(data["value"] > 0) & (data["exporter"] != data["importer"])]
    f = f.groupby(["year", "exporter", "importer", "product"], as_index=False, sort=False)["value"].sum()
    imports = f.groupby(KEYS, sort=False)["value"].transform("sum")
    f = f.assign(s=f["value"] / imports, r=f["value"].where(f["exporter"].isin(RESTRICTED), 0.0))
    f["s2"] = f["s"] * f["s"]
    imp = f.groupby(KEYS, sort=False).agg(
        imports=("value", "sum"),
        partners=("value", "size"),
        hhi=("s2", "sum"),
        top1_share=("s", "max"),
        restricted=("r", "sum"),
    )
    ranked = f.sort_values("s", ascending=False)
    top3 = ranked[ranked.groupby(KEYS, sort=False).cumcount() < 3].groupby(KEYS, sort=False)["s"].sum()
    imp["top3_share"] = top3
    imp["restricted_share"] = imp["restricted"] / imp["imports"]
    ex = f.groupby(["exporter", "product", "year"], sort=False).agg(x=("value", "sum"), dep_sum=("s", "sum"))
    own = ex["x"].rename_axis(KEYS)
    imp["exports"] = own.reindex(imp.index).fillna(0.0).to_numpy()
    imp = imp.reset_index()
    ex = ex.reset_index()
    ex["x2"] = ex["x"] * ex["x"]
    world = ex.groupby(["product", "year"], sort=False).agg(
        world_exports=("x", "sum"), exporters=("x", "size"), sumsq=("x2", "sum"), top=("x", "max")
    )
    world["hhi"] = world["sumsq"] / world["world_exports"] ** 2
    world["top_share"] = world["top"] / world["world_exports"]
    n = imp.groupby(["product", "year"], sort=False).size().rename("importers")
    lev = ex.join(world["world_exports"], on=["product", "year"]).join(n, on=["product", "year"])
    lev["world_share"] = lev["x"] / lev["world_exports"]
    lev["dependence"] = lev["dep_sum"] / lev["importers"]
    lev["leverage"] = lev["world_share"] * lev["dependence"]
    return {"importers": imp, "world": world.reset_index(), "exporters": lev}


def polars_indicators(path: Path) -> dict[str, object]:
    """The three tables with polars (lazy), from the Parquet file."""
    import polars as pl

    f = (
        pl.scan_parquet(path)
        .filter((pl.col("value") > 0) & (pl.col("exporter") != pl.col("importer")))
        .group_by(["year", "exporter", "importer", "product"])
        .agg(pl.col("value").sum())
        .with_columns((pl.col("value") / pl.col("value").sum().over(KEYS)).alias("s"))
    )
    imp = f.group_by(KEYS).agg(
        pl.col("value").sum().alias("imports"),
        pl.len().alias("partners"),
        (pl.col("s") ** 2).sum().alias("hhi"),
        pl.col("s").max().alias("top1_share"),
        pl.col("s").top_k(3).sum().alias("top3_share"),
        pl.col("value").filter(pl.col("exporter").is_in(RESTRICTED)).sum().alias("restricted"),
    )
    ex = f.group_by(["exporter", "product", "year"]).agg(
        pl.col("value").sum().alias("x"), pl.col("s").sum().alias("dep_sum")
    )
    world = ex.group_by(["product", "year"]).agg(
        pl.col("x").sum().alias("world_exports"),
        pl.len().alias("exporters"),
        ((pl.col("x") ** 2).sum() / pl.col("x").sum() ** 2).alias("hhi"),
        (pl.col("x").max() / pl.col("x").sum()).alias("top_share"),
    )
    n = imp.group_by(["product", "year"]).agg(pl.len().alias("importers"))
    lev = (
        ex.join(world.select(["product", "year", "world_exports"]), on=["product", "year"])
        .join(n, on=["product", "year"])
        .with_columns(
            (pl.col("x") / pl.col("world_exports") * pl.col("dep_sum") / pl.col("importers")).alias(
                "leverage"
            )
        )
    )
    imp_df, world_df, lev_df = pl.collect_all([imp, world, lev])
    return {"importers": imp_df, "world": world_df, "exporters": lev_df}


def _aligned(ref: pd.DataFrame, other: pd.DataFrame, keys: list[str], cols: list[str]) -> None:
    a = ref[keys + cols].astype({k: str for k in keys}).sort_values(keys).reset_index(drop=True)
    b = other[keys + cols].astype({k: str for k in keys}).sort_values(keys).reset_index(drop=True)
    assert len(a) == len(b), (len(a), len(b))
    assert (a[keys].to_numpy() == b[keys].to_numpy()).all()
    for c in cols:
        np.testing.assert_allclose(
            a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-9, atol=1e-12, err_msg=c
        )


def check(ref: dict[str, pd.DataFrame], got: dict[str, pd.DataFrame], full: bool = True) -> None:
    """``got`` equal to the pandas tables on every indicator the two compute (rtol 1e-9)."""
    _aligned(ref["importers"], got["importers"], KEYS, ["imports", "hhi", "top1_share", "top3_share"])
    if full:
        _aligned(ref["importers"], got["importers"], KEYS, ["restricted_share", "exports"])
    _aligned(ref["world"], got["world"], ["product", "year"], ["world_exports", "hhi", "top_share"])
    _aligned(ref["exporters"], got["exporters"], ["exporter", "product", "year"], ["leverage"])


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    df = synthetic(args.rows, args.seed)
    path = Path(tempfile.mkdtemp()) / "baci_like.parquet"
    df.to_parquet(path, index=False)
    t0 = time.perf_counter()
    data = pd.read_parquet(path)
    t_read = time.perf_counter() - t0
    print(
        f"{len(df):,} flows after aggregation ({args.rows:,} drawn), {df['product'].nunique():,} products; "
        f"Parquet read {t_read:.2f} s"
    )
    t_ours, ours = _best(lambda: trade_indicators(data, restricted=RESTRICTED), args.repeat)
    t_pd, ref = _best(lambda: pandas_indicators(data), args.repeat)
    check(ref, ours)  # type: ignore[arg-type]
    print("results equal: chokepoint and vectorized pandas (importers, world, exporters; rtol 1e-9)")
    t_pl = None
    try:
        t_pl, pl_out = _best(lambda: polars_indicators(path), args.repeat)
        check(ref, {k: v.to_pandas() for k, v in pl_out.items()}, full=False)  # type: ignore[union-attr]
        print("results equal: polars and vectorized pandas")
    except ImportError:
        print("polars not installed (pip install -e .[bench]): its baseline is skipped")
    floor_sql = f"SELECT importer, product, year, SUM(value) FROM '{path}' GROUP BY ALL"
    t_floor, _ = _best(lambda: duckdb.sql(floor_sql).arrow(), args.repeat)
    print(f"chokepoint, the full indicator set:   {t_ours:7.2f} s   (target <= 3 s)")
    print(f"vectorized pandas, the same tables:   {t_pd:7.2f} s   ratio {t_pd / t_ours:5.1f}x (target >= 3x)")
    if t_pl is not None:
        print(f"polars (lazy), the same tables:       {t_pl:7.2f} s   ratio {t_pl / t_ours:5.1f}x")
    print(
        f"floor, one duckdb GROUP BY to Arrow:  {t_floor:7.2f} s   "
        f"chokepoint / floor {t_ours / t_floor:4.1f}x (target <= 2x)"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"peak memory {rss:.2f} GB (the process, every baseline included; target < 4 GB)")


if __name__ == "__main__":
    main()
