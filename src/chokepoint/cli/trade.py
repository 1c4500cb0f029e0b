"""``chokepoint`` commands: trade."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chokepoint.cli.base import (
    DatasetOption,
    DbOption,
    RestrictedOption,
    open_store,
    trade_app,
)
from chokepoint.cli.output import FormatOption, OutputFormat, emit
from chokepoint.errors import UsageError


def _years(text: str | None) -> list[int] | None:
    """``2019-2021`` or ``2019,2021`` -> years."""
    if not text:
        return None
    try:
        if "-" in text:
            a, b = (int(x) for x in text.split("-", 1))
            return list(range(a, b + 1))
        return [int(x) for x in text.split(",")]
    except ValueError:
        raise UsageError(f"--years {text!r}: write 2019-2021 or 2019,2021") from None


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
    from chokepoint.io.trade_files import read_baci, read_comtrade, read_fao

    if layout == "fao":
        flows = read_fao(path, crops.split(",") if crops else None, _years(years))
    elif layout == "baci":
        if codes is None:
            raise UsageError("--layout baci needs --codes (the BACI country-code table)")
        flows = read_baci(path, codes)
    elif layout == "comtrade":
        flows = read_comtrade(path)
    else:
        raise UsageError("--layout must be fao, baci or comtrade")
    wanted = _years(years)
    if wanted:
        flows = flows[flows["year"].isin(wanted)]
    open_store(db).save_trade(dataset, flows, layout)
    typer.echo(
        f"loaded {len(flows):,} flows as dataset {dataset!r} ({flows['year'].min()}-{flows['year'].max()}, "
        f"{flows['product'].nunique():,} products)"
    )


@trade_app.command("list")
def trade_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the trade datasets in the store."""
    emit(fmt, rows=open_store(db).trade_datasets(), columns=["name", "layout", "rows", "created_at"])


@trade_app.command("delete")
def trade_delete(
    name: Annotated[str, typer.Argument(help="Dataset to delete.")], db: DbOption = None
) -> None:
    """Delete a trade dataset."""
    open_store(db).delete_trade(name)
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
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".xlsx, .csv or .json")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Only the first N rows.")] = 30,
    db: DbOption = None,
) -> None:
    """Import dependency per importer, product and year: shares, HHI, top partners, restricted share."""
    from chokepoint.trade import importer_indicators

    flows = open_store(db).load_trade(dataset)
    if product:
        flows = flows[flows["product"] == product]
    if _years(years):
        flows = flows[flows["year"].isin(_years(years))]
    df = importer_indicators(flows, (restricted or "").split(",") if restricted else (), measure)
    if home:
        df = df[df["importer"] == home.upper()]
    emit(fmt, table=df, out=out, top=top)


@trade_app.command("screen")
def trade_screen(
    dataset: DatasetOption,
    bloc: Annotated[
        str, typer.Option("--bloc", help="EU27, another group, or ISO3 codes (CHN or DEU,FRA).")
    ] = "EU27",
    years: Annotated[str | None, typer.Option("--years", help="e.g. 2019-2021")] = None,
    only_dependent: Annotated[bool, typer.Option("--dependent", help="Only dependent products.")] = False,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".xlsx, .csv or .json")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Only the first N rows.")] = 30,
    db: DbOption = None,
) -> None:
    """The three-criterion strategic-dependency screen with the persistence filter."""
    from chokepoint.model.countries import expand_codes
    from chokepoint.trade import dependency_screen

    df = dependency_screen(open_store(db).load_trade(dataset), expand_codes(bloc.split(",")), _years(years))
    if only_dependent:
        df = df[df["dependent"]]
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
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".xlsx, .csv or .json")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Only the first N rows.")] = 30,
    db: DbOption = None,
) -> None:
    """Exporters stop shipping a product: each importer's loss in quantity and share of its imports."""
    from chokepoint.trade import embargo, embargo_sweep

    flows = open_store(db).load_trade(dataset)
    if sweep_all:
        df = embargo_sweep(flows, product, year, measure)
    else:
        if not exporters:
            raise UsageError("give --exporters (or --sweep for every single exporter)")
        df = embargo(
            flows,
            [c.strip().upper() for c in exporters.split(",")],
            product,
            year,
            [c.strip().upper() for c in importers.split(",")] if importers else None,
            spare=spare,
            measure=measure,
        )
    emit(fmt, table=df, out=out, top=top)
