"""Routes: scenarios."""

from __future__ import annotations

import threading
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request

from chokepoint.api.deps import (
    EDITORS,
    READERS,
    User,
    allow,
    audit,
    chain_of,
    get_store,
)
from chokepoint.errors import ChokepointError
from chokepoint.service.perspective import resolve_perspective

router = APIRouter(tags=["scenarios"])


@router.post("/projects/{project}/scenarios/run", tags=["scenarios"])
def run_scenario_route(
    project: str, body: dict[str, Any], request: Request, user: User = Depends(allow(*READERS))
) -> dict[str, Any]:
    """Run a scenario body (see docs/scenarios.md) and return impacted nodes with explanation paths."""
    from chokepoint.scenario import run_scenario, scenario_from_dict

    store = get_store(request)
    sc = scenario_from_dict(body, "request body")
    chain = chain_of(request, project)
    p = resolve_perspective(store, project, chain=chain, scenario=sc)
    return run_scenario(chain, sc, p).document()


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
    p = resolve_perspective(store, project, chain=chain)
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
