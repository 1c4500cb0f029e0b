"""Routes: regions, the region view of a chain, indicator systems, weights and park evaluation
(issue 26), as ``chokepoint region|indicators|weights|parks``.

Readers (not reporters) see regions, views, systems and evaluations; analysts and admins import
region tables, locations, region values and systems. The use cases are
:mod:`chokepoint.service.regions`, :mod:`chokepoint.service.indicators` and
:mod:`chokepoint.service.parks`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import Field

from chokepoint.api.bodies import Body
from chokepoint.api.deps import (
    EDITORS,
    READERS,
    PerspectiveQuery,
    User,
    allow,
    assessment_of,
    audit,
    get_store,
    heavy_write,
    perspective_query,
)
from chokepoint.api.serialize import file_response, records
from chokepoint.api.uploads import saved_upload
from chokepoint.service import indicators as ind
from chokepoint.service import parks
from chokepoint.service import regions as svc

router = APIRouter(tags=["regions"])
TABLES = (".csv", ".xlsx")
TABLE_HINT = "a table comes as .csv or .xlsx"


@router.get("/regions")
def list_regions(
    request: Request,
    country: str = Query("CHN", pattern=r"^[A-Z]{3}$"),
    user: User = Depends(allow(*READERS)),
) -> list[dict[str, Any]]:
    """The regions of a country: its ISO 3166-2 provinces and the stored cities, districts and parks."""
    return records(svc.region_catalog(get_store(request), country))


@router.post("/regions")
def import_regions(
    request: Request,
    file: UploadFile = File(..., description="Region table: code, name, name_zh, level, parent, park_type"),
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Import cities, districts and parks; a table with any bad row stores nothing (422 by row and column)."""
    with heavy_write(request, "the import"), saved_upload(file, TABLES, TABLE_HINT) as path:
        done = svc.import_regions(get_store(request), path)
    audit(request, "import regions", after=done)
    return done


@router.get("/regions/{code}")
def region(
    code: str, request: Request, lang: Literal["en", "zh"] = "en", user: User = Depends(allow(*READERS))
) -> dict[str, Any]:
    """One region: name, level, country and its path from the province down."""
    return svc.region_record(get_store(request), code, lang)


@router.get("/regions/{code}/leading")
def leading_chain(
    code: str,
    request: Request,
    project: list[str] = Query(..., description="Projects compared (repeat)."),
    pq: PerspectiveQuery = Depends(perspective_query),
    strong_share: float = Query(0.10, gt=0, le=1),
    user: User = Depends(allow(*READERS)),
) -> list[dict[str, Any]]:
    """Candidate leading chain (首位产业链) of the region among the projects, best first."""
    perspectives = {p: pq.resolve(request, p) for p in project}
    return svc.leading_chain(get_store(request), code, perspectives, strong_share)


@router.get("/projects/{project}/regions/{code}")
def region_view(
    project: str,
    code: str,
    request: Request,
    pq: PerspectiveQuery = Depends(perspective_query),
    lang: Literal["en", "zh"] = "en",
    strong_share: float = Query(0.10, gt=0, le=1),
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """The chain seen from a region (the chain chief's dashboard): hosted nodes and shares with
    bounds, strengths, dependencies, and the chokepoints, alerts and tasks that concern it.
    """
    a = assessment_of(request, project, pq.resolve(request, project))
    return svc.region_view(get_store(request), project, code, a, lang, strong_share, user.name)


@router.post("/projects/{project}/locations")
def locate_actors(
    project: str,
    request: Request,
    file: UploadFile = File(..., description="actor, location (.csv or .xlsx)"),
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Set where the project's organisations are; whole or not at all."""
    with heavy_write(request, "the import"), saved_upload(file, TABLES, TABLE_HINT) as path:
        done = svc.locate_actors(get_store(request), project, path)
    audit(request, "locate actors", after=done)
    return done


@router.post("/region-values/{dataset}")
def load_region_values(
    dataset: str,
    request: Request,
    file: UploadFile = File(..., description="region, indicator, value, unit, period, source"),
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Load (replace) a region-values dataset; whole or not at all."""
    with heavy_write(request, "the import"), saved_upload(file, TABLES, TABLE_HINT) as path:
        done = parks.load_region_values(get_store(request), dataset, path)
    audit(request, "load region values", after=done)
    return done


@router.get("/parks/evaluation")
def evaluate_parks(
    request: Request,
    dataset: str,
    system: list[str] = Query([], description="TYPE=SYSTEM (repeat); default: the system that applies."),
    lang: Literal["en", "zh"] = "en",
    sensitivity: int = Query(0, ge=0, le=20000, description="Dirichlet draws of the weights."),
    seed: int = Query(0, ge=0, le=2**32 - 1, description="Seed of the draws."),
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """Classified park evaluation: rankings within each park type, strengths and weaknesses."""
    named = dict(s.partition("=")[::2] for s in system)
    return parks.evaluate_parks(
        get_store(request), dataset, named, lang, sensitivity_draws=sensitivity, seed=seed
    )


@router.get("/indicator-systems")
def list_systems(request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    """Every stored indicator system (latest version)."""
    return records(ind.list_systems(get_store(request)))


@router.get("/indicator-systems/{name}")
def show_system(
    name: str,
    request: Request,
    version: int | None = Query(None, ge=1, le=1_000_000),
    lang: Literal["en", "zh"] = "en",
    user: User = Depends(allow(*READERS)),
) -> dict[str, Any]:
    """A stored system with its hierarchy and weights."""
    return ind.system_document(get_store(request), name, version, lang)


@router.get("/indicator-systems/{name}/workbook")
def system_workbook(
    name: str,
    request: Request,
    version: int | None = Query(None, ge=1, le=1_000_000),
    user: User = Depends(allow(*READERS)),
) -> Response:
    """The system as a workbook that imports back to the same system."""
    with tempfile.TemporaryDirectory() as tmp:
        path = ind.export_system(get_store(request), name, Path(tmp) / f"{name}.xlsx", version)
        return file_response(path, path.name)


@router.post("/indicator-systems")
def import_system(
    request: Request,
    file: UploadFile = File(..., description="Indicator-system workbook (.xlsx)"),
    cr: str | None = Query(None, description="CR thresholds per size, e.g. 3=0.05,4=0.08,5=0.1"),
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Import a system as the next version of its name; any problem stores nothing (422 naming
    sheet, row and column).
    """
    with (
        heavy_write(request, "the import"),
        saved_upload(file, (".xlsx",), "a system comes as .xlsx") as path,
    ):
        done = ind.import_system(get_store(request), path, user.name, ind.thresholds_from(cr))
    audit(request, "import indicator system", after=done)
    return done


class MatrixBody(Body):
    """A pairwise comparison matrix: labels and rows of positive numbers."""

    labels: list[str] = Field(min_length=1, max_length=15)
    matrix: list[list[float]] = Field(min_length=1, max_length=15)
    thresholds: dict[int, float] | None = None


@router.post("/weights/ahp")
def weights_ahp(body: MatrixBody, user: User = Depends(allow(*READERS))) -> dict[str, Any]:
    """AHP weights, lambda_max and CR of a matrix (422 ``inconsistent_matrix`` with its CR)."""
    return ind.ahp_from_matrix(body.labels, body.matrix, body.thresholds)
