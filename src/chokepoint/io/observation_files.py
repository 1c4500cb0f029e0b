"""Files of directly reported data: the upload template and the upload reader (xlsx or csv)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from chokepoint.errors import InputFileError, Problem
from chokepoint.io.readers import cell_text, decode_text, parse_csv_text
from chokepoint.model.chain import ChainMap
from chokepoint.monitor.catalog import catalog
from chokepoint.monitor.observations import Reporter

COLUMNS = ["indicator", "node", "enterprise", "country", "period", "value", "unit"]


def write_report_template(
    path: str | os.PathLike[str], chain: ChainMap, reporter: Reporter, period: str
) -> Path:
    """Write the upload template for ``reporter`` and ``period`` to ``path`` and return the path.

    The workbook has sheet ``data`` prefilled with the rows the reporter may report for
    ``period`` (their enterprises, and each node they provide; blank values are skipped on
    upload), sheet ``indicators`` with the catalog, and a ``README`` sheet.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    cat = catalog()
    rows: list[list[object]] = []
    orgs = chain.actors[chain.actors["kind"].isin(["enterprise", "institution"])]
    mine = orgs[orgs["id"].isin(reporter.actors)] if reporter.role == "reporter" else orgs.iloc[0:0]
    pairs = chain.provisions[chain.provisions["actor"].isin(set(mine["id"]))][
        ["node", "actor"]
    ].drop_duplicates()
    for ind in cat.values():
        if ind.entity_type == "enterprise":
            rows += [[ind.code, "", a, "", period, None, ind.unit] for a in mine["id"]]
        elif ind.entity_type == "node_enterprise":
            rows += [
                [ind.code, n, a, "", period, None, ind.unit]
                for n, a in zip(pairs["node"], pairs["actor"], strict=True)
            ]
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(COLUMNS)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    ws.freeze_panes = "A2"
    info = wb.create_sheet("indicators")
    info.append(
        ["code", "name_en", "name_zh", "unit", "entity_type", "higher_is_worse", "minimum", "maximum"]
    )
    for ind in cat.values():
        info.append(
            [
                ind.code,
                ind.name_en,
                ind.name_zh,
                ind.unit,
                ind.entity_type,
                ind.higher_is_worse,
                ind.minimum,
                ind.maximum,
            ]
        )
    readme = wb.create_sheet("README")
    for line in (
        "Fill column value (blank rows are skipped). Period: YYYY-MM. Units must match the indicators sheet.",
        "填写 value 列（空白行不提交）。期间格式：YYYY-MM。单位须与 indicators 工作表一致。",
        "Upload: chokepoint report-data upload FILE --project NAME --as USER",
    ):
        readme.append([line])
    p = Path(path)
    wb.save(p)
    return p


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
        text, problem = decode_text(p.read_bytes(), p.name)
        if problem is not None:
            return pd.DataFrame(), [], p.name, [problem]
        assert text is not None
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
        header = [cell_text(c).strip() for c in next(it, ())]
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
