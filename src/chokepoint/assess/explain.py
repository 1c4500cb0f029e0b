"""Explanations of an assessed node: its restricted suppliers, its score components, a sentence.

The functions read an assessment through :class:`ScoredNodes` (what
:class:`~chokepoint.assess.assessment.Assessment` holds), in English (``en``) or
Chinese (``zh``).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from chokepoint.assess.config import AssessmentConfig
from chokepoint.assess.criticality import Criticality
from chokepoint.assess.supply import RESTRICTED, SupplyIndicators
from chokepoint.model.chain import ChainMap
from chokepoint.model.countries import country_name


class ScoredNodes(Protocol):
    """The arrays per node an explanation reads (an :class:`~chokepoint.assess.assessment.Assessment`)."""

    @property
    def chain(self) -> ChainMap:
        """The assessed chain map."""

    @property
    def config(self) -> AssessmentConfig:
        """The weights, cut-offs and thresholds the assessment used."""

    @property
    def supply(self) -> SupplyIndicators:
        """Supply indicators per node (shares, concentration, exposure, coverage)."""

    @property
    def crit(self) -> Criticality:
        """Downstream criticality per node (value share, reach, score C)."""

    @property
    def components(self) -> dict[str, np.ndarray]:
        """Score components per node: ``gap``, ``criticality`` and ``exposure``."""

    @property
    def gap_basis(self) -> np.ndarray:
        """Where each node's technology gap comes from (data, years, proxy or derived)."""

    @property
    def threshold_basis(self) -> np.ndarray:
        """Where each node's technical threshold comes from (data, proxy or derived)."""

    @property
    def has_alternative(self) -> np.ndarray:
        """Whether each node has an alternative source (itself or through a substitute)."""

    @property
    def substitute_switch_days(self) -> np.ndarray:
        """Days to switch to the quickest substitute per node (NaN when none)."""

    @property
    def insufficient(self) -> np.ndarray:
        """Whether each node lacks the data to be assessed (level ``insufficient_data``)."""

    @property
    def derived_from(self) -> np.ndarray:
        """Position of the riskiest required kind a node is scored as; -1 when scored itself."""


def rounded(v: Any) -> float | None:
    """``v`` as a float rounded to 12 places; ``None`` for NaN (JSON has no NaN)."""
    v = float(v)
    return None if np.isnan(v) else round(v, 12)


def restricted_suppliers(a: ScoredNodes, i: int) -> list[tuple[str, float, list[str]]]:
    """(country, share, top enterprises) of restricted supply of node ``i``, largest first."""
    e = a.supply.entries
    sel = (e.node == i) & (e.cls == RESTRICTED)
    rows = sorted(zip(e.code[sel], e.share[sel], strict=True), key=lambda r: -np.nan_to_num(r[1], nan=0))
    ix = a.chain.index
    prov_mask = (ix.prov_node == i) & ~ix.actor_is_geo[np.clip(ix.prov_actor, 0, None)]
    out = []
    for code, share in rows:
        firms = [
            (ix.prov_share[k], ix.actor_ids[ix.prov_actor[k]])
            for k in np.flatnonzero(prov_mask)
            if ix.actor_country[ix.prov_actor[k]] == code
        ]
        firms.sort(key=lambda f: -np.nan_to_num(f[0], nan=0))
        names = [str(a.chain.actors.iloc[ix.actor_position(aid)]["name"]) for _, aid in firms[:2]]
        out.append((str(code), float(share), names))
    return out


def components_of(a: ScoredNodes, i: int) -> list[dict[str, Any]]:
    """Score components of node ``i``: name, value, weight, coverage, basis, year."""
    s = a.supply
    year = None if np.isnan(s.year[i]) else int(s.year[i])
    w = a.config.normalized_weights()
    return [
        {
            "name": "gap",
            "value": rounded(a.components["gap"][i]),
            "weight": w["gap"],
            "coverage": rounded(s.coverage[i]),
            "basis": f"gap: {a.gap_basis[i]}; threshold: {a.threshold_basis[i]}",
            "year": year,
        },
        {
            "name": "criticality",
            "value": rounded(a.components["criticality"][i]),
            "weight": w["criticality"],
            "coverage": 1.0,
            "basis": "graph (exact reach)" if a.crit.exact else "graph (linear propagation)",
            "year": None,
        },
        {
            "name": "exposure",
            "value": rounded(a.components["exposure"][i]),
            "weight": w["exposure"],
            "coverage": rounded(s.coverage[i]),
            "basis": "restricted share of supply (country level)",
            "year": year,
        },
    ]


def explanation(a: ScoredNodes, i: int, lang: str = "en") -> str:
    """One sentence a minister can read about node ``i``, in English (``en``) or Chinese (``zh``)."""
    node = a.chain.nodes.iloc[i]
    name = str(node["name_zh"] or node["name"]) if lang == "zh" else str(node["name"])
    s = a.supply
    if a.insufficient[i]:
        return insufficient_explanation(a, i, name, lang)
    parts = []
    rs = restricted_suppliers(a, i)
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
    if a.has_alternative[i]:
        days = a.substitute_switch_days[i]
        if lang == "zh":
            parts.append("有替代来源" + (f"（替代品切换约{days:g}天）" if not np.isnan(days) else ""))
        else:
            parts.append(
                "an alternative source exists"
                + (f" (substitute, about {days:g} days to switch)" if not np.isnan(days) else "")
            )
    else:
        parts.append("无替代来源" if lang == "zh" else "no alternative source")
    j = int(a.derived_from[i])
    if j >= 0:
        kind = a.chain.nodes.iloc[j]
        kname = str(kind["name_zh"] or kind["name"]) if lang == "zh" else str(kind["name"])
        parts.append(
            f"评分取自其最危险的必需子类{kname}（{kind['id']}）"
            if lang == "zh"
            else f"scored as its riskiest required kind, {kname} ({kind['id']})"
        )
    reach = round(float(a.crit.reach[i]))
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


def insufficient_explanation(a: ScoredNodes, i: int, name: str, lang: str = "en") -> str:
    """Why node ``i`` (called ``name``) cannot be assessed: no supply data, or no known share."""
    e = a.supply.entries
    codes = ", ".join(sorted({str(c) for c in e.code[e.node == i] if c}))
    if codes:
        return (
            f"{name}：已知供给国家/地区（{codes}），但份额均未知，数据不足（不视为安全）"
            if lang == "zh"
            else f"{name}: suppliers known ({codes}) but every share is unknown: insufficient data, not safe"
        )
    return (
        f"{name}：缺少供给数据，无法评估（数据不足，不视为安全）"
        if lang == "zh"
        else f"{name}: no supply data, so it cannot be assessed (insufficient data, not safe)"
    )
