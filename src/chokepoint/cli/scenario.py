"""``chokepoint`` commands: scenario."""

from __future__ import annotations

import json
import sys
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
from chokepoint.cli.output import FormatOption, OutputFormat, echo_json
from chokepoint.errors import UsageError


def _scenario_arg(store: Any, project: str, ref: str) -> Any:
    """A scenario file path, or the name of a scenario saved in the project."""
    from chokepoint.io.scenario_file import read_scenario
    from chokepoint.scenario import scenario_from_dict

    if Path(ref).is_file():
        return read_scenario(ref)
    return scenario_from_dict(store.load_scenario(project, ref), f"saved scenario {ref!r}")


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
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write .xlsx, .csv or .json.")] = None,
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
    with --days, loss curves over time with inventories and ramp-up of alternative sources."""
    from chokepoint.report.scenario import format_result, write_result
    from chokepoint.scenario import run_scenario

    store = open_store(db)
    chain = store.load_chain(project)
    sc = _scenario_arg(store, project, scenario)
    spec = sc.perspective
    p = request_perspective(
        store,
        project,
        home if home is not None or spec is None else ",".join(_codes(spec.home)),
        restricted if restricted is not None or spec is None else ",".join(_codes(spec.restricted)),
        allied if allied is not None or spec is None else ",".join(_codes(spec.allied)),
        year if year is not None or spec is None else spec.year,
    )
    if days is not None:
        _scenario_over_time(chain, sc, p, days, step, inventory or [], fmt, out, plot, top)
        return
    result = run_scenario(chain, sc, p, source=scenario)
    if out is not None:
        typer.echo(f"wrote {write_result(result, out)}", err=fmt != OutputFormat.table)
    if fmt == OutputFormat.json:
        echo_json(result.document(lang))
    elif fmt == OutputFormat.csv:
        result.frame.to_csv(sys.stdout, index=False)
    else:
        typer.echo(format_result(result, top, lang))


def _pairs(items: list[str], what: str) -> dict[str, float]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise UsageError(f"{what} {item!r}: write NODE=DAYS, e.g. N19=60") from None
        if not sep:
            raise UsageError(f"{what} {item!r}: write NODE=DAYS, e.g. N19=60")
    return out


def _scenario_over_time(
    chain: Any,
    sc: Any,
    p: Any,
    days: int,
    step: int,
    inventory: list[str],
    fmt: OutputFormat,
    out: Path | None,
    plot: Path | None,
    top: int | None,
) -> None:
    from chokepoint.report.dynamics import format_dynamic, plot_curves, write_dynamic
    from chokepoint.scenario.dynamics import DynamicsConfig, run_dynamic

    if days < 1 or step < 1:
        raise UsageError("--days and --step must be at least 1")
    cfg = DynamicsConfig(days=days, step=step, inventory_days=_pairs(inventory, "--inventory"))
    r = run_dynamic(chain, sc, p, cfg)
    if out is not None:
        typer.echo(f"wrote {write_dynamic(r, out)}", err=fmt != OutputFormat.table)
    if plot is not None:
        typer.echo(f"wrote {plot_curves(r, plot)}", err=fmt != OutputFormat.table)
    if fmt == OutputFormat.json:
        echo_json(
            {
                "scenario": sc.model_dump(mode="json"),
                "days": days,
                "step": step,
                "lost_final_value_days": r.lost_final_value,
                "nodes": json.loads(r.times().to_json(orient="records")),
            }
        )
    elif fmt == OutputFormat.csv:
        r.times().to_csv(sys.stdout, index=False)
    else:
        typer.echo(format_dynamic(r, top))


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
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write .xlsx or .json.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="PNG of the loss distribution.")] = None,
    db: DbOption = None,
) -> None:
    """Random blockades (documented distributions) over time: expected loss, 95% value-at-risk,
    the nodes most often critical and the shocks that hurt most."""
    from chokepoint.report.dynamics import format_montecarlo, plot_distribution, write_montecarlo
    from chokepoint.scenario.dynamics import DynamicsConfig, MonteCarloConfig, monte_carlo

    if runs < 1:
        raise UsageError("--runs must be at least 1")
    store = open_store(db)
    chain = store.load_chain(project)
    p = request_perspective(store, project, home, restricted, None, None)
    with typer.progressbar(length=runs, label="Monte Carlo runs", file=sys.stderr) as bar:
        result = monte_carlo(
            chain,
            p,
            MonteCarloConfig(runs=runs, seed=seed),
            DynamicsConfig(days=days, step=step),
            progress=lambda done, total: bar.update(done - bar.pos),
        )
    if out is not None:
        typer.echo(f"wrote {write_montecarlo(result, out)}", err=fmt != OutputFormat.table)
    if plot is not None:
        typer.echo(f"wrote {plot_distribution(result, plot)}", err=fmt != OutputFormat.table)
    if fmt == OutputFormat.json:
        echo_json(json.loads(json.dumps(result.summary(), default=float)))
    else:
        typer.echo(format_montecarlo(result))


def _codes(v: str | list[str]) -> list[str]:
    return v.split(",") if isinstance(v, str) else list(v)


@scenario_app.command("sweep")
def scenario_sweep(
    project: ProjectOption,
    by: Annotated[
        str, typer.Option("--by", help="country (every blockade) or enterprise (every outage).")
    ] = ("country"),
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    year: YearOption = None,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write .xlsx, .csv or .json.")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Show only the first N of the ranking.")] = 20,
    db: DbOption = None,
) -> None:
    """Every single-country blockade (or single-enterprise outage) at once, ranked by what it stops."""
    from chokepoint.report.scenario import format_sweep, sweep_document, write_sweep
    from chokepoint.scenario import PropagationEngine, sweep

    if by not in ("country", "enterprise"):
        raise UsageError("--by must be 'country' or 'enterprise'")
    store = open_store(db)
    chain = store.load_chain(project)
    p = request_perspective(store, project, home, restricted, allied, year)
    engine = PropagationEngine(chain, p)
    bars: list[Any] = []

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(typer.progressbar(length=total, label=f"sweeping by {by}", file=sys.stderr))
            bars[0].__enter__()
        bars[0].update(done - bars[0].pos)

    result = sweep(chain, p, by, engine=engine, progress=progress)
    if bars:
        bars[0].__exit__(None, None, None)
    if out is not None:
        typer.echo(f"wrote {write_sweep(result, out)}", err=fmt != OutputFormat.table)
    if fmt == OutputFormat.json:
        echo_json(sweep_document(result))
    elif fmt == OutputFormat.csv:
        result.ranking().to_csv(sys.stdout, index=False)
    else:
        typer.echo(format_sweep(result, top))


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
    from chokepoint.io.scenario_file import read_scenario
    from chokepoint.scenario.run import check_scenario

    store = open_store(db)
    chain = store.load_chain(project)
    sc = read_scenario(file)
    if name:
        sc = sc.model_copy(update={"name": name})
    home = (sc.perspective and ",".join(_codes(sc.perspective.home))) or None
    stored = store.get_perspective(project)
    p = request_perspective(store, project, home, None, None, None) if home or stored else None
    if p is not None:
        check_scenario(chain, sc, p, str(file))
    store.save_scenario(project, sc.name, sc.model_dump(mode="json"))
    typer.echo(f"saved scenario {sc.name!r} in project {project!r}: {sc.label()}")


@scenario_app.command("list")
def scenario_list(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """List the scenarios saved in a project."""
    from chokepoint.scenario import scenario_from_dict

    store = open_store(db)
    rows = []
    for n in store.scenario_names(project):
        sc = scenario_from_dict(store.load_scenario(project, n), n)
        rows.append({"name": n, "shocks": len(sc.shocks), "label": sc.label()})
    if fmt == OutputFormat.json:
        echo_json(rows)
    elif fmt == OutputFormat.csv:
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=["name", "shocks", "label"])
        w.writeheader()
        w.writerows(rows)
    else:
        if not rows:
            typer.echo(
                f"project {project!r} has no saved scenario (save one with `chokepoint scenario save`)"
            )
        for r in rows:
            typer.echo(f"{r['name']:<28} {r['label']}")


@scenario_app.command("show")
def scenario_show(
    name: Annotated[str, typer.Argument(help="Saved scenario name.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Print a saved scenario as YAML."""
    import yaml

    typer.echo(
        yaml.safe_dump(open_store(db).load_scenario(project, name), allow_unicode=True, sort_keys=False)
    )


@scenario_app.command("delete")
def scenario_delete(
    name: Annotated[str, typer.Argument(help="Saved scenario name.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Delete a saved scenario."""
    open_store(db).delete_scenario(project, name)
    typer.echo(f"deleted scenario {name!r}")
