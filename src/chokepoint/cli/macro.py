"""``chokepoint macro`` commands: input-output datasets, linkages, extraction, shocks.

``chokepoint io`` is the same group under its old name, kept one release as a deprecated
alias: every ``io`` command warns on standard error. The use cases are in
:mod:`chokepoint.service.macro`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from chokepoint.cli.base import DatasetOption, DbOption, io_app, macro_app, open_store
from chokepoint.cli.output import FormatOption, OutOption, OutputFormat, TopOption, emit
from chokepoint.errors import InputFileError, UsageError
from chokepoint.service import macro as svc

DEPRECATION = (
    "Warning: `chokepoint io` is deprecated and will be removed in the next release; use `chokepoint macro`."
)


@io_app.callback()
def io_deprecated() -> None:
    """Deprecated alias of `chokepoint macro` (removed in the next release)."""
    typer.echo(DEPRECATION, err=True)


@macro_app.command("load")
@io_app.command("load")
def macro_load(
    dataset: DatasetOption,
    path: Annotated[
        Path | None, typer.Argument(help="Folder with Z.csv/Y.csv, or a BEA summary Use .xlsx.")
    ] = None,
    test: Annotated[bool, typer.Option("--test", help="Load pymrio's bundled test system instead.")] = False,
    year: Annotated[int, typer.Option("--year", help="Year sheet of a BEA workbook.")] = 2015,
    make: Annotated[
        Path | None,
        typer.Option(
            "--make", help="BEA Make table (.xlsx, same year): symmetric table by industry technology."
        ),
    ] = None,
    imports: Annotated[
        Path | None,
        typer.Option(
            "--imports",
            help="BEA import matrix (.xlsx, same year): domestic coefficients and imported inputs.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Load an input-output system into the store under a name (replacing one of that name)."""
    done = svc.load_dataset(open_store(db), dataset, path, test=test, year=year, make=make, imports=imports)
    typer.echo(
        f"loaded {done['title']!r} as dataset {dataset!r}: {done['sectors']} sectors, "
        f"total output {done['total_output']:,.0f}"
    )


@macro_app.command("list")
@io_app.command("list")
def macro_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the IO datasets in the store."""
    emit(fmt, rows=svc.datasets(open_store(db)), columns=["name", "sectors", "title", "created_at"])


@macro_app.command("rename")
@io_app.command("rename")
def macro_rename(
    old: Annotated[str, typer.Argument(help="Current name.")],
    new: Annotated[str, typer.Argument(help="New name.")],
    db: DbOption = None,
) -> None:
    """Rename an IO dataset."""
    svc.rename_dataset(open_store(db), old, new)
    typer.echo(f"renamed {old!r} to {new!r}")


@macro_app.command("delete")
@io_app.command("delete")
def macro_delete(
    name: Annotated[str, typer.Argument(help="Dataset to delete.")], db: DbOption = None
) -> None:
    """Delete an IO dataset."""
    svc.delete_dataset(open_store(db), name)
    typer.echo(f"deleted {name!r}")


@macro_app.command("linkages")
@io_app.command("linkages")
def macro_linkages(
    dataset: DatasetOption,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    top: TopOption = None,
    db: DbOption = None,
) -> None:
    """Rasmussen backward and forward linkages of every sector (key sectors above 1 on both)."""
    emit(fmt, table=svc.linkages(open_store(db), dataset), out=out, top=top)


@macro_app.command("imports")
@io_app.command("imports")
def macro_imports(
    dataset: DatasetOption,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    top: TopOption = None,
    db: DbOption = None,
) -> None:
    """Import content of every sector's output on a domestic dataset (loaded with --imports):
    imported inputs per unit of output (direct) and per unit of final demand (total).
    """
    emit(fmt, table=svc.imports(open_store(db), dataset), out=out, top=top)


@macro_app.command("extract")
@io_app.command("extract")
def macro_extract(
    dataset: DatasetOption,
    by: Annotated[str, typer.Option("--by", help="sector or region.")] = "sector",
    kind: Annotated[
        str, typer.Option("--kind", help="total, backward, forward or forward_ghosh (sectors).")
    ] = "total",
    keep_diagonal: Annotated[
        bool,
        typer.Option("--keep-diagonal", help="Keep the sector's own coefficient (backward, forward kinds)."),
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    top: TopOption = None,
    db: DbOption = None,
) -> None:
    """Hypothetical extraction of every sector (or region) at once: output lost, largest first."""
    emit(fmt, table=svc.extraction(open_store(db), dataset, by, kind, keep_diagonal), out=out, top=top)


def _read_spec(file: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(str(file), f"cannot read it ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{file.name}: not a YAML shock ({exc})") from None


@macro_app.command("shock")
@io_app.command("shock")
def macro_shock(
    file: Annotated[
        Path, typer.Argument(help="YAML: demand {region/sector: fraction}, caps {...}, recovery, steps.")
    ],
    dataset: DatasetOption,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    top: TopOption = 20,
    db: DbOption = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="With caps: rationing (default), mixed or ghosh; overrides the file's model.",
        ),
    ] = None,
) -> None:
    """Inoperability of every sector after a demand perturbation and supply caps (embargoes);
    with ``recovery`` and ``steps``, the dynamic model's path.
    """
    result = svc.shock(open_store(db), dataset, _read_spec(file), source=file.name, model=model)
    shown = result.table if top is None else result.table.head(top)
    emit(
        fmt,
        table=result.table,
        document=svc.shock_document(result, top),
        text=lambda: f"{shown.to_string(index=False)}\neconomic loss: {result.economic_loss:,.2f}",
        out=out,
        top=top,
    )
