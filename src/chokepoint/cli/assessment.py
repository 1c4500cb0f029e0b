"""``chokepoint`` commands: perspective, assessment, policy lists, joint R&D tasks, indicators."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chokepoint.cli.base import (
    AlliedOption,
    DbOption,
    HomeOption,
    LangOption,
    ProjectOption,
    RestrictedOption,
    YearOption,
    app,
    open_store,
    perspective_app,
    request_perspective,
    tasks_app,
)
from chokepoint.cli.output import FormatOption, OutputFormat, echo_json, emit, out_option
from chokepoint.errors import UsageError
from chokepoint.service import lists as lists_svc
from chokepoint.service.assessment import (
    DEFAULT_GOVERNANCE,
    GOVERNANCE_HELP,
    assess_project,
    stability_report,
)
from chokepoint.service.perspective import store_perspective


def _lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        raise UsageError("--lang must be en or zh")
    return lang


@app.command("assess")
def assess_cmd(
    project: ProjectOption,
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    year: YearOption = None,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, out_option("Write .xlsx, .csv or .json.")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Show only the first N nodes.")] = None,
    io_dataset: Annotated[
        str | None,
        typer.Option(
            "--io-dataset",
            help="IO dataset: blend each sector's extraction multiplier (output lost elsewhere "
            "per unit of its own) into criticality.",
        ),
    ] = None,
    governance: Annotated[str, typer.Option("--governance", help=GOVERNANCE_HELP)] = DEFAULT_GOVERNANCE,
    trade_dataset: Annotated[
        str | None,
        typer.Option(
            "--trade-dataset",
            help="Trade dataset: nodes with HS codes take the home economy's import shares "
            "instead of world market shares.",
        ),
    ] = None,
    stability: Annotated[
        bool,
        typer.Option(
            "--stability",
            help="Also report the stability of the top 15 when each weight moves from 0.1 to 0.8 "
            "(Jaccard overlap and Kendall's tau).",
        ),
    ] = False,
    system: Annotated[
        str | None,
        typer.Option(
            "--system", help="Grade by this stored indicator system (see `chokepoint indicator-systems`)."
        ),
    ] = None,
    system_mode: Annotated[
        str, typer.Option("--system-mode", help="replace the default score, or extend it (a share of it).")
    ] = "replace",
    system_share: Annotated[
        float, typer.Option("--system-share", help="extend: the system's share of the score, in (0, 1).")
    ] = 0.5,
    lang: LangOption = "en",
    db: DbOption = None,
) -> None:
    """Score every technology: level I-IV, quadrant, components and a one-sentence explanation;
    categories are shown as groups of their members.
    """
    from chokepoint.report.assessment import (
        assessment_document,
        assessment_table,
        format_table,
        write_assessment,
    )

    _lang(lang)
    store = open_store(db)
    chain = store.chains.load(project)
    p = request_perspective(store, project, home, restricted, allied, year, chain=chain)
    a = assess_project(
        store,
        project,
        p,
        chain=chain,
        io_dataset=io_dataset,
        governance=governance,
        trade_dataset=trade_dataset,
    )
    if system:
        from chokepoint.service.assessment import graded_by_system

        a = graded_by_system(store, a, system, system_mode, system_share)
    document = assessment_document(a, lang, top) if fmt == OutputFormat.json else None
    report = stability_report(a) if stability else None
    if document is not None and report is not None:
        document["stability"] = report.to_dict()

    def text() -> str:
        body = format_table(a, top, lang)
        return body if report is None else body + "\n\n" + "\n".join(report.lines(lang))

    emit(
        fmt,
        table=assessment_table(a, lang, top),
        document=document,
        text=text,
        out=out,
        write=lambda path: write_assessment(a, path, lang),
        top=top,
    )


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
    _, p = store_perspective(open_store(db), project, home, restricted or (), allied or (), year)
    typer.echo(f"perspective of {project!r}: {p.label()}")


@perspective_app.command("show")
def perspective_show(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """Print the project's default perspective."""
    from chokepoint.assess import Perspective

    stored = open_store(db).projects.get_perspective(project)
    if fmt == OutputFormat.json:
        echo_json(stored)
    elif fmt == OutputFormat.csv:
        raise UsageError("the perspective is one record: use --format table or json")
    elif stored is None:
        typer.echo(f"project {project!r} has no default perspective")
    else:
        typer.echo(Perspective.from_dict(stored).label())


