r"""The chokepoint score, levels, quadrants and sensitivity.

Components of node :math:`i`, each in [0, 1]:

* **gap** :math:`G_i = g_i\,(\tfrac12 + \tfrac12 t_i)`: a technology gap
  :math:`g_i` that is hard to close (technical threshold :math:`t_i`).
  :math:`g_i` comes from data (``gap``; or ``gap_years`` as
  :math:`y/(y+5)`), else the proxy :math:`1 - L_i / \hat s_i` where
  :math:`\hat s_i` is the leading country's share (or the unknown remainder
  when larger): home providers level with the leader mean no gap.
  :math:`t_i = (\text{threshold} - 1)/4` from data, else the proxy
  :math:`3 / (n_i + 2)` with :math:`n_i` providers worldwide (enterprises when
  known, else countries): one provider -> 1, four -> 0.5.
* **criticality** :math:`C_i` (see :mod:`chokepoint.assess.criticality`).
* **exposure** :math:`E_i = \bar X_i\,(1 - \rho\,a_i)`: the bound :math:`\bar X_i` of the
  restricted share (coverage rule, see :mod:`chokepoint.assess.supply`: the known
  restricted share plus the unknown remainder they may hold, so that an unknown share
  never makes a node look safer; the known share is ``restricted_share``), relieved by
  :math:`\rho` (default 0.5) when an alternative source exists
  (:math:`a_i = 1`: a qualified home or allied provider of the node or of a
  ``substitute_for`` node).

Score: the weighted geometric mean, because a chokepoint is all three at once

.. math:: S_i = G_i^{w_G}\, C_i^{w_C}\, E_i^{w_E}, \qquad w_G + w_C + w_E = 1

(default weights 1/3 each). Levels: I (red) :math:`S \ge 0.85`, II (orange)
:math:`\ge 0.7`, III (yellow) :math:`\ge 0.5`, IV (blue) :math:`\ge 0.3`,
else ``low``; a node without supply data is ``insufficient_data``, never safe.
Quadrants by threshold (:math:`t \ge 0.5` high) x localization
(:math:`L \ge 0.3` high): 攻坚 tackle (high, low), 长板 strength (high, high),
替代 substitute (low, low), 安全 safe (low, high).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.assess.criticality import Criticality, criticality
from chokepoint.assess.perspective import Perspective
from chokepoint.assess.supply import RESTRICTED, SupplyIndicators, supply_indicators
from chokepoint.errors import UsageError
from chokepoint.model.chain import ChainMap
from chokepoint.model.countries import country_name

LEVELS = ("I", "II", "III", "IV")
LEVEL_COLORS = {"I": "red", "II": "orange", "III": "yellow", "IV": "blue"}
LEVEL_ZH = {
    "I": "红色（I级）",
    "II": "橙色（II级）",
    "III": "黄色（III级）",
    "IV": "蓝色（IV级）",
    "low": "低风险",
    "insufficient_data": "数据不足",
}
QUADRANTS = {
    "tackle": ("攻坚", "high threshold, low localization: long-term chokepoint"),
    "strength": ("长板", "high threshold, high localization: strength"),
    "substitute": ("替代", "low threshold, low localization: quick substitution"),
    "safe": ("安全", "low threshold, high localization: safe"),
}


@dataclass(frozen=True)
class AssessmentConfig:
    """Weights, cut-offs and thresholds of the assessment (all documented defaults)."""

    weights: dict[str, float] = field(
        default_factory=lambda: {"gap": 1 / 3, "criticality": 1 / 3, "exposure": 1 / 3}
    )
    level_cutoffs: tuple[float, float, float, float] = (0.85, 0.7, 0.5, 0.3)
    alternative_relief: float = 0.5
    qualified_share: float = 0.01
    neutral_is_alternative: bool = False
    single_country_share: float = 0.65
    single_enterprise_share: float = 0.5
    threshold_high: float = 0.5
    min_coverage: float = 0.0
    localization_high: float = 0.3
    #: Blend of macro criticality (input-output extraction loss of a node's sector) into C.
    macro_weight: float = 0.5

    def __post_init__(self) -> None:
        if set(self.weights) != {"gap", "criticality", "exposure"}:
            raise UsageError("weights need exactly the keys gap, criticality, exposure")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise UsageError("weights must be non-negative and not all zero")
        c = self.level_cutoffs
        if not all(c[i] > c[i + 1] for i in range(3)):
            raise UsageError("level cut-offs must decrease from level I to level IV")

    def normalized_weights(self) -> dict[str, float]:
        total = sum(self.weights.values())
        return {k: v / total for k, v in self.weights.items()}


def weighted_geometric_mean(components: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    r""":math:`\prod_k x_k^{w_k}` with :math:`\sum w_k = 1`; 0 when any weighted component is 0."""
    total = sum(weights.values())
    out = np.ones_like(next(iter(components.values())), dtype=float)
    for k, x in components.items():
        w = weights[k] / total
        if w > 0:
            out = out * np.power(np.clip(x, 0.0, 1.0), w)
    return out


def levels_of(score: np.ndarray, cutoffs: tuple[float, ...], insufficient: np.ndarray) -> np.ndarray:
    """Level label per node: I-IV, ``low`` or ``insufficient_data``."""
    labels = np.array([*LEVELS, "low"], dtype=object)
    idx = np.searchsorted(-np.asarray(cutoffs), -np.nan_to_num(score, nan=-1.0), side="right")
    out = labels[np.minimum(idx, 4)]
    out[insufficient] = "insufficient_data"
    return out


@dataclass(frozen=True)
class Assessment:
    """The result of :func:`assess`: arrays per node plus explanations on demand."""

    chain: ChainMap
    perspective: Perspective
    config: AssessmentConfig
    supply: SupplyIndicators
    crit: Criticality
    threshold: np.ndarray
    threshold_basis: np.ndarray
    gap: np.ndarray
    gap_basis: np.ndarray
    components: dict[str, np.ndarray]
    has_alternative: np.ndarray
    substitute_switch_days: np.ndarray
    score: np.ndarray
    level: np.ndarray
    quadrant: np.ndarray
    spof: np.ndarray
    spof_reasons: np.ndarray
    insufficient: np.ndarray
    derived_from: np.ndarray

    # ------------------------------------------------------------------ views
    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per node (stages excluded), ranked by score (insufficient data last)."""
        s, ix = self.supply, self.chain.index
        nodes = self.chain.nodes
        df = pd.DataFrame(
            {
                "id": ix.node_ids,
                "name": nodes["name"].to_numpy(),
                "name_zh": nodes["name_zh"].to_numpy(),
                "kind": nodes["kind"].to_numpy(),
                "stage": nodes["stage"].to_numpy(),
                "level": self.level,
                "score": self.score,
                "quadrant": self.quadrant,
                "gap": self.components["gap"],
                "criticality": self.components["criticality"],
                "exposure": self.components["exposure"],
                "technology_gap": self.gap,
                "gap_basis": self.gap_basis,
                "threshold": self.threshold,
                "threshold_basis": self.threshold_basis,
                "localization": s.localization,
                "localization_upper": s.localization_upper,
                "foreign_dependency": 1.0 - s.localization,
                "restricted_share": s.exposure_known,
                "restricted_share_upper": s.exposure,
                "hhi_country": s.hhi_country,
                "hhi_country_risk_weighted": s.hhi_weighted,
                "top1_country": s.top1_country_code,
                "top1_country_share": s.top1_country,
                "top3_country_share": s.top3_country,
                "hhi_enterprise": s.hhi_enterprise,
                "top1_enterprise": s.top1_enterprise_id,
                "top1_enterprise_share": s.top1_enterprise,
                "top3_enterprise_share": s.top3_enterprise,
                "n_countries": s.n_countries,
                "n_enterprises": s.n_enterprises,
                "n_qualified": s.n_qualified,
                "single_point_of_failure": self.spof,
                "spof_reasons": self.spof_reasons,
                "has_alternative": self.has_alternative,
                "substitute_switch_days": self.substitute_switch_days,
                "downstream_value_share": self.crit.value_share,
                "downstream_reach": self.crit.reach,
                "coverage_country": s.coverage,
                "coverage_enterprise": s.coverage_enterprise,
                "year": s.year,
            }
        )
        df = df[~ix.node_is_stage]
        order = np.lexsort((df["id"].to_numpy(dtype=str), -np.nan_to_num(df["score"].to_numpy(), nan=-1.0)))
        df = df.iloc[order].reset_index(drop=True)
        df.insert(0, "rank", np.arange(1, len(df) + 1))
        return df

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def position(self, node_id: str) -> int:
        return self.chain.index.node_position(node_id)

    def row(self, node_id: str) -> dict[str, Any]:
        return {str(k): v for k, v in self.frame.set_index("id").loc[node_id].items()}

    # ----------------------------------------------------------- explanation
    def restricted_suppliers(self, i: int) -> list[tuple[str, float, list[str]]]:
        """(country, share, top enterprises) of restricted supply of node ``i``, largest first."""
        e = self.supply.entries
        sel = (e.node == i) & (e.cls == RESTRICTED)
        rows = sorted(zip(e.code[sel], e.share[sel], strict=True), key=lambda r: -np.nan_to_num(r[1], nan=0))
        ix = self.chain.index
        prov_mask = (ix.prov_node == i) & ~ix.actor_is_geo[np.clip(ix.prov_actor, 0, None)]
        out = []
        for code, share in rows:
            firms = [
                (ix.prov_share[k], ix.actor_ids[ix.prov_actor[k]])
                for k in np.flatnonzero(prov_mask)
                if ix.actor_country[ix.prov_actor[k]] == code
            ]
            firms.sort(key=lambda f: -np.nan_to_num(f[0], nan=0))
            names = [
                str(self.chain.actors.iloc[self.chain.index.actor_position(a)]["name"]) for _, a in firms[:2]
            ]
            out.append((str(code), float(share), names))
        return out

    def components_of(self, node_id: str) -> list[dict[str, Any]]:
        """Score components of one node: name, value, weight, coverage, basis, year."""
        i = self.position(node_id)
        s = self.supply
        year = None if np.isnan(s.year[i]) else int(s.year[i])
        w = self.config.normalized_weights()
        return [
            {
                "name": "gap",
                "value": _f(self.components["gap"][i]),
                "weight": w["gap"],
                "coverage": _f(s.coverage[i]),
                "basis": f"gap: {self.gap_basis[i]}; threshold: {self.threshold_basis[i]}",
                "year": year,
            },
            {
                "name": "criticality",
                "value": _f(self.components["criticality"][i]),
                "weight": w["criticality"],
                "coverage": 1.0,
                "basis": "graph (exact reach)" if self.crit.exact else "graph (linear propagation)",
                "year": None,
            },
            {
                "name": "exposure",
                "value": _f(self.components["exposure"][i]),
                "weight": w["exposure"],
                "coverage": _f(s.coverage[i]),
                "basis": "restricted share of supply (country level)",
                "year": year,
            },
        ]

    def explanation(self, node_id: str, lang: str = "en") -> str:
        """One sentence a minister can read, in English (``en``) or Chinese (``zh``)."""
        i = self.position(node_id)
        node = self.chain.nodes.iloc[i]
        name = str(node["name_zh"] or node["name"]) if lang == "zh" else str(node["name"])
        s = self.supply
        if self.insufficient[i]:
            e = s.entries
            codes = ", ".join(sorted({str(c) for c in e.code[e.node == i] if c}))
            if codes:
                return (
                    f"{name}：已知供给国家/地区（{codes}），但份额均未知，数据不足（不视为安全）"
                    if lang == "zh"
                    else f"{name}: suppliers known ({codes}) but every share is "
                    "unknown: insufficient data, not safe"
                )
            return (
                f"{name}：缺少供给数据，无法评估（数据不足，不视为安全）"
                if lang == "zh"
                else f"{name}: no supply data, so it cannot be assessed (insufficient data, not safe)"
            )
        parts = []
        rs = self.restricted_suppliers(i)
        x = s.exposure_known[i]
        if rs:
            unknown = "份额未知" if lang == "zh" else "share unknown"
            if lang == "zh":
                who = "，".join(
                    f"{country_name(c, lang)}（{c}）{unknown if np.isnan(sh) else format(sh, '.0%')}"
                    + (f"（{'、'.join(f)}）" if f else "")
                    for c, sh, f in rs[:3]
                )
            else:
                who = ", ".join(
                    f"{country_name(c, lang)} ({c}) {unknown if np.isnan(sh) else format(sh, '.0%')}"
                    + (f" ({', '.join(f)})" if f else "")
                    for c, sh, f in rs[:3]
                )
            if lang == "zh":
                parts.append(f"{x:.0%}的供给来自受限国家（{who}）")
            else:
                plural = "countries" if len(rs) > 1 else "country"
                parts.append(f"{x:.0%} of supply from {who}, restricted {plural}")
        else:
            parts.append("无受限国家供给" if lang == "zh" else "no supply from restricted countries")
        if s.exposure[i] > x + 1e-12:
            parts.append(
                f"未知份额最多再增加{s.exposure[i] - x:.0%}"
                if lang == "zh"
                else f"up to {s.exposure[i] - x:.0%} more behind unknown shares"
            )
        if self.has_alternative[i]:
            days = self.substitute_switch_days[i]
            if lang == "zh":
                parts.append("有替代来源" + (f"（替代品切换约{days:g}天）" if not np.isnan(days) else ""))
            else:
                parts.append(
                    "an alternative source exists"
                    + (f" (substitute, about {days:g} days to switch)" if not np.isnan(days) else "")
                )
        else:
            parts.append("无替代来源" if lang == "zh" else "no alternative source")
        j = int(self.derived_from[i])
        if j >= 0:
            kind = self.chain.nodes.iloc[j]
            kname = str(kind["name_zh"] or kind["name"]) if lang == "zh" else str(kind["name"])
            parts.append(
                f"评分取自其最危险的必需子类{kname}（{kind['id']}）"
                if lang == "zh"
                else f"scored as its riskiest required kind, {kname} ({kind['id']})"
            )
        reach = round(float(self.crit.reach[i]))
        parts.append(f"下游{reach}个节点依赖" if lang == "zh" else f"needed by {reach} downstream nodes")
        loc = s.localization[i]
        parts.append(
            f"国产化率{loc:.0%}（代理指标：本国企业全球份额）"
            if lang == "zh"
            else f"localization {loc:.0%} (proxy: home providers' global share)"
        )
        sep = "；" if lang == "zh" else "; "
        head = f"{name}：" if lang == "zh" else f"{name}: "
        return head + sep.join(parts)

    def records(self, lang: str = "en", limit: int | None = None) -> list[dict[str, Any]]:
        """JSON-ready rows: id, name, level, score, quadrant, components, explanation, indicators."""
        df = self.frame if limit is None else self.frame.head(limit)
        return [self._record(r, lang) for r in df.to_dict("records")]

    def record(self, node_id: str, lang: str = "en") -> dict[str, Any]:
        """The JSON-ready row of one node (raises ``KeyError`` for an unknown or stage node)."""
        rows = self.frame[self.frame["id"] == node_id]
        if rows.empty:
            raise KeyError(node_id)
        return self._record(rows.to_dict("records")[0], lang)

    def _record(self, r: dict[Any, Any], lang: str) -> dict[str, Any]:
        q = r["quadrant"]
        return {
            "rank": int(r["rank"]),
            "id": r["id"],
            "name": r["name"],
            "name_zh": r["name_zh"],
            "kind": r["kind"],
            "level": r["level"],
            "score": _f(r["score"]),
            "quadrant": q,
            "quadrant_zh": QUADRANTS[q][0] if q in QUADRANTS else "",
            "components": self.components_of(r["id"]),
            "explanation": self.explanation(r["id"], lang),
            "indicators": {k: _jsonable(r[k]) for k in INDICATOR_COLUMNS},
        }

    # ------------------------------------------------------------ sensitivity
    def sensitivity(self, delta: float = 0.2) -> pd.DataFrame:
        """Rank stability when each weight moves by +/- ``delta`` (renormalized).

        Returns one row per node: ``rank``, ``rank_min``, ``rank_max``,
        ``level_stable`` (same level in every variant) and ``robust``
        (level stable and rank range at most 3).
        """
        base = self.config.normalized_weights()
        ranks, levels = [], []
        eligible = ~self.chain.index.node_is_stage
        for k in base:
            for sign in (-1, 1):
                w = dict(base)
                w[k] = base[k] * (1 + sign * delta)
                sc = weighted_geometric_mean(self.components, w)
                sc = np.where(self.insufficient, np.nan, sc)
                ranks.append(_ranks(sc, eligible))
                levels.append(levels_of(sc, self.config.level_cutoffs, self.insufficient))
        r = np.vstack(ranks)
        lv = np.vstack(levels)
        same = (lv == self.level[None, :]).all(axis=0)
        base_rank = _ranks(self.score, eligible)
        df = pd.DataFrame(
            {
                "id": self.chain.index.node_ids,
                "level": self.level,
                "rank": base_rank,
                "rank_min": np.minimum(r.min(axis=0), base_rank),
                "rank_max": np.maximum(r.max(axis=0), base_rank),
                "level_stable": same,
            }
        )[eligible]
        df["robust"] = df["level_stable"] & (df["rank_max"] - df["rank_min"] <= 3)
        return df.sort_values("rank").reset_index(drop=True)


