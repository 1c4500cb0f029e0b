"""Render an :class:`~chokepoint.assess.Assessment` as a table, JSON, CSV or Excel."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.assess.score import LEVEL_COLORS, QUADRANTS, Assessment
from chokepoint.errors import UsageError

JSON_VERSION = 2

TABLE_COLUMNS = [
    "rank",
    "id",
    "name",
    "level",
    "score",
    "quadrant",
    "gap",
    "criticality",
    "exposure",
    "localization",
    "top1_country",
    "top1_country_share",
]


def assessment_document(a: Assessment, lang: str = "en", limit: int | None = None) -> dict[str, Any]:
    """Return the stable JSON document of ``chokepoint assess --format json``.

    Keys: ``version`` (2), ``perspective``, ``config``, ``governance``, ``attribution``,
    ``nodes`` (the ranked technologies, leaf nodes; each: rank, id, name, name_zh, kind,
    group, level, score, quadrant, quadrant_zh, components [name, value, basis, evidence,
    coverage, weight, year], explanation, indicators), ``system`` (the indicator system that
    grades the score, with its mode, share and weights; null for the default) and ``groups``
    (the categories: kind ``group``, score null, members, worst member, member levels).
    """
    return {
        "version": JSON_VERSION,
        "perspective": a.perspective.to_dict(),
        "config": {
            "weights": a.config.normalized_weights(),
            "level_cutoffs": list(a.config.level_cutoffs),
            "alternative_relief": a.config.alternative_relief,
            "qualified_share": a.config.qualified_share,
            "governance_weight": a.config.governance_weight,
            "threshold_high": a.config.threshold_high,
            "localization_high": a.config.localization_high,
        },
        "governance": a.governance_source,
        "attribution": a.chain.meta.get("attribution", ""),
        "system": None
        if a.system is None
        else {
            "name": a.system.name,
            "version": a.system.version,
            "title": a.system.title,
            "mode": a.system.mode,
            "share": a.system.share,
            "weights": dict(zip(a.system.indicators, map(float, a.system.weights), strict=True)),
        },
        "nodes": a.records(lang=lang, limit=limit),
        "groups": a.group_records(lang),
    }


def assessment_table(a: Assessment, lang: str = "en", limit: int | None = None) -> pd.DataFrame:
    """Flat table: the ranked frame plus the explanation in ``lang``."""
    df = a.frame if limit is None else a.frame.head(limit)
    df = df.copy()
    df["explanation"] = [a.explanation(i, lang) for i in df["id"]]
    if lang == "zh":
        reasons = dict(zip(a.chain.nodes["id"], a.spof_reasons_zh, strict=True))
        df["spof_reasons"] = df["id"].map(reasons)
    return df


def format_table(a: Assessment, limit: int | None = 20, lang: str = "en") -> str:
    """Fixed-width text table for the terminal, in English or Chinese (``lang``)."""
    zh = lang == "zh"
    df = a.frame if limit is None else a.frame.head(limit)
    title = "卡脖子技术评估" if zh else "Chokepoint assessment"
    lines = [f"{title}（{a.perspective.label(lang)}）" if zh else f"{title} ({a.perspective.label()})"]
    if a.system is not None:
        part, how = a.system, ""
        how = (
            ("取代默认评分" if zh else "replacing the default score")
            if part.mode == "replace"
            else (f"占评分{part.share:.0%}" if zh else f"{part.share:.0%} of the score")
        )
        lines.append(
            f"评分：指标体系“{part.title or part.name}” v{part.version}（{how}）；G C E 为默认评分的分项"
            if zh
            else f"score: indicator system '{part.title or part.name}' v{part.version} ({how}); "
            "G C E are the default score's components"
        )
    words = (
        ("名次", "编号", "名称", "等级", "得分", "象限", "差距", "关键", "暴露", "国产化", "最大供给国")
        if zh
        else ("#", "id", "name", "level", "score", "quadrant", "G", "C", "E", "local", "top country")
    )
    lines.append(
        f"{words[0]:>3} {words[1]:<6} {words[2]:<44} {words[3]:<8} {words[4]:>5} {words[5]:<10} "
        f"{words[6]:>4} {words[7]:>4} {words[8]:>4} {words[9]:>5} {words[10]}"
    )
    other = {"low": "低风险", "insufficient_data": "数据不足"} if zh else {"insufficient_data": "n/a"}
    for r in _rows(df):
        name = (r.name_zh or r.name) if zh else r.name
        score = "" if pd.isna(r.score) else f"{r.score:.2f}"
        top = f"{r.top1_country} {r.top1_country_share:.0%}" if r.top1_country else ""
        lvl = r.level if r.level in LEVEL_COLORS else other.get(r.level, r.level)
        quad = QUADRANTS[r.quadrant][0] if r.quadrant in QUADRANTS and zh else r.quadrant
        lines.append(
            f"{r.rank:>3} {r.id:<6} {str(name)[:44]:<44} {lvl:<8} {score:>5} {str(quad)[:10]:<10} "
            f"{r.gap:>4.2f} {r.criticality:>4.2f} {r.exposure:>4.2f} {r.localization:>5.0%} {top}"
        )
    counts = a.frame["level"].value_counts()
    keys = ("I", "II", "III", "IV", "low", "insufficient_data")
    if zh:
        names = {"low": "低风险", "insufficient_data": "数据不足"}
        lines.append("等级：" + "，".join(f"{names.get(k, k + '级')} {int(counts.get(k, 0))}" for k in keys))
    else:
        lines.append("levels: " + ", ".join(f"{k} {int(counts.get(k, 0))}" for k in keys))
    if a.chain.meta.get("attribution"):
        lines.append(a.chain.meta["attribution"])
    return "\n".join(lines)


def write_assessment(a: Assessment, path: str | os.PathLike[str], lang: str = "en") -> Path:
    """Write by extension: ``.xlsx`` (cover, chokepoints, sensitivity; see
    :mod:`chokepoint.report.workbook`), ``.csv`` or ``.json``.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".json":
        p.write_text(
            json.dumps(assessment_document(a, lang), ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
    elif ext == ".csv":
        assessment_table(a, lang).to_csv(p, index=False)
    elif ext == ".xlsx":
        _write_xlsx(a, p, lang)
    else:
        raise UsageError(f"cannot write {p.name}: use .xlsx, .csv or .json")
    return p


def _write_xlsx(a: Assessment, p: Path, lang: str) -> None:
    from chokepoint.report.workbook import Sheet, chain_cover, write_workbook

    zh = lang == "zh"
    table = assessment_table(a, lang)
    other = "zh" if lang == "en" else "en"
    table[f"explanation_{other}"] = [a.explanation(i, other) for i in table["id"]]
    actors = a.chain.actors.set_index("id")["name"]
    table["top1_enterprise"] = [
        actors.get(e, e) if isinstance(e, str) else e for e in table["top1_enterprise"]
    ]
    names = table.set_index("id")[["name", "name_zh"]]
    sensitivity = a.sensitivity()
    sensitivity = sensitivity.join(names, on="id")
    sensitivity = sensitivity[
        ["id", "name", "name_zh", *[c for c in sensitivity if c not in names and c != "id"]]
    ]
    cutoffs = ", ".join(
        f"{lv} >= {c}" for lv, c in zip(("I", "II", "III", "IV"), a.config.level_cutoffs, strict=True)
    )
    words = {"gap": "技术差距", "criticality": "关键程度", "exposure": "受限暴露度"} if zh else {}
    weights = ", ".join(f"{words.get(k, k)} {v:.2f}" for k, v in a.config.normalized_weights().items())
    cover = chain_cover(
        "卡脖子技术评估" if zh else "Chokepoint assessment",
        a.chain.meta,
        lang,
        a.perspective.label(lang),
        **{
            ("权重" if zh else "Weights"): weights,
            ("等级划分" if zh else "Level cut-offs"): cutoffs,
            ("得分" if zh else "Score"): "S = G^wG · C^wC · E^wE（加权几何平均，见 docs/assessment.md）"
            if zh
            else "S = G^wG * C^wC * E^wE (weighted geometric mean); see docs/assessment.md",
            ("国产化率" if zh else "Localization"): "已知份额中本国供给方的份额（下限）与上限"
            if zh
            else "home providers' known share (lower) and its bound with unknown shares",
        },
    )
    sheets = [
        Sheet(
            "Chokepoints",
            "卡脖子技术",
            table,
            "每项技术的等级、得分、分项与说明"
            if zh
            else "every technology: level, score, components and explanation",
        ),
        Sheet(
            "Sensitivity",
            "敏感性",
            sensitivity,
            "权重扰动下名次与等级的稳定性" if zh else "rank and level under the weight sweep",
        ),
    ]
    write_workbook(p, sheets, cover, lang)


def _rows(df: pd.DataFrame) -> list[Any]:
    """Return the frame's rows as named tuples (typed loosely: a frame's cells have any type)."""
    return list(df.itertuples(index=False))
