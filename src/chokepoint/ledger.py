"""The tamper-evident record (hash-chained log) of a project: hashing and verification.

Reported values, challenge publications and transitions, bids, awards and milestone evidence
are appended to a per-project log, each entry carrying the hash of the one before it
(:func:`entry_hash`)::

    hash_n = SHA-256( canonical JSON [seq_n, at_n, user_n, kind_n, key_n, body_n, hash_(n-1)] )

with ``hash_0`` of the first entry's predecessor :data:`GENESIS` (64 zeros) and the body as
canonical JSON text (sorted keys, no whitespace, UTF-8). Editing an entry breaks its hash, and
every later entry's link, so an edit must rehash the rest of the log to pass. That is what the
anchor prevents: with a key configured (``CHOKEPOINT_LEDGER_KEY``, kept outside the store) each
entry also carries ``mac = HMAC-SHA256(key, hash)`` (RFC 2104), which nobody without the key can
recompute; and the head (last sequence number and hash) is recorded in every backup, so a log
rewritten after a backup no longer reaches the head the backup recorded (``expect_head``).

This is the scheme of Haber and Stornetta ("How to time-stamp a digital document", J. Cryptology
3(2), 1991), linking each record to its predecessor, with an HMAC as the keyed anchor in place of
a public time-stamping service. Pure: no file, database or web imports.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The predecessor hash of a project's first entry.
GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON text: sorted keys, no whitespace, non-ASCII kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(seq: int, at: str, user: str, kind: str, key: str, body: str, prev_hash: str) -> str:
    """The SHA-256 hash (hex) of one log entry (see the module docstring for the formula).

    Parameters
    ----------
    seq : int
        The entry's 1-based position in its project's log.
    at : str
        When it was appended (ISO 8601 text, exactly as stored).
    user : str
        Who appended it.
    kind, key : str
        What it records (``observations``, ``bid``, ...) and the record's key.
    body : str
        The recorded content as canonical JSON text (:func:`canonical_json`).
    prev_hash : str
        The hash of entry ``seq - 1`` (:data:`GENESIS` for the first).
    """
    payload = canonical_json([seq, at, user, kind, key, body, prev_hash]).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()


def entry_mac(secret: bytes, digest: str) -> str:
    """HMAC-SHA256 (hex) of an entry's hash under the configured key."""
    return hmac.new(secret, digest.encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LedgerProblem:
    """One finding of :func:`verify_entries`: the entry (sequence number, kind, key) and why."""

    seq: int
    kind: str
    key: str
    reason: str

    def __str__(self) -> str:
        return f"entry {self.seq} ({self.kind} {self.key}): {self.reason}"


@dataclass(frozen=True)
class LedgerCheck:
    """The outcome of verifying a project's log.

    Attributes
    ----------
    entries : int
        How many entries were checked.
    head_seq, head_hash : int, str
        The last entry's sequence number and hash (0 and :data:`GENESIS` for an empty log).
    anchored : bool
        Whether the entries' MACs were checked (a key was given): without one, an edit followed
        by rehashing every later entry is caught only by ``expect_head``.
    problems : list of LedgerProblem
        Empty when the log is intact.
    notes : list of str
        What the check could not vouch for without being wrong (records older than the log).
    """

    entries: int
    head_seq: int
    head_hash: str
    anchored: bool
    problems: list[LedgerProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: counts, head, whether anchored, and each problem."""
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "anchored": self.anchored,
            "problems": [
                {"seq": p.seq, "kind": p.kind, "key": p.key, "reason": p.reason} for p in self.problems
            ],
            "notes": list(self.notes),
        }


def verify_entries(
    entries: Sequence[Mapping[str, Any]],
    secret: bytes | None = None,
    expect_head: tuple[int, str] | None = None,
) -> LedgerCheck:
    """Check a project's log, entries in sequence order.

    Every entry must follow the one before it (sequence ``1, 2, ...``), name its predecessor's
    hash, and hash to its stored ``hash``; with ``secret``, carry ``mac = HMAC(secret, hash)``;
    with ``expect_head`` (a sequence number and hash recorded earlier, e.g. in a backup), the log
    must still hold that entry with that hash. The first broken link is reported with the entry
    it is found at; entries after a broken link are checked against their own stored hashes.

    Parameters
    ----------
    entries : sequence of mapping
        Rows with ``seq, at, user, kind, key, body, prev_hash, hash`` and ``mac`` (or ``None``).
    secret : bytes, optional
        The HMAC key; ``None`` checks the hash chain alone.
    expect_head : (int, str), optional
        A head recorded earlier.

    Returns
    -------
    LedgerCheck
    """
    problems: list[LedgerProblem] = []
    prev = GENESIS
    head_seq, head_hash = 0, GENESIS
    hashes: dict[int, str] = {}
    for expected_seq, e in enumerate(entries, start=1):
        seq, kind, key = int(e["seq"]), str(e["kind"]), str(e["key"])

        def problem(reason: str, seq: int = seq, kind: str = kind, key: str = key) -> None:
            problems.append(LedgerProblem(seq, kind, key, reason))

        if seq != expected_seq:
            problem(f"expected entry {expected_seq} here: an entry is missing or was inserted")
        if e["prev_hash"] != prev:
            problem("does not link to the entry before it (that one, or the order, was changed)")
        recomputed = entry_hash(seq, e["at"], e["user"], kind, key, e["body"], e["prev_hash"])
        if recomputed != e["hash"]:
            problem("its content does not match its hash: it was edited after it was written")
        if secret is not None:
            mac = e.get("mac")
            if not mac:
                problem("carries no MAC (appended without the configured key, or the MAC was removed)")
            elif not hmac.compare_digest(mac, entry_mac(secret, str(e["hash"]))):
                problem("its MAC does not match: the entry was rewritten without the key")
        prev = str(e["hash"])
        head_seq, head_hash = seq, prev
        hashes[seq] = prev
    if expect_head is not None and expect_head[0] > 0:
        seq, digest = expect_head
        if hashes.get(seq) != digest:
            found = "is missing" if seq not in hashes else "has another hash"
            problems.append(
                LedgerProblem(
                    seq, "head", "", f"the recorded head (entry {seq}) {found}: the log was rewritten"
                )
            )
    return LedgerCheck(len(entries), head_seq, head_hash, secret is not None, problems)


def last_logged(entries: Sequence[Mapping[str, Any]], kind: str) -> dict[str, tuple[int, Any]]:
    """The last logged body of each key of ``kind``: ``{key: (seq, body)}`` (bodies parsed)."""
    out: dict[str, tuple[int, Any]] = {}
    for e in entries:
        if e["kind"] == kind:
            out[str(e["key"])] = (int(e["seq"]), json.loads(e["body"]))
    return out


def unlogged_changes(
    kind: str, stored: Mapping[str, Any], logged: Mapping[str, tuple[int, Any]]
) -> tuple[list[LedgerProblem], list[str]]:
    """Compare records as stored with their last logged versions.

    A stored record that differs from its last logged body, or a logged one missing from the
    store, was changed outside the log: a problem naming the last entry of that key. A stored
    record with no log entry is a note (it may predate the log).

    Parameters
    ----------
    kind : str
        The kind of record (named in the findings).
    stored : mapping
        The current bodies by key.
    logged : mapping
        :func:`last_logged` of the same kind.
    """
    problems = []
    for key, (seq, body) in logged.items():
        if key not in stored:
            problems.append(
                LedgerProblem(seq, kind, key, "is logged but missing from the store: deleted outside the log")
            )
        elif canonical_json(stored[key]) != canonical_json(body):
            problems.append(
                LedgerProblem(
                    seq,
                    kind,
                    key,
                    "the stored record differs from its last logged version: changed outside the log",
                )
            )
    unlogged = sorted(set(stored) - set(logged))
    notes = []
    if unlogged:
        shown = ", ".join(unlogged[:5]) + (" ..." if len(unlogged) > 5 else "")
        notes.append(
            f"{len(unlogged)} {kind} record(s) have no log entry (stored before the log existed, "
            f"or outside it): {shown}"
        )
    return problems, notes


def logged_observations(entries: Sequence[Mapping[str, Any]]) -> dict[str, tuple[int, Any]]:
    """The last logged value of each reported value's key ``indicator|entity|period``, from the
    ``observations`` entries (each a submission's ``[indicator, entity_type, entity, period,
    value]`` rows): ``{key: (seq, value)}``.
    """
    out: dict[str, tuple[int, Any]] = {}
    for e in entries:
        if e["kind"] == "observations":
            for indicator, _, entity, period, value in json.loads(e["body"])["values"]:
                out[f"{indicator}|{entity}|{period}"] = (int(e["seq"]), value)
    return out
