"""Render scenarios over time and Monte Carlo results: text, Excel, JSON, PNG plots."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import UsageError
from chokepoint.scenario.dynamics import DynamicResult
from chokepoint.scenario.montecarlo import MonteCarloResult


def _fmt_days(v: float) -> str:
    return "-" if v != v else f"{v:g}"


def format_dynamic(r: DynamicResult, limit: int | None = 20) -> str:
    """Format a scenario over time as text: headline, per-node times, final-product availability.

    Per impacted node (the ``limit`` largest loss-days): time-to-survive, time-to-recover, worst
    loss and loss-days; then the availability of the final products every tenth of the horizon.
    """
    t = r.times()
    lines = [
        f"Scenario {r.scenario.name!r} over {r.config.days} days (step {r.config.step}): "
        f"lost final value {r.lost_final_value:.1f} final-value-days"
    ]
    lines.append(f"{'id':<6} {'name':<40} {'TTS':>5} {'TTR':>5} {'worst':>6} {'loss-days':>9}")
    rows: list[Any] = list((t if limit is None else t.head(limit)).itertuples(index=False))
    for row in rows:
        lines.append(
            f"{row.id:<6} {str(row.name)[:40]:<40} {_fmt_days(row.time_to_survive):>5} "
            f"{_fmt_days(row.time_to_recover):>5} {row.worst_loss:>6.0%} {row.loss_days:>9.1f}"
        )
    finals = list(r.chain.index.node_ids[r.final_value > 0])
    curves = r.curves(finals)
    picks = sorted(set(np.linspace(0, len(curves) - 1, 11).astype(int)))
    lines.append("availability of final products by day:")
    lines.append("  day  " + " ".join(f"{c:>8}" for c in finals))
    for k in picks:
        lines.append(f"  {curves.index[k]:>4} " + " ".join(f"{v:>8.0%}" for v in curves.iloc[k]))
    if r.chain.meta.get("attribution"):
        lines.append(r.chain.meta["attribution"])
    return "\n".join(lines)


def write_dynamic(r: DynamicResult, path: str | os.PathLike[str], lang: str = "en") -> Path:
    """``.xlsx`` (cover, times per node, availability by day; in ``lang``) or ``.json``."""
    p = Path(path)
    impacted = list(r.times()["id"])
    zh = lang == "zh"
    if p.suffix.lower() == ".xlsx":
        from chokepoint.report.workbook import Sheet, chain_cover, write_workbook

        curves = r.curves(impacted)
        name = "name_zh" if zh else "name"
        curves.columns = [f"{c} {r.chain.node(c)[name] or r.chain.node(c)['name']}" for c in curves.columns]
        curves.index.name = "day"
        times = r.times()
        if zh and "name" in times:
            names = r.chain.nodes.set_index("id")["name_zh"]
            times.insert(list(times.columns).index("name") + 1, "name_zh", times["id"].map(names))
        cover = chain_cover(
            "断链随时间演变" if zh else "Disruption over time",
            r.chain.meta,
            lang,
            **{
                ("情景" if zh else "Scenario"): f"{r.scenario.name}: {r.scenario.label()}",
                ("最终产品价值损失" if zh else "Lost final value"): f"{r.lost_final_value:.1f} "
                + ("最终价值·天" if zh else "final-value-days"),
            },
        )
        sheets = [
            Sheet(
                "Times",
                "时间",
                times,
                "每个受影响节点：可支撑天数与恢复天数"
                if zh
                else "per impacted node: days it survives and recovers",
            ),
            Sheet(
                "Availability by day",
                "逐日可得性",
                curves,
                "各节点逐日可得性（比例）" if zh else "availability (share) of each node by day",
                index=True,
                shares=True,
            ),
        ]
        write_workbook(p, sheets, cover, lang)
    elif p.suffix.lower() == ".json":
        doc = {
            "lost_final_value_days": r.lost_final_value,
            "times": json.loads(r.times().to_json(orient="records")),
            "curves": json.loads(r.curves(impacted).to_json()),
        }
        p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    else:
        raise UsageError(f"cannot write {p.name}: use .xlsx or .json")
    return p


def plot_curves(r: DynamicResult, path: str | os.PathLike[str], top: int = 8) -> Path:
    """PNG: availability over time of the final products and the most impacted nodes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ids = list(dict.fromkeys([*r.chain.index.node_ids[r.final_value > 0], *r.times()["id"].head(top)]))
    curves = r.curves(ids)
    fig, ax = plt.subplots(figsize=(9, 5))
    for c in curves.columns:
        ax.step(curves.index, curves[c], where="post", label=f"{c} {r.chain.node(c)['name'][:28]}")
    ax.set_xlabel("day")
    ax.set_ylabel("availability")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title(f"{r.scenario.name}: {r.scenario.label()}")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    p = Path(path)
    fig.savefig(p, dpi=120)
    plt.close(fig)
    return p


