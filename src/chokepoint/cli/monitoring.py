"""``chokepoint`` commands: users, direct data reporting, rules, monitor runs and alerts.

Thin over :mod:`chokepoint.service.users` and :mod:`chokepoint.service.monitoring`: ``--as USER``
names the acting user and the services check what it may do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from chokepoint.cli.base import (
    AsOption,
    DbOption,
    LangOption,
    PasswordOption,
    ProjectOption,
    alerts_app,
    monitor_app,
    open_store,
    report_app,
    rules_app,
    users_app,
)
from chokepoint.cli.output import FormatOption, OutputFormat, echo_json, emit, out_option
from chokepoint.errors import UsageError
from chokepoint.monitor.text import status_label
from chokepoint.service import monitoring as svc
from chokepoint.service import users as users_svc


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option("--role", help="admin, analyst, officer, reporter or viewer.")],
    password: PasswordOption,
    db: DbOption = None,
) -> None:
    """Add a user (the password is stored as an argon2 hash)."""
    users_svc.add_user(open_store(db), name, role, password)
    typer.echo(f"added {role} {name!r}")


@users_app.command("list")
def users_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List users with role, state, enterprise bindings and organisation unit."""
    users = users_svc.list_users(open_store(db))
    rows = [{**r, "bindings": ", ".join(r["bindings"])} for r in users]
    emit(fmt, rows=rows, columns=["name", "role", "disabled", "bindings", "unit"], document=users)


@users_app.command("bind")
def users_bind(
    name: Annotated[str, typer.Argument(help="Reporter user name.")],
    project: ProjectOption,
    actor: Annotated[str, typer.Option("--actor", help="Enterprise id in the project (e.g. P115).")],
    db: DbOption = None,
) -> None:
    """Bind a reporter to an enterprise of a project: it may report and read that enterprise's data."""
    users_svc.bind(open_store(db), name, project, actor)
    typer.echo(f"{name!r} now reports for {actor} in {project!r}")


@users_app.command("unbind")
def users_unbind(
    name: Annotated[str, typer.Argument(help="Reporter user name.")],
    project: ProjectOption,
    actor: Annotated[str, typer.Option("--actor", help="Enterprise id.")],
    db: DbOption = None,
) -> None:
    """Remove a reporter's binding to an enterprise."""
    users_svc.unbind(open_store(db), name, project, actor)
    typer.echo(f"{name!r} no longer reports for {actor} in {project!r}")


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="User name.")], password: PasswordOption, db: DbOption = None
) -> None:
    """Change a user's password."""
    users_svc.set_password(open_store(db), name, password)
    typer.echo(f"password of {name!r} changed")


@users_app.command("disable")
def users_disable(
    name: Annotated[str, typer.Argument(help="User name.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable again instead.")] = False,
    db: DbOption = None,
) -> None:
    """Disable a user (it can no longer log in, report or act), or enable it with --enable."""
    users_svc.disable_user(open_store(db), name, not enable)
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
    typer.echo(f"wrote {svc.report_template(open_store(db), project, user, out, period)}")


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
    source, counts = svc.upload_observations(open_store(db), project, file, user, as_of)
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
    df = svc.read_observations(open_store(db), project, user, indicator)
    emit(fmt, rows=df.to_dict("records"), columns=["indicator", "entity", "period", "value", "reporter"])


