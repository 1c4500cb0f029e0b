"""Readers of input-output systems: pymrio objects, a CSV folder, BEA summary use tables."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import InputFileError
from chokepoint.macro import IOSystem


def from_pymrio(mrio: Any, name: str = "pymrio") -> IOSystem:
    """Convert a pymrio ``IOSystem`` to an :class:`IOSystem` (Z, Y and every extension's F)."""
    if getattr(mrio, "Z", None) is None:
        mrio.calc_system()
    labels = pd.DataFrame(list(mrio.Z.index), columns=["region", "sector"])
    exts = {}
    for ext_name in mrio.get_extensions():
        ext = getattr(mrio, ext_name)
        if getattr(ext, "F", None) is None:
            continue
        names = [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in ext.F.index]
        units = (
            [str(u) for u in ext.unit.iloc[:, 0]]
            if getattr(ext, "unit", None) is not None
            else [""] * len(names)
        )
        exts[str(ext_name)] = (ext.F.to_numpy(dtype=float), names, units)
    return IOSystem(
        Z=mrio.Z.to_numpy(dtype=float),
        Y=mrio.Y.to_numpy(dtype=float),
        labels=labels,
        extensions=exts,
        name=name,
    )


def load_pymrio_test() -> IOSystem:
    """Load the test MRIO bundled with pymrio (6 regions x 8 sectors); needs the optional ``pymrio``."""
    try:
        import pymrio
    except ImportError as exc:  # pragma: no cover - pymrio is a test dependency
        raise InputFileError(
            "--test", "the pymrio test system needs the pymrio package (pip install pymrio)"
        ) from exc
    return from_pymrio(pymrio.load_test(), "pymrio test system")


def read_io_csv(folder: str | os.PathLike[str]) -> IOSystem:
    """Read an input-output system from a folder of CSV files.

    The folder holds ``Z.csv`` and ``Y.csv``: first two columns ``region, sector``, then one column
    per sector (``Z``) or final-demand category (``Y``); optional ``F_<extension>.csv`` with a
    ``stressor`` column, a ``unit`` column and one column per sector in Z's order.
    """
    p = Path(folder)
    for f in ("Z.csv", "Y.csv"):
        if not (p / f).is_file():
            raise InputFileError(str(p / f), "missing: an IO folder needs Z.csv and Y.csv")
    Z = pd.read_csv(p / "Z.csv")
    Y = pd.read_csv(p / "Y.csv")
    for f, df in (("Z.csv", Z), ("Y.csv", Y)):
        if list(df.columns[:2]) != ["region", "sector"]:
            raise InputFileError(f, "the first two columns must be 'region' and 'sector'")
    n = len(Z)
    if Z.shape[1] - 2 != n:
        raise InputFileError("Z.csv", f"{n} rows but {Z.shape[1] - 2} sector columns: Z must be square")
    exts = {}
    for ext_file in sorted(p.glob("F_*.csv")):
        F = pd.read_csv(ext_file)
        exts[ext_file.stem[2:]] = (
            F.iloc[:, 2:].to_numpy(dtype=float),
            F["stressor"].astype(str).tolist(),
            F["unit"].astype(str).tolist(),
        )
    return IOSystem(
        Z=Z.iloc[:, 2:].to_numpy(dtype=float),
        Y=Y.iloc[:, 2:].to_numpy(dtype=float),
        labels=Z[["region", "sector"]].astype(str),
        extensions=exts,
        name=p.name,
    )


def read_bea_summary_use(path: str | os.PathLike[str], year: int = 2015) -> IOSystem:
    """Read a square industry system from a BEA summary Use table (before redefinitions).

    The Use table is commodities x industries; commodities are identified with the industry of the
    same code (BEA's summary codes coincide for 71 of 73 commodities), the two that match no
    industry (``Used``, ``Other``: scrap and non-comparable imports) are left out. Coefficients are
    per unit of **industry** output: gross output ``x`` is the table's ``Total Industry Output`` row,
    so ``A = Z x̂⁻¹`` divides each industry column by that industry's output. ``Y`` holds the ``F...``
    columns (exports positive, imports negative) and a last balancing column, industry output minus
    commodity output of the same code, so that ``Z 1 + Y 1 = x``. An approximation of BEA's
    industry-by-commodity table without the Make table (see docs/macro.md); values in million USD;
    ``...`` (suppressed) read as 0. BEA's Use table has a few negative cells (e.g. farms to federal
    nondefense general government); they are kept.

    Raises
    ------
    InputFileError
        Not a readable workbook, no sheet for ``year``, no ``IOCode`` header, no industry column, or
        no ``Total Industry Output`` row.
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
        raise InputFileError(
            p.name, f"no sheet for year {year}; years: {', '.join(s for s in wb.sheetnames if s.isdigit())}"
        )
    rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    wb.close()
    head = next((i for i, r in enumerate(rows) if r and str(r[0]).strip() == "IOCode"), None)
    if head is None or head == 0:
        raise InputFileError(f"{p.name}[{sheet}]", "no 'IOCode' header row: not a BEA summary Use table")
    codes = [str(c).strip() if c is not None else "" for c in rows[head - 1]]
    names = [str(c).strip() if c is not None else "" for c in rows[head]]
    body = [r for r in rows[head + 1 :] if r and r[0] is not None and str(r[0]).strip()]
    total = next(
        (
            r
            for r in rows[head + 1 :]
            if len(r) > 1 and str(r[1] or "").strip().lower().startswith("total industry output")
        ),
        None,
    )

    def num(v: Any) -> float:
        try:
            return float(v)
        except (TypeError, ValueError):
            return 0.0

    row_codes = [str(r[0]).strip() for r in body]
    ind_cols = [j for j, c in enumerate(codes) if j >= 2 and c and c in set(row_codes)]
    fd_cols = [j for j, c in enumerate(codes) if j >= 2 and c.startswith("F")]
    ind_codes = [codes[j] for j in ind_cols]
    if not ind_codes:
        raise InputFileError(f"{p.name}[{sheet}]", "no industry column matches a commodity row")
    by_code = {str(r[0]).strip(): r for r in body}
    Z = np.array([[num(by_code[c][j]) for j in ind_cols] for c in ind_codes])
    Y = np.array([[num(by_code[c][j]) for j in fd_cols] for c in ind_codes])
    if total is None:
        raise InputFileError(f"{p.name}[{sheet}]", "no 'Total Industry Output' row: industry output unknown")
    g = np.array([num(total[j]) for j in ind_cols])
    # the balancing column: industry output minus commodity output (Z 1 + Y 1), so that x = g
    Y = np.column_stack([Y, g - Z.sum(axis=1) - Y.sum(axis=1)])
    labels = pd.DataFrame({"region": "USA", "sector": ind_codes, "name": [names[j] for j in ind_cols]})
    return IOSystem(Z=Z, Y=Y, labels=labels, name=f"BEA summary use {year}")


def system_to_bytes(system: IOSystem) -> bytes:
    """Serialize an input-output system to a compact binary form (numpy .npz) for the store."""
    buf = io.BytesIO()
    meta = {k: {"names": v[1], "units": v[2]} for k, v in system.extensions.items()}
    arrays: dict[str, Any] = {
        "Z": system.Z,
        "Y": system.Y,
        "labels": system.labels.to_json(orient="records"),
        "meta": pd.Series(meta).to_json(),
        "name": system.name,
        **{f"F__{k}": v[0] for k, v in system.extensions.items()},
    }
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def system_from_bytes(data: bytes) -> IOSystem:
    """Read an input-output system back from the bytes of :func:`system_to_bytes`."""
    import json

    with np.load(io.BytesIO(data), allow_pickle=False) as f:
        labels = pd.DataFrame(json.loads(str(f["labels"])))
        meta = json.loads(str(f["meta"]))
        exts = {k: (f[f"F__{k}"], v["names"], v["units"]) for k, v in meta.items()}
        return IOSystem(Z=f["Z"], Y=f["Y"], labels=labels, extensions=exts, name=str(f["name"]))
