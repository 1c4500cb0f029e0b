r"""Raw-material indicators per commodity, home economy and year, all at once (duckdb).

For commodity :math:`c`, year :math:`t` and a home economy :math:`H` (a country, or a group
such as EU27 given by its members), with country production :math:`P_k` (world
:math:`W = \sum_k P_k`, shares :math:`s_k = P_k / W`) and bilateral flows
:math:`f(i \to j)` in tonnes (the commodity's HS92 codes summed, :math:`i \ne j`; flows
without a quantity are left out of quantity sums and their value share reported):

* **supply concentration** :math:`HHI = \sum_k s_k^2`, top producer and share, home share
  :math:`P_H / W`;
* **import reliance** (border flows: :math:`M_H = \sum_{i \notin H, j \in H} f`,
  :math:`X_H = \sum_{i \in H, j \notin H} f`; apparent consumption
  :math:`AC = P_H + M_H - X_H`, production in tonnes):
  :math:`IR = \operatorname{clip}((M_H - X_H) / AC, 0, 1)` (0 for a net exporter); partner
  shares :math:`m_p = f(p \to H) / M_H` and their HHI;
* **GeoPolRisk** (Gemechu, Helbig, Sonnemann, Thorenz and Tuma 2016, *J. Industrial Ecology*
  20(1):154-165; Koyamparambath et al. 2024, *JOSS* 9(95)):

  .. math:: GPR = HHI \cdot \frac{\sum_{j \in H} \sum_{i \notin H} f(i \to j)\, w_i}
                               {\sum_{j \in H} \sum_{i \ne j} f(i \to j) + P_H}

  with :math:`w_i = \operatorname{clip}((2.5 - PV_i)/5, 0, 1)` the WGI political-stability
  estimate rescaled (1 least stable); imports between members of a group count in the
  denominator and weigh 0; a partner without a score gets the year's median (its share is
  reported). The characterization-factor form multiplies by the average import price
  (value over quantity of the border imports, USD/kg);
* **EU supply risk** (European Commission 2017, *Methodology for establishing the EU list of
  critical raw materials*; Blengini et al. 2017, JRC EUR 28654), on the JRC scale (threshold 1):

  .. math:: SR = \left[HHI_{WGI,GS} \frac{IR}{2} + HHI_{WGI,sourcing}
            \left(1 - \frac{IR}{2}\right)\right] (1 - EoL_{RIR})\, SI

  :math:`HHI_{WGI} = \sum s^2 g` with :math:`g` the mean of the six WGI estimates scaled 0-10
  (10 weakest), over world production (GS) or the home's sourcing (members' production and
  border imports); :math:`SI = 1` (substitution unknown, said); without trade data, global
  supply alone (:math:`HHI_{WGI,GS} (1 - EoL_{RIR}) SI`);
* **leverage** of the home economy as a supplier: its share of world exports
  :math:`X_H / T` (:math:`T` every international flow except those inside :math:`H`), the
  reliance-weighted export share :math:`D = \sum_{j \notin H} f(H \to j)\, IR_j / T` (each
  importer's purchases counted by its own import reliance), and
  :math:`\text{leverage} = (P_H / W + D) / 2`; without trade data, the production share alone.

Trade columns are missing (never 0) for a commodity without an HS code, or whose HS codes have no
flow in the data that year (germanium's HS92 811230 ends in 2016 in BACI). Computed for every
commodity, home and year at once: duckdb aggregations on integer codes into temporary tables (one
per step of :data:`STEPS`), then the per-home sums scattered into a dense commodity x home x year
grid; no Python loop over rows, flows or countries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from chokepoint.assess.governance import risk_from_estimate
from chokepoint.errors import UsageError
from chokepoint.materials.data import TONNES_PER_UNIT, MaterialsData

#: the JRC 2017 scale of the governance weights (0-10, 10 weakest)
JRC_SCALE = 10.0
#: relative tolerance below which imports and exports count as equal (float sums differ by order)
NET_TOLERANCE = 1e-9
#: the substitution index when unknown (the EU method's neutral value)
UNKNOWN_SUBSTITUTION = 1.0
COVERAGE_TRADE = "production and trade"
COVERAGE_PRODUCTION = "production only (no trade data)"
COVERAGE_NO_FLOWS = "production only (no trade flows this year)"
COVERAGE_NO_TONNES = "production and trade; production not in tonnes: import reliance and GeoPolRisk unknown"

COLUMNS = (
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
)


def eu_governance_table(wgi: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """Governance risk (0-1) per ISO3 for each of ``years``, from WGI six-dimension means.

    Parameters
    ----------
    wgi : columns ``code``, ``year``, ``estimate`` (the mean of the six WGI estimates).
    years : the years wanted; a year without a table uses the latest earlier year that has one
        (the earliest table when none is earlier), and ``source_year`` says which.

    Returns
    -------
    pandas.DataFrame
        ``iso3``, ``year``, ``source_year``, ``risk`` = clip((2.5 - x)/5, 0, 1).
    """
    have = np.array(sorted(wgi["year"].dropna().astype(int).unique()))
    if not len(have):
        raise UsageError("the WGI table has no year")
    wanted = np.array(sorted({int(y) for y in years}), dtype=int)
    pos = np.searchsorted(have, wanted, side="right") - 1
    source = have[np.clip(pos, 0, len(have) - 1)]
    pick = pd.DataFrame({"year": wanted, "source_year": source})
    table = wgi.rename(columns={"code": "iso3", "year": "source_year"})[["iso3", "source_year", "estimate"]]
    out = pick.merge(table, on="source_year")
    out["risk"] = risk_from_estimate(out["estimate"].to_numpy())
    return out.dropna(subset=["risk"])[["iso3", "year", "source_year", "risk"]].reset_index(drop=True)


def _homes_frame(data: MaterialsData, homes: Mapping[str, Sequence[str]] | None) -> pd.DataFrame:
    if homes is None:
        codes = np.sort(data.trade["importer"].unique().astype(str))
        return pd.DataFrame({"home": codes, "iso3": codes})
    rows = [(name, code) for name, members in homes.items() for code in dict.fromkeys(members)]
    if not rows:
        raise UsageError("give at least one home economy (an ISO3 code or a group such as EU27)")
    return pd.DataFrame(rows, columns=["home", "iso3"])


#: a home's imports by partner, for homes of several members (flows between members are inside)
IMP_PARTNER_GROUPS = """
  SELECT m.home, f.commodity, f.year, f.i AS partner, bool_or(mi.iso3 IS NOT NULL) AS inside,
         sum(f.q) AS q, sum(f.v) AS v, sum(f.v_noq) AS v_noq, sum(f.v_q) AS v_q
  FROM flows f JOIN homes_df m ON m.iso3 = f.j
  LEFT JOIN homes_df mi ON mi.home = m.home AND mi.iso3 = f.i
  GROUP BY m.home, f.commodity, f.year, f.i
