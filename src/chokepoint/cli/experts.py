"""``chokepoint experts``: expert judgement (专家打分): template, import, list, summary.

Thin over :mod:`chokepoint.service.experts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chokepoint.cli.base import DbOption, ProjectOption, experts_app, open_store
from chokepoint.cli.output import FormatOption, OutputFormat, echo_json, emit
from chokepoint.service import experts as svc

LIST_TEXT_COLUMNS = ["expert", "organization", "node", "gap", "threshold", "substitutability", "gap_years"]
SUMMARY_TEXT_COLUMNS = ["node", "name", "gap", "gap_iqr", "threshold", "substitutability", "gap_years", "n"]


@experts_app.command("template")
def experts_template(
    project: ProjectOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Workbook to write (.xlsx).")],
    lang: Annotated[str, typer.Option("--lang", help="Language of the labels: zh or en.")] = "zh",
    db: DbOption = None,
) -> None:
    """Write the expert scoring workbook: the project's assessable technologies, 1-5 scales."""
    typer.echo(f"wrote {svc.write_template(open_store(db), project, out, lang)}")


@experts_app.command("import")
def experts_import(
    files: Annotated[list[Path], typer.Argument(help="Filled expert sheets (.xlsx, or .csv).")],
    project: ProjectOption,
    user: Annotated[str, typer.Option("--as", help="User recorded as importing the sheets.")] = "cli",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Import experts' sheets: all or nothing; a new sheet from an expert replaces its scores.

    Any problem in any sheet (a score outside 1-5, an unknown node id, ...) stores nothing and
    lists every problem with its file, row and column.
    """
    done = svc.import_sheets(open_store(db), project, files, user)
    if fmt == OutputFormat.json:
        echo_json(done)
        return
    for s in done["sheets"]:
        org = f" ({s['organization']})" if s["organization"] else ""
        again = f", replacing {s['replaced']} earlier" if s["replaced"] else ""
        typer.echo(f"{s['source']}: expert {s['expert']}{org}: {s['nodes']} nodes scored{again}")


@experts_app.command("list")
def experts_list(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """Every expert's scores (1-5), one row per expert and node, with file, importer and date."""
    df = svc.expert_scores(open_store(db), project)
    emit(fmt, table=df, text=lambda: df[LIST_TEXT_COLUMNS].to_string(index=False) if len(df) else "no scores")


@experts_app.command("summary")
def experts_summary(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """The panel's aggregate per node: medians on 0-1, interquartile ranges, experts counted."""
    df = svc.expert_summary(open_store(db), project)
    emit(
        fmt,
        table=df,
        text=lambda: (
            df[SUMMARY_TEXT_COLUMNS].to_string(index=False, float_format="{:.3f}".format)
            if len(df)
            else "no scores"
        ),
    )
