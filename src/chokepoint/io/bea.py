r"""Readers of BEA's summary input-output workbooks: Use, Make, import matrices, requirements.

BEA's workbooks (U.S. Bureau of Economic Analysis, Input-Output Accounts; public domain) hold one
sheet per year. Two header styles occur:

* Use, Make and requirements tables: a row of codes, then a row starting ``IOCode`` with names;
* import matrices: a row of names, then a row starting ``Code`` with the codes.

Below the header, each row starts with its code (commodity or industry) and name; totals (``Total
Industry Output``, ``Total Commodity Output``) are rows named in the second column. Values are
million USD; ``...`` (suppressed) and empty cells read as 0.

:func:`read_bea_summary_use` builds a square industry system from a Use table, optionally with a
Make table (BEA's industry-technology method, :mod:`chokepoint.macro.make_use`) and an import
matrix (domestic coefficients and the imported inputs of each industry).
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import InputFileError, UsageError
from chokepoint.macro import IOSystem
from chokepoint.macro.make_use import calc_industry_flows

#: the extension of a domestic system holding each industry's imported intermediate inputs
IMPORTS_EXTENSION = "imports"
#: BEA's scrap commodity (a by-product, left out of market shares) and its non-comparable imports
SCRAP, NONCOMPARABLE = "Used", "Other"
#: BEA's codes of total rows and columns (T001...) and of value added (V001...): not commodities
_NOT_COMMODITY = re.compile(r"^[TV]\d{3}$")


@dataclass
class BeaSheet:
    """One year sheet of a BEA workbook.

    ``values`` holds the coded rows (index: row codes) by coded columns (columns: codes), as
    floats; ``totals`` the uncoded total rows by lower-case name; ``label`` names the file and the
    sheet for error messages.
    """

    values: pd.DataFrame
    row_names: dict[str, str]
    col_names: dict[str, str]
    totals: dict[str, pd.Series]
    label: str

    def total(self, name: str) -> pd.Series:
        """The total row whose name starts with ``name`` (case-insensitive).

        Raises
        ------
        InputFileError
            No such row.
        """
        key = next((k for k in self.totals if k.startswith(name.lower())), None)
        if key is None:
            raise InputFileError(self.label, f"no {name!r} row")
        return self.totals[key]


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def read_bea_sheet(path: str | os.PathLike[str], year: int) -> BeaSheet:
    """Read the ``year`` sheet of a BEA summary workbook (either header style).

    Raises
    ------
    InputFileError
        Not a readable workbook, no sheet for ``year``, or no ``IOCode``/``Code`` header row.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    p = Path(path)
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise InputFileError(p.name, f"not a readable .xlsx workbook ({exc})") from None
    sheet = str(year)
    if sheet not in wb.sheetnames:
        years = ", ".join(s for s in wb.sheetnames if s.isdigit())
        wb.close()
        raise InputFileError(p.name, f"no sheet for year {year}; years: {years}")
    rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    wb.close()
    label = f"{p.name}[{sheet}]"
    head = next((i for i, r in enumerate(rows) if r and _text(r[0]) in ("IOCode", "Code")), None)
    if head is None or head == 0:
        raise InputFileError(label, "no 'IOCode' or 'Code' header row: not a BEA summary table")
    above, header = rows[head - 1], rows[head]
    codes_row, names_row = (above, header) if _text(header[0]) == "IOCode" else (header, above)
    width = len(header)
    cols = [j for j in range(2, width) if j < len(codes_row) and _text(codes_row[j])]
    col_codes = [_text(codes_row[j]) for j in cols]
    coded, totals, row_names = {}, {}, {}
    for r in rows[head + 1 :]:
        if not r:
            continue
        code, name = _text(r[0]), _text(r[1] if len(r) > 1 else None)
        cells = [_num(r[j]) if j < len(r) else 0.0 for j in cols]
        if code and name:
            coded[code] = cells
            row_names[code] = name
        elif not code and name:
            totals[name.lower()] = pd.Series(cells, index=col_codes)
    values = pd.DataFrame.from_dict(coded, orient="index", columns=col_codes)
    col_names = {
        c: _text(names_row[j]) if j < len(names_row) else "" for c, j in zip(col_codes, cols, strict=True)
    }
    return BeaSheet(values, row_names, col_names, totals, label)


def _aligned(sheet: BeaSheet, rows: list[str], cols: list[str], what: str) -> pd.DataFrame:
    """``sheet.values`` on ``rows`` x ``cols``; a code of the Use table it lacks is a clear error."""
    missing_rows = [c for c in rows if c not in sheet.values.index]
    missing_cols = [c for c in cols if c not in sheet.values.columns]
    if missing_rows or missing_cols:
        raise InputFileError(
            sheet.label,
            f"the {what} lacks codes of the Use table: rows {missing_rows[:5]}, columns {missing_cols[:5]}; "
            "give the same year and level (summary) as the Use table",
        )
    return sheet.values.loc[rows, cols]


