"""Region tables and region indicator values, read from CSV or Excel (every cell a string)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from chokepoint.errors import InputFileError, UsageError

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
