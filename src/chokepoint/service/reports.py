"""Reports for meetings: gather what the project report shows and write it (HTML or PDF)."""

from __future__ import annotations

from pathlib import Path

from chokepoint.assess import Perspective
from chokepoint.model.chain import ChainMap
from chokepoint.report.document import ReportData, ScenarioSummary, project_report_html
from chokepoint.report.html import write_report
from chokepoint.scenario.result import ScenarioResult
from chokepoint.store import Store

#: how many of the worst single-country blockades the report runs as its major scenarios
MAJOR_SCENARIOS = 3


def project_report(store: Store, project: str, perspective: Perspective, out: Path, lang: str = "zh") -> Path:
    """Write the project report of ``project`` from ``perspective`` to ``out`` (.html or .pdf).

    It holds the assessment, the policy lists, the sweep of single-country blockades and the
    :data:`MAJOR_SCENARIOS` worst of them run in full, the chain map from
    :func:`chokepoint.model.layout.chain_layout`, and the method annex.
    """
    from chokepoint.model.layout import chain_layout
    from chokepoint.report.assessment import assessment_document
    from chokepoint.report.lists import lists_document
    from chokepoint.scenario import Scenario, run_scenario
    from chokepoint.service.assessment import assess_project
    from chokepoint.service.lists import project_lists
    from chokepoint.service.projects import country_names
    from chokepoint.service.scenarios import run_document, sweep, sweep_document

    chain = store.chains.load(project)
    a = assess_project(store, project, perspective, chain=chain)
    lists = project_lists(store, project, a, lang)
    swept = sweep_document(sweep(store, project, perspective, "country", chain=chain))
    scenarios = []
    for row in swept["ranking"][:MAJOR_SCENARIOS]:
        sc = Scenario.model_validate(
            {
                "name": f"blockade-{row['country']}",
                "shocks": [{"type": "blockade", "country": row["country"]}],
            }
        )
        r = run_scenario(chain, sc, perspective)
        scenarios.append(ScenarioSummary(row["country"], run_document(r, lang)))
    data = ReportData(
        project=project,
        assessment=assessment_document(a, lang, None),
        lists=lists_document(lists, lang),
        sweep=swept,
        scenarios=scenarios,
        layout=chain_layout(chain),
        edges=_map_edges(chain),
        summary=chain.summary(),
        country_names=country_names(chain, lang),
    )
    return write_report(project_report_html(data, lang), out)


def scenario_report(r: ScenarioResult, project: str, out: Path, lang: str = "en") -> Path:
    """Write the report of the scenario run ``r`` of ``project`` to ``out`` (.html or .pdf):
    headline, the chain map coloured by loss, the loss chart with bounds, the impacted nodes with
    their paths, what is left and the method annex (:mod:`chokepoint.report.scenario_report`).
    """
    from chokepoint.model.layout import chain_layout
    from chokepoint.report.scenario_report import ScenarioReportData, scenario_report_html
    from chokepoint.service.projects import country_names

    chain = r.chain
    data = ScenarioReportData(
        project=project,
        document=r.document(lang),
        shocks=[r.shock_description(k, lang) for k in range(len(r.scenario.shocks))],
        perspective=r.perspective.label(lang),
        layout=chain_layout(chain),
        edges=_map_edges(chain),
        meta=dict(chain.meta),
        node_names=node_names(chain, lang),
        country_names=country_names(chain, lang),
    )
    return write_report(scenario_report_html(data, lang), out)


def _map_edges(chain: ChainMap) -> list[tuple[str, str]]:
    """The edges the chain map draws: inputs and kinds (source, target)."""
    edges = chain.edges[chain.edges["kind"].isin(["input_of", "type_of"])]
    return list(zip(edges["source"], edges["target"], strict=True))


def monitoring_brief(
    store: Store, project: str, out: Path, lang: str = "zh", user: str | None = None
) -> Path:
    """Write the monitoring brief of ``project`` to ``out`` (.html or .pdf): the unresolved alerts
    by level, what changed between the two latest snapshots (new and resolved alerts, nodes whose
    level got worse or better) and the snapshot history (:mod:`chokepoint.report.brief`).
    """
    from chokepoint.report.brief import BriefData, monitoring_brief_html
    from chokepoint.service.monitoring import list_alerts, list_snapshots, monitor_diff

    chain = store.chains.load(project)
    alerts = list_alerts(store, project, lang=lang, user=user)  # the user's subtree
    snapshots = list_snapshots(store, project)
    previous = snapshots[-2]["id"] if len(snapshots) > 1 else None
    diff = monitor_diff(store, project, previous, snapshots[-1]["id"]) if previous is not None else None
    changes = [] if diff is None else [{str(k): v for k, v in r.items()} for r in diff.to_dict("records")]
    since = store.alerts.changed_since(project, previous) if previous is not None else None
    opened = set(since["opened"]) if since else {a["id"] for a in alerts}
    resolved = set(since["resolved"]) if since else set()
    updated = set(since["updated"]) - opened if since else set()
    rank = {"I": 0, "II": 1, "III": 2, "IV": 3}
    data = BriefData(
        project=project,
        meta=dict(chain.meta),
        unresolved=[a for a in alerts if a["status"] != "resolved"],
        opened=[a for a in alerts if a["id"] in opened],
        resolved=[a for a in alerts if a["id"] in resolved],
        escalated=[
            a
            for a in alerts
            if a["id"] in updated
            and a["status"] != "resolved"
            and rank.get(a["level"], 9) < rank.get(a.get("level_before") or "", -1)
        ],
        snapshots=snapshots,
        changes=changes,
        node_names=node_names(chain, lang),
    )
    return write_report(monitoring_brief_html(data, lang), out)


def node_names(chain: ChainMap, lang: str) -> dict[str, str]:
    """Every node's name in ``lang`` (the English name where a Chinese one is missing)."""
    nodes = chain.nodes
    names = nodes["name"]
    if lang == "zh":
        names = nodes["name_zh"].where(nodes["name_zh"].fillna("").astype(str).str.len() > 0, names)
    return dict(zip(nodes["id"].astype(str), names.astype(str), strict=True))
