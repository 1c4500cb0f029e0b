"""Regions and the region view of a chain (区域视图, the chain chief's dashboard, 链长制).

Regions: ISO 3166-2 provinces (:func:`chokepoint.model.regions.iso_subdivisions`) and the
store's imported cities, districts and parks. The view of project ``P`` from region ``R``:
what ``R`` hosts and its share of each node (:func:`chokepoint.assess.regional.region_footprint`,
with its bound: unknown stays unknown), where it is strong, what its hosted nodes depend on, and
the chokepoint list, alerts and tasks that concern it. :func:`leading_chain` compares projects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chokepoint.assess import Assessment, Perspective
from chokepoint.assess.regional import (
    STRONG_SHARE,
    leading_chain_indicators,
    region_dependencies,
    region_footprint,
)
from chokepoint.errors import ChainValidationError, NotFoundError, Problem, UsageError
from chokepoint.io.region_files import read_string_table
from chokepoint.model.countries import country_name
from chokepoint.model.regions import (
    check_region_table,
    country_of_location,
    iso_subdivisions,
    location_reason,
    within,
)
from chokepoint.store import Store

#: How a dependency is shown, by language.
DEPENDS_ON = {
    "rest_of_country": ("rest of the country", "国内其他地区"),
    "abroad": ("abroad", "境外"),
    "restricted": ("restricted countries", "受限国家"),
    "unknown": ("unknown (no organisation-level shares)", "未知（无企业级份额）"),
}
LEVEL_NAMES = {
    "province": ("province-level division", "省级行政区"),
    "city": ("city", "市"),
    "district": ("district", "区县"),
    "park": ("park", "园区"),
}


def import_regions(store: Store, path: Path) -> dict[str, Any]:
    """Import a region table (cities, districts, parks: see
    :func:`chokepoint.model.regions.check_region_table`); whole or not at all.

    Raises
    ------
    ChainValidationError
        Every problem of the table, by row and column; nothing is stored.
    """
    frame = read_string_table(path, "region tables")
    stored = store.regions.table()
    table, problems = check_region_table(frame, path.name, known=set(stored["code"]))
    if problems:
        raise ChainValidationError(problems)
    return {"source": path.name, "regions": store.regions.put(table)}


def locate_actors(store: Store, project: str, path: Path) -> dict[str, Any]:
    """Set where organisations of ``project`` are (a .csv or .xlsx of ``actor, location``; a blank
    location clears it), in one transaction; whole or not at all. Only the location column is
    written, so concurrent edits of the actors' other fields are kept.

    Raises
    ------
    ChainValidationError
        Every problem by row and column: an unknown actor, a location that is not an ISO 3166-2
        subdivision of the actor's own country (plus city and park segments), a country or
        region actor; nothing is changed.
    """
    frame = read_string_table(path, "locations")
    missing = [c for c in ("actor", "location") if c not in frame.columns]
    if missing:
        reason = f"missing column(s) {', '.join(missing)}; the columns are actor, location"
        raise ChainValidationError([Problem(path.name, None, None, reason, code="missing_column")])
    chain = store.chains.load(project)
    actors = chain.actors.set_index("id")
    below = set(store.regions.table()["code"])  # cities and parks must be in the region table
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for pos, (actor, location) in enumerate(zip(frame["actor"], frame["location"], strict=True)):
        if actor in first:
            reason = f"{actor!r} is located twice (first on row {first[actor]})"
            problems.append(Problem(path.name, pos + 2, "actor", reason, code="duplicate_id"))
        first.setdefault(actor, pos + 2)
        if actor not in actors.index:
            reason = f"{actor!r} is not an actor of project {project!r}"
            problems.append(Problem(path.name, pos + 2, "actor", reason, code="unknown_reference"))
            continue
        why = location_reason(location, str(actors.at[actor, "kind"]), str(actors.at[actor, "country"]))
        if not why and location.count("-") >= 2 and location not in below:
            why = f"{location!r} is not a city or park of the region table; import it first (`region import`)"
        if why:
            problems.append(Problem(path.name, pos + 2, "location", why, code="unknown_location"))
    if problems:
        raise ChainValidationError(problems)
    locations = dict(zip(frame["actor"], frame["location"], strict=True))
    store.chains.set_locations(project, locations)  # the location column alone
    return {"project": project, "located": sum(1 for v in locations.values() if v), "source": path.name}


def region_catalog(store: Store, country: str = "CHN") -> pd.DataFrame:
    """Every region of ``country``: its ISO 3166-2 provinces, then the store's cities and parks
    below them, by code (columns code, name, name_zh, level, parent, park_type).
    """
    provinces = iso_subdivisions(country).drop(columns="country")
    below = store.regions.table()
    below = below[[country_of_location(c) == country for c in below["code"]]]
    return pd.concat([provinces, below], ignore_index=True).sort_values("code", ignore_index=True)


def region_record(store: Store, code: str, lang: str = "en") -> dict[str, Any]:
    """One region: code, name (in ``lang``), level, country and the path from its province down.

    Raises
    ------
    NotFoundError
        For a code that is neither an ISO 3166-2 province nor a stored region.
    """
    country = country_of_location(code)
    catalog = region_catalog(store, country) if country else pd.DataFrame(columns=["code"])
    rows = catalog.set_index("code")
    if code not in rows.index:
        raise NotFoundError(
            f"no region {code!r}: use an ISO 3166-2 province code (CN-ZJ) or a code of the "
            "region table (`chokepoint region import`)"
        )
    path = [c for c in ("-".join(code.split("-")[: i + 1]) for i in range(1, code.count("-") + 1))]

    def name(c: str) -> str:
        r = rows.loc[c]
        return str(r["name_zh"] or r["name"]) if lang == "zh" else str(r["name"])

    r = rows.loc[code]
    return {
        "code": code,
        "name": name(code),
        "level": str(r["level"]),
        "level_label": LEVEL_NAMES[str(r["level"])][1 if lang == "zh" else 0],
        "park_type": str(r["park_type"]),
        "country": country,
        "country_name": country_name(str(country), lang),
        "path": [{"code": c, "name": name(c)} for c in path if c in rows.index],
    }


def _perspective_in(p: Perspective, region: dict[str, Any]) -> None:
    if region["country"] not in p.home:
        raise UsageError(
            f"region {region['code']} lies in {region['country']}, which is not the home economy of "
            f"this perspective ({', '.join(p.home)}); use --home {region['country']}"
        )


def region_view(
    store: Store,
    project: str,
    region: str,
    a: Assessment,
    lang: str = "en",
    strong_share: float = STRONG_SHARE,
    user: str | None = None,
) -> dict[str, Any]:
    """The view of ``project`` from ``region`` (the chain chief's dashboard).

    Parameters
    ----------
    a : Assessment
        The project's assessment from a perspective whose home holds the region's country.
    strong_share : float
        Share of world supply from which a hosted node is a strength (长板).
    user : str, optional
        The reader: the dashboard's alerts on an enterprise's reported value are those it may
        read raw (docs/network.md); none given, every one.

    Returns
    -------
    dict
        ``region`` (:func:`region_record`), ``summary`` (nodes hosted and strong, organisations
        located in the region, home organisations without a location: the coverage of the
        view), ``nodes`` (each hosted node with the region's share, its bound, the rest of the
        country, abroad and restricted, the unknown remainder and the region's providers),
        ``strengths``, ``dependencies``, ``dashboard`` (``chokepoints``: list rows of hosted
        nodes and their inputs; ``alerts`` open or acknowledged on them or the region's
        enterprises; ``tasks`` on them) and ``basis`` (how the shares are read).

    Raises
    ------
    NotFoundError
        For an unknown region.
    UsageError
        When the perspective's home is not the region's country.
    """
    zh = lang == "zh"
    info = region_record(store, region, lang)
    _perspective_in(a.perspective, info)
    chain = a.chain
    fp = region_footprint(chain, region, a.perspective, strong_share)
    deps = region_dependencies(chain, fp)
    actors = chain.actors
    home_orgs = actors[
        actors["country"].isin(a.perspective.home) & ~actors["kind"].isin(("country", "region"))
    ]
    located = home_orgs[within(home_orgs["location"], region)]
    names = dict(
        zip(
            actors["id"],
            np.where((actors["name_zh"] != "") & zh, actors["name_zh"], actors["name"]),
            strict=True,
        )
    )

    def share(v: float) -> float | None:
        return None if pd.isna(v) else round(float(v), 4)

    def node_row(r: pd.Series) -> dict[str, Any]:
        return {
            "node": r["node"],
            "name": (r["name_zh"] or r["name"]) if zh else r["name"],
            "strong": bool(r["strong"]),
            "region_share": share(r["region_share"]),
            "region_partial": bool(r["region_partial"]),
            "region_upper": share(r["region_upper"]),
            "home_elsewhere": share(r["home_elsewhere"]),
            "home_unlocated": share(r["home_unlocated"]),
            "foreign": share(r["foreign"]),
            "restricted": share(r["restricted"]),
            "unknown": share(r["unknown"]),
            "region_of_home": share(r["region_of_home"]),
            "leads_home": bool(r["leads_home"]),
            "providers": [{"id": p, "name": names.get(p, p)} for p in r["providers"]],
        }

    technology = fp["technology"]  # not categories: a parent is never listed beside its members
    hosted = fp[fp["hosted"] & technology].sort_values(["region_share", "node"], ascending=[False, True])
    node_names = {
        r["node"]: ((r["name_zh"] or r["name"]) if zh else r["name"]) for r in fp.to_dict("records")
    }
    rows = [node_row(r) for _, r in hosted.iterrows()]
    grouped = fp[fp["hosted"] & ~technology]
    relevant = set(hosted["node"]) | set(deps["input"])
    lists_rows = _chokepoints_of(store, project, a, lang, relevant)
    return {
        "project": project,
        "lang": lang,
        "region": info,
        "perspective": a.perspective.to_dict(),
        "summary": {
            "nodes": int(technology.sum()),
            "hosted": len(rows),
            "categories": len(grouped),
            "strong": int(hosted["strong"].sum()),
            "located_organisations": len(located),
            "home_organisations": len(home_orgs),
            "home_unlocated": int((home_orgs["location"] == "").sum()),
            "strong_share": strong_share,
        },
        "nodes": rows,
        "categories": [
            {"node": r["node"], "name": node_names[r["node"]]} for r in grouped.to_dict("records")
        ],
        "strengths": [r for r in rows if r["strong"]],
        "dependencies": [
            {
                "node": d["node"],
                "node_name": node_names.get(d["node"], d["node"]),
                "input": d["input"],
                "input_name": (d["input_name_zh"] or d["input_name"]) if zh else d["input_name"],
                "depends_on": d["depends_on"],
                "depends_on_label": DEPENDS_ON[d["depends_on"]][1 if zh else 0],
                "home_outside": share(d["home_outside"]),
                "home_unlocated": share(d["home_unlocated"]),
                "foreign": share(d["foreign"]),
                "restricted": share(d["restricted"]),
                "unknown": share(d["unknown"]),
            }
            for _, d in deps.iterrows()
        ],
        "dashboard": {
            "chokepoints": lists_rows,
            "alerts": _alerts_of(store, project, lang, relevant, set(located["id"]), user),
            "tasks": [t for t in store.tasks.list(project) if t["node"] in relevant],
        },
        "basis": _basis(lang, strong_share),
    }


def _chokepoints_of(
    store: Store, project: str, a: Assessment, lang: str, nodes: set[str]
) -> list[dict[str, Any]]:
    from chokepoint.service.lists import project_lists

    table = project_lists(store, project, a, lang)["chokepoints"]
    picked = table[table["id"].isin(nodes)]
    return [
        {str(k): (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
        for r in picked.to_dict("records")
    ]


def _alerts_of(
    store: Store, project: str, lang: str, nodes: set[str], actors: set[str], user: str | None
) -> list[dict[str, Any]]:
    from chokepoint.service.monitoring import list_alerts

    out = []
    for r in list_alerts(store, project, lang=lang, user=user):
        if r["status"] == "resolved":
            continue
        parts = set(str(r["entity"]).split("|"))
        if parts & nodes or parts & actors:
            out.append({**r, "message": r["message_zh"] if lang == "zh" else r["message_en"]})
    return out


def _basis(lang: str, strong_share: float) -> str:
    pct = f"{strong_share:.0%}"
    if lang == "zh":
        return (
            "份额为全球供给份额（各节点最新年份的企业级份额；已知份额合计超过1时按比例缩至1）。"
            "区域份额只计所在地位于该区域的企业；所在地未填的本国企业及未知份额计入上限，不计入区域份额。"
            f"长板：区域份额不低于{pct}。"
        )
    return (
        "Shares are of world supply (organisation-level shares of each node's latest year; known "
        "shares summing above 1 are scaled to 1). The region's share counts organisations located "
        "in it only; home organisations without a location and unknown shares count in its upper "
        f"bound, never in its share. Strength (长板): a region share of at least {pct}."
    )


def leading_chain(
    store: Store, region: str, perspectives: dict[str, Perspective], strong_share: float = STRONG_SHARE
) -> list[dict[str, Any]]:
    """Candidate leading chain (首位产业链) of ``region`` among projects (see
    :func:`chokepoint.assess.regional.leading_chain_indicators`), best first.

    Parameters
    ----------
    perspectives : the projects compared, each with its perspective.

    Raises
    ------
    NotFoundError
        For an unknown region or project.
    UsageError
        For fewer than one project, or a perspective whose home is not the region's country.
    """
    if not perspectives:
        raise UsageError("name the projects to compare (--project A --project B)")
    info = region_record(store, region)
    footprints = {}
    for project, p in perspectives.items():
        _perspective_in(p, info)
        chain = store.chains.load(project)
        footprints[project] = (chain, region_footprint(chain, region, p, strong_share))
    table = leading_chain_indicators(footprints)
    return [
        {str(k): (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
        for r in table.to_dict("records")
    ]
