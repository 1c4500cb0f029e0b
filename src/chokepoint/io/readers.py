"""Read chain maps from a CSV folder, an Excel workbook or a JSON file.

Each reader returns :class:`RawTable` blocks plus the problems it met while
reading (encoding, empty file); :func:`read_chain` validates them all at once
and returns an :class:`~chokepoint.model.validate.ImportReport`.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from chokepoint.errors import InputFileError, Problem
from chokepoint.model.schema import LIST_SEPARATOR, TABLES
from chokepoint.model.tables import RawTable

FORMAT_TAG = "chokepoint-chain"
FORMAT_VERSION = 1


def decode_text(data: bytes, source: str) -> tuple[str | None, Problem | None]:
    """Decode UTF-8 (with or without BOM); on failure a Problem naming line and byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(
            source,
            line,
            None,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8 (in Excel: 'CSV UTF-8')",
            code="encoding",
        )


def parse_csv_text(text: str, source: str, table: str) -> tuple[RawTable | None, list[Problem]]:
    """Parse CSV text into a RawTable of strings; blank lines are skipped, row numbers kept."""
    if not text.strip():
        return None, [Problem(source, None, None, "the file is empty (no header row)", code="empty_file")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        return None, [Problem(source, 1, None, f"unreadable CSV header: {exc}", code="csv_syntax")]
    header = [h.strip() for h in header]
    problems: list[Problem] = []
    seen: set[str] = set()
    for h in header:
        if h in seen:
            problems.append(Problem(source, 1, h, f"column {h!r} appears twice", code="duplicate_column"))
        seen.add(h)
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        next_line = reader.line_num + 1
        for rec in reader:
            # a quoted cell may span lines: a record's row is the line it starts on
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in rec):
                continue
            if len(rec) > len(header) and any(c.strip() for c in rec[len(header) :]):
                problems.append(
                    Problem(
                        source,
                        line,
                        None,
                        f"{len(rec)} cells but the header has {len(header)} columns",
                        code="csv_syntax",
                    )
                )
            rows.append((rec + [""] * len(header))[: len(header)])
            numbers.append(line)
    except csv.Error as exc:
        problems.append(Problem(source, reader.line_num, None, f"CSV syntax error: {exc}", code="csv_syntax"))
    if problems and any(p.code == "duplicate_column" for p in problems):
        return None, problems
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return RawTable(table, frame, source, rows=numbers), problems


def read_csv_file(path: Path, table: str, label: str | None = None) -> tuple[RawTable | None, list[Problem]]:
    """Read one CSV file of the exchange format (or of an adapter's layout)."""
    source = label or path.name
    if not path.exists():
        return None, [Problem(source, None, None, "file not found", code="missing_file")]
    text, problem = decode_text(path.read_bytes(), source)
    if problem is not None:
        return None, [problem]
    assert text is not None
    return parse_csv_text(text, source, table)


def _read_meta_rows(frame: pd.DataFrame) -> dict[str, str]:
    if {"key", "value"} <= set(frame.columns):
        return {
            str(k).strip(): str(v)
            for k, v in zip(frame["key"], frame["value"], strict=True)
            if str(k).strip()
        }
    return {}


def read_csv_folder(folder: Path) -> tuple[list[RawTable], dict[str, str], list[Problem]]:
    """Read ``nodes.csv``, ``edges.csv``, ``actors.csv``, ``provisions.csv`` (and ``meta.csv``)."""
    blocks: list[RawTable] = []
    problems: list[Problem] = []
    for table in TABLES:
        path = folder / f"{table}.csv"
        if not path.exists() and table != "nodes":
            continue
        block, probs = read_csv_file(path, table)
        problems += probs
        if block is not None:
            blocks.append(block)
    meta: dict[str, str] = {}
    if (folder / "meta.csv").exists():
        block, probs = read_csv_file(folder / "meta.csv", "meta")
        problems += probs
        if block is not None:
            meta = _read_meta_rows(block.frame)
    return blocks, meta, problems


