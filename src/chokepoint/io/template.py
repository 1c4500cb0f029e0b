"""``chokepoint template``: an empty exchange-format workbook with bilingual notes."""

from __future__ import annotations

import os
from pathlib import Path

from chokepoint.model.schema import ACTOR_KINDS, CHILDREN_RULES, EDGE_KINDS, NODE_KINDS, TABLE_NOTES, TABLES

#: (sheet, column) -> the values its drop-down offers (the exchange format's enums)
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("nodes", "kind"): NODE_KINDS,
    ("nodes", "children_rule"): CHILDREN_RULES,
    ("edges", "kind"): EDGE_KINDS,
    ("actors", "kind"): ACTOR_KINDS,
}
#: (sheet, column) -> (Excel check, minimum, maximum) of a bounded cell (shares are fractions 0-1)
BOUNDS: dict[tuple[str, str], tuple[str, float, float]] = {
    ("provisions", "share"): ("decimal", 0.0, 1.0),
    ("nodes", "gap"): ("decimal", 0.0, 1.0),
    ("nodes", "substitutability"): ("decimal", 0.0, 1.0),
    ("nodes", "threshold"): ("whole", 1, 5),
}
#: rows of each sheet the drop-downs and checks cover
TEMPLATE_ROWS = 5000

#: Example rows: together they form a valid two-node chain, so the template imports as is.
EXAMPLES: dict[str, list[dict[str, object]]] = {
    "nodes": [
        {
            "id": "N19",
            "name": "Lithography tools",
            "name_zh": "光刻设备",
            "kind": "equipment",
            "threshold": 5,
            "children_rule": "all",
        },
        {
            "id": "N20",
            "name": "EUV lithography tools",
            "name_zh": "EUV光刻机",
            "kind": "equipment",
            "market_size": 13e9,
            "market_size_year": 2025,
            "threshold": 5,
            "gap": 0.9,
            "hs_codes": "848620",
            "tags": "lithography",
        },
    ],
    "edges": [{"source": "N20", "target": "N19", "kind": "type_of"}],
    "actors": [
        {
            "id": "NLD",
            "name": "Netherlands",
            "name_zh": "荷兰",
            "kind": "country",
            "country": "NLD",
        },
        {"id": "P45", "name": "ASML", "name_zh": "阿斯麦", "kind": "enterprise", "country": "NLD"},
    ],
    "provisions": [
        {"actor": "NLD", "node": "N20", "share": 1.0, "year": 2025, "source": "example"},
        {"actor": "P45", "node": "N20", "share": 1.0, "year": 2025, "source": "example"},
    ],
}


def write_template(path: str | os.PathLike[str]) -> Path:
    """Write an exchange-format workbook: headers, example rows and a README sheet.

    The README sheet lists every column of every sheet with its type, whether
    it is required, and notes in English and Chinese.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    readme.append(["chokepoint chain map template / 产业链图谱导入模板"])
    readme["A1"].font = Font(bold=True, size=14)
    readme.append(
        [
            "Fill the sheets nodes, edges, actors, provisions; replace the example rows. "
            "Import with: chokepoint import FILE.xlsx --project NAME"
        ]
    )
    readme.append(
        [
            "填写 nodes、edges、actors、provisions 四个工作表，替换示例行；"
            "导入命令：chokepoint import 文件.xlsx --project 项目名"
        ]
    )
    readme.append([])
    header = ["sheet", "column", "type", "required", "notes (English)", "说明（中文）"]
    readme.append(header)
    for c in readme[readme.max_row]:
        c.font = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for name, cols in TABLES.items():
        readme.append([name, "", "", "", TABLE_NOTES[name][0], TABLE_NOTES[name][1]])
        readme.cell(row=readme.max_row, column=1).font = Font(bold=True)
        for c in cols:
            readme.append([name, c.name, c.type, "yes" if c.required else "", c.en, c.zh])
        ws = wb.create_sheet(name)
        ws.append([c.name for c in cols])
        for j, c in enumerate(cols, start=1):
            cell = ws.cell(row=1, column=j)
            cell.font = Font(bold=True)
            if c.required:
                cell.fill = required_fill
            cell.comment = Comment(f"{c.en}\n{c.zh}", "chokepoint")
            ws.column_dimensions[cell.column_letter].width = max(12, len(c.name) + 4)
        for ex in EXAMPLES[name]:
            ws.append([ex.get(c.name) for c in cols])
            for cell in ws[ws.max_row]:
                cell.font = Font(italic=True, color="808080")
        ws.freeze_panes = "A2"
        _validate(ws, name, [c.name for c in cols])
    for col, width in zip("ABCDEF", (12, 18, 8, 9, 70, 50), strict=True):
        readme.column_dimensions[col].width = width
    p = Path(path)
    wb.save(p)
    return p


def _validate(ws: object, sheet: str, columns: list[str]) -> None:
    """Drop-downs on the enum columns of ``sheet`` (:data:`CHOICES`) and decimal checks on its
    bounded ones (:data:`BOUNDS`), from row 2 to :data:`TEMPLATE_ROWS`.
    """
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for j, col in enumerate(columns, start=1):
        cells = f"{get_column_letter(j)}2:{get_column_letter(j)}{TEMPLATE_ROWS}"
        if (sheet, col) in CHOICES:
            values = CHOICES[(sheet, col)]
            dv = DataValidation(type="list", formula1=f'"{",".join(values)}"', allow_blank=True)
            dv.error = f"{col}: one of {', '.join(values)} / 请从列表中选择"
        elif (sheet, col) in BOUNDS:
            check, lo, hi = BOUNDS[(sheet, col)]
            dv = DataValidation(
                type=check, operator="between", formula1=str(lo), formula2=str(hi), allow_blank=True
            )
            dv.error = f"{col}: from {lo:g} to {hi:g} / 请填写{lo:g}到{hi:g}之间的数值"
        else:
            continue
        dv.showErrorMessage = True
        dv.add(cells)
        ws.add_data_validation(dv)  # type: ignore[attr-defined]
