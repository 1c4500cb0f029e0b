"""Routes: policy lists (清单) and the joint R&D tasks."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request, Response

from chokepoint.api.bodies import Body
from chokepoint.api.deps import (
    EDITORS,
    OFFICERS,
    READERS,
    PerspectiveQuery,
    User,
    allow,
    assessment_key,
    assessment_of,
    audit,
    cached_json,
    get_store,
    heavy_write,
    perspective_query,
)
from chokepoint.api.serialize import file_response
from chokepoint.service import lists as svc

router = APIRouter(tags=["lists"])


class StatusBody(Body):
    """A task's new status."""

    status: Literal["proposed", "active", "done", "dropped"]


@router.get("/projects/{project}/lists")
def get_lists(
    project: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Every policy list; the joint R&D tasks carry their stored status (or ``not stored``).

    Built once per project version, evidence, stored tasks and profiles, perspective and
    language, then answered from the cache: reads stay fast while many clients ask.
    """
    from chokepoint.report.lists import lists_document

    p = pq.resolve(request, project)
    store = get_store(request)

    def document() -> dict[str, Any]:
        a = assessment_of(request, project, p)
        return lists_document(svc.project_lists(store, project, a, lang), lang)

    key = ("lists document", assessment_key(request, project, p), store.lists_stamp(project), lang)
    return cached_json(request, key, document)


@router.post("/projects/{project}/lists")
def build_lists(
    project: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Every policy list, after creating or refreshing the stored tasks (as ``chokepoint lists``)."""
    from chokepoint.report.lists import lists_document

    a = assessment_of(request, project, pq.resolve(request, project))
    with heavy_write(request, "the task save"):
        lists = svc.project_lists(get_store(request), project, a, lang, save_tasks=True)
    audit(request, "refresh tasks", after={"project": project, "tasks": len(lists.tables["tasks"])})
    return lists_document(lists, lang)


@router.get("/projects/{project}/lists/export")
def export_lists(
    project: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Every list as an Excel workbook (cover sheet and one sheet per list)."""
    from chokepoint.report.lists import write_lists

    a = assessment_of(request, project, pq.resolve(request, project))
    lists = svc.project_lists(get_store(request), project, a, lang)
    name = f"{project}-lists-{lang}.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        (path,) = write_lists(lists, Path(tmp) / name, lang)
        return file_response(path, name)


@router.get("/projects/{project}/tasks")
def list_tasks(project: str, request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    """The stored joint R&D tasks with status and dates."""
    return svc.stored_tasks(get_store(request), project)


@router.get("/projects/{project}/tasks/{task_id}")
def get_task(
    project: str, task_id: str, request: Request, user: User = Depends(allow(*READERS))
) -> dict[str, Any]:
    """One stored task."""
    return svc.stored_task(get_store(request), project, task_id)


@router.post("/projects/{project}/tasks/refresh")
def refresh_tasks(
    project: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    user: User = Depends(allow(*EDITORS)),
) -> list[dict[str, Any]]:
    """Create or refresh the stored joint R&D tasks from the current assessment (ids stable)."""
    a = assessment_of(request, project, pq.resolve(request, project))
    with heavy_write(request, "the task refresh"):
        rows = svc.refresh_tasks(get_store(request), project, a)
    audit(request, "refresh tasks", after={"project": project, "tasks": len(rows)})
    return rows


@router.patch("/projects/{project}/tasks/{task_id}")
def set_task_status(
    project: str, task_id: str, body: StatusBody, request: Request, user: User = Depends(allow(*OFFICERS))
) -> dict[str, str]:
    """Set a task's status (kept across refreshes)."""
    result = svc.set_task_status(get_store(request), project, task_id, body.status)
    audit(request, "set task status", after={"task": task_id, "status": body.status})
    return result
