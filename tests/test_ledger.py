"""The tamper-evident log (issue 24, item 6): reported values, challenges and bids are appended to
a hash-chained, HMAC-anchored log per project; `chokepoint audit verify` finds any edit, names the
entry, and passes after a backup is restored."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from typer.testing import CliRunner

from chokepoint.cli import app as cli_app
from chokepoint.datasets import load_semiconductors
from chokepoint.ledger import GENESIS, canonical_json, entry_hash, entry_mac, verify_entries
from chokepoint.service.ledger import verify_project_log
from chokepoint.service.matching import challenge_action, publish_challenge, record_bid
from chokepoint.service.monitoring import submit_observations
from chokepoint.store import Store

KEY = "a-ledger-key-kept-outside-the-store"


# ------------------------------------------------------------------ the hash and the chain
def test_an_entry_hash_is_sha256_of_the_canonical_json_written_out_by_hand():
    # the reference: the payload typed out literally (sorted keys, no spaces), hashed with hashlib
    body = canonical_json({"note": "光源", "actor": "P115"})
    assert body == '{"actor":"P115","note":"光源"}'
    payload = (
        '[1,"2026-12-03T10:00:00.000000+00:00","naura","bid","C0001:P115",'
        '"{\\"actor\\":\\"P115\\",\\"note\\":\\"光源\\"}",'
        '"0000000000000000000000000000000000000000000000000000000000000000"]'
    )
    expected = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    at = "2026-12-03T10:00:00.000000+00:00"
    assert entry_hash(1, at, "naura", "bid", "C0001:P115", body, GENESIS) == expected
    # RFC 4231 test case 2 for HMAC-SHA256, through entry_mac's primitive
    assert (
        hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha256).hexdigest()
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def make_log(bodies: list[dict], secret: bytes | None = None) -> list[dict]:
    entries, prev = [], GENESIS
    for seq, body in enumerate(bodies, start=1):
        e = {
            "seq": seq,
            "at": f"2026-12-03T10:00:{seq % 60:02d}.000000+00:00",
            "user": "naura",
            "kind": "bid",
            "key": f"C0001:P{seq}",
            "body": canonical_json(body),
            "prev_hash": prev,
        }
        e["hash"] = entry_hash(e["seq"], e["at"], e["user"], e["kind"], e["key"], e["body"], prev)
        e["mac"] = entry_mac(secret, e["hash"]) if secret else None
        entries.append(e)
        prev = e["hash"]
    return entries


def rehash_from(entries: list[dict], start: int) -> None:
    """What a forger without the key does after an edit: recompute every hash from ``start``."""
    prev = entries[start - 1]["prev_hash"]
    for e in entries[start - 1 :]:
        e["prev_hash"] = prev
        e["hash"] = entry_hash(e["seq"], e["at"], e["user"], e["kind"], e["key"], e["body"], prev)
        prev = e["hash"]


def test_an_intact_log_verifies_and_reports_its_head():
    log = make_log([{"note": str(i)} for i in range(5)])
    check = verify_entries(log)
    assert check.ok
    assert (check.entries, check.head_seq, check.head_hash) == (5, 5, log[-1]["hash"])
    assert not check.anchored
    empty = verify_entries([])
    assert empty.ok
    assert (empty.head_seq, empty.head_hash) == (0, GENESIS)


def test_an_edit_is_found_at_its_entry_and_a_rehash_is_found_by_the_mac_or_the_recorded_head():
    secret = KEY.encode()
    log = make_log([{"note": str(i)} for i in range(6)], secret)
    head = (6, log[-1]["hash"])
    log[2]["body"] = canonical_json({"note": "forged"})
    edited = verify_entries(log, secret)
    assert [p.seq for p in edited.problems] == [3]  # entry 3 no longer hashes to its stored hash
    assert "edited after it was written" in edited.problems[0].reason
    rehash_from(log, 3)
    assert verify_entries(log).ok  # a rehashed log passes the hash chain alone...
    anchored = verify_entries(log, secret)
    assert anchored.problems[0].seq == 3  # ...not the MACs: the first rewritten entry is named
    assert "without the key" in anchored.problems[0].reason
    rewritten = verify_entries(log, expect_head=head)  # nor the head recorded earlier
    assert [p.kind for p in rewritten.problems] == ["head"]


def test_a_removed_or_unsigned_entry_is_found():
    secret = KEY.encode()
    log = make_log([{"note": str(i)} for i in range(4)], secret)
    gone = verify_entries([log[0], log[2], log[3]], secret)
    assert gone.problems[0].seq == 3
    assert "missing or was inserted" in gone.problems[0].reason
    log[1]["mac"] = None
    stripped = verify_entries(log, secret)
    assert [(p.seq, "carries no MAC" in p.reason) for p in stripped.problems] == [(2, True)]


@settings(max_examples=60, deadline=None)
@given(
    bodies=st.lists(st.dictionaries(st.sampled_from("abc"), st.integers(-5, 5)), min_size=1, max_size=12),
    data=st.data(),
)
def test_any_edit_of_any_field_of_any_entry_fails_at_that_entry(bodies, data):
    """Property: change one field of one entry (with or without rehashing the rest); with the key
    the first problem is that entry."""
    secret = KEY.encode()
    log = make_log(bodies, secret)
    target = data.draw(st.integers(1, len(log)))
    column = data.draw(st.sampled_from(["at", "user", "kind", "key", "body"]))
    log[target - 1][column] = log[target - 1][column] + "x" if column != "body" else canonical_json({"z": 1})
    if data.draw(st.booleans()):
        rehash_from(log, target)
    check = verify_entries(log, secret)
    assert not check.ok
    assert check.problems[0].seq == target


# ------------------------------------------------------------------ the store and the command line
@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_LEDGER_KEY", KEY)
    s = Store(tmp_path / "ledger.db")
    s.chains.save("semi", load_semiconductors())
    for name, role in (("naura", "reporter"), ("ana", "analyst"), ("smee", "reporter")):
        s.users.add(name, role, f"{name}-password")
    s.users.bind("naura", "semi", "P115")
    row = {
        "indicator": "lead_time_days",
        "node": "N44",
        "enterprise": "P115",
        "period": "2026-01",
        "value": 400,
    }
    submit_observations(s, "semi", pd.DataFrame([row]), "naura", as_of="2026-06")
    key, _ = publish_challenge(s, "semi", title="ArF光刻胶", nodes=["N31"], owner="SMEE", user="ana")
    record_bid(s, "semi", key, "P115", "光刻胶配方", user="naura")
    record_bid(s, "semi", key, "P100", "", user="ana")
    challenge_action(s, "semi", key, "award", user="ana", winners=["P115"], note="best proposal")
    yield s
    s.close()


def run(store: Store, *args: str):
    return CliRunner().invoke(cli_app, [*args, "--db", store.url])


def test_every_write_of_the_loop_is_logged_in_order_and_verifies(store):
    entries = store.ledger.entries("semi")
    assert [(e["seq"], e["kind"], e["key"], e["user"]) for e in entries] == [
        (1, "observations", "naura", "naura"),
        (2, "challenge", "C0001", "ana"),
        (3, "bid", "C0001:P115", "naura"),
        (4, "bid", "C0001:P100", "ana"),
        (5, "challenge", "C0001", "ana"),
    ]
    assert json.loads(entries[4]["body"])["status"] == "awarded"
    assert all(e["mac"] for e in entries)
    check = verify_project_log(store, "semi")
    assert check.ok, check.problems
    assert check.anchored
    done = run(store, "audit", "verify", "--project", "semi")
    assert done.exit_code == 0, done.output
    assert "log of semi: 5 entries, intact; head 5:" in done.output
    assert "anchored (MACs checked)" in done.output


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        (
            "UPDATE ledger_entries SET body = replace(body, '光刻胶配方', '别的') WHERE seq = 3",
            "entry 3 (bid C0001:P115)",
        ),
        (
            "UPDATE match_records SET body = replace(body, '光刻胶配方', '别的') WHERE kind = 'bid'",
            "entry 3 (bid C0001:P115)",
        ),
        ("UPDATE observations SET value = 10", "entry 1 (observation lead_time_days|N44|P115|2026-01)"),
        ("DELETE FROM ledger_entries WHERE seq = 2", "entry 3 (bid C0001:P115)"),
    ],
    ids=["log entry edited", "bid edited in place", "reported value edited", "log entry deleted"],
)
def test_an_edit_outside_the_log_fails_verify_and_names_the_entry(store, sql, named):
    with store.engine.begin() as conn:
        conn.execute(text(sql))
    failed = run(store, "audit", "verify", "--project", "semi")
    assert failed.exit_code == 1
    assert named in failed.output


def test_an_edit_rehashed_through_the_end_fails_with_the_key_and_against_the_recorded_head(
    store, monkeypatch
):
    head = store.ledger.heads()["semi"]
    rows = store.ledger.entries("semi")
    rows[2]["body"] = rows[2]["body"].replace("光刻胶配方", "别的")
    rehash_from(rows, 3)
    with store.engine.begin() as conn:  # the forger rewrites the log and the record it covers
        for e in rows[2:]:
            conn.execute(
                text("UPDATE ledger_entries SET body = :b, prev_hash = :p, hash = :h WHERE seq = :s"),
                {"b": e["body"], "p": e["prev_hash"], "h": e["hash"], "s": e["seq"]},
            )
        conn.execute(
            text("UPDATE match_records SET body = replace(body, '光刻胶配方', '别的') WHERE kind = 'bid'")
        )
    failed = run(store, "audit", "verify", "--project", "semi", "--format", "json")
    assert failed.exit_code == 1
    assert json.loads(failed.output)["problems"][0]["seq"] == 3  # the MAC of the first rewritten entry
    monkeypatch.delenv("CHOKEPOINT_LEDGER_KEY")  # without the key only the recorded head catches it
    assert run(store, "audit", "verify", "--project", "semi").exit_code == 0
    against = run(
        store, "audit", "verify", "--project", "semi", "--expect-head", f"{head['seq']}:{head['hash']}"
    )
    assert against.exit_code == 1
    assert "the log was rewritten" in against.output


def test_concurrent_appends_take_consecutive_numbers_and_verify(store):
    challenge_action(store, "semi", "C0001", "close", user="ana")
    key, _ = publish_challenge(store, "semi", title="量测", nodes=["N20"], owner="SMEE", user="ana")
    threads = [
        threading.Thread(
            target=record_bid, args=(store, "semi", key, f"P{100 + k}", str(k)), kwargs={"user": "ana"}
        )
        for k in range(1, 17)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [e["seq"] for e in store.ledger.entries("semi")]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) == 5 + 1 + 1 + 16  # the fixture's, the close, the publication, 16 bids
    assert verify_project_log(store, "semi").ok


def test_the_log_survives_backup_and_restore_and_an_edited_backup_is_caught(store, tmp_path):
    import gzip

    from chokepoint.errors import UsageError
    from chokepoint.service.backup import backup, restore

    out = tmp_path / "b.backup.gz"
    header = backup(store, out, with_password_hashes=True)
    assert header["ledger_heads"] == store.ledger.heads()
    fresh = Store(tmp_path / "restored.db")
    restore(fresh, out)
    assert verify_project_log(fresh, "semi").ok
    assert fresh.ledger.heads() == header["ledger_heads"]
    fresh.close()

    with gzip.open(out, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()

    def forged(name: str, keep) -> Path:
        path = tmp_path / name
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write("\n".join(keep(lines)) + "\n")
        return path

    last = max(i for i, line in enumerate(lines) if '"ledger_entries"' in line)
    cut = forged("cut.backup.gz", lambda ls: ls[:last] + ls[last + 1 :])  # the last entry dropped
    short = Store(tmp_path / "short.db")
    with pytest.raises(UsageError, match="do not end at the heads its header records"):
        restore(short, cut)
    assert short.projects.names() == []  # refused whole
    short.close()
    edited = forged(
        "edited.backup.gz",
        lambda ls: [x.replace("光刻胶配方", "别的") if '"ledger_entries"' in x else x for x in ls],
    )
    other = Store(tmp_path / "other.db")
    restore(other, edited)  # the head still matches, but the edited entry's hash does not
    assert verify_project_log(other, "semi").problems[0].seq == 3
    other.close()
