r"""The chokepoint score of every technology (assessment v2; docs/assessment.md).

Components of node :math:`i`, each in [0, 1], each with its basis (data, proxy, expert,
reported, derived) and coverage:

* **gap** :math:`G_i = g_i\,(\tfrac12 + \tfrac12 t_i)`: the technology gap :math:`g_i` from
  the experts' median, else the node's ``gap`` or ``gap_years`` (:math:`y/(y+5)`), else the proxy
  :math:`1 - h_i/\hat s_i` (home capability :math:`h_i = \max(L_i, \lambda L_{family})` against
  the leading country's share); the threshold :math:`t_i` from the experts, else ``threshold``
  (:math:`(x-1)/4`), else the proxy :math:`\sqrt{K^{world}_i}`, one over the square root of the
  effective number of providers worldwide.
* **criticality** :math:`C_i` (:mod:`chokepoint.assess.criticality`).
* **exposure** :math:`E_i` from the restricted share, concentration, governance and
  substitutability (:mod:`chokepoint.assess.exposure`), with trade data
  (:mod:`chokepoint.assess.trade_basis`) and reported data (:mod:`chokepoint.assess.reported`)
  where they exist.

Score: the weighted geometric mean, because a chokepoint is all three at once,
:math:`S_i = G_i^{w_G} C_i^{w_C} E_i^{w_E}` (default weights 1/3 each). Levels on absolute
cut-offs (I :math:`\ge 0.90`, II :math:`\ge 0.85`, III :math:`\ge 0.70`, IV :math:`\ge 0.50`,
else ``low``; no known share: ``insufficient_data``, never safe). Categories (nodes with
``type_of`` children) are groups, not scored (:mod:`chokepoint.assess.hierarchy`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chokepoint.assess.assessment import INDICATOR_COLUMNS, Assessment
from chokepoint.assess.config import AssessmentConfig, with_weights
from chokepoint.assess.criticality import criticality
from chokepoint.assess.exposure import exposure_parts
from chokepoint.assess.governance import GovernanceTable
from chokepoint.assess.hierarchy import group_mask
from chokepoint.assess.levels import (
    LEVEL_COLORS,
    LEVEL_ZH,
    LEVELS,
    QUADRANTS,
    levels_of,
    weighted_geometric_mean,
)
from chokepoint.assess.perspective import Perspective
from chokepoint.assess.regional import region_footprint
from chokepoint.assess.reported import reported_arrays, reported_substitutability
from chokepoint.assess.supply import group_top, supply_indicators
from chokepoint.assess.trade_basis import TradeBasis
from chokepoint.model.chain import ChainMap

__all__ = [
    "INDICATOR_COLUMNS",
    "LEVELS",
    "LEVEL_COLORS",
    "LEVEL_ZH",
    "QUADRANTS",
    "Assessment",
    "AssessmentConfig",
    "assess",
    "inherit_from_kinds",
    "levels_of",
    "weighted_geometric_mean",
    "with_weights",
]


def assess(
    chain: ChainMap,
    perspective: Perspective,
    config: AssessmentConfig | None = None,
    macro: Mapping[str, float] | None = None,
    governance: GovernanceTable | None = None,
    experts: pd.DataFrame | None = None,
    trade: TradeBasis | None = None,
    reported: pd.DataFrame | None = None,
) -> Assessment:
    """Assess every node of ``chain`` from ``perspective``.

    Parameters
    ----------
    chain : ChainMap
    perspective : Perspective
    config : AssessmentConfig, optional
        Weights, level cut-offs and thresholds; defaults are documented in
        :mod:`chokepoint.assess.score`.

    Returns
    -------
    Assessment
        Arrays per node, ``.frame`` (a ranked DataFrame), ``.explanation(id)``,
        ``.components_of(id)``, ``.records()`` and ``.sensitivity()``.

    Examples
    --------
    >>> from chokepoint.datasets import load_semiconductors
    >>> p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    >>> a = assess(load_semiconductors(), p)
    >>> a.row("N20")["level"]
    'I'
    """
    cfg = config or AssessmentConfig()
    ix = chain.index
    n = ix.n_nodes
    s = supply_indicators(
        chain,
        p=perspective,
        qualified_share=cfg.qualified_share,
        neutral_is_alternative=cfg.neutral_is_alternative,
    )
    crit = criticality(chain)
    if macro:
        # nodes with a sector code: C = (1 - λ) C_graph + λ M, M = the sector's extraction multiplier
        # normalized to the largest (see chokepoint.macro.link.macro_criticality)
        m = pd.Series(chain.index.node_ids).map(dict(macro)).to_numpy(dtype=float)
        has = ~np.isnan(m)
        blended = np.where(
            has, (1 - cfg.macro_weight) * crit.score + cfg.macro_weight * np.nan_to_num(m), crit.score
        )
        crit = replace(crit, score=blended)
    nodes = chain.nodes
    ex = expert_arrays(chain, experts)
    rep = reported_arrays(chain, reported)
    ex_n = {f: ex[f"n_{f}"] for f in ("gap", "threshold", "substitutability")}

    # exposure: restricted share, concentration, governance, substitutability
    missing = cfg.unknown_country_risk if governance is None else governance.missing_value
    parts = exposure_parts(
        chain,
        s,
        perspective,
        governance=governance,
        missing_risk=missing,
        governance_weight=cfg.governance_weight,
        relief=cfg.alternative_relief,
        qualified_share=cfg.qualified_share,
        neutral_is_alternative=cfg.neutral_is_alternative,
        substitutability_data=nodes["substitutability"].to_numpy(dtype=float, na_value=np.nan),
        substitutability_expert=ex["substitutability"],
        trade=trade,
        reported_restricted=rep["restricted_supply_share"],
        reported_substitutability=reported_substitutability(rep["qualified_suppliers"]),
    )

    # technical threshold: expert, data, else the concentration of the world's providers
    thr_data = (nodes["threshold"].to_numpy(dtype=float, na_value=np.nan) - 1.0) / 4.0
    rem_e = np.maximum(0.0, 1.0 - s.coverage_enterprise)
    k_ent = s.hhi_enterprise + rem_e**2
    use_ent = (s.n_enterprises > 0) & (s.coverage_enterprise >= cfg.enterprise_coverage)
    k_world = np.where(use_ent, k_ent, parts.concentration)
    thr_proxy = np.where(s.has_data, np.sqrt(np.clip(k_world, 0.0, 1.0)), np.nan)
    threshold, threshold_basis = first_of(
        (ex["threshold"], "expert"), (thr_data, "data"), (thr_proxy, "proxy")
    )

    # technology gap: expert, data (gap or years), else the proxy home share vs leader
    gap_data = nodes["gap"].to_numpy(dtype=float)
    years = nodes["gap_years"].to_numpy(dtype=float)
    remainder = np.maximum(0.0, 1.0 - s.coverage)
    any_unknown = s.localization_upper > s.localization
    leader = np.maximum(s.top1_country, np.where(any_unknown, remainder, 0.0))
    capability = np.maximum(
        s.localization, cfg.family_capability * family_localization(chain, s.localization)
    )
    gap_proxy = np.where(
        leader > 0, 1.0 - np.minimum(1.0, capability / np.where(leader > 0, leader, 1)), np.nan
    )
    ex_years = ex["gap_years"]
    gap, gap_basis = first_of(
        (ex["gap"], "expert"),
        (ex_years / (ex_years + 5.0), "expert"),
        (gap_data, "data"),
        (years / (years + 5.0), "data"),
        (gap_proxy, "proxy"),
    )

    # alternative sources (for the explanation and the lists), also through substitute_for nodes
    sub = ix.substitute_for  # sub[s, t]: s can replace t
    alt_via_sub = (sub.T @ s.has_alternative.astype(float)) > 0
    has_alt = s.has_alternative | alt_via_sub
    switch = np.full(n, np.inf)
    if sub.nnz:
        sw = ix.switching_days.tocoo()
        ok = s.has_alternative[sw.row] & ~s.has_alternative[sw.col]
        days = sw.data[ok] - 1.0
        np.minimum.at(switch, sw.col[ok], np.where(days < 0, np.inf, days))
    switch[np.isinf(switch)] = np.nan

    groups = group_mask(chain)
    e_comp = parts.exposure
    g_comp = np.nan_to_num(gap, nan=0.0) * (0.5 + 0.5 * np.nan_to_num(threshold, nan=0.0))
    components = {"gap": g_comp, "criticality": crit.score, "exposure": e_comp}
    insufficient = ~(s.has_data & (s.coverage > cfg.min_coverage)) & ~groups
    score = np.where(insufficient | groups, np.nan, weighted_geometric_mean(components, cfg.weights))
    level = levels_of(score, cfg.level_cutoffs, insufficient)
    level[groups] = "group"

    thr_high = np.nan_to_num(threshold, nan=0.0) >= cfg.threshold_high
    loc_high = s.localization >= cfg.localization_high
    quadrant = np.where(
        thr_high, np.where(loc_high, "strength", "tackle"), np.where(loc_high, "safe", "substitute")
    ).astype(object)
    quadrant[insufficient] = "insufficient_data"
    quadrant[groups] = "group"

    c1 = s.top1_country > cfg.single_country_share
    e1 = s.top1_enterprise > cfg.single_enterprise_share
    few = s.has_data & (s.n_qualified < 2)
    spof = c1 | e1 | few
    labels = np.array(
        [
            f"one country above {cfg.single_country_share:.0%}",
            f"one enterprise above {cfg.single_enterprise_share:.0%}",
            "fewer than two qualified sources",
        ],
        dtype=object,
    )
    labels_zh = np.array(
        [
            f"单一国家份额超过{cfg.single_country_share:.0%}",
            f"单一企业份额超过{cfg.single_enterprise_share:.0%}",
            "合格供给来源少于两个",
        ],
        dtype=object,
    )
    # the reasons of each of the 8 combinations of the three flags, then one lookup per node
    combos = np.array([[bool(k & 1), bool(k & 2), bool(k & 4)] for k in range(8)])
    texts = np.array(["; ".join(labels[row]) for row in combos], dtype=object)
    texts_zh = np.array(["；".join(labels_zh[row]) for row in combos], dtype=object)
    combo = c1.astype(np.int64) + 2 * e1.astype(np.int64) + 4 * few.astype(np.int64)
    reasons, reasons_zh = texts[combo], texts_zh[combo]
    return Assessment(
        chain=chain,
        perspective=perspective,
        config=cfg,
        supply=s,
        crit=crit,
        threshold=threshold,
        threshold_basis=threshold_basis,
        gap=gap,
        gap_basis=gap_basis,
        gap_years=np.where(gap_basis == "expert", ex_years, np.where(gap_basis == "data", years, np.nan)),
        components=components,
        has_alternative=has_alt,
        substitute_switch_days=switch,
        score=score,
        level=level,
        quadrant=quadrant,
        spof=spof,
        spof_reasons=reasons,
        spof_reasons_zh=reasons_zh,
        insufficient=insufficient,
        derived_from=np.full(n, -1, dtype=np.int64),
        exposure_parts=parts,
        expert_n=ex_n,
        groups=groups,
        governance_source=None if governance is None else f"{governance.source} {governance.year}",
        reported=rep,
        regional=None if perspective.region is None else regional_shares(chain, perspective),
    )


def regional_shares(chain: ChainMap, p: Perspective) -> dict[str, npt.NDArray[Any]]:
    """A regional perspective's columns per node: the region's share of world supply (a lower
    bound; NaN without organisation-level shares), its upper bound, the known share of home
    organisations located elsewhere in the country (domestic, outside the region), that of home
    organisations without a location (in the region's bound, not outside it) and whether a
    provider in the region has an unknown share (:func:`chokepoint.assess.regional.region_footprint`).
    """
    assert p.region is not None
    fp = region_footprint(chain, p.region, p)
    return {
        "region_share": fp["region_share"].to_numpy(dtype=float),
        "region_share_upper": fp["region_upper"].to_numpy(dtype=float),
        "domestic_share": fp["home_elsewhere"].to_numpy(dtype=float),
        "home_unlocated_share": fp["home_unlocated"].to_numpy(dtype=float),
        "region_partial": fp["region_partial"].to_numpy(dtype=bool),
    }


def family_localization(chain: ChainMap, localization: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The largest home share among each node's relatives: its siblings (the other kinds of its
    ``type_of`` parents) and its ``substitute_for`` neighbours (either direction).
    """
    ix = chain.index
    t = ix.type_of.tocsr().astype(np.float64)  # t[c, p] = 1
    sib = (t @ t.T).tocoo()
    sub = ix.substitute_for.tocoo()
    rows = np.concatenate([sib.row, sub.row, sub.col])
    cols = np.concatenate([sib.col, sub.col, sub.row])
    keep = rows != cols
    out = np.zeros(ix.n_nodes)
    np.maximum.at(out, rows[keep], localization[cols[keep]])
    return out


def first_of(*candidates: tuple[npt.NDArray[np.float64], str]) -> tuple[np.ndarray, np.ndarray]:
    """The first non-NaN value per node among ``(values, basis)`` candidates, and its basis
    (``""`` where none has a value).
    """
    n = len(candidates[0][0])
    value = np.full(n, np.nan)
    basis = np.full(n, "", dtype=object)
    for values, name in candidates:
        take = np.isnan(value) & ~np.isnan(values)
        value[take] = values[take]
        basis[take] = name
    return value, basis


EXPERT_FIELDS = ("gap", "threshold", "substitutability", "gap_years")


def expert_arrays(chain: ChainMap, experts: pd.DataFrame | None) -> dict[str, npt.NDArray[np.float64]]:
    """The experts' aggregated scores aligned on the chain's nodes (NaN where not scored).

    ``experts``: indexed by node id, columns ``gap``, ``threshold``, ``substitutability`` (the
    medians on 0-1), ``gap_years`` (median years), ``n_<field>`` (experts giving the field) and
    ``n``, as :func:`chokepoint.assess.expert.aggregate_expert_scores` returns.
    """
    ids = pd.Index(chain.index.node_ids)
    out: dict[str, npt.NDArray[np.float64]] = {}
    counts = [f"n_{f}" for f in EXPERT_FIELDS]
    for f in (*EXPERT_FIELDS, *counts, "n"):
        empty = 0.0 if f.startswith("n") else np.nan
        if experts is None or f not in experts.columns:
            out[f] = np.full(len(ids), empty)
        else:
            col = pd.to_numeric(experts[f], errors="coerce").reindex(ids)
            out[f] = col.to_numpy(dtype=float, na_value=empty)
    # a gap from the experts' years counts the experts who gave years
    out["n_gap"] = np.where(np.isnan(out["gap"]), out["n_gap_years"], out["n_gap"])
    return out


def inherit_from_kinds(
    chain: ChainMap, values: dict[str, np.ndarray], has_data: np.ndarray, risk: np.ndarray
) -> dict[str, np.ndarray]:
    """Give each ``all`` parent the values of its riskiest kind when that kind is riskier.

    A parent that needs every kind (``type_of`` children, rule ``all``) is as
    hard and as exposed as its riskiest required kind: where a child's
    ``risk`` exceeds the parent's, the parent takes that child's ``values``
    (all of them, from the same child). Tier by tier up the taxonomy, vectorized
    per tier. A parent without data of its own takes its riskiest kind's values;
    ``_derived`` marks parents whose values came from a kind.
    """
    ix = chain.index
    t = ix.type_of.tocoo()
    keep = ix.children_all[t.col]
    rows, cols = t.row[keep], t.col[keep]
    n = ix.n_nodes
    out = {k: v.astype(float).copy() for k, v in values.items()}
    r = np.where(has_data, risk, -1.0)
    derived = np.zeros(n, dtype=bool)
    source = np.arange(n)
    for _ in range(n + 1):
        ok = r[rows] >= 0
        best, arg, _ = group_top(cols[ok], r[rows[ok]], n, k=1)
        take = (arg >= 0) & (best > r)
        if not take.any():
            break
        child = rows[ok][arg[take]]
        for k in out:
            out[k][take] = out[k][child]
        r[take] = best[take]
        derived[take] = True
        source[take] = source[child]
    out["_derived"] = derived.astype(float)
    out["_has_data"] = (r >= 0).astype(float)
    out["_source"] = source.astype(float)
    return out
