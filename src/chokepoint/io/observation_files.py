"""Files of directly reported data: the upload template and the upload reader (xlsx or csv)."""

from __future__ import annotations

import csv
import io
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from chokepoint.errors import InputFileError, Problem
from chokepoint.io.readers import cell_text, decode_text, parse_csv_text
from chokepoint.io.sheet_style import FILL_IN, style_header
from chokepoint.model.chain import ChainMap
from chokepoint.monitor.catalog import catalog
from chokepoint.monitor.observations import Reporter

COLUMNS = ["indicator", "node", "enterprise", "country", "period", "value", "unit"]

#: Columns of sheet ``data``: key (what an upload reads), English and Chinese header. The first
#: line of a header cell is the key; a column whose key is not in :data:`COLUMNS` is a label for
#: the reader of the sheet (names of the indicator, node and enterprise) and is ignored on upload.
DATA_COLUMNS: list[tuple[str, str, str, int]] = [
    ("indicator", "Indicator code", "指标代码", 22),
    ("Indicator", "Indicator", "指标名称", 34),
    ("node", "Node id", "节点编号", 10),
    ("Node", "Node name", "节点名称（英文）", 30),
    ("节点", "Node name (Chinese)", "节点名称", 24),
    ("enterprise", "Enterprise id", "企业编号", 12),
    ("Enterprise", "Enterprise", "企业名称", 26),
    ("country", "Country (ISO3)", "国家代码", 10),
    ("period", "Period (YYYY-MM)", "期间（年-月）", 14),
    ("value", "Value: fill in", "填报值（请填写）", 16),
    ("unit", "Unit", "单位", 10),
]
#: How many months up to the template's period the period drop-down offers.
PERIOD_CHOICES = 13


def months_up_to(period: str, n: int = PERIOD_CHOICES) -> list[str]:
    """The ``n`` months ``YYYY-MM`` ending with ``period``, oldest first."""
    year, month = (int(x) for x in period.split("-"))
    index = year * 12 + month - 1
    return [f"{(i // 12):04d}-{(i % 12) + 1:02d}" for i in range(index - n + 1, index + 1)]


