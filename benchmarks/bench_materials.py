"""Benchmark: raw-material indicators (issue 19), chokepoint (duckdb) against two pandas references.

Usage::

    python benchmarks/bench_materials.py                          # tests/data/materials, 2018-2024
    python benchmarks/bench_materials.py --data ../shared/data/raw-materials --repeat 5

Reads the materials folder once (``read_materials_dir``), builds the EU governance table from the bundled
six-dimension WGI table, computes every indicator for every importing country (``homes=None``) and every
year with ``chokepoint.materials.indicators.materials_indicators`` and with two independent references
written from the specification: :func:`pandas_groupby_indicators` (plain pandas: merges, named
``groupby().agg``, sorts; the baseline of the speed target) and :func:`numpy_grid_indicators` (tuned:
integer codes and ``np.bincount`` over a dense commodity x home x year grid). Checks that both agree with
the implementation (same rows in the same order, numbers to ``rtol=1e-9, atol=1e-12``, strings equal;
exit code 1 otherwise), then times all three (best of ``--repeat``) and prints both ratios, the total
read + indicators time and the peak memory.
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

from chokepoint.materials.indicators import COLUMNS as INDICATOR_COLUMNS

ROOT = Path(__file__).resolve().parents[1]

#: Output columns, in order: the interface of issue 19 (names only; the reference computes its own values).
COLUMNS = list(INDICATOR_COLUMNS)
KEY_COLUMNS = ["commodity", "home", "year"]
#: The four coverage labels (decision 4 of the specification).
WITH_TRADE = "production and trade"
WITH_TRADE_NOT_TONNES = (
    "production and trade; production not in tonnes: import reliance and GeoPolRisk unknown"
)
NO_HS_CODE = "production only (no trade data)"
NO_FLOWS = "production only (no trade flows this year)"
#: Relative tolerance on M - X: a home is a net importer only when (M - X) > NET_RTOL * (M + X).
NET_RTOL = 1e-9


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
    """clip((M - X) / (P + M - X), 0, 1) for a net importer; 0 otherwise; NaN when P is NaN.

    A net importer has (M - X) > NET_RTOL * (M + X) (decision 5: sums of equal flows taken in another
    order differ in the last bits).
    """
    net = m - x
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.clip(net / (p_t + net), 0.0, 1.0)
    r = np.where(net > NET_RTOL * (m + x), r, 0.0)
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
    # decision 1: identical repeats count once; a country with two different values for a year is
    # ambiguous and has no score (it takes the median)
    f = f.drop_duplicates().drop_duplicates(["iso3", "year"], keep=False)
    median = f.groupby("year")[column].median().reindex(years).to_numpy(dtype=float)
    table = np.full((len(years), len(countries)), np.nan)
    k = countries.get_indexer(f["iso3"])
    known = k >= 0
    table[years.get_indexer(f["year"])[known], k[known]] = f[column].to_numpy(dtype=float)[known]
    imputed = np.isnan(table)
    return np.where(imputed, median[:, None], table), imputed


def numpy_grid_indicators(
    data: Any,
    homes: Mapping[str, Sequence[str]] | None = None,
    years: Iterable[int] | None = None,
    governance_eu: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every raw-material indicator of issue 19, one row per (commodity, home, year): tuned numpy grids.

    An independent reference for ``chokepoint.materials.indicators.materials_indicators``: no loop over
    rows, flows, countries, homes or columns. Countries, commodities, homes and years become integer
    codes in alphabetical order; per-(commodity, home, year) sums are ``np.bincount`` over a dense cube
    whose flat index ``(commodity * n_homes + home) * n_years + year`` is already the output order; the
    homes reach the flows through one (home, iso3) membership table merged onto them.

    Readings of the specification where it leaves a choice, and the decisions of 07:10 and 07:25:

    * "trade data" for (commodity, year): at least one BACI row (exporter != importer) of one of the
      commodity's HS codes that year; a BACI row without quantity is left out of the quantity sums
      row by row (its value counts in ``value_without_quantity_share``);
    * import_risk and geopolrisk are NaN when Q_H + home_production_t is 0 or NaN (so NaN for a
      volume unit such as natural gas); price_usd_per_kg is computed whenever there is trade data and
      the border imports have a quantity, whatever the unit (decision 2);
    * shares over an empty total are NaN: partner_hhi, top partner and wgi_imputed_share when
      M_H = 0, value_without_quantity_share without border import rows, hhi_wgi_sourcing when
      home_production_t + M_H = 0; supply_risk_eu takes the global-only form whenever
      hhi_wgi_sourcing is NaN (decision 3);
    * a net importer has (M - X) > 1e-9 (M + X) (decision 5), for the home and for every IR_j;
    * a country listed twice for a year in the instability or governance table counts once when the
      values agree and not at all when they differ (decision 1; the reader already does this);
    * four coverage labels (decision 4);
    * reliance_weighted_export_share is NaN when the unit is not tonnes, and leverage is then the
      production share alone (decision 6, 07:25);
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
    has_hs = ci.isin(chs["commodity"])
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
    price = np.where(tr_, _div(v_q, M), nan)
    src_total = hp_t + M
    hhi_src = np.where(tr_ & ~np.isnan(ir), _div(src_members + src_partners, src_total**2), nan)
    eol = com["eol_rir"].to_numpy(dtype=float)[cc]
    si = np.ones(ncube)
    hg = hhi_g[cct]
    supply_risk = np.where(
        np.isnan(hhi_src), hg * (1 - eol) * si, (hg * ir / 2 + hhi_src * (1 - ir / 2)) * (1 - eol) * si
    )
    t_h = world_flows[cct] - intra
    share = PH / np.where(world > 0, world, nan)
    # decision 6: D needs the importers' production in tonnes
    with_d = tr_ & conv[cct]
    D = np.where(with_d, _div(D_num, t_h), nan)
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
        "leverage": np.where(with_d, (share + D) / 2, share),
        "coverage": np.select(
            [tr_ & conv[cct], tr_, has_hs[cc]], [WITH_TRADE, WITH_TRADE_NOT_TONNES, NO_FLOWS], NO_HS_CODE
        ).astype(object),
    }
    return pd.DataFrame({c: v[keep] for c, v in res.items()}, columns=COLUMNS)


#: Short alias of the tuned reference (its former name).
pandas_indicators = numpy_grid_indicators


def _scores(frame: pd.DataFrame, column: str, name: str) -> tuple[pd.DataFrame, pd.Series]:
    """(iso3, year, name) scores by the rule of decision 1, and each year's median of them."""
    f = frame.loc[frame[column].notna(), ["iso3", "year", column]].drop_duplicates()
    f = f.loc[~f.duplicated(["iso3", "year"], keep=False)].rename(columns={column: name})
    return f, f.groupby("year")[name].median()


