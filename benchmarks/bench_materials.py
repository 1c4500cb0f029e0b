"""Benchmark: raw-material indicators (issue 19), chokepoint (duckdb) against a vectorized pandas reference.

Usage::

    python benchmarks/bench_materials.py                          # tests/data/materials, 2018-2024
    python benchmarks/bench_materials.py --data ../shared/data/raw-materials --repeat 5

Reads the materials folder once (``read_materials_dir``), builds the EU governance table from the bundled
six-dimension WGI table, computes every indicator for every importing country (``homes=None``) and every
year with ``chokepoint.materials.indicators.materials_indicators`` and with :func:`pandas_indicators` (an
independent pandas/numpy implementation written from the specification), checks that both agree (same
rows in the same order, numbers to ``rtol=1e-9``, strings equal; exit code 1 otherwise), then times each
(best of ``--repeat``) and prints the ratio and the peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

#: Output columns, in order (specification of issue 19).
COLUMNS = [
    "commodity",
    "category",
    "stage",
    "home",
    "year",
    "unit",
    "world_production",
    "hhi_production",
    "top_producer",
    "top_producer_share",
    "home_production",
    "home_production_share",
    "home_production_t",
    "imports_t",
    "exports_t",
    "apparent_consumption_t",
    "import_reliance",
    "partner_hhi",
    "top_partner",
    "top_partner_share",
    "import_risk",
    "geopolrisk",
    "price_usd_per_kg",
    "characterization_factor",
    "wgi_imputed_share",
    "value_without_quantity_share",
    "hhi_wgi_global",
    "hhi_wgi_sourcing",
    "eol_rir",
    "substitution_index",
    "supply_risk_eu",
    "home_export_share",
    "reliance_weighted_export_share",
    "leverage",
    "coverage",
]
KEY_COLUMNS = ["commodity", "home", "year"]
WITH_TRADE = "production and trade"
WITHOUT_TRADE = "production only (no trade data)"


def eu_governance(wgi: pd.DataFrame, years: Iterable[int]) -> pd.DataFrame:
    """EU governance risk per (iso3, year) from the six-dimension WGI table (columns code, year, estimate).

    risk = clip((2.5 - estimate) / 5, 0, 1); a requested year without a table takes the latest earlier
    year that has one (none earlier: no rows for that year).
    """
    g = wgi.loc[wgi["estimate"].notna(), ["code", "year", "estimate"]]
    g = g.assign(year=g["year"].astype(int))
    have = pd.DataFrame({"source_year": np.sort(g["year"].unique())})
    want = pd.DataFrame({"year": np.sort(np.unique(np.asarray(list(years), dtype=np.int64)))})
    src = pd.merge_asof(want, have, left_on="year", right_on="source_year", direction="backward")
    src = src.dropna(subset=["source_year"]).astype({"source_year": np.int64})
    out = src.merge(g.rename(columns={"year": "source_year"}), on="source_year")
    return (
        pd.DataFrame(
            {
                "iso3": out["code"].astype(str),
                "year": out["year"].astype(np.int64),
                "risk": ((2.5 - out["estimate"]) / 5.0).clip(0.0, 1.0),
            }
        )
        .sort_values(["year", "iso3"])
        .reset_index(drop=True)
    )


def _reliance(p_t: np.ndarray, m: np.ndarray, x: np.ndarray) -> np.ndarray:
    """clip((M - X) / (P + M - X), 0, 1); 0 when M <= X; NaN when P is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.clip((m - x) / (p_t + m - x), 0.0, 1.0)
    r = np.where(m <= x, 0.0, r)
    return np.where(np.isnan(p_t), np.nan, r)


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / b, np.nan)


