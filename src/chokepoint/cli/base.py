"""Shared pieces of the ``chokepoint`` command line: the app, its groups, options and output helpers.

Domain errors (:class:`~chokepoint.errors.ChokepointError`) become one clean
message on standard error and the exit status their class carries (1 for the
data or the store, 2 for the usage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from chokepoint.errors import ChokepointError

if TYPE_CHECKING:
    from chokepoint.assess import Perspective
    from chokepoint.model.chain import ChainMap
    from chokepoint.store import Store


class _Group(TyperGroup):
    """Turns domain errors into clean messages (no traceback) for every command."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ChokepointError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None


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
macro_app = _command_group(
    "macro", "Macro input-output view: load, list, rename, delete, linkages, imports, extract, shock."
)
io_app = _command_group("io", "Deprecated alias of `chokepoint macro` (removed in the next release).")
trade_app = _command_group(
    "trade", "Trade-flow dependency: load, list, delete, dependencies, screen, embargo."
)
materials_app = _command_group(
    "materials", "Critical raw materials (关键基础材料): load, list, delete, risk, leverage, stages, chain."
)
challenges_app = _command_group(
    "challenges", "Technical challenges (揭榜挂帅): add, list, show, match, bid, publish, award, close, fail."
)
profiles_app = _command_group("profiles", "Capability profiles of institutions and firms: import, list.")
tasks_app = _command_group("tasks", "Joint R&D tasks (联合攻关任务): list, show, set status.")
experts_app = _command_group("experts", "Expert judgement (专家打分): template, import, list, summary.")
audit_app = _command_group("audit", "The tamper-evident log of a project: verify, log.")
roadmap_app = _command_group(
    "roadmap", "Roadmaps of joint R&D tasks (攻关路线图): show, add, progress, node."
)
consortium_app = _command_group(
    "consortium", "Innovation consortia (创新联合体) for joint R&D tasks: propose, show."
)
region_app = _command_group(
    "region",
    "Regions (链长制): import cities and parks, list, show a chain from a region, leading chain, values.",
)
indicators_app = _command_group(
    "indicator-systems", "Indicator systems (评价指标体系): import, export, list, show."
)
weights_app = _command_group(
    "weights", "Indicator weights from files: ahp (a comparison matrix), entropy, critic."
)
units_app = _command_group(
    "units", "Organisation units of users (national, province, city, park): set, list."
)
datasets_app = _command_group("data-sets", "Reporting data sets (报表制度): put, list, delete.")
reporting_app = _command_group(
    "reporting", "Reporting cycles (联网直报): rates, late, remind, queue, review, mine, notifications."
)
network_app = _command_group(
    "network", "Instances reporting upward: init, show, peer, prepare, push, export, receive, totals..."
)
escalations_app = _command_group("escalations", "Coordinated decisions (决策协同): list, raise, decide.")
parks_app = _command_group("parks", "Classified park evaluation (园区分类评价): evaluate.")


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

HomeOption = Annotated[
    str | None,
    typer.Option("--home", help="Home economy: ISO3 code(s) or group (CHN, EU27), or a region (CN-ZJ)."),
]

RestrictedOption = Annotated[
    str | None,
    typer.Option("--restricted", help="Comma-separated ISO3 codes that may blockade the home economy."),
]

AlliedOption = Annotated[str | None, typer.Option("--allied", help="Comma-separated ISO3 codes of allies.")]

YearOption = Annotated[int | None, typer.Option("--year", help="Use provisions up to this year.")]

TaskOption = Annotated[
    str, typer.Option("--task", help="Task id, e.g. T-CHN-N45 (see `chokepoint tasks list`).")
]

LangOption = Annotated[str, typer.Option("--lang", help="Language of names and explanations: en or zh.")]

DEMO_PERSPECTIVE = {"home": "CHN", "restricted": "USA,JPN,NLD,KOR,TWN"}


def open_store(db: str | None) -> Store:
    """The store at ``--db`` (else ``$CHOKEPOINT_DB``, else the user's default store)."""
    from chokepoint.store import Store

    return Store(db)


def print_summary(summary: dict[str, Any], title: str) -> None:
    """Print a chain summary as aligned text lines."""
    from chokepoint.report.text import summary_lines

    for line in summary_lines(summary, title):
        typer.echo(line)


def request_perspective(
    store: Store,
    project: str,
    home: str | None = None,
    restricted: str | None = None,
    allied: str | None = None,
    year: int | None = None,
    *,
    chain: ChainMap | None = None,
    scenario: Any = None,
) -> Perspective:
    """The perspective of a command: the stored default with each given flag replacing its field."""
    from chokepoint.service.perspective import resolve_perspective

    return resolve_perspective(
        store,
        project,
        home=home,
        restricted=restricted,
        allied=allied,
        year=year,
        chain=chain,
        scenario=scenario,
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


DatasetOption = Annotated[str, typer.Option("--dataset", "-d", help="Name of the IO dataset in the store.")]
