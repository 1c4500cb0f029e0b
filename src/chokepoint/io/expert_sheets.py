"""Expert scoring sheets (专家打分): the workbook of a project and its reader.

One workbook per expert. Sheet ``scores`` (a ``README`` sheet explains the scales in Chinese
and English):

========  ==================================================================================
row 1     ``专家 expert`` in A1, the expert's name in B1 (required)
row 2     ``单位 organization`` in A2, the expert's organization in B2 (optional)
row 3     one line of instructions
row 4     the header: ``node``, ``name``, ``name_zh``, ``stage``, ``gap``, ``threshold``,
          ``substitutability``, ``gap_years``, ``comment``; each header cell is the column's
          name followed by a label (``gap 技术差距 (1-5)``) and the reader keeps the name
row 5 ..  one row per assessable technology (a leaf of the ``type_of`` taxonomy, no stage)
========  ==================================================================================

``gap``, ``threshold`` and ``substitutability`` take a number from 1 to 5 (decimals allowed),
``gap_years`` a number of years ≥ 0, ``comment`` free text; a blank cell is not scored and a
row with nothing filled is left out. Instead of the cells at the top, ``expert`` and
``organization`` may be columns of the table (a CSV file, whose header is its first row, must
have them): a non-blank cell there takes precedence over the top cells.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.assess.expert import SCALE_FIELDS, SCORE_FIELDS, assessable_mask
from chokepoint.errors import InputFileError, Problem, UsageError
from chokepoint.io.readers import cell_text, decode_text, parse_csv_text
from chokepoint.model.chain import ChainMap

SHEET = "scores"
HEADER_ROW = 4
NODE_COLUMNS = ["node", "name", "name_zh", "stage"]
INPUT_COLUMNS = [*SCORE_FIELDS, "comment"]
#: The rows :func:`read_expert_sheet` returns, in order.
ROW_COLUMNS = ["source", "row", "node", "expert", "organization", *SCORE_FIELDS, "comment"]

#: Each column's label in English and Chinese (shown after its name in the header).
LABELS: dict[str, tuple[str, str]] = {
    "node": ("node id", "节点编号"),
    "name": ("name", "名称（英文）"),
    "name_zh": ("Chinese name", "名称（中文）"),
    "stage": ("stage", "环节"),
    "gap": ("technology gap (1-5)", "技术差距 (1-5)"),
    "threshold": ("technical threshold (1-5)", "技术门槛 (1-5)"),
    "substitutability": ("substitutability (1-5)", "可替代性 (1-5)"),
    "gap_years": ("years to close the gap", "追赶年限（年）"),
    "comment": ("comment", "备注"),
}

#: The scales as the README explains them: (English, Chinese).
SCALES: dict[str, tuple[str, str]] = {
    "gap": (
        "Technology gap to the world leader: 1 none (level with the leader), 2 small, 3 clear, "
        "4 large, 5 generations behind",
        "与国际领先水平的技术差距：1 无差距（与领先者持平），2 较小，3 明显，4 较大，5 落后数代",
    ),
    "threshold": (
        "Technical threshold (how hard it is to master): 1 low, 2 fairly low, 3 medium, 4 high, 5 very high",
        "技术门槛（掌握的难度）：1 低，2 较低，3 中等，4 高，5 很高",
    ),
    "substitutability": (
        "Can it be replaced by another product or route: 1 no substitute, 2 little, 3 partly, "
        "4 largely, 5 fully substitutable (a higher score means less risk)",
        "能否被其他产品或技术路线替代：1 不可替代，2 少量可替代，3 部分可替代，4 大部分可替代，"
        "5 完全可替代（分数越高风险越低）",
    ),
    "gap_years": (
        "Years needed to close the gap (a number ≥ 0, e.g. 8)",
        "缩小差距所需年限（不小于 0 的数字，例如 8）",
    ),
    "comment": ("Free text: reasons, sources, caveats", "自由填写：理由、依据、说明"),
}

_TOP = {"expert": ("专家 expert", "expert 专家"), "organization": ("单位 organization", "organization 单位")}


def write_expert_template(chain: ChainMap, path: str | os.PathLike[str], lang: str = "zh") -> Path:
    """Write the expert scoring workbook of ``chain`` to ``path`` and return the path.

    Parameters
    ----------
    chain : ChainMap
        The project's chain; its assessable technologies (:func:`assessable_mask`) are listed
        with id, English and Chinese names and stage.
    path : path
        The workbook to write (``.xlsx``).
    lang : {"zh", "en"}
        Language of the labels, of the stage names and of the first README lines.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    UsageError
        When ``lang`` is neither ``zh`` nor ``en``.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    if lang not in ("zh", "en"):
        raise UsageError(f"unknown language {lang!r}: use zh or en")
    zh = lang == "zh"
    nodes = chain.nodes[assessable_mask(chain)]
    stages = chain.nodes[chain.nodes["kind"] == "stage"]
    stage_names = stages["name_zh"].where(stages["name_zh"] != "", stages["name"]) if zh else stages["name"]
    stage_of = dict(zip(stages["id"], stage_names, strict=True))

    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    _write_readme(readme, zh, len(nodes))
    readme["A1"].font = Font(bold=True, size=14)

    ws = wb.create_sheet(SHEET)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for r, key in ((1, "expert"), (2, "organization")):
        ws.cell(row=r, column=1, value=_TOP[key][0 if zh else 1]).font = Font(bold=True)
        ws.cell(row=r, column=2).fill = fill
    ws.cell(
        row=3,
        column=1,
        value="在下表中按 1-5 打分；空白表示不打分；说明见 README 工作表。"
        if zh
        else "Score 1-5 in the table below; leave a cell blank to skip it; see the README sheet.",
    ).font = Font(italic=True, color="808080")
    columns = [*NODE_COLUMNS, *INPUT_COLUMNS]
    for j, c in enumerate(columns, start=1):
        en, cn = LABELS[c]
        cell = ws.cell(row=HEADER_ROW, column=j, value=f"{c} {cn if zh else en}")
        cell.font = Font(bold=True)
        note = SCALES.get(c, LABELS[c])
        cell.comment = Comment(f"{note[0]}\n{note[1]}", "chokepoint")
        if c in INPUT_COLUMNS:
            cell.fill = fill
        ws.column_dimensions[cell.column_letter].width = {"name": 34, "name_zh": 24, "comment": 40}.get(c, 16)
    for nid, name, name_zh, stage in zip(
        nodes["id"], nodes["name"], nodes["name_zh"], nodes["stage"], strict=True
    ):
        ws.append([nid, name, name_zh, stage_of.get(stage, stage)])
    last = HEADER_ROW + max(len(nodes), 1)
    first_input = len(NODE_COLUMNS) + 1
    letter = get_column_letter(first_input)
    scale_letter_end = get_column_letter(first_input + len(SCALE_FIELDS) - 1)
    years_letter = get_column_letter(first_input + len(SCALE_FIELDS))
    scale_rule = DataValidation(
        type="decimal",
        operator="between",
        formula1="1",
        formula2="5",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="1-5",
        error="请填 1 到 5 之间的数字 / a number from 1 to 5",
    )
    years_rule = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=">= 0",
        error="请填不小于 0 的年数 / years, 0 or more",
    )
    scale_rule.add(f"{letter}{HEADER_ROW + 1}:{scale_letter_end}{last}")
    years_rule.add(f"{years_letter}{HEADER_ROW + 1}:{years_letter}{last}")
    ws.add_data_validation(scale_rule)
    ws.add_data_validation(years_rule)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    p = Path(path)
    wb.save(p)
    return p


