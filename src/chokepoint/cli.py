"""The ``chokepoint`` command line: a thin layer that calls the library.

Domain errors (:class:`~chokepoint.errors.ChokepointError`) become one clean
message on standard error and exit status 1; usage errors exit with 2.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from chokepoint.errors import ChainValidationError, ChokepointError, UsageError


class _Group(TyperGroup):
    """Turns domain errors into clean messages (no traceback) for every command."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ChainValidationError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None
        except UsageError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(2) from None
        except ChokepointError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    help="chokepoint: industrial-chain security analytics (产业链安全). "
    "Map a chain, find its chokepoints (卡脖子), and act on them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
projects_app = typer.Typer(
    cls=_Group, help="List, rename and delete projects in the store.", no_args_is_help=True
)
app.add_typer(projects_app, name="projects")
perspective_app = typer.Typer(
    cls=_Group, help="Show, set or clear a project's default perspective.", no_args_is_help=True
)
app.add_typer(perspective_app, name="perspective")
scenario_app = typer.Typer(
    cls=_Group,
    help="Disruption scenarios (断链模拟): run, sweep, save, list, show, delete.",
    no_args_is_help=True,
)
app.add_typer(scenario_app, name="scenario")
users_app = typer.Typer(
    cls=_Group, help="Users and roles: add, list, bind, unbind, passwd, disable.", no_args_is_help=True
)
app.add_typer(users_app, name="users")
report_app = typer.Typer(
    cls=_Group,
    help="Direct data reporting (数据直报): template, upload, list, history.",
    no_args_is_help=True,
)
app.add_typer(report_app, name="report-data")
rules_app = typer.Typer(cls=_Group, help="Warning rules: import, list, history.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
monitor_app = typer.Typer(
    cls=_Group, help="Routine re-assessment (常态化评估): run, diff, list.", no_args_is_help=True
)
app.add_typer(monitor_app, name="monitor")
alerts_app = typer.Typer(cls=_Group, help="Graded warnings (预警): list, ack, resolve.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
io_app = typer.Typer(
    cls=_Group,
    help="Macro input-output view: load, list, rename, delete, linkages, extract, shock.",
    no_args_is_help=True,
)
app.add_typer(io_app, name="io")
trade_app = typer.Typer(
    cls=_Group,
    help="Trade-flow dependency: load, list, delete, dependencies, screen, embargo.",
    no_args_is_help=True,
)
app.add_typer(trade_app, name="trade")
challenges_app = typer.Typer(
    cls=_Group, help="Technical challenges (揭榜挂帅): add, list, show, match, bid.", no_args_is_help=True
)
app.add_typer(challenges_app, name="challenges")
profiles_app = typer.Typer(
    cls=_Group, help="Capability profiles of institutions and firms: import, list.", no_args_is_help=True
)
app.add_typer(profiles_app, name="profiles")
tasks_app = typer.Typer(
    cls=_Group, help="Joint R&D tasks (联合攻关任务): list, show, set status.", no_args_is_help=True
)
app.add_typer(tasks_app, name="tasks")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store: a SQLite file or SQLAlchemy URL (default: $CHOKEPOINT_DB, "
        "else chokepoint.db in the user's data directory).",
        envvar="CHOKEPOINT_DB",
        show_envvar=True,
    ),
]
ProjectOption = Annotated[str, typer.Option("--project", "-p", help="Project name in the store.")]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
HomeOption = Annotated[
    str | None, typer.Option("--home", help="Home economy: ISO3 code(s) or group (CHN, EU27).")
]
RestrictedOption = Annotated[
    str | None,
    typer.Option("--restricted", help="Comma-separated ISO3 codes that may blockade the home economy."),
]
AlliedOption = Annotated[str | None, typer.Option("--allied", help="Comma-separated ISO3 codes of allies.")]
YearOption = Annotated[int | None, typer.Option("--year", help="Use provisions up to this year.")]
LangOption = Annotated[str, typer.Option("--lang", help="Language of names and explanations: en or zh.")]

DEMO_PERSPECTIVE = {"home": "CHN", "restricted": "USA,JPN,NLD,KOR,TWN"}


def _store(db: str | None) -> Any:
    from chokepoint.store import Store

    return Store(db)


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))


