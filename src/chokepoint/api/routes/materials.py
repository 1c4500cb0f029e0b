"""Routes: raw-materials datasets (store-wide), supply risk, leverage and the chain they build.

Tables are the records ``chokepoint materials ... --format json`` prints (the same
serialization); see :mod:`chokepoint.service.materials`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile

from chokepoint.api.deps import ADMINS, EDITORS, READERS, User, allow, audit, get_store, heavy_write
from chokepoint.api.serialize import table_response
from chokepoint.api.uploads import saved_upload
from chokepoint.errors import UsageError
from chokepoint.service import materials as svc

router = APIRouter(tags=["materials"])

HOME = Query(..., description="Home economy: ISO3 codes (CHN, or DEU,FRA as one economy) or a group (EU27).")
YEAR = Query(None, ge=1900, le=2200, description="Production year (default: the latest).")
LANG = Query("en", pattern="^(en|zh)$", description="Language of names and explanations.")
TOP = Query(None, ge=1, description="Only the first N rows.")
SUFFIXES = (".csv", ".gz", ".parquet")


@router.get("/materials/datasets")
def list_datasets(request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    """The raw-materials datasets of the store."""
    return svc.datasets(get_store(request))


@router.post("/materials/datasets/{dataset}")
def load_dataset(
    dataset: str,
    request: Request,
    files: list[UploadFile] = File(..., description="The folder's files: production, BACI, codes, map, WGI"),
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Load the uploaded raw-materials files as ``dataset`` (the layout of ``chokepoint materials load``)."""
    with heavy_write(request, "the load"), tempfile.TemporaryDirectory() as tmp:
        for f in files:
            name = Path(f.filename or "").name
            if not name.lower().endswith(SUFFIXES):
                raise UsageError(f"{name or 'a file'}: upload .csv, .csv.gz or .parquet files")
            with (Path(tmp) / name).open("wb") as out:
                shutil.copyfileobj(f.file, out)
        done = svc.load_dataset(get_store(request), dataset, Path(tmp))
    audit(request, "load materials dataset", after={"dataset": dataset, "trade_rows": done["trade_rows"]})
    return done


@router.delete("/materials/datasets/{dataset}")
def delete_dataset(dataset: str, request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, str]:
    """Delete a raw-materials dataset."""
    result = svc.delete_dataset(get_store(request), dataset)
    audit(request, "delete materials dataset", before={"dataset": dataset})
    return result


@router.get("/materials/datasets/{dataset}/risk")
def risk(
    dataset: str,
    request: Request,
    home: str = HOME,
    year: int | None = YEAR,
    method: Literal["geopolrisk", "eu", "all"] = "all",
    lang: str = LANG,
    top: int | None = TOP,
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Supply risk of every commodity for the home economy, largest first."""
    return table_response(svc.risk(get_store(request), dataset, home, year, method, lang), top)


@router.get("/materials/datasets/{dataset}/leverage")
def leverage(
    dataset: str,
    request: Request,
    home: str = HOME,
    year: int | None = YEAR,
    lang: str = LANG,
    top: int | None = TOP,
    user: User = Depends(allow(*READERS)),
) -> Response:
    """The home economy's leverage on every commodity, ranked."""
    return table_response(svc.leverage(get_store(request), dataset, home, year, lang), top)


@router.post("/materials/stages")
def stages(
    request: Request,
    file: UploadFile = File(..., description="BGS World Mineral Statistics table (.csv or .csv.gz)"),
    year: int = Query(..., ge=1900, le=2200, description="The year to compare."),
    home: str | None = Query(None, description="Home economy whose share of each stage is shown."),
    lang: str = LANG,
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Mine vs smelter vs refinery concentration of each staged commodity, and its bottleneck."""
    with saved_upload(file, (".csv", ".gz"), "upload the BGS table as .csv or .csv.gz") as path:
        return table_response(svc.stages(path, year, home, lang))


@router.post("/materials/datasets/{dataset}/chain")
def build_chain(
    dataset: str,
    request: Request,
    project: str = Query(
        ..., min_length=1, max_length=200, description="The chain project to create or replace."
    ),
    home: str | None = Query(None, description="Store this home economy as the project's perspective."),
    year: int | None = YEAR,
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Build a chain project from the dataset, with its trade flows as the linked trade dataset."""
    with heavy_write(request, "the build"):
        done = svc.build_chain(get_store(request), dataset, project, year, home)
    audit(request, "build materials chain", after=done)
    return done
