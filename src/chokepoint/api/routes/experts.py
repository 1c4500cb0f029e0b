"""Routes: expert judgement (专家打分): the scoring workbook, sheet import, scores, aggregate.

Tables are the records ``chokepoint experts list|summary --format json`` prints (the same
serialization); see :mod:`chokepoint.service.experts`.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile

from chokepoint.api.deps import EDITORS, READERS, User, allow, audit, get_store, heavy_write
from chokepoint.api.serialize import file_response, table_response
from chokepoint.api.uploads import saved_upload
from chokepoint.service import experts as svc

router = APIRouter(tags=["experts"])
EXPERTS = "/projects/{project}/experts"


@router.get(EXPERTS + "/template")
def expert_template(
    project: str,
    request: Request,
    lang: Literal["zh", "en"] = "zh",
    user: User = Depends(allow(*READERS)),
) -> Response:
    """The project's expert scoring workbook (.xlsx): its assessable technologies, 1-5 scales."""
    name = f"{project}-experts.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        path = svc.write_template(get_store(request), project, Path(tmp) / name, lang)
        return file_response(path, name)


@router.post(EXPERTS)
def import_expert_sheets(
    project: str,
    request: Request,
    files: list[UploadFile] = File(..., description="Filled expert sheets: .xlsx (or .csv)"),
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Import experts' sheets: all or nothing (every problem with file, row, column); a new sheet
    from an expert replaces that expert's earlier scores.
    """
    with ExitStack() as stack:
        stack.enter_context(heavy_write(request, "the import"))
        paths = [
            stack.enter_context(saved_upload(f, (".xlsx", ".csv"), "upload .xlsx expert sheets (or .csv)"))
            for f in files
        ]
        done = svc.import_sheets(get_store(request), project, paths, user.name)
    audit(
        request,
        "import expert scores",
        after={"project": project, "experts": [s["expert"] for s in done["sheets"]], "nodes": done["nodes"]},
    )
    return done


@router.get(EXPERTS)
def expert_scores(project: str, request: Request, user: User = Depends(allow(*READERS))) -> Response:
    """Every expert's scores (1-5), one row per expert and node, with file, importer and date."""
    return table_response(svc.expert_scores(get_store(request), project))


@router.get(EXPERTS + "/summary")
def expert_summary(project: str, request: Request, user: User = Depends(allow(*READERS))) -> Response:
    """The panel's aggregate per node: medians on 0-1, interquartile ranges, experts counted."""
    return table_response(svc.expert_summary(get_store(request), project))
