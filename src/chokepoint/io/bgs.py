"""Reader of the British Geological Survey's World Mineral Statistics production table.

The table (``bgs_world_mineral_production_1970_2021.csv.gz`` in ``../shared/data/bgs-mineral-production``)
is semicolon-separated with the columns ``Country`` (BGS English names), ``commodity_code``,
``commodity_desc`` (e.g. ``cobalt mine``, ``cobalt refined``), ``Sub-commodity`` (often blank),
``year`` and ``value`` (blank = no data). :func:`read_bgs_production` turns it into one long table
with a normalised commodity name, the processing stage and the country's ISO3 code.

Contains BGS data (c) UKRI.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from chokepoint.errors import InputFileError

#: ``commodity_desc`` of the BGS table -> (normalised commodity, stage). "mine" is primary
#: extraction (wells included), "smelter" the first metallurgical stage, "refinery" the refined
#: product (refined metal, zinc slab, nickel smelter/refinery output, rare earth oxides).
COMMODITIES: dict[str, tuple[str, str]] = {
    "aluminium primary": ("aluminium", "smelter"),
    "chromium ores and concentrates": ("chromium", "mine"),
    "cobalt mine": ("cobalt", "mine"),
    "cobalt refined": ("cobalt", "refinery"),
    "copper mine": ("copper", "mine"),
    "copper smelter": ("copper", "smelter"),
    "copper refined": ("copper", "refinery"),
    "graphite": ("graphite", "mine"),
    "lithium minerals": ("lithium", "mine"),
    "manganese ore": ("manganese", "mine"),
    "molybdenum mine": ("molybdenum", "mine"),
    "natural gas": ("natural gas", "mine"),
    "nickel mine": ("nickel", "mine"),
    "nickel smelter/refined": ("nickel", "refinery"),
    "petroleum crude": ("petroleum", "mine"),
    "rare earth minerals": ("rare earths", "mine"),
    "rare earth oxides": ("rare earths", "refinery"),
    "steel crude": ("steel", "smelter"),
    "uranium": ("uranium", "mine"),
    "zinc mine": ("zinc", "mine"),
    "zinc slab": ("zinc", "refinery"),
}

#: commodities whose sub-commodity rows are alternative measures of one output (gross weight of
#: spodumene, lepidolite, carbonate, ... *and* their lithium content), not parts to be summed
NOT_ADDITIVE = frozenset({"lithium minerals"})

#: units of ``value``: BGS tonnes (metric tonnes of content or product) except natural gas
UNITS: dict[str, str] = {"natural gas": "million m3"}

#: BGS country names that the country-code table does not spell the same way -> ISO3. ``None``:
#: an entity that no longer exists and has no single successor (the USSR, Yugoslavia,
#: Czechoslovakia, Serbia and Montenegro, the two German states before 1991, South Yemen, the
#: Saudi-Kuwaiti neutral zone, the emirate of Sharjah before it reported within the UAE). Renamed
#: states with unchanged territory take their successor's code (Zaire, Rhodesia, New Hebrides,
#: East Timor). Kosovo has no ISO 3166 code: XKX is the user-assigned code the World Bank and the
#: EU use.
ALIASES: dict[str, str | None] = {
    "Bolivia": "BOL",
    "Bosnia & Herzegovina": "BIH",
    "Brunei": "BRN",
    "Congo": "COG",
    "Congo, Democratic Republic": "COD",
    "Czech Republic": "CZE",
    "Dominican Republic": "DOM",
    "East Timor": "TLS",
    "Hong Kong": "HKG",
    "Iran": "IRN",
    "Ireland, Republic of": "IRL",
    "Ivory Coast": "CIV",
    "Korea (Rep. of)": "KOR",
    "Korea, Dem. P.R. of": "PRK",
    "Kosovo": "XKX",
    "Laos": "LAO",
    "Moldova": "MDA",
    "New Hebrides": "VUT",
    "Rhodesia": "ZWE",
    "Russia": "RUS",
    "Syria": "SYR",
    "Taiwan": "TWN",
    "Tanzania": "TZA",
    "Trinidad & Tobago": "TTO",
    "Turkey": "TUR",
    "USA": "USA",
    "Venezuela": "VEN",
    "Vietnam": "VNM",
    "Yemen, Republic of": "YEM",
    "Zaire": "COD",
    "Czechoslovakia": None,
    "German Democratic Rep": None,
    "German Federal Republic": None,
    "Neutral zone": None,
    "Serbia and Montenegro": None,
    "Sharjah": None,
    "Soviet Union": None,
    "Yemen (PDR)": None,
    "Yugoslavia": None,
}

COLUMNS = ("Country", "commodity_desc", "Sub-commodity", "year", "value")
OUTPUT = ("country", "iso3", "commodity", "stage", "year", "value", "unit", "sub_commodity")


def _error(file: Path, row: int, column: str, reason: str) -> InputFileError:
    return InputFileError(file.name, f"row {row}, column {column!r}: {reason}")


def _first(mask: pd.Series) -> int:
    """Position of the first ``True`` of ``mask``."""
    return int(np.flatnonzero(mask.to_numpy())[0])


def _country_table(country_codes: str | os.PathLike[str] | None) -> dict[str, str]:
    """Country name -> ISO3: a BACI-style table (country_name, country_iso3) or ISO 3166 names."""
    if country_codes is None:
        names: dict[str, str] = {}
        for c in pycountry.countries:
            for attr in ("name", "common_name", "official_name"):
                if hasattr(c, attr):
                    names.setdefault(str(getattr(c, attr)), str(c.alpha_3))
        return names
    p = Path(country_codes)
    try:
        codes = pd.read_csv(p, dtype=str, keep_default_na=False)
    except UnicodeDecodeError:  # CEPII ships some versions of its table in Latin-1
        codes = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="latin-1")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(p.name, f"cannot read it as a country-code CSV ({str(exc).strip()})") from None
    missing = [c for c in ("country_name", "country_iso3") if c not in codes.columns]
    if missing:
        raise InputFileError(p.name, f"missing column(s) {', '.join(missing)}")
    ok = codes["country_iso3"].str.fullmatch(r"[A-Z]{3}")
    return dict(zip(codes.loc[ok, "country_name"].str.strip(), codes.loc[ok, "country_iso3"], strict=True))


def read_bgs_production(
    path: str | os.PathLike[str], country_codes: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """Read the BGS World Mineral Statistics production table as a long, staged table.

    Parameters
    ----------
    path : str or path-like
        The semicolon-separated table (plain or ``.gz``) with the columns ``Country``,
        ``commodity_desc``, ``Sub-commodity``, ``year`` and ``value`` (``commodity_code`` may be
        there and is not used).
    country_codes : str or path-like, optional
        A country-code table with the columns ``country_name`` and ``country_iso3`` (e.g. CEPII
        BACI's ``country_codes_V202401b.csv``) used to map BGS names to ISO3 codes; without it,
        the ISO 3166 names (pycountry) are used. Either way :data:`ALIASES` is applied first.

    Returns
    -------
    pandas.DataFrame
        One row per country, commodity, stage and year (lithium: and sub-commodity) with the
        columns ``country`` (BGS name), ``iso3`` (``None`` for a name without a code, listed in
        ``attrs["unmatched_countries"]``), ``commodity`` (normalised: ``cobalt``, ``copper``,
        ``rare earths``, ...), ``stage`` (``mine``, ``smelter`` or ``refinery``, from
        :data:`COMMODITIES`), ``year``, ``value`` (float, tonnes except natural gas; a blank cell
        stays NaN), ``unit`` and ``sub_commodity`` (``None`` or the named parts summed).

    Raises
    ------
    InputFileError
        The file cannot be read, lacks a column, or a row has an empty country, a year that is not
        four digits, a value that is not a non-negative number, an unknown ``commodity_desc`` or
        repeats another row's country, commodity, sub-commodity and year. The message names the
        file, the row (the header is row 1) and the column.

    Notes
    -----
    Sub-commodity rows. In the 1970-2021 table they occur for rare earth minerals (Monazite,
    Xenotime, Bastnaesite, Loparite), nickel smelter/refined (Sulfate, Morocco only), manganese
    ore (Chemical, Metallurgical, ferruginous; South Africa only) and lithium minerals. For the
    first three the named rows are *parts*, not a breakdown of a total row: no row is repeated,
    and where a blank (unnamed) row and named rows occur for one country and year, either only
    one of them carries a value (Morocco nickel, South Africa manganese: the parts are 0 or blank
    in the years the unnamed row has the total) or they are different products (Australia's
    rare earth minerals: the unnamed row carries 29,932 t in 2018 when Monazite is 0, and the
    two add up to the country's output in 2020-2021). So they are summed per country, commodity,
    stage and year (all blank: NaN), and ``sub_commodity`` names the parts (``"Monazite +
    Xenotime"``). Lithium minerals are not summed: their sub-commodities measure one output
    twice (gross weight of spodumene, carbonate, ... and the ``Lithium minerals (Li content)``
    rows), so those rows are kept apart with their ``sub_commodity``; choose one measure before
    adding lithium across countries.

    Units differ between stages of one commodity (rare earth minerals are mineral concentrate,
    rare earth oxides oxide content), so compare the stages by shares and concentration, not by
    tonnes.

    Examples
    --------
    >>> df = read_bgs_production("bgs_world_mineral_production_1970_2021.csv.gz")  # doctest: +SKIP
    >>> df.query("commodity == 'cobalt' and year == 2021").groupby("stage")["value"].sum()  # doctest: +SKIP
    """
    file = Path(path)
    try:
        raw = pd.read_csv(file, sep=";", dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputFileError(file.name, "the file is empty; expected the BGS production table") from None
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputFileError(
            file.name, f"cannot read it as a semicolon-separated CSV ({str(exc).strip()})"
        ) from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise InputFileError(
            file.name,
            f"missing column(s) {', '.join(missing)}; the header has {', '.join(map(str, raw.columns))} "
            "(the BGS table is separated by semicolons)",
        )
    df = raw[list(COLUMNS)].apply(lambda s: s.str.strip())
    rows = pd.Series(np.arange(len(df)) + 2, index=df.index)  # the file's row numbers

    empty = df["Country"].eq("")
    if empty.any():
        raise _error(file, int(rows.iloc[_first(empty)]), "Country", "empty; every row needs a country")
    desc = df["commodity_desc"].str.lower()
    unknown = ~desc.isin(list(COMMODITIES))
    if unknown.any():
        i = _first(unknown)
        raise _error(
            file,
            int(rows.iloc[i]),
            "commodity_desc",
            f"unknown commodity {df['commodity_desc'].iloc[i]!r}; known: {', '.join(COMMODITIES)}",
        )
    bad_year = ~df["year"].str.fullmatch(r"\d{4}")
    if bad_year.any():
        i = _first(bad_year)
        raise _error(file, int(rows.iloc[i]), "year", f"{df['year'].iloc[i]!r} is not a four-digit year")
    year = df["year"].astype(int)
    value = pd.to_numeric(df["value"].where(df["value"] != ""), errors="coerce").astype(float)
    bad_value = (value.isna() & df["value"].ne("")) | (value < 0)
    if bad_value.any():
        i = _first(bad_value)
        raise _error(
            file,
            int(rows.iloc[i]),
            "value",
            f"{df['value'].iloc[i]!r} is not a non-negative number; write a number or leave the cell empty",
        )
    key = [df["Country"], desc, df["Sub-commodity"], year]
    dup = pd.concat(key, axis=1).duplicated(keep=False)
    if dup.any():
        first, second = (int(r) for r in rows[dup.to_numpy()].iloc[:2])
        raise _error(
            file,
            second,
            "year",
            f"{df['Country'].iloc[second - 2]} {df['commodity_desc'].iloc[second - 2]} "
            f"{df['Sub-commodity'].iloc[second - 2] or '(no sub-commodity)'} "
            f"{int(year.iloc[second - 2])} repeats row {first}",
        )

    commodity = desc.map(lambda d: COMMODITIES[d][0])
    long = pd.DataFrame(
        {
            "country": df["Country"],
            "commodity": commodity,
            "stage": desc.map(lambda d: COMMODITIES[d][1]),
            "year": year.astype(int),
            "value": value,
            # the group of a row: lithium rows stay apart per sub-commodity, the others are summed
            "part": df["Sub-commodity"].where(desc.isin(list(NOT_ADDITIVE)), ""),
            "sub": df["Sub-commodity"].where(df["Sub-commodity"] != ""),
        }
    )
    keys = ["country", "commodity", "stage", "year", "part"]
    out = long.groupby(keys, sort=False)["value"].sum(min_count=1).reset_index()
    named = long.dropna(subset=["sub"])
    subs = named.groupby(keys, sort=False)["sub"].agg(lambda s: " + ".join(sorted(set(s))))
    out = out.merge(subs.rename("sub_commodity").reset_index(), on=keys, how="left")

    table = _country_table(country_codes)
    names = sorted(set(out["country"]))
    to_iso = {n: ALIASES[n] if n in ALIASES else table.get(n) for n in names}
    iso3 = out["country"].map(to_iso).astype(object)
    result = pd.DataFrame(
        {
            "country": out["country"],
            "iso3": iso3.where(iso3.notna(), None),
            "commodity": out["commodity"],
            "stage": out["stage"],
            "year": out["year"].astype(int),
            "value": out["value"].astype(float),
            "unit": out["commodity"].map(lambda c: UNITS.get(c, "t")),
            "sub_commodity": out["sub_commodity"].astype(object).where(out["sub_commodity"].notna(), None),
        },
        columns=list(OUTPUT),
    )
    result = result.sort_values(["commodity", "stage", "year", "country"], kind="stable").reset_index(
        drop=True
    )
    result.attrs["unmatched_countries"] = sorted(n for n, c in to_iso.items() if c is None)
    return result
