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
flow in the data that year (germanium's HS92 811230 ends in 2016 in BACI). One SQL pass over every
commodity, home and year: no Python loop over rows, flows or countries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


SQL = """
WITH
prod AS (
  SELECT p.commodity, p.iso3, p.year, p.production AS p, p.production * p.factor AS pt
  FROM production_df p
  WHERE p.production IS NOT NULL AND NOT isnan(p.production) AND p.year IN (SELECT year FROM years_df)
),
world AS (
  SELECT commodity, year, sum(p) AS w, bool_and(pt IS NOT NULL AND NOT isnan(pt)) AS tonnes
  FROM prod GROUP BY commodity, year HAVING sum(p) > 0
),
gov_med AS (SELECT year, median(risk) AS med FROM gov_df GROUP BY year),
inst_med AS (SELECT year, median(instability) AS med FROM inst_df GROUP BY year),
shares AS (
  SELECT pr.commodity, pr.year, pr.iso3, pr.p, pr.pt, pr.p / w.w AS s,
         {scale} * coalesce(g.risk, gm.med) AS g,
         row_number() OVER (PARTITION BY pr.commodity, pr.year ORDER BY pr.p DESC, pr.iso3) AS rk
  FROM prod pr JOIN world w USING (commodity, year)
  LEFT JOIN gov_df g ON g.iso3 = pr.iso3 AND g.year = pr.year
  LEFT JOIN gov_med gm ON gm.year = pr.year
),
supply AS (
  SELECT commodity, year, sum(s * s) AS hhi, sum(s * s * g) AS hhi_wgi_global,
         max(CASE WHEN rk = 1 THEN iso3 END) AS top_producer,
         max(CASE WHEN rk = 1 THEN s END) AS top_producer_share
  FROM shares GROUP BY commodity, year
),
home_prod AS (
  SELECT m.home, s.commodity, s.year, sum(s.p) AS ph, sum(s.pt) AS pht, sum(s.pt * s.pt * s.g) AS src_sq
  FROM shares s JOIN homes_df m ON m.iso3 = s.iso3 GROUP BY m.home, s.commodity, s.year
),
flows AS (
  SELECT h.commodity, t.year, t.exporter AS i, t.importer AS j, sum(t.quantity) AS q, sum(t.value) AS v,
         sum(CASE WHEN t.quantity IS NULL THEN t.value ELSE 0 END) AS v_noq,
         sum(CASE WHEN t.quantity IS NOT NULL THEN t.value ELSE 0 END) AS v_q
  FROM trade_df t JOIN hs_df h ON h.product = t.product
  WHERE t.exporter <> t.importer AND t.year IN (SELECT year FROM years_df)
  GROUP BY h.commodity, t.year, t.exporter, t.importer
),
world_flows AS (SELECT commodity, year, sum(q) AS tq FROM flows GROUP BY commodity, year),
country_ir AS (
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
),
cw AS (
  SELECT c.iso3, y.year, coalesce(inst.instability, im.med) AS w, inst.instability IS NULL AS imputed,
         {scale} * coalesce(g.risk, gm.med) AS g
  FROM countries_df c CROSS JOIN years_df y
  LEFT JOIN inst_df inst ON inst.iso3 = c.iso3 AND inst.year = y.year
  LEFT JOIN inst_med im ON im.year = y.year
  LEFT JOIN gov_df g ON g.iso3 = c.iso3 AND g.year = y.year
  LEFT JOIN gov_med gm ON gm.year = y.year
),
imp_partner AS (
  SELECT m.home, f.commodity, f.year, f.i AS partner, bool_or(mi.iso3 IS NOT NULL) AS inside,
         sum(f.q) AS q, sum(f.v) AS v, sum(f.v_noq) AS v_noq, sum(f.v_q) AS v_q
  FROM flows f JOIN homes_df m ON m.iso3 = f.j
  LEFT JOIN homes_df mi ON mi.home = m.home AND mi.iso3 = f.i
  GROUP BY m.home, f.commodity, f.year, f.i
),
imports AS (
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
),
exports AS (
  SELECT m.home, f.commodity, f.year, coalesce(sum(f.q), 0) AS x,
         coalesce(sum(f.q * coalesce(ci.ir, 0)), 0) AS x_weighted
  FROM flows f JOIN homes_df m ON m.iso3 = f.i
  LEFT JOIN homes_df mj ON mj.home = m.home AND mj.iso3 = f.j
  LEFT JOIN country_ir ci ON ci.commodity = f.commodity AND ci.year = f.year AND ci.k = f.j
  WHERE mj.iso3 IS NULL
  GROUP BY m.home, f.commodity, f.year
),
base AS (
  SELECT c.commodity, c.eol_rir, h.home, w.year, w.w, w.tonnes,
         hc.commodity IS NOT NULL AS has_hs, wf.commodity IS NOT NULL AS has_trade
  FROM commodities_df c JOIN world w ON w.commodity = c.commodity
  LEFT JOIN (SELECT DISTINCT commodity FROM hs_df) hc ON hc.commodity = c.commodity
  LEFT JOIN world_flows wf ON wf.commodity = c.commodity AND wf.year = w.year
  CROSS JOIN (SELECT DISTINCT home FROM homes_df) h
)
SELECT b.commodity, b.home, b.year,
       b.w AS world_production, s.hhi AS hhi_production, s.top_producer, s.top_producer_share,
       coalesce(hp.ph, 0) AS home_production, coalesce(hp.ph, 0) / b.w AS home_production_share,
       CASE WHEN b.tonnes THEN coalesce(hp.pht, 0) END AS home_production_t,
       CASE WHEN b.has_trade THEN coalesce(im.m, 0) END AS imports_t,
       CASE WHEN b.has_trade THEN coalesce(ex.x, 0) END AS exports_t,
       coalesce(im.q_all, 0) AS q_all, coalesce(im.q_inside, 0) AS q_inside, im.risk_num, im.q_imputed,
       im.v_border, im.v_noq, im.v_q, im.q_sq, im.q_sq_g, -im.top.p AS top_partner, im.top.q AS top_q,
       hp.src_sq, coalesce(ex.x_weighted, 0) AS x_weighted, wf.tq,
       s.hhi_wgi_global, b.eol_rir, b.has_hs, b.has_trade, b.tonnes
FROM base b JOIN supply s ON s.commodity = b.commodity AND s.year = b.year
LEFT JOIN home_prod hp ON hp.home = b.home AND hp.commodity = b.commodity AND hp.year = b.year
LEFT JOIN imports im ON im.home = b.home AND im.commodity = b.commodity AND im.year = b.year
LEFT JOIN exports ex ON ex.home = b.home AND ex.commodity = b.commodity AND ex.year = b.year
LEFT JOIN world_flows wf ON wf.commodity = b.commodity AND wf.year = b.year
ORDER BY b.commodity, b.home, b.year
"""


def _div(a: pd.Series, b: pd.Series) -> pd.Series:
    """``a / b`` with NaN where ``b`` is 0 or missing."""
    num = a.astype(float)
    den = b.astype(float)
    return num / den.where(den != 0)


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
    prod, trade, inst = data.production, data.trade, data.instability
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
                "product": trade["product"].astype(int).to_numpy(),
                "value": trade["value"].to_numpy(dtype=float),
                "quantity": trade["quantity"].to_numpy(dtype=float),
            }
        ),
        "hs_df": pd.DataFrame(
            {
                "commodity": commodity(data.commodity_hs["commodity"]),
                "product": data.commodity_hs["product"].astype(int).to_numpy(),
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
    con = duckdb.connect()
    try:
        for name, frame in frames.items():
            con.register(name, frame)
        raw = con.execute(SQL.format(scale=JRC_SCALE, tol=NET_TOLERANCE)).df()
    finally:
        con.close()
    ci = raw["commodity"].to_numpy()
    info = data.commodities.drop_duplicates("commodity").set_index("commodity").reindex(commodities)
    unit = prod.drop_duplicates("commodity").set_index("commodity")["unit"].reindex(commodities)
    raw["commodity"] = commodities.to_numpy(dtype=object)[ci]
    raw["category"] = info["category"].to_numpy(dtype=object)[ci]
    raw["stage"] = info["stage"].to_numpy(dtype=object)[ci]
    raw["unit"] = unit.to_numpy(dtype=object)[ci]
    raw["home"] = home_names.to_numpy(dtype=object)[raw["home"].to_numpy()]
    names = np.array([*countries, None], dtype=object)  # index -1 (missing) -> None
    for col in ("top_producer", "top_partner"):
        raw[col] = names[raw[col].fillna(-1).to_numpy(dtype=np.int64)]
    return _assemble(raw, governance_eu is not None)


def _assemble(r: pd.DataFrame, with_governance: bool) -> pd.DataFrame:
    """The output columns from the SQL's sums (the formulas of the module docstring)."""
    trade = r["has_trade"].astype(bool)
    tonnes = r["tonnes"].astype(bool)
    out = r[
        [
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
        ]
    ].copy()
    m, x = r["imports_t"].astype(float), r["exports_t"].astype(float)
    pht = r["home_production_t"].astype(float)
    ac = pht + m - x
    out["apparent_consumption_t"] = ac.where(trade & tonnes)
    ir = _div(m - x, ac).clip(upper=1.0)
    net_importer = (m - x) > NET_TOLERANCE * (m + x)  # rounding of the sums is not a net import
    out["import_reliance"] = ir.where(net_importer, 0.0).where(trade & tonnes)
    out["partner_hhi"] = _div(r["q_sq"], m**2).where(trade)
    out["top_partner"] = r["top_partner"].where(trade & (m > 0))
    out["top_partner_share"] = _div(r["top_q"], m).where(trade)
    den = r["q_all"].astype(float) + pht
    out["import_risk"] = _div(r["risk_num"].fillna(0.0), den).where(trade & tonnes)
    out["geopolrisk"] = out["hhi_production"] * out["import_risk"]
    out["price_usd_per_kg"] = _div(r["v_q"], m).where(trade)
    out["characterization_factor"] = out["geopolrisk"] * out["price_usd_per_kg"]
    out["wgi_imputed_share"] = _div(r["q_imputed"].fillna(0.0), m).where(trade)
    out["value_without_quantity_share"] = _div(r["v_noq"], r["v_border"]).where(trade)
    if with_governance:
        out["hhi_wgi_global"] = r["hhi_wgi_global"].astype(float)
        sourcing = _div(r["src_sq"].fillna(0.0) + r["q_sq_g"].fillna(0.0), (pht + m) ** 2)
        out["hhi_wgi_sourcing"] = sourcing.where(trade & tonnes)
    else:
        out["hhi_wgi_global"] = np.nan
        out["hhi_wgi_sourcing"] = np.nan
    out["eol_rir"] = r["eol_rir"].astype(float)
    out["substitution_index"] = UNKNOWN_SUBSTITUTION
    known = out["import_reliance"].notna() & out["hhi_wgi_sourcing"].notna()
    half = out["import_reliance"] / 2
    both = out["hhi_wgi_global"] * half + out["hhi_wgi_sourcing"] * (1 - half)
    blend = both.where(known, out["hhi_wgi_global"])
    out["supply_risk_eu"] = blend * (1 - out["eol_rir"]) * out["substitution_index"]
    world = r["tq"].astype(float) - r["q_inside"].astype(float)
    out["home_export_share"] = _div(x, world).where(trade)
    # importers' reliance needs their production in tonnes: unknown for a volume unit
    out["reliance_weighted_export_share"] = _div(r["x_weighted"], world).where(trade & tonnes)
    with_d = (out["home_production_share"] + out["reliance_weighted_export_share"]) / 2
    has_d = out["reliance_weighted_export_share"].notna()
    out["leverage"] = with_d.where(has_d, out["home_production_share"])
    out["coverage"] = np.where(
        trade,
        np.where(tonnes, COVERAGE_TRADE, COVERAGE_NO_TONNES),
        np.where(r["has_hs"].astype(bool), COVERAGE_NO_FLOWS, COVERAGE_PRODUCTION),
    )
    return out[list(COLUMNS)].reset_index(drop=True)
