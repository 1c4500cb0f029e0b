"""Whose security is analysed: home, restricted and allied countries, and the year."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chokepoint.errors import UsageError
from chokepoint.model.countries import expand_codes, iso3_codes
from chokepoint.model.regions import LOCATION_CODE, country_of_location, iso_subdivisions, province_of


@dataclass(frozen=True)
class Perspective:
    """The point of view of an analysis (DESIGN 6b).

    Parameters
    ----------
    home : sequence of str
        ISO3 codes of the home economy (a group such as ``EU27`` expands to
        its members).
    restricted : sequence of str
        Countries that may blockade the home economy (export controls).
    allied : sequence of str
        Countries whose supply counts as a secure alternative source.
    year : int, optional
        Use provisions up to this year only (latest year per node otherwise).
    country_risk : mapping, optional
        Governance risk in [0, 1] per ISO3 code; wins over the governance table
        (WGI) in the exposure's HHI_WGI term (:mod:`chokepoint.assess.exposure`);
        countries listed nowhere get the table's documented missing value.
    region : str, optional
        A region of the home country (an ISO 3166-2 province such as ``CN-ZJ``, or a city or
        park code below it; ``--home CN-ZJ``): the assessment then also reports, per node, the
        region's share of world supply with its bound and the rest of the home country's
        (domestic, outside the region) beside the national indicators
        (:mod:`chokepoint.assess.regional`). A blockade hits the whole country, so the
        chokepoint score stays the national one.

    Regions that are data aggregates (ETO ``EUR`` Europe, ``VAR`` various
    countries) count as home, restricted or allied only when their own code is
    listed, or when they declare members that are all listed; otherwise they
    are neutral foreign supply.

    Examples
    --------
    >>> p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    >>> p.restricted
    ('USA', 'JPN', 'NLD', 'KOR', 'TWN')
    """

    home: tuple[str, ...]
    restricted: tuple[str, ...] = ()
    allied: tuple[str, ...] = ()
    year: int | None = None
    country_risk: Mapping[str, float] = field(default_factory=dict)
    region: str | None = None

    def __post_init__(self) -> None:
        """Check the perspective: a home economy, no country both home and restricted, risks in [0, 1].

        Raises
        ------
        UsageError
            The perspective breaks one of these rules.
        """
        if not self.home:
            raise UsageError("a perspective needs a home economy (--home CODE)")
        overlap = set(self.home) & set(self.restricted)
        if overlap:
            raise UsageError(f"{', '.join(sorted(overlap))} cannot be both home and restricted")
        for code, risk in self.country_risk.items():
            if not 0.0 <= float(risk) <= 1.0:
                raise UsageError(f"country risk of {code} is {risk}; it must lie in [0, 1]")
        if self.region is not None and country_of_location(self.region) not in self.home:
            raise UsageError(f"region {self.region} does not lie in the home economy {', '.join(self.home)}")

    @classmethod
    def from_codes(
        cls,
        home: str | Iterable[str],
        restricted: str | Iterable[str] = (),
        allied: str | Iterable[str] = (),
        year: int | None = None,
        country_risk: Mapping[str, float] | None = None,
        known_regions: Iterable[str] = (),
    ) -> Perspective:
        """Build from comma-separated strings or lists; validates the codes."""
        items = home.split(",") if isinstance(home, str) else list(home)
        regions = [c.strip() for c in items if LOCATION_CODE.fullmatch(c.strip())]
        if len(regions) > 1 or (regions and len(items) > 1):
            raise UsageError("a regional perspective has one region as its home (--home CN-ZJ)")
        region = regions[0] if regions else None
        if region is not None:
            country = country_of_location(region)
            if country is None or province_of(region) not in set(iso_subdivisions(country)["code"]):
                raise UsageError(
                    f"{region} is not in an ISO 3166-2 province: use a province code such as CN-ZJ, "
                    "or a city or park code below one"
                )
            home = country

        def codes(v: str | Iterable[str]) -> tuple[str, ...]:
            items = v.split(",") if isinstance(v, str) else list(v)
            out = expand_codes(items)
            valid = iso3_codes() | set(known_regions)
            bad = [c for c in out if c not in valid]
            if bad:
                raise UsageError(
                    f"unknown country code(s) {', '.join(bad)}: use ISO 3166 alpha-3 codes "
                    "(CHN, USA, NLD), a group (EU27, G7) or a region code of the chain (EUR)"
                )
            return out

        return cls(
            home=codes(home),
            restricted=codes(restricted),
            allied=codes(allied),
            year=year,
            country_risk=dict(country_risk or {}),
            region=region,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the perspective as a JSON-ready dict (the inverse of :meth:`from_dict`)."""
        return {
            "home": list(self.home),
            "restricted": list(self.restricted),
            "allied": list(self.allied),
            "year": self.year,
            "country_risk": dict(self.country_risk),
            **({"region": self.region} if self.region else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Perspective:
        """Build a perspective from :meth:`to_dict`'s dict (codes are not validated again)."""
        return cls(
            home=tuple(d["home"]),
            restricted=tuple(d.get("restricted") or ()),
            allied=tuple(d.get("allied") or ()),
            year=d.get("year"),
            country_risk=dict(d.get("country_risk") or {}),
            region=d.get("region") or None,
        )

    def label(self, lang: str = "en") -> str:
        """``home CHN; restricted USA,JPN`` (zh: ``本国 CHN；受限 USA、JPN``)."""
        zh = lang == "zh"
        word = ("本国", "受限", "友好") if zh else ("home", "restricted", "allied")
        comma, sep = ("、", "；") if zh else (",", "; ")
        home = f"{self.region} ({'+'.join(self.home)})" if self.region else "+".join(self.home)
        parts = [f"{word[0]} {home}"]
        parts += [
            f"{w} {comma.join(codes)}"
            for w, codes in zip(word[1:], (self.restricted, self.allied), strict=True)
            if codes
        ]
        if self.year:
            parts.append(f"数据年份不晚于{self.year}年" if zh else f"year <= {self.year}")
        return sep.join(parts)
