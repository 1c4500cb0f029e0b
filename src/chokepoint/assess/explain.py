"""Explanations of an assessed node: its restricted suppliers, its score components, a sentence.

The functions read an assessment through :class:`ScoredNodes` (what
:class:`~chokepoint.assess.assessment.Assessment` holds), in English (``en``) or
Chinese (``zh``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from chokepoint.assess.config import AssessmentConfig
from chokepoint.assess.criticality import Criticality
from chokepoint.assess.exposure import ExposureParts
from chokepoint.assess.perspective import Perspective
from chokepoint.assess.supply import RESTRICTED, SupplyIndicators
from chokepoint.model.chain import ChainMap
from chokepoint.model.countries import country_name
from chokepoint.model.regions import country_of_location, iso_subdivisions

if TYPE_CHECKING:  # annotations only
    from chokepoint.assess.system_score import SystemScore


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
    def system(self) -> SystemScore | None:
        """The user-defined indicator system that grades the nodes, if any."""

    @property
    def regional(self) -> dict[str, np.ndarray] | None:
        """A regional perspective's shares per node, if any."""

    @property
    def perspective(self) -> Perspective:
        """The perspective of the assessment."""

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
    def exposure_parts(self) -> ExposureParts:
        """Restricted share, concentration, governance and substitutability per node."""

    @property
    def expert_n(self) -> dict[str, np.ndarray]:
        """Experts who scored each node's gap, threshold and substitutability (0 when none)."""

    @property
    def gap(self) -> np.ndarray:
        """Technology gap per node, 0-1."""

    @property
    def threshold(self) -> np.ndarray:
        """Technical threshold per node, 0-1."""

    @property
    def gap_years(self) -> np.ndarray:
        """Years to close the gap behind the gap's value (expert or data), NaN otherwise."""

    @property
    def reported(self) -> dict[str, np.ndarray]:
        """Reported evidence per node: medians of the latest values and ``n_<indicator>`` counts."""

    @property
    def governance_source(self) -> str | None:
        """The governance table used (``wgi 2019``), or None."""

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


def evidence(basis: str, n: float) -> str:
    """The evidence label of a component: ``expert (n=3)``, ``reported (n=2)``, or its basis."""
    return f"{basis} (n={int(n)})" if basis in ("expert", "reported") else basis


def components_of(a: ScoredNodes, i: int) -> list[dict[str, Any]]:
    """The components of node ``i``'s verdict: name, value, basis, evidence, coverage, weight.

    ``basis`` is one of data, proxy, expert, reported, derived. The three pillars of the score
    (``gap_pillar`` G = gap x (1/2 + threshold/2), ``criticality`` C, ``exposure`` E) carry their
    weight; the parts (restricted share, concentration, governance, substitutability, gap,
    threshold) carry ``weight: null``.
    """
    s = a.supply
    x = a.exposure_parts
    year = None if np.isnan(s.year[i]) else int(s.year[i])
    w = a.config.normalized_weights()
    cov = rounded(s.coverage[i])
    n_gap, n_thr, n_sub = (float(a.expert_n[k][i]) for k in ("gap", "threshold", "substitutability"))
    gov_basis = "data" if a.governance_source else "proxy"
    if x.governance_imputed[i] and gov_basis == "data":
        gov_note = f"{a.governance_source}; a documented value for countries without a score"
    else:
        gov_note = a.governance_source or "no governance table: every country at the middle risk"

    def one(
        name: str, value: Any, basis: str, coverage: Any, weight: Any, note: str = "", n: float = 0.0
    ) -> dict[str, Any]:
        return {
            "name": name,
            "value": rounded(value),
            "basis": basis,
            "evidence": evidence(basis, n) + (f"; {note}" if note else ""),
            "coverage": coverage,
            "weight": weight,
            "year": year,
        }

    traded = x.trade_basis is not None and bool(x.trade_basis[i])
    basis_note = str(x.trade_label) if traded else "world market shares"
    t_cov = 1.0 if traded else cov
    return [
        one(
            "restricted_share",
            x.restricted[i],
            "reported" if x.restricted_basis[i] == "reported" else "data",
            1.0 if x.restricted_basis[i] == "reported" else t_cov,
            None,
            f"{int(a.reported['n_restricted_supply_share'][i])} reporting enterprises"
            if x.restricted_basis[i] == "reported"
            else f"{basis_note}; bound: unknown shares held by them",
            n=float(a.reported["n_restricted_supply_share"][i]),
        ),
        one(
            "concentration",
            x.concentration[i],
            "data",
            t_cov,
            None,
            f"HHI of supplier countries, {basis_note}",
        ),
        one("governance", x.governance[i], gov_basis, cov, None, gov_note),
        one("substitutability", x.substitutability[i], str(x.substitutability_basis[i]), cov, None, n=n_sub),
        one("gap", a.gap[i], str(a.gap_basis[i]) or "proxy", cov, None, n=n_gap),
        one("threshold", a.threshold[i], str(a.threshold_basis[i]) or "proxy", cov, None, n=n_thr),
        one(
            "criticality",
            a.components["criticality"][i],
            "derived",
            1.0,
            w["criticality"],
            "graph (exact reach)" if a.crit.exact else "graph (linear propagation)",
        ),
        one("gap_pillar", a.components["gap"][i], "derived", cov, w["gap"], "gap x (1/2 + threshold/2)"),
        one("exposure", a.components["exposure"][i], "derived", cov, w["exposure"], "E0 x (1 - relief x σ)"),
        *system_components(a.system, i, year),
    ]