@perspective_app.command("clear")
def perspective_clear(project: ProjectOption, db: DbOption = None) -> None:
    """Remove the project's default perspective."""
    open_store(db).projects.set_perspective(project, None)
    typer.echo(f"perspective of {project!r} cleared")


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
        Path | None, out_option(".xlsx (one sheet per list), .json, or .csv (one file per list).")
    ] = None,
    save_tasks: Annotated[
        bool,
        typer.Option(
            "--save-tasks/--no-save-tasks",
            help="Create or refresh the stored joint R&D tasks (ids stable, statuses kept) first.",
        ),
    ] = True,
    db: DbOption = None,
) -> None:
    """Policy lists (清单): chokepoints, advantages, key enterprises, research units, joint R&D
    tasks (stored with stable ids), supporting gaps and major problems.
    """
    from chokepoint.report.lists import format_lists, lists_document, write_lists

    _lang(lang)
    if fmt == OutputFormat.csv:
        raise UsageError("lists are several tables: use --format table or json, or --out FILE.csv")
    store = open_store(db)
    chain = store.chains.load(project)
    p = request_perspective(store, project, home, restricted, allied, year, chain=chain)
    a = assess_project(store, project, p, chain=chain)
    lists = lists_svc.project_lists(store, project, a, lang, save_tasks=save_tasks)
    emit(
        fmt,
        document=lists_document(lists, lang) if fmt == OutputFormat.json else None,
        text=lambda: format_lists(lists, lang),
        out=out,
        write=lambda path: write_lists(lists, path, lang),
    )


@tasks_app.command("list")
def tasks_list(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the project's joint R&D tasks (created and refreshed by `chokepoint lists`)."""
    rows = lists_svc.stored_tasks(open_store(db), project)

    def text() -> str:
        if not rows:
            return f"project {project!r} has no task yet (run `chokepoint lists --project {project}`)"
        return "\n".join(
            f"{r['task_id']:<16} {r['status']:<9} {r['level']:<4} {r['priority_score']:.3f}  {r['goal']}"
            f"  [lead: {r['lead_name'] or '-'}]"
            for r in rows
        )

    cols = ["task_id", "status", "node", "name", "level", "priority_score", "lead_name", "goal"]
    emit(fmt, rows=rows, columns=cols, text=text)


@tasks_app.command("show")
def tasks_show(
    task_id: Annotated[str, typer.Argument(help="Task id, e.g. T-CHN-N20.")],
    project: ProjectOption,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Print one task with its goal, lead, partners, priority and reason."""
    row = lists_svc.stored_task(open_store(db), project, task_id)
    if fmt == OutputFormat.json:
        echo_json(row)
    elif fmt == OutputFormat.csv:
        raise UsageError("a task is one record: use --format table or json")
    else:
        typer.echo("\n".join(f"{k:>15}: {v}" for k, v in row.items()))


@tasks_app.command("status")
def tasks_status(
    task_id: Annotated[str, typer.Argument(help="Task id.")],
    status: Annotated[str, typer.Argument(help="proposed, active, done or dropped.")],
    project: ProjectOption,
    db: DbOption = None,
) -> None:
    """Set a task's status (kept across re-runs of the lists)."""
    lists_svc.set_task_status(open_store(db), project, task_id, status)
    typer.echo(f"{task_id}: {status}")


@app.command("indicators")
def indicators_cmd(fmt: FormatOption = OutputFormat.table) -> None:
    """The indicator catalog: code, names, unit, entity type, direction, valid range."""
    from chokepoint.monitor import catalog

    rows = [i.to_dict() for i in catalog().values()]
    cols = ["code", "name_en", "name_zh", "unit", "entity_type", "higher_is_worse", "minimum", "maximum"]
    emit(fmt, rows=rows, columns=cols)


@app.command("report")
def report_cmd(
    project: ProjectOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Report to write: FILE.html or FILE.pdf.")],
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    year: YearOption = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="en or zh (default: zh when the home economy is CHN, else en)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """A report for meetings (standalone HTML or PDF): cover, summary, chain map, levels, quadrant,
    country dependence, the policy lists, the major scenarios and the method annex.
    """
    from chokepoint.service.reports import project_report

    store = open_store(db)
    chain = store.chains.load(project)
    p = request_perspective(store, project, home, restricted, allied, year, chain=chain)
    language = _lang(lang) if lang else ("zh" if "CHN" in p.home else "en")
    typer.echo(f"wrote {project_report(store, project, p, out, language)}")
