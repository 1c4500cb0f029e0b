"""Routes: monitoring (reported values, indicators, rules, alerts, monitor runs, snapshots).

Direct data reporting (数据直报) lives under ``.../observations``; the older ``.../reports``
paths are deprecated aliases of the same functions ("report" will name rendered reports).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi import Path as FastAPIPath
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import (
    ALL_ROLES,
    OFFICERS,
    READERS,
    REPORTERS,
    User,
    allow,
    audit,
    chain_of,
    get_store,
    heavy_write,
)
from chokepoint.api.serialize import file_response, records
from chokepoint.api.uploads import saved_upload
from chokepoint.service import monitoring as svc

#: a month ``YYYY-MM`` (01-12)
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
#: the largest row id asked for (a 64-bit SQL integer, with room)
MAX_ID = 2**62
RowId = Annotated[int, FastAPIPath(ge=1, le=MAX_ID)]

router = APIRouter(tags=["monitoring"])
OBSERVATIONS = "/projects/{project}/observations"
REPORTS = "/projects/{project}/reports"  # deprecated alias of OBSERVATIONS


class ReportRow(Body):
    """One reported value: indicator, period ``YYYY-MM``, value and the entity it is about."""

    indicator: str
    period: str
    value: float
    node: str = ""
    enterprise: str = ""
    country: str = ""
    unit: str = ""


class ReportBody(Body):
    """Reported values, checked as one batch (``as_of``: the current month, default today)."""

    rows: list[ReportRow] = Field(min_length=1)
    as_of: str | None = Field(None, pattern=MONTH)


class RulesBody(Body):
    """Warning rules to insert or update by id."""

    rules: list[dict[str, Any]] = Field(min_length=1)


@router.post(OBSERVATIONS)
@router.post(REPORTS, deprecated=True)
def submit_reports(
    project: str, body: ReportBody, request: Request, user: User = Depends(allow(*REPORTERS))
) -> dict[str, int]:
    """Submit reported values; a reporter only for its own enterprises. Any bad row rejects all."""
    frame = pd.DataFrame([r.model_dump() for r in body.rows])
    counts = svc.submit_observations(
        get_store(request),
        project,
        frame,
        user.name,
        source="request body",
        rows=list(range(1, len(frame) + 1)),
        as_of=body.as_of,
        chain=chain_of(request, project),
    )
    audit(request, "submit reports", after={"project": project, **counts})
    return counts


@router.post(OBSERVATIONS + "/upload")
@router.post(REPORTS + "/upload", deprecated=True)
def upload_reports(
    project: str,
    request: Request,
    file: UploadFile = File(...),
    as_of: str | None = Query(None, pattern=MONTH),
    user: User = Depends(allow(*REPORTERS)),
) -> dict[str, int]:
    """Submit a filled template (.xlsx) or a .csv file; a file with any bad row stores nothing."""
    with (
        heavy_write(request, "the upload"),
        saved_upload(file, (".csv", ".xlsx"), "upload a .xlsx workbook or a .csv file") as path,
    ):
        _, counts = svc.upload_observations(
            get_store(request), project, path, user.name, as_of, chain=chain_of(request, project)
        )
    audit(request, "upload reports", after={"project": project, "file": path.name, **counts})
    return counts


@router.get(OBSERVATIONS + "/template")
def observation_template(
    project: str,
    request: Request,
    period: str | None = Query(None, pattern=MONTH, description="Month to prefill, YYYY-MM."),
    user: User = Depends(allow(*REPORTERS)),
) -> Response:
    """The upload workbook for the caller: the rows it may report for ``period`` (default: this
    month) prefilled, and the indicator catalog (``chokepoint report-data template``).
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "template.xlsx"
        path = svc.report_template(get_store(request), project, user.name, out, period)
        return file_response(path, "report-template.xlsx")


@router.get(OBSERVATIONS)
@router.get(REPORTS, deprecated=True)
def read_reports(
    project: str, request: Request, indicator: str | None = None, user: User = Depends(allow(*ALL_ROLES))
) -> list[dict[str, Any]]:
    """Reported values the caller may see (a reporter: only its enterprises)."""
    return records(svc.read_observations(get_store(request), project, user.name, indicator))


