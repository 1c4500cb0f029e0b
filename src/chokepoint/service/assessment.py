"""Assessment of a stored project: the same call behind ``chokepoint assess`` and ``GET .../assessment``."""

from __future__ import annotations

from typing import Any

from chokepoint.assess import Assessment, Perspective, assess
from chokepoint.model.chain import ChainMap
from chokepoint.store import Store


def assess_project(
    store: Store,
    project: str,
    perspective: Perspective,
    *,
    chain: ChainMap | None = None,
    io_dataset: str | None = None,
) -> Assessment:
    """Assess every node of ``project`` from ``perspective``.

    Parameters
    ----------
    perspective : from :func:`chokepoint.service.perspective.resolve_perspective`.
    chain : the project's chain when the caller holds it (else it is loaded).
    io_dataset : an input-output dataset of the store; its sector extraction losses are
        blended into criticality (:func:`chokepoint.macro.link.macro_criticality`).
    """
    chain = chain if chain is not None else store.chains.load(project)
    macro = None
    if io_dataset:
        from chokepoint.macro.link import macro_criticality

        macro = macro_criticality(chain, store.io_datasets.load(io_dataset))
    return assess(chain, perspective, macro=macro)


def node_record(a: Assessment, node: str, lang: str = "en") -> dict[str, Any]:
    """One node's level, score, components and explanation (``NotFoundError`` when not assessed)."""
    from chokepoint.errors import NotFoundError

    try:
        return a.record(node, lang)
    except KeyError:
        raise NotFoundError(f"no assessed node {node!r}") from None
