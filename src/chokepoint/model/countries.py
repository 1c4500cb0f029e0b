"""Country codes (ISO 3166 alpha-3), built-in groups and data aggregates.

Country codes are ISO 3166-1 alpha-3. Groups such as ``EU27`` expand to their
member codes wherever a perspective takes a list of codes. Data aggregates
(ETO's ``EUR`` Europe and ``VAR`` "Various countries") are *regions*: they are
declared as actors of kind ``region`` in a chain map and are not countries.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Iterable
from functools import lru_cache

import pycountry

#: Built-in country groups; expand with :func:`expand_codes`.
GROUPS: dict[str, tuple[str, ...]] = {
    "EU27": (
        "AUT",
        "BEL",
        "BGR",
        "HRV",
        "CYP",
        "CZE",
        "DNK",
        "EST",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "HUN",
        "IRL",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "MLT",
        "NLD",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "ESP",
        "SWE",
    ),
    "G7": ("CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"),
}


@lru_cache(maxsize=1)
@functools.cache
def iso3_codes() -> frozenset[str]:
    """Return every ISO 3166-1 alpha-3 code."""
    return frozenset(c.alpha_3 for c in pycountry.countries)


#: Short names used in explanations where the ISO name is long or not the usual one.
SHORT_NAMES = {
    "en": {
        "KOR": "South Korea",
        "TWN": "Taiwan",
        "USA": "United States",
        "GBR": "United Kingdom",
        "RUS": "Russia",
        "PRK": "North Korea",
        "EUR": "Europe",
        "VAR": "various countries",
    },
    "zh": {
        "KOR": "韩国",
        "TWN": "中国台湾",
        "USA": "美国",
        "GBR": "英国",
        "RUS": "俄罗斯",
        "PRK": "朝鲜",
        "EUR": "欧洲",
        "VAR": "多国",
        "NLD": "荷兰",
        "CHN": "中国",
    },
}


@lru_cache(maxsize=4)
def _translation(lang: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def country_name(code: str, lang: str = "en") -> str:
    """Short name of an ISO3 (or region) code in English (``en``) or Chinese (``zh``).

    Examples
    --------
    >>> country_name("NLD"), country_name("NLD", "zh")
    ('Netherlands', '荷兰')
    """
    if code in SHORT_NAMES.get(lang, {}):
        return SHORT_NAMES[lang][code]
    c = pycountry.countries.get(alpha_3=code)
    if c is None:
        return code
    name = str(getattr(c, "common_name", None) or c.name)
    return _translation("zh_CN").gettext(c.name) if lang == "zh" else name


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
