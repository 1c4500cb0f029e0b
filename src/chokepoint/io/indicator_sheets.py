"""Indicator systems as Excel workbooks: the sheets ``system``, ``indicators``, ``comparisons``
(read and written) and ``weights`` (written for the reader, ignored on import).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from chokepoint.errors import InputFileError, UsageError
from chokepoint.indicators.system import COMPARISON_COLUMNS, ELEMENT_COLUMNS, SETTINGS, IndicatorSystem

SHEETS = ("system", "indicators", "comparisons")


def read_system_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """The sheets of an indicator-system workbook, every cell a string (missing sheets left out).

    Raises
    ------
    UsageError
        For a file that is not .xlsx.
    InputFileError
        When the workbook cannot be read.
    """
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"an indicator system comes as an .xlsx workbook, not {path.name!r}")
    try:
        book = pd.read_excel(path, sheet_name=None, dtype=str)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise InputFileError(path.name, f"cannot read the workbook: {exc}") from exc
    out = {}
    for name, frame in book.items():
        if name in SHEETS:
            frame.columns = [str(c).strip() for c in frame.columns]
            out[name] = frame.fillna("").astype(str)
    return out


def write_system_workbook(system: IndicatorSystem, weights: pd.Series | None, path: Path) -> Path:
    """Write ``system`` as a workbook :func:`read_system_sheets` reads back (a round trip gives
    the same system), with the global ``weights`` on a ``weights`` sheet when given.
    """
    body = system.to_body()
    settings = pd.DataFrame({"key": list(SETTINGS), "value": [body[k] for k in SETTINGS]})
    elements = pd.DataFrame(body["elements"]).reindex(columns=list(ELEMENT_COLUMNS))
    elements["weight"] = elements["weight"].map(lambda w: "" if w is None or pd.isna(w) else repr(float(w)))
    pairs = pd.DataFrame(body["comparisons"], columns=list(COMPARISON_COLUMNS))
    pairs["value"] = pairs["value"].map(lambda v: repr(float(v)))
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        settings.to_excel(xl, sheet_name="system", index=False)
        elements.to_excel(xl, sheet_name="indicators", index=False)
        pairs.to_excel(xl, sheet_name="comparisons", index=False)
        if weights is not None:
            names = {e.id: e.name for e in system.elements}
            table = pd.DataFrame(
                {
                    "indicator": weights.index,
                    "name": [names[i] for i in weights.index],
                    "weight": weights.to_numpy(),
                }
            )
            table.to_excel(xl, sheet_name="weights", index=False)
    return path
