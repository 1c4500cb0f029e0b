"""``chokepoint`` commands: the tamper-evident log (verify, log)."""

from __future__ import annotations

from typing import Annotated

import typer

from chokepoint.cli.base import DbOption, ProjectOption, audit_app, open_store
from chokepoint.cli.output import FormatOption, OutputFormat, echo_json, emit
from chokepoint.errors import UsageError


def _head(text: str | None) -> tuple[int, str] | None:
    if not text:
        return None
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise UsageError(f"--expect-head {text!r}: give SEQ:HASH, e.g. 12:{'0' * 64}")
    return int(seq), digest


@audit_app.command("verify")
def audit_verify(
    project: ProjectOption,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            help="A head recorded earlier (SEQ:HASH, from a backup's header or an earlier verify): "
            "the log must still hold it.",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Verify a project's tamper-evident log: every entry's hash and link, its MAC with
    $CHOKEPOINT_LEDGER_KEY, and that the stored challenges, bids and reported values are what the
    log last recorded. Exits 1 naming each broken entry.
    """
    from chokepoint.service.ledger import verify_project_log

    check = verify_project_log(open_store(db), project, _head(expect_head))
    if fmt == OutputFormat.json:
        echo_json(check.to_dict())
    else:
        state = "intact" if check.ok else f"{len(check.problems)} problem(s)"
        anchor = "anchored (MACs checked)" if check.anchored else "not anchored: set CHOKEPOINT_LEDGER_KEY"
        head = f"{check.head_seq}:{check.head_hash}"
        typer.echo(f"log of {project}: {check.entries} entries, {state}; head {head}; {anchor}")
        for problem in check.problems:
            typer.echo(f"  {problem}", err=True)
        for note in check.notes:
            typer.echo(f"  note: {note}")
    if not check.ok:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log(
    project: ProjectOption,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only this kind: bid, challenge, observations.")
    ] = None,
    key: Annotated[str | None, typer.Option("--key", help="Only entries of this key.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """List a project's log entries in order: sequence, time, user, kind, key, hash."""
    from chokepoint.service.ledger import project_log

    rows = project_log(open_store(db), project, kind, key)
    emit(fmt, rows=rows, columns=["seq", "at", "user", "kind", "key", "hash"])