def _write_readme(readme: Any, zh: bool, n_nodes: int) -> None:
    intro = {
        "zh": [
            "专家打分表 / expert scoring sheet",
            "在 scores 工作表的 B1 填写专家姓名，B2 填写所在单位；"
            f"表中列出 {n_nodes} 项可评估技术（末级节点）。",
            "每位专家填写一份；空白单元格表示不打分；同一专家再次导入会替换其此前的打分。",
            "导入命令：chokepoint experts import 文件.xlsx ... --project 项目名",
        ],
        "en": [
            "Expert scoring sheet / 专家打分表",
            f"In sheet scores, write the expert's name in B1 and the organization in B2; the table lists "
            f"the {n_nodes} assessable technologies (leaf nodes).",
            "One workbook per expert; a blank cell is not scored; a new sheet from the same expert "
            "replaces that expert's earlier scores.",
            "Import with: chokepoint experts import FILE.xlsx ... --project NAME",
        ],
    }
    lines = intro["zh"] + intro["en"][1:] if zh else intro["en"] + intro["zh"][1:]
    for line in lines:
        readme.append([line])
    readme.append([])
    readme.append(
        ["column", "说明（中文）", "notes (English)"] if zh else ["column", "notes (English)", "说明（中文）"]
    )
    for c in [*NODE_COLUMNS, *INPUT_COLUMNS]:
        en, cn = SCALES.get(c, LABELS[c])
        readme.append([c, cn, en] if zh else [c, en, cn])
    readme.append([])
    readme.append(
        [
            "expert / organization",
            "也可作为表格的列（CSV 文件必须如此），非空时优先于顶部单元格",
            "may instead be columns of the table (a CSV file must have them); non-blank cells win",
        ]
    )
    for col, width in zip("ABC", (22, 70, 70), strict=True):
        readme.column_dimensions[col].width = width


