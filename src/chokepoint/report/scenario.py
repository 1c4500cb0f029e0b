"""Render scenario results and sweeps as text, CSV, JSON or Excel."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.errors import UsageError
from chokepoint.scenario.run import ScenarioResult, SweepResult
from chokepoint.scenario.sweep import PairSweepResult


def format_result(r: ScenarioResult, limit: int | None = 20, lang: str = "en") -> str:
    """Text report: headline, impacted nodes with their loss, its bound and the explanation path."""
    df = r.frame if limit is None else r.frame.head(limit)
    zh = lang == "zh"
    if zh:
        shocks = "；".join(r.shock_label(k, "zh") for k in range(len(r.scenario.shocks)))
        lines = [
            f"情景 {r.scenario.name!r}：{shocks}（{r.perspective.label('zh')}）",
            f"终端产品价值受阻：{r.final_value_lost:.1%}（未知份额计入后最多{r.final_value_lost_upper:.1%}）；"
            f"受影响节点：{len(r.frame)}",
            "  损失（上限） 覆盖率  节点  传导路径",
        ]
    else:
        lines = [
            f"Scenario {r.scenario.name!r}: {r.scenario.label()} ({r.perspective.label()})",
            f"final-product value stopped: {r.final_value_lost:.1%} (up to {r.final_value_lost_upper:.1%} "
            f"with unknown shares); impacted nodes: {len(r.frame)}",
            "    loss (bound) known  node   path",
        ]
    rows: list[Any] = list(df.itertuples(index=False))
    for row in rows:
        cov = "  n/a" if row.coverage is None or row.coverage != row.coverage else f"{row.coverage:5.0%}"
        path = r.path(row.id, lang) if zh else row.path
        lines.append(f"  {row.loss:6.1%} ({row.loss_upper:4.0%}) {cov}  {row.id:<6} {path}")
    low = [
        str(i) for i, c in zip(df["id"], df["coverage"], strict=True) if c is not None and c == c and c < 0.5
    ]
    if low:
        lines.append(
            f"  已知份额不足一半的节点：{'、'.join(low)}（结论仅供参考）"
            if zh
            else f"  less than half of the market known behind: {', '.join(low)} (indicative only)"
        )
    if r.chain.meta.get("attribution"):
        lines.append(r.chain.meta["attribution"])
    return "\n".join(lines)


def format_sweep(s: SweepResult | PairSweepResult, limit: int | None = 20) -> str:
    """Format a sweep as text: each single-country blockade or enterprise outage (or each pair of
    countries' joint blockade), by final value stopped.
    """
    df = s.ranking() if limit is None else s.ranking().head(limit)
    if isinstance(s, PairSweepResult):
        return _format_pairs(s, df)
    what = "blockade" if s.by == "country" else "outage"
    lines = [f"Every single-{s.by} {what}, ranked by the final-product value it stops"]
    lines.append(f"{'#':>3} {s.by:<10} {'name':<28} {'stopped':>8} {'impacted':>8} {'zeroed':>6}  worst node")
    for r in df.itertuples(index=False):
        key = getattr(r, s.by)
        lines.append(
            f"{r.rank:>3} {key:<10} {str(r.name)[:28]:<28} {r.final_value_stopped:>8.1%} "
            f"{r.nodes_impacted:>8} {r.nodes_stopped:>6}  {r.worst_node} ({r.worst_node_loss:.0%})"
        )
    if s.chain.meta.get("attribution"):
        lines.append(s.chain.meta["attribution"])
    return "\n".join(lines)


def _format_pairs(s: PairSweepResult, df: pd.DataFrame) -> str:
    lines = [
        f"Every pair of the {len(s.countries)} blockading countries ({len(s.members):,} pairs), ranked by "
        "the final-product value their joint blockade stops; beyond: what the pair stops beyond "
        "the worse of its two members alone"
    ]
    lines.append(
        f"{'#':>3} {'pair':<9} {'name':<34} {'stopped':>8} {'beyond':>7} {'impacted':>8}  worst node"
    )
    for r in df.itertuples(index=False):
        lines.append(
            f"{r.rank:>3} {r.pair:<9} {str(r.name)[:34]:<34} {r.final_value_stopped:>8.1%} "
            f"{r.joint_excess:>7.1%} {r.nodes_impacted:>8}  {r.worst_node} ({r.worst_node_loss:.0%})"
        )
    if s.chain.meta.get("attribution"):
        lines.append(s.chain.meta["attribution"])
    return "\n".join(lines)


def write_result(r: ScenarioResult, path: str | os.PathLike[str], lang: str = "en") -> Path:
    """``.xlsx`` (cover, impacted nodes, alternatives; :mod:`chokepoint.report.workbook`), ``.csv``
    or ``.json``.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".json":
        p.write_text(json.dumps(r.document(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    elif ext == ".csv":
        r.frame.to_csv(p, index=False, encoding="utf-8-sig")
    elif ext == ".xlsx":
        from chokepoint.report.workbook import Sheet, chain_cover, write_workbook

        zh = lang == "zh"
        alt = pd.DataFrame([dict(node=i, **a) for i in r.frame["id"] for a in r.alternatives(i)])
        if len(alt):
            names = r.chain.nodes.set_index("id")["name"]
            alt.insert(1, "node_name", alt["node"].map(names))
        cover = chain_cover(
            "断链模拟结果" if zh else "Disruption scenario",
            r.chain.meta,
            lang,
            r.perspective.label(lang),
            **{("情景" if zh else "Scenario"): f"{r.scenario.name}: {r.scenario.label()}"},
        )
        frame = r.frame.copy()
        if zh:
            frame["path"] = [r.path(i, lang) for i in frame["id"]]
        sheets = [
            Sheet(
                "Impacted nodes",
                "受影响节点",
                frame,
                "损失为已知份额下的损失，上限计入未知份额"
                if zh
                else "loss with known shares; the bound counts unknown shares as lost",
            ),
            Sheet(
                "Alternatives",
                "替代来源",
                alt,
                "未受冲击的其他供给方" if zh else "providers the shocks leave untouched",
            ),
        ]
        write_workbook(p, sheets, cover, lang)
    else:
        raise UsageError(f"cannot write {p.name}: use .xlsx, .csv or .json, or .html or .pdf for a report")
    return p


def write_sweep(s: SweepResult | PairSweepResult, path: str | os.PathLike[str], lang: str = "en") -> Path:
    """``.xlsx`` (cover, ranking, node x key loss matrix (not for pairs)), ``.csv`` (ranking) or
    ``.json``.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".json":
        p.write_text(json.dumps(sweep_document(s), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    elif ext == ".csv":
        s.ranking().to_csv(p, index=False, encoding="utf-8-sig")
    elif ext == ".xlsx":
        from chokepoint.report.workbook import Sheet, chain_cover, write_workbook

        zh = lang == "zh"
        what = {
            "pair": ("every pair of countries' joint blockade", "每两个国家联合封锁"),
            "country": ("every single-country blockade", "逐一封锁每个国家"),
        }.get(s.by, (f"every single-{s.by} outage", "逐一中断每家企业"))
        sheets = [Sheet("Ranking", "排名", s.ranking(), what[1] if zh else what[0])]
        if isinstance(s, SweepResult):
            loss = s.loss_matrix()
            names = s.chain.nodes.set_index("id")
            matrix = loss.copy()
            matrix.insert(0, "name", names["name"].reindex(loss.index).to_numpy())
            matrix.insert(1, "name_zh", names["name_zh"].reindex(loss.index).to_numpy())
            matrix.index.name = "id"
            note = "节点 × 冲击对象：损失比例" if zh else "node x shocked key: loss as a share"
            sheets.append(Sheet("Loss by node", "各节点损失", matrix.reset_index(), note, shares=True))
        cover = chain_cover(
            "断链扫描" if zh else "Disruption sweep",
            s.chain.meta,
            lang,
            **{("扫描" if zh else "Sweep"): what[1] if zh else what[0]},
        )
        write_workbook(p, sheets, cover, lang)
    else:
        raise UsageError(f"cannot write {p.name}: use .xlsx, .csv or .json")
    return p


def sweep_document(s: SweepResult | PairSweepResult) -> dict[str, object]:
    """Stable JSON: ``by``, ``ranking`` rows and ``loss`` (key -> node -> loss, non-zero only;
    a pair sweep has its summaries in the ranking and no ``loss``).
    """
    if isinstance(s, PairSweepResult):
        return {
            "version": 1,
            "by": s.by,
            "countries": s.countries,
            "ranking": json.loads(s.ranking().to_json(orient="records")),
            "attribution": s.chain.meta.get("attribution", ""),
        }
    loss = s.loss_matrix()
    return {
        "version": 1,
        "by": s.by,
        "ranking": json.loads(s.ranking().to_json(orient="records")),
        "loss": {k: {n: round(float(v), 12) for n, v in loss[k].items() if v > 1e-9} for k in loss.columns},
        "attribution": s.chain.meta.get("attribution", ""),
    }