def _print_summary(summary: dict[str, Any], title: str) -> None:
    from chokepoint.report.text import summary_lines

    for line in summary_lines(summary, title):
        typer.echo(line)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="CSV folder (exchange format or ETO layout), .xlsx or .json.")],
    project: ProjectOption,
    merge: Annotated[
        bool, typer.Option("--merge", help="Add to the project instead of replacing it.")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--input-format", help="csv, xlsx, json or eto (default: from the path)."),
    ] = None,
    show_warnings: Annotated[bool, typer.Option("--warnings", help="List every warning.")] = False,
    db: DbOption = None,
) -> None:
    """Import a chain map into a project (replacing it, or adding with --merge).

    A file with any error changes nothing and lists every problem with its file, row and column.
    """
    from chokepoint.io.readers import read_blocks
    from chokepoint.model.validate import chain_from_tables

    store = _store(db)
    exists = store.has_project(project)
    blocks, meta, problems = read_blocks(path, fmt)
    if merge and exists:
        report = store.merge_tables(project, blocks, meta, problems)
    else:
        report = chain_from_tables(blocks, meta, problems=problems)
        store.save_chain(project, report.chain)
    chain = report.chain
    verb = "merged into" if merge and exists else ("replaced" if exists else "imported as")
    typer.echo(f"{path} {verb} project {project!r}: {chain!r}")
    if report.merged_alias_rows:
        n = report.merged_alias_rows
        typer.echo(f"{n} alias row{'s' if n != 1 else ''} merged into their actors")
    counts = report.warning_counts()
    if counts:
        typer.echo("warnings: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
        for w in report.warnings if show_warnings else []:
            typer.echo(f"  {w}")


@app.command("export")
def export(
    project: ProjectOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder (CSV files), .xlsx or .json.")],
    db: DbOption = None,
) -> None:
    """Export a project as a CSV folder, an Excel workbook or JSON (by the extension of --out)."""
    from chokepoint.io import write_chain

    chain = _store(db).load_chain(project)
    written = write_chain(chain, out)
    typer.echo(f"wrote {written}")
    if chain.meta.get("attribution"):
        typer.echo(chain.meta["attribution"])


@app.command("info")
def info(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """Summarize a project: counts by kind, stages, countries, share coverage, years."""
    chain = _store(db).load_chain(project)
    summary = chain.summary()
    if fmt == OutputFormat.json:
        _echo_json(summary)
    elif fmt == OutputFormat.csv:
        import csv

        from chokepoint.report.text import summary_rows

        w = csv.writer(sys.stdout)
        w.writerow(["key", "value"])
        w.writerows(summary_rows(summary))
    else:
        _print_summary(summary, f"Project {project!r}")


def _perspective(
    store: Any,
    project: str,
    chain: Any,
    home: str | None,
    restricted: str | None,
    allied: str | None,
    year: int | None,
) -> Any:
    """Flags override the project's stored default perspective."""
    from chokepoint.assess import Perspective

    regions = set(chain.actors.loc[chain.actors["kind"] == "region", "country"])
    stored = store.get_perspective(project) or {}
    if home is None and not stored:
        raise ChokepointError(
            f"no perspective for project {project!r}: pass --home (and --restricted), or store one with "
            f"`chokepoint perspective set --project {project} --home CHN --restricted USA,JPN`"
        )
    return Perspective.from_codes(
        home if home is not None else stored["home"],
        restricted if restricted is not None else stored.get("restricted", ()),
        allied if allied is not None else stored.get("allied", ()),
        year if year is not None else stored.get("year"),
        country_risk=stored.get("country_risk"),
        known_regions=regions,
    )


@app.command("assess")
def assess_cmd(
    project: ProjectOption,
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    year: YearOption = None,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write .xlsx, .csv or .json.")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Show only the first N nodes.")] = None,
    io_dataset: Annotated[
        str | None,
        typer.Option("--io-dataset", help="IO dataset: blend sector extraction losses into criticality."),
    ] = None,
    lang: LangOption = "en",
    db: DbOption = None,
) -> None:
    """Score every node: level I-IV, quadrant, components and a one-sentence explanation."""
    from chokepoint.assess import assess
    from chokepoint.report.assessment import (
        assessment_document,
        assessment_table,
        format_table,
        write_assessment,
    )

    store = _store(db)
    chain = store.load_chain(project)
    macro = None
    if io_dataset:
        from chokepoint.macro.link import macro_criticality

        macro = macro_criticality(chain, store.load_io(io_dataset))
    a = assess(chain, _perspective(store, project, chain, home, restricted, allied, year), macro=macro)
    if out is not None:
        typer.echo(f"wrote {write_assessment(a, out, lang)}", err=fmt != OutputFormat.table)
    if fmt == OutputFormat.json:
        _echo_json(assessment_document(a, lang, top))
    elif fmt == OutputFormat.csv:
        assessment_table(a, lang, top).to_csv(sys.stdout, index=False)
    elif out is None or top is not None:
        typer.echo(format_table(a, top if top is not None else None, lang))


@perspective_app.command("set")
def perspective_set(
    project: ProjectOption,
    home: Annotated[str, typer.Option("--home", help="Home economy: ISO3 code(s) or group (CHN, EU27).")],
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    year: YearOption = None,
    db: DbOption = None,
) -> None:
    """Store the default perspective used when --home/--restricted are absent."""
    store = _store(db)
    chain = store.load_chain(project)
    p = _perspective(store, project, chain, home, restricted or "", allied or "", year)
    store.set_perspective(project, p.to_dict())
    typer.echo(f"perspective of {project!r}: {p.label()}")


