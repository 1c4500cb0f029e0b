"""Charts of the printed reports, drawn with matplotlib as inline SVG (text kept as text).

The same data the web UI charts read: the assessment records, the lane layout of
:func:`chokepoint.model.layout.chain_layout`, a sweep's ranking, a scenario's losses. Chinese
labels use Noto Sans CJK (Debian's ``fonts-noto-cjk``) when it is installed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from chokepoint.model.layout import ChainLayout

LEVEL_COLORS = {
    "I": "#d4380d",
    "II": "#fa8c16",
    "III": "#fadb14",
    "IV": "#69b1ff",
    "low": "#95de64",
    "insufficient_data": "#bfbfbf",
}
LEVELS = ("I", "II", "III", "IV", "low", "insufficient_data")
CJK = "Noto Sans CJK SC"


def _font_family() -> list[str]:
    try:
        font_manager.findfont(font_manager.FontProperties(family=CJK), fallback_to_default=False)
        return [CJK, "DejaVu Sans"]
    except ValueError:  # no CJK font installed: Chinese labels would not render
        return ["DejaVu Sans"]


def _svg(fig: Any) -> str:
    """The figure as an SVG element (text as text, so a PDF of it stays searchable)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _style() -> Any:
    return {
        "font.family": _font_family(),
        "svg.fonttype": "none",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def level_bars(
    counts: dict[str, int], labels: dict[str, str], ylabel: str, levels: Sequence[str] = LEVELS
) -> str:
    """Count per level (nodes, alerts) for each of ``levels``, coloured by level."""
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(5.2, 2.6))
        values = [counts.get(lv, 0) for lv in levels]
        bars = ax.bar([labels[lv] for lv in levels], values, color=[LEVEL_COLORS[lv] for lv in levels])
        ax.bar_label(bars, fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(ylabel)
        return _svg(fig)


def quadrant(points: Sequence[dict[str, Any]], cuts: tuple[float, float], names: dict[str, str]) -> str:
    """Technical threshold (x, index 0-1) x localization (y, share), coloured by level, with the
    quadrant cuts and names (``names``: tackle, strength, substitute, safe, x, y).
    """
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(5.2, 3.6))
        for lv in LEVELS:
            pts = [p for p in points if p["level"] == lv]
            if pts:
                ax.scatter(
                    [p["x"] for p in pts],
                    [p["y"] for p in pts],
                    s=16,
                    color=LEVEL_COLORS[lv],
                    edgecolor="#57606a",
                    linewidth=0.3,
                    alpha=0.85,
                )
        x0, y0 = cuts
        ax.axvline(x0, color="#8c959f", ls="--", lw=0.8)
        ax.axhline(y0, color="#8c959f", ls="--", lw=0.8)
        for key, (x, y) in {
            "tackle": (0.99, 0.01),
            "strength": (0.99, 0.99),
            "substitute": (0.01, 0.01),
            "safe": (0.01, 0.99),
        }.items():
            ax.text(
                x,
                y,
                names[key],
                transform=ax.transAxes,
                ha="right" if x > 0.5 else "left",
                va="bottom" if y < 0.5 else "top",
                color="#57606a",
            )
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(names["x"])
        ax.set_ylabel(names["y"])
        return _svg(fig)


def ranked_bars(
    labels: Sequence[str],
    values: Sequence[float],
    xlabel: str,
    *,
    percent: bool = True,
    color: str = "#1f3864",
) -> str:
    """A horizontal bar per item, largest on top."""
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(6.0, 0.28 * len(labels) + 0.7))
        ax.barh(list(labels)[::-1], list(values)[::-1], color=color)
        if percent:
            ax.set_xlim(0, 1)
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(xlabel)
        return _svg(fig)


def level_colors(levels: dict[str, str]) -> dict[str, str]:
    """Node id -> the colour of its level (:data:`LEVEL_COLORS`), for :func:`chain_map`."""
    return {i: LEVEL_COLORS.get(lv, LEVEL_COLORS["insufficient_data"]) for i, lv in levels.items()}


