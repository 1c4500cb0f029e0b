"""Readers of trade flows: FAOSTAT matrices, CEPII BACI, long Comtrade-style CSV; HS labels."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from chokepoint.errors import ChainValidationError, InputFileError, Problem
from chokepoint.trade.indicators import FLOW_COLUMNS

#: FAOSTAT crops -> HS codes.
FAO_CROPS = {"wheat": "1001", "maize": "1005", "rice": "1006", "soya_beans": "1201"}
#: FAOSTAT / pytradeshifts country names that ISO 3166 lookup does not resolve.
NAME_OVERRIDES = {
    "Congo Republic": "COG",
    "DR Congo": "COD",
    "Macau": "MAC",
    "Micronesia, Fed. Sts.": "FSM",
    "St. Kitts and Nevis": "KNA",
    "St. Lucia": "LCA",
    "St. Vincent and the Grenadines": "VCT",
    "Cote d'Ivoire": "CIV",
    "Palestine": "PSE",
    "Reunion": "REU",
    "Russia": "RUS",
}


@lru_cache(maxsize=2048)
def iso3_of(name: str) -> str | None:
    """ISO3 code of a country name (exact ISO 3166 names, aliases, then the overrides)."""
    if name in NAME_OVERRIDES:
        return NAME_OVERRIDES[name]
    try:
        return str(pycountry.countries.lookup(name).alpha_3)
    except LookupError:
        return None


#: BACI codes outside ISO 3166 numeric: 490 "Other Asia, nes" is Taiwan in CEPII's tables.
BACI_SPECIAL = {490: "TWN"}


def _fao_matrix(f: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """One FAOSTAT matrix as long ``exporter_name, importer_name, quantity`` rows (cells > 0).

    Read as text without pandas' renaming of repeated header names (``X`` -> ``X.1``), so a country
    that appears twice as a row or a column (e.g. "Micronesia, Fed. Sts." in the maize and rice
    matrices) keeps its name and is summed by the caller. Empty cells are no flow; a cell that is not
    a number, or is negative, is a :class:`Problem` naming the file, the row (file line) and the
    importer column.
    """
    try:
        raw = pd.read_csv(f, header=None, dtype=object, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputFileError(
            f.name, f"cannot read it as a FAOSTAT trade matrix ({str(exc).strip()})"
        ) from None
    if raw.shape[0] < 2 or raw.shape[1] < 2:
        raise InputFileError(f.name, "a FAOSTAT trade matrix needs a header row and a first column of names")
    importers = [str(c).strip() for c in raw.iloc[0, 1:]]
    exporters = [str(r).strip() for r in raw.iloc[1:, 0]]
    problems = [
        Problem(f.name, 1, f"column {j + 2}", "empty importer name in the header", code="missing_name")
        for j, name in enumerate(importers)
        if not name
    ]
    problems += [
        Problem(f.name, i + 2, "first column", "empty exporter name", code="missing_name")
        for i, name in enumerate(exporters)
        if not name
    ]
    cells = raw.iloc[1:, 1:].to_numpy(dtype=str)
    cells = np.char.strip(cells)
    empty = cells == ""
    values = pd.to_numeric(pd.Series(np.where(empty, "0", cells).ravel()), errors="coerce")
    q = values.to_numpy(dtype=float).reshape(cells.shape)
    bad = np.isnan(q) | (q < 0)
    for i, j in zip(*bad.nonzero(), strict=True):
        if len(problems) >= 20:
            break
        problems.append(
            Problem(
                f.name,
                int(i) + 2,
                importers[j] or f"column {j + 2}",
                f"quantity {cells[i, j]!r} (exporter {exporters[i]!r}) is not a non-negative number",
                code="bad_number",
            )
        )
    q = np.nan_to_num(q, nan=0.0)
    r, c = (q > 0).nonzero()
    long = pd.DataFrame(
        {
            "exporter_name": [exporters[i] for i in r],
            "importer_name": [importers[j] for j in c],
            "quantity": q[r, c],
        }
    )
    return long, problems


def read_fao(
    folder: str | os.PathLike[str], crops: list[str] | None = None, years: list[int] | None = None
) -> pd.DataFrame:
    """FAOSTAT detailed trade matrices (rows exporters, columns importers, tonnes) as long flows.

    Files ``<Crop>_Y<year>_Global_trade.csv(.gz)``; the HS code comes from :data:`FAO_CROPS`. A
    country name that maps to no ISO3 code, an empty name or a cell that is not a non-negative number
    is an error naming the file, row and column. A name repeated as a row or a column (and names that
    map to the same ISO3 code) are merged by summing their quantities. The matrices are
    exporter-reported ("Export Quantity"): the extra column ``reported_by`` is ``"exporter"``.
    """
    p = Path(folder)
    frames, problems = [], []
    for f in sorted(p.glob("*_Global_trade.csv*")):
        m = re.match(r"(.+)_Y(\d{4})_Global_trade", f.name)
        if not m:
            continue
        crop, year = m.group(1).lower(), int(m.group(2))
        if crop not in FAO_CROPS or (crops and crop not in crops) or (years and year not in years):
            continue
        long, found = _fao_matrix(f)
        problems += found
        for col in ("exporter", "importer"):
            long[col] = long[f"{col}_name"].map(iso3_of)
            for name in sorted(set(long.loc[long[col].isna(), f"{col}_name"])):
                problems.append(
                    Problem(f.name, None, col, f"country {name!r} has no ISO3 code", code="unknown_country")
                )
        long["year"] = year
        long["product"] = FAO_CROPS[crop]
        long["value"] = long["quantity"]
        frames.append(long)
    if problems:
        raise ChainValidationError(problems)
    if not frames:
        raise InputFileError(str(p), "no FAOSTAT *_Global_trade.csv files for the requested crops and years")
    df = pd.concat(frames, ignore_index=True)
    out = df.groupby(["year", "exporter", "importer", "product"], as_index=False)[["value", "quantity"]].sum()
    out = out[FLOW_COLUMNS]
    out["reported_by"] = "exporter"
    return out


def read_baci(path: str | os.PathLike[str], country_codes: str | os.PathLike[str]) -> pd.DataFrame:
    """CEPII BACI (``t, i, j, k, v, q``; v in thousand USD, q in tonnes) with its country-code table."""
    p = Path(path)
    df = pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p, dtype={"k": str})
    missing = [c for c in ("t", "i", "j", "k", "v", "q") if c not in df.columns]
    if missing:
        raise InputFileError(p.name, f"missing BACI column(s): {', '.join(missing)}")
    try:
        codes = pd.read_csv(country_codes, keep_default_na=False)
    except UnicodeDecodeError:  # CEPII ships the code table in Latin-1
        codes = pd.read_csv(country_codes, encoding="latin-1", keep_default_na=False)
    to3 = {
        int(c): str(a)
        for c, a in zip(codes["country_code"], codes["iso_3digit_alpha"], strict=True)
        if re.fullmatch(r"[A-Z]{3}", str(a))
    }
    for code in set(df["i"]) | set(df["j"]):  # codes missing from this table version: ISO numeric
        if code not in to3:
            found = BACI_SPECIAL.get(int(code)) or getattr(
                pycountry.countries.get(numeric=f"{int(code):03d}"), "alpha_3", None
            )
            if found:
                to3[code] = found
    problems = []
    out = pd.DataFrame({"year": df["t"].astype(int), "product": df["k"].astype(str).str.zfill(6)})
    for src, col in (("i", "exporter"), ("j", "importer")):
        out[col] = df[src].map(to3)
        bad = df.index[out[col].isna()]
        for r in bad[:20]:
            problems.append(
                Problem(
                    p.name,
                    int(r) + 2,
                    src,
                    f"country code {df.at[r, src]!s} is not in the code table",
                    code="unknown_country",
                )
            )
    if problems:
        raise ChainValidationError(problems)
    out["value"] = pd.to_numeric(df["v"], errors="coerce").fillna(0.0)
    quantity = df["q"].astype(str).str.strip()
    out["quantity"] = pd.to_numeric(quantity.where(quantity != "NA"), errors="coerce")
    return out[FLOW_COLUMNS]


def read_comtrade(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read bilateral trade flows from a long Comtrade-style CSV, one side per flow.

    Columns ``year``/``period``, ``reporterISO``, ``partnerISO``, ``cmdCode``, ``flowCode``
    (``M`` imports, ``X`` exports), ``primaryValue``, ``qty``. Import rows are read as partner ->
    reporter, export rows as reporter -> partner.

    A flow (year, exporter, importer, product) reported by both sides is not summed: the importer's
    record is used (``M``, usually CIF), and the exporter's mirror record (``X``, usually FOB) only
    fills flows for which the importer reported nothing. Several records of the same side for one
    flow are summed. The extra column ``reported_by`` is ``"importer"`` or ``"exporter"`` (mirror).
    Any other flow code (re-exports ``RX``, re-imports ``RM``, ...) is an error naming file, row and
    column.
    """
    p = Path(path)
    try:
        df = pd.read_csv(p, dtype={"cmdCode": str, "reporterISO": str, "partnerISO": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputFileError(p.name, f"cannot read it as a Comtrade-style CSV ({str(exc).strip()})") from None
    need = ["reporterISO", "partnerISO", "cmdCode", "flowCode", "primaryValue"]
    missing = [c for c in need if c not in df.columns]
    if "year" not in df.columns and "period" not in df.columns:
        missing.append("year (or period)")
    if missing:
        raise InputFileError(p.name, f"missing Comtrade column(s): {', '.join(missing)}")
    flow = df["flowCode"].astype(str).str.strip().str.upper()
    year_col = "year" if "year" in df.columns else "period"
    year = pd.to_numeric(df[year_col].astype(str).str.strip().str[:4], errors="coerce")
    problems = [
        Problem(
            p.name,
            int(r) + 2,
            "flowCode",
            f"flow code {df.at[r, 'flowCode']!r} is not M or X",
            code="bad_flow",
        )
        for r in df.index[~flow.isin(["M", "X"])][:20]
    ]
    problems += [
        Problem(p.name, int(r) + 2, year_col, f"year {df.at[r, year_col]!r} is not a year", code="bad_year")
        for r in df.index[year.isna()][:20]
    ]
    if problems:
        raise ChainValidationError(problems)
    imports = flow == "M"
    out = pd.DataFrame(
        {
            "year": year.astype(int),
            "exporter": df["partnerISO"].where(imports, df["reporterISO"]),
            "importer": df["reporterISO"].where(imports, df["partnerISO"]),
            "product": df["cmdCode"].astype(str),
            "value": pd.to_numeric(df["primaryValue"], errors="coerce").fillna(0.0),
            "quantity": pd.to_numeric(df["qty"], errors="coerce") if "qty" in df.columns else float("nan"),
            "reported_by": imports.map({True: "importer", False: "exporter"}),
        }
    )
    key = ["year", "exporter", "importer", "product"]
    out = out.groupby([*key, "reported_by"], as_index=False, dropna=False).agg(
        value=("value", "sum"), quantity=("quantity", lambda s: s.sum(min_count=1))
    )
    has_import = out[out["reported_by"] == "importer"][key].drop_duplicates()
    mirror = out[out["reported_by"] == "exporter"].merge(has_import, on=key, how="left", indicator=True)
    mirror = mirror[mirror["_merge"] == "left_only"].drop(columns="_merge")
    chosen = pd.concat([out[out["reported_by"] == "importer"], mirror], ignore_index=True)
    chosen = chosen.sort_values(key, kind="stable").reset_index(drop=True)
    return chosen[[*FLOW_COLUMNS, "reported_by"]]


def hs_labels(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the HS nomenclature (``hscode, description, parent, level``) as a lookup table."""
    df = pd.read_csv(path, dtype={"hscode": str, "parent": str})
    return df[["hscode", "description", "parent", "level"]]


def unmatched_products(flows: pd.DataFrame, labels: pd.DataFrame) -> list[str]:
    """Product codes that the HS table does not know (e.g. from another HS revision): reported, kept."""
    known = set(labels["hscode"])
    return sorted(set(flows["product"]) - known)
