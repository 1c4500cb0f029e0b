"""``chokepoint`` commands: organisation units, reporting data sets and cycles, the exchange
between instances, and escalations (issue 27). Thin adapters over
:mod:`chokepoint.service.reporting`, :mod:`chokepoint.service.exchange` and
:mod:`chokepoint.service.escalations`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
import yaml

from chokepoint.cli.base import (
    AsOption,
    DbOption,
    ProjectOption,
    datasets_app,
    escalations_app,
    network_app,
    open_store,
    reporting_app,
    units_app,
)
from chokepoint.cli.output import FormatOption, OutputFormat, emit
from chokepoint.errors import InputFileError, UsageError

PeriodOption = Annotated[str, typer.Option("--period", help="Month YYYY-MM.")]
DataSetArg = Annotated[str, typer.Argument(help="The data set's id.")]
TOKEN_ENV = "CHOKEPOINT_NETWORK_TOKEN"


#: columns shown as percentages in the text tables
PERCENT = ("completeness", "timeliness")


def _cell(column: str, value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if column in PERCENT:
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:.4g}"
    return value


def _emit(fmt: OutputFormat, *, rows: list[dict[str, Any]], columns: list[str], document: Any = None) -> None:
    """Print records: a headed text table (percentages, four significant digits), or every value
    as it is in CSV and JSON.
    """
    if fmt != OutputFormat.table:
        emit(fmt, rows=rows, columns=columns, document=document if document is not None else rows)
    elif not rows:
        typer.echo("(none)")
    else:
        frame = pd.DataFrame([{c: _cell(c, r.get(c)) for c in columns} for r in rows], columns=columns)
        emit(fmt, table=frame)


# ------------------------------------------------------------------ units
@units_app.command("set")
def units_set(
    name: Annotated[str, typer.Argument(help="User name.")],
    unit: Annotated[str, typer.Argument(help="CHN (national), CN-ZJ, a city or park code; '' for none.")],
    db: DbOption = None,
) -> None:
    """Place a user in an organisation unit: it then sees that unit's subtree."""
    from chokepoint.service.reporting import set_unit

    done = set_unit(open_store(db), name, unit or None)
    typer.echo(f"{done['name']}: unit {done['unit'] or '(none: the whole instance)'}")


