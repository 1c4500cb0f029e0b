"""Routes: disruption scenarios (runs, over time, sweeps, Monte Carlo), saved scenarios, jobs.

The fixed paths (``/scenarios/run``, ``/sweep``, ``/dynamics``, ``/montecarlo``) are POST only and
declared before ``/scenarios/{name}`` (GET, PUT, DELETE), so a saved scenario's name never captures
them. Sweeps and Monte Carlo run as background jobs (:mod:`chokepoint.api.jobs`); a job's result
is the JSON ``chokepoint scenario sweep|montecarlo --format json`` prints.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from chokepoint.api import jobs
from chokepoint.api.deps import (
    EDITORS,
    READERS,
    PerspectiveQuery,
    User,
    allow,
    audit,
    chain_of,
    get_store,
    perspective_query,
)
from chokepoint.api.jobs import Progress
from chokepoint.service import scenarios as svc
from chokepoint.service.cluster import cluster_from_environment

router = APIRouter(tags=["scenarios"])


@router.post("/projects/{project}/scenarios/run")
def run_scenario(
    project: str,
    body: dict[str, Any],
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """Run a scenario body (see docs/scenarios.md): impacted nodes with explanation paths.

    The perspective is the stored default, then the fields the scenario's ``perspective`` names,
    then the query's ``home``/``restricted``/``allied``/``year`` (as ``scenario run``'s flags).
    """
    sc = svc.scenario_from_body(body)
    chain = chain_of(request, project)
    r = svc.run(get_store(request), project, sc, **pq.fields(), chain=chain, source="request body")
    return svc.run_document(r, lang)


@router.post("/projects/{project}/scenarios/dynamics")
def run_dynamics(
    project: str,
    body: dict[str, Any],
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    days: int = Query(365, ge=1, le=3650, description="Horizon in days."),
    step: int = Query(1, ge=1, description="Days per time step."),
    inventory: list[str] = Query([], description="NODE=DAYS of inventory, repeatable (N19=60)."),
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """Run a scenario body over time: per node time-to-survive, time-to-recover, loss-days
    (the JSON of ``chokepoint scenario run FILE --days N --format json``).
    """
    sc = svc.scenario_from_body(body)
    r = svc.run_over_time(
        get_store(request),
        project,
        sc,
        days=days,
        step=step,
        inventory=inventory,
        **pq.fields(),
        chain=chain_of(request, project),
    )
    return svc.dynamic_document(r)


@router.post("/projects/{project}/scenarios/sweep", status_code=202)
def start_sweep(
    project: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    by: Literal["country", "enterprise", "pair"] = "country",
    user: User = Depends(allow(*READERS)),
) -> dict[str, str]:
    """Every single-country blockade (or enterprise outage) as a background job: ``{job,
    status_url}``; poll ``GET /api/jobs/{id}`` for progress and the result URL.
    """
    store, chain = get_store(request), chain_of(request, project)
    p = pq.resolve(request, project)

    def work(progress: Progress) -> dict[str, Any]:
        return svc.sweep_document(
            svc.sweep(
                store, project, p, by, chain=chain, progress=progress, cluster=cluster_from_environment()
            )
        )

    return jobs.job_links(jobs.start_job(request, user.name, work, "sweep"))


@router.post("/projects/{project}/scenarios/montecarlo", status_code=202)
def start_montecarlo(
    project: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    runs: int = Query(1000, ge=1, le=svc.MAX_RUNS, description="Number of random scenarios."),
    seed: int = Query(0, ge=0, description="Random seed (same seed, same results)."),
    days: int = Query(364, ge=1, le=3650, description="Horizon in days."),
    step: int = Query(7, ge=1, description="Days per time step."),
    user: User = Depends(allow(*READERS)),
) -> dict[str, str]:
    """Random blockades over time as a background job (result: the JSON of ``chokepoint scenario
    montecarlo --format json``: expected loss, 95% value-at-risk, most critical nodes, worst runs).

    One job computes at most 100,000 runs of a year in weekly steps (``runs x days / step``).
    """
    svc.check_montecarlo_size(runs, days, step)
    store, chain = get_store(request), chain_of(request, project)
    p = pq.resolve(request, project)

    def work(progress: Progress) -> dict[str, Any]:
        m = svc.monte_carlo(
            store,
            project,
            p,
            runs=runs,
            seed=seed,
            days=days,
            step=step,
            chain=chain,
            progress=progress,
            cluster=cluster_from_environment(),
        )
        return svc.montecarlo_document(m)

    return jobs.job_links(jobs.start_job(request, user.name, work, "montecarlo"))


@router.get("/jobs/{job_id}")
def job_status(job_id: str, request: Request, user: User = Depends(allow(*READERS))) -> dict[str, Any]:
    """A job's status (``running``, ``done``, ``failed``), progress and, when done, its result URL."""
    return jobs.job_status(request, job_id, user)


@router.get("/jobs/{job_id}/result")
def job_result(job_id: str, request: Request, user: User = Depends(allow(*READERS))) -> dict[str, Any]:
    """A finished job's result (409 while it runs)."""
    return jobs.job_result(request, job_id, user)


@router.get("/projects/{project}/scenarios")
def list_scenarios(project: str, request: Request, user: User = Depends(allow(*READERS))) -> list[str]:
    """The names of the project's saved scenarios."""
    return svc.scenario_names(get_store(request), project)


@router.put("/projects/{project}/scenarios/{name}")
def save_scenario(
    project: str, name: str, body: dict[str, Any], request: Request, user: User = Depends(allow(*EDITORS))
) -> dict[str, Any]:
    """Check a scenario body against the chain and save it under ``name`` (replacing one)."""
    sc = svc.scenario_from_body(body, name)
    svc.save_scenario(
        get_store(request), project, sc, source="request body", chain=chain_of(request, project)
    )
    audit(request, "save scenario", after={"project": project, "scenario": name})
    return sc.model_dump(mode="json")


@router.get("/projects/{project}/scenarios/{name}")
def get_scenario(
    project: str, name: str, request: Request, user: User = Depends(allow(*READERS))
) -> dict[str, Any]:
    """A saved scenario's body."""
    return svc.get_scenario(get_store(request), project, name)


@router.delete("/projects/{project}/scenarios/{name}")
def delete_scenario(
    project: str, name: str, request: Request, user: User = Depends(allow(*EDITORS))
) -> dict[str, str]:
    """Delete a saved scenario."""
    result = svc.delete_scenario(get_store(request), project, name)
    audit(request, "delete scenario", before={"project": project, "scenario": name})
    return result