INDICATOR_COLUMNS = (
    "localization",
    "localization_upper",
    "foreign_dependency",
    "restricted_share",
    "restricted_share_upper",
    "hhi_country",
    "hhi_country_risk_weighted",
    "top1_country",
    "top1_country_share",
    "top3_country_share",
    "hhi_enterprise",
    "top1_enterprise",
    "top1_enterprise_share",
    "top3_enterprise_share",
    "n_countries",
    "n_enterprises",
    "n_qualified",
    "single_point_of_failure",
    "spof_reasons",
    "has_alternative",
    "substitute_switch_days",
    "technology_gap",
    "gap_basis",
    "threshold",
    "threshold_basis",
    "downstream_value_share",
    "downstream_reach",
    "coverage_country",
    "coverage_enterprise",
    "year",
)


def _f(v: Any) -> float | None:
    v = float(v)
    return None if np.isnan(v) else round(v, 12)


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return _f(v)
    return v


def _ranks(score: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """1 = highest score among eligible nodes; NaN last; ties by position."""
    key = np.where(eligible, np.nan_to_num(score, nan=-1.0), -2.0)
    order = np.argsort(-key, kind="stable")
    ranks = np.empty(len(score), dtype=np.int64)
    ranks[order] = np.arange(1, len(score) + 1)
    return ranks


def assess(
    chain: ChainMap,
    perspective: Perspective,
    config: AssessmentConfig | None = None,
    macro: Mapping[str, float] | None = None,
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
        # nodes with a sector code: C = (1 - λ) C_graph + λ M, M = the sector's extraction loss share
        # normalized to the largest (see chokepoint.macro.link.macro_criticality)
        m = pd.Series(chain.index.node_ids).map(dict(macro)).to_numpy(dtype=float)
        has = ~np.isnan(m)
        blended = np.where(
            has, (1 - cfg.macro_weight) * crit.score + cfg.macro_weight * np.nan_to_num(m), crit.score
        )
        crit = replace(crit, score=blended)
    nodes = chain.nodes

    # technical threshold: data or proxy
    thr_data = nodes["threshold"].to_numpy(dtype=float, na_value=np.nan)
    n_prov = np.where(s.n_enterprises > 0, s.n_enterprises, s.n_countries)
    thr_proxy = np.where(n_prov > 0, 3.0 / (n_prov + 2.0), np.nan)
    threshold = np.where(np.isnan(thr_data), np.minimum(1.0, thr_proxy), (thr_data - 1) / 4)
    threshold_basis = np.where(np.isnan(thr_data), "proxy: providers worldwide", "data")

    # technology gap: data, years, or proxy
    gap_data = nodes["gap"].to_numpy(dtype=float)
    years = nodes["gap_years"].to_numpy(dtype=float)
    remainder = np.maximum(0.0, 1.0 - s.coverage)
    any_unknown = s.localization_upper > s.localization
    leader = np.maximum(s.top1_country, np.where(any_unknown, remainder, 0.0))
    gap_proxy = np.where(
        leader > 0, 1.0 - np.minimum(1.0, s.localization / np.where(leader > 0, leader, 1)), np.nan
    )
    gap = np.where(
        ~np.isnan(gap_data), gap_data, np.where(~np.isnan(years), years / (years + 5.0), gap_proxy)
    )
    gap_basis = np.where(
        ~np.isnan(gap_data),
        "data",
        np.where(~np.isnan(years), "data (years)", "proxy: home share vs leader"),
    )

    # alternative sources, also through substitute_for nodes
    sub = ix.substitute_for  # sub[s, t]: s can replace t
    alt_via_sub = (sub.T @ s.has_alternative.astype(float)) > 0
    has_alt = s.has_alternative | alt_via_sub
    switch = np.full(n, np.nan)
    if sub.nnz:
        sw = ix.switching_days.tocoo()
        ok = s.has_alternative[sw.row] & ~s.has_alternative[sw.col]
        days = sw.data[ok] - 1.0
        days = np.where(days < 0, np.nan, days)
        for t, d in zip(sw.col[ok], days, strict=True):
            switch[t] = d if np.isnan(switch[t]) else np.nanmin([switch[t], d])

    # the bound of the exposure (coverage rule): an unknown share never makes a node look safer
    e_comp = s.exposure * (1.0 - cfg.alternative_relief * has_alt)
    own_data = s.has_data & (s.coverage > cfg.min_coverage) & ~np.isnan(gap)
    # 'all' parents are as hard and as exposed as their hardest required kind
    g_comp = np.nan_to_num(gap, nan=0.0) * (0.5 + 0.5 * np.nan_to_num(threshold, nan=0.0))
    w = cfg.normalized_weights()
    partial = weighted_geometric_mean(
        {"gap": g_comp, "exposure": e_comp}, {"gap": w["gap"], "exposure": w["exposure"]}
    )
    inherited = inherit_from_kinds(
        chain,
        {"gap": gap, "threshold": threshold, "exposure": e_comp, "g": g_comp},
        own_data,
        partial,
    )
    derived = inherited["_derived"].astype(bool)
    derived_from = np.where(derived, inherited["_source"].astype(np.int64), -1)
    has_data = inherited["_has_data"].astype(bool)
    basis = "derived: riskiest required kind"
    gap_basis = np.where(derived, basis, gap_basis)
    threshold_basis = np.where(derived, basis, threshold_basis)
    gap, threshold, e_comp, g_comp = (inherited[k] for k in ("gap", "threshold", "exposure", "g"))
    components = {"gap": g_comp, "criticality": crit.score, "exposure": e_comp}
    insufficient = ~has_data
    score = np.where(insufficient, np.nan, weighted_geometric_mean(components, cfg.weights))
    level = levels_of(score, cfg.level_cutoffs, insufficient)

    thr_high = np.nan_to_num(threshold, nan=0.0) >= cfg.threshold_high
    loc_high = s.localization >= cfg.localization_high
    quadrant = np.where(
        thr_high, np.where(loc_high, "strength", "tackle"), np.where(loc_high, "safe", "substitute")
    ).astype(object)
    quadrant[insufficient] = "insufficient_data"

    c1 = s.top1_country > cfg.single_country_share
    e1 = s.top1_enterprise > cfg.single_enterprise_share
    few = s.has_data & (s.n_qualified < 2)
    spof = c1 | e1 | few
    reasons = np.array(
        [
            "; ".join(
                r
                for r, f in (
                    (f"one country above {cfg.single_country_share:.0%}", a),
                    (f"one enterprise above {cfg.single_enterprise_share:.0%}", b),
                    ("fewer than two qualified sources", c),
                )
                if f
            )
            for a, b, c in zip(c1, e1, few, strict=True)
        ],
        dtype=object,
    )
    return Assessment(
        chain=chain,
        perspective=perspective,
        config=cfg,
        supply=s,
        crit=crit,
        threshold=threshold,
        threshold_basis=threshold_basis.astype(object),
        gap=gap,
        gap_basis=gap_basis.astype(object),
        components=components,
        has_alternative=has_alt,
        substitute_switch_days=switch,
        score=score,
        level=level,
        quadrant=quadrant,
        spof=spof,
        spof_reasons=reasons,
        insufficient=insufficient,
        derived_from=derived_from,
    )


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
    from chokepoint.assess.supply import group_top

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


def with_weights(config: AssessmentConfig, **weights: float) -> AssessmentConfig:
    """A copy of ``config`` with some weights changed."""
    return replace(config, weights={**config.weights, **weights})
