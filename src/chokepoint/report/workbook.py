"""One style for every workbook the platform writes: a cover sheet, then one styled sheet per table.

Every sheet has human headers in the chosen language (:data:`HEADERS`, else the column's words),
enum values in words (:func:`chokepoint.vocabulary.display_value`), shares formatted as
percentages (:func:`number_format`), long text wrapped, the header row frozen (and the id and
name columns, when a table starts with them), filters on, widths fitted to the content, and the
level column coloured red/orange/yellow/blue.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.io.sheet_style import style_header
from chokepoint.report.list_columns import HEADERS as LIST_HEADERS
from chokepoint.report.list_columns import LEVEL_FILLS, display_cell
from chokepoint.vocabulary import display_value

#: Column -> (English header, Chinese header), units in the header; extends the lists' headers.
HEADERS: dict[str, tuple[str, str]] = {
    **LIST_HEADERS,
    "rank": ("Rank", "名次"),
    "name": ("Name", "英文名称"),
    "name_zh": ("Name (Chinese)", "中文名称"),
    "stage": ("Stage", "环节"),
    "group": ("Category", "所属类别"),
    "technology_gap": ("Technology gap (input)", "技术差距（输入）"),
    "gap_basis": ("Gap basis", "差距依据"),
    "threshold": ("Threshold (0-1)", "技术门槛（0-1）"),
    "threshold_basis": ("Threshold basis", "门槛依据"),
    "localization": ("Localization (known)", "国产化率（已知）"),
    "localization_upper": ("Localization (bound)", "国产化率（上限）"),
    "foreign_dependency": ("Foreign dependency", "对外依存度"),
    "hhi_country": ("Country concentration (HHI, 0-1)", "国家集中度（HHI，0-1）"),
    "hhi_country_risk_weighted": ("Risk-weighted country HHI (0-1)", "风险加权国家集中度（0-1）"),
    "concentration": ("Concentration (0-1)", "集中度（0-1）"),
    "effective_suppliers": ("Effective suppliers (1/HHI)", "有效供应方数（1/HHI）"),
    "governance_risk": ("Governance risk (0-1)", "治理风险（0-1）"),
    "substitutability": ("Substitutability (0-1)", "可替代性（0-1）"),
    "substitutability_basis": ("Substitutability basis", "可替代性依据"),
    "secure_share": ("Secure share (home and allied)", "安全份额（本国及友好国家）"),
    "top1_country": ("Leading country", "第一供给国"),
    "top1_country_share": ("Leading country's share", "第一供给国份额"),
    "top3_country_share": ("Top-3 countries' share", "前三国份额"),
    "hhi_enterprise": ("Enterprise concentration (HHI, 0-1)", "企业集中度（HHI，0-1）"),
    "top1_enterprise": ("Leading enterprise", "第一供给企业"),
    "top1_enterprise_share": ("Leading enterprise's share", "第一供给企业份额"),
    "top3_enterprise_share": ("Top-3 enterprises' share", "前三企业份额"),
    "n_countries": ("Provider countries", "供给国家数"),
    "n_enterprises": ("Provider enterprises", "供给企业数"),
    "n_qualified": ("Qualified providers", "合格供给方数"),
    "single_point_of_failure": ("Single point of failure", "单点故障"),
    "spof_reasons": ("Why a single point of failure", "单点故障原因"),
    "substitute_switch_days": ("Days to switch to a substitute", "切换替代来源天数"),
    "downstream_value_share": ("Downstream value share", "下游价值占比"),
    "downstream_reach": ("Downstream nodes reached", "影响下游节点数"),
    "coverage_country": ("Known share, countries", "国家份额已知覆盖率"),
    "coverage_enterprise": ("Known share, enterprises", "企业份额已知覆盖率"),
    "year": ("Year", "年份"),
    "experts": ("Expert sheets used", "专家评分表数"),
    "explanation": ("Explanation", "说明"),
    "explanation_zh": ("Explanation (Chinese)", "中文说明"),
    "explanation_en": ("Explanation (English)", "英文说明"),
    "rank_min": ("Best rank under the weight sweep", "权重扰动下最好名次"),
    "rank_max": ("Worst rank under the weight sweep", "权重扰动下最差名次"),
    "level_stable": ("Level stable", "等级稳定"),
    "robust": ("Robust", "结论稳健"),
    "key": ("Item", "项目"),
    "value": ("Value", "内容"),
    # scenarios
    "availability": ("Availability", "可得性"),
    "loss": ("Loss", "损失"),
    "loss_upper": ("Loss (bound)", "损失（上限）"),
    "supply_availability": ("Supply availability", "供给可得性"),
    "final_product": ("Final product", "最终产品"),
    "unknown_share_used": ("Unknown share counted", "计入未知份额"),
    "path": ("Path of the disruption", "断链传导路径"),
    "type": ("Type", "类型"),
    "provider_level": ("Provider level", "供给方层级"),
    "remaining": ("Remaining share", "剩余份额"),
    "pair": ("Countries", "国家组合"),
    "final_value_stopped": ("Final value stopped", "最终产品价值受阻比例"),
    "best_alone": ("Worse of the two alone", "单独封锁较大者"),
    "joint_excess": ("Beyond either alone", "联合封锁新增"),
    "nodes_impacted": ("Nodes impacted (loss above 1%)", "受影响节点数（损失>1%）"),
    "nodes_stopped": ("Nodes stopped", "停产节点数"),
    "worst_node": ("Worst hit node", "受损最重节点"),
    "worst_node_loss": ("Its loss", "该节点损失"),
    "time_to_survive": ("Days to survive", "可维持天数"),
    "time_to_recover": ("Days to recover", "恢复天数"),
    "worst_loss": ("Worst loss", "最大损失"),
    "loss_days": ("Lost availability (node-days)", "累计损失（节点·天）"),
    "day": ("Day", "天"),
    "runs": ("Runs", "模拟次数"),
    "run": ("Run", "模拟序号"),
    "expected_loss": ("Expected loss (final-value-days)", "期望损失（最终价值·天）"),
    "value_at_risk_95": ("95% value at risk (final-value-days)", "95%风险价值（最终价值·天）"),
    "share_of_runs_critical": ("Share of runs critical", "成为关键节点的模拟占比"),
    "lost_final_value_days": ("Lost final value (final-value-days)", "最终价值损失（最终价值·天）"),
    "shocks": ("Shocks", "冲击"),
    "node_name": ("Node name", "节点名称"),
    "rule_id": ("Rule", "规则"),
    "entity_type": ("Entity type", "对象类型"),
    "entity": ("Entity", "对象编号"),
    "entity_name": ("Entity name", "对象名称（英文）"),
    "entity_name_zh": ("Entity name (Chinese)", "对象名称"),
    "message": ("Message", "预警信息"),
    "opened_at": ("Opened at (UTC)", "发出时间（UTC）"),
    "acknowledged_at": ("Acknowledged at (UTC)", "确认时间（UTC）"),
    "resolved_at": ("Resolved at (UTC)", "解决时间（UTC）"),
    "unit": ("Unit", "单位"),
    # trade, materials, input-output
    "importer": ("Importer", "进口方"),
    "exporter": ("Exporter", "出口方"),
    "product": ("Product (HS)", "产品（HS编码）"),
    "imports": ("Imports", "进口额"),
    "exports": ("Exports", "出口额"),
    "partners": ("Partners", "贸易伙伴数"),
    "hhi": ("Partner concentration (HHI, 0-1)", "来源集中度（HHI，0-1）"),
    "top1_share": ("Largest partner's share", "第一来源份额"),
    "top1_partner": ("Largest partner", "第一来源"),
    "top3_share": ("Top-3 partners' share", "前三来源份额"),
    "imports_to_exports": ("Imports / exports", "进出口比"),
    "commodity": ("Commodity", "矿产品"),
    "category": ("Category", "类别"),
    "hhi_production": ("Production concentration (HHI, 0-1)", "生产集中度（HHI，0-1）"),
    "world_production": ("World production (unit of the row)", "世界产量（按该行单位）"),
    "top_producer": ("Top producer", "最大生产国"),
    "top_producer_share": ("Top producer's share", "最大生产国份额"),
    "home_production": ("Home production (unit of the row)", "本国产量（按该行单位）"),
    "home_production_share": ("Home share of world production", "本国产量占全球比重"),
    "home_production_t": ("Home production (t)", "本国产量（吨）"),
    "imports_t": ("Imports (t)", "进口量（吨）"),
    "exports_t": ("Exports (t)", "出口量（吨）"),
    "apparent_consumption_t": ("Apparent consumption (t)", "表观消费量（吨）"),
    "import_reliance": ("Import reliance", "进口依存度"),
    "partner_hhi": ("Import partner concentration (HHI, 0-1)", "进口来源集中度（HHI，0-1）"),
    "top_partner": ("Largest import partner", "最大进口来源国"),
    "top_partner_share": ("Largest import partner's share", "最大进口来源国份额"),
    "import_risk": ("Import risk (0-1)", "进口风险（0-1）"),
    "geopolrisk": ("GeoPolRisk (0-1)", "地缘政治供应风险GeoPolRisk（0-1）"),
    "price_usd_per_kg": ("Price (USD/kg)", "价格（美元/千克）"),
    "characterization_factor": (
        "GeoPolRisk characterization factor (USD/kg)",
        "GeoPolRisk特征化因子（美元/千克）",
    ),
    "wgi_imputed_share": ("Imports with imputed governance (share)", "治理指标插补的进口占比"),
    "value_without_quantity_share": ("Trade value without quantity (share)", "缺数量的贸易额占比"),
    "hhi_wgi_global": (
        "Governance-weighted concentration, global supply (EU method)",
        "治理加权集中度：全球供给（欧盟方法）",
    ),
    "hhi_wgi_sourcing": (
        "Governance-weighted concentration, home sourcing (EU method)",
        "治理加权集中度：本国进口来源（欧盟方法）",
    ),
    "eol_rir": ("End-of-life recycling input rate", "报废回收投入率"),
    "substitution_index": ("Substitution index (0-1)", "替代指数（0-1）"),
    "supply_risk_eu": ("EU supply risk (JRC scale, critical at 1)", "欧盟供应风险（JRC标度，≥1为关键）"),
    "home_export_share": ("Home share of world exports", "本国出口占全球比重"),
    "reliance_weighted_export_share": ("Reliance-weighted export share", "按进口国依存度加权的出口占比"),
    "producers": ("Producing countries", "生产国数量"),
    "missing": ("Countries without a value", "缺少数值的国家数"),
    "missing_top_producer": (
        "Top producers of other stages without a value here",
        "其他环节主要生产国在本环节缺数据",
    ),
    "bottleneck": ("Bottleneck stage", "瓶颈环节"),
    "region": ("Region", "地区"),
    "sector": ("Sector", "部门"),
    "output_multiplier": ("Output multiplier", "产出乘数"),
    "backward": ("Backward linkage (index)", "后向关联（指数）"),
    "forward": ("Forward linkage (index)", "前向关联（指数）"),
    "key_sector": ("Key sector", "关键部门"),
}

#: Headers of the raw-material tables where a column name means something else than elsewhere:
#: ``hhi`` is the concentration of production by country, ``coverage`` the data used (text).
MATERIALS_HEADERS: dict[str, tuple[str, str]] = {
    "hhi": ("Production concentration (HHI, 0-1)", "产量集中度（HHI，0-1）"),
    "coverage": ("Data used", "所用数据"),
    "home_share": ("Home share of the stage", "本国在该环节的份额"),
}

#: Columns holding a fraction shown as a percentage (besides names ending in ``share``).
PERCENT_COLUMNS = frozenset(
    {
        "coverage",
        "coverage_country",
        "coverage_enterprise",
        "localization",
        "localization_upper",
        "foreign_dependency",
        "availability",
        "supply_availability",
        "loss",
        "loss_upper",
        "worst_loss",
        "worst_node_loss",
        "remaining",
        "final_value_stopped",
        "best_alone",
        "joint_excess",
        "import_reliance",
        "dependence",
    }
)
#: Columns of long text: wrapped, wide.
TEXT_COLUMNS = frozenset({"explanation", "explanation_zh", "explanation_en", "reason", "path", "shocks",
                          "spof_reasons", "goal", "finding", "value", "message", "partners"})  # fmt: skip
_SHARE = re.compile(r"(^|_)share(_upper)?$|_share_|^share_of_")
LEVEL_COLUMNS = ("level", "level_before")


def header(column: Any, lang: str = "en") -> str:
    """The human header of ``column`` in ``lang``: :data:`HEADERS`, else its words (``top_share`` ->
    ``Top share``); ids used as columns (a country, a node) are kept as they are.
    """
    col = str(column)
    if col in HEADERS:
        en, zh = HEADERS[col]
        return zh if lang == "zh" else en
    if "_" not in col:
        return col if not col.islower() else col.capitalize()
    words = col.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def is_percent(column: Any) -> bool:
    """Whether ``column`` holds a fraction to show as a percentage."""
    col = str(column)
    return col in PERCENT_COLUMNS or bool(_SHARE.search(col))


def number_format(column: Any, values: pd.Series, shares: bool = False) -> str | None:
    """The Excel number format of a column: ``0.0%`` for shares, ``#,##0`` for integers and large
    amounts, ``0.000`` for indices; ``None`` for text.
    """
    if values.dtype == bool or not pd.api.types.is_numeric_dtype(values.dtype):
        return None
    if str(column) in ("year", "day", "run", "rank", "market_size_year"):
        return "0"
    if is_percent(column) or shares:
        return "0.0%"
    if pd.api.types.is_integer_dtype(values.dtype):
        return "#,##0"
    finite = values[np.isfinite(values.astype(float))]
    if len(finite) and float(finite.abs().max()) >= 1000:
        return "#,##0"
    return "0.000"


@dataclass
class Sheet:
    """A table to write as one sheet: its title in English and Chinese, the frame, a note."""

    title: str
    title_zh: str
    frame: pd.DataFrame
    note: str = ""
    index: bool = False
    #: every numeric column of the sheet is a share (a loss or availability matrix)
    shares: bool = False
    #: headers of this sheet that differ from :data:`HEADERS` (a list's ``rank`` is a priority)
    headers: Mapping[str, tuple[str, str]] | None = None


@dataclass
class Cover:
    """The cover sheet: a title and (label, value) rows, in the workbook's language."""

    title: str
    rows: list[tuple[str, Any]] = field(default_factory=list)