def _year_table(
    frame: pd.DataFrame, column: str, countries: pd.Index, years: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """Dense (year, country) table of ``column`` with each year's median for the missing countries.

    Returns the filled table and the mask of the countries that took the median.
    """
    f = frame.loc[frame[column].notna() & frame["year"].isin(years), ["iso3", "year", column]]
    # a country listed twice for a year (the WGI file has two GUY rows) counts once: the first row
    f = f.drop_duplicates(["iso3", "year"], keep="first")
    median = f.groupby("year")[column].median().reindex(years).to_numpy(dtype=float)
    table = np.full((len(years), len(countries)), np.nan)
    k = countries.get_indexer(f["iso3"])
    known = k >= 0
    table[years.get_indexer(f["year"])[known], k[known]] = f[column].to_numpy(dtype=float)[known]
    imputed = np.isnan(table)
    return np.where(imputed, median[:, None], table), imputed


def pandas_indicators(
    data: Any,
    homes: Mapping[str, Sequence[str]] | None = None,
    years: Iterable[int] | None = None,
    governance_eu: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every raw-material indicator of issue 19, one row per (commodity, home, year), in pandas/numpy.

    An independent reference for ``chokepoint.materials.indicators.materials_indicators``: no loop over
    rows, flows, countries, homes or columns. Countries, commodities, homes and years become integer
    codes in alphabetical order; per-(commodity, home, year) sums are ``np.bincount`` over a dense cube
    whose flat index ``(commodity * n_homes + home) * n_years + year`` is already the output order; the
    homes reach the flows through one (home, iso3) membership table merged onto them.

    Readings of the specification where it leaves a choice:

    * "trade data" for (commodity, year): at least one BACI row (exporter != importer) of one of the
      commodity's HS codes that year; a BACI row without quantity is left out of the quantity sums
      row by row (its value counts in ``value_without_quantity_share``);
    * "All NaN ... when the denominator is 0 or NaN" covers import_risk, geopolrisk, price_usd_per_kg
      and characterization_factor, the denominator being Q_H + home_production_t (so no price for a
      volume unit such as natural gas); price is also NaN when the border quantity is 0;
    * shares over an empty total are NaN: partner_hhi, top partner and wgi_imputed_share when
      M_H = 0, value_without_quantity_share without border import rows, hhi_wgi_sourcing (hence
      supply_risk_eu, whose global-only form is for IR NaN only) when home_production_t + M_H = 0;
    * a country listed twice for a year in the instability or governance table counts once (first row);
    * ``governance_eu=None``: :func:`eu_governance` of the bundled six-dimension WGI table.
    """
    production: pd.DataFrame = data.production
    trade: pd.DataFrame = data.trade
    commodities: pd.DataFrame = data.commodities
    if governance_eu is None:
        from chokepoint.datasets.governance import wgi_frame

        governance_eu = eu_governance(wgi_frame("wgi"), production["year"].unique())

    # ---- codes -------------------------------------------------------------------------------------
    yi = pd.Index(np.sort(np.unique(np.asarray(list(years) if years is not None else production["year"]))))
    yi = yi.astype(np.int64)
    com = commodities.drop_duplicates("commodity").sort_values("commodity").reset_index(drop=True)
    ci = pd.Index(com["commodity"])
    chs = data.commodity_hs
    chs = chs.loc[chs["commodity"].isin(ci), ["commodity", "product"]].drop_duplicates()
    traded = trade.loc[trade["product"].isin(chs["product"])]
    if homes is None:
        names = np.sort(traded["importer"].dropna().unique().astype(str))
        members = pd.DataFrame({"home": names, "iso3": names})
    else:
        names = np.sort(np.asarray(list(homes), dtype=str))
        s = pd.Series({str(h): list(m) for h, m in homes.items()}, dtype=object).explode().dropna()
        members = pd.DataFrame({"home": s.index.to_numpy(), "iso3": s.to_numpy().astype(str)})
        members = members.drop_duplicates()
    hi = pd.Index(names)
    ki = pd.Index(
        np.sort(
            pd.unique(
                np.concatenate(
                    [
                        production["iso3"].to_numpy(dtype=object),
                        trade["exporter"].dropna().to_numpy(dtype=object),
                        trade["importer"].dropna().to_numpy(dtype=object),
                        members["iso3"].to_numpy(dtype=object),
                    ]
                )
            ).astype(str)
        )
    )
    nc, nh, nt, nk = len(ci), len(hi), len(yi), len(ki)
    ncube = nc * nh * nt
    mem_h = hi.get_indexer(members["home"]).astype(np.int64)
    mem_k = ki.get_indexer(members["iso3"]).astype(np.int64)
    member = np.zeros((nh, nk), dtype=bool)
    member[mem_h, mem_k] = True
    mem = pd.DataFrame({"h": mem_h, "k": mem_k})

    def cube(c: np.ndarray, h: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (c * nh + h) * nt + t

    def csum(key: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.bincount(key, weights=w, minlength=ncube)

    # ---- production, world level (commodity, year) -------------------------------------------------
    p = production.loc[production["production"].notna() & production["year"].isin(yi)]
    p = pd.DataFrame(
        {
            "c": ci.get_indexer(p["commodity"]),
            "t": yi.get_indexer(p["year"]),
            "k": ki.get_indexer(p["iso3"]),
            "unit": p["unit"].to_numpy(),
            "P": p["production"].to_numpy(dtype=float),
            "Pt": p["production_t"].to_numpy(dtype=float),
        }
    )
    # one row per (commodity, year, country): a country that appears twice in the source is summed
    p = (
        p.loc[p["c"] >= 0]
        .assign(Pt_nan=p["Pt"].isna())
        .groupby(["c", "t", "k"], as_index=False, sort=False)
        .agg(unit=("unit", "first"), P=("P", "sum"), Pt=("Pt", "sum"), Pt_nan=("Pt_nan", "any"))
    )
    p.loc[p["Pt_nan"], "Pt"] = np.nan
    pc, pt, pk = (p[x].to_numpy(dtype=np.int64) for x in ("c", "t", "k"))
    P, Pt = p["P"].to_numpy(), p["Pt"].to_numpy()
    ct = pc * nt + pt
    W = np.bincount(ct, weights=P, minlength=nc * nt)
    conv = np.bincount(ct, weights=np.isnan(Pt), minlength=nc * nt) == 0
    unit = np.full(nc * nt, None, dtype=object)
    unit[ct] = p["unit"].to_numpy()
    gov, _ = _year_table(
        governance_eu.assign(risk=10.0 * governance_eu["risk"]).rename(columns={"risk": "g"}), "g", ki, yi
    )
    s = _div(P, W[ct])
    hhi = np.bincount(ct, weights=s * s, minlength=nc * nt)
    hhi_g = np.bincount(ct, weights=s * s * gov[pt, pk], minlength=nc * nt)
    order = np.lexsort((pk, -P, ct))
    first = order[np.r_[True, ct[order][1:] != ct[order][:-1]]]
    top_k = np.full(nc * nt, -1)
    top_k[ct[first]] = pk[first]
    top_p = np.zeros(nc * nt)
    top_p[ct[first]] = P[first]
    Pt0 = np.nan_to_num(Pt)
    # every country's production in tonnes (missing 0), for the single-country import reliance
    pk_t = np.bincount(ct * nk + pk, weights=Pt0, minlength=nc * nt * nk)

    # ---- production of the homes -------------------------------------------------------------------
    pm = pd.DataFrame({"i": np.arange(len(pk)), "k": pk}).merge(mem, on="k")
    r, h = pm["i"].to_numpy(), pm["h"].to_numpy(dtype=np.int64)
    key = cube(pc[r], h, pt[r])
    PH = csum(key, P[r])
    PHt = csum(key, Pt0[r])
    src_members = csum(key, Pt0[r] ** 2 * gov[pt[r], pk[r]])

    # ---- trade rows: (commodity, year, exporter, importer), i != j --------------------------------
    prod_codes = pd.Index(np.sort(chs["product"].astype(str).unique()))
    tr = trade.loc[trade["year"].isin(yi) & (trade["exporter"] != trade["importer"])]
    tr = pd.DataFrame(
        {
            "pc": prod_codes.get_indexer(tr["product"].astype(str)),
            "t": yi.get_indexer(tr["year"]),
            "i": ki.get_indexer(tr["exporter"]),
            "j": ki.get_indexer(tr["importer"]),
            "v": tr["value"].to_numpy(dtype=float),
            "q": tr["quantity"].to_numpy(dtype=float),
        }
    )
    tr = tr.loc[(tr["pc"] >= 0) & (tr["i"] >= 0) & (tr["j"] >= 0)]
    hs = pd.DataFrame({"pc": prod_codes.get_indexer(chs["product"]), "c": ci.get_indexer(chs["commodity"])})
    f = tr.merge(hs, on="pc")
    fc, ft, fi, fj = (f[x].to_numpy(dtype=np.int64) for x in ("c", "t", "i", "j"))
    fv, fq_raw = f["v"].to_numpy(), f["q"].to_numpy()
    has_q = ~np.isnan(fq_raw)
    fq = np.where(has_q, fq_raw, 0.0)
    fct = fc * nt + ft
    has_trade = np.bincount(fct, minlength=nc * nt) > 0
    world_flows = np.bincount(fct, weights=fq, minlength=nc * nt)
    # single-country import reliance IR_j (NaN -> 0), dense (commodity, year, country)
    m_j = np.bincount(fct * nk + fj, weights=fq, minlength=nc * nt * nk)
    x_j = np.bincount(fct * nk + fi, weights=fq, minlength=nc * nt * nk)
    pj_t = np.where(np.repeat(conv, nk), pk_t, np.nan)
    ir_j = np.nan_to_num(_reliance(pj_t, m_j, x_j), nan=0.0)

    # imports of the members (home through the importer)
    fm = pd.DataFrame({"r": np.arange(len(fj)), "k": fj}).merge(mem, on="k")
    r, h = fm["r"].to_numpy(), fm["h"].to_numpy(dtype=np.int64)
    key = cube(fc[r], h, ft[r])
    Q = csum(key, fq[r])
    border = ~member[h, fi[r]]
    intra = csum(key[~border], fq[r][~border])
    rb, kb = r[border], key[border]
    M = csum(kb, fq[rb])
    v_q = csum(kb, np.where(has_q[rb], fv[rb], 0.0))
    v_nq = csum(kb, np.where(has_q[rb], 0.0, fv[rb]))
    # border partners: (cube, partner) sums
    pkey = kb * nk + fi[rb]
    part = pd.Series(fq[rb]).groupby(pkey).sum()
    pkey, pq = part.index.to_numpy(dtype=np.int64), part.to_numpy()
    pcube, ppart = pkey // nk, pkey % nk
    pyear = pcube % nt
    w, w_imputed = _year_table(data.instability, "instability", ki, yi)
    q2 = csum(pcube, pq * pq)
    numerator = csum(pcube, pq * w[pyear, ppart])
    imputed_q = csum(pcube, pq * w_imputed[pyear, ppart])
    src_partners = csum(pcube, pq * pq * gov[pyear, ppart])
    order = np.lexsort((ppart, -pq, pcube))
    first = order[np.r_[True, pcube[order][1:] != pcube[order][:-1]]] if len(order) else order
    top_partner = np.full(ncube, -1)
    top_partner[pcube[first]] = ppart[first]
    top_q = np.zeros(ncube)
    top_q[pcube[first]] = pq[first]

    # exports of the members (home through the exporter) to importers outside the home
    fx = pd.DataFrame({"r": np.arange(len(fi)), "k": fi}).merge(mem, on="k")
    r, h = fx["r"].to_numpy(), fx["h"].to_numpy(dtype=np.int64)
    out = ~member[h, fj[r]]
    r, h = r[out], h[out]
    key = cube(fc[r], h, ft[r])
    X = csum(key, fq[r])
    D_num = csum(key, fq[r] * ir_j[fct[r] * nk + fj[r]])

    # ---- assemble the cube (commodity, home, year) and keep the rows with production -------------
    cc, hh, tt = (a.ravel() for a in np.meshgrid(np.arange(nc), np.arange(nh), np.arange(nt), indexing="ij"))
    cct = cc * nt + tt
    keep = W[cct] > 0
    tr_ = has_trade[cct]
    nan = np.nan
    world = W[cct]
    hp_t = np.where(conv[cct], PHt, nan)
    imports = np.where(tr_, M, nan)
    exports = np.where(tr_, X, nan)
    ir = np.where(tr_, _reliance(hp_t, M, X), nan)
    has_m = tr_ & (M > 0)
    denom = Q + hp_t
    ok = tr_ & (denom > 0)
    import_risk = np.where(ok, _div(numerator, denom), nan)
    geopolrisk = hhi[cct] * import_risk
    price = np.where(ok, _div(v_q, M), nan)
    src_total = hp_t + M
    hhi_src = np.where(tr_ & ~np.isnan(ir), _div(src_members + src_partners, src_total**2), nan)
    eol = com["eol_rir"].to_numpy(dtype=float)[cc]
    si = np.ones(ncube)
    hg = hhi_g[cct]
    supply_risk = np.where(
        np.isnan(ir), hg * (1 - eol) * si, (hg * ir / 2 + hhi_src * (1 - ir / 2)) * (1 - eol) * si
    )
    t_h = world_flows[cct] - intra
    share = PH / np.where(world > 0, world, nan)
    D = np.where(tr_, _div(D_num, t_h), nan)
    k_names = ki.to_numpy(dtype=object)
    tp = top_partner
    res = {
        "commodity": ci.to_numpy(dtype=object)[cc],
        "category": com["category"].to_numpy(dtype=object)[cc],
        "stage": com["stage"].to_numpy(dtype=object)[cc],
        "home": hi.to_numpy(dtype=object)[hh],
        "year": yi.to_numpy(dtype=np.int64)[tt],
        "unit": unit[cct],
        "world_production": world,
        "hhi_production": hhi[cct],
        "top_producer": np.where(top_k[cct] >= 0, k_names[top_k[cct]], None),
        "top_producer_share": top_p[cct] / np.where(world > 0, world, nan),
        "home_production": PH,
        "home_production_share": share,
        "home_production_t": hp_t,
        "imports_t": imports,
        "exports_t": exports,
        "apparent_consumption_t": np.where(tr_, hp_t + M - X, nan),
        "import_reliance": ir,
        "partner_hhi": np.where(has_m, _div(q2, M * M), nan),
        "top_partner": np.where(has_m & (tp >= 0), k_names[np.maximum(tp, 0)], None),
        "top_partner_share": np.where(has_m, _div(top_q, M), nan),
        "import_risk": import_risk,
        "geopolrisk": geopolrisk,
        "price_usd_per_kg": price,
        "characterization_factor": geopolrisk * price,
        "wgi_imputed_share": np.where(has_m, _div(imputed_q, M), nan),
        "value_without_quantity_share": np.where(tr_, _div(v_nq, v_q + v_nq), nan),
        "hhi_wgi_global": hg,
        "hhi_wgi_sourcing": hhi_src,
        "eol_rir": eol,
        "substitution_index": si,
        "supply_risk_eu": supply_risk,
        "home_export_share": np.where(tr_, _div(X, t_h), nan),
        "reliance_weighted_export_share": D,
        "leverage": np.where(tr_, (share + D) / 2, share),
        "coverage": np.where(tr_, WITH_TRADE, WITHOUT_TRADE).astype(object),
    }
    return pd.DataFrame({c: v[keep] for c, v in res.items()}, columns=COLUMNS)


def compare(ours: pd.DataFrame, ref: pd.DataFrame, limit: int = 20) -> list[str]:
    """The differences between two indicator frames (empty: equal), at most ``limit`` rows per column."""
    problems: list[str] = []
    if list(ours.columns) != COLUMNS:
        problems.append(f"chokepoint columns differ from the specification: {list(ours.columns)}")
    if len(ours) != len(ref):
        a = set(map(tuple, ours[KEY_COLUMNS].astype(str).to_numpy()))
        b = set(map(tuple, ref[KEY_COLUMNS].astype(str).to_numpy()))
        problems.append(
            f"row count {len(ours)} (chokepoint) != {len(ref)} (pandas); only in chokepoint: "
            f"{sorted(a - b)[:5]}; only in pandas: {sorted(b - a)[:5]}"
        )
        return problems
    ours = ours.reset_index(drop=True)
    ref = ref.reset_index(drop=True)
    same_keys = np.logical_and.reduce(
        [ours[k].astype(str).to_numpy() == ref[k].astype(str).to_numpy() for k in KEY_COLUMNS]
    )
    if not same_keys.all():
        n = int(np.flatnonzero(~same_keys)[0])
        problems.append(
            f"rows are not the same or not in the same order: row {n} is "
            f"{ours.loc[n, KEY_COLUMNS].tolist()} (chokepoint), {ref.loc[n, KEY_COLUMNS].tolist()} (pandas)"
        )
        return problems
    missing = "\x00<missing>"
    for col in COLUMNS:
        if col not in ours.columns:
            continue
        a, b = ours[col], ref[col]
        if pd.api.types.is_numeric_dtype(b) and col != "year":
            x = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float)
            y = b.to_numpy(dtype=float)
            try:
                np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True)
                continue
            except AssertionError:
                with np.errstate(invalid="ignore"):
                    bad = ~(np.isclose(x, y, rtol=1e-9, atol=1e-12) | (np.isnan(x) & np.isnan(y)))
        else:
            x = a.astype(object).where(a.notna(), missing).astype(str).to_numpy()
            y = b.astype(object).where(b.notna(), missing).astype(str).to_numpy()
            bad = x != y
            if not bad.any():
                continue
        idx = np.flatnonzero(bad)
        problems.append(f"{col}: {len(idx)} rows differ")
        problems.extend(
            f"    {ref.loc[n, KEY_COLUMNS].tolist()}: chokepoint={x[n]!r} pandas={y[n]!r}"
            for n in idx[:limit]
        )
    return problems


def best_of(repeat: int, fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """The best wall time of ``repeat`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> int:
    """Run the comparison and the timings; 1 when the two implementations differ."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "materials")
    ap.add_argument("--years", default="2018-2024", help="FIRST-LAST or one year")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--time-anyway", action="store_true", help="time both even when they differ (exit code still 1)"
    )
    args = ap.parse_args()
    first, _, last = args.years.partition("-")
    years = list(range(int(first), int(last or first) + 1))

    from chokepoint.datasets.governance import wgi_frame
    from chokepoint.io.materials_files import read_materials_dir
    from chokepoint.materials import indicators as mi

    t0 = time.perf_counter()
    data = read_materials_dir(args.data)
    t_read = time.perf_counter() - t0
    wgi = wgi_frame("wgi")
    if hasattr(mi, "eu_governance_table"):
        governance = mi.eu_governance_table(wgi, years)
        source = "chokepoint.materials.indicators.eu_governance_table(wgi_frame('wgi'), years)"
    else:
        governance = eu_governance(wgi, years)
        source = "bench_materials.eu_governance(wgi_frame('wgi'), years)"

    ours = mi.materials_indicators(data, homes=None, years=years, governance_eu=governance)
    ref = pandas_indicators(data, homes=None, years=years, governance_eu=governance)
    problems = compare(ours, ref)
    print(f"data {args.data} read in {t_read:.2f} s; years {years[0]}-{years[-1]}; governance: {source}")
    if problems:
        print("RESULTS DIFFER:")
        print("\n".join(problems))
        if not args.time_anyway:
            return 1
    else:
        print(f"results equal: {len(ref):,} rows x {len(COLUMNS)} columns (rtol 1e-9, atol 1e-12)")

    t_ours, _ = best_of(args.repeat, mi.materials_indicators, data, None, years, governance)
    t_ref, _ = best_of(args.repeat, pandas_indicators, data, None, years, governance)
    tracemalloc.start()
    mi.materials_indicators(data, homes=None, years=years, governance_eu=governance)
    _, peak_ours = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    pandas_indicators(data, homes=None, years=years, governance_eu=governance)
    _, peak_ref = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n_homes, n_com = ref["home"].nunique(), ref["commodity"].nunique()
    print(f"rows {len(ref):,} ({n_com} commodities with production x {n_homes} homes x their years)")
    print(f"chokepoint materials_indicators (best of {args.repeat}): {t_ours:8.3f} s")
    print(f"pandas reference (best of {args.repeat}):                {t_ref:8.3f} s")
    print(f"ratio pandas / chokepoint:                       {t_ref / t_ours:8.2f}x (target >= 3x)")
    print(f"total, read + chokepoint indicators:             {t_read + t_ours:8.3f} s (target < 3 s)")
    print(
        f"peak memory: process resident {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB; "
        f"traced Python/numpy allocations during one call: chokepoint {peak_ours / 2**20:.0f} MB "
        f"(duckdb's own memory not traced), pandas {peak_ref / 2**20:.0f} MB"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
