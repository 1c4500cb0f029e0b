# ruff: noqa: E501  (the print stylesheet holds long literal lines)
"""The page every printed report shares: escaping, numbers in words, the print stylesheet, and
writing a document as ``.html`` or ``.pdf``.

The project report (:mod:`chokepoint.report.document`), the scenario report
(:mod:`chokepoint.report.scenario_report`) and the monitoring brief
(:mod:`chokepoint.report.brief`) are built from these pieces, so they look alike and every
value from the data goes through :func:`escape`.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chokepoint.errors import UsageError

LEVEL_WORDS = {
    "en": {"I": "I", "II": "II", "III": "III", "IV": "IV", "low": "low", "insufficient_data": "n/a"},
    "zh": {
        "I": "I级",
        "II": "II级",
        "III": "III级",
        "IV": "IV级",
        "low": "低",
        "insufficient_data": "数据不足",
    },
}

CSS = """
@page { size: A4; margin: 16mm 14mm; @bottom-center { content: counter(page); font-size: 8pt; color: #57606a; } }
body { font-family: "Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", sans-serif; font-size: 9.5pt; color: #1f2328; }
h1 { font-size: 20pt; color: #1f3864; margin-top: 40mm; } h2 { font-size: 13pt; color: #1f3864; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 10.5pt; } .cover { page-break-after: always; } .note { color: #57606a; font-size: 8.5pt; font-weight: normal; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; margin-bottom: 8pt; } th, td { border-bottom: 0.5pt solid #d0d7de; padding: 2pt 3pt; text-align: left; vertical-align: top; }
th { background: #eaeef2; } td.reason { width: 45%; } td.num, th.num { text-align: right; white-space: nowrap; } td.nw, th.nw { white-space: nowrap; } figure { margin: 4pt 0 10pt; } figure svg { max-width: 100%; height: auto; }
tr { page-break-inside: avoid; } h2, h3 { break-after: avoid; } .keep { break-inside: avoid; } .level { display: inline-block; min-width: 3.2em; padding: 0 3pt; border-radius: 2pt; text-align: center; }
.lv-I { background: #d4380d; color: #fff; } .lv-II { background: #fa8c16; color: #fff; } .lv-III { background: #fadb14; } .lv-IV { background: #69b1ff; }
.kpi { display: inline-block; margin: 0 14pt 6pt 0; } .kpi b { display: block; font-size: 15pt; color: #1f3864; }
"""


def escape(value: Any) -> str:
    """``value`` as HTML text: ``None`` is empty, markup is escaped (quotes included)."""
    return html.escape("" if value is None else str(value))


def percent(x: Any) -> str:
    """A share as a percentage: whole percents from 10%, one decimal below (``8.5%``) and just
    under 100% (``99.6%``, ``>99.9%``: a share short of all never reads as all); empty for ``None``.
    """
    if x is None:
        return ""
    v = float(x)
    if 0.995 <= v < 1:
        text = f"{v:.1%}"
        return ">99.9%" if text == "100.0%" else text
    return f"{v:.0%}" if v >= 0.1 or v == 0 else f"{v:.1%}"


def chain_title(meta: dict[str, Any], lang: str, fallback: str) -> str:
    """The chain's title in ``lang`` (``title_zh`` for Chinese when the chain has one)."""
    return str((meta.get("title_zh") if lang == "zh" else None) or meta.get("title") or fallback)


def table(
    head: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Sequence[int] = (),
    nowrap: Sequence[int] = (),
) -> str:
    """An HTML table of ``rows`` (every cell escaped) under ``head``; the columns at the positions
    ``numeric`` are right-aligned, those at ``nowrap`` (and the numeric ones) never wrap.
    """
    num, keep = set(numeric), set(nowrap)

    def cls(k: int) -> str:
        return " class='num'" if k in num else " class='nw'" if k in keep else ""

    top = "".join(f"<th{cls(k)}>{escape(h)}</th>" for k, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(k)}>{escape(v)}</td>" for k, v in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{top}</tr></thead><tbody>{body}</tbody></table>"


def html_page(title: str, parts: Sequence[str], lang: str) -> str:
    """One standalone HTML document: ``parts`` (markup already escaped) under ``title``, with the
    print stylesheet; nothing is loaded from outside.
    """
    return (
        f"<!doctype html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{''.join(parts)}</body></html>"
    )


#: the report's font family, and the weights embedded in an HTML report
FONT_FAMILY = "Noto Sans CJK SC"
FONT_WEIGHTS = (("normal", "normal"), ("bold", "bold"))


def font_faces(text: str) -> str:
    """``@font-face`` rules embedding :data:`FONT_FAMILY` (regular and bold) as WOFF2 ``data:``
    URLs, subset to the characters of ``text``: an HTML report then shows its Chinese on any
    machine, with nothing loaded from outside. Empty when the font is not installed (Debian:
    ``fonts-noto-cjk``); the page then falls back to the reader's fonts.

    The subset is made with fontTools (``fontTools.subset``), which keeps the glyphs of the given
    characters and the layout features that use them.
    """
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont
    from matplotlib import font_manager

    rules = []
    chars = "".join(sorted(set(text) | set(" 0123456789%.,;:()-")))
    for weight, css_weight in FONT_WEIGHTS:
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=FONT_FAMILY, weight=weight), fallback_to_default=False
            )
        except ValueError:
            return ""
        if path.lower().endswith((".ttc", ".otc")):
            fonts = TTCollection(path, lazy=True).fonts
            font = next((f for f in fonts if f["name"].getDebugName(1) == FONT_FAMILY), fonts[0])
        else:
            font = TTFont(path, lazy=True)
        options = subset.Options()
        options.flavor = "woff2"
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=chars)
        subsetter.subset(font)
        buf = io.BytesIO()
        font.flavor = "woff2"
        font.save(buf)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        rules.append(
            f"@font-face {{ font-family: '{FONT_FAMILY}'; font-weight: {css_weight}; "
            f"src: url(data:font/woff2;base64,{data}) format('woff2'); }}"
        )
    return "\n".join(rules)


def embed_fonts(document: str) -> str:
    """``document`` with :func:`font_faces` for its own characters at the top of its stylesheet."""
    faces = font_faces(document)
    return document.replace("<style>", f"<style>{faces}\n", 1) if faces else document


def write_report(document: str, out: str | os.PathLike[str]) -> Path:
    """Write ``document`` (HTML) to ``out``: ``.html`` with its fonts embedded
    (:func:`embed_fonts`), ``.pdf`` through WeasyPrint (which embeds the fonts it uses).
    """
    path = Path(out)
    if path.suffix.lower() == ".html":
        path.write_text(embed_fonts(document), encoding="utf-8")
        return path
    if path.suffix.lower() != ".pdf":
        raise UsageError(f"{path.name}: write the report to a .html or .pdf file")
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # WeasyPrint needs Pango (Debian: libpango-1.0-0)
        raise UsageError(f"PDF output needs WeasyPrint and Pango ({exc}); write .html instead") from None
    HTML(string=document).write_pdf(path)
    return path
