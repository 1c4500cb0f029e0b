r"""Trade-flow dependency: indicators, the dependency screen and trade embargoes (vectorized, duckdb).

Flows are a long table ``year, exporter, importer, product, value, quantity`` (ISO3 codes, HS code
text). Indicators use ``value`` (or ``quantity`` with ``measure="quantity"``).

Per (importer, product, year): total imports :math:`M`, partner shares :math:`s_e = m_e / M`,
:math:`HHI = \sum_e s_e^2`, top-1 and top-3 shares, the share from a restricted set, the importer's
own exports :math:`X` of the product and :math:`M / X`.

Per (product, year): world exports, their HHI over exporters, the top exporter and a single point of
failure flag when one exporter holds more than 65% of world exports.

Per (exporter, product, year): world share :math:`w_e`, importers' dependence :math:`d_e` = mean over
the product's importers of :math:`s_e` (0 where it does not sell), leverage :math:`w_e d_e`.

**Dependency screen** of a bloc :math:`B` (EU 2021 method): for each product and year, with
extra-bloc imports :math:`M^{ext}` (from exporters outside :math:`B` to importers in :math:`B`),
(1) the HHI of extra-bloc partners :math:`> 0.4`, (2) :math:`M^{ext} / M^{tot} > 0.5`, (3)
:math:`M^{ext} >` the bloc's total exports (intra- plus extra-bloc, the Commission's proxy for the
bloc's production capacity; ``capacity="extra_exports"`` compares with extra-bloc exports only);
dependent when all three hold; ``persistent`` when dependent in at least 2 of the last 3 years
screened.

**Embargo**: exporters :math:`E` stop shipping product :math:`k` to importers :math:`I`; importer
:math:`i` loses :math:`l_i = \sum_{e \in E} m_{ei}` (share :math:`l_i / M_i`). With ``spare`` =
:math:`\sigma`, the other exporters can ship :math:`\sigma \sum_{e \notin E} X_e` more, shared among
importers in proportion to their loss and never above it.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

from chokepoint.errors import UsageError

FLOW_COLUMNS = ["year", "exporter", "importer", "product", "value", "quantity"]
SPOF_SHARE = 0.65
SCREEN_CAPACITIES = ("total_exports", "extra_exports")


def _check(flows: pd.DataFrame, measure: str) -> None:
    missing = [c for c in FLOW_COLUMNS if c not in flows.columns]
    if missing:
        raise UsageError(f"flows lack column(s) {', '.join(missing)}")
    if measure not in ("value", "quantity"):
        raise UsageError("measure must be value or quantity")


def _con(flows: pd.DataFrame, measure: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("raw", flows)
    con.execute(
        f"""CREATE TEMP VIEW f AS SELECT year, exporter, importer, product, SUM({measure}) AS m
            FROM raw WHERE {measure} > 0 AND exporter <> importer GROUP BY ALL"""
    )
    return con


def importer_indicators(
    flows: pd.DataFrame, restricted: Iterable[str] = (), measure: str = "value"
) -> pd.DataFrame:
    r"""Compute the dependency indicators per (importer, product, year); see the module docstring.

    Total imports :math:`M`, partner shares :math:`s_e = m_e / M`, :math:`HHI = \sum_e s_e^2`,
    top-1 and top-3 shares, the share from ``restricted`` exporters, own exports :math:`X` and
    :math:`M / X`.
    """
    _check(flows, measure)
    con = _con(flows, measure)
    con.register("restricted", pd.DataFrame({"code": list(restricted) or ["\0"]}))
    return con.execute(
        """
        WITH g AS (
            SELECT importer, product, year, SUM(m) AS imports, COUNT(*) AS partners, SUM(m * m) AS sumsq,
                   MAX(m) AS top1, arg_max(exporter, m) AS top1_partner, list_sum(max(m, 3)) AS top3,
                   SUM(CASE WHEN exporter IN (SELECT code FROM restricted) THEN m ELSE 0 END) AS restricted
            FROM f GROUP BY ALL),
        ex AS (SELECT exporter AS importer, product, year, SUM(m) AS exports FROM f GROUP BY ALL)
        SELECT g.importer, g.product, g.year, imports, partners, sumsq / (imports * imports) AS hhi,
               top1 / imports AS top1_share, top1_partner, top3 / imports AS top3_share,
               restricted / imports AS restricted_share, COALESCE(ex.exports, 0) AS exports,
               imports / NULLIF(COALESCE(ex.exports, 0), 0) AS imports_to_exports
        FROM g LEFT JOIN ex USING (importer, product, year)
        ORDER BY g.year, g.product, imports DESC, g.importer
        """
    ).df()


def world_concentration(flows: pd.DataFrame, measure: str = "value") -> pd.DataFrame:
    """World export concentration per (product, year) and the single-point-of-failure flag."""
    _check(flows, measure)
    con = _con(flows, measure)
    df = con.execute(
        """
        WITH e AS (SELECT product, year, exporter, SUM(m) AS x FROM f GROUP BY ALL)
        SELECT product, year, SUM(x) AS world_exports, COUNT(*) AS exporters,
               SUM(x * x) / (SUM(x) * SUM(x)) AS hhi, arg_max(exporter, x) AS top_exporter,
               MAX(x) / SUM(x) AS top_share
        FROM e GROUP BY product, year ORDER BY year, product
        """
    ).df()
    df["single_point_of_failure"] = df["top_share"] > SPOF_SHARE
    return df


def exporter_leverage(flows: pd.DataFrame, measure: str = "value") -> pd.DataFrame:
    """Per (exporter, product, year): world share, importers' mean dependence, leverage."""
    _check(flows, measure)
    con = _con(flows, measure)
    return con.execute(
        """
        WITH tot AS (SELECT importer, product, year, SUM(m) AS imports FROM f GROUP BY ALL),
        n AS (SELECT product, year, COUNT(*) AS importers FROM tot GROUP BY ALL),
        e AS (SELECT exporter, product, year, SUM(m) AS x,
                     SUM(m / tot.imports) AS dep_sum
              FROM f JOIN tot USING (importer, product, year) GROUP BY ALL),
        w AS (SELECT product, year, SUM(x) AS world FROM e GROUP BY ALL)
        SELECT e.exporter, e.product, e.year, x / w.world AS world_share, dep_sum / n.importers AS dependence,
               (x / w.world) * (dep_sum / n.importers) AS leverage
        FROM e JOIN w USING (product, year) JOIN n USING (product, year)
        ORDER BY e.year, e.product, leverage DESC, e.exporter
        """
    ).df()