def pandas_groupby_indicators(
    data: Any,
    homes: Mapping[str, Sequence[str]] | None = None,
    years: Iterable[int] | None = None,
    governance_eu: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every raw-material indicator of issue 19, written the way an analyst would with plain pandas.

    The second independent reference, and the baseline of the speed target: merges of the flows with
    the HS map and the (home, iso3) membership table, ``groupby().agg`` with named aggregations, left
    merges of the per-(commodity, home, year) tables onto the base grid, a sort for the top producer
    and the top partner. Vectorized (no Python loop over rows, flows, countries or homes, no
    ``apply``), but without the integer codes and dense grids of :func:`numpy_grid_indicators`. It
    reads the specification the same way (see that docstring: the decisions of 07:10 and 07:25).
    """
    keys = ["commodity", "home", "year"]
    production: pd.DataFrame = data.production
    trade: pd.DataFrame = data.trade
    yrs = sorted({int(y) for y in (years if years is not None else production["year"].unique())})
    if governance_eu is None:
        from chokepoint.datasets.governance import wgi_frame

        governance_eu = eu_governance(wgi_frame("wgi"), yrs)
    com = data.commodities.drop_duplicates("commodity")[["commodity", "category", "stage", "eol_rir"]]
    chs = data.commodity_hs[["commodity", "product"]].drop_duplicates()
    chs = chs.loc[chs["commodity"].isin(com["commodity"])]

    # homes and their members
    if homes is None:
        names = sorted(trade.loc[trade["product"].isin(chs["product"]), "importer"].dropna().unique())
        members = pd.DataFrame({"home": names, "iso3": names}, dtype=object)
    else:
        names = sorted(str(h) for h in homes)
        members = (
            pd.Series({str(h): list(m) for h, m in homes.items()}, dtype=object)
            .explode()
            .dropna()
            .rename_axis("home")
            .rename("iso3")
            .reset_index()
            .astype(str)
            .drop_duplicates()
        )
    members = members.astype({"home": object, "iso3": object})

    # scores: instability w (GeoPolRisk) and EU governance g (0-10), missing -> the year's median
    inst, inst_median = _scores(data.instability, "instability", "w")
    gov, gov_median = _scores(governance_eu.assign(g=10.0 * governance_eu["risk"]), "g", "g")

    # ---- production ---------------------------------------------------------------------------
    p = production.loc[
        production["production"].notna()
        & production["year"].isin(yrs)
        & production["commodity"].isin(com["commodity"])
    ]
    p = p.groupby(["commodity", "year", "iso3"], as_index=False).agg(
        unit=("unit", "first"),
        P=("production", "sum"),
        Pt=("production_t", "sum"),
        n_t=("production_t", "count"),
        n=("production", "size"),
    )
    p["Pt"] = p["Pt"].where(p["n_t"] == p["n"])
    p["W"] = p.groupby(["commodity", "year"])["P"].transform("sum")
    p["s2"] = (p["P"] / p["W"]) ** 2
    p = p.merge(gov, on=["iso3", "year"], how="left")
    p["g"] = p["g"].fillna(p["year"].map(gov_median))
    p["s2g"] = p["s2"] * p["g"]
    world = p.groupby(["commodity", "year"], as_index=False).agg(
        unit=("unit", "first"),
        world_production=("P", "sum"),
        hhi_production=("s2", "sum"),
        hhi_wgi_global=("s2g", "sum"),
        n_t=("n_t", "sum"),
        n=("n", "sum"),
    )
    world["convertible"] = world["n_t"] == world["n"]
    top = (
        p.sort_values(["commodity", "year", "P", "iso3"], ascending=[True, True, False, True])
        .drop_duplicates(["commodity", "year"])
        .rename(columns={"iso3": "top_producer", "P": "top_P"})[
            ["commodity", "year", "top_producer", "top_P"]
        ]
    )
    world = world.loc[world["world_production"] > 0].merge(top, on=["commodity", "year"])
    p["Pt0"] = p["Pt"].fillna(0.0)
    p["src"] = p["Pt0"] ** 2 * p["g"]
    home_prod = (
        p.merge(members, on="iso3")
        .groupby(keys, as_index=False)
        .agg(home_production=("P", "sum"), hp_t=("Pt0", "sum"), src_members=("src", "sum"))
    )

    # ---- flows: BACI rows of the commodities' HS codes, i != j ----------------------------------
    flows = trade.loc[
        trade["year"].isin(yrs) & (trade["exporter"] != trade["importer"]),
        ["year", "exporter", "importer", "product", "value", "quantity"],
    ].merge(chs, on="product")
    flows = flows.astype({"exporter": object, "importer": object})
    has_q = flows["quantity"].notna()
    flows["q"] = flows["quantity"].fillna(0.0)
    flows["v_q"] = flows["value"].where(has_q, 0.0)
    flows["v_nq"] = flows["value"].where(~has_q, 0.0)
    per_year = flows.groupby(["commodity", "year"], as_index=False).agg(
        n_flows=("q", "size"), world_flows=("q", "sum")
    )

    # single-country import reliance IR_j of every importer (NaN -> 0), for the leverage
    m_j = (
        flows.groupby(["commodity", "year", "importer"])["q"]
        .sum()
        .rename("m")
        .rename_axis(index={"importer": "iso3"})
    )
    x_j = (
        flows.groupby(["commodity", "year", "exporter"])["q"]
        .sum()
        .rename("x")
        .rename_axis(index={"exporter": "iso3"})
    )
    ir_j = pd.concat([m_j, x_j], axis=1).fillna(0.0).reset_index()
    ir_j = ir_j.merge(p[["commodity", "year", "iso3", "Pt0"]], on=["commodity", "year", "iso3"], how="left")
    ir_j = ir_j.merge(world[["commodity", "year", "convertible"]], on=["commodity", "year"], how="left")
    pj_t = ir_j["Pt0"].fillna(0.0).where(ir_j["convertible"].fillna(True).astype(bool))
    net = ir_j["m"] - ir_j["x"]
    ir_j["ir_j"] = (
        (net / (pj_t + net)).clip(0.0, 1.0).where(net > NET_RTOL * (ir_j["m"] + ir_j["x"]), 0.0).fillna(0.0)
    )
    ir_j = ir_j.rename(columns={"iso3": "importer"})[["commodity", "year", "importer", "ir_j"]]

    # imports of the members (home through the importer); border = exporter outside the home
    inside = members.assign(inside=True)
    imp = flows.merge(members.rename(columns={"iso3": "importer"}), on="importer")
    imp = imp.merge(inside.rename(columns={"iso3": "exporter"}), on=["home", "exporter"], how="left")
    border = imp["inside"].isna()
    imp["q_border"] = imp["q"].where(border, 0.0)
    imp["q_intra"] = imp["q"].where(~border, 0.0)
    imp["v_q"] = imp["v_q"].where(border, 0.0)
    imp["v_nq"] = imp["v_nq"].where(border, 0.0)
    imports = imp.groupby(keys, as_index=False).agg(
        Q=("q", "sum"),
        intra=("q_intra", "sum"),
        M=("q_border", "sum"),
        v_q=("v_q", "sum"),
        v_nq=("v_nq", "sum"),
    )
    part = imp.loc[border].groupby([*keys, "exporter"], as_index=False).agg(pq=("q", "sum"))
    part = part.merge(inst.rename(columns={"iso3": "exporter"}), on=["exporter", "year"], how="left")
    part = part.merge(gov.rename(columns={"iso3": "exporter"}), on=["exporter", "year"], how="left")
    imputed = part["w"].isna()
    part["w"] = part["w"].fillna(part["year"].map(inst_median))
    part["g"] = part["g"].fillna(part["year"].map(gov_median))
    part["pq2"] = part["pq"] ** 2
    part["pqw"] = part["pq"] * part["w"]
    part["pq_imputed"] = part["pq"].where(imputed, 0.0)
    part["pq2g"] = part["pq2"] * part["g"]
    partners = part.groupby(keys, as_index=False).agg(
        q2=("pq2", "sum"),
        numerator=("pqw", "sum"),
        imputed_q=("pq_imputed", "sum"),
        src_partners=("pq2g", "sum"),
    )
    top_partner = (
        part.sort_values([*keys, "pq", "exporter"], ascending=[True, True, True, False, True])
        .drop_duplicates(keys)
        .rename(columns={"exporter": "top_partner", "pq": "top_q"})[[*keys, "top_partner", "top_q"]]
    )

    # exports of the members (home through the exporter) to importers outside the home
    exp = flows.merge(members.rename(columns={"iso3": "exporter"}), on="exporter")
    exp = exp.merge(inside.rename(columns={"iso3": "importer"}), on=["home", "importer"], how="left")
    exp = exp.loc[exp["inside"].isna()].merge(ir_j, on=["commodity", "year", "importer"], how="left")
    exp["q_ir"] = exp["q"] * exp["ir_j"].fillna(0.0)
    exports = exp.groupby(keys, as_index=False).agg(X=("q", "sum"), D_num=("q_ir", "sum"))

    # ---- the base grid: commodity x home x year with world production > 0 ----------------------
    r = (
        world.merge(pd.DataFrame({"home": pd.Series(names, dtype=object)}), how="cross")
        .merge(com, on="commodity")
        .merge(per_year, on=["commodity", "year"], how="left")
    )
    for t in (home_prod, imports, partners, top_partner, exports):
        r = r.merge(t, on=keys, how="left")
    r = r.sort_values(keys).reset_index(drop=True)
    zero = ["home_production", "hp_t", "src_members", "Q", "intra", "M", "v_q", "v_nq", "q2"]
    zero += ["numerator", "imputed_q", "src_partners", "X", "D_num", "world_flows", "top_q"]
    r[zero] = r[zero].fillna(0.0)

    tr = r["n_flows"].fillna(0) > 0
    conv = r["convertible"]
    world_p = r["world_production"]
    hp_t = r["hp_t"].where(conv)
    M, X = r["M"], r["X"]
    net = M - X
    ir = ((net / (hp_t + net)).clip(0.0, 1.0).where(net > NET_RTOL * (M + X), 0.0)).where(hp_t.notna() & tr)
    has_m = tr & (M > 0)
    denom = r["Q"] + hp_t
    import_risk = (r["numerator"] / denom).where(tr & (denom > 0))
    geopolrisk = r["hhi_production"] * import_risk
    price = (r["v_q"] / M).where(tr & (M != 0))
    src_total = hp_t + M
    hhi_src = ((r["src_members"] + r["src_partners"]) / src_total**2).where(
        tr & ir.notna() & (src_total != 0)
    )
    eol = r["eol_rir"].astype(float)
    si = pd.Series(1.0, index=r.index)
    hg = r["hhi_wgi_global"]
    supply_risk = ((hg * ir / 2 + hhi_src * (1 - ir / 2)) * (1 - eol) * si).where(
        hhi_src.notna(), hg * (1 - eol) * si
    )
    t_h = r["world_flows"] - r["intra"]
    share = r["home_production"] / world_p
    with_d = tr & conv  # decision 6: D needs the importers' production in tonnes
    d = (r["D_num"] / t_h).where(with_d & (t_h != 0))
    v_all = r["v_q"] + r["v_nq"]
    has_hs = r["commodity"].isin(chs["commodity"])
    coverage = pd.Series(NO_HS_CODE, index=r.index, dtype=object)
    coverage[has_hs] = NO_FLOWS
    coverage[tr] = WITH_TRADE_NOT_TONNES
    coverage[tr & conv] = WITH_TRADE
    out = pd.DataFrame(
        {
            "commodity": r["commodity"],
            "category": r["category"],
            "stage": r["stage"],
            "home": r["home"],
            "year": r["year"].astype(np.int64),
            "unit": r["unit"],
            "world_production": world_p,
            "hhi_production": r["hhi_production"],
            "top_producer": r["top_producer"],
            "top_producer_share": r["top_P"] / world_p,
            "home_production": r["home_production"],
            "home_production_share": share,
            "home_production_t": hp_t,
            "imports_t": M.where(tr),
            "exports_t": X.where(tr),
            "apparent_consumption_t": (hp_t + net).where(tr),
            "import_reliance": ir,
            "partner_hhi": (r["q2"] / M**2).where(has_m),
            "top_partner": r["top_partner"].where(has_m, None),
            "top_partner_share": (r["top_q"] / M).where(has_m),
            "import_risk": import_risk,
            "geopolrisk": geopolrisk,
            "price_usd_per_kg": price,
            "characterization_factor": geopolrisk * price,
            "wgi_imputed_share": (r["imputed_q"] / M).where(has_m),
            "value_without_quantity_share": (r["v_nq"] / v_all).where(tr & (v_all != 0)),
            "hhi_wgi_global": hg,
            "hhi_wgi_sourcing": hhi_src,
            "eol_rir": eol,
            "substitution_index": si,
            "supply_risk_eu": supply_risk,
            "home_export_share": (X / t_h).where(tr & (t_h != 0)),
            "reliance_weighted_export_share": d,
            "leverage": ((share + d) / 2).where(with_d, share),
            "coverage": coverage,
        },
        columns=COLUMNS,
    )
    return out


def compare(ours: pd.DataFrame, ref: pd.DataFrame, name: str = "reference", limit: int = 20) -> list[str]:
    """The differences between two indicator frames (empty: equal), at most ``limit`` rows per column."""
    problems: list[str] = []
    if list(ours.columns) != COLUMNS:
        problems.append(f"chokepoint columns differ from the specification: {list(ours.columns)}")
    if list(ref.columns) != COLUMNS:
        problems.append(f"{name} columns differ from the specification: {list(ref.columns)}")
    if len(ours) != len(ref):
        a = set(map(tuple, ours[KEY_COLUMNS].astype(str).to_numpy()))
        b = set(map(tuple, ref[KEY_COLUMNS].astype(str).to_numpy()))
        problems.append(
            f"row count {len(ours)} (chokepoint) != {len(ref)} ({name}); only in chokepoint: "
            f"{sorted(a - b)[:5]}; only in {name}: {sorted(b - a)[:5]}"
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
            f"{ours.loc[n, KEY_COLUMNS].tolist()} (chokepoint), {ref.loc[n, KEY_COLUMNS].tolist()} ({name})"
        )
        return problems
    missing = "\x00<missing>"
    for col in COLUMNS:
        if col not in ours.columns or col not in ref.columns:
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
            f"    {[str(v) for v in ref.loc[n, KEY_COLUMNS].tolist()]}: chokepoint={x[n]!r} {name}={y[n]!r}"
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
    """Run the comparisons and the timings; 1 when a reference differs from the implementation."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "materials")
    ap.add_argument("--years", default="2018-2024", help="FIRST-LAST or one year")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--time-anyway", action="store_true", help="time all three even when they differ (exit code still 1)"
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
    print(f"data {args.data} read in {t_read:.2f} s; years {years[0]}-{years[-1]}; governance: {source}")

    references = {
        "groupby-pandas": pandas_groupby_indicators,
        "numpy-grid": numpy_grid_indicators,
    }
    ours = mi.materials_indicators(data, homes=None, years=years, governance_eu=governance)
    failed = False
    for name, fn in references.items():
        problems = compare(ours, fn(data, homes=None, years=years, governance_eu=governance), name)
        if problems:
            failed = True
            print(f"RESULTS DIFFER: chokepoint against {name}:")
            print("\n".join(problems))
        else:
            print(
                f"results equal, chokepoint and {name}: {len(ours):,} rows x {len(COLUMNS)} columns "
                "(rtol 1e-9, atol 1e-12)"
            )
    if failed and not args.time_anyway:
        return 1

    t_ours, _ = best_of(args.repeat, mi.materials_indicators, data, None, years, governance)
    times = {
        name: best_of(args.repeat, fn, data, None, years, governance)[0] for name, fn in references.items()
    }
    peaks = {}
    for name, fn in {"chokepoint": mi.materials_indicators, **references}.items():
        tracemalloc.start()
        fn(data, None, years, governance)
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    n_homes, n_com = ours["home"].nunique(), ours["commodity"].nunique()
    total = t_read + t_ours
    print(f"rows {len(ours):,} ({n_com} commodities with production x {n_homes} homes x their years)")
    print(f"chokepoint materials_indicators (best of {args.repeat}): {t_ours:8.3f} s")
    for name, t in times.items():
        target = " (target >= 3x)" if name == "groupby-pandas" else ""
        print(
            f"{name + ' reference':<26} (best of {args.repeat}): {t:8.3f} s  ratio {t / t_ours:6.2f}x{target}"
        )
    print(
        f"total, read {t_read:.3f} s + chokepoint {t_ours:.3f} s: {total:8.3f} s: "
        f"{'under' if total < 3 else 'NOT under'} 3 s"
    )
    print(
        f"peak memory: process resident {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB; "
        "traced Python/numpy allocations during one call: "
        + ", ".join(f"{k} {v / 2**20:.0f} MB" for k, v in peaks.items())
        + " (duckdb's own memory not traced)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
