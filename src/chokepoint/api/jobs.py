"""Background jobs of the API: long computations (sweeps, Monte Carlo) run in a thread.

A route starts a job with :func:`start_job` and answers ``202`` with its id; the caller polls
``GET /api/jobs/{id}`` (status, progress ``done``/``total``, ``result_url`` when done) and reads
``GET /api/jobs/{id}/result``. Jobs are private: only their starter (and admins) see them; anyone
else gets the same 404 as for an unknown id. The work gets a ``progress(done, total)`` callback
and returns the JSON result; a domain error marks the job ``failed`` with its message.

Jobs live in the application's memory (``app.state.jobs``): they do not survive a restart.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import Request

from chokepoint.api.deps import User
from chokepoint.errors import ChokepointError, ConflictError, NotFoundError

#: ``progress(done, total)``, handed to a job's work.
Progress = Callable[[int, int], None]
Work = Callable[[Progress], dict[str, Any]]

_LOCK = threading.Lock()


def _jobs(holder: Any) -> dict[str, dict[str, Any]]:
    """The job table of a request's app (or of an app's ``state``)."""
    state = holder.app.state if isinstance(holder, Request) else holder
    with _LOCK:
        jobs: dict[str, dict[str, Any]] | None = getattr(state, "jobs", None)
        if jobs is None:
            jobs = {}
            state.jobs = jobs
    return jobs


def start_job(holder: Request | Any, owner: str, work: Work, kind: str = "job") -> str:
    """Run ``work(progress)`` in a background thread; returns the new job's id.

    Parameters
    ----------
    holder : the request (or the app's ``state``) whose job table keeps the job.
    owner : the user starting it (only they and admins may read it).
    work : computes the result (a JSON-ready dict); it should do no store access of its own.
    kind : what the job computes (``sweep``, ``montecarlo``), shown in its status.
    """
    jobs = _jobs(holder)
    job_id = uuid.uuid4().hex
    job: dict[str, Any] = {
        "id": job_id,
        "kind": kind,
        "owner": owner,
        "status": "running",
        "done": 0,
        "total": None,
        "result_url": None,
        "result": None,
        "error": None,
    }
    with _LOCK:
        jobs[job_id] = job

    def progress(done: int, total: int) -> None:
        with _LOCK:
            job.update(done=done, total=total)

    def run() -> None:
        try:
            result = work(progress)
        except ChokepointError as exc:
            with _LOCK:
                job.update(status="failed", error=str(exc))
            return
        except Exception as exc:  # pragma: no cover - a bug: reported through the job, not lost
            with _LOCK:
                job.update(status="failed", error=f"internal error ({type(exc).__name__})")
            return
        with _LOCK:
            job.update(status="done", result=result, result_url=f"/api/jobs/{job_id}/result")

    threading.Thread(target=run, name=f"chokepoint-{kind}-{job_id[:8]}", daemon=True).start()
    return job_id


def job_links(job_id: str) -> dict[str, str]:
    """The answer of a route that started a job: its id and where to poll."""
    return {"job": job_id, "status_url": f"/api/jobs/{job_id}"}


def _visible(holder: Request | Any, job_id: str, user: User) -> dict[str, Any]:
    job = _jobs(holder).get(job_id)
    if job is None or (job["owner"] != user.name and user.role != "admin"):
        raise NotFoundError(f"no job {job_id!r}")
    with _LOCK:
        return dict(job)


def job_status(holder: Request | Any, job_id: str, user: User) -> dict[str, Any]:
    """A job's status and progress, without its result (``NotFoundError`` for unknown or foreign)."""
    job = _visible(holder, job_id, user)
    job.pop("result")
    return job


def job_result(holder: Request | Any, job_id: str, user: User) -> dict[str, Any]:
    """A finished job's result (``ConflictError`` while it runs or when it failed)."""
    job = _visible(holder, job_id, user)
    if job["status"] != "done":
        detail = f": {job['error']}" if job["error"] else ""
        raise ConflictError(f"job {job_id} is {job['status']}{detail}")
    result: dict[str, Any] = job["result"]
    return result
