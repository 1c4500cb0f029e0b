"""Readers of input-output systems: pymrio objects, a CSV folder; BEA workbooks in :mod:`.bea`."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import InputFileError
from chokepoint.io.bea import read_bea_summary_use
from chokepoint.macro import IOSystem

__all__ = [
    "from_pymrio",
    "load_pymrio_test",
    "read_bea_summary_use",
    "read_io_csv",
    "system_from_bytes",
    "system_to_bytes",
]


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
