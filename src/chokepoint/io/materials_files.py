"""Reader of a raw-materials folder: World Mining Data production, CEPII BACI trade, the commodity
map and WGI political stability (the layout of ``../shared/data/raw-materials``).

Files (the first match of each pattern in the folder):

==============================================  ================================================
``world_mining_data_production_*.csv[.gz]``      commodity, country, country_code (ISO numeric;
                                                 ``DELETE`` marks the world "Total" row), country_iso,
                                                 unit, data_source, year, production
``baci_hs92_*.parquet``                          t, i, j, k, v, q (BACI: year, exporter, importer,
                                                 HS92 product, thousand USD, tonnes)
``baci_country_codes_*.csv``                     country_code, country_iso3 (BACI's own table)
``commodity_hs_map.csv``                         commodity, category, supply_chain_stage, symbol,
                                                 eol_rir_2023, hs_code, hs_code_complementary
``wgi_political_stability_estimate_*.csv``       Code (ISO3) and one column per year
==============================================  ================================================

Units are kept and converted explicitly (:data:`chokepoint.materials.data.TONNES_PER_UNIT`);
the world "Total" rows are sums, kept apart for checking, never countries. Missing trade
quantities stay missing and are counted in the dataset's notes. Any bad file is an
:class:`~chokepoint.errors.InputFileError` naming the file, the row and the column, raised before
anything is returned (a load lands whole or not at all).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from chokepoint.assess.governance import risk_from_estimate
from chokepoint.errors import InputFileError
from chokepoint.materials.data import TONNES_PER_UNIT, MaterialsData

PATTERNS = {
    "production": ("world_mining_data_production_*.csv.gz", "world_mining_data_production_*.csv"),
    "trade": ("baci_hs92_*.parquet",),
    "countries": ("baci_country_codes_*.csv",),
    "map": ("commodity_hs_map.csv",),
    "wgi": ("wgi_political_stability_estimate_*.csv",),
}
NOT_AVAILABLE = "Not Available"
#: cells read as missing in the CSV files
MISSING = ["", "nan", "NaN", "NA", "None", ".."]
#: known coding errors of World Mining Data, corrected on reading and said in the notes:
#: (country name, code in the file) -> ISO3. French Guiana is coded as Guyana (GUY, 328).
ISO_CORRECTIONS = {("French Guiana", "GUY"): "GUF"}


def _find(folder: Path, what: str) -> Path:
    for pattern in PATTERNS[what]:
        hits = sorted(folder.glob(pattern))
        if hits:
            return hits[0]
    raise InputFileError(
        str(folder), f"no {what} file: expected a file named like {' or '.join(PATTERNS[what])}"
    )


def _columns(df: pd.DataFrame, needed: tuple[str, ...], file: Path) -> None:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise InputFileError(
            file.name,
            f"missing column(s) {', '.join(missing)}; the header has {', '.join(map(str, df.columns))}",
        )


def _numeric(df: pd.DataFrame, column: str, file: Path, *, header_rows: int = 1) -> pd.Series:
    """``df[column]`` as floats; a non-empty cell that is not a number is an error naming its row."""
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFileError(
            file.name,
            f"row {i + header_rows + 1}, column {column!r}: {raw.iloc[i]!r} is not a number; "
            "write a number or leave the cell empty",
        )
    return values.astype(float)


def _read_csv(file: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(file, dtype=str, keep_default_na=False, na_values=MISSING)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, EOFError) as exc:
        raise InputFileError(file.name, f"cannot read it as CSV ({str(exc).strip()})") from None


def read_production(file: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """World Mining Data production: (country rows, world "Total" rows, notes); units converted.

    Codes of :data:`ISO_CORRECTIONS` are corrected (said in the notes); a country that appears
    twice for one commodity and year is an error naming the row.
    """
    df = _read_csv(file)
    _columns(df, ("commodity", "country", "country_code", "country_iso", "unit", "year", "production"), file)
    year = _numeric(df, "year", file)
    if year.isna().any():
        i = int(np.flatnonzero(year.isna().to_numpy())[0])
        raise InputFileError(file.name, f"row {i + 2}, column 'year': empty; every row needs a year")
    value = _numeric(df, "production", file)
    unknown = sorted(set(df["unit"].dropna()) - set(TONNES_PER_UNIT) - {"Mio m3"})
    if unknown:
        i = int(np.flatnonzero(df["unit"].isin(unknown).to_numpy())[0])
        raise InputFileError(
            file.name,
            f"row {i + 2}, column 'unit': unknown unit {df['unit'].iloc[i]!r}; "
            f"known: {', '.join([*TONNES_PER_UNIT, 'Mio m3'])}",
        )
    total = df["country_code"].astype(str).str.strip().eq("DELETE")
    no_iso = ~total & df["country_iso"].isna()
    if no_iso.any():
        i = int(np.flatnonzero(no_iso.to_numpy())[0])
        raise InputFileError(
            file.name, f"row {i + 2}, column 'country_iso': empty for {df['country'].iloc[i]!r}"
        )
    iso = df["country_iso"].astype(str).str.strip()
    corrected = 0
    for (name, wrong), right in ISO_CORRECTIONS.items():
        hit = df["country"].eq(name) & iso.eq(wrong)
        corrected += int(hit.sum())
        iso = iso.mask(hit, right)
    factor = df["unit"].map(TONNES_PER_UNIT).astype(float)
    out = pd.DataFrame(
        {
            "commodity": df["commodity"].astype(str),
            "iso3": iso,
            "year": year.astype(int),
            "unit": df["unit"].astype(str),
            "production": value,
            "production_t": value * factor,
            "data_source": df.get("data_source", pd.Series(index=df.index, dtype=object)),
        }
    )
    dup = out[~total].duplicated(["commodity", "iso3", "year"])
    if dup.any():
        i = int(out[~total].index[dup.to_numpy()][0])
        raise InputFileError(
            file.name, f"row {i + 2}: {out['commodity'][i]} {out['iso3'][i]} {out['year'][i]} appears twice"
        )
    world = out.loc[total, ["commodity", "year", "unit", "production"]].reset_index(drop=True)
    notes = (
        [
            f"World Mining Data: {corrected} rows recoded ("
            + ", ".join(f"{n} {w} -> {r}" for (n, w), r in ISO_CORRECTIONS.items())
            + ")"
        ]
        if corrected
        else []
    )
    return out[~total].reset_index(drop=True), world, notes


def read_trade(file: Path, countries: Path) -> tuple[pd.DataFrame, list[str]]:
    """BACI flows with ISO3 codes; quantities missing in BACI stay NaN (counted in the notes)."""
    try:
        raw = pd.read_parquet(file)
    except (OSError, ValueError) as exc:
        raise InputFileError(file.name, f"cannot read it as Parquet ({str(exc).strip()})") from None
    _columns(raw, ("t", "i", "j", "k", "v", "q"), file)
    codes = _read_csv(countries)
    _columns(codes, ("country_code", "country_iso3"), countries)
    iso = pd.Series(
        codes["country_iso3"].to_numpy(), index=_numeric(codes, "country_code", countries).astype(int)
    )
    for col in ("t", "i", "j", "k", "v", "q"):
        if not pd.api.types.is_numeric_dtype(raw[col]):
            raise InputFileError(file.name, f"column {col!r} must be numeric, not {raw[col].dtype}")
    exporter = raw["i"].map(iso)
    importer = raw["j"].map(iso)
    unknown = exporter.isna() | importer.isna()
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        col = "i" if exporter.isna().iloc[i] else "j"
        raise InputFileError(
            file.name,
            f"row {i + 1}, column {col!r}: country code {raw[col].iloc[i]} is not in {countries.name}",
        )
    trade = pd.DataFrame(
        {
            "year": raw["t"].astype(int),
            "exporter": exporter.astype(str),
            "importer": importer.astype(str),
            "product": raw["k"].astype(int).astype(str).str.zfill(6),
            "value": raw["v"].astype(float),
            "quantity": raw["q"].astype(float),
        }
    )
    missing = int(trade["quantity"].isna().sum())
    notes = [
        f"BACI: {missing:,} of {len(trade):,} flows ({missing / max(len(trade), 1):.1%}) have no quantity; "
        "they stay missing (left out of quantity sums, reported per indicator)"
    ]
    return trade, notes


def read_commodity_map(file: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The commodity map: (commodities, one row per commodity and HS code)."""
    df = _read_csv(file)
    _columns(df, ("commodity", "category", "supply_chain_stage", "symbol", "eol_rir_2023", "hs_code"), file)
    eol = _numeric(df, "eol_rir_2023", file)
    out_of_range = ~eol.between(0, 1) & eol.notna()
    if out_of_range.any():
        i = int(np.flatnonzero(out_of_range.to_numpy())[0])
        raise InputFileError(
            file.name, f"row {i + 2}, column 'eol_rir_2023': {eol.iloc[i]} is not a rate in [0, 1]"
        )
    commodities = pd.DataFrame(
        {
            "commodity": df["commodity"].astype(str),
            "category": df["category"].fillna(""),
            "stage": df["supply_chain_stage"].fillna(""),
            "symbol": df["symbol"].fillna(""),
            "eol_rir": eol.fillna(0.0),
        }
    )
    codes = df["hs_code"].fillna(NOT_AVAILABLE).astype(str)
    extra = df.get("hs_code_complementary", pd.Series("", index=df.index)).fillna("").astype(str)
    joined = (codes.where(codes != NOT_AVAILABLE, "") + ";" + extra).str.split(";")
    long = pd.DataFrame({"commodity": df["commodity"], "product": joined}).explode("product")
    long["product"] = long["product"].str.strip()
    long = long[long["product"] != ""]
    bad = ~long["product"].str.fullmatch(r"\d{6}")
    if bad.any():
        i = int(long.index[bad.to_numpy()][0])
        raise InputFileError(
            file.name,
            f"row {i + 2}, column 'hs_code': {long['product'][bad].iloc[0]!r} is not a 6-digit HS code",
        )
    return commodities, long.drop_duplicates().reset_index(drop=True)


