"""Write chain maps as a CSV folder, an Excel workbook or JSON (lossless round trips)."""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.errors import UsageError
from chokepoint.io.readers import FORMAT_TAG, FORMAT_VERSION
from chokepoint.model.chain import ChainMap, cell_as_text
from chokepoint.model.schema import LIST_SEPARATOR, TABLE_NOTES, TABLES


def _is_missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _native(v: Any, kind: str) -> Any:
    """Python value for JSON / Excel cells; None when missing."""
    if kind == "list":
        return list(v)
    if _is_missing(v):
        return None
    if kind == "int":
        return int(v)
    if kind == "float":
        return float(v)
    return v if v != "" else None


def write_csv_folder(chain: ChainMap, folder: str | os.PathLike[str]) -> Path:
    """Write ``nodes.csv``, ``edges.csv``, ``actors.csv``, ``provisions.csv`` and ``meta.csv``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in chain.tables().items():
        cols = [c.name for c in TABLES[name]]
        with open(out / f"{name}.csv", "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for row in frame[cols].itertuples(index=False):
                w.writerow([cell_as_text(v) for v in row])
    with open(out / "meta.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["key", "value"])
        for k, v in chain.meta.items():
            w.writerow([k, v])
    return out


def chain_to_dict(chain: ChainMap) -> dict[str, Any]:
    """Return the JSON exchange document of a chain map (blank cells left out of each record)."""
    doc: dict[str, Any] = {
        "format": FORMAT_TAG,
        "version": FORMAT_VERSION,
        "meta": dict(chain.meta),
    }
    for name, frame in chain.tables().items():
        cols = TABLES[name]
        records = []
        for row in frame[[c.name for c in cols]].itertuples(index=False):
            rec = {}
            for c, v in zip(cols, row, strict=True):
                nv = _native(v, c.type)
                if nv is not None and nv != []:
                    rec[c.name] = nv
            records.append(rec)
        doc[name] = records
    return doc


def write_json(chain: ChainMap, path: str | os.PathLike[str]) -> Path:
    """Write the chain map's JSON exchange document (:func:`chain_to_dict`) to ``path``; return the path."""
    p = Path(path)
    p.write_text(
        json.dumps(chain_to_dict(chain), ensure_ascii=False, indent=1, allow_nan=False) + "\n",
        encoding="utf-8",
    )
    return p


def _set_cell(ws: Any, row: int, col: int, value: Any) -> None:
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula


def write_xlsx(chain: ChainMap, path: str | os.PathLike[str]) -> Path:
    """Write the four sheets plus ``meta`` and an ``about`` sheet with the attribution."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    about = wb.active
    about.title = "about"
    about.append(["chokepoint chain map"])
    about["A1"].font = Font(bold=True, size=14)
    for k in ("title", "attribution", "license", "source"):
        if chain.meta.get(k):
            about.append([k, chain.meta[k]])
    for name, frame in chain.tables().items():
        ws = wb.create_sheet(name)
        cols = TABLES[name]
        for j, c in enumerate(cols, start=1):
            _set_cell(ws, 1, j, c.name)
            ws.cell(row=1, column=j).font = Font(bold=True)
        for i, row in enumerate(frame[[c.name for c in cols]].itertuples(index=False), start=2):
            for j, (c, v) in enumerate(zip(cols, row, strict=True), start=1):
                nv = _native(v, c.type)
                if c.type == "list":
                    nv = LIST_SEPARATOR.join(nv) or None
                elif isinstance(nv, float) and float(format(nv, ".16g")) != nv:
                    nv = repr(nv)  # openpyxl writes 16 digits; keep the exact value as text
                if nv is not None:
                    _set_cell(ws, i, j, nv)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        about.append([name, TABLE_NOTES[name][0], TABLE_NOTES[name][1], f"{len(frame)} rows"])
    meta = wb.create_sheet("meta")
    meta.append(["key", "value"])
    for i, (k, v) in enumerate(chain.meta.items(), start=2):
        _set_cell(meta, i, 1, k)
        _set_cell(meta, i, 2, v)
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 90
    p = Path(path)
    wb.save(p)
    return p


def write_chain(chain: ChainMap, path: str | os.PathLike[str]) -> Path:
    """Write by extension: ``.xlsx``, ``.json``, or a folder of CSV files (no extension or ``.csv``)."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".xlsx":
        return write_xlsx(chain, p)
    if ext == ".json":
        return write_json(chain, p)
    if ext in ("", ".csv") or p.is_dir():
        return write_csv_folder(chain, p)
    raise UsageError(f"cannot write {p.name}: use a folder name (CSV files), .xlsx or .json")