"""
#: the same when every home is one country: each flow is already one (home, partner) and none is inside
IMP_PARTNER_SINGLE = """
  SELECT m.home, f.commodity, f.year, f.i AS partner, false AS inside, f.q, f.v, f.v_noq, f.v_q
  FROM flows f JOIN homes_df m ON m.iso3 = f.j
"""

#: the steps of the computation, each a temporary table (name, query); ``imp_partner`` is one of
#: :data:`IMP_PARTNER_GROUPS` or :data:`IMP_PARTNER_SINGLE`
STEPS: tuple[tuple[str, str], ...] = (
    (
        "prod",
        """
SELECT p.commodity, p.iso3, p.year, p.production AS p, p.production * p.factor AS pt
  FROM production_df p
  WHERE p.production IS NOT NULL AND NOT isnan(p.production) AND p.year IN (SELECT year FROM years_df)
""",
    ),
    (
        "world",
        """
SELECT commodity, year, sum(p) AS w, bool_and(pt IS NOT NULL AND NOT isnan(pt)) AS tonnes
  FROM prod GROUP BY commodity, year HAVING sum(p) > 0
""",
    ),
    (
        "gov_med",
        """
SELECT year, median(risk) AS med FROM gov_df GROUP BY year
""",
    ),
    (
        "inst_med",
        """
SELECT year, median(instability) AS med FROM inst_df GROUP BY year
""",
    ),
    (
        "shares",
        """
