"""``chokepoint materials`` commands: raw-materials datasets, supply risk, leverage, stages, a chain.

The use cases are in :mod:`chokepoint.service.materials`; formulas in docs/materials.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from chokepoint.cli.base import DbOption, LangOption, materials_app, open_store
from chokepoint.cli.output import FormatOption, OutOption, OutputFormat, TopOption, emit
from chokepoint.report.workbook import MATERIALS_HEADERS
from chokepoint.service import materials as svc

MaterialsDataset = Annotated[
    str, typer.Option("--dataset", "-d", help="Name of the raw-materials dataset in the store.")
]
MaterialsHome = Annotated[
    str,
    typer.Option(
        "--home", help="Home economy: ISO3 codes (CHN, or DEU,FRA as one economy) or a group (EU27)."
    ),
]
MaterialsYear = Annotated[int | None, typer.Option("--year", help="Production year (default: the latest).")]


@materials_app.command("load")
def materials_load(
    path: Annotated[Path, typer.Argument(help="Raw-materials folder (World Mining Data, BACI, map, WGI).")],
    dataset: MaterialsDataset,
    db: DbOption = None,
) -> None:
    """Load a raw-materials folder into the store under a name (whole or not at all)."""
    done = svc.load_dataset(open_store(db), dataset, path)
    typer.echo(
        f"loaded {dataset!r}: {done['commodities']} commodities, "
        f"{done['production_rows']:,} production rows, {done['trade_rows']:,} trade flows, {done['years']}"
    )
    for note in done["notes"]:
        typer.echo(f"  note: {note}")


@materials_app.command("list")
def materials_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the raw-materials datasets in the store."""
    emit(
        fmt,
        rows=svc.datasets(open_store(db)),
        columns=["name", "commodities", "trade_rows", "years", "created_at"],
    )


@materials_app.command("delete")
def materials_delete(
    name: Annotated[str, typer.Argument(help="Dataset to delete.")], db: DbOption = None
) -> None:
    """Delete a raw-materials dataset."""
    svc.delete_dataset(open_store(db), name)
    typer.echo(f"deleted {name!r}")


@materials_app.command("risk")
def materials_risk(
    dataset: MaterialsDataset,
    home: MaterialsHome,
    year: MaterialsYear = None,
    method: Annotated[str, typer.Option("--method", help="geopolrisk, eu or all.")] = "all",
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    top: TopOption = None,
    db: DbOption = None,
) -> None:
    """Supply risk of every commodity for the home economy (GeoPolRisk, EU supply risk), largest first."""
    table = svc.risk(open_store(db), dataset, home, year, method, lang)
    shown = table[svc.SHOWN[method]] if top is None else table[svc.SHOWN[method]].head(top)
    _emit_ranked(fmt, table, shown, out, top, lang)


@materials_app.command("leverage")
def materials_leverage(
    dataset: MaterialsDataset,
    home: MaterialsHome,
    year: MaterialsYear = None,
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    top: TopOption = None,
    db: DbOption = None,
) -> None:
    """The home economy's leverage on every commodity (长板/杀手锏 on the raw-material side), ranked."""
    table = svc.leverage(open_store(db), dataset, home, year, lang)
    cols = [
        "rank",
        "name",
        "home_production_share",
        "home_export_share",
        "reliance_weighted_export_share",
        "leverage",
        "coverage",
    ]
    shown = table[cols] if top is None else table[cols].head(top)
    _emit_ranked(fmt, table, shown, out, top, lang)


@materials_app.command("stages")
def materials_stages(
    path: Annotated[Path, typer.Argument(help="BGS World Mineral Statistics table (.csv or .csv.gz, ';').")],
    year: Annotated[int, typer.Option("--year", help="The year to compare.")],
    home: Annotated[
        str | None, typer.Option("--home", help="Home economy whose share of each stage is shown.")
    ] = None,
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    db: DbOption = None,
) -> None:
    """Mine vs smelter vs refinery concentration of each staged commodity, and its bottleneck stage."""
    table = svc.stages(path, year, home, lang)
    cols = ["commodity", "stage", "hhi", "top_producer", "top_producer_share", "home_share", "bottleneck"]
    emit(
        fmt,
        table=table,
        text=lambda: (
            table[cols].to_string(index=False) + "\n\n" + "\n".join(dict.fromkeys(table["explanation"]))
        ),
        out=out,
        lang=lang,
        headers=MATERIALS_HEADERS,
    )


@materials_app.command("chain")
def materials_chain(
    dataset: MaterialsDataset,
    project: Annotated[str, typer.Option("--project", "-p", help="The chain project to create or replace.")],
    home: Annotated[
        str | None, typer.Option("--home", help="Store this home economy as the project's perspective.")
    ] = None,
    year: MaterialsYear = None,
    db: DbOption = None,
) -> None:
    """Build a chain project from the dataset (commodities as materials, producing countries as providers),
    with its trade flows as the project's linked trade dataset.
    """
    done = svc.build_chain(open_store(db), dataset, project, year, home)
    typer.echo(
        f"project {project!r} ({done['year']}): {done['nodes']} nodes, {done['actors']} countries, "
        f"{done['provisions']} provisions; linked trade dataset {done['trade_dataset']!r}"
    )


def _emit_ranked(
    fmt: OutputFormat, table: pd.DataFrame, shown: pd.DataFrame, out: Path | None, top: int | None, lang: str
) -> None:
    """Print ``shown`` (or the table in ``fmt``) and write ``table`` to ``out`` under the
    raw-material headers.
    """
    emit(
        fmt,
        table=table,
        text=lambda: shown.to_string(index=False),
        out=out,
        top=top,
        lang=lang,
        headers=MATERIALS_HEADERS,
    )
