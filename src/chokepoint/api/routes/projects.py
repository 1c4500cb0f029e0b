"""Routes: projects (list, summary, import, export, rename, delete)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import (
    ADMINS,
    ALL_ROLES,
    EDITORS,
    READERS,
    User,
    allow,
    audit,
    cached,
    chain_of,
    get_store,
    heavy_write,
    project_version,
)
from chokepoint.api.serialize import file_response, json_response
from chokepoint.api.uploads import saved_upload
from chokepoint.service import projects as svc

router = APIRouter(tags=["projects"])


class Rename(Body):
    """A project's new name."""

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f/\\]*$")


@router.get("/projects")
def list_projects(request: Request, user: User = Depends(allow(*ALL_ROLES))) -> list[dict[str, Any]]:
    """Every project with its counts and dates."""
    return [p.to_dict() for p in get_store(request).projects.infos()]


@router.get("/template")
def exchange_template(user: User = Depends(allow(*ALL_ROLES))) -> Response:
    """The empty exchange-format workbook to fill in and import (``chokepoint template``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = svc.exchange_template(Path(tmp) / "chain-template.xlsx")
        return file_response(path, "chain-template.xlsx")


@router.get("/projects/{project}")
def project_summary(project: str, request: Request, user: User = Depends(allow(*READERS))) -> dict[str, Any]:
    """Counts by kind, stages, countries, share coverage and years of the project's chain."""
    chain = chain_of(request, project)
    summary: dict[str, Any] = cached(
        request, ("summary", project, project_version(request, project)), chain.summary
    )
    return summary


@router.post("/projects/{project}/import")
def import_project(
    project: str,
    request: Request,
    file: UploadFile = File(..., description="A chain map: .xlsx workbook or .json document"),
    merge: bool = False,
    allow_empty: bool = False,
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Import (replace, or ``merge=true``) a chain map; a file with any error changes nothing, and
    a file without nodes empties a project only with ``allow_empty=true``.
    """
    with (
        heavy_write(request, "the import"),
        saved_upload(file, (".xlsx", ".json"), "upload a .xlsx workbook or a .json chain document") as path,
    ):
        outcome = svc.import_chain(get_store(request), project, path, merge=merge, allow_empty=allow_empty)
    audit(request, "import project", after={"project": project, "file": path.name, "merge": merge})
    return outcome.to_dict(project)


@router.get("/projects/{project}/export")
def export_project(
    project: str,
    request: Request,
    format: Literal["json", "xlsx"] = "json",
    user: User = Depends(allow(*READERS)),
) -> Response:
    """The project's chain map as the JSON exchange document or an Excel workbook."""
    if format == "json":
        return json_response(svc.chain_document(chain_of(request, project)))
    with tempfile.TemporaryDirectory() as tmp:
        path = svc.export_chain(get_store(request), project, Path(tmp) / f"{project}.xlsx")
        return file_response(path, f"{project}.xlsx")


@router.patch("/projects/{project}")
def rename_project(
    project: str, body: Rename, request: Request, user: User = Depends(allow(*EDITORS))
) -> dict[str, str]:
    """Rename a project."""
    get_store(request).projects.rename(project, body.name)
    audit(request, "rename project", before={"project": project}, after={"project": body.name})
    return {"project": body.name}


@router.delete("/projects/{project}")
def delete_project(project: str, request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, str]:
    """Delete a project and everything stored with it."""
    get_store(request).projects.delete(project)
    audit(request, "delete project", before={"project": project})
    return {"deleted": project}
