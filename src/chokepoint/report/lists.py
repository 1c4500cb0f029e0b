"""Render policy lists: an Excel workbook (cover + one sheet per list), CSV files, JSON, text."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chokepoint.errors import UsageError
from chokepoint.lists.build import PolicyLists
from chokepoint.vocabulary import display_value

#: List key -> (English title, Chinese title, English sheet name, Chinese sheet name).
LIST_TITLES: dict[str, tuple[str, str, str, str]] = {
    "chokepoints": ("Chokepoint technology list", "卡脖子技术清单", "chokepoints", "卡脖子技术清单"),
    "watch_list": ("Watch list (levels III-IV)", "关注清单（III-IV级）", "watch list", "关注清单"),
    "advantages": (
        "Advantage technologies (strengths, trump cards)",
        "优势技术（长板、杀手锏）清单",
        "advantages",
        "优势技术清单",
    ),
    "key_enterprises": (
        "Key enterprises and their core upstream and downstream partners",
        "重点企业和上下游核心关联企业清单",
        "key enterprises",
        "重点企业清单",
    ),
    "research_units": (
        "Key industry-academia-research units",
        "产学研关键单位清单",
        "research units",
        "产学研关键单位清单",
    ),
    "tasks": ("Joint R&D task list", "联合攻关任务清单", "joint R&D tasks", "联合攻关任务清单"),
    "supporting_gaps": ("Supporting-gap list", "配套缺项清单", "supporting gaps", "配套缺项清单"),
    "major_problems": ("Major problem list", "重大问题清单", "major problems", "重大问题清单"),
}

#: Column -> (English header, Chinese header).
HEADERS: dict[str, tuple[str, str]] = {
    "rank": ("Priority", "优先次序"),
    "priority": ("Priority", "优先次序"),
    "id": ("Id", "编号"),
    "name": ("Name", "名称（英文）"),
    "name_zh": ("Name (Chinese)", "名称"),
    "coverage": ("Known share of the market", "已知份额覆盖率"),
    "restricted_share": ("Restricted share (known)", "受限国家份额（已知）"),
    "restricted_share_upper": ("Restricted share (bound)", "受限国家份额（上限）"),
    "chain_leader": ("Chain leader", "链主企业"),
    "weight_upper": ("Risk x value (bound)", "风险×价值（上限）"),
    "weight_basis": ("Basis", "计算依据"),
    "relation": ("Relation", "关联方式"),
    "level": ("Level", "等级"),
    "score": ("Score", "得分"),
    "quadrant": ("Quadrant", "象限"),
    "gap": ("Gap", "技术差距"),
    "criticality": ("Criticality", "关键程度"),
    "exposure": ("Exposure", "受限暴露度"),
    "localization": ("Localization (proxy)", "国产化率（代理）"),
    "top_country": ("Leading country", "领先国家"),
    "top_enterprise": ("Leading enterprise", "领先企业"),
    "has_alternative": ("Alternative source", "有替代来源"),
    "reason": ("Reason", "理由"),
    "home_share": ("Home share", "本国份额"),
    "dependence": ("Others' dependence", "他国依赖度"),
    "leverage": ("Leverage", "反制力"),
    "actor": ("Actor id", "主体编号"),
    "country": ("Country", "国家/地区"),
    "home": ("Home", "本国"),
    "restricted": ("Restricted", "受限国家"),
    "weight": ("Risk x value passing through", "经其流转的风险×价值"),
    "nodes": ("Nodes", "节点"),
    "upstream_partners": ("Core upstream partners", "上游核心关联企业"),
    "downstream_partners": ("Core downstream partners", "下游核心关联企业"),
    "chokepoint": ("Chokepoint", "卡脖子节点"),
    "chokepoint_name": ("Chokepoint name", "卡脖子节点名称"),
    "unit": ("Unit id", "单位编号"),
    "unit_name": ("Unit", "单位"),
    "unit_kind": ("Kind", "类型"),
    "standing": ("Standing", "国别属性"),
    "share": ("Share", "份额"),
    "task_id": ("Task id", "任务编号"),
    "node": ("Node", "节点"),
    "goal": ("Goal", "目标"),
    "lead": ("Lead id", "牵头单位编号"),
    "lead_name": ("Lead", "牵头单位"),
    "partners": ("Partners", "参与单位"),
    "priority_score": ("Priority score", "优先级得分"),
    "value_share": ("Downstream value share", "下游价值占比"),
    "feasibility": ("Feasibility", "可行性"),
    "status": ("Status", "状态"),
    "kind": ("Kind", "类型"),
    "finding": ("Finding", "问题"),
}

LEVEL_FILLS = {"I": "FF4D4F", "II": "FFA940", "III": "FADB14", "IV": "69B1FF"}


def _header(col: str, lang: str) -> str:
    en, zh = HEADERS.get(col, (col, col))
    return zh if lang == "zh" else en


def lists_document(lists: PolicyLists, lang: str = "en") -> dict[str, Any]:
    """Stable JSON: ``version``, ``perspective``, ``language``, ``titles``, ``lists`` (key -> rows).

    Rows keep their stable keys and values in every language (``quadrant: "tackle"``); each list's
    title in the language is in ``titles`` and every enum value's display form is in
    :mod:`chokepoint.vocabulary`.
    """
    a = lists.assessment
    k = 1 if lang == "zh" else 0
    return {
        "version": 2,
        "perspective": a.perspective.to_dict(),
        "language": lang,
        "titles": {key: LIST_TITLES[key][k] for key in lists.tables},
        "attribution": a.chain.meta.get("attribution", ""),
        "lists": {
            key: json.loads(v.to_json(orient="records", force_ascii=False)) for key, v in lists.tables.items()
        },
    }


def format_lists(lists: PolicyLists, lang: str = "en", limit: int = 5) -> str:
    """Text summary: each list's title, row count and first rows."""
    zh = lang == "zh"
    p = lists.assessment.perspective
    lines = [f"产业链安全清单（{p.label('zh')}）" if zh else f"Policy lists ({p.label()})"]
    for key, df in lists.tables.items():
        en, zh_title, *_ = LIST_TITLES[key]
        lines.append(f"\n{zh_title}：{len(df)}行" if zh else f"\n{en}: {len(df)} rows")
        for r in df.head(limit).to_dict("records"):
            label = (r.get("name_zh") if zh else r.get("name")) or r.get("name") or ""
            extra = r.get("goal") or r.get("reason") or ""
            head = f"  {r['rank']:>3}. {r.get('id') or ''}"
            lines.append(f"{head} {label}" + (f" - {extra}" if extra and extra != label else ""))
    attribution = lists.assessment.chain.meta.get("attribution")
    if attribution:
        lines.append("\n" + attribution)
    return "\n".join(lines)


