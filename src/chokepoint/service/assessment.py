"""Assessment of a stored project: the same call behind ``chokepoint assess`` and ``GET .../assessment``."""

from __future__ import annotations

from typing import Any

from chokepoint.assess import Assessment, Perspective, assess
from chokepoint.assess.stability import StabilityReport
from chokepoint.model.chain import ChainMap
from chokepoint.service.reporting import counted_values
from chokepoint.store import Store

DEFAULT_GOVERNANCE = "wgi"
GOVERNANCE_HELP = (
    "Supplier-country governance: wgi (World Governance Indicators, six-dimension mean, latest "
    "year), wgi:YEAR, wgi-pv[:YEAR] (political stability) or none."
)


def assess_project(
    store: Store,
    project: str,
    perspective: Perspective,
    *,
    chain: ChainMap | None = None,
    io_dataset: str | None = None,
    governance: str = DEFAULT_GOVERNANCE,
    trade_dataset: str | None = None,
) -> Assessment:
    """Assess every node of ``project`` from ``perspective``, with the project's expert scores.

    Parameters
    ----------
    perspective : from :func:`chokepoint.service.perspective.resolve_perspective`.
    chain : the project's chain when the caller holds it (else it is loaded).
    io_dataset : an input-output dataset of the store; its sector extraction losses are
        blended into criticality (:func:`chokepoint.macro.link.macro_criticality`).
    governance : the supplier-country governance table: ``wgi`` (the six-dimension WGI mean,
        latest year; the default), ``wgi:YEAR``, ``wgi-pv[:YEAR]`` (political stability) or
        ``none`` (:func:`chokepoint.datasets.governance.load_governance`).
    trade_dataset : a trade dataset of the store: nodes with ``hs_codes`` take the home
        economy's import shares instead of world market shares
        (:func:`chokepoint.assess.trade_basis.home_import_shares`); ``None``: the chain's
        linked trade dataset (:func:`linked_trade_dataset`), if any.
    """
    from chokepoint.assess.reported import reported_evidence
    from chokepoint.datasets.governance import load_governance
    from chokepoint.service.experts import expert_evidence

    chain = chain if chain is not None else store.chains.load(project)
    trade_dataset = trade_dataset or linked_trade_dataset(store, chain)
    macro = None
    if io_dataset:
        from chokepoint.macro.link import macro_criticality

        macro = macro_criticality(chain, store.io_datasets.load(io_dataset))
    trade = None
    if trade_dataset:
        from chokepoint.assess.trade_basis import home_import_shares

        flows = store.trade_datasets.load(trade_dataset)
        trade = home_import_shares(chain, flows, perspective.home, source=trade_dataset)
    return assess(
        chain,
        perspective,
        macro=macro,
        governance=load_governance(governance),
        experts=expert_evidence(store, project),
        trade=trade,
        reported=reported_evidence(counted_values(store, project)),  # reviewed data only
    )


def graded_by_system(
    store: Store,
    a: Assessment,
    system: str,
    mode: str = "replace",
    share: float = 0.5,
    version: int | None = None,
) -> Assessment:
    """The assessment ``a`` graded by the stored indicator system ``system`` (its latest version
    unless ``version``), replacing the default score or extending it with ``share``
    (:func:`chokepoint.assess.custom.apply_system`).

    Raises
    ------
    NotFoundError
        For an unknown system or version.
    UsageError
        For a mode, share or source the assessment cannot use.
    """
    from chokepoint.assess.custom import apply_system
    from chokepoint.indicators.system import system_from_body

    body = store.indicator_systems.get(system, version)
    return apply_system(a, system_from_body(body), mode, share, int(body["version"]))


#: the chain meta key naming a project's linked trade dataset (set by ``chokepoint materials chain``)
LINKED_TRADE = "trade_dataset"


def linked_trade_dataset(store: Store, chain: ChainMap) -> str | None:
    """The trade dataset the chain's meta links (``trade_dataset``), when it is in the store."""
    name = chain.meta.get(LINKED_TRADE)
    if not name:
        return None
    return name if any(d["name"] == name for d in store.trade_datasets.list()) else None


def evidence_key(
    store: Store, project: str, governance: str = DEFAULT_GOVERNANCE, trade_dataset: str | None = None
) -> str:
    """A cache key for what an assessment reads beyond the chain: the governance table, the
    experts' scores, the reported values and the trade dataset (they change without changing the
    project's version).
    """
    return f"{governance}|{store.evidence_stamp(project, trade_dataset)}"


def stability_report(a: Assessment, top: int = 15) -> StabilityReport:
    """The stability of the top ``top`` of the ranking when each weight moves from 0.1 to 0.8
    (:func:`chokepoint.assess.stability.ranking_stability`).
    """
    from chokepoint.assess.stability import ranking_stability

    return ranking_stability(
        a.components,
        a.config.normalized_weights(),
        ~a.chain.index.node_is_stage & ~a.groups,
        a.chain.index.node_ids,
        top=top,
        tiebreaks=(a.components["criticality"], a.components["exposure"]),
        insufficient=a.insufficient,
    )


def node_record(a: Assessment, node: str, lang: str = "en") -> dict[str, Any]:
    """One node's level, score, components and explanation (``NotFoundError`` when not assessed)."""
    from chokepoint.errors import NotFoundError

    try:
        return a.record(node, lang)
    except KeyError:
        raise NotFoundError(f"no assessed node {node!r}") from None
