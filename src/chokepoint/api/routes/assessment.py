"""Routes: the project's default perspective and its chokepoint assessment."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import (
    EDITORS,
    READERS,
    PerspectiveQuery,
    User,
    allow,
    assessment_key,
    assessment_of,
    audit,
    cached_json,
    get_store,
    perspective_query,
)
from chokepoint.service.assessment import DEFAULT_GOVERNANCE as GOVERNANCE_DEFAULT
from chokepoint.service.assessment import GOVERNANCE_HELP, graded_by_system, node_record, stability_report
from chokepoint.service.perspective import store_perspective

router = APIRouter(tags=["assessment"])


class PerspectiveBody(Body):
    """A default perspective: home economy, restricted and allied countries, year."""

    home: list[str] = Field(min_length=1)
    restricted: list[str] = Field(default_factory=list)
    allied: list[str] = Field(default_factory=list)
    year: int | None = None


@router.get("/projects/{project}/perspective")
def get_perspective(
    project: str, request: Request, user: User = Depends(allow(*READERS))
) -> dict[str, Any] | None:
    """The project's stored default perspective (null when none)."""
    return get_store(request).projects.get_perspective(project)


@router.put("/projects/{project}/perspective")
def put_perspective(
    project: str, body: PerspectiveBody, request: Request, user: User = Depends(allow(*EDITORS))
) -> dict[str, Any]:
    """Store the project's default perspective."""
    before, p = store_perspective(
        get_store(request), project, body.home, body.restricted, body.allied, body.year
    )
    audit(request, "set perspective", before=before, after=p.to_dict())
    return p.to_dict()


@router.get("/projects/{project}/assessment", response_model=dict[str, Any])
def get_assessment(
    project: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    lang: Literal["en", "zh"] = "en",
    top: int | None = Query(None, ge=1),
    governance: str = Query(GOVERNANCE_DEFAULT, description=GOVERNANCE_HELP, max_length=20),
    stability: bool = Query(False, description="Add the stability of the top 15 under a weight sweep."),
    trade_dataset: str | None = Query(
        None, max_length=200, description="Trade dataset: nodes with HS codes use the home imports."
    ),
    system: str | None = Query(None, max_length=200, description="Grade by this stored indicator system."),
    system_mode: Literal["replace", "extend"] = "replace",
    system_share: float = Query(0.5, gt=0, lt=1, description="extend: the system's share of the score."),
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Every technology's level, score, quadrant, components and explanation, and the groups.

    The perspective is the project's stored default with each query field (``home``,
    ``restricted``, ``allied``, ``year``) replacing its own, the same rule as the CLI's flags.
    """
    from chokepoint.report.assessment import assessment_document

    p = pq.resolve(request, project)

    store = get_store(request)
    graded = None if system is None else (system, store.indicator_systems.get(system)["version"], system_mode)

    def document() -> dict[str, Any]:
        a = assessment_of(request, project, p, governance, trade_dataset)
        if graded is not None:
            a = graded_by_system(store, a, graded[0], system_mode, system_share, graded[1])
        doc = assessment_document(a, lang, top)
        if stability:
            doc["stability"] = stability_report(a).to_dict()
        return doc

    key = assessment_key(request, project, p, governance, trade_dataset)
    extra = (graded, system_share if system_mode == "extend" else None)
    return cached_json(request, ("assessment document", key, lang, top, stability, *extra), document)


@router.get("/projects/{project}/assessment/{node_id}", response_model=dict[str, Any])
def get_node_assessment(
    project: str,
    node_id: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    lang: Literal["en", "zh"] = "en",
    governance: str = Query(GOVERNANCE_DEFAULT, description=GOVERNANCE_HELP, max_length=20),
    user: User = Depends(allow(*READERS)),
) -> Response:
    """One technology's (or group's) level, score, components and explanation."""
    p = pq.resolve(request, project)
    key = assessment_key(request, project, p, governance)
    return cached_json(
        request,
        ("assessment record", key, node_id, lang),
        lambda: node_record(assessment_of(request, project, p, governance), node_id, lang),
    )