def system_components(part: SystemScore | None, i: int, year: int | None) -> list[dict[str, Any]]:
    """The indicator system's indicators of node ``i`` as components: raw value, the system's
    weight times its share of the score, its source as evidence (none without a system).
    """
    if part is None:
        return []
    return [
        {
            "name": f"system:{ind}",
            "value": rounded(part.values[i, j]),
            "basis": "system",
            "evidence": f"{part.labels[j]} ({part.sources[j]}"
            + (f", {part.units[j]}" if part.units[j] else "")
            + f"); indicator system {part.name}",
            "coverage": None if np.isnan(part.values[i, j]) else 1.0,
            "weight": rounded(part.weights[j] * part.share),
            "year": year,
        }
        for j, ind in enumerate(part.indicators)
    ]


def decisive_words(a: ScoredNodes, i: int, lang: str = "en") -> list[str]:
    """The decisive components of node ``i`` in words, with their evidence, most telling first."""
    zh = lang == "zh"
    s = a.supply
    x = a.exposure_parts
    n = float(a.expert_n["gap"][i])
    n_sub = float(a.expert_n["substitutability"][i])
    out = []
    gap, gb = a.gap[i], str(a.gap_basis[i])
    years = None if np.isnan(a.gap_years[i]) else float(a.gap_years[i])
    if not np.isnan(gap) and gap >= 0.5:
        ev = evidence(gb, n)
        if zh:
            ev_zh = {"data": "数据", "proxy": "代理指标", "derived": "推算"}.get(gb, f"专家打分，{int(n)}人")
            size = f"约{years:g}年的" if years else ("很大的" if gap >= 0.75 else "较大的")
            out.append(f"{size}技术差距（{ev_zh}）")
        else:
            size = f"of about {years:g} years" if years else ("large" if gap >= 0.75 else "sizeable")
            out.append(f"a {size} technology gap ({ev})" if not years else f"a technology gap {size} ({ev})")
    top = s.top1_country[i]
    if top >= 0.5:
        code = str(s.top1_country_code[i])
        name = country_name(code, lang)
        out.append(
            f"单一供给国{name}（{code}）占{top:.0%}"
            if zh
            else f"one supplier country, {name} ({code}), at {top:.0%}"
        )
    elif x.concentration[i] >= 0.25:
        eff = 1.0 / x.concentration[i]
        out.append(f"有效供给国约{eff:.1f}个" if zh else f"about {eff:.1f} effective supplier countries")
    sigma = x.substitutability[i]
    if sigma < 0.2:
        secure = x.secure_share[i]
        if a.has_alternative[i] and secure > 0:
            out.append(
                f"本国及友好来源仅占{secure:.0%}" if zh else f"home and allied sources hold only {secure:.0%}"
            )
        else:
            out.append("无合格替代来源" if zh else "no qualified alternative")
    elif sigma >= 0.5:
        sb = str(x.substitutability_basis[i])
        out.append(
            f"可替代程度{sigma:.0%}（{'专家' if sb == 'expert' else '数据' if sb == 'data' else '推算'}）"
            if zh
            else f"substitutable to {sigma:.0%} ({evidence(sb, n_sub)})"
        )
    return out


