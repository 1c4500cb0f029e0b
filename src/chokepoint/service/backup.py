"""Backup and restore of the whole store (``chokepoint backup``, ``chokepoint restore``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chokepoint.store import Store
from chokepoint.store.backup import read_header, restore_backup, write_backup


def backup(store: Store, out: Path, with_password_hashes: bool = False) -> dict[str, Any]:
    """Write every project, dataset, reported value, alert, task, user and the audit log to
    ``out`` (see :mod:`chokepoint.store.backup`); return the backup's header.
    """
    return write_backup(store.database, out, with_password_hashes)


def restore(store: Store, path: Path, replace: bool = False) -> dict[str, Any]:
    """Restore the backup at ``path`` into ``store`` (empty, or ``replace``); return its header
    and the rows restored per table.
    """
    header = read_header(path)
    counts = restore_backup(store.database, path, replace)
    return {"header": header, "rows": counts}
