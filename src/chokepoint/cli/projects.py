"""``chokepoint`` commands: chain maps and projects (import, export, info, template, projects ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chokepoint.cli.base import DbOption, ProjectOption, app, open_store, print_summary, projects_app
from chokepoint.cli.output import FormatOption, OutputFormat, emit
from chokepoint.errors import UsageError
from chokepoint.service import projects as svc


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
    allow_empty: Annotated[
        bool, typer.Option("--allow-empty", help="Allow a file without nodes to empty the project.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Import a chain map into a project (replacing it, or adding with --merge).

    A file with any error changes nothing and lists every problem with its file, row and column.
    """
    outcome = svc.import_chain(open_store(db), project, path, fmt=fmt, merge=merge, allow_empty=allow_empty)
    report = outcome.report
    verb = {"merged": "merged into", "replaced": "replaced", "imported": "imported as"}[outcome.action]
    typer.echo(f"{path} {verb} project {project!r}: {report.chain!r}")
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
    store = open_store(db)
    typer.echo(f"wrote {svc.export_chain(store, project, out)}")
    attribution = store.chains.load(project).meta.get("attribution")
    if attribution:
        typer.echo(attribution)


@app.command("info")
def info(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """Summarize a project: counts by kind, stages, countries, share coverage, years."""
    from chokepoint.report.text import summary_rows

    summary = open_store(db).chains.load(project).summary()
    if fmt == OutputFormat.table:
        print_summary(summary, f"Project {project!r}")
        return
    rows = [{"key": k, "value": v} for k, v in summary_rows(summary)]
    emit(fmt, document=summary, rows=rows, columns=["key", "value"])


@app.command("template")
def template(out: Annotated[Path, typer.Argument(help="Workbook to write (.xlsx).")]) -> None:
    """Write an empty exchange-format workbook with headers, example rows and a bilingual README sheet."""
    from chokepoint.io.template import write_template

    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"{out.name}: the template is an Excel workbook; use a .xlsx name")
    typer.echo(f"wrote {write_template(out)}")


@projects_app.command("list")
def projects_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the projects in the store."""
    rows = [p.to_dict() for p in open_store(db).projects.infos()]

    def text() -> str:
        if not rows:
            return "no projects (load one with `chokepoint demo` or `chokepoint import`)"
        return "\n".join(
            f"{r['name']:<24} {r['nodes']:>7} nodes {r['actors']:>7} actors "
            f"{r['provisions']:>8} provisions  updated {r['updated_at']}  {r['title']}"
            for r in rows
        )

    emit(fmt, rows=rows, columns=list(rows[0]) if rows else ["name"], text=text)


@projects_app.command("rename")
def projects_rename(
    old: Annotated[str, typer.Argument(help="Current name.")],
    new: Annotated[str, typer.Argument(help="New name.")],
    db: DbOption = None,
) -> None:
    """Rename a project."""
    open_store(db).projects.rename(old, new)
    typer.echo(f"renamed {old!r} to {new!r}")


@projects_app.command("delete")
def projects_delete(
    name: Annotated[str, typer.Argument(help="Project to delete.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Delete a project and everything stored with it."""
    store = open_store(db)
    if not store.projects.exists(name):
        store.chains.load(name)  # raises ProjectNotFoundError with the list of names
    if not yes and not typer.confirm(f"Delete project {name!r}?", default=False):
        typer.echo("not deleted", err=True)
        raise typer.Exit(1)
    store.projects.delete(name)
    typer.echo(f"deleted {name!r}")


@app.command("backup")
def backup_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Backup file to write (e.g. store.backup.gz).")],
    with_password_hashes: Annotated[
        bool,
        typer.Option("--with-password-hashes", help="Keep users' password hashes (else they set new ones)."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Back up the whole store: projects, datasets, reported data with revisions, rules, alerts,
    snapshots, tasks, matching records, users and bindings, the audit log (not sessions or
    tokens). Restores into SQLite or PostgreSQL alike.
    """
    from chokepoint.service.backup import backup

    header = backup(open_store(db), out, with_password_hashes)
    rows = sum(header["tables"].values())
    typer.echo(f"wrote {out}: {rows:,} rows of {len(header['tables'])} tables")


@app.command("restore")
def restore_cmd(
    path: Annotated[Path, typer.Argument(help="A file written by `chokepoint backup`.")],
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a store that is not empty.")] = False,
    db: DbOption = None,
) -> None:
    """Restore a backup into an empty store (or, with --replace, over everything in it), in one
    transaction: it lands whole or not at all.
    """
    from chokepoint.service.backup import restore

    result = restore(open_store(db), path, replace)
    rows = sum(result["rows"].values())
    typer.echo(f"restored {path}: {rows:,} rows (backup of {result['header']['created_at']})")
    if not result["header"].get("password_hashes"):
        typer.echo("users have no password: set them with `chokepoint users passwd NAME --password ...`")
