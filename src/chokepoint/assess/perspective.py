"""Whose security is analysed: home, restricted and allied countries, and the year."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chokepoint.errors import UsageError
from chokepoint.model.countries import expand_codes, iso3_codes


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
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the perspective as a JSON-ready dict (the inverse of :meth:`from_dict`)."""
        return {
            "home": list(self.home),
            "restricted": list(self.restricted),
            "allied": list(self.allied),
            "year": self.year,
            "country_risk": dict(self.country_risk),
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
        )

    def label(self, lang: str = "en") -> str:
        """``home CHN; restricted USA,JPN`` (zh: ``本国 CHN；受限 USA、JPN``)."""
        zh = lang == "zh"
        word = ("本国", "受限", "友好") if zh else ("home", "restricted", "allied")
        comma, sep = ("、", "；") if zh else (",", "; ")
        parts = [f"{word[0]} {'+'.join(self.home)}"]
        parts += [
            f"{w} {comma.join(codes)}"
            for w, codes in zip(word[1:], (self.restricted, self.allied), strict=True)
            if codes
        ]
        if self.year:
            parts.append(f"数据年份不晚于{self.year}年" if zh else f"year <= {self.year}")
        return sep.join(parts)
