"""Render policy lists: an Excel workbook (cover + one sheet per list), CSV files, JSON, text."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from chokepoint.errors import UsageError
from chokepoint.lists.build import PolicyLists
from chokepoint.report.list_columns import HEADERS, display_cell

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
        out[c] = [display_cell(c, v, lang) for v in out[c]]
    return out


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
    """A cover and one sheet per list, in the style of :mod:`chokepoint.report.workbook`, under
    the lists' own headers (``rank`` is a priority, ``unit`` a research unit's id).
    """
    from chokepoint.report.workbook import Sheet, chain_cover, write_workbook

    a = lists.assessment
    zh = lang == "zh"
    sheets = []
    for key, raw in lists.tables.items():
        en_title, zh_title, en_sheet, zh_sheet = LIST_TITLES[key]
        sheets.append(Sheet(en_sheet, zh_sheet, raw, zh_title if zh else en_title, headers=HEADERS))
    cover = chain_cover(
        "产业链安全清单" if zh else "Industrial-chain security lists",
        dict(a.chain.meta),
        lang,
        a.perspective.label(lang),
        **{("方法" if zh else "Method"): "docs/assessment.md, docs/lists.md"},
    )
    write_workbook(p, sheets, cover, lang)


def _cell(v: Any) -> Any:
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


__all__ = ["HEADERS", "LIST_TITLES", "format_lists", "lists_document", "write_lists"]
