"""``chokepoint`` commands: roadmaps of joint R&D tasks (show, add, progress)."""

from __future__ import annotations

from typing import Annotated

import typer

from chokepoint.cli.base import DbOption, LangOption, ProjectOption, TaskOption, open_store, roadmap_app
from chokepoint.cli.output import FormatOption, OutputFormat, echo_json, emit


@roadmap_app.command("show")
def roadmap_show(
    project: ProjectOption, task: TaskOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """The task's milestones: kind, title, target month, owner, status."""
    from chokepoint.service.roadmap import task_roadmap

    roadmap = task_roadmap(open_store(db), project, task)
    if fmt == OutputFormat.json:
        echo_json(roadmap)
    else:
        emit(fmt, rows=roadmap["milestones"], columns=["id", "kind", "title", "target", "owner", "status"])


@roadmap_app.command("add")
def roadmap_add(
    project: ProjectOption,
    task: TaskOption,
    kind: Annotated[
        str, typer.Option("--kind", help="prototype, pilot_line, customer_qualified, volume_share or other.")
    ],
    title: Annotated[str, typer.Option("--title", help="What is to be reached.")],
    target: Annotated[str, typer.Option("--target", help="Target month, YYYY-MM.")],
    owner: Annotated[str, typer.Option("--owner", help="Who is responsible (actor id or name).")] = "",
    share: Annotated[
        float | None, typer.Option("--share", help="volume_share: the share aimed at (0-1).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a milestone to a task's roadmap."""
    from chokepoint.service.roadmap import add_milestone

    roadmap = add_milestone(open_store(db), project, task, kind, title, target, owner, share)
    added = roadmap["milestones"][-1]
    typer.echo(
        f"{task}: milestone {added['id']} ({added['kind']}, target {added['target']}): {added['title']}"
    )


@roadmap_app.command("progress")
def roadmap_progress(
    milestone: Annotated[str, typer.Argument(help="Milestone id, e.g. M2.")],
    project: ProjectOption,
    task: TaskOption,
    status: Annotated[str, typer.Option("--status", help="planned, in_progress, done or missed.")],
    evidence: Annotated[str, typer.Option("--evidence", help="What shows it (required for done).")] = "",
    provider: Annotated[
        str | None,
        typer.Option("--provider", help="A done customer_qualified/volume_share: the new home provider."),
    ] = None,
    share: Annotated[
        float | None, typer.Option("--share", help="...and its share of the node's supply (0-1).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Record progress on a milestone; a new home provider is written into the chain (the next
    monitor run re-assesses the node with it).
    """
    from chokepoint.service.roadmap import record_milestone

    record_milestone(open_store(db), project, task, milestone, status, evidence, provider, share)
    extra = f"; {provider} now provides {share:.0%} of the node" if provider and share else ""
    typer.echo(f"{task}: milestone {milestone} {status}{extra}")


@roadmap_app.command("node")
def roadmap_node(
    node: Annotated[str, typer.Argument(help="Node id, e.g. N45.")],
    project: ProjectOption,
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """What is under way on a node: its tasks, their milestones and consortium, its challenges."""
    from chokepoint.service.roadmap import node_progress

    progress = node_progress(open_store(db), project, node, lang)
    if fmt == OutputFormat.json:
        echo_json(progress)
        return
    zh = lang == "zh"
    for task in progress["tasks"]:
        typer.echo(f"{task['task_id']} [{task['status_label']}] {task['goal']}")
        for m in task["milestones"]:
            typer.echo(f"  {m['id']} {m['kind_label']}: {m['title']} ({m['target']}) - {m['status_label']}")
        if task["consortium"]:
            members = "; ".join(f"{c['name']} ({', '.join(c['roles'])})" for c in task["consortium"])
            typer.echo(("  联合体：" if zh else "  consortium: ") + members)
    for c in progress["challenges"]:
        awarded = f" -> {', '.join(c['awarded'])}" if c["awarded"] else ""
        typer.echo(f"{c['id']} [{c['status_label']}] {c['title']}{awarded}")
    if not progress["tasks"] and not progress["challenges"]:
        typer.echo("节点上暂无任务或榜单" if zh else "nothing under way on this node")