def explanation(a: ScoredNodes, i: int, lang: str = "en") -> str:
    """One sentence a minister can read about node ``i``, in English (``en``) or Chinese (``zh``)."""
    node = a.chain.nodes.iloc[i]
    name = str(node["name_zh"] or node["name"]) if lang == "zh" else str(node["name"])
    s = a.supply
    sys_part = a.system
    if sys_part is not None and sys_part.mode == "replace" and sys_part.ungraded[i]:
        lacking = sys_part.missing(i, lang)
        if lacking:
            sep = "、" if lang == "zh" else ", "
            return (
                f"{name}：指标体系“{sys_part.title or sys_part.name}”缺少{sep.join(lacking)}，未予分级"
                if lang == "zh"
                else f"{name}: not graded by indicator system '{sys_part.title or sys_part.name}': "
                f"no value of {sep.join(lacking)}"
            )
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
    xp = a.exposure_parts
    if xp.trade_basis is not None and bool(xp.trade_basis[i]):
        parts.append(
            f"按本国实际进口计，{xp.restricted[i]:.0%}来自受限国家（{xp.trade_label_zh}）"
            if lang == "zh"
            else f"by the home economy's own imports, {xp.restricted[i]:.0%} from restricted countries "
            f"({xp.trade_label})"
        )
    rep = reported_words(a, i, lang)
    if rep:
        parts.append(rep)
    if sys_part is not None:
        parts.append(system_words(sys_part, i, lang))
    words = decisive_words(a, i, lang) if sys_part is None or sys_part.mode == "extend" else []
    if words:
        parts.append(
            ("决定性因素：" if lang == "zh" else "decisive: ")
            + ("，".join(words) if lang == "zh" else ", ".join(words))
        )
    proxies = [str(a.gap_basis[i]), str(a.threshold_basis[i])]
    if all(b in ("proxy", "") for b in proxies):
        parts.append(
            "技术差距与门槛仅有代理指标（尚无数据或专家打分）"
            if lang == "zh"
            else "gap and threshold rest on proxies only (no data or expert scores yet)"
        )
    days = a.substitute_switch_days[i]
    if a.has_alternative[i] and not np.isnan(days):
        parts.append(
            f"替代品切换约{days:g}天" if lang == "zh" else f"a substitute, about {days:g} days to switch"
        )
    reach = round(float(a.crit.reach[i]))
    parts.append(f"下游{reach}个节点依赖" if lang == "zh" else f"needed by {reach} downstream nodes")
    loc = s.localization[i]
    parts.append(
        f"国产化率{loc:.0%}（代理指标：本国企业全球份额）"
        if lang == "zh"
        else f"localization {loc:.0%} (proxy: home providers' global share)"
    )
    if a.regional is not None and a.perspective.region:
        parts.append(regional_words(a.regional, a.perspective.region, i, lang))
    sep = "；" if lang == "zh" else "; "
    head = f"{name}：" if lang == "zh" else f"{name}: "
    return head + sep.join(parts)


def regional_words(regional: dict[str, np.ndarray], region: str, i: int, lang: str = "en") -> str:
    """What the region of a regional perspective holds of node ``i``, with its bound, the rest of
    the home country (located elsewhere) and home providers without a location (in the bound).
    """
    name = region_name(region, lang)
    r, upper = regional["region_share"][i], regional["region_share_upper"][i]
    rest, unlocated = regional["domestic_share"][i], regional["home_unlocated_share"][i]
    if np.isnan(r):
        return (
            f"{name}份额未知（无企业级份额，至多{upper:.0%}）"
            if lang == "zh"
            else f"{name}'s share unknown (no organisation-level shares; at most {upper:.0%})"
        )
    low = ("≥" if regional["region_partial"][i] else "") + f"{r:.0%}"
    more = upper > r + 1e-9
    if lang == "zh":
        text = f"{name}占全球供给{low}" + (f"，至多{upper:.0%}" if more else "") + f"，国内其他地区{rest:.0%}"
        return text + (f"，所在地未填的本国企业{unlocated:.0%}" if unlocated > 1e-9 else "")
    text = f"{name} holds {low} of world supply" + (f", at most {upper:.0%}" if more else "")
    text += f", the rest of the country {rest:.0%}"
    return text + (f", home providers without a location {unlocated:.0%}" if unlocated > 1e-9 else "")


