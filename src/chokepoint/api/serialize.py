"""Serialization of domain results for JSON responses: one place for every route."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
from fastapi import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def plain(v: Any) -> Any:
    """A JSON-ready scalar: tuples as lists, missing values as None, numpy scalars as Python ones."""
    if isinstance(v, tuple):
        return list(v)
    if v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-ready dicts."""
    return [{str(k): plain(v) for k, v in r.items()} for r in df.to_dict("records")]


def json_response(body: Any) -> Response:
    """A JSON response that keeps Chinese text as is."""
    return Response(json.dumps(body, ensure_ascii=False, default=plain), media_type="application/json")


#: media types of the files the API answers, by suffix
MEDIA = {".xlsx": XLSX, ".pdf": "application/pdf", ".html": "text/html; charset=utf-8"}


def file_response(path: Path, filename: str) -> Response:
    """An attachment from a written file (read whole: the files are workbooks of a few MB)."""
    return attachment_response(path.read_bytes(), filename)


def attachment_response(body: bytes, filename: str) -> Response:
    """An attachment of ``body`` named ``filename`` (media type from the suffix)."""
    media = MEDIA.get(Path(filename).suffix.lower(), "application/octet-stream")
    return Response(body, media_type=media, headers={"content-disposition": attachment(filename)})


def attachment(filename: str) -> str:
    """A ``Content-Disposition: attachment`` value for any file name: an ASCII ``filename`` (other
    characters and quotes replaced) and, when the name is not plain ASCII, the exact name as
    ``filename*`` (RFC 6266 / RFC 5987, UTF-8 percent-encoded). Names are cut to 150 characters,
    keeping the suffix.
    """
    stem, suffix = Path(filename).stem, Path(filename).suffix
    name = stem[: 150 - len(suffix)] + suffix
    plain = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    if plain == name:
        return f'attachment; filename="{plain}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def table_response(df: pd.DataFrame, top: int | None = None) -> Response:
    """A table's first ``top`` rows as JSON records, serialized as the CLI's ``--format json``."""
    shown = df if top is None else df.head(top)
    return Response(
        shown.to_json(orient="records", force_ascii=False, date_format="iso"), media_type="application/json"
    )
