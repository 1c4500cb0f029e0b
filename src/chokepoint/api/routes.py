"""Every route of the API. Each declares its roles with ``Depends(allow(...))``."""

from __future__ import annotations

import json
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field

from chokepoint.api.app import (
    ADMINS,
    ALL_ROLES,
    EDITORS,
    OFFICERS,
    READERS,
    REPORTERS,
    SESSION_COOKIE,
    User,
    allow,
    audit,
    cached,
    chain_of,
    current_user,
    get_store,
)
from chokepoint.assess import Perspective, assess
from chokepoint.errors import ChokepointError, UsageError
from chokepoint.store import Store

router = APIRouter()


# ------------------------------------------------------------------ bodies
class Login(BaseModel):
    username: str
    password: str


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "analyst", "officer", "reporter", "viewer"]
    password: str = Field(min_length=1)


class Password(BaseModel):
    password: str = Field(min_length=1)


class Binding(BaseModel):
    project: str
    actor: str


class Rename(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class PerspectiveBody(BaseModel):
    home: list[str] = Field(min_length=1)
    restricted: list[str] = []
    allied: list[str] = []
    year: int | None = None


class NodeEdit(BaseModel):
    name: str | None = None
    name_zh: str | None = None
    threshold: int | None = Field(None, ge=1, le=5)
    gap: float | None = Field(None, ge=0, le=1)
    gap_years: float | None = Field(None, ge=0)
    substitutability: float | None = Field(None, ge=0, le=1)
    description: str | None = None


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


class StatusBody(BaseModel):
    status: Literal["proposed", "active", "done", "dropped"]


def _perspective(store: Store, project: str, home: str | None, restricted: str | None) -> Perspective:
    """The query's perspective (``home``, ``restricted``), else the project's stored one."""
    stored = store.get_perspective(project)
    if home is None:
        if not stored:
            raise UsageError(f"project {project!r} has no perspective: pass home= or PUT its perspective")
        p = Perspective.from_dict(stored)
        return p if restricted is None else Perspective.from_codes(p.home, restricted, p.allied, p.year)
    chain = store.load_chain(project)
    regions = set(chain.actors.loc[chain.actors["kind"] == "region", "country"])
    return Perspective.from_codes(home, restricted or (), known_regions=regions)


def _assessment_key(request: Request, project: str, home: str | None, restricted: str | None) -> tuple:
    store = get_store(request)
    p = _perspective(store, project, home, restricted)
    return ("assessment", project, store.project_version(project), json.dumps(p.to_dict(), sort_keys=True)), p


def _assessment(request: Request, project: str, home: str | None, restricted: str | None) -> Any:
    """The assessment for the perspective, cached per project version and perspective."""
    key, p = _assessment_key(request, project, home, restricted)
    chain = chain_of(request, project)
    return cached(request, key, lambda: assess(chain, p))


# -------------------------------------------------------------------- auth
@router.post("/login", tags=["auth"])
def login(body: Login, response: Response, request: Request) -> dict[str, Any]:
    """Log in: sets the session cookie and returns the same token (usable as a bearer token)."""
    store = get_store(request)
    if not store.verify_password(body.username, body.password):
        raise HTTPException(status_code=401, detail="wrong user name or password")
    token = store.create_token(body.username, "session")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax")
    found = store.user_for_token(token)
    return {"token": token, "user": body.username, "role": found[1] if found else None}


@router.post("/logout", tags=["auth"])
def logout(request: Request, response: Response, user: User = Depends(allow(*ALL_ROLES))) -> dict[str, str]:
    token = request.cookies.get(SESSION_COOKIE) or request.headers.get("authorization", "")[7:].strip()
    get_store(request).revoke_token(token)
    response.delete_cookie(SESSION_COOKIE)
    return {"status": "logged out"}


@router.get("/me", tags=["auth"])
def me(user: User = Depends(allow(*ALL_ROLES))) -> dict[str, str]:
    return {"name": user.name, "role": user.role}


@router.post("/tokens", tags=["auth"])
def new_token(request: Request, user: User = Depends(allow(*ALL_ROLES))) -> dict[str, str]:
    """A bearer token for machines (valid 90 days)."""
    from datetime import timedelta

    audit(request, "create token", after={"user": user.name})
    return {"token": get_store(request).create_token(user.name, "bearer", timedelta(days=90))}


# --------------------------------------------------------------- projects
@router.get("/projects", tags=["projects"])
def list_projects(request: Request, user: User = Depends(allow(*ALL_ROLES))) -> list[dict[str, Any]]:
    return [p.to_dict() for p in get_store(request).projects()]


@router.get("/projects/{project}", tags=["projects"])
def project_summary(project: str, request: Request, user: User = Depends(allow(*READERS))) -> dict[str, Any]:
    chain = chain_of(request, project)
    return cached(request, ("summary", project, get_store(request).project_version(project)), chain.summary)


@router.post("/projects/{project}/import", tags=["projects"])
def import_project(
    project: str,
    request: Request,
    file: UploadFile = File(..., description="A chain map: .xlsx workbook or .json document"),
    merge: bool = False,
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Import (replace, or ``merge=true``) a chain map; a file with any error changes nothing."""
    from chokepoint.io.readers import read_blocks
    from chokepoint.model.validate import chain_from_tables

    name = Path(file.filename or "upload.json").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".json"):
        raise UsageError("upload a .xlsx workbook or a .json chain document")
    store = get_store(request)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(file.file.read())
        blocks, meta, problems = read_blocks(path)
        exists = store.has_project(project)
        if merge and exists:
            report = store.merge_tables(project, blocks, meta, problems)
        else:
            report = chain_from_tables(blocks, meta, problems=problems)
            store.save_chain(project, report.chain)
    audit(request, "import project", after={"project": project, "file": name, "merge": merge})
    return {"project": project, "summary": report.chain.summary(), "warnings": report.warning_counts()}


@router.get("/projects/{project}/export", tags=["projects"])
def export_project(
    project: str,
    request: Request,
    format: Literal["json", "xlsx"] = "json",
    user: User = Depends(allow(*READERS)),
) -> Response:
    from chokepoint.io.writers import chain_to_dict, write_xlsx

    chain = chain_of(request, project)
    if format == "json":
        return Response(json.dumps(chain_to_dict(chain), ensure_ascii=False), media_type="application/json")
    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(chain, Path(tmp) / f"{project}.xlsx")
        data = path.read_bytes()
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{project}.xlsx"'},
    )


@router.patch("/projects/{project}", tags=["projects"])
def rename_project(
    project: str, body: Rename, request: Request, user: User = Depends(allow(*EDITORS))
) -> dict:
    get_store(request).rename_project(project, body.name)
    audit(request, "rename project", before={"project": project}, after={"project": body.name})
    return {"project": body.name}


@router.delete("/projects/{project}", tags=["projects"])
def delete_project(project: str, request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, str]:
    get_store(request).delete_project(project)
    audit(request, "delete project", before={"project": project})
    return {"deleted": project}


# ----------------------------------------------------------- nodes, actors
@router.get("/projects/{project}/nodes", tags=["chain"])
def list_nodes(
    project: str,
    request: Request,
    q: str | None = None,
    kind: str | None = None,
    user: User = Depends(allow(*READERS)),
) -> list[dict[str, Any]]:
    """Nodes, optionally filtered by a search text (id, English or Chinese name) and kind."""
    return _search(chain_of(request, project).nodes, ["id", "name", "name_zh"], q, kind)


@router.get("/projects/{project}/nodes/{node_id}", tags=["chain"])
def get_node(project: str, node_id: str, request: Request, user: User = Depends(allow(*READERS))) -> dict:
    return _with_provisions(chain_of(request, project), "node", node_id, project)


@router.patch("/projects/{project}/nodes/{node_id}", tags=["chain"])
def edit_node(
    project: str, node_id: str, body: NodeEdit, request: Request, user: User = Depends(allow(*EDITORS))
) -> dict[str, Any]:
    """Edit a node's names or assessed attributes; the chain is re-validated as a whole."""
    from chokepoint.model.chain import chain_from_frames

    store = get_store(request)
    chain = chain_of(request, project)
    if node_id not in set(chain.nodes["id"]):
        raise HTTPException(status_code=404, detail=f"no node {node_id!r} in project {project!r}")
    row = chain.nodes[chain.nodes["id"] == node_id].iloc[0].to_dict()
    before = {k: _plain(row[k]) for k in body.model_fields_set}
    row.update(body.model_dump(exclude_unset=True))
    store.save_chain(project, chain_from_frames({"nodes": pd.DataFrame([row])}), merge=True)
    audit(
        request,
        "edit node",
        before={"node": node_id, **before},
        after={"node": node_id, **body.model_dump(exclude_unset=True)},
    )
    edited = chain_of(request, project).nodes
    return {"node": _records(edited[edited["id"] == node_id])[0]}


@router.get("/projects/{project}/actors", tags=["chain"])
def list_actors(
    project: str,
    request: Request,
    q: str | None = None,
    kind: str | None = None,
    user: User = Depends(allow(*READERS)),
) -> list[dict[str, Any]]:
    """Actors, optionally filtered by a search text (id, name, country) and kind."""
    return _search(chain_of(request, project).actors, ["id", "name", "country"], q, kind)


@router.get("/projects/{project}/actors/{actor_id}", tags=["chain"])
def get_actor(project: str, actor_id: str, request: Request, user: User = Depends(allow(*READERS))) -> dict:
    return _with_provisions(chain_of(request, project), "actor", actor_id, project)


# ------------------------------------------------------------- perspective
@router.get("/projects/{project}/perspective", tags=["assessment"])
def get_perspective(project: str, request: Request, user: User = Depends(allow(*READERS))) -> dict | None:
    return get_store(request).get_perspective(project)


@router.put("/projects/{project}/perspective", tags=["assessment"])
def put_perspective(
    project: str, body: PerspectiveBody, request: Request, user: User = Depends(allow(*EDITORS))
) -> dict[str, Any]:
    store = get_store(request)
    chain = chain_of(request, project)
    regions = set(chain.actors.loc[chain.actors["kind"] == "region", "country"])
    p = Perspective.from_codes(body.home, body.restricted, body.allied, body.year, known_regions=regions)
    before = store.get_perspective(project)
    store.set_perspective(project, p.to_dict())
    audit(request, "set perspective", before=before, after=p.to_dict())
    return p.to_dict()


# -------------------------------------------------------------- assessment
@router.get("/projects/{project}/assessment", tags=["assessment"])
def get_assessment(
    project: str,
    request: Request,
    home: str | None = None,
    restricted: str | None = None,
    lang: Literal["en", "zh"] = "en",
    top: int | None = Query(None, ge=1),
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """Every node's level, score, quadrant, components and explanation (perspective: query or stored)."""
    from chokepoint.report.assessment import assessment_document

    key, _ = _assessment_key(request, project, home, restricted)
    a = _assessment(request, project, home, restricted)
    return cached(request, (*key, "document", lang, top), lambda: assessment_document(a, lang, top))


@router.get("/projects/{project}/assessment/{node_id}", tags=["assessment"])
def get_node_assessment(
    project: str,
    node_id: str,
    request: Request,
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    a = _assessment(request, project, None, None)
    try:
        return a.record(node_id, lang)
    except KeyError:
        raise HTTPException(
            status_code=404, detail=f"no assessed node {node_id!r} in project {project!r}"
        ) from None


# --------------------------------------------------------------- scenarios
@router.post("/projects/{project}/scenarios/run", tags=["scenarios"])
def run_scenario_route(
    project: str, body: dict[str, Any], request: Request, user: User = Depends(allow(*READERS))
) -> dict[str, Any]:
    """Run a scenario body (see docs/scenarios.md) and return impacted nodes with explanation paths."""
    from chokepoint.scenario import run_scenario, scenario_from_dict

    store = get_store(request)
    sc = scenario_from_dict(body, "request body")
    spec = sc.perspective
    home = None if spec is None else ",".join(spec.home) if isinstance(spec.home, list) else spec.home
    return run_scenario(chain_of(request, project), sc, _perspective(store, project, home, None)).document()


@router.post("/projects/{project}/scenarios/sweep", tags=["scenarios"], status_code=202)
def start_sweep(
    project: str,
    request: Request,
    by: Literal["country", "enterprise"] = "country",
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """Start a sweep as a background job; poll ``GET /api/jobs/{id}`` for progress and the result URL."""
    from chokepoint.report.scenario import sweep_document
    from chokepoint.scenario import sweep

    store = get_store(request)
    chain = chain_of(request, project)
    p = _perspective(store, project, None, None)
    job_id = uuid.uuid4().hex
    jobs = request.app.state.jobs
    jobs[job_id] = {
        "id": job_id,
        "owner": user.name,
        "status": "running",
        "done": 0,
        "total": None,
        "result_url": None,
        "result": None,
        "error": None,
    }

    def work() -> None:
        def progress(done: int, total: int) -> None:
            jobs[job_id].update(done=done, total=total)

        try:
            jobs[job_id]["result"] = sweep_document(sweep(chain, p, by, progress=progress))
            jobs[job_id].update(status="done", result_url=f"/api/jobs/{job_id}/result")
        except ChokepointError as exc:  # pragma: no cover - reported through the job
            jobs[job_id].update(status="failed", error=str(exc))

    threading.Thread(target=work, daemon=True).start()
    return {"job": job_id, "status_url": f"/api/jobs/{job_id}"}


def _job(request: Request, job_id: str, user: User) -> dict[str, Any]:
    job = request.app.state.jobs.get(job_id)
    if job is None or (job["owner"] != user.name and user.role != "admin"):
        raise HTTPException(status_code=404, detail=f"no job {job_id!r}")
    return dict(job)


@router.get("/jobs/{job_id}", tags=["scenarios"])
def job_status(job_id: str, request: Request, user: User = Depends(allow(*READERS))) -> dict[str, Any]:
    job = _job(request, job_id, user)
    job.pop("result")
    return job


@router.get("/jobs/{job_id}/result", tags=["scenarios"])
def job_result(job_id: str, request: Request, user: User = Depends(allow(*READERS))) -> dict[str, Any]:
    job = _job(request, job_id, user)
    if job["status"] != "done":
        raise HTTPException(status_code=409, detail=f"job {job_id} is {job['status']}")
    result: dict[str, Any] = job["result"]
    return result


@router.get("/projects/{project}/scenarios", tags=["scenarios"])
def list_scenarios(project: str, request: Request, user: User = Depends(allow(*READERS))) -> list[str]:
    return get_store(request).scenario_names(project)


@router.put("/projects/{project}/scenarios/{name}", tags=["scenarios"])
def save_scenario(
    project: str, name: str, body: dict[str, Any], request: Request, user: User = Depends(allow(*EDITORS))
) -> dict[str, Any]:
    from chokepoint.scenario import scenario_from_dict

    sc = scenario_from_dict({**body, "name": name}, "request body")
    get_store(request).save_scenario(project, name, sc.model_dump(mode="json"))
    audit(request, "save scenario", after={"project": project, "scenario": name})
    return sc.model_dump(mode="json")


@router.get("/projects/{project}/scenarios/{name}", tags=["scenarios"])
def get_scenario(project: str, name: str, request: Request, user: User = Depends(allow(*READERS))) -> dict:
    return get_store(request).load_scenario(project, name)


@router.delete("/projects/{project}/scenarios/{name}", tags=["scenarios"])
def delete_scenario(project: str, name: str, request: Request, user: User = Depends(allow(*EDITORS))) -> dict:
    get_store(request).delete_scenario(project, name)
    audit(request, "delete scenario", before={"project": project, "scenario": name})
    return {"deleted": name}


# ------------------------------------------------------------- lists, tasks
@router.get("/projects/{project}/lists", tags=["lists"])
def get_lists(
    project: str, request: Request, lang: Literal["en", "zh"] = "en", user: User = Depends(allow(*READERS))
) -> dict[str, Any]:
    """Every policy list; the joint R&D tasks carry their stored status."""
    from chokepoint.lists import policy_lists, task_list
    from chokepoint.report.lists import lists_document

    store = get_store(request)
    a = assess(chain_of(request, project), _perspective(store, project, None, None))
    tasks = task_list(a, lang)
    stored = {t["task_id"]: t["status"] for t in store.list_tasks(project)}
    tasks["status"] = [stored.get(t, "not stored") for t in tasks["task_id"]]
    return lists_document(
        policy_lists(a, lang, tasks=tasks, profiles=store.records(project, "profile")), lang
    )


@router.get("/projects/{project}/lists/export", tags=["lists"])
def export_lists(
    project: str, request: Request, lang: Literal["en", "zh"] = "en", user: User = Depends(allow(*READERS))
) -> Response:
    """Every list as an Excel workbook (cover sheet and one sheet per list)."""
    from chokepoint.lists import policy_lists
    from chokepoint.report.lists import write_lists

    profiles = get_store(request).records(project, "profile")
    lists = policy_lists(_assessment(request, project, None, None), lang, profiles=profiles)
    with tempfile.TemporaryDirectory() as tmp:
        (path,) = write_lists(lists, Path(tmp) / f"{project}-lists-{lang}.xlsx", lang)
        data = path.read_bytes()
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{project}-lists-{lang}.xlsx"'},
    )


@router.get("/projects/{project}/tasks", tags=["lists"])
def list_tasks(project: str, request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    return get_store(request).list_tasks(project)


@router.post("/projects/{project}/tasks/refresh", tags=["lists"])
def refresh_tasks(project: str, request: Request, user: User = Depends(allow(*EDITORS))) -> list[dict]:
    """Create or refresh the stored joint R&D tasks from the current assessment (ids stable)."""
    from chokepoint.lists import task_list

    store = get_store(request)
    a = assess(chain_of(request, project), _perspective(store, project, None, None))
    rows = store.upsert_tasks(project, task_list(a).to_dict("records"))
    audit(request, "refresh tasks", after={"project": project, "tasks": len(rows)})
    return rows


@router.patch("/projects/{project}/tasks/{task_id}", tags=["lists"])
def set_task_status(
    project: str, task_id: str, body: StatusBody, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict[str, str]:
    get_store(request).set_task_status(project, task_id, body.status)
    audit(request, "set task status", after={"task": task_id, "status": body.status})
    return {"task_id": task_id, "status": body.status}


# -------------------------------------------------------------- monitoring
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
    from chokepoint.io.report_files import read_report_file
    from chokepoint.store.monitoring import ReportRejectedError

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

    from chokepoint.errors import Problem
    from chokepoint.monitor.rules import RuleSet
    from chokepoint.store.monitoring import ReportRejectedError

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


# ------------------------------------------------------------------- users
@router.get("/users", tags=["users"])
def list_users(request: Request, user: User = Depends(allow(*ADMINS))) -> list[dict[str, Any]]:
    return get_store(request).list_users()


@router.post("/users", tags=["users"], status_code=201)
def add_user(body: NewUser, request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, str]:
    get_store(request).add_user(body.name, body.role, body.password)
    audit(request, "add user", after={"user": body.name, "role": body.role})
    return {"name": body.name, "role": body.role}


@router.put("/users/{name}/password", tags=["users"])
def set_password(
    name: str, body: Password, request: Request, user: User = Depends(allow(*ALL_ROLES))
) -> dict:
    """Admins set anyone's password; others only their own."""
    if user.role != "admin" and user.name != name:
        raise HTTPException(status_code=403, detail="you may change only your own password")
    get_store(request).set_password(name, body.password)
    audit(request, "set password", after={"user": name})
    return {"name": name}


@router.post("/users/{name}/disable", tags=["users"])
def disable_user(
    name: str, request: Request, enable: bool = False, user: User = Depends(allow(*ADMINS))
) -> dict:
    get_store(request).disable_user(name, not enable)
    audit(request, "enable user" if enable else "disable user", after={"user": name})
    return {"name": name, "disabled": not enable}


@router.post("/users/{name}/bindings", tags=["users"])
def bind_user(name: str, body: Binding, request: Request, user: User = Depends(allow(*ADMINS))) -> dict:
    get_store(request).bind(name, body.project, body.actor)
    audit(request, "bind reporter", after={"user": name, "project": body.project, "actor": body.actor})
    return {"name": name, "project": body.project, "actor": body.actor}


@router.delete("/users/{name}/bindings", tags=["users"])
def unbind_user(
    name: str, project: str, actor: str, request: Request, user: User = Depends(allow(*ADMINS))
) -> dict[str, str]:
    get_store(request).unbind(name, project, actor)
    audit(request, "unbind reporter", before={"user": name, "project": project, "actor": actor})
    return {"name": name, "project": project, "actor": actor}


@router.get("/audit", tags=["users"])
def audit_log(
    request: Request,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=2**62),  # a 64-bit SQL integer
    user: User = Depends(allow(*ADMINS)),
) -> list[dict[str, Any]]:
    return get_store(request).audit_entries(limit, offset)


# ----------------------------------------------------------------- helpers
def _search(frame: pd.DataFrame, columns: list[str], q: str | None, kind: str | None) -> list[dict[str, Any]]:
    """Rows whose ``columns`` contain ``q`` (case-insensitive) and whose kind is ``kind``."""
    if q:
        text = frame[columns].astype(str).agg(" ".join, axis=1)
        frame = frame[text.str.contains(q, case=False, regex=False)]
    if kind:
        frame = frame[frame["kind"] == kind]
    return _records(frame)


def _with_provisions(chain: Any, what: str, key: str, project: str) -> dict[str, Any]:
    """One node or actor (``what``) with the provisions that name it; 404 when unknown."""
    table = chain.nodes if what == "node" else chain.actors
    row = table[table["id"] == key]
    if row.empty:
        raise HTTPException(status_code=404, detail=f"no {what} {key!r} in project {project!r}")
    prov = chain.provisions[chain.provisions[what] == key]
    return {what: _records(row)[0], "provisions": _records(prov)}


def _plain(v: Any) -> Any:
    if isinstance(v, tuple):
        return list(v)
    if v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in r.items()} for r in df.to_dict("records")]


__all__ = ["current_user", "router"]
