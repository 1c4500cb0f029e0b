"""The store: several projects, replace vs merge, rename, delete, perspectives, migrations."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from chokepoint.errors import ProjectExistsError, ProjectNotFoundError, UsageError
from chokepoint.store import ENV_VAR, Store, database_url, migrate
from chokepoint.store import database as database_module
from chokepoint.store.schema import migrations_table
from conftest import base_tables, validate


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.db")
    yield s
    s.close()


@pytest.fixture
def small():
    return validate(base_tables()).chain


@pytest.fixture
def other():
    t = base_tables()
    t["nodes"] = [
        {"id": "A", "name": "Silicon wafer (300 mm)", "kind": "material"},
        {"id": "Z", "name": "Photoresist", "name_zh": "光刻胶", "kind": "material"},
    ]
    t["edges"] = [{"source": "Z", "target": "A", "kind": "input_of"}]
    t["actors"] = [{"id": "JPN", "name": "Japan", "kind": "country", "country": "JPN"}]
    t["provisions"] = [{"actor": "JPN", "node": "Z", "share": "0.9", "year": "2024"}]
    return validate(t, meta={"title": "other"}).chain


def test_several_projects_in_one_store(store, small, other):
    store.chains.save("b-project", other)
    store.chains.save("a-project", small)
    assert store.projects.names() == ["a-project", "b-project"]
    assert store.chains.load("a-project").equals(small)
    assert store.chains.load("b-project").equals(other)
    infos = {p.name: p for p in store.projects.infos()}
    assert [p.name for p in store.projects.infos()] == ["a-project", "b-project"]
    # nodes are counted without stages, as in `chokepoint info`
    assert (infos["a-project"].nodes, infos["a-project"].actors, infos["a-project"].provisions) == (3, 5, 4)
    assert (infos["b-project"].nodes, infos["b-project"].title) == (2, "other")
    assert set(infos["a-project"].to_dict()) == {
        "name",
        "created_at",
        "updated_at",
        "nodes",
        "actors",
        "provisions",
        "title",
    }


def test_reimport_replaces(store, small, other):
    store.chains.save("p", small)
    stored = store.chains.save("p", other)
    assert stored.equals(other)
    back = store.chains.load("p")
    assert back.equals(other)
    assert sorted(back.nodes["id"]) == ["A", "Z"]
    assert store.projects.names() == ["p"]


def test_merge_adds_and_replaces_by_key(store, small, other):
    store.chains.save("p", small)
    merged = store.chains.save("p", other, merge=True)
    back = store.chains.load("p")
    assert back.equals(merged)
    assert sorted(back.nodes["id"]) == ["A", "B", "C", "S1", "Z"]
    assert back.node("A")["name"] == "Silicon wafer (300 mm)"  # the new row wins
    assert len(back.edges) == 3
    assert len(back.actors) == 6
    assert len(back.provisions) == 5
    assert back.meta == {"title": "other"}


def test_merge_into_missing_project_creates_it(store, small):
    store.chains.save("new", small, merge=True)
    assert store.chains.load("new").equals(small)


def test_rename(store, small, other):
    store.chains.save("old", small)
    store.chains.save("taken", other)
    store.projects.rename("old", "new")
    assert store.projects.names() == ["new", "taken"]
    assert store.chains.load("new").equals(small)
    with pytest.raises(ProjectExistsError, match="'taken' already exists"):
        store.projects.rename("new", "taken")
    assert store.chains.load("taken").equals(other)  # untouched
    with pytest.raises(ProjectNotFoundError):
        store.projects.rename("old", "newer")
    with pytest.raises(UsageError):
        store.projects.rename("new", "  ")
    store.projects.rename("new", "new")  # renaming to itself is a no-op
    assert store.projects.names() == ["new", "taken"]


def test_delete(store, small, other):
    store.chains.save("a", small)
    store.chains.save("b", other)
    store.projects.delete("a")
    assert store.projects.names() == ["b"]
    with pytest.raises(ProjectNotFoundError):
        store.chains.load("a")
    assert store.chains.load("b").equals(other)
    with pytest.raises(ProjectNotFoundError):
        store.projects.delete("a")
    # nothing of the deleted project is left behind
    from sqlalchemy import func

    from chokepoint.store.schema import chain_tables

    with store.engine.connect() as conn:
        for tab in chain_tables.values():
            rows = conn.execute(select(func.count()).select_from(tab)).scalar_one()
            assert rows == len(other.tables()[tab.name.removeprefix("chain_")])


def test_not_found_lists_available_projects(store, small):
    with pytest.raises(ProjectNotFoundError, match="holds no project yet"):
        store.chains.load("x")
    store.chains.save("beta", small)
    store.chains.save("alpha", small)
    with pytest.raises(ProjectNotFoundError) as info:
        store.chains.load("gamma")
    assert str(info.value) == "no project named 'gamma'; projects in this store: alpha, beta"
    assert info.value.to_dict()["code"] == "project_not_found"


def test_empty_project_name(store, small):
    with pytest.raises(UsageError):
        store.chains.save(" ", small)


def test_perspective(store, small):
    store.chains.save("p", small)
    assert store.projects.get_perspective("p") is None
    perspective = {"countries": ["CHN"], "name": "中国视角", "weights": {"share": 0.5}}
    store.projects.set_perspective("p", perspective)
    assert store.projects.get_perspective("p") == perspective
    # re-import keeps the perspective
    store.chains.save("p", small)
    assert store.projects.get_perspective("p") == perspective
    store.projects.set_perspective("p", None)
    assert store.projects.get_perspective("p") is None
    with pytest.raises(ProjectNotFoundError):
        store.projects.get_perspective("nope")
    with pytest.raises(ProjectNotFoundError):
        store.projects.set_perspective("nope", {})


def test_perspective_survives_rename_and_is_per_project(store, small):
    store.chains.save("a", small)
    store.chains.save("b", small)
    store.projects.set_perspective("a", {"countries": ["USA"]})
    store.projects.rename("a", "c")
    assert store.projects.get_perspective("c") == {"countries": ["USA"]}
    assert store.projects.get_perspective("b") is None


def test_data_persists_across_connections(tmp_path, small):
    path = tmp_path / "p.db"
    s1 = Store(path)
    s1.chains.save("p", small)
    s1.projects.set_perspective("p", {"k": 1})
    s1.close()
    s2 = Store(f"sqlite:///{path}")
    assert s2.chains.load("p").equals(small)
    assert s2.projects.get_perspective("p") == {"k": 1}
    s2.close()


def _applied(store):
    with store.engine.connect() as conn:
        return conn.execute(select(migrations_table.c.name, migrations_table.c.applied_at)).all()


def test_migrations_recorded_once(tmp_path, monkeypatch):
    path = tmp_path / "m.db"
    first = Store(path)
    names = [name for name, _ in database_module.MIGRATIONS]
    before = _applied(first)
    assert [r.name for r in before] == names
    assert "projects" in first.database.table_names()
    assert "chain_nodes" in first.database.table_names()
    first.close()

    calls = []
    monkeypatch.setattr(
        database_module,
        "MIGRATIONS",
        [
            *[(name, lambda conn, n=name: calls.append(n)) for name in names],
            ("999_test", lambda conn: calls.append("999_test")),
        ],
    )
    second = Store(path)  # applies only the new migration
    assert calls == ["999_test"]
    third = Store(path)  # applies nothing
    assert calls == ["999_test"]
    assert migrate(third.engine) == []
    after = _applied(third)
    assert [r.name for r in after] == [*names, "999_test"]
    assert after[: len(before)] == before  # applied_at of the old ones unchanged
    second.close()
    third.close()


def test_migrate_returns_applied_names(tmp_path):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'e.db'}")
    assert migrate(engine) == [name for name, _ in database_module.MIGRATIONS]
    assert migrate(engine) == []
    engine.dispose()


@pytest.mark.sqlite_only
def test_database_url(tmp_path, monkeypatch):
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "sub" / "env.db"))
    assert database_url() == f"sqlite:///{tmp_path / 'sub' / 'env.db'}"
    assert (tmp_path / "sub").is_dir()  # the folder is created


@pytest.mark.sqlite_only
def test_store_uses_env_var(tmp_path, monkeypatch, small):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env.db"))
    s = Store()
    s.chains.save("p", small)
    s.close()
    assert (tmp_path / "env.db").exists()
    assert Store(tmp_path / "env.db").projects.names() == ["p"]


def test_merge_is_validated_as_a_whole_and_refused_atomically(store, small):
    from chokepoint.errors import ChainValidationError

    store.chains.save("p", small)
    t = base_tables()
    t["provisions"] = [{"actor": "USA", "node": "A", "share": "0.9", "year": "2024"}]  # CHN 0.6 + USA 0.9
    bad = validate(t).chain
    with pytest.raises(ChainValidationError) as info:
        store.chains.save("p", bad, merge=True)
    assert "share_sum" in {p.code for p in info.value.problems}
    assert store.chains.load("p").equals(small)  # nothing changed


def test_merge_raw_rows_may_refer_to_stored_rows(store, small):
    from chokepoint.errors import ChainValidationError
    from conftest import raw_table

    store.chains.save("p", small)
    blocks = [
        raw_table("nodes", [], columns=["id", "name", "kind"]),
        raw_table("actors", [{"id": "F9", "name": "New Fab", "kind": "enterprise", "country": "KOR"}]),
        raw_table("provisions", [{"actor": "F9", "node": "B", "share": "0.4", "year": "2024"}]),
    ]
    report = store.chains.merge_tables("p", blocks)
    back = store.chains.load("p")
    assert back.equals(report.chain)
    assert len(back.actors) == 6
    assert len(back.provisions) == 5
    assert len(back.nodes) == 4
    dangling = [raw_table("provisions", [{"actor": "F9", "node": "NOPE", "share": "0.1"}])]
    with pytest.raises(ChainValidationError) as info:
        store.chains.merge_tables("p", dangling)
    [p] = info.value.problems
    assert (p.source, p.row, p.column, p.code) == ("provisions.csv", 2, "node", "unknown_reference")
    assert store.chains.load("p").equals(back)
    with pytest.raises(ProjectNotFoundError):
        store.chains.merge_tables("nope", blocks)


def test_evidence_stamp_changes_with_each_kind_of_evidence(store, small, other):
    """The one-query stamp the API's assessment caches key on: it changes when a project's expert
    scores, reported values (a replaced value keeps the count) or named trade dataset change, and
    not when another project's do."""
    import pandas as pd

    store.chains.save("small", small)
    store.chains.save("other", other)
    empty = store.evidence_stamp("small")
    assert empty == "|||"
    node = small.nodes["id"].iloc[0]
    store.experts.replace("small", "Zhang", pd.DataFrame({"node": [node], "gap": [4]}), "a.csv", "u")
    scored = store.evidence_stamp("small")
    assert scored != empty
    assert store.evidence_stamp("other") == "|||"
    value = pd.DataFrame(
        {
            "indicator": ["inventory_days"],
            "entity_type": ["node_enterprise"],
            "entity": [f"{node}|P1"],
            "period": ["2026-10"],
            "value": [30.0],
        }
    )
    store.observations.submit("small", value, "u")
    reported = store.evidence_stamp("small")
    assert reported != scored
    store.observations.submit("small", value.assign(value=12.0), "u")  # replaced: same count
    assert store.evidence_stamp("small") not in (reported, scored)
    assert store.evidence_stamp("other") == "|||"
    flows = pd.DataFrame(
        {"year": [2021], "exporter": ["USA"], "importer": ["CHN"], "product": ["854231"], "value": [1.0]}
    )
    # a data set, then a review, change which values count: the stamp moves
    before_set = store.evidence_stamp("small")
    store.reporting.put_data_set("small", "m", {"name": "m", "indicators": ["inventory_days"],
                                                "enterprises": ["P1"], "review_level": "province"}, "u")  # fmt: skip
    assert store.evidence_stamp("small") != before_set
    store.observations.submit("small", value.assign(value=13.0), "u")
    submitted = store.evidence_stamp("small")
    store.reporting.review("small", "m", [("P1", "2026-10", None)], "approve", "u", "CHN")
    assert store.evidence_stamp("small") != submitted
    assert store.evidence_stamp("other") == "|||"
    store.trade_datasets.save("t", flows, "comtrade")
    traded = store.evidence_stamp("small", "t")
    store.trade_datasets.save("t", flows.assign(value=2.0), "comtrade")
    assert store.evidence_stamp("small", "t") != traded
    with_trade, without = (
        store.evidence_stamp("small", "t").split("|"),
        store.evidence_stamp("small").split("|"),
    )
    assert with_trade[:2] + with_trade[3:] == without[:2] + without[3:]  # the trade part alone differs
    assert (with_trade[2], without[2]) != ("", "")


@pytest.mark.sqlite_only
def test_migration_011_adds_the_alert_level_before_to_an_older_store(tmp_path):
    """A store made before 011 (its alerts table without ``level_before``) gains the column on
    open, keeps its alerts, and a later run records the level an alert had before."""
    from sqlalchemy import delete, text

    path = tmp_path / "old.db"
    store = Store(path)
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE alerts DROP COLUMN level_before"))
        conn.execute(delete(migrations_table).where(migrations_table.c.name == "011_alert_level_before"))
    store.close()
    reopened = Store(path)
    with reopened.engine.connect() as conn:
        columns = [r[1] for r in conn.execute(text("PRAGMA table_info(alerts)"))]
    assert "level_before" in columns
    assert [r.name for r in _applied(reopened)][-1] == "011_alert_level_before"
    reopened.close()