@router.get(OBSERVATIONS + "/history")
@router.get(REPORTS + "/history", deprecated=True)
def report_history(
    project: str, request: Request, user: User = Depends(allow(*ALL_ROLES))
) -> list[dict[str, Any]]:
    """Revision history of the reported values the caller may see: who, when, old and new value."""
    return svc.observation_history(get_store(request), project, user.name)


@router.get("/indicators")
def indicators(user: User = Depends(allow(*ALL_ROLES))) -> list[dict[str, Any]]:
    """The indicator catalog: code, names, unit, entity type, direction, valid range."""
    return svc.indicators()


@router.get("/projects/{project}/rules")
def list_rules(project: str, request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    """The project's rules."""
    return svc.list_rules(get_store(request), project)


@router.get("/projects/{project}/rules/history")
def rule_history(
    project: str, request: Request, user: User = Depends(allow(*READERS))
) -> list[dict[str, Any]]:
    """Every change of the project's rules: which, what, who, when."""
    return svc.rule_history(get_store(request), project)


@router.post("/projects/{project}/rules")
def import_rules(
    project: str, body: RulesBody, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict[str, int]:
    """Import rules (insert or update by id; every change is kept in the rule history)."""
    counts = svc.import_rules(get_store(request), project, {"rules": body.rules}, user.name, "request body")
    audit(request, "import rules", after={"project": project, **counts})
    return counts


@router.get("/projects/{project}/alerts")
def list_alerts(
    project: str,
    request: Request,
    status: Literal["open", "acknowledged", "resolved"] | None = None,
    level: Literal["I", "II", "III", "IV"] | None = None,
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*READERS)),
) -> list[dict[str, Any]]:
    """Alerts, oldest first; ``message`` is ``message_zh`` with ``lang=zh``, else ``message_en``."""
    return svc.list_alerts(get_store(request), project, status, level, lang, user.name)


@router.post("/projects/{project}/alerts/{alert_id}/ack")
def ack_alert(
    project: str, alert_id: RowId, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict[str, Any]:
    """Acknowledge an alert (recorded with who and when)."""
    result = svc.acknowledge_alert(get_store(request), project, alert_id, user.name)
    audit(request, "acknowledge alert", after=result)
    return result


@router.post("/projects/{project}/alerts/{alert_id}/resolve")
def resolve_alert(
    project: str, alert_id: RowId, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict[str, Any]:
    """Resolve an alert (recorded with who and when)."""
    result = svc.resolve_alert(get_store(request), project, alert_id, user.name)
    audit(request, "resolve alert", after=result)
    return result


@router.post("/projects/{project}/monitor/run")
def monitor_run_route(
    project: str,
    request: Request,
    as_of: str | None = Query(None, pattern=MONTH),
    user: User = Depends(allow(*OFFICERS)),
) -> dict[str, Any]:
    """Evaluate every rule, re-assess with the stored perspective, update alerts, store a snapshot."""
    run = svc.monitor_run(get_store(request), project, as_of)
    audit(request, "monitor run", after={"project": project, "snapshot": run.snapshot_id})
    return run.to_dict()


@router.get("/projects/{project}/snapshots/node/{node_id}")
def node_history(
    project: str, node_id: str, request: Request, user: User = Depends(allow(*READERS))
) -> list[dict[str, Any]]:
    """One node's level, score, localization and exposure in every snapshot, oldest first."""
    return svc.node_history(get_store(request), project, node_id)


@router.get("/projects/{project}/snapshots")
def list_snapshots(
    project: str, request: Request, user: User = Depends(allow(*READERS))
) -> list[dict[str, Any]]:
    """Stored snapshots with their level counts."""
    return svc.list_snapshots(get_store(request), project)


@router.get("/projects/{project}/snapshots/diff")
def diff_snapshots(
    project: str,
    request: Request,
    a: Annotated[int, Query(ge=1, le=MAX_ID)],
    b: Annotated[int, Query(ge=1, le=MAX_ID)],
    user: User = Depends(allow(*READERS)),
) -> list[dict[str, Any]]:
    """What got worse and what got better between snapshots ``a`` and ``b``."""
    return records(svc.monitor_diff(get_store(request), project, a, b))
