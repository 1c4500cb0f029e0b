"""Region tables and region indicator values, read from CSV or Excel (every cell a string)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from chokepoint.errors import InputFileError, UsageError
from chokepoint.indicators.system import ratio_value

TABLE_SUFFIXES = (".csv", ".xlsx")


def read_string_table(path: Path, what: str) -> pd.DataFrame:
    """The rows of a .csv (UTF-8) or .xlsx (first sheet) file, every cell a stripped string.

    Raises
    ------
    UsageError
        For another file type.
    InputFileError
        When the file cannot be read (named, with the reason).
    """
    ext = path.suffix.lower()
    if ext not in TABLE_SUFFIXES:
        raise UsageError(f"{what} come as .csv or .xlsx, not {path.name!r}")
    try:
        if ext == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        else:
            frame = pd.read_excel(path, dtype=str).fillna("")
    except UnicodeDecodeError as exc:
        raise InputFileError(path.name, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise InputFileError(path.name, f"cannot read {what}: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda c: c.astype(str).str.strip())


def read_labelled_table(path: Path, what: str) -> pd.DataFrame:
    """A CSV whose first column labels the rows and whose header labels the columns (a pairwise
    comparison matrix, a decision table); the cells as numbers.

    Raises
    ------
    InputFileError
        When the file cannot be read, or a cell is not a number (named by row and column).
    """
    frame = read_string_table(path, what)
    if frame.shape[1] < 2:
        raise InputFileError(
            path.name, f"{what} need a first column of row labels and at least one more column"
        )
    labels = frame.iloc[:, 0]
    body = frame.iloc[:, 1:]
    body.index = pd.Index(labels.to_numpy())
    numbers = body.apply(lambda c: pd.to_numeric(c.map(ratio_value), errors="coerce"))
    bad = numbers.isna() & (body != "")
    blank = body == ""
    for mask, reason in ((bad, "is not a number"), (blank, "is empty")):
        if mask.to_numpy().any():
            i, j = (int(x[0]) for x in mask.to_numpy().nonzero())
            cell = body.iat[i, j]
            raise InputFileError(
                path.name,
                f"row {i + 2}, column {body.columns[j]!r}: {cell!r} {reason}"
                if cell
                else f"row {i + 2}, column {body.columns[j]!r} {reason}; fill in every cell",
            )
    return numbers.astype(float)
