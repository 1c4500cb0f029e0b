"""Backup and restore of a whole store, portable between SQLite and PostgreSQL.

A backup is gzip-compressed JSON lines: a header (format, version, the store's applied
migrations, the row count of every table, whether password hashes are in it), then one line per
row, ``{"table": name, "row": {column: value}}``, tables in dependency order. Dates are written
as ``{"$dt": ISO 8601}`` and binary bodies as ``{"$b64": ...}`` so that every value comes back as
it was on either backend.

What it holds: every project with its chain, scenarios, tasks, datasets, matching records, expert
scores, reported values with their revisions, rules with their history, alerts, snapshots, users
with their enterprise bindings, and the audit log. Sessions, bearer tokens and failed logins are
left out (a restore starts with no one logged in); users' password hashes only when asked
(``with_password_hashes``); without them each restored user gets an unknown random password and
an administrator sets new ones (``chokepoint users passwd``).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import DateTime, Integer, LargeBinary, Table, delete, func, insert, select, text

from chokepoint.errors import UsageError
from chokepoint.store.database import Database, utc
from chokepoint.store.ledger import ledger_heads
from chokepoint.store.schema import api_tokens, login_failures, metadata, migrations_table, users

FORMAT = "chokepoint-backup"
VERSION = 1
#: tables never written to a backup: sessions and tokens, failed logins, the migrations (in the header)
SKIPPED = frozenset({api_tokens.name, login_failures.name, migrations_table.name})
#: rows inserted per statement on restore
BATCH = 500


def backed_up_tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED]


def _encode(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return {"$dt": utc(value).isoformat()}
    if isinstance(column.type, LargeBinary):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$b64" in value:
            return base64.b64decode(value["$b64"])
    return value


def write_backup(
    db: Database, out: str | os.PathLike[str], with_password_hashes: bool = False
) -> dict[str, Any]:
    """Write the whole store to ``out`` (gzip JSON lines, see the module); return the header.

    The rows are read in one transaction, so the backup is one consistent state of the store.
    """
    path = Path(out)
    tables = backed_up_tables()
    with db.connect() as conn:
        if conn.dialect.name == "postgresql":  # one snapshot for every statement of the backup
            conn.execution_options(isolation_level="REPEATABLE READ")
        counts = {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables}
        applied = sorted(conn.execute(select(migrations_table.c.name)).scalars())
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "migrations": applied,
            "tables": counts,
            "password_hashes": with_password_hashes,
            "ledger_heads": ledger_heads(conn),  # the anchor a later `audit verify --expect-head` checks
        }
        tmp = path.with_name(path.name + ".part")
        with gzip.open(tmp, "wt", encoding="utf-8") as f:
            f.write(json.dumps(header) + "\n")
            for t in tables:
                order = list(t.primary_key.columns) or list(t.columns)
                for row in conn.execute(select(t).order_by(*order)).mappings():
                    values = {c.name: _encode(c, row[c.name]) for c in t.columns}
                    if t.name == users.name and not with_password_hashes:
                        values["password_hash"] = None
                    f.write(json.dumps({"table": t.name, "row": values}, ensure_ascii=False) + "\n")
        tmp.replace(path)  # a backup interrupted half way never stands under the final name
    return header


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The header of the backup at ``path`` (a clear :class:`UsageError` for anything else)."""
    with _open(path) as f:
        return _header(f, Path(path).name)


