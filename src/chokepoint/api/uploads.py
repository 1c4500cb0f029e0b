"""Uploaded files: saved to a temporary folder under their own (base) name, removed afterwards."""

from __future__ import annotations

import shutil
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
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise UsageError(hint)
    # the name shows in error messages; a name the file system refuses (too long, control
    # characters) is shortened and cleaned, never a 500
    stem = "".join(c if c.isprintable() and c not in '<>:"|?*' else "_" for c in Path(name).stem)[:100]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem or 'upload'}{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, 1 << 20)  # in 1 MB pieces: memory stays bounded
        yield path
