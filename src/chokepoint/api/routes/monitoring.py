"""Routes: monitoring."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import BaseModel, Field

from chokepoint.api.deps import (
    ALL_ROLES,
    OFFICERS,
    READERS,
    REPORTERS,
    User,
    allow,
    audit,
    get_store,
)
from chokepoint.api.serialize import records as _records
from chokepoint.errors import UsageError

router = APIRouter(tags=["monitoring"])


class ReportRow(BaseModel):
    indicator: str
    period: str
    value: float
    node: str = ""
    enterprise: str = ""
    country: str = ""
    unit: str = ""


class ReportBody(BaseModel):
    rows: list[ReportRow] = Field(min_length=1)
    as_of: str | None = None


class RulesBody(BaseModel):
    rules: list[dict[str, Any]] = Field(min_length=1)


@router.post("/projects/{project}/reports", tags=["monitoring"])
def submit_reports(
    project: str, body: ReportBody, request: Request, user: User = Depends(allow(*REPORTERS))
) -> dict[str, int]:
    """Submit reported values; a reporter only for its own enterprises. Any bad row rejects all."""
    frame = pd.DataFrame([r.model_dump() for r in body.rows])
    counts = get_store(request).submit_observations(
        project,
        frame,
        user.name,
        source="request body",
        rows=list(range(1, len(frame) + 1)),
        as_of=body.as_of,
    )
    audit(request, "submit reports", after={"project": project, **counts})
    return counts


@router.post("/projects/{project}/reports/upload", tags=["monitoring"])
def upload_reports(
    project: str,
    request: Request,
    file: UploadFile = File(...),
    as_of: str | None = None,
    user: User = Depends(allow(*REPORTERS)),
) -> dict[str, int]:
    from chokepoint.errors import ReportRejectedError
    from chokepoint.io.report_files import read_report_file

    name = Path(file.filename or "upload.csv").name
    if Path(name).suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError("upload a .xlsx workbook or a .csv file")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(file.file.read())
        frame, rows, source, problems = read_report_file(path)
    if problems:
        raise ReportRejectedError(problems)
    counts = get_store(request).submit_observations(
        project, frame, user.name, source=source, rows=rows, as_of=as_of
    )
    audit(request, "upload reports", after={"project": project, "file": name, **counts})
    return counts


@router.get("/projects/{project}/reports", tags=["monitoring"])
def read_reports(
    project: str, request: Request, indicator: str | None = None, user: User = Depends(allow(*ALL_ROLES))
) -> list[dict[str, Any]]:
    """Reported values the caller may see (a reporter: only its enterprises)."""
    return _records(get_store(request).read_observations(project, user.name, indicator))


@router.get("/indicators", tags=["monitoring"])
def indicators(user: User = Depends(allow(*ALL_ROLES))) -> list[dict[str, Any]]:
    from chokepoint.monitor import catalog

    return [i.to_dict() for i in catalog().values()]


@router.get("/projects/{project}/rules", tags=["monitoring"])
def list_rules(project: str, request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    return get_store(request).list_rules(project)


@router.post("/projects/{project}/rules", tags=["monitoring"])
def import_rules(
    project: str, body: RulesBody, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict[str, int]:
    from pydantic import ValidationError

    from chokepoint.errors import Problem, ReportRejectedError
    from chokepoint.monitor.rules import RuleSet

    try:
        rs = RuleSet.model_validate({"rules": body.rules})
    except ValidationError as exc:
        problems = [
            Problem("request body", None, ".".join(str(x) for x in e["loc"]), e["msg"]) for e in exc.errors()
        ]
        raise ReportRejectedError(problems) from None
    counts = get_store(request).import_rules(
        project, [r.model_dump(mode="json") for r in rs.rules], user.name
    )
    audit(request, "import rules", after={"project": project, **counts})
    return counts


@router.get("/projects/{project}/alerts", tags=["monitoring"])
def list_alerts(
    project: str,
    request: Request,
    status: Literal["open", "acknowledged", "resolved"] | None = None,
    level: Literal["I", "II", "III", "IV"] | None = None,
    user: User = Depends(allow(*READERS)),
) -> list[dict[str, Any]]:
    return get_store(request).list_alerts(project, status, level)


@router.post("/projects/{project}/alerts/{alert_id}/ack", tags=["monitoring"])
def ack_alert(project: str, alert_id: int, request: Request, user: User = Depends(allow(*OFFICERS))) -> dict:
    get_store(request).acknowledge_alert(project, alert_id, user.name)
    audit(request, "acknowledge alert", after={"alert": alert_id, "status": "acknowledged"})
    return {"alert": alert_id, "status": "acknowledged"}


@router.post("/projects/{project}/alerts/{alert_id}/resolve", tags=["monitoring"])
def resolve_alert(
    project: str, alert_id: int, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict:
    get_store(request).resolve_alert(project, alert_id, user.name)
    audit(request, "resolve alert", after={"alert": alert_id, "status": "resolved"})
    return {"alert": alert_id, "status": "resolved"}


@router.post("/projects/{project}/monitor/run", tags=["monitoring"])
def monitor_run_route(
    project: str,
    request: Request,
    as_of: str | None = Query(None, pattern=r"^\d{4}-\d{2}$"),
    user: User = Depends(allow(*OFFICERS)),
) -> dict[str, Any]:
    from chokepoint.monitor.service import monitor_run

    run = monitor_run(get_store(request), project, as_of)
    audit(request, "monitor run", after={"project": project, "snapshot": run.snapshot_id})
    return run.to_dict()


@router.get("/projects/{project}/snapshots", tags=["monitoring"])
def list_snapshots(project: str, request: Request, user: User = Depends(allow(*READERS))) -> list[dict]:
    return get_store(request).list_snapshots(project)


@router.get("/projects/{project}/snapshots/diff", tags=["monitoring"])
def diff_snapshots(
    project: str, request: Request, a: int, b: int, user: User = Depends(allow(*READERS))
) -> list[dict[str, Any]]:
    from chokepoint.monitor.service import monitor_diff

    return _records(monitor_diff(get_store(request), project, a, b))
