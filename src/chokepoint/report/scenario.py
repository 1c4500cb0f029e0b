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


def write_result(r: ScenarioResult, path: str | os.PathLike[str]) -> Path:
    """``.xlsx`` (impacted nodes, alternatives, about), ``.csv`` or ``.json``."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".json":
        p.write_text(json.dumps(r.document(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    elif ext == ".csv":
        r.frame.to_csv(p, index=False, encoding="utf-8-sig")
    elif ext == ".xlsx":
        alt = [dict(node=i, **a) for i in r.frame["id"] for a in r.alternatives(i)]
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            r.frame.to_excel(xw, sheet_name="impacted", index=False)
            pd.DataFrame(alt).to_excel(xw, sheet_name="alternatives", index=False)
            _about(r.scenario.label(), r.perspective.label(), r.chain.meta.get("attribution", "")).to_excel(
                xw, sheet_name="about", index=False
            )
    else:
        raise UsageError(f"cannot write {p.name}: use .xlsx, .csv or .json")
    return p


def write_sweep(s: SweepResult | PairSweepResult, path: str | os.PathLike[str]) -> Path:
    """``.xlsx`` (ranking, node x key loss matrix (not for pairs), about), ``.csv`` (ranking) or
    ``.json``.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".json":
        p.write_text(json.dumps(sweep_document(s), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    elif ext == ".csv":
        s.ranking().to_csv(p, index=False, encoding="utf-8-sig")
    elif ext == ".xlsx":
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            s.ranking().to_excel(xw, sheet_name="ranking", index=False)
            if isinstance(s, SweepResult):
                s.loss_matrix().to_excel(xw, sheet_name="loss_matrix")
            what = (
                "every pair of countries' joint blockade" if s.by == "pair" else f"every single-{s.by} shock"
            )
            _about(what, "", s.chain.meta.get("attribution", "")).to_excel(
                xw, sheet_name="about", index=False
            )
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


def _about(scenario: str, perspective: str, attribution: str) -> pd.DataFrame:
    return pd.DataFrame(
        [("scenario", scenario), ("perspective", perspective), ("attribution", attribution)],
        columns=["key", "value"],
    )
