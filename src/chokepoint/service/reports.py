"""Reports for meetings: gather what the project report shows and write it (HTML or PDF)."""

from __future__ import annotations

from pathlib import Path

from chokepoint.assess import Perspective
from chokepoint.report.document import ReportData, ScenarioSummary, project_report_html, write_report
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
    edges = chain.edges[chain.edges["kind"].isin(["input_of", "type_of"])]
    data = ReportData(
        project=project,
        assessment=assessment_document(a, lang, None),
        lists=lists_document(lists, lang),
        sweep=swept,
        scenarios=scenarios,
        layout=chain_layout(chain),
        edges=list(zip(edges["source"], edges["target"], strict=True)),
        summary=chain.summary(),
        country_names=country_names(chain, lang),
    )
    return write_report(project_report_html(data, lang), out)
