"""``chokepoint`` commands: scenario (a thin layer over :mod:`chokepoint.service.scenarios`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from chokepoint.cli.base import (
    AlliedOption,
    DbOption,
    HomeOption,
    LangOption,
    ProjectOption,
    RestrictedOption,
    YearOption,
    open_store,
    request_perspective,
    scenario_app,
)
from chokepoint.cli.output import FormatOption, OutputFormat, emit, out_option
from chokepoint.service import scenarios as svc
from chokepoint.service.scenarios import Progress

ClusterOption = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="Run the batches on Dask: local:N starts N local workers; or a scheduler's address "
        "(tcp://HOST:8786) or scheduler file (.json). Same result as without.",
    ),
]


def _text_top(fmt: OutputFormat, top: int | None) -> int | None:
    """``--top`` limits the text only: CSV keeps every row, and the text follows ``--out``."""
    return top if fmt == OutputFormat.table else None


@contextmanager
def _progress_bar(label: str) -> Iterator[Progress]:
    """A progress bar on standard error, opened at the first report (when the total is known)."""
    bars: list[Any] = []

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(typer.progressbar(length=total, label=label, file=sys.stderr))
            bars[0].__enter__()
        bars[0].update(done - bars[0].pos)

    try:
        yield progress
    finally:
        if bars:
            bars[0].__exit__(None, None, None)


@scenario_app.command("run")
def scenario_run(
    scenario: Annotated[
        str, typer.Argument(help="Scenario file (.yaml/.json) or the name of a saved scenario.")
    ],
    project: ProjectOption,
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    year: YearOption = None,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[
        Path | None,
        out_option("Write .xlsx, .csv or .json; or a report for meetings: .html or .pdf (not with --days)."),
    ] = None,
    top: Annotated[int | None, typer.Option("--top", help="Show only the N most impacted nodes.")] = 20,
    days: Annotated[int | None, typer.Option("--days", help="Run over time for N days (dynamics).")] = None,
    step: Annotated[int, typer.Option("--step", help="Days per time step (with --days).")] = 1,
    inventory: Annotated[
        list[str] | None,
        typer.Option("--inventory", help="NODE=DAYS of inventory (repeatable, with --days)."),
    ] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="PNG of the loss curves (with --days).")] = None,
    lang: LangOption = "en",
    db: DbOption = None,
) -> None:
    """Propagate a scenario through every tier: loss per node, explanation path, alternatives;
    with --days, loss curves over time with inventories and ramp-up of alternative sources.
    """
    store = open_store(db)
    sc = svc.load_scenario(store, project, scenario)
    if days is not None:
        from chokepoint.report.dynamics import format_dynamic, plot_curves, write_dynamic

        d = svc.run_over_time(
            store,
            project,
            sc,
            days=days,
            step=step,
            inventory=inventory or [],
            home=home,
            restricted=restricted,
            allied=allied,
            year=year,
        )
        if plot is not None:
            typer.echo(f"wrote {plot_curves(d, plot)}", err=fmt != OutputFormat.table)
        emit(
            fmt,
            table=d.times(),
            document=svc.dynamic_document(d) if fmt == OutputFormat.json else None,
            text=lambda: format_dynamic(d, top),
            out=out,
            write=lambda path: write_dynamic(d, path, lang),
            top=_text_top(fmt, top),
        )
        return
    from chokepoint.report.scenario import format_result, write_result

    r = svc.run(
        store, project, sc, home=home, restricted=restricted, allied=allied, year=year, source=scenario
    )

    def write(path: Path) -> Path:
        if path.suffix.lower() in (".html", ".pdf"):
            from chokepoint.service.reports import scenario_report

            return scenario_report(r, project, path, lang)
        return write_result(r, path, lang)

    emit(
        fmt,
        table=r.frame,
        document=svc.run_document(r, lang) if fmt == OutputFormat.json else None,
        text=lambda: format_result(r, top, lang),
        out=out,
        write=write,
        top=_text_top(fmt, top),
    )


@scenario_app.command("montecarlo")
def scenario_montecarlo(
    project: ProjectOption,
    runs: Annotated[int, typer.Option("--runs", help="Number of random scenarios.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same results).")] = 0,
    days: Annotated[int, typer.Option("--days", help="Horizon in days.")] = 364,
    step: Annotated[int, typer.Option("--step", help="Days per time step.")] = 7,
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, out_option("Write .xlsx or .json.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="PNG of the loss distribution.")] = None,
    cluster: ClusterOption = None,
    batch: Annotated[int, typer.Option("--batch", help="Runs per batch (one task on a cluster).")] = 4,
    lang: LangOption = "en",
    db: DbOption = None,
) -> None:
    """Random blockades (documented distributions) over time: expected loss, 95% value-at-risk,
    the nodes most often critical and the shocks that hurt most.
    """
    from chokepoint.report.dynamics import format_montecarlo, plot_distribution, write_montecarlo

    store = open_store(db)
    p = request_perspective(store, project, home, restricted)
    with _progress_bar("Monte Carlo runs") as progress:
        m = svc.monte_carlo(
            store,
            project,
            p,
            runs=runs,
            seed=seed,
            days=days,
            step=step,
            progress=progress,
            cluster=cluster,
            batch=batch,
        )
    if plot is not None:
        typer.echo(f"wrote {plot_distribution(m, plot)}", err=fmt != OutputFormat.table)
    emit(
        fmt,
        document=svc.montecarlo_document(m) if fmt == OutputFormat.json else None,
        text=lambda: format_montecarlo(m),
        out=out,
        write=lambda path: write_montecarlo(m, path, lang),
    )
    if out is not None and fmt == OutputFormat.table:
        typer.echo(format_montecarlo(m))  # the summary follows --out too


@scenario_app.command("sweep")
def scenario_sweep(
    project: ProjectOption,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="country (every blockade), enterprise (every outage) or pair (every pair of "
            "countries' joint blockade).",
        ),
    ] = ("country"),
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    year: YearOption = None,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, out_option("Write .xlsx, .csv or .json.")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Show only the first N of the ranking.")] = 20,
    cluster: ClusterOption = None,
    lang: LangOption = "en",
    db: DbOption = None,
) -> None:
    """Every single-country blockade (or single-enterprise outage) at once, ranked by what it stops."""
    from chokepoint.report.scenario import format_sweep, write_sweep

    store = open_store(db)
    p = request_perspective(store, project, home, restricted, allied, year)
    with _progress_bar(f"sweeping by {by}") as progress:
        s = svc.sweep(store, project, p, by, progress=progress, cluster=cluster)
    emit(
        fmt,
        table=s.ranking(),
        document=svc.sweep_document(s) if fmt == OutputFormat.json else None,
        text=lambda: format_sweep(s, top),
        out=out,
        write=lambda path: write_sweep(s, path, lang),
        top=_text_top(fmt, top),
    )


@scenario_app.command("save")
def scenario_save(
    file: Annotated[Path, typer.Argument(help="Scenario file (.yaml or .json).")],
    project: ProjectOption,
    name: Annotated[
        str | None, typer.Option("--name", help="Name to save under (default: the file's).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Validate a scenario file and save it in the project (replacing one of the same name)."""
    sc = svc.save_scenario(open_store(db), project, svc.read_scenario_file(file, name), source=str(file))
    typer.echo(f"saved scenario {sc.name!r} in project {project!r}: {sc.label()}")


@scenario_app.command("list")
def scenario_list(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """List the scenarios saved in a project."""
    rows = svc.list_scenarios(open_store(db), project)

    def text() -> str:
        if not rows:
            return f"project {project!r} has no saved scenario (save one with `chokepoint scenario save`)"
        return "\n".join(f"{r['name']:<28} {r['label']}" for r in rows)

    emit(fmt, rows=rows, columns=["name", "shocks", "label"], text=text)


@scenario_app.command("show")
def scenario_show(
    name: Annotated[str, typer.Argument(help="Saved scenario name.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Print a saved scenario as YAML."""
    import yaml

    body = svc.get_scenario(open_store(db), project, name)
    typer.echo(yaml.safe_dump(body, allow_unicode=True, sort_keys=False))


@scenario_app.command("delete")
def scenario_delete(
    name: Annotated[str, typer.Argument(help="Saved scenario name.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Delete a saved scenario."""
    svc.delete_scenario(open_store(db), project, name)
    typer.echo(f"deleted scenario {name!r}")