@units_app.command("list")
def units_list(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """Every user placed in a unit, the instance's top unit and the levels that see raw reports."""
    from chokepoint.service import reporting as svc

    store = open_store(db)
    rows = [{"user": u, "unit": unit} for u, unit in store.reporting.units().items()]
    _emit(
        fmt,
        rows=rows,
        columns=["user", "unit"],
        document={
            "instance_unit": svc.instance_unit(store),
            "raw_levels": list(svc.raw_levels(store)),
            "users": rows,
        },
    )


# ------------------------------------------------------------------ data sets
@datasets_app.command("put")
def datasets_put(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The data set (.yaml or .json).")],
    project: ProjectOption,
    user: AsOption = "admin",
    db: DbOption = None,
) -> None:
    """Create or replace a data set from a file: name, indicators, enterprises, deadline_day,
    review_level, title, title_zh (checked whole).
    """
    from chokepoint.service.reporting import put_data_set

    try:
        body = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputFileError(file.name, f"not YAML or JSON ({exc})") from None
    if not isinstance(body, dict):
        raise InputFileError(file.name, "a data set is a mapping (name, indicators, enterprises, ...)")
    done = put_data_set(open_store(db), project, body, user)
    typer.echo(
        f"data set {done['name']}: {len(done['indicators'])} indicators, {len(done['enterprises'])} "
        f"enterprises, due on day {done['deadline_day']} of the next month, reviewed at "
        f"{done['review_level']} level"
    )


@datasets_app.command("list")
def datasets_list(
    project: ProjectOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """The project's data sets."""
    from chokepoint.service.reporting import list_data_sets

    rows = list_data_sets(open_store(db), project)
    view = [
        {**r, "indicators": ", ".join(r["indicators"]), "enterprises": len(r["enterprises"])} for r in rows
    ]
    _emit(
        fmt,
        rows=view,
        document=rows,
        columns=["name", "title", "indicators", "enterprises", "deadline_day", "review_level"],
    )


@datasets_app.command("delete")
def datasets_delete(name: DataSetArg, project: ProjectOption, db: DbOption = None) -> None:
    """Delete a data set with its reports and review steps (the reported values stay)."""
    from chokepoint.service.reporting import delete_data_set

    typer.echo(f"deleted data set {delete_data_set(open_store(db), project, name)['deleted']}")


# ------------------------------------------------------------------ reporting cycles
RATE_COLUMNS = [
    "unit",
    "name",
    "level",
    "period",
    "expected",
    "submitted",
    "on_time",
    "approved",
    "returned",
    "late",
    "completeness",
    "timeliness",
]


@reporting_app.command("rates")
def reporting_rates(
    name: DataSetArg,
    project: ProjectOption,
    user: AsOption = "admin",
    unit: Annotated[
        str | None, typer.Option("--unit", help="A unit of your subtree (default: yours).")
    ] = None,
    period: Annotated[list[str] | None, typer.Option("--period", help="Month YYYY-MM (repeat).")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Completeness (上报率) and timeliness (及时率) of the unit and each unit below it, per period."""
    from chokepoint.service.reporting import rates

    rows = rates(open_store(db), project, name, user, unit, period)
    _emit(fmt, rows=rows, columns=RATE_COLUMNS)


@reporting_app.command("late")
def reporting_late(
    name: DataSetArg,
    project: ProjectOption,
    period: PeriodOption,
    user: AsOption = "admin",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """The enterprises of your subtree with no submitted report for the period."""
    from chokepoint.service.reporting import late_reporters

    rows = late_reporters(open_store(db), project, name, period, user)
    _emit(fmt, rows=rows, columns=["enterprise", "name", "location", "state", "days_late", "comment"])


@reporting_app.command("remind")
def reporting_remind(
    name: DataSetArg,
    project: ProjectOption,
    period: PeriodOption,
    user: AsOption = "admin",
    db: DbOption = None,
) -> None:
    """Remind the late reporters (催报): in the app, and through $CHOKEPOINT_NOTIFY_HOOK when set."""
    from chokepoint.service.reporting import remind

    done = remind(open_store(db), project, name, period, user)
    typer.echo(
        f"{len(done['late'])} late; reminded {len(done['reminded'])} reporters; "
        f"{len(done['unreached'])} enterprises without a reporter ({', '.join(done['unreached'][:10])}); "
        f"hook: {done['hook']['status']}, {done['hook']['sent']} sent, {len(done['hook']['failed'])} failed"
    )


@reporting_app.command("queue")
def reporting_queue(
    project: ProjectOption,
    user: AsOption = "admin",
    data_set: Annotated[str | None, typer.Option("--data-set", help="Only this data set.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """The reports waiting for your review in your subtree, oldest first."""
    from chokepoint.service.reporting import review_queue

    rows = review_queue(open_store(db), project, user, data_set)
    _emit(
        fmt,
        rows=rows,
        columns=["data_set", "enterprise", "name", "period", "state", "revision", "location", "submitted_at"],
    )


@reporting_app.command("review")
def reporting_review(
    name: DataSetArg,
    project: ProjectOption,
    action: Annotated[str, typer.Option("--action", help="approve, query (查询) or return (退回).")],
    report: Annotated[list[str], typer.Option("--report", help="ENTERPRISE:YYYY-MM (repeat), or 'queue'.")],
    user: AsOption,
    comment: Annotated[str, typer.Option("--comment", help="Why (required to query or return).")] = "",
    db: DbOption = None,
) -> None:
    """Approve, query or return reports, all or none (``--report queue``: every one waiting)."""
    from chokepoint.service.reporting import review, review_queue

    store = open_store(db)
    if report == ["queue"]:
        items = [
            (r["enterprise"], r["period"], r["revision"]) for r in review_queue(store, project, user, name)
        ]
    else:
        bad = [r for r in report if ":" not in r]
        if bad:
            raise UsageError(f"--report {bad[0]!r}: write ENTERPRISE:YYYY-MM")
        items = [(*r.rsplit(":", 1), None) for r in report]  # type: ignore[misc]
    done = review(store, project, name, items, action, user, comment)
    typer.echo(f"{len(done)} reports {done[0]['state'] if done else 'reviewed'}")


@reporting_app.command("mine")
def reporting_mine(
    project: ProjectOption, user: AsOption, fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """The reports you may read raw, with their state and the reviewer's comment."""
    from chokepoint.service.reporting import my_reports

    rows = my_reports(open_store(db), project, user)
    _emit(
        fmt,
        rows=rows,
        columns=["data_set", "enterprise", "period", "state", "revision", "comment"],
        document=rows,
    )


@reporting_app.command("notifications")
def reporting_notifications(
    user: AsOption,
    unread: Annotated[bool, typer.Option("--unread", help="Only unread ones.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="en or zh.")] = "en",
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Your notifications (reminders, queried and returned reports), newest first."""
    rows = open_store(db).reporting.notifications(user, unread)
    key = "message_zh" if lang == "zh" else "message_en"
    _emit(
        fmt,
        rows=[{**r, "message": r[key]} for r in rows],
        columns=["id", "kind", "created_at", "message"],
        document=rows,
    )


# ------------------------------------------------------------------ the exchange
@network_app.command("init")
def network_init(
    name: Annotated[str, typer.Argument(help="This instance's name (e.g. zhejiang, national).")],
    unit: Annotated[str, typer.Option("--unit", help="Its unit: CHN for the nation, CN-ZJ for a province.")],
    policy: Annotated[
        str, typer.Option("--policy", help="What goes up: raw (reviewed values) or aggregate.")
    ] = "raw",
    raw_levels: Annotated[
        str, typer.Option("--raw-levels", help="Levels that see raw reports (default all).")
    ] = "",
    db: DbOption = None,
) -> None:
    """Name this instance, set its unit and policy; its Ed25519 key pair is made once."""
    from chokepoint.service.exchange import init_instance

    me = init_instance(open_store(db), name, unit, policy, raw_levels)
    typer.echo(
        f"{me['name']} ({me['unit']}, {me['policy']}); public key {me['public_key']} "
        f"(fingerprint {me['fingerprint']}): give it to the instance above"
    )


@network_app.command("show")
def network_show(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """Show this instance, its peers with fingerprints and last exchanges, and the outbox."""
    from chokepoint.service.exchange import exchange_status

    s = exchange_status(open_store(db))
    me = s["instance"]
    text = [f"{me['name']} ({me['unit']}), policy {me['policy']}, fingerprint {me['fingerprint']}"]
    text += [
        f"  {p['role']} {p['name']} ({p['unit']}) fingerprint {p['fingerprint']}"
        + (
            f": {p['bundles']} bundles, last {p['last_sequence']} at {p['last_exchange_at']}"
            if p["role"] == "sender"
            else f" {p['url']}"
        )
        for p in s["peers"]
    ]
    text += [
        f"  outbox to {o['receiver']}: {o['bundles']} bundles, {o['waiting']} waiting" for o in s["outbox"]
    ]
    emit(fmt, document=s, text="\n".join(text))


@network_app.command("peer")
def network_peer(
    name: Annotated[str, typer.Argument(help="The other instance's name.")],
    role: Annotated[str, typer.Option("--role", help="sender (an instance below) or receiver (above).")],
    unit: Annotated[str, typer.Option("--unit", help="Its unit (CN-ZJ; CHN for the nation).")],
    public_key: Annotated[
        str, typer.Option("--public-key", help="Its public key (from its `network init`).")
    ],
    url: Annotated[str, typer.Option("--url", help="The receiver's address, for `network push`.")] = "",
    db: DbOption = None,
) -> None:
    """Register another instance; compare its fingerprint with the one it shows before trusting it."""
    from chokepoint.service.exchange import register_peer

    p = register_peer(open_store(db), name, role, unit, public_key, url)
    typer.echo(f"registered {p['role']} {p['name']} ({p['unit']}), fingerprint {p['fingerprint']}")


@network_app.command("prepare")
def network_prepare(db: DbOption = None) -> None:
    """Put the approved reports not yet sent into signed bundles for the receiver."""
    from chokepoint.service.exchange import prepare

    done = prepare(open_store(db))
    typer.echo(f"{len(done['bundles'])} bundles for {done['receiver']} ({done['records']} records)")


@network_app.command("push")
def network_push(db: DbOption = None) -> None:
    """Send the waiting bundles to the receiver's URL (its token in $CHOKEPOINT_NETWORK_TOKEN);
    an interrupted push resumes where it stopped.
    """
    from chokepoint.io.exchange_http import http_sender
    from chokepoint.service.exchange import push

    store = open_store(db)
    peer = next((p for p in store.network.peers() if p["role"] == "receiver"), None)
    if peer is None or not peer["url"]:
        raise UsageError("no receiver with a URL: `chokepoint network peer NAME --role receiver --url ...`")
    done = push(store, http_sender(peer["url"], os.environ.get(TOKEN_ENV, "")))
    typer.echo(
        f"{done['sent']} sent, {done['duplicates']} already there, {done['waiting']} waiting"
        + (f"; stopped: {done['error']}" if done["error"] else "")
    )
    if done["error"]:
        raise typer.Exit(1)


@network_app.command("export")
def network_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the waiting bundles to.")],
    db: DbOption = None,
) -> None:
    """Write the waiting bundles as files (bundle-<sequence>.json) to carry to the receiver."""
    store = open_store(db)
    peer = next((p for p in store.network.peers() if p["role"] == "receiver"), None)
    if peer is None:
        raise UsageError("no receiver registered: `chokepoint network peer NAME --role receiver ...`")
    out.mkdir(parents=True, exist_ok=True)
    waiting = store.network.outbox(peer["name"])
    for b in waiting:
        (out / f"bundle-{b['sequence']:06d}.json").write_text(
            json.dumps(b["body"], ensure_ascii=False), "utf-8"
        )
    typer.echo(f"wrote {len(waiting)} bundles to {out}")


@network_app.command("receive")
def network_receive(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Bundle files, in order.")],
    db: DbOption = None,
) -> None:
    """Merge bundle files from a registered instance (each checked and merged whole)."""
    from chokepoint.service.exchange import receive

    store = open_store(db)
    for f in sorted(files):
        try:
            body = json.loads(f.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputFileError(f.name, f"not a JSON bundle ({exc})") from None
        reply = receive(store, body, via="cli")
        typer.echo(f"{f.name}: {reply['outcome']} (sequence {reply['sequence']}, {reply['records']} records)")


@network_app.command("totals")
def network_totals(
    data_set: Annotated[str | None, typer.Option("--data-set", help="PROJECT/DATA_SET.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Sums of the reviewed values received, by region and for the nation (conflicts left out)."""
    from chokepoint.service.exchange import totals

    rows = totals(open_store(db), data_set)
    _emit(
        fmt,
        rows=rows,
        columns=[
            "data_set",
            "period",
            "indicator",
            "unit",
            "region",
            "measure",
            "mean",
            "sum",
            "enterprises",
            "conflicted",
        ],
    )


@network_app.command("rates")
def network_rates(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """Each region's completeness and timeliness per data set and period, and the nation's."""
    from chokepoint.service.exchange import network_rates as rates

    rows = rates(open_store(db))
    _emit(
        fmt,
        rows=rows,
        columns=[
            "data_set",
            "period",
            "region",
            "unit",
            "expected",
            "submitted",
            "on_time",
            "approved",
            "completeness",
            "timeliness",
        ],
    )


@network_app.command("chokepoints")
def network_chokepoints(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """The chokepoints the regions find: per technology, how many regions rate it I or II."""
    from chokepoint.service.exchange import network_chokepoints as found

    rows = found(open_store(db))
    flat = [
        {**r, "by_region": "; ".join(f"{x['region']} {x['level']}" for x in r["by_region"])} for r in rows
    ]
    _emit(fmt, rows=flat, columns=["project", "node", "name", "level", "regions", "by_region"], document=rows)


@network_app.command("conflicts")
def network_conflicts(fmt: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """Enterprises two regions both sent, with each region's value (neither overwrites the other)."""
    from chokepoint.service.exchange import conflicts

    rows = conflicts(open_store(db))
    flat = [
        {**r, "senders": "; ".join(f"{s['sender']} ({s['unit']}): {s['value']:g}" for s in r["senders"])}
        for r in rows
    ]
    _emit(fmt, rows=flat, columns=["data_set", "enterprise", "period", "indicator", "senders"], document=rows)


# ------------------------------------------------------------------ escalations
@escalations_app.command("list")
def escalations_list(
    user: AsOption = "admin", fmt: FormatOption = OutputFormat.table, db: DbOption = None
) -> None:
    """The escalations your unit is involved in, newest first, with their decisions."""
    from chokepoint.service.escalations import visible

    rows = visible(open_store(db), user)
    _emit(
        fmt,
        rows=rows,
        document=rows,
        columns=[
            "id",
            "origin",
            "project",
            "alert_id",
            "from_unit",
            "to_unit",
            "raised_by",
            "reason",
            "state",
            "decision",
            "decided_by",
            "why",
        ],
    )


@escalations_app.command("raise")
def escalations_raise(
    alert_id: Annotated[int, typer.Argument(help="The alert's id (`chokepoint alerts list`).")],
    project: ProjectOption,
    user: AsOption,
    reason: Annotated[str, typer.Option("--reason", help="Why it goes up.")],
    to_unit: Annotated[
        str | None, typer.Option("--to", help="The unit (default: the one above yours).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Escalate an alert of your subtree to the unit above."""
    from chokepoint.service.escalations import escalate

    e = escalate(open_store(db), project, alert_id, user, reason, to_unit)
    typer.echo(f"escalation {e['id']}: alert {alert_id} from {e['from_unit']} to {e['to_unit']}")


@escalations_app.command("decide")
def escalations_decide(
    escalation_id: Annotated[int, typer.Argument(help="The escalation's id.")],
    user: AsOption,
    decision: Annotated[str, typer.Option("--decision", help="What was decided.")],
    why: Annotated[str, typer.Option("--why", help="Why.")],
    db: DbOption = None,
) -> None:
    """Record the decision on an escalation sent to your unit."""
    from chokepoint.service.escalations import decide

    e = decide(open_store(db), escalation_id, user, decision, why)
    typer.echo(f"escalation {e['id']} decided by {e['decided_by']} at {e['decided_at']}: {e['decision']}")
