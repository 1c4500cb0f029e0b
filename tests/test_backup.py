"""Backup and restore (issue 23): lossless, portable between SQLite and PostgreSQL, whole or nothing.

A store with every kind of record (the demo chain, a scenario, tasks, a challenge and a bid,
expert scores, reported values with a revision, rules with history, alerts, two snapshots, users
with a binding, a raw-materials dataset with binary bodies, the audit log) is backed up, restored
into a new store, and backed up again: the two backups hold the same rows, and the restored store
answers as the original did. With ``CHOKEPOINT_TEST_PG`` the restore goes to PostgreSQL and back.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from chokepoint.cli import app
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import UsageError
from chokepoint.store import Store

DATA = Path(__file__).parent / "data"
PG = os.environ.get("CHOKEPOINT_TEST_PG")


def full_store(path: Path) -> Store:
    from chokepoint.service import materials as materials_svc
    from chokepoint.service.matching import publish_challenge, record_bid
    from chokepoint.service.monitoring import monitor_run, submit_observations

    s = Store(path)
    s.chains.save("semi", load_semiconductors())
    s.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "NLD"]})
    s.users.add("admin", "admin", "admin-password")
    s.users.add("naura", "reporter", "naura-password")
    s.users.bind("naura", "semi", "P115")
    s.scenarios.save("semi", "nld", {"name": "nld", "shocks": [{"type": "blockade", "country": "NLD"}]})
    s.rules.put(
        "semi",
        [{"id": "low", "type": "threshold", "indicator": "inventory_days", "levels": {"I": 7}}],
        "admin",
    )
    row = {
        "indicator": "inventory_days",
        "node": "N44",
        "enterprise": "P115",
        "period": "2026-01",
        "value": 5,
    }
    submit_observations(s, "semi", pd.DataFrame([row]), "naura", as_of="2026-01")
    submit_observations(
        s, "semi", pd.DataFrame([{**row, "value": 4.5}]), "naura", as_of="2026-01"
    )  # a revision
    monitor_run(s, "semi", "2026-01")
    monitor_run(s, "semi", "2026-01")
    key, _ = publish_challenge(
        s, "semi", title="EUV光源", description="极紫外光源", nodes=["N20"], capabilities=["光源"],
        owner="SMEE", budget=None, deadline=None,
    )  # fmt: skip
    record_bid(s, "semi", key, "P115", "北方华创投标")
    materials_svc.load_dataset(s, "rm", DATA / "materials")
    s.audit.record("admin", "POST", "/api/x", 200, "test entry", None, {"k": "v"})
    from chokepoint.service.indicators import import_system
    from chokepoint.service.parks import load_region_values
    from chokepoint.service.regions import import_regions
    from regions_fixture import write_files

    files = write_files(path.parent / f"{path.stem}-regions")  # illustrative parks and systems
    import_regions(s, files["regions"])
    load_region_values(s, "parks", files["values"])
    import_system(s, files["hitech"], "admin")
    return s


def rows_of(backup: Path) -> dict[str, list[str]]:
    """Every row of a backup as sorted JSON lines per table (the header left out)."""
    out: dict[str, list[str]] = {}
    with gzip.open(backup, "rt", encoding="utf-8") as f:
        f.readline()
        for line in f:
            item = json.loads(line)
            out.setdefault(item["table"], []).append(json.dumps(item["row"], sort_keys=True))
    return {k: sorted(v) for k, v in out.items()}


def test_backup_restore_is_lossless_and_the_restored_store_answers_the_same(tmp_path):
    from chokepoint.service.backup import backup, restore
    from chokepoint.service.lists import project_lists

    src = full_store(tmp_path / "a.db")
    first = tmp_path / "a.backup.gz"
    header = backup(src, first, with_password_hashes=True)
    assert header["tables"]["chain_nodes"] == len(src.chains.load("semi").nodes)  # 126 nodes and 3 stages
    assert header["tables"]["observation_history"] >= 2
    dst = Store(tmp_path / "b.db")
    result = restore(dst, first)
    assert result["rows"] == header["tables"]
    second = tmp_path / "b.backup.gz"
    backup(dst, second, with_password_hashes=True)
    assert rows_of(first) == rows_of(second)  # every row, every value
    assert dst.chains.load("semi").equals(src.chains.load("semi"))
    assert dst.alerts.list("semi") == src.alerts.list("semi")
    assert dst.users.verify_password("naura", "naura-password")
    from chokepoint.assess import Perspective
    from chokepoint.service.assessment import assess_project

    a = assess_project(dst, "semi", Perspective.from_dict(dst.projects.get_perspective("semi")))
    assert len(project_lists(dst, "semi", a, "zh").tables["chokepoints"]) > 0
    # new rows continue after the restored ids
    dst.audit.record("admin", "POST", "/api/y", 200, "after restore", None, None)
    assert dst.audit.entries(1)[0]["action"] == "after restore"


def test_without_hashes_users_come_back_without_a_usable_password(tmp_path):
    from chokepoint.service.backup import backup, restore

    src = full_store(tmp_path / "a.db")
    out = tmp_path / "a.backup.gz"
    backup(src, out)
    with gzip.open(out, "rt", encoding="utf-8") as f:
        assert "argon2" not in f.read()
    dst = Store(tmp_path / "b.db")
    restore(dst, out)
    assert dst.users.get("naura", "semi").actors == frozenset({"P115"})
    assert not dst.users.verify_password("naura", "naura-password")
    dst.users.set_password("naura", "a-new-password")
    assert dst.users.verify_password("naura", "a-new-password")


def test_restore_refuses_a_store_that_is_not_empty_and_damaged_files(tmp_path):
    from chokepoint.service.backup import backup, restore

    src = full_store(tmp_path / "a.db")
    out = tmp_path / "a.backup.gz"
    backup(src, out, with_password_hashes=True)
    with pytest.raises(UsageError, match="not empty"):
        restore(src, out)
    damaged = tmp_path / "damaged.gz"
    with gzip.open(out, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    with gzip.open(damaged, "wt", encoding="utf-8") as f:
        f.write("\n".join([*lines[:50], "{not json", *lines[50:]]) + "\n")
    dst = Store(tmp_path / "b.db")
    with pytest.raises(UsageError, match="line 51"):  # the header is line 1, then 49 rows
        restore(dst, damaged)
    assert dst.projects.infos() == []  # nothing landed: one transaction
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(UsageError, match=r"not a chokepoint backup|cannot read"):
        restore(dst, tmp_path / "notes.txt")
    result = restore(src, out, replace=True)  # --replace overwrites
    assert result["rows"]["projects"] == 1


def test_cli_backup_and_restore(tmp_path):
    full_store(tmp_path / "a.db").close()
    out = tmp_path / "store.backup.gz"
    runner = CliRunner()
    r = runner.invoke(app, ["backup", "--out", str(out), "--db", str(tmp_path / "a.db")])
    assert r.exit_code == 0, r.output
    assert "rows of" in r.output
    r = runner.invoke(app, ["restore", str(out), "--db", str(tmp_path / "b.db")])
    assert r.exit_code == 0, r.output
    assert "set them with `chokepoint users passwd" in r.output
    r = runner.invoke(app, ["restore", str(out), "--db", str(tmp_path / "b.db")])
    assert r.exit_code != 0
    assert "--replace" in r.output


@pytest.mark.skipif(not PG, reason="CHOKEPOINT_TEST_PG is not set (no PostgreSQL server)")
def test_sqlite_to_postgresql_and_back_is_lossless(tmp_path):
    """Into an empty PostgreSQL schema (created and dropped here), then back into SQLite."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from chokepoint.service.backup import backup, restore

    url = make_url(PG)
    schema = f"backup_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        src = full_store(tmp_path / "a.db")
        first = tmp_path / "a.backup.gz"
        backup(src, first, with_password_hashes=True)
        pg = Store(
            url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
                hide_password=False
            )
        )
        assert pg.projects.infos() == []  # a store of its own
        restore(pg, first)
        middle = tmp_path / "pg.backup.gz"
        backup(pg, middle, with_password_hashes=True)
        pg.audit.record(
            "admin", "POST", "/api/z", 200, "after restore on postgres", None, None
        )  # sequences go on
        pg.close()
        back = Store(tmp_path / "c.db")
        restore(back, middle)
        last = tmp_path / "c.backup.gz"
        backup(back, last, with_password_hashes=True)
        assert rows_of(first) == rows_of(middle) == rows_of(last)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