def cell_text(value: Any) -> str:
    """Text of a spreadsheet or JSON cell: integers without '.0', floats round-trip exact."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(cell_text(v) for v in value)
    return str(value)


def read_xlsx(path: Path) -> tuple[list[RawTable], dict[str, str], list[Problem]]:
    """Read the sheets ``nodes``, ``edges``, ``actors``, ``provisions`` (and ``meta``)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise InputFileError(path.name, f"not a readable Excel workbook (.xlsx): {exc}") from exc
    blocks: list[RawTable] = []
    problems: list[Problem] = []
    meta: dict[str, str] = {}
    sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    if "nodes" not in sheets:
        problems.append(
            Problem(
                path.name,
                None,
                None,
                "the workbook has no sheet named 'nodes'",
                code="missing_table",
            )
        )
    for name in (*TABLES, "meta"):
        ws = sheets.get(name)
        if ws is None:
            continue
        source = f"{path.name}[{ws.title}]"
        rows_iter = ws.iter_rows(values_only=True)
        header_row = next(rows_iter, None)
        if header_row is None or not any(c is not None and str(c).strip() for c in header_row):
            problems.append(
                Problem(source, None, None, "the sheet is empty (no header row)", code="empty_file")
            )
            continue
        header = [cell_text(c).strip() for c in header_row]
        while header and not header[-1]:
            header.pop()
        data, numbers = [], []
        for i, row in enumerate(rows_iter, start=2):
            cells = [cell_text(c) for c in row[: len(header)]]
            if not any(c.strip() for c in cells):
                continue
            data.append(cells + [""] * (len(header) - len(cells)))
            numbers.append(i)
        frame = pd.DataFrame(data, columns=header, dtype=object)
        if name == "meta":
            meta = _read_meta_rows(frame)
        else:
            blocks.append(RawTable(name, frame, source, rows=numbers))
    wb.close()
    return blocks, meta, problems


def read_json(path: Path) -> tuple[list[RawTable], dict[str, str], list[Problem]]:
    """Read the JSON exchange format: ``{"format": "chokepoint-chain", "nodes": [...], ...}``."""
    text, problem = decode_text(path.read_bytes(), path.name)
    if problem is not None:
        return [], {}, [problem]
    assert text is not None
    if not text.strip():
        return [], {}, [Problem(path.name, None, None, "the file is empty", code="empty_file")]
    try:
        doc = json.loads(text)
        json.dumps(doc, ensure_ascii=False).encode("utf-8")  # a lone surrogate (\\ud800) cannot be stored
    except RecursionError:
        reason = "invalid JSON: nested too deeply (a chain document is a few levels deep)"
        return [], {}, [Problem(path.name, None, None, reason, code="json_syntax")]
    except UnicodeEncodeError:
        reason = "invalid JSON: a string holds a lone surrogate escape (such as \\ud800), not text"
        return [], {}, [Problem(path.name, None, None, reason, code="json_syntax")]
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):  # e.g. an integer of thousands of digits
            return [], {}, [Problem(path.name, None, None, f"invalid JSON: {exc}", code="json_syntax")]
        return (
            [],
            {},
            [
                Problem(
                    path.name,
                    exc.lineno,
                    None,
                    f"invalid JSON: {exc.msg} (column {exc.colno})",
                    code="json_syntax",
                )
            ],
        )
    if not isinstance(doc, dict):
        return (
            [],
            {},
            [
                Problem(
                    path.name,
                    None,
                    None,
                    "expected a JSON object with a 'nodes' list",
                    code="json_syntax",
                )
            ],
        )
    tag, version = doc.get("format"), doc.get("version")
    if tag is not None and tag != FORMAT_TAG:
        reason = (
            f"this is not a chokepoint chain document: format {str(tag)[:60]!r} (expected {FORMAT_TAG!r})"
        )
        return [], {}, [Problem(path.name, None, "format", reason, code="wrong_format")]
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION
    ):
        reason = (
            f"format version {str(version)[:20]!r} is not one this chokepoint reads "
            f"(1 to {FORMAT_VERSION}): export it again from a matching version"
        )
        return [], {}, [Problem(path.name, None, "version", reason, code="unsupported_version")]
    blocks: list[RawTable] = []
    problems: list[Problem] = []
    for name in TABLES:
        records = doc.get(name, [] if name != "nodes" else None)
        source = f"{path.name}[{name}]"
        if records is None:
            problems.append(Problem(path.name, None, None, "no 'nodes' list", code="missing_table"))
            continue
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            problems.append(Problem(source, None, None, "expected a list of objects", code="json_syntax"))
            continue
        # an empty (or absent) list is an empty table, not one without its required columns
        columns: list[str] = [] if records else [c.name for c in TABLES[name]]
        for r in records:
            columns += [k for k in r if k not in columns]
        frame = pd.DataFrame(
            [[cell_text(r.get(c)) for c in columns] for r in records], columns=columns, dtype=object
        )
        blocks.append(RawTable(name, frame, source, rows=list(range(1, len(records) + 1))))
    raw_meta = doc.get("meta") or {}
    if not isinstance(raw_meta, dict):
        problems.append(
            Problem(
                f"{path.name}[meta]", None, None, "expected an object of names and values", code="json_syntax"
            )
        )
        raw_meta = {}
    meta = {str(k): str(v) for k, v in raw_meta.items()}
    return blocks, meta, problems
