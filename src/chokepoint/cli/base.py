"""Shared pieces of the ``chokepoint`` command line: the app, its groups, options and output helpers.

Domain errors (:class:`~chokepoint.errors.ChokepointError`) become one clean
message on standard error and exit status 1; usage errors exit with 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
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


def _command_group(name: str, help: str) -> typer.Typer:
    """A sub-command group ``chokepoint NAME ...`` with the shared error handling."""
    group = typer.Typer(cls=_Group, help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


projects_app = _command_group("projects", "List, rename and delete projects in the store.")
perspective_app = _command_group("perspective", "Show, set or clear a project's default perspective.")
scenario_app = _command_group(
    "scenario", "Disruption scenarios (断链模拟): run, sweep, save, list, show, delete."
)
users_app = _command_group("users", "Users and roles: add, list, bind, unbind, passwd, disable.")
report_app = _command_group(
    "report-data", "Direct data reporting (数据直报): template, upload, list, history."
)
rules_app = _command_group("rules", "Warning rules: import, list, history.")
monitor_app = _command_group("monitor", "Routine re-assessment (常态化评估): run, diff, list.")
alerts_app = _command_group("alerts", "Graded warnings (预警): list, ack, resolve.")
io_app = _command_group(
    "io", "Macro input-output view: load, list, rename, delete, linkages, extract, shock."
)
trade_app = _command_group(
    "trade", "Trade-flow dependency: load, list, delete, dependencies, screen, embargo."
)
challenges_app = _command_group("challenges", "Technical challenges (揭榜挂帅): add, list, show, match, bid.")
profiles_app = _command_group("profiles", "Capability profiles of institutions and firms: import, list.")
tasks_app = _command_group("tasks", "Joint R&D tasks (联合攻关任务): list, show, set status.")


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


def _print_rows(rows: Sequence[Mapping[Any, Any]], fmt: OutputFormat, cols: list[str]) -> None:
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
