"""Routes: reports for meetings (the project report, a scenario's report, the monitoring brief).

The project and scenario reports are built once per state of what they show (project version,
perspective, evidence, lists, the request's scenario, language, format, day) and then answered
from memory; concurrent requests for one report share one build, and at most
``CHOKEPOINT_HEAVY_WORKERS`` (default 2) reports are built at once, so reads stay fast.
Each answers a standalone document as an attachment: ``format=html`` (fonts embedded) or
``format=pdf``; the same service functions as ``chokepoint report``, ``chokepoint scenario run
--out FILE.pdf`` and ``chokepoint monitor brief``.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request, Response

from chokepoint.api.deps import (
    READERS,
    PerspectiveQuery,
    User,
    allow,
    assessment_key,
    chain_of,
    document_builds,
    get_store,
    perspective_query,
    project_version,
)
from chokepoint.api.serialize import attachment_response, file_response
from chokepoint.service import reports as svc
from chokepoint.service import scenarios as scenarios_svc

router = APIRouter(tags=["reports"])
Format = Literal["html", "pdf"]


def _today() -> str:
    """The day a report is dated (UTC): a cached report is rebuilt the next day."""
    return datetime.now(UTC).date().isoformat()


def _default_lang(home: tuple[str, ...] | list[str]) -> str:
    return "zh" if "CHN" in home else "en"


@router.get("/projects/{project}/report")
def project_report(
    project: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    format: Format = "pdf",
    lang: Literal["en", "zh"] | None = None,
    user: User = Depends(allow(*READERS)),
) -> Response:
    """The project report (cover, summary, chain map, levels, lists, major scenarios, method
    annex); ``lang`` defaults to Chinese when the home economy is China.
    """
    store = get_store(request)
    p = pq.resolve(request, project)
    language = lang or _default_lang(p.home)
    name = f"{project}-report-{language}.{format}"
    key = ("project report", assessment_key(request, project, p), store.lists_stamp(project), name, _today())

    def build() -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            return svc.project_report(store, project, p, Path(tmp) / name, language).read_bytes()

    return attachment_response(document_builds(request).get(key, build), name)


@router.post("/projects/{project}/scenarios/report")
def scenario_report(
    project: str,
    body: dict[str, Any],
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    format: Format = "pdf",
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*READERS)),
) -> Response:
    """The report of a scenario body (as ``POST .../scenarios/run``): headline, chain map by
    loss, loss chart, impacted nodes, what is left, method annex.
    """
    sc = scenarios_svc.scenario_from_body(body)
    name = f"{project}-scenario-{lang}.{format}"
    key = (
        "scenario report",
        project_version(request, project),
        json.dumps(pq.fields(), sort_keys=True, default=str),
        json.dumps(body, sort_keys=True, ensure_ascii=False, default=str),
        name,
        _today(),
    )

    def build() -> bytes:
        r = scenarios_svc.run(
            get_store(request),
            project,
            sc,
            **pq.fields(),
            chain=chain_of(request, project),
            source="request body",
        )
        with tempfile.TemporaryDirectory() as tmp:
            return svc.scenario_report(r, project, Path(tmp) / name, lang).read_bytes()

    return attachment_response(document_builds(request).get(key, build), name)


@router.get("/projects/{project}/monitoring/brief")
def monitoring_brief(
    project: str,
    request: Request,
    format: Format = "pdf",
    lang: Literal["en", "zh"] | None = None,
    user: User = Depends(allow(*READERS)),
) -> Response:
    """The monitoring brief: unresolved alerts by level, what changed since the previous run,
    the snapshot history; ``lang`` defaults to Chinese when the stored home economy is China.
    """
    store = get_store(request)
    stored = store.projects.get_perspective(project) or {}
    language = lang or _default_lang(stored.get("home") or [])
    name = f"{project}-brief-{language}.{format}"
    with tempfile.TemporaryDirectory() as tmp:
        return file_response(
            svc.monitoring_brief(store, project, Path(tmp) / name, language, user.name), name
        )