def region_name(code: str, lang: str = "en") -> str:
    """A province's name (ISO 3166-2, in ``lang``) with its code; a city or park code as it is."""
    country = country_of_location(code)
    rows = iso_subdivisions(country).set_index("code") if country else None
    if rows is not None and code in rows.index:
        zh_name, en_name = str(rows.at[code, "name_zh"]), str(rows.at[code, "name"])
        name = zh_name if lang == "zh" and zh_name else en_name
        return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"
    return code


def system_words(part: SystemScore, i: int, lang: str = "en") -> str:
    """What the indicator system says of node ``i``: its score, how it enters, the heaviest indicators."""
    title = part.title or part.name
    version = f" v{part.version}" if part.version else ""
    if np.isnan(part.score[i]):
        lacking = ("、" if lang == "zh" else ", ").join(part.missing(i, lang))
        return (
            f"指标体系“{title}”{version}缺少{lacking}，沿用默认评分"
            if lang == "zh"
            else f"indicator system '{title}'{version} lacks {lacking}: the default score stands"
        )
    top = part.top(i, lang)
    if lang == "zh":
        how = "取代默认评分" if part.mode == "replace" else f"占评分{part.share:.0%}"
        heavy = "，".join(f"{label}{value}（权重{w:.0%}）" for label, value, w in top)
        return f"指标体系“{title}”{version}得分{part.score[i]:.2f}（{how}）：{heavy}"
    how = "replacing the default score" if part.mode == "replace" else f"{part.share:.0%} of the score"
    heavy = ", ".join(f"{label} {value} (weight {w:.0%})" for label, value, w in top)
    return f"indicator system '{title}'{version} scores {part.score[i]:.2f} ({how}): {heavy}"


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


def group_explanation(a: ScoredNodes, g: dict[str, Any], lang: str = "en") -> str:
    """One sentence about a group (category): its members and its worst member."""
    zh = lang == "zh"
    name = str(g["name_zh"] or g["name"]) if zh else str(g["name"])
    n = int(g["n_members"])
    worst = g["worst_member"]
    if worst is None:
        return f"{name}：类别，无可评估的子项" if zh else f"{name}: category without assessable members"
    w = a.chain.nodes.iloc[a.chain.index.node_position(worst)]
    wname = str(w["name_zh"] or w["name"]) if zh else str(w["name"])
    share = sum(v for k, v in g["levels"].items() if k in ("I", "II"))
    if zh:
        return (
            f"{name}：类别，含{n}项技术，最危险的是{wname}（{worst}，{g['worst_level']}级）；"
            f"{share:.0%}的子项为I-II级"
        )
    return (
        f"{name}: category of {n} technologies; the most severe is {wname} ({worst}, level "
        f"{g['worst_level']}); {share:.0%} of its members are at level I-II"
    )


def reported_words(a: ScoredNodes, i: int, lang: str = "en") -> str:
    """What enterprises reported for node ``i`` (medians of their latest values), or ``""``."""
    r = a.reported
    zh = lang == "zh"
    items = []
    if r["n_restricted_supply_share"][i] > 0:
        v, n = r["restricted_supply_share"][i], int(r["n_restricted_supply_share"][i])
        items.append(
            f"受限国家供给占比{v:.0%}（{n}家企业）" if zh else f"restricted share {v:.0%} ({n} enterprises)"
        )
    if r["n_qualified_suppliers"][i] > 0:
        v = r["qualified_suppliers"][i]
        items.append(f"合格供应商{v:g}家" if zh else f"{v:g} qualified suppliers")
    if r["n_inventory_days"][i] > 0:
        v = r["inventory_days"][i]
        items.append(f"库存{v:g}天" if zh else f"inventory {v:g} days")
    if r["n_lead_time_days"][i] > 0:
        v = r["lead_time_days"][i]
        items.append(f"交货周期{v:g}天" if zh else f"lead time {v:g} days")
    if not items:
        return ""
    return ("企业直报：" + "，".join(items)) if zh else ("reported: " + ", ".join(items))