@perspective_app.command("show")
def perspective_show(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """Print the project's default perspective."""
    stored = _store(db).get_perspective(project)
    if fmt == OutputFormat.json:
        _echo_json(stored)
    elif stored is None:
        typer.echo(f"project {project!r} has no default perspective")
    else:
        from chokepoint.assess import Perspective

        typer.echo(Perspective.from_dict(stored).label())


@perspective_app.command("clear")
def perspective_clear(project: ProjectOption, db: DbOption = None) -> None:
    """Remove the project's default perspective."""
    _store(db).set_perspective(project, None)
    typer.echo(f"perspective of {project!r} cleared")


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
    db: DbOption = None,
) -> None:
    """Propagate a scenario through every tier: loss per node, explanation path, alternatives;
    with --days, loss curves over time with inventories and ramp-up of alternative sources."""
    from chokepoint.report.scenario import format_result, write_result
    from chokepoint.scenario import run_scenario

    store = _store(db)
    chain = store.load_chain(project)
    sc = _scenario_arg(store, project, scenario)
    spec = sc.perspective
    p = _perspective(
        store,
        project,
        chain,
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
        _echo_json(result.document())
    elif fmt == OutputFormat.csv:
        result.frame.to_csv(sys.stdout, index=False)
    else:
        typer.echo(format_result(result, top))


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
        _echo_json(
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
    store = _store(db)
    chain = store.load_chain(project)
    p = _perspective(store, project, chain, home, restricted, None, None)
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
        _echo_json(json.loads(json.dumps(result.summary(), default=float)))
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
    store = _store(db)
    chain = store.load_chain(project)
    p = _perspective(store, project, chain, home, restricted, allied, year)
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
        _echo_json(sweep_document(result))
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

    store = _store(db)
    chain = store.load_chain(project)
    sc = read_scenario(file)
    if name:
        sc = sc.model_copy(update={"name": name})
    home = (sc.perspective and ",".join(_codes(sc.perspective.home))) or None
    stored = store.get_perspective(project)
    p = _perspective(store, project, chain, home, None, None, None) if home or stored else None
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

    store = _store(db)
    rows = []
    for n in store.scenario_names(project):
        sc = scenario_from_dict(store.load_scenario(project, n), n)
        rows.append({"name": n, "shocks": len(sc.shocks), "label": sc.label()})
    if fmt == OutputFormat.json:
        _echo_json(rows)
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

    typer.echo(yaml.safe_dump(_store(db).load_scenario(project, name), allow_unicode=True, sort_keys=False))


@scenario_app.command("delete")
def scenario_delete(
    name: Annotated[str, typer.Argument(help="Saved scenario name.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Delete a saved scenario."""
    _store(db).delete_scenario(project, name)
    typer.echo(f"deleted scenario {name!r}")


@app.command("lists")
def lists_cmd(
    project: ProjectOption,
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    year: YearOption = None,
    lang: LangOption = "en",
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format on standard output: table or json.")
    ] = OutputFormat.table,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help=".xlsx (one sheet per list), .json, or .csv (one file per list)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Policy lists (清单): chokepoints, advantages, key enterprises, research units, joint R&D
    tasks (stored with stable ids), supporting gaps and major problems."""
    from chokepoint.assess import assess
    from chokepoint.lists import policy_lists, task_list
    from chokepoint.report.lists import format_lists, lists_document, write_lists

    if lang not in ("en", "zh"):
        raise UsageError("--lang must be en or zh")
    if fmt == OutputFormat.csv:
        raise UsageError("lists are several tables: use --format table or json, or --out FILE.csv")
    store = _store(db)
    chain = store.load_chain(project)
    a = assess(chain, _perspective(store, project, chain, home, restricted, allied, year))
    import pandas as pd

    tasks = task_list(a, lang)
    stored = store.upsert_tasks(project, tasks.to_dict("records"))
    tasks["status"] = [r["status"] for r in stored]
    lists = policy_lists(a, lang, tasks=tasks)
    if out is not None:
        for f in write_lists(lists, out, lang):
            typer.echo(f"wrote {f}", err=fmt != OutputFormat.table)
    if fmt == OutputFormat.json:
        _echo_json(lists_document(lists, lang))
    else:
        typer.echo(format_lists(lists, lang))
    del pd


@tasks_app.command("list")
def tasks_list(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the project's joint R&D tasks (created and refreshed by `chokepoint lists`)."""
    rows = _store(db).list_tasks(project)
    rows.sort(key=lambda r: (r.get("priority", 0), r["task_id"]))
    if fmt == OutputFormat.json:
        _echo_json(rows)
        return
    cols = ["task_id", "status", "node", "name", "level", "priority_score", "lead_name", "goal"]
    if fmt == OutputFormat.csv:
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        return
    if not rows:
        typer.echo(f"project {project!r} has no task yet (run `chokepoint lists --project {project}`)")
    for r in rows:
        typer.echo(
            f"{r['task_id']:<16} {r['status']:<9} {r['level']:<4} {r['priority_score']:.3f}  {r['goal']}"
            f"  [lead: {r['lead_name'] or '-'}]"
        )


@tasks_app.command("show")
def tasks_show(
    task_id: Annotated[str, typer.Argument(help="Task id, e.g. T-CHN-N20.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Print one task with its goal, lead, partners, priority and reason."""
    rows = {r["task_id"]: r for r in _store(db).list_tasks(project)}
    if task_id not in rows:
        raise ChokepointError(f"no task {task_id!r} in project {project!r}; see `chokepoint tasks list`")
    for k, v in rows[task_id].items():
        typer.echo(f"{k:>15}: {v}")


@tasks_app.command("status")
def tasks_status(
    task_id: Annotated[str, typer.Argument(help="Task id.")],
    status: Annotated[str, typer.Argument(help="proposed, active, done or dropped.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Set a task's status (kept across re-runs of the lists)."""
    _store(db).set_task_status(project, task_id, status)
    typer.echo(f"{task_id}: {status}")


AsOption = Annotated[str, typer.Option("--as", help="User acting (permissions apply).")]
PasswordOption = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="CHOKEPOINT_PASSWORD",
        help="Password (prompted; or $CHOKEPOINT_PASSWORD).",
    ),
]


def _print_rows(rows: list[dict[str, Any]], fmt: OutputFormat, cols: list[str]) -> None:
    if fmt == OutputFormat.json:
        _echo_json(rows)
        return
    import csv

    if fmt == OutputFormat.csv:
        w = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        return
    for r in rows:
        typer.echo("  ".join(str(r.get(c, "")) for c in cols))


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option("--role", help="admin, analyst, officer, reporter or viewer.")],
    password: PasswordOption,
    db: DbOption = None,
) -> None:
    """Add a user (the password is stored as an argon2 hash)."""
    _store(db).add_user(name, role, password)
    typer.echo(f"added {role} {name!r}")


@users_app.command("list")
def users_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List users with role, state and enterprise bindings."""
    rows = _store(db).list_users()
    for r in rows:
        r["bindings"] = ", ".join(r["bindings"])
    _print_rows(rows, fmt, ["name", "role", "disabled", "bindings"])


@users_app.command("bind")
def users_bind(
    name: Annotated[str, typer.Argument(help="Reporter user name.")],
    project: ProjectOption,
    actor: Annotated[str, typer.Option("--actor", help="Enterprise id in the project (e.g. P115).")],
    db: DbOption = None,
) -> None:
    """Bind a reporter to an enterprise of a project: it may report and read that enterprise's data."""
    _store(db).bind(name, project, actor)
    typer.echo(f"{name!r} now reports for {actor} in {project!r}")


@users_app.command("unbind")
def users_unbind(
    name: Annotated[str, typer.Argument(help="Reporter user name.")],
    project: ProjectOption,
    actor: Annotated[str, typer.Option("--actor", help="Enterprise id.")],
    db: DbOption = None,
) -> None:
    """Remove a reporter's binding to an enterprise."""
    _store(db).unbind(name, project, actor)
    typer.echo(f"{name!r} no longer reports for {actor} in {project!r}")


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="User name.")], password: PasswordOption, db: DbOption = None
) -> None:
    """Change a user's password."""
    _store(db).set_password(name, password)
    typer.echo(f"password of {name!r} changed")


@users_app.command("disable")
def users_disable(
    name: Annotated[str, typer.Argument(help="User name.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable again instead.")] = False,
    db: DbOption = None,
) -> None:
    """Disable a user (it can no longer log in, report or act), or enable it with --enable."""
    _store(db).disable_user(name, not enable)
    typer.echo(f"{name!r} {'enabled' if enable else 'disabled'}")


@report_app.command("template")
def report_template(
    project: ProjectOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Workbook to write (.xlsx).")],
    user: AsOption = "admin",
    period: Annotated[str | None, typer.Option("--period", help="Month to prefill, YYYY-MM.")] = None,
    db: DbOption = None,
) -> None:
    """Write an upload workbook prefilled with the rows the user may report, and the indicator catalog."""
    from datetime import UTC, datetime

    from chokepoint.io.report_files import write_report_template

    store = _store(db)
    who = store.reporter(user, project)
    month = period or datetime.now(UTC).strftime("%Y-%m")
    typer.echo(f"wrote {write_report_template(out, store.load_chain(project), who, month)}")


@report_app.command("upload")
def report_upload(
    file: Annotated[Path, typer.Argument(help="Filled workbook (.xlsx) or .csv.")],
    project: ProjectOption,
    user: AsOption,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Current month YYYY-MM (default: today).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Submit reported values: every row is checked, and a file with any bad row stores nothing."""
    from chokepoint.io.report_files import read_report_file
    from chokepoint.store.monitoring import ReportRejectedError

    frame, rows, source, problems = read_report_file(file)
    if problems:
        raise ReportRejectedError(problems)
    counts = _store(db).submit_observations(project, frame, user, source=source, rows=rows, as_of=as_of)
    typer.echo(
        f"{source}: {counts['new']} new, {counts['replaced']} replaced (history kept), "
        f"{counts['unchanged']} unchanged"
    )


@report_app.command("list")
def report_list(
    project: ProjectOption,
    user: AsOption,
    indicator: Annotated[str | None, typer.Option("--indicator", help="Only this indicator.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Reported values the user may read (a reporter sees only its own enterprises)."""
    df = _store(db).read_observations(project, user, indicator)
    _print_rows(df.to_dict("records"), fmt, ["indicator", "entity", "period", "value", "reporter"])


@report_app.command("history")
def report_history(
    project: ProjectOption, user: AsOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """Revision history of reported values: who, when, old and new value."""
    df = _store(db).observation_history(project, user)
    rows = [
        {k: (v.isoformat(timespec="seconds") if hasattr(v, "isoformat") else v) for k, v in r.items()}
        for r in df.to_dict("records")
    ]
    _print_rows(
        rows, fmt, ["indicator", "entity", "period", "old_value", "new_value", "changed_by", "changed_at"]
    )


@app.command("indicators")
def indicators_cmd(fmt: FormatOption = OutputFormat.table) -> None:
    """The indicator catalog: code, names, unit, entity type, direction, valid range."""
    from chokepoint.monitor import catalog

    rows = [i.to_dict() for i in catalog().values()]
    _print_rows(
        rows,
        fmt,
        ["code", "name_en", "name_zh", "unit", "entity_type", "higher_is_worse", "minimum", "maximum"],
    )


@rules_app.command("import")
def rules_import(
    file: Annotated[Path, typer.Argument(help="YAML or JSON file with a 'rules' list.")],
    project: ProjectOption,
    user: AsOption = "cli",
    db: DbOption = None,
) -> None:
    """Import rules (insert or update by id; every change is kept in the rule history)."""
    import yaml
    from pydantic import ValidationError

    from chokepoint.errors import Problem
    from chokepoint.monitor.rules import RuleSet

    if not file.is_file():
        raise ChokepointError(f"{file}: no such rules file")
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    try:
        ruleset = RuleSet.model_validate(data)
    except ValidationError as exc:
        from chokepoint.store.monitoring import ReportRejectedError

        problems = [
            Problem(file.name, None, ".".join(str(x) for x in e["loc"]), e["msg"]) for e in exc.errors()
        ]
        raise ReportRejectedError(problems) from None
    bodies = [r.model_dump(mode="json") for r in ruleset.rules]
    counts = _store(db).import_rules(project, bodies, user)
    typer.echo(
        f"rules: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
    )


@rules_app.command("list")
def rules_list(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the project's rules."""
    rows = _store(db).list_rules(project)
    for r in rows:
        r["what"] = r.get("indicator") or r.get("change")
        r["levels"] = json.dumps(r.get("levels", {}))
    _print_rows(rows, fmt, ["id", "type", "what", "levels"])


@rules_app.command("history")
def rules_history(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """Every change of the project's rules: which, what, who, when."""
    _print_rows(_store(db).rule_history(project), fmt, ["rule_id", "action", "changed_by", "changed_at"])


@monitor_app.command("run")
def monitor_run_cmd(
    project: ProjectOption,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Month evaluated, YYYY-MM (default: today).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Evaluate every rule, re-assess with the stored perspective, update alerts, store a snapshot.

    Schedule it with cron, e.g. ``0 6 1 * * chokepoint monitor run --project semiconductors``."""
    from chokepoint.monitor.service import monitor_run

    r = monitor_run(_store(db), project, as_of)
    if fmt == OutputFormat.json:
        _echo_json(r.to_dict())
        return
    typer.echo(
        f"snapshot {r.snapshot_id} ({r.as_of}): {len(r.conditions)} conditions; alerts {r.opened} opened, "
        f"{r.updated} updated, {r.resolved} auto-resolved; {len(r.level_changes)} level changes"
    )
    for c in r.level_changes.to_dict("records"):
        typer.echo(f"  {c['change']:<6} {c['id']:<6} {c['name']}: {c['level_before']} -> {c['level']}")


@monitor_app.command("diff")
def monitor_diff_cmd(
    project: ProjectOption,
    a: Annotated[int, typer.Argument(help="Earlier snapshot id.")],
    b: Annotated[int, typer.Argument(help="Later snapshot id.")],
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """What got worse and what got better between two snapshots."""
    from chokepoint.monitor.service import monitor_diff

    df = monitor_diff(_store(db), project, a, b)
    _print_rows(df.to_dict("records"), fmt, ["change", "id", "name", "level_before", "level", "score_change"])


@monitor_app.command("list")
def monitor_list(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List stored snapshots with their level counts."""
    rows = _store(db).list_snapshots(project)
    for r in rows:
        r["levels"] = ", ".join(f"{k} {v}" for k, v in sorted(r["levels"].items()))
    _print_rows(rows, fmt, ["id", "as_of", "created_at", "levels"])


@alerts_app.command("list")
def alerts_list(
    project: ProjectOption,
    status: Annotated[str | None, typer.Option("--status", help="open, acknowledged or resolved.")] = None,
    level: Annotated[str | None, typer.Option("--level", help="I, II, III or IV.")] = None,
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """List alerts with level, entity, rule and message."""
    rows = _store(db).list_alerts(project, status, level)
    for r in rows:
        r["message"] = r["message_zh"] if lang == "zh" else r["message_en"]
    _print_rows(rows, fmt, ["id", "level", "status", "rule_id", "entity", "message"])


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(help="Alert id.")],
    project: ProjectOption,
    user: AsOption,
    db: DbOption = None,
) -> None:
    """Acknowledge an alert (recorded with who and when)."""
    _store(db).acknowledge_alert(project, alert_id, user)
    typer.echo(f"alert {alert_id} acknowledged by {user}")


@alerts_app.command("resolve")
def alerts_resolve(
    alert_id: Annotated[int, typer.Argument(help="Alert id.")],
    project: ProjectOption,
    user: AsOption,
    db: DbOption = None,
) -> None:
    """Resolve an alert (recorded with who and when)."""
    _store(db).resolve_alert(project, alert_id, user)
    typer.echo(f"alert {alert_id} resolved by {user}")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Run the REST API (and, later, the web UI). On an empty store it creates user 'admin' with the
    password from $CHOKEPOINT_ADMIN_PASSWORD, or prints a generated one once."""
    import uvicorn

    from chokepoint.api.app import create_app, ensure_admin

    store = _store(db)
    generated = ensure_admin(store)
    if generated:
        typer.echo(
            f"created user 'admin' with password: {generated}  (shown once; change it with "
            "`chokepoint users passwd admin`)"
        )
    typer.echo(f"chokepoint API on http://{host}:{port}/api (OpenAPI at /docs)")
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning")


DatasetOption = Annotated[str, typer.Option("--dataset", "-d", help="Name of the IO dataset in the store.")]


def _write_table(df: Any, fmt: OutputFormat, out: Path | None, top: int | None = None) -> None:
    """Shared output of tables: --out by extension (.xlsx, .csv, .json), --format to stdout."""
    if out is not None:
        ext = out.suffix.lower()
        if ext == ".xlsx":
            df.to_excel(out, index=False)
        elif ext == ".csv":
            df.to_csv(out, index=False)
        elif ext == ".json":
            out.write_text(df.to_json(orient="records", force_ascii=False), encoding="utf-8")
        else:
            raise UsageError(f"cannot write {out.name}: use .xlsx, .csv or .json")
        typer.echo(f"wrote {out}", err=fmt != OutputFormat.table)
    shown = df if top is None else df.head(top)
    if fmt == OutputFormat.json:
        typer.echo(shown.to_json(orient="records", force_ascii=False))
    elif fmt == OutputFormat.csv:
        shown.to_csv(sys.stdout, index=False)
    elif out is None or top is not None:
        typer.echo(shown.to_string(index=False))


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
    _store(db).save_io(dataset, system)
    typer.echo(
        f"loaded {system.name!r} as dataset {dataset!r}: {system.n} sectors, "
        f"total output {system.x.sum():,.0f}"
    )


@io_app.command("list")
def io_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the IO datasets in the store."""
    _print_rows(_store(db).io_datasets(), fmt, ["name", "sectors", "title", "created_at"])


@io_app.command("rename")
def io_rename(
    old: Annotated[str, typer.Argument(help="Current name.")],
    new: Annotated[str, typer.Argument(help="New name.")],
    db: DbOption = None,
) -> None:
    """Rename an IO dataset."""
    _store(db).rename_io(old, new)
    typer.echo(f"renamed {old!r} to {new!r}")


@io_app.command("delete")
def io_delete(name: Annotated[str, typer.Argument(help="Dataset to delete.")], db: DbOption = None) -> None:
    """Delete an IO dataset."""
    _store(db).delete_io(name)
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
    df = _store(db).load_io(dataset).linkages().sort_values("backward", ascending=False)
    _write_table(df, fmt, out, top)


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
    system = _store(db).load_io(dataset)
    if by == "sector":
        df = system.extraction(kind)
    elif by == "region":
        df = system.extraction_by_region()
    else:
        raise UsageError("--by must be sector or region")
    _write_table(df.sort_values("loss", ascending=False), fmt, out, top)


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

    system = _store(db).load_io(dataset)
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
    _write_table(pd.DataFrame(df), fmt, out, top)
    if fmt == OutputFormat.table:
        typer.echo(f"economic loss: {system.economic_loss(q):,.2f}")


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
    _store(db).save_trade(dataset, flows, layout)
    typer.echo(
        f"loaded {len(flows):,} flows as dataset {dataset!r} ({flows['year'].min()}-{flows['year'].max()}, "
        f"{flows['product'].nunique():,} products)"
    )


@trade_app.command("list")
def trade_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the trade datasets in the store."""
    _print_rows(_store(db).trade_datasets(), fmt, ["name", "layout", "rows", "created_at"])


@trade_app.command("delete")
def trade_delete(
    name: Annotated[str, typer.Argument(help="Dataset to delete.")], db: DbOption = None
) -> None:
    """Delete a trade dataset."""
    _store(db).delete_trade(name)
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

    flows = _store(db).load_trade(dataset)
    if product:
        flows = flows[flows["product"] == product]
    if _years(years):
        flows = flows[flows["year"].isin(_years(years))]
    df = importer_indicators(flows, (restricted or "").split(",") if restricted else (), measure)
    if home:
        df = df[df["importer"] == home.upper()]
    _write_table(df, fmt, out, top)


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

    df = dependency_screen(_store(db).load_trade(dataset), expand_codes(bloc.split(",")), _years(years))
    if only_dependent:
        df = df[df["dependent"]]
    _write_table(df, fmt, out, top)


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

    flows = _store(db).load_trade(dataset)
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
    _write_table(df, fmt, out, top)


@challenges_app.command("add")
def challenges_add(
    project: ProjectOption,
    title: Annotated[str, typer.Option("--title", help="Title (Chinese or English).")],
    description: Annotated[str, typer.Option("--description", help="What has to be solved.")] = "",
    nodes: Annotated[str, typer.Option("--nodes", help="Linked node ids, comma-separated.")] = "",
    capabilities: Annotated[
        str, typer.Option("--capabilities", help="Required capabilities, comma-separated.")
    ] = "",
    owner: Annotated[str, typer.Option("--owner", help="Publishing enterprise or user.")] = "",
    budget: Annotated[float | None, typer.Option("--budget", help="Budget.")] = None,
    deadline: Annotated[str | None, typer.Option("--deadline", help="Deadline, YYYY-MM-DD.")] = None,
    db: DbOption = None,
) -> None:
    """Publish a technical challenge in the project."""
    from chokepoint.match.service import new_challenge

    store = _store(db)
    chain = store.load_chain(project)
    body = new_challenge(
        title,
        description,
        [n.strip() for n in nodes.split(",") if n.strip()],
        [c.strip() for c in capabilities.split(",") if c.strip()],
        owner,
        budget,
        deadline,
        chain,
    )
    key = f"C{len(store.records(project, 'challenge')) + 1:04d}"
    store.put_records(project, "challenge", {key: body})
    typer.echo(f"challenge {key}: {title}")


@challenges_app.command("list")
def challenges_list(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """List the project's challenges."""
    rows = [{"id": k, **v} for k, v in _store(db).records(project, "challenge").items()]
    _print_rows(rows, fmt, ["id", "status", "title", "nodes", "owner"])


@challenges_app.command("show")
def challenges_show(
    challenge: Annotated[str, typer.Argument(help="Challenge id, e.g. C0001.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Print one challenge and its bids."""
    store = _store(db)
    body = store.records(project, "challenge").get(challenge)
    if body is None:
        from chokepoint.errors import NotFoundError

        raise NotFoundError(f"no challenge {challenge!r} in project {project!r}")
    _echo_json(
        {
            "id": challenge,
            **body,
            "bids": [b for b in store.records(project, "bid").values() if b["challenge"] == challenge],
        }
    )


@challenges_app.command("match")
def challenges_match(
    challenge: Annotated[str, typer.Argument(help="Challenge id.")],
    project: ProjectOption,
    exclude_restricted: Annotated[
        bool, typer.Option("--exclude-restricted", help="Leave restricted actors out.")
    ] = False,
    top: Annotated[int | None, typer.Option("--top", help="Only the first N.")] = 15,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".xlsx, .csv or .json")] = None,
    db: DbOption = None,
) -> None:
    """Rank institutions and firms able to solve a challenge, each with its explanation."""
    from chokepoint.assess import Perspective
    from chokepoint.errors import NotFoundError
    from chokepoint.match.service import match_challenge

    store = _store(db)
    body = store.records(project, "challenge").get(challenge)
    if body is None:
        raise NotFoundError(f"no challenge {challenge!r} in project {project!r}")
    stored = store.get_perspective(project)
    p = Perspective.from_dict(stored) if stored else None
    df = match_challenge(
        store.load_chain(project), body, store.records(project, "profile"), p, exclude_restricted, None
    )
    _write_table(df, fmt, out, top)


@challenges_app.command("bid")
def challenges_bid(
    challenge: Annotated[str, typer.Argument(help="Challenge id.")],
    project: ProjectOption,
    actor: Annotated[str, typer.Option("--actor", help="The solver stepping forward (actor id).")],
    note: Annotated[str, typer.Option("--note", help="Proposal summary.")] = "",
    db: DbOption = None,
) -> None:
    """Record a bid: a solver steps forward for a challenge (揭榜)."""
    store = _store(db)
    if challenge not in store.records(project, "challenge"):
        from chokepoint.errors import NotFoundError

        raise NotFoundError(f"no challenge {challenge!r} in project {project!r}")
    if actor not in set(store.load_chain(project).actors["id"]):
        raise UsageError(f"{actor!r} is not an actor of the project")
    store.put_records(
        project, "bid", {f"{challenge}:{actor}": {"challenge": challenge, "actor": actor, "note": note}}
    )
    typer.echo(f"{actor} bids for {challenge}")


@profiles_app.command("import")
def profiles_import(
    file: Annotated[
        Path, typer.Argument(help="CSV, .xlsx or .json: actor, description, keywords, nodes, evidence_*.")
    ],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Import capability profiles and evidence (patents, papers, projects); any bad row stores nothing."""
    import pandas as pd

    from chokepoint.match.service import profiles_from_frame

    store = _store(db)
    ext = file.suffix.lower()
    if ext == ".csv":
        frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    elif ext == ".xlsx":
        frame = pd.read_excel(file, dtype=str).fillna("")
    elif ext == ".json":
        frame = pd.DataFrame(json.loads(file.read_text(encoding="utf-8"))).fillna("").astype(str)
    else:
        raise UsageError("profiles come as .csv, .xlsx or .json")
    profiles = profiles_from_frame(
        frame, list(range(2, len(frame) + 2)), file.name, store.load_chain(project)
    )
    store.put_records(project, "profile", profiles)
    typer.echo(
        f"{len(profiles)} profiles imported ({sum(len(p['evidence']) for p in profiles.values())} evidence)"
    )


@profiles_app.command("list")
def profiles_list(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """List the imported capability profiles."""
    rows = [
        {"actor": k, "keywords": ", ".join(v["keywords"]), "evidence": len(v["evidence"])}
        for k, v in _store(db).records(project, "profile").items()
    ]
    _print_rows(rows, fmt, ["actor", "evidence", "keywords"])


@app.command("template")
def template(out: Annotated[Path, typer.Argument(help="Workbook to write (.xlsx).")]) -> None:
    """Write an empty exchange-format workbook with headers, example rows and a bilingual README sheet."""
    from chokepoint.io.template import write_template

    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"{out.name}: the template is an Excel workbook; use a .xlsx name")
    typer.echo(f"wrote {write_template(out)}")


@app.command("demo")
def demo(
    project: Annotated[str, typer.Option("--project", "-p", help="Project name to load the demo into.")] = (
        "semiconductors"
    ),
    serve_: Annotated[bool, typer.Option("--serve", help="Then start the web UI and API.")] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --serve.")] = 8000,
    db: DbOption = None,
) -> None:
    """Load the bundled ETO semiconductor chain as a project, print its summary and its top
    chokepoints from the project's perspective (default: China, with USA, JPN, NLD, KOR, TWN restricted)."""
    from chokepoint.datasets import load_semiconductors_report

    report = load_semiconductors_report()
    store = _store(db)
    chain = store.save_chain(project, report.chain)
    typer.echo(f"Loaded the demo chain into project {project!r} ({store!r})")
    s = chain.summary()
    s["merged_alias_rows"] = report.merged_alias_rows
    _print_summary(s, f"Project {project!r}")
    from chokepoint.assess import assess
    from chokepoint.report.assessment import format_table

    if store.get_perspective(project) is None:
        p = _perspective(
            store,
            project,
            chain,
            DEMO_PERSPECTIVE["home"],
            DEMO_PERSPECTIVE["restricted"],
            "",
            None,
        )
        store.set_perspective(project, p.to_dict())
    a = assess(chain, _perspective(store, project, chain, None, None, None, None))
    typer.echo("")
    typer.echo("Top chokepoints (卡脖子):")
    typer.echo(format_table(a, 15))
    top = a.frame.iloc[0]["id"]
    typer.echo("")
    typer.echo(a.explanation(top))
    typer.echo(a.explanation(top, "zh"))
    if serve_:
        typer.echo("")
        serve(host="127.0.0.1", port=port, db=db)


@projects_app.command("list")
def projects_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the projects in the store."""
    rows = [p.to_dict() for p in _store(db).projects()]
    if fmt == OutputFormat.json:
        _echo_json(rows)
        return
    if fmt == OutputFormat.csv:
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["name"])
        w.writeheader()
        w.writerows(rows)
        return
    if not rows:
        typer.echo("no projects (load one with `chokepoint demo` or `chokepoint import`)")
    for r in rows:
        typer.echo(
            f"{r['name']:<24} {r['nodes']:>7} nodes {r['actors']:>7} actors "
            f"{r['provisions']:>8} provisions  updated {r['updated_at']}  {r['title']}"
        )


@projects_app.command("rename")
def projects_rename(
    old: Annotated[str, typer.Argument(help="Current name.")],
    new: Annotated[str, typer.Argument(help="New name.")],
    db: DbOption = None,
) -> None:
    """Rename a project."""
    _store(db).rename_project(old, new)
    typer.echo(f"renamed {old!r} to {new!r}")


@projects_app.command("delete")
def projects_delete(
    name: Annotated[str, typer.Argument(help="Project to delete.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Delete a project and everything stored with it."""
    store = _store(db)
    if not store.has_project(name):
        store.load_chain(name)  # raises ProjectNotFoundError with the list of names
    if not yes and not typer.confirm(f"Delete project {name!r}?", default=False):
        typer.echo("not deleted", err=True)
        raise typer.Exit(1)
    store.delete_project(name)
    typer.echo(f"deleted {name!r}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
