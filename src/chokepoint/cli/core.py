"""``chokepoint`` commands: core."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from chokepoint.cli.base import (
    DEMO_PERSPECTIVE,
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
    print_summary,
    projects_app,
    request_perspective,
    tasks_app,
)
from chokepoint.cli.output import FormatOption, OutputFormat, echo_json, emit
from chokepoint.errors import ChokepointError, UsageError


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

    store = open_store(db)
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

    chain = open_store(db).load_chain(project)
    written = write_chain(chain, out)
    typer.echo(f"wrote {written}")
    if chain.meta.get("attribution"):
        typer.echo(chain.meta["attribution"])


@app.command("info")
def info(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """Summarize a project: counts by kind, stages, countries, share coverage, years."""
    chain = open_store(db).load_chain(project)
    summary = chain.summary()
    if fmt == OutputFormat.json:
        echo_json(summary)
    elif fmt == OutputFormat.csv:
        import csv

        from chokepoint.report.text import summary_rows

        w = csv.writer(sys.stdout)
        w.writerow(["key", "value"])
        w.writerows(summary_rows(summary))
    else:
        print_summary(summary, f"Project {project!r}")


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

    store = open_store(db)
    chain = store.load_chain(project)
    macro = None
    if io_dataset:
        from chokepoint.macro.link import macro_criticality

        macro = macro_criticality(chain, store.load_io(io_dataset))
    a = assess(chain, request_perspective(store, project, home, restricted, allied, year), macro=macro)
    if out is not None:
        typer.echo(f"wrote {write_assessment(a, out, lang)}", err=fmt != OutputFormat.table)
    if fmt == OutputFormat.json:
        echo_json(assessment_document(a, lang, top))
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
    store = open_store(db)
    chain = store.load_chain(project)
    p = request_perspective(store, project, home, restricted or "", allied or "", year)
    store.set_perspective(project, p.to_dict())
    typer.echo(f"perspective of {project!r}: {p.label()}")


@perspective_app.command("show")
def perspective_show(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """Print the project's default perspective."""
    stored = open_store(db).get_perspective(project)
    if fmt == OutputFormat.json:
        echo_json(stored)
    elif stored is None:
        typer.echo(f"project {project!r} has no default perspective")
    else:
        from chokepoint.assess import Perspective

        typer.echo(Perspective.from_dict(stored).label())


@perspective_app.command("clear")
def perspective_clear(project: ProjectOption, db: DbOption = None) -> None:
    """Remove the project's default perspective."""
    open_store(db).set_perspective(project, None)
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
    store = open_store(db)
    chain = store.load_chain(project)
    a = assess(chain, request_perspective(store, project, home, restricted, allied, year))
    import pandas as pd

    tasks = task_list(a, lang)
    stored = store.upsert_tasks(project, tasks.to_dict("records"))
    tasks["status"] = [r["status"] for r in stored]
    lists = policy_lists(a, lang, tasks=tasks, profiles=store.records(project, "profile"))
    if out is not None:
        for f in write_lists(lists, out, lang):
            typer.echo(f"wrote {f}", err=fmt != OutputFormat.table)
    if fmt == OutputFormat.json:
        echo_json(lists_document(lists, lang))
    else:
        typer.echo(format_lists(lists, lang))
    del pd


@tasks_app.command("list")
def tasks_list(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the project's joint R&D tasks (created and refreshed by `chokepoint lists`)."""
    rows = open_store(db).list_tasks(project)
    rows.sort(key=lambda r: (r.get("rank", r.get("priority", 0)), r["task_id"]))
    if fmt == OutputFormat.json:
        echo_json(rows)
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
    rows = {r["task_id"]: r for r in open_store(db).list_tasks(project)}
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
    open_store(db).set_task_status(project, task_id, status)
    typer.echo(f"{task_id}: {status}")


@app.command("indicators")
def indicators_cmd(fmt: FormatOption = OutputFormat.table) -> None:
    """The indicator catalog: code, names, unit, entity type, direction, valid range."""
    from chokepoint.monitor import catalog

    rows = [i.to_dict() for i in catalog().values()]
    emit(
        fmt,
        rows=rows,
        columns=[
            "code",
            "name_en",
            "name_zh",
            "unit",
            "entity_type",
            "higher_is_worse",
            "minimum",
            "maximum",
        ],
    )


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

    store = open_store(db)
    generated = ensure_admin(store)
    if generated:
        typer.echo(
            f"created user 'admin' with password: {generated}  (shown once; change it with "
            "`chokepoint users passwd admin`)"
        )
    typer.echo(f"chokepoint API on http://{host}:{port}/api (OpenAPI at /docs)")
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning")


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
    store = open_store(db)
    chain = store.save_chain(project, report.chain)
    typer.echo(f"Loaded the demo chain into project {project!r} ({store!r})")
    s = chain.summary()
    s["merged_alias_rows"] = report.merged_alias_rows
    print_summary(s, f"Project {project!r}")
    from chokepoint.assess import assess
    from chokepoint.report.assessment import format_table

    if store.get_perspective(project) is None:
        p = request_perspective(
            store,
            project,
            DEMO_PERSPECTIVE["home"],
            DEMO_PERSPECTIVE["restricted"],
            "",
            None,
        )
        store.set_perspective(project, p.to_dict())
    a = assess(chain, request_perspective(store, project, None, None, None, None))
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
    rows = [p.to_dict() for p in open_store(db).projects()]
    if fmt == OutputFormat.json:
        echo_json(rows)
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
    open_store(db).rename_project(old, new)
    typer.echo(f"renamed {old!r} to {new!r}")


@projects_app.command("delete")
def projects_delete(
    name: Annotated[str, typer.Argument(help="Project to delete.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Delete a project and everything stored with it."""
    store = open_store(db)
    if not store.has_project(name):
        store.load_chain(name)  # raises ProjectNotFoundError with the list of names
    if not yes and not typer.confirm(f"Delete project {name!r}?", default=False):
        typer.echo("not deleted", err=True)
        raise typer.Exit(1)
    store.delete_project(name)
    typer.echo(f"deleted {name!r}")
