"""The region view as text lines, in the view's language."""

from __future__ import annotations

import unicodedata
from typing import Any

WORDS = {
    "en": {
        "hosted": "Hosted nodes: region share [upper bound] | rest of country | home, location unknown "
        "| abroad | of which restricted | unknown",
        "deps": "Dependencies (inputs of hosted nodes it does not host)",
        "abroad": "abroad",
        "restricted": "restricted",
        "unknown": "unknown",
    },
    "zh": {
        "hosted": "承载节点：区域份额 [上限] | 国内其他地区 | 本国未填所在地 | 境外 | 其中受限国家 | 未知",
        "deps": "依赖（承载节点的投入，区域未承载）",
        "abroad": "境外",
        "restricted": "受限",
        "unknown": "未知",
    },
}


def _pad(text: str, width: int) -> str:
    """``text`` cut and padded to ``width`` columns of a terminal (a CJK character takes two)."""
    out, used = "", 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if used + w > width:
            break
        out, used = out + ch, used + w
    return out + " " * (width - used)


def _pct(v: float | None, lang: str) -> str:
    return WORDS[lang]["unknown"] if v is None else f"{v:.1%}"


def _summary(view: dict[str, Any], lang: str) -> str:
    s = view["summary"]
    if lang == "zh":
        return (
            f"承载技术 {s['hosted']}/{s['nodes']}，长板 {s['strong']}；位于该区域的本国机构 "
            f"{s['located_organisations']}，未填所在地的本国机构 "
            f"{s['home_unlocated']}/{s['home_organisations']}"
        )
    return (
        f"hosts {s['hosted']} of {s['nodes']} technologies, strong in {s['strong']}; "
        f"home organisations located there: {s['located_organisations']}; "
        f"without a location: {s['home_unlocated']} of {s['home_organisations']}"
    )


def _dashboard(view: dict[str, Any], lang: str) -> str:
    d = view["dashboard"]
    n = (len(d["chokepoints"]), len(d["alerts"]), len(d["tasks"]))
    if lang == "zh":
        return f"链长看板：卡脖子清单 {n[0]} 项，预警 {n[1]} 条，攻关任务 {n[2]} 项"
    return f"Chain chief's dashboard: {n[0]} chokepoint rows, {n[1]} alerts, {n[2]} tasks"


def region_view_text(view: dict[str, Any]) -> str:
    """The view of :func:`chokepoint.service.regions.region_view` as aligned text lines."""
    lang = str(view["lang"])
    w = WORDS[lang]
    r = view["region"]
    lines = [f"{r['name']} ({r['code']}, {r['level_label']}) · {view['project']}", _summary(view, lang)]
    lines += [view["basis"], "", w["hosted"]]
    for n in view["nodes"]:
        mark = "★ " if n["strong"] else "  "
        shares = " | ".join(
            _pct(n[k], lang) for k in ("home_elsewhere", "home_unlocated", "foreign", "restricted", "unknown")
        )
        providers = ", ".join(p["name"] for p in n["providers"])
        low = ("≥" if n["region_partial"] else "") + _pct(n["region_share"], lang)
        lines.append(
            f"{mark}{n['node']:<6} {_pad(n['name'], 42)} {low:>7} "
            f"[{_pct(n['region_upper'], lang)}] | {shares}  {providers}"
        )
    if view["categories"]:
        names = ", ".join(f"{c['name']} ({c['node']})" for c in view["categories"])
        head = "含承载节点的类别：" if lang == "zh" else "Categories with hosted members: "
        lines.append(head + names)
    if view["dependencies"]:
        lines += ["", w["deps"]]
        for d in view["dependencies"]:
            lines.append(
                f"  {d['node']} <- {d['input']} {d['input_name'][:36]}: {d['depends_on_label']} "
                f"({w['abroad']} {_pct(d['foreign'], lang)}, {w['restricted']} {_pct(d['restricted'], lang)})"
            )
    lines += ["", _dashboard(view, lang)]
    for c in view["dashboard"]["chokepoints"][:10]:
        lines.append(f"  {c.get('level', '')} {c['id']} {c['name']}")
    return "\n".join(lines)
