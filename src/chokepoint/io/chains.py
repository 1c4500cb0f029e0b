"""Read a chain map in any supported layout: the format is detected from the path.

:func:`read_blocks` dispatches to the exchange-format readers of
:mod:`chokepoint.io.readers` (CSV folder, .xlsx, .json) or the ETO adapter of
:mod:`chokepoint.io.eto`; :func:`read_chain` validates the result too.
"""

from __future__ import annotations

import os
from pathlib import Path

from chokepoint.errors import InputFileError, Problem
from chokepoint.io.eto import eto_meta, eto_tables
from chokepoint.io.readers import read_csv_folder, read_json, read_xlsx
from chokepoint.model.tables import RawTable
from chokepoint.model.validate import SHARE_SUM_TOLERANCE, ImportReport, chain_from_tables


def detect_format(path: Path) -> str:
    """Return ``csv``, ``xlsx``, ``json`` or ``eto`` for a path, from its shape."""
    if path.is_dir():
        if (path / "provision.csv").exists() and (path / "inputs.csv").exists():
            return "eto"
        return "csv"
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        return "xlsx"
    if ext == ".json":
        return "json"
    raise InputFileError(
        path.name,
        "cannot tell the format: give a folder of CSV files, an .xlsx workbook or a .json file",
    )


def read_blocks(
    path: str | os.PathLike[str], format: str | None = None
) -> tuple[list[RawTable], dict[str, str], list[Problem]]:
    """Read ``path`` into raw blocks, meta and reader problems, without validating.

    Use :func:`read_chain` to validate too; the CLI's ``import --merge`` validates
    the blocks together with the stored project instead.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(str(path), "no such file or folder")
    fmt = format or detect_format(p)
    if fmt == "eto":
        blocks, problems = eto_tables(p)
        return blocks, eto_meta(), problems
    readers = {"csv": read_csv_folder, "xlsx": read_xlsx, "json": read_json}
    if fmt not in readers:
        raise InputFileError(str(path), f"unknown format {fmt!r}; use csv, xlsx, json or eto")
    return readers[fmt](p)


def read_chain(
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    share_sum_tolerance: float = SHARE_SUM_TOLERANCE,
) -> ImportReport:
    """Read and validate a chain map from ``path``.

    Parameters
    ----------
    path : path-like
        A folder of CSV files (exchange format or the ETO layout), an ``.xlsx``
        workbook or a ``.json`` file.
    format : {"csv", "xlsx", "json", "eto"}, optional
        Overrides detection from the path.

    Raises
    ------
    ChainValidationError
        With every problem found, when any is an error.
    InputFileError
        When the path does not exist or cannot be read at all.
    """
    blocks, meta, problems = read_blocks(path, format)
    return chain_from_tables(blocks, meta, share_sum_tolerance=share_sum_tolerance, problems=problems)