#: loss bins of the scenario map, worst first: (lower bound, colour); no loss is :data:`NO_LOSS`
LOSS_BINS = ((0.5, "#820014"), (0.2, "#cf1322"), (0.05, "#fa8c16"), (0.01, "#ffc069"), (0.0, "#fff1b8"))
NO_LOSS = "#f0f0f0"


def loss_colors(loss: dict[str, float]) -> dict[str, str]:
    """Node id -> the colour of its loss bin (:data:`LOSS_BINS`: 50%, 20%, 5%, 1%, above 0)."""
    out = {}
    for i, v in loss.items():
        out[i] = next((c for lo, c in LOSS_BINS if v > lo), NO_LOSS)
    return out


def loss_bars(
    labels: Sequence[str], loss: Sequence[float], upper: Sequence[float], names: tuple[str, str, str]
) -> str:
    """Per item its loss (dark) and its bound (light, behind): ``names`` = (axis, loss, bound)."""
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(6.0, 0.28 * len(labels) + 0.9))
        y = list(labels)[::-1]
        ax.barh(y, list(upper)[::-1], color="#ffccc7", label=names[2])
        ax.barh(y, list(loss)[::-1], color="#cf222e", label=names[1], height=0.5)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(names[0])
        ax.legend(loc="lower right", fontsize=7, frameon=False)
        return _svg(fig)


def lane_names(layout: ChainLayout, lang: str) -> dict[str, str]:
    """Stage id -> the lane's name in ``lang``; the lane of nodes without a stage is "other"."""
    zh = lang == "zh"
    out = {
        str(r.stage): str(r.name_zh) if zh and r.name_zh else str(r.name) for r in layout.lanes.itertuples()
    }
    if "" in out and not out[""]:
        out[""] = "其他" if zh else "other"
    return out


def chain_map(
    layout: ChainLayout,
    colors: dict[str, str],
    edges: Sequence[tuple[str, str]],
    lane_names: dict[str, str],
    marks: dict[str, int],
) -> str:
    """The chain in its stage lanes, each node in its colour of ``colors`` (a level's or a loss's;
    grey when absent); the nodes of ``marks`` carry their number (their rank in the report's
    list: a printed page has no room for every name).
    """
    ids = [str(i) for i in layout.nodes["id"]]
    xs = dict(zip(ids, (float(v) for v in layout.nodes["x"]), strict=True))
    ys = dict(zip(ids, (float(v) for v in layout.nodes["y"]), strict=True))
    rows = dict(zip(ids, (int(v) for v in layout.nodes["row"]), strict=True))
    lanes = layout.lanes.to_dict("records")
    with plt.rc_context(_style()):
        total = sum(float(lane["height"]) for lane in lanes)
        fig, ax = plt.subplots(figsize=(7.2, max(2.5, 7.2 * total / (layout.width + 460))))
        right = layout.width
        for lane in lanes:
            top, height = float(lane["top"]), float(lane["height"])
            ax.add_patch(
                Rectangle((-60, top), right + 60, height - 8, color="#f6f8fa", ec="#d0d7de", lw=0.5, zorder=0)
            )
            ax.text(
                -110,
                top + height / 2,
                lane_names.get(str(lane["stage"]), str(lane["stage"])),
                ha="right",
                va="center",
                fontsize=8,
                fontweight="bold",
                color="#1f3864",
            )
        for s, t in edges:
            if s in xs and t in xs:
                ax.plot([xs[s], xs[t]], [ys[s], ys[t]], color="#c9d1d9", lw=0.4, zorder=1)
        ax.scatter(
            [xs[i] for i in ids],
            [ys[i] for i in ids],
            s=12,
            zorder=2,
            edgecolor="#57606a",
            linewidth=0.3,
            color=[colors.get(i, LEVEL_COLORS["insufficient_data"]) for i in ids],
        )
        for i, number in marks.items():
            if i in xs:
                left = rows[i] % 2 == 1  # neighbours in a column: numbers on both sides
                ax.text(
                    xs[i] + (-14 if left else 14),
                    ys[i],
                    str(number),
                    fontsize=7,
                    fontweight="bold",
                    va="center",
                    ha="right" if left else "left",
                    zorder=3,
                    color="#1f2328",
                )
        ax.set_xlim(-400, right + 60)
        ax.set_ylim(total, 0)
        ax.axis("off")
        return _svg(fig)