#: the tables of migration 016 (the reporting network), dependants first
NETWORK = [
    "user_units", "data_reports", "report_steps", "data_sets", "notifications", "network_settings",
    "peers", "outbox", "inbox", "network_values", "network_rates", "network_alerts", "network_chokepoints",
    "escalations",
]  # fmt: skip


def test_a_store_of_the_previous_schema_upgrades_and_keeps_every_row(tmp_path):
    """Build a store as the previous release left it (before migrations 011 to 015: alerts
    without ``level_before``, no ``login_failures``, no ``ledger_entries``, actors without
    ``location``, no region tables), open it with this release, and compare every row with a
    backup taken before the downgrade."""
    from sqlalchemy import delete, text

    from chokepoint.service.backup import backup
    from chokepoint.store.schema import migrations_table

    def without_level_before(rows: dict[str, list[str]]) -> dict[str, list[str]]:
        alerts = [json.loads(r) for r in rows["alerts"]]
        for a in alerts:
            a.pop("level_before")
        new = {
            "ledger_entries",
            "regions",
            "region_values",
            "indicator_systems",
            *NETWORK,
        }  # not in the old schema
        kept = {k: v for k, v in rows.items() if k not in new}
        actors = [json.loads(r) for r in rows["chain_actors"]]
        for a in actors:  # the new column: NULL on upgraded rows, "" on new ones; both load as ""
            a["c_location"] = a["c_location"] or ""
        return {
            **kept,
            "alerts": sorted(json.dumps(a, sort_keys=True) for a in alerts),
            "chain_actors": sorted(json.dumps(a, sort_keys=True) for a in actors),
        }

    path = tmp_path / "old.db"
    s = full_store(path)
    before = tmp_path / "before.backup.gz"
    backup(s, before, with_password_hashes=True)
    with s.engine.begin() as conn:
        conn.execute(text("ALTER TABLE alerts DROP COLUMN level_before"))
        conn.execute(text("DROP TABLE login_failures"))
        conn.execute(text("DROP TABLE ledger_entries"))
        conn.execute(text("ALTER TABLE chain_actors DROP COLUMN c_location"))
        for table in ("regions", "region_values", "indicator_systems", *NETWORK):
            conn.execute(text(f"DROP TABLE {table}"))
        old = [
            "011_alert_level_before",
            "012_login_failures",
            "013_ledger",
            "014_actor_location",
            "015_regions",
            "016_network",
        ]
        conn.execute(delete(migrations_table).where(migrations_table.c.name.in_(old)))
    s.close()
    upgraded = Store(path)  # opening applies the six migrations
    with upgraded.engine.connect() as conn:
        applied = [r[0] for r in conn.execute(text("SELECT name FROM chokepoint_migrations ORDER BY name"))]
    assert applied[-6:] == [
        "011_alert_level_before",
        "012_login_failures",
        "013_ledger",
        "014_actor_location",
        "015_regions",
        "016_network",
    ]
    after = tmp_path / "after.backup.gz"
    backup(upgraded, after, with_password_hashes=True)
    assert without_level_before(rows_of(after)) == without_level_before(
        rows_of(before)
    )  # every row, every value
    assert all(
        json.loads(r)["level_before"] is None for r in rows_of(after)["alerts"]
    )  # the new column, empty
    assert upgraded.users.verify_password("naura", "naura-password")