def chain_cover(title: str, meta: dict[str, Any], lang: str, perspective: str = "", **more: Any) -> Cover:
    """A cover for a workbook about a chain: project title, perspective, date, source, licence."""
    zh = lang == "zh"
    rows: list[tuple[str, Any]] = [
        ("项目" if zh else "Chain", (meta.get("title_zh") if zh else None) or meta.get("title", "")),
    ]
    if perspective:
        rows.append(("视角" if zh else "Perspective", perspective))
    rows += [(k, v) for k, v in more.items()]
    rows += [
        ("日期" if zh else "Date", datetime.now(UTC).date().isoformat()),
        ("数据来源" if zh else "Data source", meta.get("source", "")),
        ("数据署名" if zh else "Attribution", meta.get("attribution", "")),
        ("许可" if zh else "Licence", meta.get("license", "")),
    ]
    return Cover(title, [r for r in rows if r[1] not in (None, "")])


def write_workbook(
    path: str | os.PathLike[str], sheets: Sequence[Sheet], cover: Cover, lang: str = "en"
) -> Path:
    """Write ``cover`` and then each of ``sheets`` in the platform's style; return the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    zh = lang == "zh"
    wb = Workbook()
    ws = wb.active
    ws.title = "封面" if zh else "Cover"
    ws.append([cover.title])
    ws["A1"].font = Font(bold=True, size=16)
    for label, value in cover.rows:
        ws.append([label, _cell(value)])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    ws.append([])
    ws.append(["工作表" if zh else "Sheet", "行数" if zh else "Rows", "说明" if zh else "Note"])
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    names = _sheet_names([s.title_zh if zh else s.title for s in sheets])
    for s, name in zip(sheets, names, strict=True):
        ws.append([name, len(s.frame), s.note])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["C"].width = 60
    for s, name in zip(sheets, names, strict=True):
        frame = s.frame.reset_index() if s.index else s.frame
        _write_sheet(wb.create_sheet(name), frame, lang, s.shares, s.headers or {})
    p = Path(path)
    wb.save(p)
    return p


def _sheet_names(titles: list[str]) -> list[str]:
    out: list[str] = []
    for t in titles:
        name = re.sub(r"[\[\]:*?/\\]", " ", t)[:31]
        while name in out:
            name = name[:28] + f" {len(out)}"
        out.append(name)
    return out


def _write_sheet(
    ws: Any, frame: pd.DataFrame, lang: str, shares: bool, own: Mapping[str, tuple[str, str]]
) -> None:
    from openpyxl.styles import Alignment, PatternFill
    from openpyxl.utils import get_column_letter

    cols = list(frame.columns)

    def title(c: Any) -> str:
        return own[str(c)][1 if lang == "zh" else 0] if str(c) in own else header(c, lang)

    heads = [title(c) for c in cols]
    ws.append(heads)
    for cell in ws[1]:
        style_header(cell)
    shown = {c: [_cell(_display(str(c), v, lang)) for v in frame[c]] for c in cols}
    for i in range(len(frame)):
        ws.append([shown[c][i] for c in cols])
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, c in enumerate(cols, start=1):
        letter = get_column_letter(j)
        fmt = number_format(c, frame[c], shares)
        long_text = str(c) in TEXT_COLUMNS
        if fmt or long_text:
            for cell in ws[letter][1:]:
                if fmt:
                    cell.number_format = fmt
                else:
                    cell.alignment = wrap
        if str(c) in LEVEL_COLUMNS:
            for cell, raw in zip(ws[letter][1:], frame[c], strict=True):
                if raw in LEVEL_FILLS:
                    cell.fill = PatternFill("solid", fgColor=LEVEL_FILLS[str(raw)])
        texts = [str(v) for v in shown[c][:200] if v is not None]
        longest = max([len(w) for w in heads[j - 1].split()] + [len(t) for t in texts] + [6])
        ws.column_dimensions[letter].width = (
            60 if long_text and longest > 60 else min(40, max(8, longest + 2))
        )
    first = [str(c) for c in cols[:4]]
    keep = max(
        (k + 1 for k, c in enumerate(first) if c in ("id", "name", "name_zh", "country", "pair")), default=0
    )
    ws.freeze_panes = f"{get_column_letter(keep + 1)}2"
    if len(frame):
        ws.auto_filter.ref = ws.dimensions


def _display(column: str, v: Any, lang: str) -> Any:
    if isinstance(v, list):  # a list's partners, nodes
        return display_cell(column, v, lang)
    out = display_value(column, v, lang)
    if out is v and column == "kind":  # a node's kind (the vocabulary of "kind" is a finding's)
        return display_value("node_kind", v, lang)
    return out


def _cell(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return "; ".join(str(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {x}" for k, x in v.items())
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
        if isinstance(v, float) and v != v:
            return None
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        v = ILLEGAL_CHARACTERS_RE.sub("", v)  # control characters cannot be stored in a workbook
        return v[:32000] + "…" if len(v) > 32000 else v
    return v


__all__ = ["HEADERS", "Cover", "Sheet", "chain_cover", "header", "number_format", "write_workbook"]
