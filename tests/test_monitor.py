"""Early-warning monitoring: 12 months of reported data, alerts, snapshots, permissions, atomic uploads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from chokepoint.cli import app
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import ChokepointError
from chokepoint.monitor.catalog import catalog
from chokepoint.monitor.rules import RuleSet, ThresholdRule, ZScoreRule, evaluate_series
from chokepoint.monitor.service import monitor_diff, monitor_run
from chokepoint.store import Store
from chokepoint.store.monitoring import AccessDeniedError, ReportRejectedError

RULES = {
    "rules": [
        {
            "id": "low-inventory",
            "type": "threshold",
            "indicator": "inventory_days",
            "levels": {"I": 7, "II": 15, "III": 30, "IV": 45},
        },
        {
            "id": "price-jump",
            "type": "rate",
            "indicator": "unit_price",
            "window": 3,
            "levels": {"I": 1.0, "II": 0.5, "III": 0.2},
        },
        {
            "id": "lead-time-anomaly",
            "type": "zscore",
            "indicator": "lead_time_days",
            "min_history": 6,
            "levels": {"II": 4, "III": 3},
        },
        {"id": "level-rise", "type": "assessment", "change": "level_rise"},
    ]
}

INVENTORY = [60, 60, 60, 60, 60, 60, 40, 20, 10, 5, 50, 50]  # IV, III, II, I, then clears
PRICE = [100] * 11 + [160]  # +60% over 3 months in December: level II
LEAD = [30, 31, 29, 30, 32, 30, 31, 29, 30, 31, 30, 30]  # stable: never an anomaly


def rows(month: int) -> pd.DataFrame:
    period = f"2026-{month:02d}"
    return pd.DataFrame(
        [
            {
                "indicator": "inventory_days",
                "node": "N44",
                "enterprise": "P115",
                "period": period,
                "value": INVENTORY[month - 1],
                "unit": "days",
            },
            {
                "indicator": "unit_price",
                "node": "N44",
                "enterprise": "P115",
                "period": period,
                "value": PRICE[month - 1],
                "unit": "CNY",
            },
            {
                "indicator": "lead_time_days",
                "node": "N44",
                "enterprise": "P115",
                "period": period,
                "value": LEAD[month - 1],
            },
        ]
    )


def euv_shared_with_home() -> pd.DataFrame:
    """A chain update: the Netherlands (ASML) and China (SMEE) share EUV tools half and half."""
    return pd.DataFrame(
        [
            {"actor": "P45", "node": "N20", "share": 0.5, "year": 2025},  # NLD
            {"actor": "P88", "node": "N20", "share": 0.5, "year": 2025},  # ASML
            {"actor": "P2", "node": "N20", "share": 0.5, "year": 2025},  # CHN
            {"actor": "P70", "node": "N20", "share": 0.5, "year": 2025},
        ]
    )


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "monitor.db")
    s.save_chain("semi", load_semiconductors())
    s.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD", "KOR", "TWN"]})
    s.add_user("root", "admin", "root-pass")
    s.add_user("naura", "reporter", "naura-pass")
    s.add_user("amec", "reporter", "amec-pass")
    s.bind("naura", "semi", "P115")
    s.bind("amec", "semi", "P123")
    s.import_rules("semi", [r.model_dump(mode="json") for r in RuleSet.model_validate(RULES).rules], "root")
    return s


def test_twelve_months_of_reported_data(store):
    chain = load_semiconductors()
    levels_by_month, snapshots = {}, {}
    for month in range(1, 13):
        as_of = f"2026-{month:02d}"
        store.submit_observations("semi", rows(month), "naura", as_of=as_of)
        if month == 6:  # the chain improves: EUV tools get a home source
            from chokepoint.model.chain import ChainMap

            store.save_chain(
                "semi",
                ChainMap(nodes=None, edges=None, actors=None, provisions=euv_shared_with_home()),
                merge=True,
            )
        if month == 9:  # and the improvement is withdrawn
            store.save_chain("semi", chain)
        run = monitor_run(store, "semi", as_of)
        snapshots[month] = run.snapshot_id
        active = [a for a in store.list_alerts("semi") if a["status"] == "open"]
        levels_by_month[month] = {(a["rule_id"], a["entity"]): a["level"] for a in active}

    key = ("low-inventory", "N44|P115")
    assert [levels_by_month[m].get(key) for m in range(1, 13)] == [
        None,
        None,
        None,
        None,
        None,
        None,
        "IV",
        "III",
        "II",
        "I",
        None,
        None,
    ]
    inventory_alerts = [a for a in store.list_alerts("semi") if a["rule_id"] == "low-inventory"]
    assert len(inventory_alerts) == 1  # one alert per open condition, updated month by month
    assert inventory_alerts[0]["status"] == "resolved" and inventory_alerts[0]["resolved_by"] == "auto"
    assert levels_by_month[12].get(("price-jump", "N44|P115")) == "II"
    assert not any(a["rule_id"] == "lead-time-anomaly" for a in store.list_alerts("semi"))
    # the chain changes show in the snapshots and raise the level-rise rule
    better = monitor_diff(store, "semi", snapshots[5], snapshots[6])
    assert better.set_index("id").loc["N20", "change"] == "better"
    worse = monitor_diff(store, "semi", snapshots[8], snapshots[9])
    assert worse.set_index("id").loc["N20", "change"] == "worse"
    rise = [a for a in store.list_alerts("semi") if a["rule_id"] == "level-rise" and a["entity"] == "N20"]
    assert rise and rise[0]["level"] == "I"
    assert "EUV光刻机" in rise[0]["message_zh"] and "EUV lithography tools" in rise[0]["message_en"]


def test_alert_lifecycle_records_who_and_when(store):
    store.submit_observations("semi", rows(10), "naura", as_of="2026-10")
    monitor_run(store, "semi", "2026-10")
    alert = next(a for a in store.list_alerts("semi") if a["rule_id"] == "low-inventory")
    with pytest.raises(AccessDeniedError):
        store.acknowledge_alert("semi", alert["id"], "naura")
    store.acknowledge_alert("semi", alert["id"], "root")
    acked = store.list_alerts("semi", status="acknowledged")[0]
    assert acked["acknowledged_by"] == "root" and acked["acknowledged_at"]
    monitor_run(store, "semi", "2026-10")  # the condition still holds: same alert, still acknowledged
    assert [a["status"] for a in store.list_alerts("semi") if a["rule_id"] == "low-inventory"] == [
        "acknowledged"
    ]
    store.resolve_alert("semi", alert["id"], "root")
    assert store.list_alerts("semi", status="resolved")[0]["resolved_by"] == "root"


def test_resubmitting_a_period_replaces_and_keeps_history(store):
    store.submit_observations("semi", rows(1), "naura", as_of="2026-01")
    changed = rows(1).assign(value=[55, 100, 30])
    counts = store.submit_observations("semi", changed, "naura", as_of="2026-01")
    assert counts == {"new": 0, "replaced": 1, "unchanged": 2}
    hist = store.observation_history("semi", "naura")
    inv = hist[hist["indicator"] == "inventory_days"]
    assert list(inv["old_value"].fillna(-1)) == [-1, 60] and list(inv["new_value"]) == [60, 55]
    assert set(inv["changed_by"]) == {"naura"}


def test_reporter_cannot_submit_or_read_another_enterprise(store):
    other = rows(1).assign(enterprise="P123")
    with pytest.raises(ReportRejectedError) as info:
        store.submit_observations("semi", other, "naura", as_of="2026-01")
    assert {p.code for p in info.value.problems} == {"forbidden"}
    assert all("not bound" in p.reason and p.column == "enterprise" for p in info.value.problems)
    store.submit_observations("semi", other, "amec", as_of="2026-01")
    store.submit_observations("semi", rows(1), "naura", as_of="2026-01")
    seen = store.read_observations("semi", "naura")
    assert set(seen["entity"].str.split("|").str[-1]) == {"P115"}
    assert set(store.read_observations("semi", "root")["entity"].str.split("|").str[-1]) == {"P115", "P123"}
    node_level = pd.DataFrame(
        [
            {
                "indicator": "inventory_days",
                "node": "N44",
                "enterprise": "P115",
                "period": "2026-01",
                "value": 3,
            }
        ]
    )
    store.add_user("viewer", "viewer", "v")
    with pytest.raises(ReportRejectedError):
        store.submit_observations("semi", node_level, "viewer", as_of="2026-01")
    store.disable_user("naura")
    with pytest.raises(AccessDeniedError):
        store.read_observations("semi", "naura")


def test_cli_reporter_isolation(tmp_path, store):
    db = str(store.url.removeprefix("sqlite:///"))
    runner = CliRunner()
    bad = tmp_path / "other.csv"
    rows(1).assign(enterprise="P123").to_csv(bad, index=False)
    r = runner.invoke(
        app,
        [
            "report-data",
            "upload",
            str(bad),
            "--project",
            "semi",
            "--as",
            "naura",
            "--as-of",
            "2026-01",
            "--db",
            db,
        ],
    )
    assert (
        r.exit_code == 1 and "not bound" in r.stderr and "other.csv, row 2, column 'enterprise'" in r.stderr
    )
    good = tmp_path / "mine.csv"
    rows(1).to_csv(good, index=False)
    r = runner.invoke(
        app,
        [
            "report-data",
            "upload",
            str(good),
            "--project",
            "semi",
            "--as",
            "naura",
            "--as-of",
            "2026-01",
            "--db",
            db,
        ],
    )
    assert r.exit_code == 0, r.output
    store.submit_observations("semi", rows(1).assign(enterprise="P123"), "amec", as_of="2026-01")
    r = runner.invoke(
        app, ["report-data", "list", "--project", "semi", "--as", "naura", "--format", "csv", "--db", db]
    )
    assert "P115" in r.stdout and "P123" not in r.stdout


def test_one_bad_row_among_a_thousand_rejects_the_file(tmp_path, store):
    pairs = store.load_chain("semi").provisions
    pairs = pairs[pairs["actor"] == "P115"]["node"].tolist()
    good = [
        {"indicator": ind, "node": node, "enterprise": "P115", "period": f"20{y:02d}-{m:02d}", "value": 10}
        for ind in ("inventory_days", "lead_time_days")
        for node in pairs
        for y in range(21, 26)
        for m in range(1, 13)
    ]
    frame = pd.DataFrame(good[:1000])
    frame.loc[637, "value"] = 5000  # out of range for inventory days (0-3650)
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    r = CliRunner().invoke(
        app,
        [
            "report-data",
            "upload",
            str(path),
            "--project",
            "semi",
            "--as",
            "naura",
            "--as-of",
            "2026-01",
            "--db",
            store.url.removeprefix("sqlite:///"),
        ],
    )
    assert r.exit_code == 1
    assert "row 639, column 'value'" in r.stderr and "outside the valid range" in r.stderr
    assert "1 problem found" in r.stderr
    assert store.read_observations("semi", "root").empty


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"indicator": "stock_days"}, "unknown_indicator"),
        ({"unit": "weeks"}, "wrong_unit"),
        ({"value": -3}, "out_of_range"),
        ({"period": "2027-01"}, "future_period"),
        ({"period": "2026-13"}, "invalid_period"),
        ({"node": "N999"}, "unknown_entity"),
    ],
)
def test_each_validation_rule_names_the_row(store, change, code):
    frame = rows(1).head(1).assign(**change)
    with pytest.raises(ReportRejectedError) as info:
        store.submit_observations("semi", frame, "naura", as_of="2026-06", source="upload.csv")
    p = info.value.problems[0]
    assert p.code == code and p.row == 2 and p.source == "upload.csv"


def test_vectorized_rules_on_hand_made_series():
    ind = catalog()["inventory_days"]  # lower is worse
    values = np.array([[60, 50, 40], [60, 60, 6], [np.nan, 30, np.nan]], dtype=float)
    rule = ThresholdRule(id="t", indicator="inventory_days", levels={"I": 7, "III": 45})
    out = evaluate_series(rule, ind, np.array(["a", "b", "c"], dtype=object), values, ["m1", "m2", "m3"])
    assert dict(zip(out["entity"], out["level"], strict=True)) == {"a": "III", "b": "I"}
    lead = catalog()["lead_time_days"]  # higher is worse
    hist = np.array([[30, 31, 29, 30, 32, 30, 31, 60.0]])
    z = ZScoreRule(id="z", indicator="lead_time_days", min_history=6, levels={"II": 4})
    out = evaluate_series(z, lead, np.array(["x"], dtype=object), hist, [f"m{i}" for i in range(8)])
    # median 30, MAD 1 -> z = (60 - 30) / 1.4826 = 20.2
    assert out.iloc[0]["level"] == "II" and out.iloc[0]["values"]["z"] == pytest.approx(30 / 1.4826, rel=1e-6)


def test_unknown_user_and_role_errors(store):
    with pytest.raises(ChokepointError, match="no user named"):
        store.reporter("nobody", "semi")
    with pytest.raises(ChokepointError, match="unknown role"):
        store.add_user("x", "boss", "p")
    assert store.verify_password("root", "root-pass") and not store.verify_password("root", "wrong")
