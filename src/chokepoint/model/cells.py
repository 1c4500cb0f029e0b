"""Raw text blocks into one typed frame per table: columns, numbers, ranges, vocabularies.

The first stage of validation (:mod:`chokepoint.model.validate`): the blocks of one
table are stacked (:func:`stack_blocks`), then every cell is read as its column's type
(:func:`typed_table`). Each row keeps its block (``_src``) and row number (``_row``)
so that later rules can name it.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from chokepoint.model.findings import Findings, fmt, row_message
from chokepoint.model.schema import (
    ACTOR_KINDS,
    CHILDREN_RULES,
    EDGE_KINDS,
    LIST_SEPARATOR,
    NODE_KINDS,
    TABLES,
)

RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("nodes", "market_size"): (0.0, np.inf),
    ("nodes", "market_size_year"): (1800, 2200),
    ("nodes", "threshold"): (1, 5),
    ("nodes", "gap"): (0.0, 1.0),
    ("nodes", "gap_years"): (0.0, np.inf),
    ("nodes", "substitutability"): (0.0, 1.0),
    ("edges", "weight"): (0.0, 1.0),
    ("edges", "switching_days"): (0.0, np.inf),
    ("edges", "difficulty"): (0.0, 1.0),
    ("provisions", "share"): (0.0, 1.0),
    ("provisions", "capacity"): (0.0, np.inf),
    ("provisions", "year"): (1800, 2200),
}

VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("nodes", "kind"): NODE_KINDS,
    ("nodes", "children_rule"): CHILDREN_RULES,
    ("actors", "kind"): ACTOR_KINDS,
    ("edges", "kind"): EDGE_KINDS,
}


def divide_exact(num: pd.Series, scale: pd.Series | float) -> pd.Series:
    """``num / scale``, rounded through decimal so that ``17.8 / 100`` gives ``0.178``."""
    if isinstance(scale, float) or bool((scale == 1.0).all()):
        return num / scale
    return pd.Series(
        [
            v if (np.isnan(v) or d == 1.0) else float(Decimal(repr(float(v))) / Decimal(repr(float(d))))
            for v, d in zip(num.to_numpy(dtype=float), np.asarray(scale, dtype=float), strict=True)
        ],
        index=num.index,
        dtype="float64",
    )


def stack_blocks(findings: Findings, name: str) -> pd.DataFrame:
    """Stack the text rows of every block of table ``name``, one column per format column.

    A block without a required column is reported (``missing_column``) and left out; a
    column outside the format is reported (``unknown_column``, a warning) and ignored.
    """
    cols = [c.name for c in TABLES[name]]
    parts = []
    for i, block in enumerate(findings.blocks):
        if block.name != name:
            continue
        f = block.frame
        missing = [c.name for c in TABLES[name] if c.required and c.name not in f.columns]
        for c in missing:
            findings.add(i, None, c, f"required column {block.label(c)!r} is missing", "missing_column")
        extra = [c for c in f.columns if c not in cols and not str(c).startswith("_")]
        for c in extra:
            findings.add(
                i,
                None,
                str(c),
                f"column {c!r} is not part of the {name} table and was not imported",
                "unknown_column",
                "warning",
            )
        if missing:
            continue
        part = pd.DataFrame(
            {c: (f[c] if c in f.columns else pd.Series([""] * len(f), index=f.index)) for c in cols}
        )
        part = part.reset_index(drop=True).fillna("").astype(str)
        for c in cols:
            part[c] = part[c].str.strip()
        part["_src"] = i
        part["_row"] = block.row_numbers()
        for c, s in block.scales.items():
            part[f"_scale_{c}"] = s
        parts.append(part)
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in [*cols, "_src", "_row"]})
    return pd.concat(parts, ignore_index=True)


def typed_table(findings: Findings, name: str, raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` (text cells) with every column read as its type: numbers, whole numbers, lists.

    Reports blank required values, cells that are no number or no whole number, values
    outside their range (after the block's scale, e.g. percent) and kinds outside the
    vocabulary; a bad cell becomes blank.
    """
    out = raw.copy()
    for col in TABLES[name]:
        s = raw[col.name]
        blank = s == ""
        if col.required:
            findings.add_rows(raw, blank, col.name, "required value is blank", "required_value")
        if col.type in ("float", "int"):
            num = pd.to_numeric(s.where(~blank, None), errors="coerce").astype(float)
            bad = ~blank & (num.isna() | np.isinf(num.astype(float)))
            findings.add_rows(
                raw,
                bad,
                col.name,
                row_message("{value!r} is not a number", col.name),
                "not_a_number",
            )
            scale_col = f"_scale_{col.name}"
            scale = raw[scale_col].fillna(1.0).astype(float) if scale_col in raw else 1.0
            if col.type == "int":
                frac = num.notna() & (num != np.floor(num.fillna(0)))
                findings.add_rows(
                    raw,
                    frac,
                    col.name,
                    row_message("{value!r} is not a whole number", col.name),
                    "not_an_integer",
                )
                num = num.where(~frac)
            lo, hi = RANGES.get((name, col.name), (-np.inf, np.inf))
            scaled = divide_exact(num, scale)
            outside = scaled.notna() & ((scaled < lo) | (scaled > hi))

            def why(r: pd.Series, c: str = col.name, lo: float = lo, hi: float = hi) -> str:
                sc = float(r.get(f"_scale_{c}", 1.0) or 1.0)
                if sc == 1.0:
                    return f"{r[c]} is outside the range {fmt(lo)} to {fmt(hi)}"
                unit = " percent" if sc == 100 else f" (x{fmt(sc)})"
                return f"{r[c]} is outside the range {fmt(lo * sc)} to {fmt(hi * sc)}{unit}"

            findings.add_rows(raw, outside, col.name, why, "out_of_range")
            out[col.name] = scaled.where(~outside)
            if col.type == "int":
                out[col.name] = out[col.name].round().astype("Int64")
        elif col.type == "list":
            out[col.name] = s.map(lambda v: tuple(x.strip() for x in v.split(LIST_SEPARATOR) if x.strip()))
        vocab = VOCABULARIES.get((name, col.name))
        if vocab is not None:
            bad = ~blank & ~s.isin(vocab)
            findings.add_rows(
                raw,
                bad,
                col.name,
                row_message("{value!r} is not one of: " + ", ".join(vocab), col.name),
                "unknown_kind",
            )
    return out