def imported_uses(use: np.ndarray, imports: np.ndarray) -> np.ndarray:
    """Imported intermediate uses, each at most its cell of the Use table.

    BEA values imports at domestic port value and the Use table at producers' prices, so an
    imputed import can exceed the use it is part of (12 cells on the 2015 summary tables, e.g.
    computers to funds and trusts, 513 vs 224 million USD); such a cell is taken as wholly
    imported (domestic use 0) rather than a negative domestic use. A negative cell of the Use
    table (e.g. farms to federal nondefense government) keeps its import as published.
    """
    capped = np.minimum(imports, use)
    out: np.ndarray = np.where(use >= 0, capped, imports)
    return out


def read_bea_summary_use(
    path: str | os.PathLike[str],
    year: int = 2015,
    *,
    make: str | os.PathLike[str] | None = None,
    imports: str | os.PathLike[str] | None = None,
) -> IOSystem:
    r"""A square industry system from a BEA summary Use table (before redefinitions).

    **Use only** (no ``make``): commodities are identified with the industry of the same code
    (BEA's summary codes coincide for 71 of 73 commodities); the two that match no industry
    (``Used``, ``Other``: scrap and non-comparable imports) are left out. Coefficients are per unit
    of **industry** output: ``x`` is the ``Total Industry Output`` row, so ``A = Z x̂⁻¹``.

    **With a Make table** (``make``): BEA's industry-technology method, ``Z = W U`` and ``Y = W E``
    with market shares ``W`` (scrap-adjusted, :func:`chokepoint.macro.make_use.calc_market_shares`)
    over every commodity of the Use table, so ``L = (I - W B)⁻¹`` is BEA's industry-by-industry
    total requirements.

    **Domestic** (``imports``, BEA's import matrix of the same year): imported uses are taken out,
    ``U_d = U - U_m`` (``U_m`` at most the use, :func:`imported_uses`) and ``E_d = E - E_m``
    (every final-use column; the imports column keeps only the difference of valuation, foreign
    vs domestic port value), so ``A`` holds domestic
    coefficients (as BEA's ``IxC_Domestic``) and a shock or an extraction stays in the domestic
    economy. The extension ``imports`` holds each industry's imported intermediate inputs (every
    commodity row of the import matrix, non-comparable imports and scrap included), for
    :func:`chokepoint.macro.imports.import_content`.

    In every case ``Y`` holds the ``F...`` columns plus one balancing column, industry output
    minus ``Z 1 + Y 1``, so that ``x`` is the ``Total Industry Output`` row. BEA's Use table has a
    few negative cells (e.g. farms to federal nondefense general government); they are kept.

    Raises
    ------
    InputFileError
        A file is not a readable workbook, has no sheet for ``year``, no header, no industry
        column, no ``Total Industry Output`` row, or lacks codes of the Use table.
    """
    use = read_bea_sheet(path, year)
    row_codes = [c for c in use.values.index if not _NOT_COMMODITY.match(c)]
    ind_codes = [c for c in use.values.columns if c in set(row_codes)]
    if not ind_codes:
        raise InputFileError(use.label, "no industry column matches a commodity row")
    fd_codes = [c for c in use.values.columns if c.startswith("F")]
    g = use.total("Total Industry Output")[ind_codes].to_numpy()
    commodities = row_codes if make is not None else ind_codes
    U = use.values.loc[commodities, ind_codes].to_numpy()
    E = use.values.loc[commodities, fd_codes].to_numpy()
    title = f"BEA summary use {year}"
    extensions: dict[str, tuple[np.ndarray, list[str], list[str]]] = {}
    if imports is not None:
        imp = read_bea_sheet(imports, year)
        U_all = use.values.loc[row_codes, ind_codes].to_numpy()
        U_m = imported_uses(U_all, _aligned(imp, row_codes, ind_codes, "import matrix").to_numpy())
        E_m = _aligned(imp, row_codes, fd_codes, "import matrix")
        U = U - U_m[[row_codes.index(c) for c in commodities]]
        E = E - E_m.loc[commodities].to_numpy()
        extensions[IMPORTS_EXTENSION] = (
            U_m.sum(axis=0)[None, :],
            ["imported intermediate inputs"],
            ["million USD"],
        )
        title += ", domestic (imports removed)"
    if make is not None:
        mk = read_bea_sheet(make, year)
        V = _aligned(mk, ind_codes, row_codes, "Make table").to_numpy()
        scrap = row_codes.index(SCRAP) if SCRAP in row_codes else None
        try:
            Z, Y = calc_industry_flows(U, E, V, scrap)
        except UsageError as exc:
            raise InputFileError(mk.label, str(exc)) from None
        title += ", industry technology (Make table)"
    else:
        Z, Y = U, E
    Y = np.column_stack([Y, g - Z.sum(axis=1) - Y.sum(axis=1)])
    labels = pd.DataFrame(
        {"region": "USA", "sector": ind_codes, "name": [use.col_names.get(c, c) for c in ind_codes]}
    )
    return IOSystem(Z=Z, Y=Y, labels=labels, extensions=extensions, name=title)


def read_bea_total_requirements(path: str | os.PathLike[str], year: int) -> pd.Series:
    """BEA's published output multipliers: the ``Total Industry Output`` row of an ``IxC`` table.

    The column sums of BEA's industry-by-commodity total requirements (``IxC_TR``, or
    ``IxC_Domestic`` for domestic requirements), indexed by commodity code.
    """
    return read_bea_sheet(path, year).total("Total Industry Output")
