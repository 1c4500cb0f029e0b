"""Regions below a country (provinces, cities, parks) and where an actor is located.

An actor's ``location`` is a code below its country: an ISO 3166-2 subdivision (``CN-ZJ``
Zhejiang), optionally extended by a city and a park (``CN-ZJ-HZ``, ``CN-ZJ-HZ-BJHT``), each
level adding one ``-SEGMENT`` to its parent's code. The hierarchy is therefore in the codes: a
location lies within region ``R`` when it is ``R`` or starts with ``R-`` (:func:`within`), a
test that needs no table and vectorises over every actor at once.

Provinces come from ISO 3166-2 (pycountry). For China they are the 31 provincial-level divisions
of the mainland: Hong Kong, Macao and Taiwan carry their own ISO 3166-1 codes in chain maps
(``HKG``, ``MAC``, ``TWN``), so the subdivisions ``CN-HK``, ``CN-MO`` and ``CN-TW`` are not
offered below ``CHN`` (a location's country must be its actor's country). Cities and parks come
from an imported region table (:func:`check_region_table`).
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache

import numpy as np
import pandas as pd
import pycountry

from chokepoint.errors import Problem

#: A location code: ISO 3166-1 alpha-2, the ISO 3166-2 subdivision, then any deeper segments.
LOCATION_CODE = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}(-[A-Z0-9]{1,20}){0,4}")

#: Levels of the region table, top down.
LEVELS: tuple[str, ...] = ("province", "city", "district", "park")

#: Subdivisions left out below a country because the chain maps give them their own country code.
OWN_COUNTRY_CODE: dict[str, tuple[str, ...]] = {"CHN": ("CN-HK", "CN-MO", "CN-TW")}

#: Usual English names where ISO's romanised name with its administrative suffix is not one.
_ENGLISH = {"CN-NM": "Inner Mongolia", "CN-XZ": "Xizang (Tibet)"}
_SUFFIXES = re.compile(r"\s+(Sheng|Shi|Zizhiqu|Zhuangzu|Huizu|Uygur)\b")

#: Columns of the region table (cities and parks; provinces come from ISO 3166-2).
REGION_COLUMNS: tuple[str, ...] = ("code", "name", "name_zh", "level", "parent", "park_type")


@lru_cache(maxsize=64)
def iso_subdivisions(country: str) -> pd.DataFrame:
    """The first-level ISO 3166-2 subdivisions of an ISO3 country, as region-table rows.

    Columns :data:`REGION_COLUMNS` plus ``country``; ``level`` is ``province``, ``parent`` the
    country's alpha-3 code. Empty for a code pycountry does not know.
    """
    found = pycountry.countries.get(alpha_3=country)
    rows: list[dict[str, str]] = []
    if found is not None:
        zh = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
        left_out = set(OWN_COUNTRY_CODE.get(country, ()))
        for s in pycountry.subdivisions.get(country_code=found.alpha_2) or ():  # type: ignore[no-untyped-call]
            if s.parent_code is not None or s.code in left_out:
                continue
            english = _ENGLISH.get(s.code, _SUFFIXES.sub("", s.name).strip())
            rows.append(
                {
                    "code": s.code,
                    "name": english,
                    "name_zh": zh.gettext(s.name) if zh.gettext(s.name) != s.name else "",
                    "level": "province",
                    "parent": country,
                    "park_type": "",
                    "country": country,
                }
            )
    frame = pd.DataFrame(rows, columns=[*REGION_COLUMNS, "country"])
    return frame.sort_values("code", ignore_index=True)


def country_of_location(code: str) -> str | None:
    """The ISO3 country a location code belongs to (by its alpha-2 prefix); None when unknown."""
    found = pycountry.countries.get(alpha_2=code[:2]) if len(code) >= 2 else None
    return None if found is None else str(found.alpha_3)


def province_of(code: str) -> str:
    """The ISO 3166-2 subdivision a location code lies in (its first two segments)."""
    return "-".join(code.split("-")[:2])


def within(locations: pd.Series, region: str) -> np.ndarray:
    """Whether each location lies in ``region`` (is it, or starts with ``region-``); blanks never.

    Examples
    --------
    >>> within(pd.Series(["CN-ZJ", "CN-ZJ-HZ", "CN-ZJX", "CN-JS", ""]), "CN-ZJ").tolist()
    [True, True, False, False, False]
    """
    s = locations.fillna("").astype(str)
    return ((s == region) | s.str.startswith(region + "-")).to_numpy()


def location_reason(location: str, kind: str, country: str) -> str:
    """What is wrong with an actor's ``location`` cell ("" when nothing is): the code's form, its
    country (the actor's) and its ISO 3166-2 subdivision; only organisations are located.

    Examples
    --------
    >>> location_reason("CN-ZJ-HZ", "enterprise", "CHN")
    ''
    >>> location_reason("CN-TW", "enterprise", "CHN")[:48]
    "'CN-TW' is not an ISO 3166-2 subdivision of CHN"
    """
    if not location:
        return ""
    if kind in ("country", "region"):
        return "only organisations are located below a country; leave 'location' blank"
    if not LOCATION_CODE.fullmatch(location):
        return (
            f"{location!r} is not a location code: an ISO 3166-2 subdivision such as CN-ZJ, "
            "optionally extended by city and park segments (CN-ZJ-HZ, CN-ZJ-HZ-BJHT)"
        )
    where = country_of_location(location)
    if where != country:
        return f"{location!r} lies in {where or 'no known country'}, not in the actor's country {country!r}"
    if province_of(location) not in set(iso_subdivisions(country)["code"]):
        note = (
            " (Hong Kong, Macao and Taiwan carry their own country code)"
            if province_of(location) in OWN_COUNTRY_CODE.get(country, ())
            else ""
        )
        return f"{province_of(location)!r} is not an ISO 3166-2 subdivision of {country}{note}"
    return ""


def check_region_table(
    frame: pd.DataFrame, source: str, known: set[str] | frozenset[str] = frozenset()
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check an imported region table (cities, districts, parks); the typed rows and the problems.

    Each row has a ``code`` that extends its ``parent``'s code by one segment (``CN-ZJ-HZ`` under
    ``CN-ZJ``), a ``level`` of :data:`LEVELS` below ``province``, a ``name``; parks may carry a
    ``park_type`` (the class their evaluation uses). A parent is an ISO 3166-2 subdivision, a
    code of the same table or one of ``known`` (regions stored before). Problems name the row
    (the header is row 1) and the column.
    """
    problems: list[Problem] = []
    missing = [c for c in ("code", "name", "level", "parent") if c not in frame.columns]
    if missing:
        reason = f"missing column(s) {', '.join(missing)}; the columns are {', '.join(REGION_COLUMNS)}"
        return pd.DataFrame(columns=REGION_COLUMNS), [
            Problem(source, None, None, reason, code="missing_column")
        ]
    table = frame.reindex(columns=list(REGION_COLUMNS)).astype(object).fillna("").astype(str)
    table = table.apply(lambda c: c.str.strip())
    codes = set(table["code"]) | set(known)
    seen: dict[str, int] = {}
    for pos, r in enumerate(table.itertuples(index=False)):
        row = pos + 2

        def bad(column: str, reason: str, row: int = row) -> None:
            problems.append(Problem(source, row, column, reason, code="invalid_region"))

        if not LOCATION_CODE.fullmatch(r.code) or r.code.count("-") < 2:
            bad(
                "code",
                f"{r.code!r} is not a city or park code: its parent's code plus one segment (CN-ZJ-HZ)",
            )
        elif r.code in seen:
            bad("code", f"duplicate code {r.code!r} (first on row {seen[r.code]})")
        seen.setdefault(r.code, row)
        if not r.name:
            bad("name", "a region needs a name")
        if r.level not in LEVELS[1:]:
            bad("level", f"{r.level!r}: use one of {', '.join(LEVELS[1:])} (provinces come from ISO 3166-2)")
        country = country_of_location(r.parent) if r.parent else None
        known_parent = r.parent in codes or (
            country is not None and r.parent in set(iso_subdivisions(country)["code"])
        )
        if not known_parent:
            bad("parent", f"{r.parent!r} is neither an ISO 3166-2 subdivision nor a code of this table")
        elif r.code.rsplit("-", 1)[0] != r.parent:
            bad("code", f"{r.code!r} does not extend its parent's code {r.parent!r} by one segment")
        if r.park_type and r.level != "park":
            bad("park_type", "only parks have a park type")
    return table, problems
