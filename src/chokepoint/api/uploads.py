"""Uploaded files: saved to a temporary folder under their own (base) name, removed afterwards."""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from chokepoint.errors import InputFileError, UsageError


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
        if suffix in ZIP_SUFFIXES:
            check_unpacked_size(path)
        yield path


#: Uploads that are zip archives (a workbook is one): their unpacked size is checked first.
ZIP_SUFFIXES = (".xlsx", ".zip")
#: The most an uploaded archive may unpack to, in MB (``CHOKEPOINT_MAX_UNPACKED_MB``).
MAX_UNPACKED_MB_VAR = "CHOKEPOINT_MAX_UNPACKED_MB"


def check_unpacked_size(path: Path) -> None:
    """Refuse an archive that would unpack to more than the limit (a zip bomb: a few MB that
    unpack to many GB) before any reader opens it: the members' declared sizes are summed from the
    central directory (Python's zip reader never unpacks a member past its declared size).

    Raises
    ------
    InputFileError
        When the archive is over the limit.
    """
    limit = int(os.environ.get(MAX_UNPACKED_MB_VAR, "512"))
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not an archive at all: the file's reader says what is wrong with it
    if unpacked > limit * 2**20:
        raise InputFileError(
            path.name,
            f"unpacks to {unpacked / 2**20:,.0f} MB, more than the {limit} MB an upload may unpack to "
            f"(a workbook that large is not a reporting template; set {MAX_UNPACKED_MB_VAR} to allow it)",
        )
