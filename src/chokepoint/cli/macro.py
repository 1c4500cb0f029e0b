"""``chokepoint`` commands: macro."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from chokepoint.cli.base import (
    DatasetOption,
    DbOption,
    io_app,
    open_store,
)
from chokepoint.cli.output import FormatOption, OutputFormat, emit
from chokepoint.errors import UsageError


@io_app.command("load")
def io_load(
    dataset: DatasetOption,
    path: Annotated[
        Path | None, typer.Argument(help="Folder with Z.csv/Y.csv, or a BEA summary Use .xlsx.")
    ] = None,
    test: Annotated[bool, typer.Option("--test", help="Load pymrio's bundled test system instead.")] = False,
    year: Annotated[int, typer.Option("--year", help="Year sheet of a BEA workbook.")] = 2015,
    db: DbOption = None,
) -> None:
    """Load an input-output system into the store under a name (replacing one of that name)."""
    from chokepoint.io.iofiles import load_pymrio_test, read_bea_summary_use, read_io_csv

    if test:
        system = load_pymrio_test()
    elif path is None:
        raise UsageError("give a PATH (CSV folder or BEA .xlsx) or --test")
    elif path.suffix.lower() == ".xlsx":
        system = read_bea_summary_use(path, year)
    else:
        system = read_io_csv(path)
    open_store(db).save_io(dataset, system)
    typer.echo(
        f"loaded {system.name!r} as dataset {dataset!r}: {system.n} sectors, "
        f"total output {system.x.sum():,.0f}"
    )


@io_app.command("list")
def io_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the IO datasets in the store."""
    emit(fmt, rows=open_store(db).io_datasets(), columns=["name", "sectors", "title", "created_at"])


@io_app.command("rename")
def io_rename(
    old: Annotated[str, typer.Argument(help="Current name.")],
    new: Annotated[str, typer.Argument(help="New name.")],
    db: DbOption = None,
) -> None:
    """Rename an IO dataset."""
    open_store(db).rename_io(old, new)
    typer.echo(f"renamed {old!r} to {new!r}")


@io_app.command("delete")
def io_delete(name: Annotated[str, typer.Argument(help="Dataset to delete.")], db: DbOption = None) -> None:
    """Delete an IO dataset."""
    open_store(db).delete_io(name)
    typer.echo(f"deleted {name!r}")


@io_app.command("linkages")
def io_linkages(
    dataset: DatasetOption,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".xlsx, .csv or .json")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Only the first N rows.")] = None,
    db: DbOption = None,
) -> None:
    """Rasmussen backward and forward linkages of every sector (key sectors above 1 on both)."""
    df = open_store(db).load_io(dataset).linkages().sort_values("backward", ascending=False)
    emit(fmt, table=df, out=out, top=top)


@io_app.command("extract")
def io_extract(
    dataset: DatasetOption,
    by: Annotated[str, typer.Option("--by", help="sector or region.")] = "sector",
    kind: Annotated[str, typer.Option("--kind", help="total, backward or forward (sectors).")] = "total",
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".xlsx, .csv or .json")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Only the first N rows.")] = None,
    db: DbOption = None,
) -> None:
    """Hypothetical extraction of every sector (or region) at once: output lost, largest first."""
    system = open_store(db).load_io(dataset)
    if by == "sector":
        df = system.extraction(kind)
    elif by == "region":
        df = system.extraction_by_region()
    else:
        raise UsageError("--by must be sector or region")
    emit(fmt, table=df.sort_values("loss", ascending=False), out=out, top=top)


@io_app.command("shock")
def io_shock(
    file: Annotated[
        Path, typer.Argument(help="YAML: demand {region/sector: fraction}, caps {...}, recovery, steps.")
    ],
    dataset: DatasetOption,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".xlsx, .csv or .json")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Only the first N rows.")] = 20,
    db: DbOption = None,
) -> None:
    """Inoperability of every sector after a demand perturbation and supply caps (embargoes);
    with ``recovery`` and ``steps``, the dynamic model's path."""
    import numpy as np
    import pandas as pd
    import yaml

    system = open_store(db).load_io(dataset)
    spec = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    keys = {
        f"{r}/{s}": i
        for i, (r, s) in enumerate(zip(system.labels["region"], system.labels["sector"], strict=True))
    }

    def index(key: str) -> int:
        if key not in keys:
            raise UsageError(
                f"{file.name}: unknown sector {key!r}; write region/sector, e.g. {next(iter(keys))}"
            )
        return keys[key]

    c = np.zeros(system.n)
    for k, v in (spec.get("demand") or {}).items():
        c[index(str(k))] = float(v)
    caps = {index(str(k)): float(v) for k, v in (spec.get("caps") or {}).items()}
    q = system.inoperability(c, caps)
    if spec.get("steps"):
        path = system.dynamic_inoperability(c, float(spec.get("recovery", 0.1)), int(spec["steps"]))
        q = path[-1]
    df = system.labels.copy()
    df["inoperability"] = q
    df["loss"] = system.x * q
    df = df.sort_values("loss", ascending=False)
    if fmt == OutputFormat.json and out is None:
        typer.echo(
            json.dumps(
                {
                    "economic_loss": float(system.economic_loss(q)),
                    "sectors": json.loads(df.head(top).to_json(orient="records")),
                }
            )
        )
        return
    emit(fmt, table=pd.DataFrame(df), out=out, top=top)
    if fmt == OutputFormat.table:
        typer.echo(f"economic loss: {system.economic_loss(q):,.2f}")