def _open(path: str | os.PathLike[str]) -> IO[str]:
    try:
        return gzip.open(path, "rt", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{Path(path).name}: cannot read the backup ({exc})") from None


def _header(f: IO[str], name: str) -> dict[str, Any]:
    try:
        header = json.loads(f.readline())
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError):
        raise UsageError(f"{name}: not a chokepoint backup (write one with `chokepoint backup`)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise UsageError(f"{name}: not a chokepoint backup (write one with `chokepoint backup`)")
    if header.get("version") != VERSION:
        raise UsageError(f"{name}: backup format version {header.get('version')!r} is not {VERSION}")
    return header


def _rows(f: IO[str], name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, line in enumerate(f, start=2):
        try:
            item = json.loads(line)
            yield item["table"], {k: _decode(v) for k, v in item["row"].items()}
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            raise UsageError(f"{name}, line {number}: not a backup row; the file is damaged") from None


def restore_backup(db: Database, path: str | os.PathLike[str], replace: bool = False) -> dict[str, int]:
    """Restore the backup at ``path`` into ``db`` in one transaction; return the rows per table.

    The store must be empty (no project, no user) unless ``replace``, which first deletes what it
    holds. A backup from a newer chokepoint (a migration this one does not know) is refused; one
    from an older version is read with this version's defaults for the columns it lacks. On
    PostgreSQL the id sequences continue after the restored ids.

    Raises
    ------
    UsageError
        For a file that is not a backup, a damaged one, a newer one, one whose tamper-evident
        logs do not end at the heads its header records, or a store that is not empty without
        ``replace``. Nothing changes then.
    """
    name = Path(path).name
    tables = {t.name: t for t in backed_up_tables()}
    counts = dict.fromkeys(tables, 0)
    with _open(path) as f:
        header = _header(f, name)
        with db.connect() as conn:
            known = set(conn.execute(select(migrations_table.c.name)).scalars())
        newer = sorted(set(header.get("migrations", [])) - known)
        if newer:
            raise UsageError(
                f"{name} comes from a newer chokepoint (migrations {', '.join(newer)}): upgrade first"
            )
        with db.begin() as conn:
            held = sum(
                int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables.values()
            )
            if held and not replace:
                raise UsageError(
                    "the store is not empty: restore into a new store, or pass --replace to overwrite it"
                )
            for t in reversed(list(tables.values())):
                conn.execute(delete(t))
            conn.execute(delete(api_tokens))
            pending: dict[str, list[dict[str, Any]]] = {}
            for table, row in _rows(f, name):
                if table not in tables:
                    raise UsageError(f"{name}: unknown table {table!r}; the file is damaged or newer")
                t = tables[table]
                row = {k: v for k, v in row.items() if k in t.columns}
                if table == users.name and row.get("password_hash") is None:
                    row["password_hash"] = _unknown_password_hash()
                pending.setdefault(table, []).append(row)
                counts[table] += 1
                if len(pending[table]) >= BATCH:
                    conn.execute(insert(t), pending.pop(table))
                _flush_parents(conn, tables, pending, table)
            for table in tables:  # what is left, parents first
                if pending.get(table):
                    conn.execute(insert(tables[table]), pending.pop(table))
            if conn.dialect.name == "postgresql":
                _continue_sequences(conn, list(tables.values()))
            recorded = header.get("ledger_heads")
            if recorded is not None and ledger_heads(conn) != recorded:
                raise UsageError(
                    f"{name}: the projects' logs do not end at the heads its header records: "
                    "the file was edited; nothing was restored"
                )
    return counts


def _flush_parents(
    conn: Any, tables: dict[str, Table], pending: dict[str, list[dict[str, Any]]], table: str
) -> None:
    """Insert the pending rows of the tables before ``table`` (rows arrive parents first)."""
    for name in tables:
        if name == table:
            return
        if pending.get(name):
            conn.execute(insert(tables[name]), pending.pop(name))


def _unknown_password_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(secrets.token_urlsafe(32))


def _continue_sequences(conn: Any, tables: list[Table]) -> None:
    """Let PostgreSQL's id sequences continue after the restored ids (a table without one gets
    ``setval(NULL, ...)``, which does nothing).
    """
    for t in tables:
        keys = list(t.primary_key.columns)
        if len(keys) == 1 and isinstance(keys[0].type, Integer):
            c = keys[0].name
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{t.name}', '{c}'), "
                    f"COALESCE((SELECT MAX({c}) FROM {t.name}), 0) + 1, false)"
                )
            )
