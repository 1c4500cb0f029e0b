"""The tamper-evident log of a project (``chokepoint audit verify``): verify the hash chain and
its anchor, and that what the store holds now is what the log last recorded.

What is logged (kinds): ``observations`` (each submission's new and changed reported values),
``challenge`` (every publication and lifecycle step, the whole body), ``bid`` (every bid),
``consortium`` (every saved consortium proposal), ``roadmap`` (every milestone added or
advanced, with its evidence). The
hashing and the comparisons are :mod:`chokepoint.ledger` (pure); this module reads the store.
"""

from __future__ import annotations

import json
from typing import Any

from chokepoint.ledger import LedgerCheck, last_logged, logged_observations, unlogged_changes
from chokepoint.store import Store

#: Record kinds whose every write is logged (see :class:`~chokepoint.store.records.RecordRepository`).
LOGGED_RECORDS = ("challenge", "bid", "consortium", "roadmap")


def verify_project_log(store: Store, project: str, expect_head: tuple[int, str] | None = None) -> LedgerCheck:
    """Verify project ``project``'s log and compare the store with it.

    The log itself: every entry links to the one before and hashes to its stored hash; with
    ``$CHOKEPOINT_LEDGER_KEY`` set, every entry's HMAC matches (an edit followed by rehashing the
    rest of the log fails here); with ``expect_head`` (from a backup's header, or an earlier
    verification), the log still holds that entry. Then the store: each logged challenge, bid and
    reported value must be, as stored now, what its last log entry recorded.

    Parameters
    ----------
    store : Store
        The store.
    project : str
        The project.
    expect_head : (int, str), optional
        A head (sequence number, hash) recorded earlier.

    Returns
    -------
    LedgerCheck
        ``ok`` when nothing was found; each problem names the entry (sequence number, kind, key).

    Raises
    ------
    ProjectNotFoundError
        When there is no such project.
    """
    check = store.ledger.verify(project, expect_head)
    entries = store.ledger.entries(project)
    problems, notes = list(check.problems), list(check.notes)
    for kind in LOGGED_RECORDS:
        found, said = unlogged_changes(kind, store.records.get(project, kind), last_logged(entries, kind))
        problems += found
        notes += said
    values = store.observations.values(project)
    stored = {
        f"{i}|{e}|{p}": float(v)
        for i, e, p, v in zip(
            values["indicator"], values["entity"], values["period"], values["value"], strict=True
        )
    }
    found, said = unlogged_changes("observation", stored, logged_observations(entries))
    problems += found
    notes += said
    problems.sort(key=lambda p: (p.seq, p.kind, p.key))
    return LedgerCheck(check.entries, check.head_seq, check.head_hash, check.anchored, problems, notes)


def project_log(
    store: Store, project: str, kind: str | None = None, key: str | None = None
) -> list[dict[str, Any]]:
    """The project's log entries in order (bodies parsed), optionally of one kind and key."""
    return [{**e, "body": json.loads(e["body"])} for e in store.ledger.entries(project, kind, key)]