@report_app.command("history")
def report_history(
    project: ProjectOption, user: AsOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """Revision history of reported values: who, when, old and new value."""
    emit(fmt, rows=svc.observation_history(open_store(db), project, user), columns=svc.HISTORY_COLUMNS)


@rules_app.command("import")
def rules_import(
    file: Annotated[Path, typer.Argument(help="YAML or JSON file with a 'rules' list.")],
    project: ProjectOption,
    user: AsOption = "cli",
    db: DbOption = None,
) -> None:
    """Import rules (insert or update by id; every change is kept in the rule history)."""
    counts = svc.import_rules(open_store(db), project, svc.read_rules_file(file), user, file.name)
    typer.echo(
        f"rules: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
    )


@rules_app.command("list")
def rules_list(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List the project's rules."""
    rules = svc.list_rules(open_store(db), project)
    rows = [
        {**r, "what": r.get("indicator") or r.get("change"), "levels": json.dumps(r.get("levels", {}))}
        for r in rules
    ]
    emit(fmt, rows=rows, columns=["id", "type", "what", "levels"], document=rules)


@rules_app.command("history")
def rules_history(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """Every change of the project's rules: which, what, who, when."""
    emit(
        fmt,
        rows=svc.rule_history(open_store(db), project),
        columns=["rule_id", "action", "changed_by", "changed_at"],
    )


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

    Schedule it with cron, e.g. ``0 6 1 * * chokepoint monitor run --project semiconductors``.
    """
    r = svc.monitor_run(open_store(db), project, as_of)
    if fmt == OutputFormat.json:
        echo_json(r.to_dict())
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
    df = svc.monitor_diff(open_store(db), project, a, b)
    emit(
        fmt,
        rows=df.to_dict("records"),
        columns=["change", "id", "name", "level_before", "level", "score_change"],
    )


@monitor_app.command("brief")
def monitor_brief_cmd(
    project: ProjectOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Brief to write: FILE.html or FILE.pdf.")],
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="en or zh (default: zh when the stored home economy is CHN, else en)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """A monitoring brief for meetings (standalone HTML or PDF): unresolved alerts by level, what
    changed since the previous monitor run (new and resolved alerts, nodes at a worse or better
    level), the alerts level by level and the snapshot history.
    """
    from chokepoint.service.reports import monitoring_brief

    store = open_store(db)
    if lang is None:
        stored = store.projects.get_perspective(project) or {}
        lang = "zh" if "CHN" in (stored.get("home") or []) else "en"
    elif lang not in ("en", "zh"):
        raise UsageError(f"unknown language {lang!r}: use en or zh")
    typer.echo(f"wrote {monitoring_brief(store, project, out, lang)}")


@monitor_app.command("list")
def monitor_list(project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """List stored snapshots with their level counts."""
    snapshots = svc.list_snapshots(open_store(db), project)
    rows = [{**r, "levels": ", ".join(f"{k} {v}" for k, v in sorted(r["levels"].items()))} for r in snapshots]
    emit(fmt, rows=rows, columns=["id", "as_of", "created_at", "levels"], document=snapshots)


@alerts_app.command("list")
def alerts_list(
    project: ProjectOption,
    status: Annotated[str | None, typer.Option("--status", help="open, acknowledged or resolved.")] = None,
    level: Annotated[str | None, typer.Option("--level", help="I, II, III or IV.")] = None,
    lang: LangOption = "en",
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, out_option("Write the alerts as a workbook (.xlsx).")] = None,
    db: DbOption = None,
) -> None:
    """List alerts with level, status, rule, entity and message (--lang zh: Chinese messages, and
    Chinese statuses in the table and CSV; JSON keeps the status codes).
    """
    alerts = svc.list_alerts(open_store(db), project, status, level, lang)
    rows = [{**r, "status": status_label(r["status"], lang)} for r in alerts]  # for display only

    def write(path: Path) -> Path:
        from chokepoint.report.workbook import Cover, Sheet, write_workbook

        if path.suffix.lower() != ".xlsx":
            raise UsageError(f"cannot write {path.name}: alerts are written as .xlsx")
        zh = lang == "zh"
        cols = ["id", "level", "status", "rule_id", "entity_type", "entity", "entity_name", "entity_name_zh",
                "message", "opened_at", "acknowledged_at", "resolved_at"]  # fmt: skip
        table = pd.DataFrame(alerts, columns=cols)
        cover = Cover("预警清单" if zh else "Alerts", [("项目" if zh else "Project", project)])
        note = "监测规则触发的分级预警" if zh else "graded warnings raised by the monitoring rules"
        return write_workbook(path, [Sheet("Alerts", "预警", table, note)], cover, lang)

    columns = ["id", "level", "status", "rule_id", "entity", "message"]
    emit(fmt, rows=rows, columns=columns, document=alerts, out=out, write=write)


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(help="Alert id.")],
    project: ProjectOption,
    user: AsOption,
    db: DbOption = None,
) -> None:
    """Acknowledge an alert (recorded with who and when)."""
    svc.acknowledge_alert(open_store(db), project, alert_id, user)
    typer.echo(f"alert {alert_id} acknowledged by {user}")


@alerts_app.command("resolve")
def alerts_resolve(
    alert_id: Annotated[int, typer.Argument(help="Alert id.")],
    project: ProjectOption,
    user: AsOption,
    db: DbOption = None,
) -> None:
    """Resolve an alert (recorded with who and when)."""
    svc.resolve_alert(open_store(db), project, alert_id, user)
    typer.echo(f"alert {alert_id} resolved by {user}")
