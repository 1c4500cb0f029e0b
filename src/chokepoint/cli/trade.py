"""``chokepoint trade`` commands: trade-flow datasets, dependencies, screens, embargoes.

The use cases are in :mod:`chokepoint.service.trade`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chokepoint.cli.base import DatasetOption, DbOption, RestrictedOption, open_store, trade_app
from chokepoint.cli.output import FormatOption, OutOption, OutputFormat, TopOption, emit
from chokepoint.service import trade as svc


@trade_app.command("load")
def trade_load(
    path: Annotated[Path, typer.Argument(help="FAOSTAT folder, BACI file (.csv/.parquet) or Comtrade CSV.")],
    dataset: DatasetOption,
    layout: Annotated[str, typer.Option("--layout", help="fao, baci or comtrade.")] = "fao",
    codes: Annotated[Path | None, typer.Option("--codes", help="BACI country-code table.")] = None,
    crops: Annotated[
        str | None, typer.Option("--crops", help="FAOSTAT crops: wheat,maize,rice,soya_beans.")
    ] = None,
    years: Annotated[str | None, typer.Option("--years", help="Years to keep, e.g. 2019-2021.")] = None,
    db: DbOption = None,
) -> None:
    """Load trade flows into the store as a named dataset (replacing one of that name)."""
    done = svc.load_dataset(
        open_store(db), dataset, path, layout, codes_table=codes, crops=crops, years=years
    )
    typer.echo(
        f"loaded {done['rows']:,} flows as dataset {dataset!r} ({done['first_year']}-{done['last_year']}, "
        f"{done['products']:,} products)"
    )


@trade_app.command("list")
def trade_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the trade datasets in the store."""
    emit(fmt, rows=svc.datasets(open_store(db)), columns=["name", "layout", "rows", "created_at"])


@trade_app.command("delete")
def trade_delete(
    name: Annotated[str, typer.Argument(help="Dataset to delete.")], db: DbOption = None
) -> None:
    """Delete a trade dataset."""
    svc.delete_dataset(open_store(db), name)
    typer.echo(f"deleted {name!r}")


@trade_app.command("dependencies")
def trade_dependencies(
    dataset: DatasetOption,
    home: Annotated[
        str | None, typer.Option("--home", help="Importer (ISO3); all importers when absent.")
    ] = None,
    product: Annotated[str | None, typer.Option("--product", help="HS code.")] = None,
    years: Annotated[str | None, typer.Option("--years", help="e.g. 2018-2020")] = None,
    restricted: RestrictedOption = None,
    measure: Annotated[str, typer.Option("--measure", help="value or quantity.")] = "value",
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    top: TopOption = 30,
    db: DbOption = None,
) -> None:
    """Import dependency per importer, product and year: shares, HHI, top partners, restricted share."""
    df = svc.dependencies(
        open_store(db),
        dataset,
        home=home,
        product=product,
        years=years,
        restricted=restricted,
        measure=measure,
    )
    emit(fmt, table=df, out=out, top=top)


@trade_app.command("screen")
def trade_screen(
    dataset: DatasetOption,
    bloc: Annotated[
        str, typer.Option("--bloc", help="EU27, another group, or ISO3 codes (CHN or DEU,FRA).")
    ] = "EU27",
    years: Annotated[str | None, typer.Option("--years", help="e.g. 2019-2021")] = None,
    only_dependent: Annotated[bool, typer.Option("--dependent", help="Only dependent products.")] = False,
    capacity: Annotated[
        str,
        typer.Option(
            "--capacity",
            help="Criterion 3 capacity proxy: total_exports (SWD(2021) 352) or extra_exports.",
        ),
    ] = "total_exports",
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    top: TopOption = 30,
    db: DbOption = None,
) -> None:
    """The three-criterion strategic-dependency screen with the persistence filter."""
    df = svc.screen(
        open_store(db), dataset, bloc, years=years, only_dependent=only_dependent, capacity=capacity
    )
    emit(fmt, table=df, out=out, top=top)


@trade_app.command("embargo")
def trade_embargo(
    dataset: DatasetOption,
    product: Annotated[str, typer.Option("--product", help="HS code.")],
    year: Annotated[int, typer.Option("--year", help="Year.")],
    exporters: Annotated[
        str | None, typer.Option("--exporters", help="ISO3 codes that stop shipping.")
    ] = None,
    importers: Annotated[
        str | None, typer.Option("--importers", help="Only these importers (default all).")
    ] = None,
    spare: Annotated[
        float, typer.Option("--spare", help="Other exporters' spare fraction of exports.")
    ] = 0.0,
    sweep_all: Annotated[
        bool, typer.Option("--sweep", help="Every single exporter's embargo instead.")
    ] = False,
    measure: Annotated[str, typer.Option("--measure", help="quantity or value.")] = "quantity",
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    top: TopOption = 30,
    db: DbOption = None,
) -> None:
    """Exporters stop shipping a product: each importer's loss in quantity and share of its imports."""
    store = open_store(db)
    if sweep_all:
        df = svc.embargo_sweep(store, dataset, product, year, measure)
    else:
        df = svc.embargo(
            store, dataset, product, year, exporters, importers=importers, spare=spare, measure=measure
        )
    emit(fmt, table=df, out=out, top=top)
