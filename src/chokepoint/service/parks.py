"""Classified evaluation of parks (园区分类评价): each park type with its own indicator system,
rankings within type, each park's strengths and weaknesses explained.

Park indicator values are a region-values dataset (``chokepoint region values``): one value per
park and indicator with unit, period and source. A type's system is the one named for it, else
the latest stored system whose ``applies_to`` is that type. Indicators read ``table:<name>``
sources; a park lacking one is listed as not ranked, with what it lacks (nothing is imputed).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.errors import ChainValidationError, Problem, UsageError
from chokepoint.indicators import rank_sensitivity
from chokepoint.indicators.evaluate import evaluate_alternatives
from chokepoint.indicators.system import IndicatorSystem
from chokepoint.io.region_files import read_string_table
from chokepoint.model.regions import country_of_location, iso_subdivisions
from chokepoint.service.indicators import stored_system
from chokepoint.store import Store

VALUE_COLUMNS = ("region", "indicator", "value", "unit", "period", "source")


def load_region_values(store: Store, dataset: str, path: Path) -> dict[str, Any]:
    """Load a region-values table (``region, indicator, value`` and optional ``unit, period,
    source``) as dataset ``dataset``, replacing it; whole or not at all.

    Raises
    ------
    ChainValidationError
        Every problem by row and column (an unknown region, a value that is not a number, the
        same region and indicator twice); nothing is stored.
    """
    if not dataset.strip():
        raise UsageError("name the dataset (--dataset NAME)")
    frame = read_string_table(path, "region values")
    missing = [c for c in ("region", "indicator", "value") if c not in frame.columns]
    if missing:
        reason = f"missing column(s) {', '.join(missing)}; the columns are {', '.join(VALUE_COLUMNS)}"
        raise ChainValidationError([Problem(path.name, None, None, reason, code="missing_column")])
    table = frame.reindex(columns=list(VALUE_COLUMNS)).astype(object).fillna("")
    known = set(store.regions.table()["code"])
    problems = []
    values = pd.to_numeric(table["value"], errors="coerce")
    seen: dict[tuple[str, str], int] = {}
    for pos, (region, indicator, value) in enumerate(
        zip(table["region"], table["indicator"], values, strict=True)
    ):
        row = pos + 2
        country = country_of_location(region)
        iso = country is not None and region in set(iso_subdivisions(country)["code"])
        if region not in known and not iso:
            problems.append(
                Problem(
                    path.name,
                    row,
                    "region",
                    f"{region!r} is neither a stored region nor an ISO "
                    "3166-2 province; import the region table first (`chokepoint region import`)",
                    code="unknown_reference",
                )
            )
        if not indicator:
            problems.append(Problem(path.name, row, "indicator", "name the indicator", code="required_value"))
        if not np.isfinite(value):
            problems.append(Problem(path.name, row, "value", f"{table['value'].iat[pos]!r} is not a number"))
        if (region, indicator) in seen:
            problems.append(
                Problem(
                    path.name,
                    row,
                    "indicator",
                    f"{region} {indicator} given twice (first on row {seen[(region, indicator)]})",
                    code="duplicate_id",
                )
            )
        seen.setdefault((region, indicator), row)
    if table.empty:
        problems.append(
            Problem(path.name, None, None, "the table has no row; nothing to load", code="empty_file")
        )
    for column in ("unit", "period"):  # one unit and one period per indicator: values compare
        usual = {str(k): str(c.mode().iat[0]) for k, c in table.groupby("indicator")[column]}  # most common
        first = table["indicator"].map(usual)
        for at in (table[column] != first).to_numpy().nonzero()[0].tolist():
            indicator, expected = str(table["indicator"].iat[at]), str(first.iat[at])
            reason = (
                f"{indicator} has {column} {expected!r} in its other rows; use one {column} per indicator"
            )
            problems.append(Problem(path.name, at + 2, column, reason))
    if problems:
        raise ChainValidationError(problems)
    stored = store.regions.put_values(dataset, table.assign(value=values))
    return {
        "dataset": dataset,
        "values": stored,
        "regions": int(table["region"].nunique()),
        "source": path.name,
    }


def _system_for(store: Store, park_type: str, named: Mapping[str, str]) -> IndicatorSystem | None:
    """The system named for the type, else the most recently stored one that applies to it."""
    if park_type in named:
        return stored_system(store, named[park_type])
    candidates = [s for s in store.indicator_systems.list() if s["applies_to"] == park_type]
    candidates.sort(key=lambda s: (s["created_at"], s["name"]))
    return stored_system(store, candidates[-1]["name"]) if candidates else None


def evaluate_parks(
    store: Store,
    dataset: str,
    systems: Mapping[str, str] | None = None,
    lang: str = "en",
    top: int = 2,
    sensitivity_draws: int = 0,
    seed: int = 0,
) -> dict[str, Any]:
    """Rank the parks of each type with that type's indicator system.

    Parameters
    ----------
    dataset : the region-values dataset holding the parks' indicator values.
    systems : park type -> system name; types left out use the latest system that applies to them.
    top : strengths and weaknesses named per park.
    sensitivity_draws : when > 0, the rank stability of each type under Dirichlet draws of its
        weights (:func:`chokepoint.indicators.rank_sensitivity`, ``seed``).

    Returns
    -------
    dict
        ``types``: per park type its ``system`` (name, version), ``weights`` (per indicator, with
        name and unit), ``ranking`` (park, name, score, rank, criterion scores, strengths,
        weaknesses, each with its value and unit), ``not_ranked`` and, when asked, ``sensitivity``;
        ``without_system``: types with parks and no system.
    """
    zh = lang == "zh"
    regions = store.regions.table()
    parks = regions[(regions["level"] == "park") & (regions["park_type"] != "")]
    if parks.empty:
        raise UsageError("no park with a park_type is stored; import a region table with parks")
    values = store.regions.values(dataset)
    wide = values.pivot(index="region", columns="indicator", values="value")
    units = {
        str(k): str(v) for k, v in values.drop_duplicates("indicator").set_index("indicator")["unit"].items()
    }
    names = {r["code"]: (r["name_zh"] or r["name"]) if zh else r["name"] for r in regions.to_dict("records")}
    out: dict[str, Any] = {"dataset": dataset, "types": {}, "without_system": [], "not_evaluated": []}
    for park_type, members in parks.groupby("park_type", sort=True):
        system = _system_for(store, str(park_type), systems or {})
        if system is None:
            out["without_system"].append(str(park_type))
            continue
        try:
            out["types"][str(park_type)] = _type_result(
                system, members, wide, units, names, zh, top, sensitivity_draws, seed
            )
        except UsageError as exc:  # one type that cannot be ranked leaves the others ranked
            out["not_evaluated"].append({"type": str(park_type), "system": system.name, "reason": str(exc)})
    return out


def _type_result(
    system: IndicatorSystem,
    members: pd.DataFrame,
    wide: pd.DataFrame,
    units: Mapping[str, str],
    names: Mapping[str, str],
    zh: bool,
    top: int,
    draws: int,
    seed: int,
) -> dict[str, Any]:
    column = {}
    for e in system.indicators:
        kind, _, name = e.source.partition(":")
        if kind != "table":
            raise UsageError(
                f"indicator {e.id} of system {system.name} reads {e.source}; park evaluation reads "
                "table:<indicator> sources of the region-values dataset"
            )
        if name not in wide.columns:
            raise UsageError(
                f"indicator {e.id} of system {system.name} reads {name!r}, which the dataset lacks; "
                f"it has {', '.join(map(str, wide.columns[:12]))}"
            )
        column[e.id] = name
    data = wide.reindex(members["code"])[list(column.values())]
    data.columns = list(column)
    ev = evaluate_alternatives(system, data)
    label = {e.id: ((e.name_zh or e.name) if zh else e.name) for e in system.elements}
    unit = {e.id: e.unit or units.get(column.get(e.id, ""), "") for e in system.indicators}

    def named(ids: list[str], park: str) -> list[dict[str, Any]]:
        return [
            {
                "indicator": i,
                "name": label[i],
                "value": float(data.to_numpy(dtype=float)[data.index.get_loc(park), data.columns.get_loc(i)]),
                "unit": unit[i],
                "gap": round(float(ev.gaps.loc[park].to_dict()[i]), 6),
            }
            for i in ids
        ]

    ranking = []
    for park, r in ev.scores.iterrows():
        p = str(park)
        criteria = {label[c]: round(float(r[c]), 6) for c in ev.scores.columns if c not in ("score", "rank")}
        ranking.append(
            {
                "park": p,
                "name": names.get(p, p),
                "score": round(float(r["score"]), 6),
                "rank": int(r["rank"]),
                "criteria": criteria,
                "strengths": named(ev.strengths(p, top), p),
                "weaknesses": named(ev.weaknesses(p, top), p),
            }
        )
    result: dict[str, Any] = {
        "system": {
            "name": system.name,
            "title": system.title,
            "weighting": system.weighting,
            "aggregation": system.aggregation,
            "normalisation": system.normalisation,
        },
        "weights": [
            {"indicator": str(i), "name": label[str(i)], "unit": unit[str(i)], "weight": round(float(w), 6)}
            for i, w in ev.weights.items()
        ],
        "ranking": ranking,
        "constant": [label[i] for i in ev.constant],
        "not_ranked": [
            {"park": k, "name": names.get(k, k), "missing": [label[i] for i in v]}
            for k, v in ev.unranked.items()
        ],
    }
    if draws > 0 and len(ev.scores) >= 2:
        complete = data.loc[ev.scores.index]
        result["sensitivity"] = rank_sensitivity(
            complete,
            {str(k): float(v) for k, v in ev.weights.items()},
            {e.id: e.direction for e in system.indicators},
            method="topsis" if system.aggregation == "topsis" else "weighted_sum",
            normalisation="zscore" if system.normalisation == "zscore" else "minmax",
            seed=seed,
            draws=draws,
        )
    return result