SELECT pr.commodity, pr.year, pr.iso3, pr.p, pr.pt, pr.p / w.w AS s,
         {scale} * coalesce(g.risk, gm.med) AS g,
         row_number() OVER (PARTITION BY pr.commodity, pr.year ORDER BY pr.p DESC, pr.iso3) AS rk
  FROM prod pr JOIN world w USING (commodity, year)
  LEFT JOIN gov_df g ON g.iso3 = pr.iso3 AND g.year = pr.year
  LEFT JOIN gov_med gm ON gm.year = pr.year
""",
    ),
    (
        "supply",
        """
SELECT commodity, year, sum(s * s) AS hhi, sum(s * s * g) AS hhi_wgi_global,
         max(CASE WHEN rk = 1 THEN iso3 END) AS top_producer,
         max(CASE WHEN rk = 1 THEN s END) AS top_producer_share
  FROM shares GROUP BY commodity, year
""",
    ),
    (
        "home_prod",
        """
SELECT m.home, s.commodity, s.year, sum(s.p) AS ph, sum(s.pt) AS pht, sum(s.pt * s.pt * s.g) AS src_sq
  FROM shares s JOIN homes_df m ON m.iso3 = s.iso3 GROUP BY m.home, s.commodity, s.year
""",
    ),
    (
        "flows",
        """
SELECT h.commodity, t.year, t.exporter AS i, t.importer AS j, sum(t.quantity) AS q, sum(t.value) AS v,
         sum(CASE WHEN t.quantity IS NULL THEN t.value ELSE 0 END) AS v_noq,
         sum(CASE WHEN t.quantity IS NOT NULL THEN t.value ELSE 0 END) AS v_q
  FROM trade_df t JOIN hs_df h ON h.product = t.product
  WHERE t.exporter <> t.importer AND t.year IN (SELECT year FROM years_df)
  GROUP BY h.commodity, t.year, t.exporter, t.importer
""",
    ),
    (
        "world_flows",
        """
SELECT commodity, year, sum(q) AS tq FROM flows GROUP BY commodity, year
""",
    ),
    (
        "country_ir",
        """
SELECT c.commodity, c.year, c.k,
         CASE WHEN c.m - c.x <= {tol} * (c.m + c.x) THEN 0.0
              ELSE least(1.0, (c.m - c.x) / (coalesce(pr.pt, 0) + c.m - c.x)) END AS ir
  FROM (
    SELECT commodity, year, k, sum(m) AS m, sum(x) AS x FROM (
      SELECT commodity, year, j AS k, coalesce(q, 0) AS m, 0.0 AS x FROM flows
      UNION ALL
      SELECT commodity, year, i AS k, 0.0 AS m, coalesce(q, 0) AS x FROM flows
    ) GROUP BY commodity, year, k
  ) c
  JOIN world w ON w.commodity = c.commodity AND w.year = c.year AND w.tonnes
  LEFT JOIN prod pr ON pr.commodity = c.commodity AND pr.year = c.year AND pr.iso3 = c.k
""",
    ),
    (
        "cw",
        """
SELECT c.iso3, y.year, coalesce(inst.instability, im.med) AS w, inst.instability IS NULL AS imputed,
         {scale} * coalesce(g.risk, gm.med) AS g
  FROM countries_df c CROSS JOIN years_df y
  LEFT JOIN inst_df inst ON inst.iso3 = c.iso3 AND inst.year = y.year
  LEFT JOIN inst_med im ON im.year = y.year
  LEFT JOIN gov_df g ON g.iso3 = c.iso3 AND g.year = y.year
  LEFT JOIN gov_med gm ON gm.year = y.year
""",
    ),
    ("imp_partner", ""),
    (
        "imports",
        """
SELECT ip.home, ip.commodity, ip.year,
         coalesce(sum(CASE WHEN NOT inside THEN q END), 0) AS m,
         coalesce(sum(q), 0) AS q_all,
         coalesce(sum(CASE WHEN inside THEN q END), 0) AS q_inside,
         sum(CASE WHEN NOT inside THEN q * cw.w END) AS risk_num,
         sum(CASE WHEN NOT inside AND cw.imputed THEN q END) AS q_imputed,
         sum(CASE WHEN NOT inside THEN v END) AS v_border,
         sum(CASE WHEN NOT inside THEN v_noq END) AS v_noq,
         sum(CASE WHEN NOT inside THEN v_q END) AS v_q,
         sum(CASE WHEN NOT inside THEN q * q END) AS q_sq,
         sum(CASE WHEN NOT inside THEN q * q * cw.g END) AS q_sq_g,
         max(CASE WHEN NOT inside AND q > 0 THEN {{'q': q, 'p': -partner}} END) AS top
  FROM imp_partner ip JOIN cw ON cw.iso3 = ip.partner AND cw.year = ip.year
  GROUP BY ip.home, ip.commodity, ip.year
