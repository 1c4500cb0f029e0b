"""Routes: input-output datasets (store-wide), linkages, extraction and shocks.

Tables are the records ``chokepoint macro ... --format json`` prints (the same
serialization, so the same numbers); see :mod:`chokepoint.service.macro`.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import ADMINS, EDITORS, READERS, User, allow, audit, get_store, heavy_write
from chokepoint.api.serialize import table_response
from chokepoint.api.uploads import saved_upload
from chokepoint.errors import UsageError
from chokepoint.service import macro as svc

router = APIRouter(tags=["macro"])


class Rename(Body):
    """A dataset's new name."""

    name: str = Field(min_length=1, max_length=200)


class ShockBody(Body):
    """A shock: the content of the YAML file of ``chokepoint macro shock``."""

    demand: dict[str, float] = Field(default_factory=dict, description="region/sector: demand perturbation")
    caps: dict[str, float] = Field(default_factory=dict, description="region/sector: capped inoperability")
    recovery: float = Field(0.1, description="Recovery rate of the dynamic model (with steps).")
    steps: int | None = Field(None, ge=0, le=svc.MAX_STEPS, description="Steps of the dynamic model.")
    model: Literal["rationing", "mixed", "ghosh"] = Field(
        "rationing", description="With caps: the supply-constrained model (rationing, mixed or ghosh)."
    )


@router.get("/macro/datasets")
def list_datasets(request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    """The IO datasets of the store: name, sectors, title, created_at."""
    return svc.datasets(get_store(request))


@router.post("/macro/datasets/{dataset}")
def load_dataset(
    dataset: str,
    request: Request,
    file: UploadFile | None = File(None, description="A BEA summary Use table (.xlsx)"),
    make: UploadFile | None = File(None, description="BEA's Make table of the same year (.xlsx)"),
    imports: UploadFile | None = File(None, description="BEA's import matrix of the same year (.xlsx)"),
    year: int = Query(2015, ge=1900, le=2200, description="Year sheet of the BEA workbook."),
    test: bool = Query(False, description="Load pymrio's bundled test system instead of a file."),
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Load an input-output system as ``dataset`` (replacing one of that name).

    With ``make`` (BEA's industry-technology method) and ``imports`` (domestic coefficients), as
    ``chokepoint macro load USE.xlsx --make MAKE.xlsx --imports IMPORTS.xlsx``.
    """
    store = get_store(request)
    hint = "upload BEA summary tables (.xlsx): file (Use), make, imports; or ?test=true"
    if test or file is None:
        if make is not None or imports is not None:
            raise UsageError("make and imports go with a BEA summary Use table as file")
        with heavy_write(request, "the load"):
            done = svc.load_dataset(store, dataset, test=test)
    else:
        with ExitStack() as stack:
            stack.enter_context(heavy_write(request, "the load"))
            path = stack.enter_context(saved_upload(file, (".xlsx",), hint))
            make_path = stack.enter_context(saved_upload(make, (".xlsx",), hint)) if make else None
            imports_path = stack.enter_context(saved_upload(imports, (".xlsx",), hint)) if imports else None
            done = svc.load_dataset(store, dataset, path, year=year, make=make_path, imports=imports_path)
    audit(request, "load io dataset", after={"dataset": dataset, "title": done["title"]})
    return done


@router.patch("/macro/datasets/{dataset}")
def rename_dataset(
    dataset: str, body: Rename, request: Request, user: User = Depends(allow(*EDITORS))
) -> dict[str, str]:
    """Rename an IO dataset."""
    result = svc.rename_dataset(get_store(request), dataset, body.name)
    audit(request, "rename io dataset", before={"dataset": dataset}, after={"dataset": body.name})
    return result


@router.delete("/macro/datasets/{dataset}")
def delete_dataset(dataset: str, request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, str]:
    """Delete an IO dataset."""
    result = svc.delete_dataset(get_store(request), dataset)
    audit(request, "delete io dataset", before={"dataset": dataset})
    return result


@router.get("/macro/datasets/{dataset}/linkages")
def linkages(
    dataset: str,
    request: Request,
    top: int | None = Query(None, ge=1, description="Only the first N rows."),
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Rasmussen backward and forward linkages of every sector, largest backward first."""
    return table_response(svc.linkages(get_store(request), dataset), top)


@router.get("/macro/datasets/{dataset}/imports")
def imports_content(
    dataset: str,
    request: Request,
    top: int | None = Query(None, ge=1, description="Only the first N rows."),
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Import content of every sector's output (a domestic dataset), largest total first."""
    return table_response(svc.imports(get_store(request), dataset), top)


@router.get("/macro/datasets/{dataset}/extraction")
def extraction(
    dataset: str,
    request: Request,
    by: Literal["sector", "region"] = "sector",
    kind: Literal["total", "backward", "forward", "forward_ghosh"] = "total",
    keep_diagonal: bool = False,
    top: int | None = Query(None, ge=1, description="Only the first N rows."),
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Hypothetical extraction of every sector (or region) at once: output lost, largest first."""
    return table_response(svc.extraction(get_store(request), dataset, by, kind, keep_diagonal), top)


@router.post("/macro/datasets/{dataset}/shock")
def shock(
    dataset: str,
    body: ShockBody,
    request: Request,
    top: int | None = Query(20, ge=1, description="Only the first N sectors."),
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """Inoperability after a demand perturbation and supply caps: ``{economic_loss, sectors}``."""
    spec = body.model_dump(exclude_none=True)
    result = svc.shock(get_store(request), dataset, spec, source="request body")
    return svc.shock_document(result, top)
