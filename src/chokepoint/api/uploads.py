"""Uploaded files: saved to a temporary folder under their own (base) name, removed afterwards."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from chokepoint.errors import UsageError


@contextmanager
def saved_upload(file: UploadFile, suffixes: tuple[str, ...], hint: str) -> Iterator[Path]:
    """The upload as a file with one of ``suffixes`` (``UsageError`` with ``hint`` otherwise)."""
    name = Path(file.filename or f"upload{suffixes[0]}").name
    if Path(name).suffix.lower() not in suffixes:
        raise UsageError(hint)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(file.file.read())
        yield path