""",
    ),
    (
        "exports",
        """
SELECT m.home, f.commodity, f.year, coalesce(sum(f.q), 0) AS x,
         coalesce(sum(f.q * coalesce(ci.ir, 0)), 0) AS x_weighted
  FROM flows f JOIN homes_df m ON m.iso3 = f.i
  {exports_inside}
  LEFT JOIN country_ir ci ON ci.commodity = f.commodity AND ci.year = f.year AND ci.k = f.j
  {exports_where}
  GROUP BY m.home, f.commodity, f.year
""",
    ),
)

#: per (commodity, year): world production, concentration, trade presence
WORLD_SQL = """
SELECT w.commodity, w.year, w.w, w.tonnes, s.hhi, s.hhi_wgi_global, s.top_producer, s.top_producer_share,
       c.eol_rir, hc.commodity IS NOT NULL AS has_hs, wf.commodity IS NOT NULL AS has_trade, wf.tq
FROM world w JOIN supply s USING (commodity, year) JOIN commodities_df c ON c.commodity = w.commodity
LEFT JOIN (SELECT DISTINCT commodity FROM hs_df) hc ON hc.commodity = w.commodity
LEFT JOIN world_flows wf ON wf.commodity = w.commodity AND wf.year = w.year
"""
#: per (home, commodity, year): the home's production, imports and exports
HOME_SQL = {
    "home_prod": "SELECT home, commodity, year, ph, pht, src_sq FROM home_prod",
    "imports": "SELECT home, commodity, year, m, q_all, q_inside, risk_num, q_imputed, v_border, v_noq, v_q, "
    "q_sq, q_sq_g, -top.p AS top_partner, top.q AS top_q FROM imports",
    "exports": "SELECT home, commodity, year, x, x_weighted FROM exports",
}


def _int_codes(col: pd.Series) -> np.ndarray:
    """Digit strings (HS codes) as integers: the distinct values converted once."""
    codes, uniques = pd.factorize(col)
    return np.asarray(pd.Index(uniques).astype(np.int64))[codes]


def _lookup(values: Sequence[Any], codes: np.ndarray) -> pd.Categorical:
    """``values[codes]`` as a categorical column (``-1``: missing): strings are not copied per row."""
    table = pd.Index(values)
    uniq = table.dropna().unique()
    inner = np.append(uniq.get_indexer(table), -1)  # position of each value; index -1 -> missing
    return pd.Categorical.from_codes(inner[codes], categories=uniq)


def _unmasked(v: Any) -> np.ndarray:
    """A column of duckdb's ``fetchnumpy`` with NULL as NaN (numbers) or None (other types)."""
    if not isinstance(v, np.ma.MaskedArray):
        return np.asarray(v)
    masked: Any = v
    if masked.dtype.kind in "iuf":
        return np.asarray(masked.astype(float).filled(np.nan))
    return np.asarray(masked.astype(object).filled(None))