def format_montecarlo(m: MonteCarloResult) -> str:
    """Format a Monte Carlo result as text: expected loss, 95% value-at-risk, critical nodes, worst shocks."""
    lines = [
        f"{len(m.scenarios)} random scenarios: expected loss {m.expected_loss:.1f} final-value-days, "
        f"95% value-at-risk {m.value_at_risk_95:.1f}"
    ]
    lines.append("nodes most often critical (worst loss above 50%):")
    for r in m.most_critical(10).itertuples(index=False):
        lines.append(f"  {r.share_of_runs_critical:6.0%}  {r.id:<6} {r.name}")
    lines.append("shocks that hurt most:")
    for r in m.worst_runs(5).itertuples(index=False):
        lines.append(f"  {r.lost_final_value_days:8.1f}  {r.shocks}")
    return "\n".join(lines)


def write_montecarlo(m: MonteCarloResult, path: str | os.PathLike[str], lang: str = "en") -> Path:
    """Write a Monte Carlo result to ``.xlsx`` (cover, most critical, worst runs, runs; in
    ``lang``) or ``.json``.

    Returns the path written; any other suffix is a :class:`~chokepoint.errors.UsageError`.
    """
    p = Path(path)
    zh = lang == "zh"
    if p.suffix.lower() == ".xlsx":
        runs = pd.DataFrame(
            {
                "run": range(len(m.scenarios)),
                "lost_final_value_days": m.lost_value,
                "shocks": ["; ".join(s.label() for s in sc.shocks) for sc in m.scenarios],
            }
        )
        from chokepoint.report.workbook import Sheet, chain_cover, write_workbook

        unit = "最终价值·天" if zh else "final-value-days"
        cover = chain_cover(
            "随机断供模拟（蒙特卡洛）" if zh else "Random blockades (Monte Carlo)",
            m.chain.meta,
            lang,
            **{
                ("模拟次数" if zh else "Runs"): str(len(m.scenarios)),
                ("期望损失" if zh else "Expected loss"): f"{m.expected_loss:.2f} {unit}",
                ("95%风险价值" if zh else "95% value at risk"): f"{m.value_at_risk_95:.2f} {unit}",
            },
        )
        critical = m.most_critical(50)
        if zh and "name" in critical:
            names = m.chain.nodes.set_index("id")["name_zh"]
            critical.insert(list(critical.columns).index("name") + 1, "name_zh", critical["id"].map(names))
        sheets = [
            Sheet(
                "Most critical",
                "最关键节点",
                critical,
                "最坏情况下损失超过50%的节点" if zh else "nodes whose worst loss is above 50%",
            ),
            Sheet(
                "Worst runs",
                "最坏模拟",
                m.worst_runs(50),
                "损失最大的50次模拟" if zh else "the 50 runs that lose most",
            ),
            Sheet("Runs", "全部模拟", runs, "每次模拟" if zh else "every run"),
        ]
        write_workbook(p, sheets, cover, lang)
    elif p.suffix.lower() == ".json":
        p.write_text(json.dumps(m.summary(), ensure_ascii=False, default=float), encoding="utf-8")
    else:
        raise UsageError(f"cannot write {p.name}: use .xlsx or .json")
    return p


def plot_distribution(m: MonteCarloResult, path: str | os.PathLike[str]) -> Path:
    """PNG: histogram of lost final value with the mean and the 95% value-at-risk."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.hist(m.lost_value, bins=40, color="#1f77b4")
    ax.axvline(m.expected_loss, color="black", linestyle="--", label=f"expected {m.expected_loss:.1f}")
    ax.axvline(m.value_at_risk_95, color="#ff4d4f", label=f"95% VaR {m.value_at_risk_95:.1f}")
    ax.set_xlabel("lost final value (final-value-days)")
    ax.set_ylabel("runs")
    ax.legend()
    fig.tight_layout()
    p = Path(path)
    fig.savefig(p, dpi=120)
    plt.close(fig)
    return p
