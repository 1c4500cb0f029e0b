"""Readers of trade flows: FAOSTAT matrices, CEPII BACI, long Comtrade-style CSV; HS labels."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

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


def read_fao(
    folder: str | os.PathLike[str], crops: list[str] | None = None, years: list[int] | None = None
) -> pd.DataFrame:
    """FAOSTAT detailed trade matrices (rows exporters, columns importers, tonnes) as long flows.

    Files ``<Crop>_Y<year>_Global_trade.csv(.gz)``; the HS code comes from :data:`FAO_CROPS`. A
    country name that maps to no ISO3 code is an error naming the file; duplicated names are summed.
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
        mat = pd.read_csv(f, index_col=0)
        mat.columns = [re.sub(r"\.\d+$", "", c) for c in mat.columns]  # pandas renames duplicates "X.1"
        long = mat.stack().reset_index()
        long.columns = ["exporter_name", "importer_name", "quantity"]
        long = long[long["quantity"] > 0]
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
    return df.groupby(["year", "exporter", "importer", "product"], as_index=False)[
        ["value", "quantity"]
    ].sum()[FLOW_COLUMNS]


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
    """Read bilateral trade flows from a long Comtrade-style CSV.

    Columns ``year``/``period``, ``reporterISO``, ``partnerISO``, ``cmdCode``, ``flowCode``
    (X exports, M imports), ``primaryValue``, ``qty``. Import rows are read as partner ->
    reporter, export rows as reporter -> partner.
    """
    p = Path(path)
    df = pd.read_csv(p, dtype={"cmdCode": str})
    need = ["reporterISO", "partnerISO", "cmdCode", "flowCode", "primaryValue"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputFileError(p.name, f"missing Comtrade column(s): {', '.join(missing)}")
    year = df["year"] if "year" in df.columns else df["period"].astype(str).str[:4]
    imports = df["flowCode"].astype(str).str.upper() == "M"
    out = pd.DataFrame(
        {
            "year": pd.to_numeric(year).astype(int),
            "exporter": df["partnerISO"].where(imports, df["reporterISO"]),
            "importer": df["reporterISO"].where(imports, df["partnerISO"]),
            "product": df["cmdCode"].astype(str),
            "value": pd.to_numeric(df["primaryValue"], errors="coerce").fillna(0.0),
            "quantity": pd.to_numeric(df.get("qty", pd.Series(dtype=float)), errors="coerce"),
        }
    )
    return out[FLOW_COLUMNS]


def hs_labels(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the HS nomenclature (``hscode, description, parent, level``) as a lookup table."""
    df = pd.read_csv(path, dtype={"hscode": str, "parent": str})
    return df[["hscode", "description", "parent", "level"]]


def unmatched_products(flows: pd.DataFrame, labels: pd.DataFrame) -> list[str]:
    """Product codes that the HS table does not know (e.g. from another HS revision): reported, kept."""
    known = set(labels["hscode"])
    return sorted(set(flows["product"]) - known)