def dependency_screen(
    flows: pd.DataFrame,
    bloc: Iterable[str],
    years: Iterable[int] | None = None,
    *,
    hhi_threshold: float = 0.4,
    extra_share_threshold: float = 0.5,
    measure: str = "value",
    capacity: str = "total_exports",
) -> pd.DataFrame:
    r"""Screen the dependencies of ``bloc`` per (product, year) on three criteria, with persistence.

    The method of the European Commission (2021, *Strategic dependencies and capacities*,
    SWD(2021) 352): dependent when the HHI of extra-bloc partners exceeds ``hhi_threshold``,
    :math:`M^{ext} / M^{tot}` exceeds ``extra_share_threshold`` and :math:`M^{ext}` exceeds the
    bloc's production capacity, proxied by its exports; ``persistent`` when dependent in at least
    2 of the last 3 years screened.

    ``capacity`` chooses the proxy of criterion 3: ``"total_exports"`` (the document's definition:
    the bloc's total exports, intra- plus extra-bloc) or ``"extra_exports"`` (extra-bloc exports
    only, the earlier rule, which flags at least as many products). Both export columns are returned;
    ``capacity_exports`` is the one compared.
    """
    _check(flows, measure)
    if capacity not in SCREEN_CAPACITIES:
        raise UsageError(f"capacity must be one of {', '.join(SCREEN_CAPACITIES)}")
    members = sorted(set(bloc))
    if not members:
        raise UsageError("the bloc is empty")
    data = flows if years is None else flows[flows["year"].isin(list(years))]
    con = _con(data, measure)
    con.register("bloc", pd.DataFrame({"code": members}))
    df = con.execute(
        """
        WITH imp AS (SELECT * FROM f WHERE importer IN (SELECT code FROM bloc)),
        ext AS (SELECT product, year, exporter, SUM(m) AS m FROM imp
                WHERE exporter NOT IN (SELECT code FROM bloc) GROUP BY ALL),
        et AS (SELECT product, year, SUM(m) AS extra_imports FROM ext GROUP BY ALL),
        eh AS (SELECT ext.product, ext.year, SUM((m / et.extra_imports) * (m / et.extra_imports)) AS hhi_extra
               FROM ext JOIN et USING (product, year) GROUP BY ALL),
        tt AS (SELECT product, year, SUM(m) AS total_imports FROM imp GROUP BY ALL),
        xx AS (SELECT product, year,
                      SUM(m) FILTER (WHERE importer NOT IN (SELECT code FROM bloc)) AS extra_exports,
                      SUM(m) AS total_exports
               FROM f WHERE exporter IN (SELECT code FROM bloc) GROUP BY ALL)
        SELECT et.product, et.year, eh.hhi_extra, et.extra_imports, tt.total_imports,
               et.extra_imports / tt.total_imports AS extra_share,
               COALESCE(xx.extra_exports, 0) AS extra_exports,
               COALESCE(xx.total_exports, 0) AS total_exports
        FROM et JOIN eh USING (product, year) JOIN tt USING (product, year) LEFT JOIN xx USING (product, year)
        ORDER BY et.product, et.year
        """
    ).df()
    df["c1_concentrated"] = df["hhi_extra"] > hhi_threshold
    df["c2_extra_bloc"] = df["extra_share"] > extra_share_threshold
    df["capacity_exports"] = df[capacity]
    df["c3_not_replaceable"] = df["extra_imports"] > df["capacity_exports"]
    df["dependent"] = df["c1_concentrated"] & df["c2_extra_bloc"] & df["c3_not_replaceable"]
    screened = sorted(df["year"].unique())[-3:]
    last = df[df["year"].isin(screened)]
    counts = last.groupby("product")["dependent"].sum()
    df["persistent"] = df["product"].map(counts).fillna(0) >= min(2, len(screened))
    return df