def display_frame(df: Any, lang: str) -> Any:
    """Show a list as a reader sees it: enum values in words, booleans yes/no, lists as text."""
    out = df.copy()
    for c in out.columns:
        out[c] = [_display(c, v, lang) for v in out[c]]
    return out


def _display(column: str, v: Any, lang: str) -> Any:
    if isinstance(v, list):
        if v and isinstance(v[0], dict):
            zh = lang == "zh"
            if zh:
                return "；".join(
                    f"{p.get('name_zh') or p['name']}（{p['country']}"
                    + ("，受限" if p.get("restricted") else "")
                    + "）"
                    for p in v
                )
            return "; ".join(
                f"{p['name']} ({p['country']}" + (", restricted" if p.get("restricted") else "") + ")"
                for p in v
            )
        return "; ".join(str(x) for x in v)
    return display_value(column, v, lang)


def write_lists(lists: PolicyLists, path: str | os.PathLike[str], lang: str = "en") -> list[Path]:
    """Write the policy lists to ``.xlsx``, ``.json`` or ``.csv`` in ``lang``; return the files written.

    ``.xlsx``: a cover sheet and one sheet per list; ``.csv``: one file per list,
    ``<stem>_<list>.csv`` next to ``path``.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".json":
        p.write_text(
            json.dumps(lists_document(lists, lang), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        return [p]
    if ext == ".csv":
        out = []
        for key, df in lists.tables.items():
            f = p.with_name(f"{p.stem}_{key}.csv")
            shown = display_frame(df, lang)
            shown.rename(columns=lambda c: _header(c, lang)).to_csv(f, index=False, encoding="utf-8-sig")
            out.append(f)
        return out
    if ext == ".xlsx":
        _write_xlsx(lists, p, lang)
        return [p]
    raise UsageError(f"cannot write {p.name}: use .xlsx, .csv or .json")


def _write_xlsx(lists: PolicyLists, p: Path, lang: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    a = lists.assessment
    zh = lang == "zh"
    wb = Workbook()
    cover = wb.active
    cover.title = "封面" if zh else "cover"
    cover.append(["产业链安全清单" if zh else "Industrial-chain security lists"])
    cover["A1"].font = Font(bold=True, size=16)
    meta = a.chain.meta
    rows = [
        (
            "项目" if zh else "chain",
            meta.get("title_zh", "") if zh and meta.get("title_zh") else meta.get("title", ""),
        ),
        ("视角" if zh else "perspective", a.perspective.label(lang)),
        ("日期" if zh else "date", datetime.now(UTC).date().isoformat()),
        ("数据来源" if zh else "data source", meta.get("source", "")),
        ("数据署名" if zh else "attribution", meta.get("attribution", "")),
        ("许可" if zh else "license", meta.get("license", "")),
        ("方法" if zh else "method", "docs/assessment.md, docs/lists.md"),
    ]
    for r in rows:
        cover.append(list(r))
    cover.append([])
    cover.append(["清单" if zh else "list", "行数" if zh else "rows"])
    for key, df in lists.tables.items():
        en_title, zh_title, *_ = LIST_TITLES[key]
        cover.append([zh_title if zh else en_title, len(df)])
    cover.column_dimensions["A"].width = 44
    cover.column_dimensions["B"].width = 100
    head_fill = PatternFill("solid", fgColor="1F3864")
    for key, raw in lists.tables.items():
        _, _, en_sheet, zh_sheet = LIST_TITLES[key]
        df = display_frame(raw, lang)
        ws = wb.create_sheet(zh_sheet if zh else en_sheet)
        cols = list(df.columns)
        ws.append([_header(c, lang) for c in cols])
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for rec in df.itertuples(index=False):
            ws.append([_cell(v) for v in rec])
        if "level" in cols:
            j = cols.index("level") + 1
            for i in range(2, len(df) + 2):
                raw_level = raw["level"].iloc[i - 2]
                if raw_level in LEVEL_FILLS:
                    ws.cell(row=i, column=j).fill = PatternFill("solid", fgColor=LEVEL_FILLS[str(raw_level)])
        for j, c in enumerate(cols, start=1):
            longest = max([len(str(_header(c, lang)))] + [len(str(v)) for v in df[c].head(200)])
            ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, longest + 2))
        ws.freeze_panes = "A2"
        if len(df):
            ws.auto_filter.ref = ws.dimensions
    wb.save(p)


def _cell(v: Any) -> Any:
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


__all__ = ["HEADERS", "LIST_TITLES", "format_lists", "lists_document", "write_lists"]
