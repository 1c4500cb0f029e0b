"""One output path for every command: ``--format`` to standard output and ``--out`` to a file.

Each command hands :func:`emit` what it has (a table, a JSON document, a text
rendering, a writer of files) and :func:`emit` applies the same rules
everywhere:

* ``--out FILE`` writes the file (by its extension) and says ``wrote FILE``, on
  standard error when standard output carries JSON or CSV;
* ``--format json`` prints the document (else the table's records), ``--format
  csv`` the table, ``--format table`` the text rendering (else the table);
* with ``--out`` and no ``--top`` the table format prints nothing more.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from chokepoint.errors import UsageError


class OutputFormat(StrEnum):
    """What a command prints on standard output."""

    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def out_option(help: str = ".xlsx, .csv or .json") -> Any:
    """The ``--out/-o`` option of a command, with the files it can write in its help.

    Use as ``out: Annotated[Path | None, out_option("Write .xlsx or .json.")] = None``.
    """
    return typer.Option("--out", "-o", help=help)


OutOption = Annotated[Path | None, out_option()]
TopOption = Annotated[int | None, typer.Option("--top", help="Only the first N rows.")]


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON (Chinese kept as is)."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=_plain))


def _plain(v: Any) -> Any:
    if hasattr(v, "item"):
        return v.item()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    raise TypeError(f"{type(v).__name__} is not JSON serializable")


def write_frame(
    df: pd.DataFrame, out: Path, lang: str = "en", headers: Mapping[str, tuple[str, str]] | None = None
) -> Path:
    """Write a table by the extension of ``out``: .xlsx (a cover and the table, in the style of
    :mod:`chokepoint.report.workbook`, headers in ``lang``, ``headers`` overriding the common
    ones), .csv or .json (records).
    """
    ext = out.suffix.lower()
    if ext == ".xlsx":
        from datetime import UTC, datetime

        from chokepoint.report.workbook import Cover, Sheet, write_workbook

        command = "chokepoint " + " ".join(sys.argv[1:]) if sys.argv[0].endswith("chokepoint") else ""
        zh = lang == "zh"
        rows: list[tuple[str, Any]] = [("日期" if zh else "Date", datetime.now(UTC).date().isoformat())]
        if command:
            rows.append(("命令" if zh else "Command", command))
        write_workbook(out, [Sheet("Table", "表", df, headers=headers)], Cover(out.stem, rows), lang)
    elif ext == ".csv":
        df.to_csv(out, index=False)
    elif ext == ".json":
        out.write_text(df.to_json(orient="records", force_ascii=False), encoding="utf-8")
    else:
        raise UsageError(f"cannot write {out.name}: use .xlsx, .csv or .json")
    return out


def emit(
    fmt: OutputFormat,
    *,
    table: pd.DataFrame | None = None,
    rows: Sequence[Mapping[Any, Any]] | None = None,
    columns: Sequence[str] | None = None,
    document: Any = None,
    text: Callable[[], str] | str | None = None,
    out: Path | None = None,
    write: Callable[[Path], Path | Sequence[Path]] | None = None,
    top: int | None = None,
    lang: str = "en",
    headers: Mapping[str, tuple[str, str]] | None = None,
) -> None:
    """Print a result in ``fmt`` and write it to ``out`` (see the module's rules).

    Parameters
    ----------
    table : the result as a frame (CSV, JSON records, the default text and ``--out``).
    rows, columns : the result as records, with the columns CSV and the text show.
    document : the JSON document, when it is more than the table's records.
    text : the text rendering, when it is more than the table.
    write : a writer of ``out`` (default: :func:`write_frame` of ``table``).
    top : show only the first ``top`` rows of ``table`` (files keep every row).
    lang, headers : the language of the workbook :func:`write_frame` writes, and its headers
        that differ from the common ones.
    """
    if out is not None:
        if write is not None:
            written = write(out)
        elif table is not None:
            written = write_frame(table, out, lang, headers)
        else:
            raise UsageError("this command writes no file: leave out --out")
        for path in [written] if isinstance(written, Path) else list(written):
            typer.echo(f"wrote {path}", err=fmt != OutputFormat.table)
    shown = None if table is None else (table if top is None else table.head(top))
    if fmt == OutputFormat.json:
        if document is not None:
            echo_json(document)
        elif shown is not None:
            typer.echo(shown.to_json(orient="records", force_ascii=False, date_format="iso"))
        else:
            echo_json(list(rows or []))
    elif fmt == OutputFormat.csv:
        if shown is not None:
            shown.to_csv(sys.stdout, index=False)
        elif rows is not None:
            w = csv.DictWriter(sys.stdout, fieldnames=list(columns or []), extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
        else:
            raise UsageError("this result is several tables: use --format table or json, or --out FILE")
    elif out is None or top is not None:
        if text is not None:
            typer.echo(text() if callable(text) else text)
        elif shown is not None:
            typer.echo(shown.to_string(index=False))
        elif rows is not None:
            for r in rows:
                typer.echo("  ".join(str(r.get(c, "")) for c in columns or []))