def write_report_template(
    path: str | os.PathLike[str], chain: ChainMap, reporter: Reporter, period: str
) -> Path:
    """Write the upload template for ``reporter`` and ``period`` to ``path`` and return the path.

    Sheet ``data`` is prefilled with the rows the reporter may report for ``period`` (their
    enterprises, and each node they provide; blank values are skipped on upload), with the
    indicator's name, the node's name in English and Chinese and the enterprise's name beside
    each code, the unit of each row, and drop-downs for the indicator, the period and the unit.
    Sheet ``indicators`` is the catalog (names, unit, direction, valid range), and ``README``
    says how to fill and upload the workbook, in English and Chinese.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cat = catalog()
    nodes = chain.nodes.set_index("id")
    actors = chain.actors.set_index("id")
    orgs = chain.actors[chain.actors["kind"].isin(["enterprise", "institution"])]
    mine = orgs[orgs["id"].isin(reporter.actors)] if reporter.role == "reporter" else orgs.iloc[0:0]
    pairs = chain.provisions[chain.provisions["actor"].isin(set(mine["id"]))][
        ["node", "actor"]
    ].drop_duplicates()

    def node_names(n: str) -> tuple[str, str]:
        if n not in nodes.index:
            return "", ""
        zh = nodes.at[n, "name_zh"] if "name_zh" in nodes.columns else None
        return str(nodes.at[n, "name"]), str(zh) if isinstance(zh, str) and zh else ""

    def actor_name(a: str) -> str:
        if a not in actors.index:
            return ""
        zh = actors.at[a, "name_zh"] if "name_zh" in actors.columns else None
        name = str(actors.at[a, "name"])
        return f"{name}（{zh}）" if isinstance(zh, str) and zh and zh != name else name

    rows: list[list[object]] = []
    for ind in cat.values():
        label = f"{ind.name_zh} / {ind.name_en}"
        if ind.entity_type == "enterprise":
            rows += [
                [ind.code, label, "", "", "", a, actor_name(a), "", period, None, ind.unit]
                for a in mine["id"]
            ]
        elif ind.entity_type == "node_enterprise":
            rows += [
                [ind.code, label, n, *node_names(n), a, actor_name(a), "", period, None, ind.unit]
                for n, a in zip(pairs["node"], pairs["actor"], strict=True)
            ]
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    fill_in = PatternFill("solid", fgColor=FILL_IN)
    for j, (key, en, zh, width) in enumerate(DATA_COLUMNS, start=1):
        shown = key if key in COLUMNS else en
        cell = ws.cell(row=1, column=j, value=f"{shown}\n{zh}" if key in COLUMNS else f"{en}\n{zh}")
        style_header(cell)
        cell.comment = Comment(f"{en} / {zh}", "chokepoint")
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[1].height = 32
    for r in rows:
        ws.append(r)
    keys = [k for k, *_ in DATA_COLUMNS]
    col = {k: get_column_letter(keys.index(k) + 1) for k in keys}
    last = max(len(rows) + 1, 2)
    for k in ("period", "indicator", "node", "enterprise", "country", "unit"):
        for cell in ws[col[k]][1:]:
            cell.number_format = "@"  # text: Excel must not turn 2026-01 into a date
    for cell in ws[col["value"]][1:]:
        cell.fill = fill_in
    # drop-downs: the catalog's codes, the months up to the template's, the catalog's units
    room = last + 200  # rows a reporter may add below the prefilled ones
    codes = DataValidation(
        type="list", formula1=f"=indicators!$A$2:$A${len(cat) + 1}", allow_blank=True, showErrorMessage=True
    )
    codes.error = "Choose an indicator of sheet indicators / 请选择 indicators 工作表中的指标"
    choices = '"' + ",".join(months_up_to(period)) + '"'
    months = DataValidation(type="list", formula1=choices, allow_blank=True, showErrorMessage=True)
    months.error = "Period YYYY-MM, up to the template's month / 期间格式为 YYYY-MM"
    units = sorted({i.unit for i in cat.values()})
    unit_list = DataValidation(type="list", formula1='"' + ",".join(units) + '"', allow_blank=True)
    lowest = min(i.minimum for i in cat.values())
    value = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1=f"{lowest:g}", allow_blank=True
    )
    value.error = "A number (fractions as 0-1) / 请填写数值（比例填0-1之间的小数）"
    value.showErrorMessage = True
    for dv, k in ((codes, "indicator"), (months, "period"), (unit_list, "unit"), (value, "value")):
        dv.add(f"{col[k]}2:{col[k]}{room}")
        ws.add_data_validation(dv)
    ws.freeze_panes = f"{col['node']}2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{last}"

    info = wb.create_sheet("indicators")
    info_cols = [
        ("code", "Code", "代码", 24),
        ("name_en", "Indicator", "指标（英文）", 40),
        ("name_zh", "Indicator (Chinese)", "指标", 30),
        ("unit", "Unit", "单位", 10),
        ("unit_zh", "Unit (Chinese)", "中文单位", 10),
        ("entity_type", "Reported per", "填报对象", 16),
        ("higher_is_worse", "Higher is worse", "越高越差", 10),
        ("minimum", "Minimum", "最小值", 10),
        ("maximum", "Maximum", "最大值", 10),
    ]
    per = {"enterprise": "enterprise / 企业", "node_enterprise": "node x enterprise / 节点×企业"}
    for j, (_k, en, zh, width) in enumerate(info_cols, start=1):
        cell = info.cell(row=1, column=j, value=f"{en}\n{zh}")
        style_header(cell)
        info.column_dimensions[get_column_letter(j)].width = width
    for ind in cat.values():
        info.append(
            [
                ind.code,
                ind.name_en,
                ind.name_zh,
                ind.unit,
                ind.unit_label_zh,
                per.get(ind.entity_type, ind.entity_type),
                "yes / 是" if ind.higher_is_worse else "no / 否",
                ind.minimum,
                ind.maximum,
            ]
        )
    info.freeze_panes = "B2"
    readme = wb.create_sheet("README")
    for line in (
        f"Reporting template for {period}: fill column 'value' (yellow); blank rows are skipped.",
        f"{period} 数据直报模板：请填写黄色的“填报值”列；空白行不提交。",
        "Names beside the codes are for reading only. Period: YYYY-MM. Units must match sheet"
        " indicators; fractions are written 0-1 (0.25 = 25%).",
        "代码旁的名称仅供阅读。期间格式：YYYY-MM。单位须与 indicators 工作表一致；"
        "比例填0-1之间的小数（0.25即25%）。",
        "Upload: chokepoint report-data upload FILE --project NAME --as USER,"
        " or the web UI's page Reporting.",
        "上传：chokepoint report-data upload 文件 --project 项目名 --as 用户名，"
        "或在网页的“数据直报”页面上传。",
    ):
        readme.append([line])
    readme.column_dimensions["A"].width = 120
    wb.move_sheet("README", offset=-2)
    wb.active = 0
    p = Path(path)
    wb.save(p)
    return p


def header_key(text: str) -> str:
    """The key of a header cell: its first line (the template writes the key, then a translation)."""
    return text.strip().split("\n", 1)[0].strip()


def plain_csv(data: bytes, text: str) -> tuple[pd.DataFrame, list[int]] | None:
    """Read a plain CSV (``data``, already decoded as ``text``) with pandas' C parser (a large
    upload in seconds and a fraction of the memory of a row-by-row reader): text cells, blank
    lines left out, each row's line number kept.

    Returns None for anything not plain, which the row-by-row reader then reads and reports
    (:func:`chokepoint.io.readers.parse_csv_text`): a header naming a column twice, a row with more
    cells than the header, a quoted cell spanning lines (it would shift the line numbers).
    """
    first = text.split("\n", 1)[0]
    if not first.strip():
        return None
    try:
        header = [h.strip() for h in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return None
    if len(set(header)) != len(header):
        return None
    try:
        with warnings.catch_warnings():  # a row longer than the header: not plain
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(data),
                encoding="utf-8-sig",
                header=0,
                names=header,
                index_col=False,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                engine="c",
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError, csv.Error):
        return None
    frame = frame.fillna("")
    if '"' in text and any(frame[c].str.contains("[\r\n]", regex=True).any() for c in frame.columns):
        return None
    blank = np.ones(len(frame), dtype=bool)
    for c in frame.columns:
        blank &= (frame[c].str.strip() == "").to_numpy()
    numbers = (np.flatnonzero(~blank) + 2).tolist()
    return frame[~blank].reset_index(drop=True), numbers


def read_report_file(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, list[int], str, list[Problem]]:
    """Read the rows of an upload (``.xlsx`` sheet ``data`` or the first sheet, or ``.csv``).

    Rows whose value is blank are left out (nothing reported).

    Returns
    -------
    frame : DataFrame
        The rows as text cells, one column per header.
    row_numbers : list of int
        The spreadsheet row number of each row (the header is row 1).
    source : str
        The file name, with ``[sheet]`` for a workbook.
    problems : list of Problem
        Problems of decoding or parsing a CSV file (the frame is empty when it could not be read).
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(str(path), "no such file")
    if p.suffix.lower() == ".csv":
        content = p.read_bytes()
        text, problem = decode_text(content, p.name)
        if problem is not None:
            return pd.DataFrame(), [], p.name, [problem]
        assert text is not None
        plain = plain_csv(content, text)
        if plain is not None:
            (frame, numbers), source = plain, p.name
            problems: list[Problem] = []
        else:
            block, problems = parse_csv_text(text, p.name, "observations")
            if block is None:
                return pd.DataFrame(), [], p.name, problems
            frame, numbers, source = block.frame, list(block.row_numbers()), p.name
    elif p.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(p, read_only=True, data_only=True)
        ws = wb["data"] if "data" in wb.sheetnames else wb.worksheets[0]
        source = f"{p.name}[{ws.title}]"
        it = ws.iter_rows(values_only=True)
        header = [header_key(cell_text(c)) for c in next(it, ())]
        data, numbers = [], []
        for i, row in enumerate(it, start=2):
            cells = [cell_text(c) for c in row[: len(header)]]
            if any(c.strip() for c in cells):
                data.append(cells + [""] * (len(header) - len(cells)))
                numbers.append(i)
        wb.close()
        frame, problems = pd.DataFrame(data, columns=header, dtype=object), []
    else:
        raise InputFileError(p.name, "upload a .xlsx workbook or a .csv file")
    if "value" in frame.columns:
        keep = frame["value"].fillna("").astype(str).str.strip() != ""
        numbers = [n for n, k in zip(numbers, keep, strict=True) if k]
        frame = frame[keep].reset_index(drop=True)
    return frame, numbers, source, problems