def read_instability(file: Path) -> tuple[pd.DataFrame, list[str]]:
    """WGI political stability per ISO3 and year, rescaled to 0-1 (1 least stable); missing kept out.

    A code that appears on two rows with different values (the shipped file has two ``Guyana,
    GUY`` rows) is ambiguous: both are dropped, so the country gets the missing-score rule, and the
    notes say so. Identical repeats are kept once.
    """
    df = _read_csv(file)
    _columns(df, ("Code",), file)
    years = [c for c in df.columns if str(c).isdigit()]
    if not years:
        raise InputFileError(file.name, "no year columns (1996, 1998, ...)")
    for y in years:
        df[y] = _numeric(df, y, file)
    long = df.melt(id_vars=["Code"], value_vars=years, var_name="year", value_name="estimate").dropna(
        subset=["estimate"]
    )
    out = pd.DataFrame(
        {
            "iso3": long["Code"].astype(str).str.strip(),
            "year": long["year"].astype(int),
            "estimate": long["estimate"].astype(float),
        }
    ).drop_duplicates()
    clash = out.duplicated(["iso3", "year"], keep=False)
    ambiguous = sorted(set(out.loc[clash, "iso3"]))
    out = out[~clash].reset_index(drop=True)
    out["instability"] = risk_from_estimate(out["estimate"].to_numpy())
    notes = (
        [f"WGI: {', '.join(ambiguous)} on two rows with different values: dropped (treated as no score)"]
        if ambiguous
        else []
    )
    return out, notes


def read_materials_dir(path: str | os.PathLike[str]) -> MaterialsData:
    """Read a raw-materials folder (module docstring) into :class:`MaterialsData`.

    Raises
    ------
    InputFileError
        A file is missing or bad (naming file, row and column), or the folder does not exist.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InputFileError(str(folder), "not a folder: give the raw-materials folder")
    production, world, notes = read_production(_find(folder, "production"))
    trade, trade_notes = read_trade(_find(folder, "trade"), _find(folder, "countries"))
    notes += trade_notes
    commodities, commodity_hs = read_commodity_map(_find(folder, "map"))
    instability, wgi_notes = read_instability(_find(folder, "wgi"))
    notes += wgi_notes
    unmapped = sorted(set(production["commodity"]) - set(commodities["commodity"]))
    if unmapped:
        raise InputFileError(
            _find(folder, "production").name,
            f"commodities not in commodity_hs_map.csv: {', '.join(unmapped[:5])}; add them to the map",
        )
    no_hs = sorted(set(commodities["commodity"]) - set(commodity_hs["commodity"]))
    notes.append(f"{len(no_hs)} commodities have no HS code (no trade data): {', '.join(no_hs)}")
    return MaterialsData(production, world, trade, commodity_hs, commodities, instability, notes)
