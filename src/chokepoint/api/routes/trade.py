"""Routes: trade-flow datasets (store-wide), dependencies, the dependency screen, embargoes.

Tables are the records ``chokepoint trade ... --format json`` prints (the same
serialization, so the same numbers); see :mod:`chokepoint.service.trade`.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile

from chokepoint.api.deps import ADMINS, EDITORS, READERS, User, allow, audit, get_store, heavy_write
from chokepoint.api.serialize import table_response
from chokepoint.api.uploads import saved_upload
from chokepoint.service import trade as svc

router = APIRouter(tags=["trade"])

YEARS = Query(None, description="Years: 2019-2021 or 2019,2021.")
MEASURE = Literal["value", "quantity"]


@router.get("/trade/datasets")
def list_datasets(request: Request, user: User = Depends(allow(*READERS))) -> list[dict[str, Any]]:
    """The trade datasets of the store: name, layout, rows, created_at."""
    return svc.datasets(get_store(request))


@router.post("/trade/datasets/{dataset}")
def load_dataset(
    dataset: str,
    request: Request,
    file: UploadFile = File(..., description="A Comtrade-style .csv, or a BACI .csv or .parquet"),
    codes: UploadFile | None = File(None, description="BACI's country-code table (.csv; for baci)"),
    layout: Literal["comtrade", "baci"] = "comtrade",
    years: str | None = YEARS,
    user: User = Depends(allow(*EDITORS)),
) -> dict[str, Any]:
    """Load trade flows as ``dataset`` (replacing one of that name)."""
    suffixes = (".csv", ".parquet") if layout == "baci" else (".csv",)
    with ExitStack() as stack:
        stack.enter_context(heavy_write(request, "the load"))
        path = stack.enter_context(saved_upload(file, suffixes, f"upload a {' or '.join(suffixes)} file"))
        table = None
        if codes is not None:
            table = stack.enter_context(saved_upload(codes, (".csv",), "upload the code table as .csv"))
        done = svc.load_dataset(get_store(request), dataset, path, layout, codes_table=table, years=years)
    audit(request, "load trade dataset", after={"dataset": dataset, "layout": layout, "rows": done["rows"]})
    return done


@router.delete("/trade/datasets/{dataset}")
def delete_dataset(dataset: str, request: Request, user: User = Depends(allow(*ADMINS))) -> dict[str, str]:
    """Delete a trade dataset."""
    result = svc.delete_dataset(get_store(request), dataset)
    audit(request, "delete trade dataset", before={"dataset": dataset})
    return result


@router.get("/trade/datasets/{dataset}/dependencies")
def dependencies(
    dataset: str,
    request: Request,
    home: str | None = Query(None, description="Importer (ISO3); all importers when absent."),
    product: str | None = Query(None, description="HS code."),
    years: str | None = YEARS,
    restricted: str | None = Query(None, description="Comma-separated ISO3 codes of restricted exporters."),
    measure: MEASURE = "value",
    top: int = Query(30, ge=1, description="Only the first N rows."),
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Import dependency per importer, product and year: shares, HHI, top partners, restricted share."""
    df = svc.dependencies(
        get_store(request),
        dataset,
        home=home,
        product=product,
        years=years,
        restricted=restricted,
        measure=measure,
    )
    return table_response(df, top)


@router.get("/trade/datasets/{dataset}/screen")
def screen(
    dataset: str,
    request: Request,
    bloc: str = Query("EU27", description="EU27, another group, or ISO3 codes (CHN or DEU,FRA)."),
    years: str | None = YEARS,
    dependent: bool = Query(False, description="Only dependent products."),
    capacity: str = Query(
        "total_exports",
        description="Criterion 3 capacity proxy: total_exports (SWD(2021) 352) or extra_exports.",
    ),
    top: int = Query(30, ge=1, description="Only the first N rows."),
    user: User = Depends(allow(*READERS)),
) -> Response:
    """The three-criterion strategic-dependency screen with the persistence filter."""
    df = svc.screen(
        get_store(request), dataset, bloc, years=years, only_dependent=dependent, capacity=capacity
    )
    return table_response(df, top)


@router.get("/trade/datasets/{dataset}/embargo")
def embargo(
    dataset: str,
    request: Request,
    product: str = Query(..., description="HS code."),
    year: int = Query(..., description="Year."),
    exporters: str | None = Query(None, description="ISO3 codes that stop shipping."),
    importers: str | None = Query(None, description="Only these importers (default all)."),
    spare: float = Query(0.0, ge=0, description="Other exporters' spare fraction of exports."),
    sweep: bool = Query(False, description="Every single exporter's embargo instead."),
    measure: MEASURE = "quantity",
    top: int = Query(30, ge=1, description="Only the first N rows."),
    user: User = Depends(allow(*READERS)),
) -> Response:
    """Exporters stop shipping a product: each importer's loss and share of its imports."""
    store = get_store(request)
    if sweep:
        df = svc.embargo_sweep(store, dataset, product, year, measure)
    else:
        df = svc.embargo(
            store, dataset, product, year, exporters, importers=importers, spare=spare, measure=measure
        )
    return table_response(df, top)