# ---------------------------------------------------------------------------- reading
def column_key(text: str) -> str:
    """The column name of a header cell: its leading ASCII word (``gap 技术差距 (1-5)`` -> ``gap``)."""
    m = re.match(r"\s*([A-Za-z_]+)", text)
    return m.group(1).lower() if m else text.strip().lower()


def _top_key(label: str) -> str | None:
    low = label.lower()
    if "organi" in low or "单位" in label:
        return "organization"
    if "expert" in low or "专家" in label:
        return "expert"
    return None


def read_expert_sheet(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a filled expert sheet (``.xlsx``, sheet ``scores`` or the first; or ``.csv``).

    Parameters
    ----------
    path : path
        The workbook or CSV file.

    Returns
    -------
    rows : DataFrame
        One row per scored node (a row with nothing filled is left out): columns ``source``
        (``file.xlsx[scores]``), ``row`` (the sheet's row number), ``node``, ``expert``,
        ``organization``, ``gap``, ``threshold``, ``substitutability`` (1-5, NaN when blank
        or invalid), ``gap_years`` and ``comment`` (``""`` when blank).
    problems : list of Problem
        Every problem, located by file, row and column: a score outside 1-5, a cell that is
        not a number, a negative ``gap_years``, a missing expert name or node id, a node
        scored twice by the same expert, a missing header. Node ids are not checked against
        a chain here (:func:`chokepoint.service.experts.import_sheets` does).

    Raises
    ------
    InputFileError
        When the file does not exist, is not ``.xlsx`` or ``.csv``, or cannot be opened.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(str(path), "no such file")
    suffix = p.suffix.lower()
    read: list[Problem] = []
    if suffix == ".xlsx":
        source, cells = _xlsx_cells(p)
        head = next(
            (i for i, r in enumerate(cells[:20]) if any(column_key(c) == "node" for c in r)),
            None,
        )
    elif suffix == ".csv":
        text, problem = decode_text(p.read_bytes(), p.name)
        if problem is not None:
            return pd.DataFrame(columns=ROW_COLUMNS), [problem]
        assert text is not None
        block, read = parse_csv_text(text, p.name, "experts")
        if block is None:
            return pd.DataFrame(columns=ROW_COLUMNS), read
        source, head = p.name, 0
        numbers = block.row_numbers()
        cells = [list(block.frame.columns)]
        width = len(cells[0])
        by_row = dict(zip(numbers.tolist(), block.frame.to_numpy(dtype=object).tolist(), strict=True))
        cells += [by_row.get(r, [""] * width) for r in range(2, int(numbers.max(initial=1)) + 1)]
    else:
        raise InputFileError(p.name, "an expert sheet is a .xlsx workbook (or a .csv file)")
    if head is None:
        problem = Problem(source, None, "node", "no header row with a 'node' column", code="missing_column")
        return pd.DataFrame(columns=ROW_COLUMNS), [problem]
    top: dict[str, tuple[int, str]] = {}
    for i, r in enumerate(cells[:head], start=1):
        key = _top_key(r[0]) if r else None
        if key is not None and key not in top:
            top[key] = (i, r[1].strip() if len(r) > 1 else "")
    rows, found = _check(source, cells[head], cells[head + 1 :], head + 2, top)
    return rows, read + found


def _xlsx_cells(p: Path) -> tuple[str, list[list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InputFileError(p.name, f"not a readable .xlsx workbook ({exc})") from None
    try:
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        cells = [[cell_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
        return f"{p.name}[{ws.title}]", cells
    finally:
        wb.close()


def _check(
    source: str, header: list[str], body: list[list[str]], first_row: int, top: dict[str, tuple[int, str]]
) -> tuple[pd.DataFrame, list[Problem]]:
    """The scored rows of a sheet as typed values, and every problem with its row and column."""
    names = [column_key(h) for h in header]
    problems = [
        Problem(source, first_row - 1, n, f"column {n!r} appears twice", code="duplicate_column")
        for j, n in enumerate(names)
        if n and n in names[:j]
    ]
    width = len(names)
    table = pd.DataFrame([(r + [""] * width)[:width] for r in body], columns=names, dtype=object)
    table = table.loc[:, ~table.columns.duplicated()]
    rows = pd.Series(np.arange(first_row, first_row + len(table), dtype=np.int64), index=table.index)

    def text(col: str) -> pd.Series:
        if col in table.columns:
            return table[col].fillna("").astype(str).str.strip()
        return pd.Series("", index=table.index, dtype=object)

    filled = pd.concat([text(c) != "" for c in INPUT_COLUMNS], axis=1).any(axis=1)
    out = pd.DataFrame({"source": source, "row": rows, "node": text("node")})[filled]
    for key in ("expert", "organization"):
        out[key] = text(key)[filled].replace("", top.get(key, (0, ""))[1])
    # (mask, column, reason with {} for the cell, code): one problem per flagged row
    flagged: list[tuple[pd.Series, str, str, str]] = []
    for f in SCORE_FIELDS:
        raw = text(f)[filled]
        value = pd.to_numeric(raw.where(raw != ""), errors="coerce").astype("float64")
        bad = (raw != "") & ~np.isfinite(value)
        if f in SCALE_FIELDS:
            wrong = (value < 1) | (value > 5)
            why = f"{{}} is outside the 1-5 scale of {f} (a number from 1 to 5; blank = not scored)"
        else:
            wrong = value < 0
            why = "{} is negative: give the years to close the gap (0 or more)"
        flagged += [
            (bad, f, f"{{}} is not a number: {f} takes a number", "not_a_number"),
            (wrong, f, why, "out_of_range"),
        ]
        out[f] = value.where(~bad & ~wrong)
        out[f"raw_{f}"] = raw
    out["comment"] = text("comment")[filled]
    flagged.append((out["node"] == "", "node", "no node id in a scored row{}", "missing_value"))
    for mask, col, why, code in flagged:
        cells = out[f"raw_{col}"] if col in SCORE_FIELDS else pd.Series("", index=out.index)
        problems += [
            Problem(source, int(r), col, why.format(repr(c) if c else ""), code=code)
            for r, c in zip(out.loc[mask, "row"], cells[mask], strict=True)
        ]
    named = out[out["node"] != ""]
    dup = named.duplicated(["expert", "node"], keep="first")
    first = named.groupby(["expert", "node"])["row"].transform("min")
    problems += [
        Problem(source, int(r), "node", f"node {n!r} is scored twice (first in row {f})", code="duplicate")
        for r, n, f in zip(named.loc[dup, "row"], named.loc[dup, "node"], first[dup], strict=True)
    ]
    missing = out["expert"] == ""
    if missing.any() and "expert" in table.columns:
        problems += [
            Problem(
                source, int(r), "expert", "no expert name in this row nor at the top", code="missing_value"
            )
            for r in out.loc[missing, "row"]
        ]
    elif missing.any():
        problems.append(
            Problem(
                source,
                top.get("expert", (None, ""))[0],
                "expert",
                "no expert name: write it in cell B1 (专家 expert), or give an expert column",
                code="missing_value",
            )
        )
    if out.empty and not problems:
        problems.append(
            Problem(source, None, None, "no node is scored: nothing to import", code="empty_file")
        )
    problems.sort(key=lambda p: (p.row or 0, ROW_COLUMNS.index(p.column) if p.column in ROW_COLUMNS else 0))
    return out[ROW_COLUMNS].reset_index(drop=True), problems
