r"""Bundled governance tables (World Bank WGI) as :class:`~chokepoint.assess.governance.GovernanceTable`.

``load_governance(spec)`` reads the CSV files in ``datasets/data/wgi`` (see its SOURCE.txt):

==================  ===============================================================
``wgi``             mean of the six WGI estimates, latest year (2022)
``wgi:YEAR``        the same for ``YEAR`` (1996, 1998, 2000, 2002-2019, 2022)
``wgi-pv``          political stability and absence of violence, latest year (2024)
``wgi-pv:YEAR``     the same for ``YEAR`` (1996, 1998, 2000, 2002-2024)
``none``            no table (``None``)
==================  ===============================================================

The risk is the JRC 2017 0-10 scale divided by 10, :math:`\operatorname{clip}((2.5 - x)/5, 0, 1)`
(:mod:`chokepoint.assess.governance`). WGI: World Bank, Kaufmann & Kraay, CC BY 4.0.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from chokepoint.assess.governance import GovernanceTable, governance_table
from chokepoint.errors import UsageError

FILES = {"wgi": "wgi_mean.csv", "wgi-pv": "wgi_pv.csv"}
FORMS = "wgi, wgi:YEAR, wgi-pv, wgi-pv:YEAR or none"
ATTRIBUTION = "Worldwide Governance Indicators, World Bank (Kaufmann & Kraay), CC BY 4.0"
DESCRIPTION = {
    "wgi": "mean of the six WGI estimates (1996-2019: 2020 release; 2022: 2023 update)",
    "wgi-pv": "WGI political stability and absence of violence/terrorism estimate",
}


@lru_cache(maxsize=2)
def wgi_frame(source: str) -> pd.DataFrame:
    """The bundled table of ``source`` (``wgi`` or ``wgi-pv``): columns code, year, estimate[, n_dims]."""
    path = resources.files("chokepoint.datasets") / "data" / "wgi" / FILES[source]
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(
            fh, dtype={"code": str, "year": int, "estimate": float}, keep_default_na=False, na_values=[""]
        )


def available_years(source: str) -> list[int]:
    """The years the bundled ``source`` (``wgi`` or ``wgi-pv``) covers, ascending."""
    return sorted(int(y) for y in wgi_frame(source)["year"].unique())


def parse_spec(spec: str) -> tuple[str, int | None] | None:
    """``(source, year or None)`` of a ``--governance`` spec; ``None`` for ``none``.

    Raises
    ------
    UsageError
        The spec is not one of the forms.
    """
    text = spec.strip().lower()
    if text == "none":
        return None
    name, sep, year = text.partition(":")
    if name not in FILES or (sep and not year.strip().isdigit()):
        raise UsageError(f"unknown governance source {spec!r}: use {FORMS}")
    return name, int(year) if sep else None


@lru_cache(maxsize=32)
def load_governance(spec: str) -> GovernanceTable | None:
    """The governance table named by ``spec`` (``wgi[:YEAR]``, ``wgi-pv[:YEAR]`` or ``none``).

    Raises
    ------
    UsageError
        Unknown spec (the message lists the forms), or a year without data (the message names
        the available years).

    Examples
    --------
    >>> t = load_governance("wgi-pv")
    >>> t.source, t.year
    ('wgi-pv', 2024)
    >>> load_governance("none") is None
    True
    """
    parsed = parse_spec(spec)
    if parsed is None:
        return None
    source, year = parsed
    years = available_years(source)
    if year is None:
        year = years[-1]
    elif year not in years:
        listed = ", ".join(str(y) for y in years)
        raise UsageError(f"no {source} governance data for {year}; available years: {listed}")
    frame = wgi_frame(source)
    rows = frame[frame["year"] == year]
    note = f"{ATTRIBUTION}: {DESCRIPTION[source]}, {year}; risk = clip((2.5 - estimate) / 5, 0, 1)."
    return governance_table(
        source, year, rows["code"].to_numpy(dtype=object), rows["estimate"].to_numpy(), note
    )
