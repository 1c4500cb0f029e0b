"""Country codes (ISO 3166 alpha-3), built-in groups and data aggregates.

Country codes are ISO 3166-1 alpha-3. Groups such as ``EU27`` expand to their
member codes wherever a perspective takes a list of codes. Data aggregates
(ETO's ``EUR`` Europe and ``VAR`` "Various countries") are *regions*: they are
declared as actors of kind ``region`` in a chain map and are not countries.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import pycountry

#: Built-in country groups; expand with :func:`expand_codes`.
GROUPS: dict[str, tuple[str, ...]] = {
    "EU27": (
        "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC",
        "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK",
        "SVN", "ESP", "SWE",
    ),  # fmt: skip
    "G7": ("CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"),
}


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    """Return every ISO 3166-1 alpha-3 code."""
    return frozenset(c.alpha_3 for c in pycountry.countries)


def country_name(code: str) -> str:
    """English short name of an ISO3 code, or the code itself when unknown."""
    c = pycountry.countries.get(alpha_3=code)
    return str(getattr(c, "common_name", None) or c.name) if c else code


def expand_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """Upper-case ``codes`` and expand group names (``EU27``) to members, keeping order."""
    out: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if not code:
            continue
        for c in GROUPS.get(code, (code,)):
            if c not in out:
                out.append(c)
    return tuple(out)