def materials_indicators(
    data: MaterialsData,
    homes: Mapping[str, Sequence[str]] | None = None,
    years: Sequence[int] | None = None,
    governance_eu: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every indicator of the module for every commodity, home and year (one row each).

    Parameters
    ----------
    data : the dataset (:class:`~chokepoint.materials.data.MaterialsData`).
    homes : home name -> member ISO3 codes (``{"CHN": ["CHN"], "EU27": [...]}``); ``None``:
        every importing country of the trade table, each its own home.
    years : the years (default: every year of the production table).
    governance_eu : ``iso3, year, risk`` (0-1, :func:`eu_governance_table`) for the EU supply
        risk; ``None`` leaves its columns missing.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, sorted by commodity, home and year; rows only where the commodity has
        world production that year.
    """
    wanted = sorted({int(y) for y in (years if years is not None else data.production["year"].unique())})
    gov = (
        governance_eu[["iso3", "year", "risk"]]
        if governance_eu is not None
        else pd.DataFrame({"iso3": pd.Series(dtype=str), "year": pd.Series(dtype=int), "risk": np.nan})
    )
    homes_df = _homes_frame(data, homes)
    # the SQL runs on integer codes (countries and commodities in alphabetical order, so ties
    # still break alphabetically); names are put back at the end
    prod, inst = data.production, data.instability
    trade = data.trade[data.trade["year"].isin(wanted)]  # only the years asked: less to encode
    countries = pd.Index(
        sorted(
            set(prod["iso3"].unique()) | set(trade["exporter"].unique()) | set(trade["importer"].unique())
            | set(inst["iso3"].unique()) | set(gov["iso3"].unique()) | set(homes_df["iso3"].unique())
        )
    )  # fmt: skip
    commodities = pd.Index(sorted(data.commodities["commodity"].unique()))
    home_names = pd.Index(sorted(set(homes_df["home"])))

    def country(col: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(col)  # hash once, then map the few distinct codes
        return np.asarray(countries.get_indexer(uniques), dtype=np.int32)[codes]

    def commodity(col: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(col)
        return np.asarray(commodities.get_indexer(uniques), dtype=np.int32)[codes]

    units = np.asarray(prod["unit"].map(TONNES_PER_UNIT), dtype=float)
    frames = {
        "production_df": pd.DataFrame(
            {
                "commodity": commodity(prod["commodity"]),
                "iso3": country(prod["iso3"]),
                "year": prod["year"].to_numpy(),
                "production": prod["production"].to_numpy(dtype=float),
                "factor": units,
            }
        ),
        "trade_df": pd.DataFrame(
            {
                "year": trade["year"].to_numpy(),
                "exporter": country(trade["exporter"]),
                "importer": country(trade["importer"]),
                "product": _int_codes(trade["product"]),
                "value": trade["value"].to_numpy(dtype=float),
                "quantity": trade["quantity"].to_numpy(dtype=float),
            }
        ),
        "hs_df": pd.DataFrame(
            {
                "commodity": commodity(data.commodity_hs["commodity"]),
                "product": _int_codes(data.commodity_hs["product"]),
            }
        ),
        "commodities_df": pd.DataFrame(
            {
                "commodity": commodity(data.commodities["commodity"]),
                "eol_rir": data.commodities["eol_rir"].to_numpy(dtype=float),
            }
        ),
        "inst_df": pd.DataFrame(
            {
                "iso3": country(inst["iso3"]),
                "year": inst["year"].to_numpy(),
                "instability": inst["instability"],
            }
        ),
        "gov_df": pd.DataFrame(
            {"iso3": country(gov["iso3"]), "year": gov["year"].to_numpy(), "risk": gov["risk"]}
        ),
        "homes_df": pd.DataFrame(
            {"home": home_names.get_indexer(homes_df["home"]), "iso3": country(homes_df["iso3"])}
        ),
        "years_df": pd.DataFrame({"year": wanted}),
        "countries_df": pd.DataFrame({"iso3": np.arange(len(countries), dtype=np.int32)}),
    }
    single = not homes_df["home"].duplicated().any()
    fill = {
        "scale": JRC_SCALE,
        "tol": NET_TOLERANCE,
        "exports_inside": "" if single else "LEFT JOIN homes_df mj ON mj.home = m.home AND mj.iso3 = f.j",
        "exports_where": "" if single else "WHERE mj.iso3 IS NULL",
    }
    con = duckdb.connect()
    try:
        for name, frame in frames.items():
            con.register(name, frame)
        for name, body in STEPS:
            if name == "imp_partner":
                body = IMP_PARTNER_SINGLE if single else IMP_PARTNER_GROUPS
            con.execute(f"CREATE TEMP TABLE {name} AS {body.format(**fill)}")
        world = {k: _unmasked(v) for k, v in con.execute(WORLD_SQL).fetchnumpy().items()}
        parts = {
            k: {c: _unmasked(v) for c, v in con.execute(q).fetchnumpy().items()} for k, q in HOME_SQL.items()
        }
    finally:
        con.close()
    r = _grid(world, parts, len(commodities), len(home_names), np.asarray(wanted))
    ci = r["commodity"].astype(np.int64)
    info = data.commodities.drop_duplicates("commodity").set_index("commodity").reindex(commodities)
    unit = prod.drop_duplicates("commodity").set_index("commodity")["unit"].reindex(commodities)

    def code(col: str) -> np.ndarray:
        return np.asarray(np.nan_to_num(r[col], nan=-1), dtype=np.int64)

    text = {
        "commodity": _lookup(commodities, ci),
        "category": _lookup(info["category"].tolist(), ci),
        "stage": _lookup(info["stage"].tolist(), ci),
        "unit": _lookup(unit.tolist(), ci),
        "home": _lookup(home_names, r["home"].astype(np.int64)),
        "top_producer": _lookup(countries, code("top_producer")),
        "top_partner": _lookup(countries, code("top_partner")),
    }
    return _assemble(r, text, governance_eu is not None)


#: the value a (home, commodity, year) without a row in a home table takes
HOME_DEFAULTS = {
    "ph": 0.0,
    "pht": 0.0,
    "src_sq": np.nan,
    "m": 0.0,
    "q_all": 0.0,
    "q_inside": 0.0,
    "risk_num": np.nan,
    "q_imputed": np.nan,
    "v_border": np.nan,
    "v_noq": np.nan,
    "v_q": np.nan,
    "q_sq": np.nan,
    "q_sq_g": np.nan,
    "top_partner": np.nan,
    "top_q": np.nan,
    "x": 0.0,
    "x_weighted": 0.0,
}


def _grid(
    world: dict[str, np.ndarray],
    parts: dict[str, dict[str, np.ndarray]],
    n_c: int,
    n_h: int,
    years: np.ndarray,
) -> dict[str, np.ndarray]:
    """One row per (commodity, home, year) with world production, sorted: the home tables scattered
    into a dense commodity x home x year grid (no join, no sort).
    """
    n_y = len(years)
    valid = np.zeros((n_c, n_y), dtype=bool)
    wc, wy = world["commodity"].astype(np.int64), np.searchsorted(years, world["year"])
    valid[wc, wy] = True
    cube = np.broadcast_to(valid[:, None, :], (n_c, n_h, n_y))
    c, h, y = np.nonzero(cube)  # C order: sorted by commodity, home, year
    cell = (c * n_h + h) * n_y + y
    pos = np.full(n_c * n_y, -1)
    pos[wc * n_y + wy] = np.arange(len(wc))
    at = pos[c * n_y + y]  # the world row of each output row
    r = {name: world[name][at] for name in world if name not in ("commodity", "year")}
    for table in parts.values():
        flat = (
            table["commodity"].astype(np.int64) * n_h + table["home"].astype(np.int64)
        ) * n_y + np.searchsorted(years, table["year"])
        for name, values in table.items():
            if name in ("home", "commodity", "year"):
                continue
            full = np.full(n_c * n_h * n_y, HOME_DEFAULTS[name])
            full[flat] = (
                np.where(np.isnan(values), HOME_DEFAULTS[name], values) if name in ("m", "x") else values
            )
            r[name] = full[cell]
    trade, tonnes, w = r["has_trade"] == 1, r["tonnes"] == 1, r["w"]
    return {
        "commodity": c,
        "home": h,
        "year": years[y],
        "world_production": w,
        "hhi_production": r["hhi"],
        "top_producer": r["top_producer"],
        "top_producer_share": r["top_producer_share"],
        "home_production": r["ph"],
        "home_production_share": r["ph"] / w,
        "home_production_t": np.where(tonnes, r["pht"], np.nan),
        "imports_t": np.where(trade, r["m"], np.nan),
        "exports_t": np.where(trade, r["x"], np.nan),
        **{k: r[k] for k in ("q_all", "q_inside", "risk_num", "q_imputed", "v_border", "v_noq", "v_q")},
        **{k: r[k] for k in ("q_sq", "q_sq_g", "top_partner", "top_q", "src_sq", "x_weighted", "tq")},
        **{k: r[k] for k in ("hhi_wgi_global", "eol_rir", "has_hs", "has_trade", "tonnes")},
    }


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` with NaN where ``b`` is 0 or missing."""
    out = np.full(a.shape, np.nan)
    ok = np.isfinite(b) & (b != 0)
    np.divide(a, b, out=out, where=ok)
    return out


def _assemble(
    r: dict[str, np.ndarray], text: dict[str, pd.Categorical], with_governance: bool
) -> pd.DataFrame:
    """The output columns from the SQL's sums (the formulas of the module docstring), in numpy."""
    nan = np.nan
    f = {k: np.asarray(v, dtype=float) for k, v in r.items() if k not in ("top_producer", "top_partner")}
    trade = f["has_trade"] == 1
    tonnes = f["tonnes"] == 1
    both_known = trade & tonnes
    m, x, pht = f["imports_t"], f["exports_t"], f["home_production_t"]
    ac = pht + m - x
    out: dict[str, Any] = {
        "commodity": text["commodity"],
        "category": text["category"],
        "stage": text["stage"],
        "home": text["home"],
        "year": r["year"].astype(np.int64),
        "unit": text["unit"],
        "world_production": f["world_production"],
        "hhi_production": f["hhi_production"],
        "top_producer": text["top_producer"],
        "top_producer_share": f["top_producer_share"],
        "home_production": f["home_production"],
        "home_production_share": f["home_production_share"],
        "home_production_t": pht,
        "imports_t": m,
        "exports_t": x,
        "apparent_consumption_t": np.where(both_known, ac, nan),
    }
    net_importer = (m - x) > NET_TOLERANCE * (m + x)  # rounding of the sums is not a net import
    ir = np.where(net_importer, np.minimum(_ratio(m - x, ac), 1.0), 0.0)
    out["import_reliance"] = np.where(both_known, ir, nan)
    out["partner_hhi"] = np.where(trade, _ratio(f["q_sq"], m**2), nan)
    partner = text["top_partner"]
    out["top_partner"] = pd.Categorical.from_codes(
        np.where(trade & (m > 0), partner.codes, -1), categories=partner.categories
    )
    out["top_partner_share"] = np.where(trade, _ratio(f["top_q"], m), nan)
    risk = _ratio(np.nan_to_num(f["risk_num"]), f["q_all"] + pht)
    out["import_risk"] = np.where(both_known, risk, nan)
    out["geopolrisk"] = out["hhi_production"] * out["import_risk"]
    out["price_usd_per_kg"] = np.where(trade, _ratio(f["v_q"], m), nan)
    out["characterization_factor"] = out["geopolrisk"] * out["price_usd_per_kg"]
    out["wgi_imputed_share"] = np.where(trade, _ratio(np.nan_to_num(f["q_imputed"]), m), nan)
    out["value_without_quantity_share"] = np.where(trade, _ratio(f["v_noq"], f["v_border"]), nan)
    if with_governance:
        out["hhi_wgi_global"] = f["hhi_wgi_global"]
        sourcing = _ratio(np.nan_to_num(f["src_sq"]) + np.nan_to_num(f["q_sq_g"]), (pht + m) ** 2)
        out["hhi_wgi_sourcing"] = np.where(both_known, sourcing, nan)
    else:
        out["hhi_wgi_global"] = np.full(len(m), nan)
        out["hhi_wgi_sourcing"] = np.full(len(m), nan)
    out["eol_rir"] = f["eol_rir"]
    out["substitution_index"] = np.full(len(m), UNKNOWN_SUBSTITUTION)
    half = out["import_reliance"] / 2
    blend = out["hhi_wgi_global"] * half + out["hhi_wgi_sourcing"] * (1 - half)
    known = np.isfinite(blend)
    blend = np.where(known, blend, out["hhi_wgi_global"])
    out["supply_risk_eu"] = blend * (1 - out["eol_rir"]) * out["substitution_index"]
    world = f["tq"] - f["q_inside"]
    out["home_export_share"] = np.where(trade, _ratio(x, world), nan)
    # importers' reliance needs their production in tonnes: unknown for a volume unit
    d = np.where(both_known, _ratio(f["x_weighted"], world), nan)
    out["reliance_weighted_export_share"] = d
    share = out["home_production_share"]
    out["leverage"] = np.where(np.isfinite(d), (share + d) / 2, share)
    labels = [COVERAGE_TRADE, COVERAGE_NO_TONNES, COVERAGE_NO_FLOWS, COVERAGE_PRODUCTION]
    which = np.where(trade, np.where(tonnes, 0, 1), np.where(f["has_hs"] == 1, 2, 3))
    out["coverage"] = pd.Categorical.from_codes(which.astype(np.int64), categories=pd.Index(labels))
    return pd.DataFrame({c: out[c] for c in COLUMNS})
