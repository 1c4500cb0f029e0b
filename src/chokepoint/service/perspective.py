"""The perspective of a request: one rule for the CLI, the API and the web UI.

The project's stored default perspective (``chokepoint perspective set``, ``PUT
.../perspective``) is the base; each field a request gives (home, restricted,
allied, year) replaces that field only, and the stored country risk is kept.
A scenario's own perspective sits between the two: the fields it names replace
the stored ones, and the request's replace both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chokepoint.assess import Perspective
from chokepoint.errors import UsageError
from chokepoint.model.chain import ChainMap
from chokepoint.model.regions import LOCATION_CODE
from chokepoint.service.regions import region_record
from chokepoint.store import Store

Codes = str | Sequence[str] | None


def known_regions(chain: ChainMap) -> set[str]:
    """Region codes the chain's actors use (allowed as home or restricted codes)."""
    return set(chain.region_codes)


def _codes(value: Codes) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [c.strip() for c in value.split(",") if c.strip()]
    return [str(c).strip() for c in value if str(c).strip()]


def merge_perspective(
    stored: dict[str, Any] | None,
    home: Codes = None,
    restricted: Codes = None,
    allied: Codes = None,
    year: int | None = None,
) -> dict[str, Any] | None:
    """The stored perspective with each given field replaced (``None`` when there is no home)."""
    base = dict(stored or {})
    if home is not None:  # a given home replaces the stored one, and its region
        base["home"] = _codes(home)
        base.pop("region", None)
    if restricted is not None:
        base["restricted"] = _codes(restricted)
    if allied is not None:
        base["allied"] = _codes(allied)
    if year is not None:
        base["year"] = year
    return base if base.get("home") else None


def resolve_perspective(
    store: Store,
    project: str,
    *,
    home: Codes = None,
    restricted: Codes = None,
    allied: Codes = None,
    year: int | None = None,
    chain: ChainMap | None = None,
    scenario: Any = None,
) -> Perspective:
    """The perspective of a request on ``project`` (see the module's rule).

    Parameters
    ----------
    home, restricted, allied : ISO3 codes or groups (a comma-separated string or a list);
        ``None`` keeps the stored (or the scenario's) value, an empty value clears it.
    year : use provisions up to this year; ``None`` keeps the stored value.
    chain : the project's chain when the caller has it (to allow its region codes).
    scenario : a :class:`~chokepoint.scenario.Scenario` whose ``perspective`` applies first.

    Raises
    ------
    UsageError
        When neither the request, the scenario nor the project gives a home economy.
    """
    stored = store.projects.get_perspective(project)
    spec = getattr(scenario, "perspective", None)
    if spec is not None:  # only the fields the scenario names
        given = {k: getattr(spec, k) for k in spec.model_fields_set}
        stored = merge_perspective(stored, **given) or stored
    merged = merge_perspective(stored, home, restricted, allied, year)
    if merged is None:
        raise UsageError(
            f"no perspective for project {project!r}: pass home (--home CHN, ?home=CHN) and restricted, "
            "or store one with "
            f"`chokepoint perspective set --project {project} --home CHN --restricted USA,JPN`"
        )
    regions = known_regions(chain if chain is not None else store.chains.load(project))
    region_code = merged["region"] if merged.get("region") else None
    if region_code is None and len(merged["home"]) == 1 and LOCATION_CODE.fullmatch(str(merged["home"][0])):
        region_code = str(merged["home"][0])
    if region_code is not None:
        region_record(store, region_code)  # a city or park must be in the region table
    return Perspective.from_codes(
        [merged["region"]] if merged.get("region") else merged["home"],
        merged.get("restricted", ()),
        merged.get("allied", ()),
        merged.get("year"),
        country_risk=merged.get("country_risk"),
        known_regions=regions,
    )


def optional_perspective(
    store: Store,
    project: str,
    *,
    home: Codes = None,
    restricted: Codes = None,
    allied: Codes = None,
    year: int | None = None,
    chain: ChainMap | None = None,
) -> Perspective | None:
    """Like :func:`resolve_perspective`, but ``None`` when no home is given or stored."""
    if merge_perspective(store.projects.get_perspective(project), home, restricted, allied, year) is None:
        return None
    return resolve_perspective(
        store, project, home=home, restricted=restricted, allied=allied, year=year, chain=chain
    )


def store_perspective(
    store: Store,
    project: str,
    home: Codes,
    restricted: Codes = (),
    allied: Codes = (),
    year: int | None = None,
) -> tuple[dict[str, Any] | None, Perspective]:
    """Validate and store the project's default perspective; returns (before, after)."""
    chain = store.chains.load(project)
    p = Perspective.from_codes(
        _codes(home), _codes(restricted), _codes(allied), year, known_regions=known_regions(chain)
    )
    if p.region is not None:
        region_record(store, p.region)  # a city or park must be in the region table
    before = store.projects.get_perspective(project)
    store.projects.set_perspective(project, p.to_dict())
    return before, p
