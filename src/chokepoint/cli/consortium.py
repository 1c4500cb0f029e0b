"""``chokepoint`` commands: innovation consortia (propose, show)."""

from __future__ import annotations

from typing import Annotated, cast

import typer

from chokepoint.cli.base import (
    AlliedOption,
    DbOption,
    HomeOption,
    LangOption,
    ProjectOption,
    RestrictedOption,
    TaskOption,
    consortium_app,
    open_store,
)
from chokepoint.cli.output import FormatOption, OutputFormat, echo_json
from chokepoint.match.consortium import Method
from chokepoint.match.rank import STANDING_ZH

PROPOSE_HELP = (
    "Propose the smallest, least risky consortium for a joint R&D task: a lead enterprise, an "
    "upstream supplier, a research unit, a pilot-scale platform and a first user, together holding "
    "every required capability (by default those of the challenges on the task's node)."
    "\n\n"
    "Actors of restricted countries and data aggregates are never proposed; neutral ones only at a "
    "higher risk. --method exact solves the set cover as an integer programme (HiGHS), greedy "
    "within H(d) of the optimum (Chvátal 1979); auto is exact up to 400 eligible actors. A position "
    "no eligible actor holds is listed as a gap to recruit. --save keeps the proposal with the task."
)


def _print(proposal: dict, lang: str) -> None:
    zh = lang == "zh"
    if zh:
        how = (
            "精确求解"
            if proposal["method"] == "exact"
            else f"贪心近似（不超过最优的{proposal['bound']:.2f}倍）"
        )
        typer.echo(f"{proposal['task']}（{proposal['node']}）：{proposal['size']}家成员，{how}")
    else:
        how = (
            "exact"
            if proposal["method"] == "exact"
            else f"greedy (within {proposal['bound']:.2f}x of the optimum)"
        )
        typer.echo(f"{proposal['task']} ({proposal['node']}): {proposal['size']} member(s), {how}")
    for m in proposal["members"]:
        standing = STANDING_ZH.get(m["standing"], m["standing"]) if zh else m["standing"]
        typer.echo(f"  {m['actor']} {m['name']} [{standing}] {', '.join(m['role_labels'])}")
        for reason in m["reasons"]:
            typer.echo(f"      - {reason}")
    for gap in proposal["gaps"]:
        typer.echo(("  缺口：" if zh else "  gap: ") + gap)


@consortium_app.command("propose", help=PROPOSE_HELP)
def consortium_propose(
    project: ProjectOption,
    task: TaskOption,
    capabilities: Annotated[
        str | None,
        typer.Option(
            "--capabilities", help="Required capabilities, comma-separated (default: the challenges')."
        ),
    ] = None,
    method: Annotated[str, typer.Option("--method", help="auto, exact or greedy.")] = "auto",
    save: Annotated[bool, typer.Option("--save", help="Keep the proposal as the task's consortium.")] = False,
    home: HomeOption = None,
    restricted: RestrictedOption = None,
    allied: AlliedOption = None,
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Propose a consortium for a task (help: ``PROPOSE_HELP``)."""
    from chokepoint.errors import UsageError
    from chokepoint.service.consortium import propose_for_task

    if method not in ("auto", "exact", "greedy"):
        raise UsageError(f"--method {method!r}: use auto, exact or greedy")
    wanted = None if capabilities is None else [c.strip() for c in capabilities.split(",") if c.strip()]
    proposal = propose_for_task(
        open_store(db),
        project,
        task,
        wanted,
        cast(Method, method),
        home=home,
        restricted=restricted,
        allied=allied,
        save=save,
        lang=lang,
    )
    if fmt == OutputFormat.json:
        echo_json(proposal)
    else:
        _print(proposal, lang)


@consortium_app.command("show")
def consortium_show(project: ProjectOption, task: TaskOption, db: DbOption = None) -> None:
    """Print the consortium saved for a task (JSON)."""
    from chokepoint.service.consortium import saved_consortium

    echo_json(saved_consortium(open_store(db), project, task))