def embargo(
    flows: pd.DataFrame,
    exporters: Iterable[str],
    product: str,
    year: int,
    importers: Iterable[str] | None = None,
    *,
    spare: float = 0.0,
    measure: str = "quantity",
) -> pd.DataFrame:
    """Each importer's loss when ``exporters`` stop shipping ``product`` in ``year`` (see docstring)."""
    _check(flows, measure)
    blocked = set(exporters)
    f = flows[
        (flows["product"] == product) & (flows["year"] == year) & (flows["exporter"] != flows["importer"])
    ]
    if f.empty:
        raise UsageError(f"no flows of product {product} in {year}")
    wide = f.pivot_table(index="importer", columns="exporter", values=measure, aggfunc="sum", fill_value=0.0)
    cut_cols = [c for c in wide.columns if c in blocked]
    imports = wide.sum(axis=1)
    lost = wide[cut_cols].sum(axis=1) if cut_cols else pd.Series(0.0, index=wide.index)
    target = pd.Series(True, index=wide.index) if importers is None else wide.index.isin(list(importers))
    lost = lost.where(target, 0.0)
    others = [c for c in wide.columns if c not in blocked]
    capacity = spare * float(wide[others].sum().sum()) if others else 0.0
    total_lost = float(lost.sum())
    substitution = (lost / total_lost * min(capacity, total_lost)) if total_lost > 0 else lost * 0
    net = lost - substitution
    imp, lo, ne = imports.to_numpy(), lost.to_numpy(), net.to_numpy()
    df = pd.DataFrame(
        {
            "importer": np.asarray(wide.index),
            "imports": imp,
            "lost": lo,
            "lost_share": np.divide(lo, imp, out=np.zeros(len(imp)), where=imp > 0),
            "substituted": substitution.to_numpy(),
            "net_lost": ne,
            "net_lost_share": np.divide(ne, imp, out=np.zeros(len(imp)), where=imp > 0),
        }
    )
    df = df[df["lost"] > 0].sort_values(["lost", "importer"], ascending=[False, True]).reset_index(drop=True)
    return df


def embargo_sweep(flows: pd.DataFrame, product: str, year: int, measure: str = "quantity") -> pd.DataFrame:
    """Every single exporter's embargo of ``product`` at once: quantity stopped, importers hit."""
    f = flows[
        (flows["product"] == product) & (flows["year"] == year) & (flows["exporter"] != flows["importer"])
    ]
    wide = f.pivot_table(index="importer", columns="exporter", values=measure, aggfunc="sum", fill_value=0.0)
    shares = wide.div(wide.sum(axis=1), axis=0)
    df = pd.DataFrame(
        {
            "exporter": np.asarray(wide.columns),
            "stopped": wide.sum(axis=0).to_numpy(),
            "importers_hit": (wide > 0).sum(axis=0).to_numpy(),
            "importers_over_half": (shares > 0.5).sum(axis=0).to_numpy(),
            "max_importer_share": shares.max(axis=0).to_numpy(),
        }
    )
    return df.sort_values(["stopped", "exporter"], ascending=[False, True]).reset_index(drop=True)
