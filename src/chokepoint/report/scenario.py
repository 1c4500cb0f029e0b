"""Render scenario results and sweeps as text, CSV, JSON or Excel."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from chokepoint.errors import UsageError
from chokepoint.scenario.run import ScenarioResult, SweepResult


def format_result(r: ScenarioResult, limit: int | None = 20) -> str:
    """Text report: headline, impacted nodes with their explanation path."""
    df = r.frame if limit is None else r.frame.head(limit)
    lines = [
        f"Scenario {r.scenario.name!r}: {r.scenario.label()} ({r.perspective.label()})",
        f"final-product value stopped: {r.final_value_lost:.1%}; impacted nodes: {len(r.frame)}",
    ]
    for row in df.itertuples(index=False):
        flag = " *" if row.unknown_share_used else ""
        lines.append(f"  {row.availability:6.1%}  {row.id:<6} {row.path}{flag}")
    if r.frame["unknown_share_used"].any():
        lines.append("  * unknown shares imputed (see docs/scenarios.md)")
    if r.chain.meta.get("attribution"):
        lines.append(r.chain.meta["attribution"])
    return "\n".join(lines)


def format_sweep(s: SweepResult, limit: int | None = 20) -> str:
    df = s.ranking() if limit is None else s.ranking().head(limit)
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


def write_sweep(s: SweepResult, path: str | os.PathLike[str]) -> Path:
    """``.xlsx`` (ranking, node x key loss matrix, about), ``.csv`` (ranking) or ``.json``."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".json":
        p.write_text(json.dumps(sweep_document(s), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    elif ext == ".csv":
        s.ranking().to_csv(p, index=False, encoding="utf-8-sig")
    elif ext == ".xlsx":
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            s.ranking().to_excel(xw, sheet_name="ranking", index=False)
            s.loss_matrix().to_excel(xw, sheet_name="loss_matrix")
            _about(f"every single-{s.by} shock", "", s.chain.meta.get("attribution", "")).to_excel(
                xw, sheet_name="about", index=False
            )
    else:
        raise UsageError(f"cannot write {p.name}: use .xlsx, .csv or .json")
    return p


def sweep_document(s: SweepResult) -> dict[str, object]:
    """Stable JSON: ``by``, ``ranking`` rows and ``loss`` (key -> node -> loss, non-zero only)."""
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
