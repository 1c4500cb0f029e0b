"""Early-warning monitoring: 12 months of reported data, alerts, snapshots, permissions, atomic uploads."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from chokepoint.cli import app
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import AccessDeniedError, ChokepointError, ReportRejectedError
from chokepoint.monitor.catalog import catalog
from chokepoint.monitor.rules import RuleSet, ThresholdRule, ZScoreRule, evaluate_assessment, evaluate_series
from chokepoint.monitor.text import format_value, level_label, status_label
from chokepoint.service.monitoring import (
    acknowledge_alert,
    monitor_diff,
    monitor_run,
    observation_history,
    read_observations,
    resolve_alert,
    submit_observations,
)
from chokepoint.service.users import reporter
from chokepoint.store import Store

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
    s.chains.save("semi", load_semiconductors())
    s.projects.set_perspective("semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD", "KOR", "TWN"]})
    s.users.add("root", "admin", "root-pass")
    s.users.add("naura", "reporter", "naura-pass")
    s.users.add("amec", "reporter", "amec-pass")
    s.users.bind("naura", "semi", "P115")
    s.users.bind("amec", "semi", "P123")
    s.rules.put("semi", [r.model_dump(mode="json") for r in RuleSet.model_validate(RULES).rules], "root")
    return s


def test_twelve_months_of_reported_data(store):
    chain = load_semiconductors()
    levels_by_month, snapshots = {}, {}
    for month in range(1, 13):
        as_of = f"2026-{month:02d}"
        submit_observations(store, "semi", rows(month), "naura", as_of=as_of)
        if month == 6:  # the chain improves: EUV tools get a home source
            from chokepoint.model.chain import ChainMap

            store.chains.save(
                "semi",
                ChainMap(nodes=None, edges=None, actors=None, provisions=euv_shared_with_home()),
                merge=True,
            )
        if month == 9:  # and the improvement is withdrawn
            store.chains.save("semi", chain)
        run = monitor_run(store, "semi", as_of)
        snapshots[month] = run.snapshot_id
        active = [a for a in store.alerts.list("semi") if a["status"] == "open"]
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
    inventory_alerts = [a for a in store.alerts.list("semi") if a["rule_id"] == "low-inventory"]
    assert len(inventory_alerts) == 1  # one alert per open condition, updated month by month
    assert inventory_alerts[0]["status"] == "resolved"
    assert inventory_alerts[0]["resolved_by"] == "auto"
    assert levels_by_month[12].get(("price-jump", "N44|P115")) == "II"
    assert not any(a["rule_id"] == "lead-time-anomaly" for a in store.alerts.list("semi"))
    # the chain changes show in the snapshots and raise the level-rise rule
    better = monitor_diff(store, "semi", snapshots[5], snapshots[6])
    assert better.set_index("id").loc["N20", "change"] == "better"
    worse = monitor_diff(store, "semi", snapshots[8], snapshots[9])
    assert worse.set_index("id").loc["N20", "change"] == "worse"
    rise = [a for a in store.alerts.list("semi") if a["rule_id"] == "level-rise" and a["entity"] == "N20"]
    assert rise
    assert rise[0]["level"] == "I"
    assert "EUV光刻机" in rise[0]["message_zh"]
    assert "EUV lithography tools" in rise[0]["message_en"]


def test_alert_lifecycle_records_who_and_when(store):
    submit_observations(store, "semi", rows(10), "naura", as_of="2026-10")
    monitor_run(store, "semi", "2026-10")
    alert = next(a for a in store.alerts.list("semi") if a["rule_id"] == "low-inventory")
    with pytest.raises(AccessDeniedError):
        acknowledge_alert(store, "semi", alert["id"], "naura")
    acknowledge_alert(store, "semi", alert["id"], "root")
    acked = store.alerts.list("semi", status="acknowledged")[0]
    assert acked["acknowledged_by"] == "root"
    assert acked["acknowledged_at"]
    monitor_run(store, "semi", "2026-10")  # the condition still holds: same alert, still acknowledged
    assert [a["status"] for a in store.alerts.list("semi") if a["rule_id"] == "low-inventory"] == [
        "acknowledged"
    ]
    resolve_alert(store, "semi", alert["id"], "root")
    assert store.alerts.list("semi", status="resolved")[0]["resolved_by"] == "root"


def test_resubmitting_a_period_replaces_and_keeps_history(store):
    submit_observations(store, "semi", rows(1), "naura", as_of="2026-01")
    changed = rows(1).assign(value=[55, 100, 30])
    counts = submit_observations(store, "semi", changed, "naura", as_of="2026-01")
    assert counts == {"new": 0, "replaced": 1, "unchanged": 2}
    hist = pd.DataFrame(observation_history(store, "semi", "naura"))
    inv = hist[hist["indicator"] == "inventory_days"]
    assert list(inv["old_value"].fillna(-1)) == [-1, 60]
    assert list(inv["new_value"]) == [60, 55]
    assert set(inv["changed_by"]) == {"naura"}


def test_reporter_cannot_submit_or_read_another_enterprise(store):
    other = rows(1).assign(enterprise="P123")
    with pytest.raises(ReportRejectedError) as info:
        submit_observations(store, "semi", other, "naura", as_of="2026-01")
    assert {p.code for p in info.value.problems} == {"forbidden"}
    assert all("not bound" in p.reason and p.column == "enterprise" for p in info.value.problems)
    submit_observations(store, "semi", other, "amec", as_of="2026-01")
    submit_observations(store, "semi", rows(1), "naura", as_of="2026-01")
    seen = read_observations(store, "semi", "naura")
    assert set(seen["entity"].str.split("|").str[-1]) == {"P115"}
    assert set(read_observations(store, "semi", "root")["entity"].str.split("|").str[-1]) == {"P115", "P123"}
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
    store.users.add("viewer", "viewer", "viewer-pw")
    with pytest.raises(ReportRejectedError):
        submit_observations(store, "semi", node_level, "viewer", as_of="2026-01")
    store.users.disable("naura")
    with pytest.raises(AccessDeniedError):
        read_observations(store, "semi", "naura")


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
    assert r.exit_code == 1
    assert "not bound" in r.stderr
    assert "other.csv, row 2, column 'enterprise'" in r.stderr
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
    submit_observations(store, "semi", rows(1).assign(enterprise="P123"), "amec", as_of="2026-01")
    r = runner.invoke(
        app, ["report-data", "list", "--project", "semi", "--as", "naura", "--format", "csv", "--db", db]
    )
    assert "P115" in r.stdout
    assert "P123" not in r.stdout


def test_one_bad_row_among_a_thousand_rejects_the_file(tmp_path, store):
    pairs = store.chains.load("semi").provisions
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
    assert "row 639, column 'value'" in r.stderr
    assert "outside the valid range" in r.stderr
    assert "1 problem found" in r.stderr
    assert read_observations(store, "semi", "root").empty


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
        submit_observations(store, "semi", frame, "naura", as_of="2026-06", source="upload.csv")
    p = info.value.problems[0]
    assert p.code == code
    assert p.row == 2
    assert p.source == "upload.csv"


def test_vectorized_rules_on_hand_made_series():
    ind = catalog()["inventory_days"]  # lower is worse
    values = np.array([[60, 50, 40], [60, 60, 6], [np.nan, 30, np.nan]], dtype=float)
    rule = ThresholdRule(id="t", indicator="inventory_days", levels={"I": 7, "III": 45})
    out = evaluate_series(rule, ind, np.array(["a", "b", "c"], dtype=object), values, ["m1", "m2", "m3"])
    # c's latest report (30, for m2) stands in m3
    assert dict(zip(out["entity"], out["level"], strict=True)) == {"a": "III", "b": "I", "c": "III"}
    assert out.set_index("entity").loc["c", "values"] == {"value": 30.0, "period": "m2", "as_of": "m3"}
    assert out.set_index("entity").loc["a", "values"] == {"value": 40.0, "period": "m3"}
    lead = catalog()["lead_time_days"]  # higher is worse
    hist = np.array([[30, 31, 29, 30, 32, 30, 31, 60.0]])
    z = ZScoreRule(id="z", indicator="lead_time_days", min_history=6, levels={"II": 4})
    out = evaluate_series(z, lead, np.array(["x"], dtype=object), hist, [f"m{i}" for i in range(8)])
    # median 30, MAD 1 -> z = (60 - 30) / 1.4826 = 20.2
    assert out.iloc[0]["level"] == "II"
    assert out.iloc[0]["values"]["z"] == pytest.approx(30 / 1.4826, rel=1e-6)


def test_unknown_user_and_role_errors(store):
    with pytest.raises(ChokepointError, match="no user named"):
        reporter(store, "nobody", "semi")
    with pytest.raises(ChokepointError, match="unknown role"):
        store.users.add("x", "boss", "p")
    assert store.users.verify_password("root", "root-pass")
    assert not store.users.verify_password("root", "wrong")


# ------------------------------------------------------------------ alerts an officer can read
N44_EN = "Tube-based diffusion and deposition tools"
N44_ZH = "管式扩散及沉积设备（炉管）"
ASCII_UNITS = re.compile(r"days|months|fraction|count|CNY|day\b|month\b")

READABLE_RULES = [
    {"id": "long-lead", "type": "threshold", "indicator": "lead_time_days", "levels": {"I": 180, "II": 120}},
    {"id": "backlog", "type": "threshold", "indicator": "order_backlog_months", "levels": {"II": 6}},
    {"id": "restricted", "type": "threshold", "indicator": "restricted_supply_share", "levels": {"II": 0.3}},
    {"id": "few-suppliers", "type": "threshold", "indicator": "qualified_suppliers", "levels": {"II": 1}},
    {"id": "price-up", "type": "rate", "indicator": "unit_price", "window": 2, "levels": {"II": 0.5}},
    {"id": "utilisation", "type": "threshold", "indicator": "capacity_utilisation", "levels": {"III": 0.5}},
]


def report(indicator: str, period: str, value: float, node: str = "N44") -> dict[str, object]:
    return {"indicator": indicator, "node": node, "enterprise": "P115", "period": period, "value": value}


@pytest.fixture
def readable(store):
    """Reports for 2026-08 and 2026-10, evaluated in 2026-12: every alert is about a past period."""
    store.rules.put("semi", READABLE_RULES, "root")
    frame = pd.DataFrame(
        [
            report("lead_time_days", "2026-10", 200),
            report("order_backlog_months", "2026-10", 8, node=""),
            report("restricted_supply_share", "2026-10", 0.35),
            report("qualified_suppliers", "2026-10", 1),
            report("unit_price", "2026-08", 100),
            report("unit_price", "2026-10", 160),
            report("capacity_utilisation", "2026-10", 0.4, node=""),
        ]
    )
    submit_observations(store, "semi", frame, "naura", as_of="2026-12")
    run = monitor_run(store, "semi", "2026-12")
    return run, {a["rule_id"]: a for a in store.alerts.list("semi")}


def test_alert_names_the_period_the_value_was_reported_for(readable):
    _, alerts = readable
    lead = alerts["long-lead"]
    assert lead["level"] == "I"
    assert lead["values"] == {"value": 200.0, "period": "2026-10", "as_of": "2026-12"}
    assert "200 days, reported for 2026-10" in lead["message_en"]
    assert "（2026-10报告期）" in lead["message_zh"]
    assert "2026-12" not in lead["message_en"]
    assert "2026-12" not in lead["message_zh"]
    # a rate rule names the periods it compares: the latest report and the base
    price = alerts["price-up"]
    assert price["values"]["period"] == "2026-10"
    assert price["values"]["base_period"] == "2026-08"
    assert price["values"]["as_of"] == "2026-12"
    assert price["values"]["change"] == pytest.approx(0.6)
    assert (
        "rose 60% in 2 months, from 100 CNY (2026-08) to 160 CNY, reported for 2026-10" in price["message_en"]
    )
    assert "2个月内上涨60%，由100元（2026-08）升至160元（2026-10报告期）" in price["message_zh"]


def test_alert_names_entities_by_name_in_both_languages(readable):
    run, alerts = readable
    lead = alerts["long-lead"]
    assert lead["entity"] == "N44|P115"
    assert lead["key"] == "long-lead|N44|P115"
    assert lead["message_en"].startswith(
        f"Lead time of NAURA (P115) for {N44_EN} (N44) is 200 days, reported for 2026-10"
    )
    assert lead["message_zh"].startswith(
        f"北方华创（P115）供应的{N44_ZH}（N44）交货周期为200天（2026-10报告期）"
    )
    assert lead["entity_name"] == f"NAURA for {N44_EN}"
    assert lead["entity_name_zh"] == f"北方华创供应的{N44_ZH}"
    backlog = alerts["backlog"]  # an enterprise indicator
    assert backlog["entity"] == "P115"
    assert backlog["entity_name"] == "NAURA"
    assert backlog["entity_name_zh"] == "北方华创"  # the Chinese name of the bundled data (names_zh.csv)
    assert backlog["message_en"].startswith("Order backlog of NAURA (P115) is 8 months, reported for 2026-10")
    assert backlog["message_zh"].startswith("北方华创（P115）订单积压为8个月（2026-10报告期）")
    assert all("N44|P115" not in a["message_en"] + a["message_zh"] for a in alerts.values())
    # the run's conditions carry the names too
    cond = run.conditions.set_index("rule_id")
    assert cond.loc["long-lead", "entity_name"] == f"NAURA for {N44_EN}"
    assert cond.loc["long-lead", "entity_name_zh"] == f"北方华创供应的{N44_ZH}"


def test_units_are_translated(readable):
    _, alerts = readable
    zh = {k: a["message_zh"] for k, a in alerts.items()}
    en = {k: a["message_en"] for k, a in alerts.items()}
    assert "受限国家供给占比为35%" in zh["restricted"]
    assert "is 35%, reported" in en["restricted"]
    assert "产能利用率为40%" in zh["utilisation"]
    assert "is 40%, reported" in en["utilisation"]
    assert "合格供应商数量为1家" in zh["few-suppliers"]
    assert "count of NAURA" in en["few-suppliers"]
    assert "is 1, reported" in en["few-suppliers"]  # a count has no unit word in English
    assert "订单积压为8个月" in zh["backlog"]
    assert "8 months" in en["backlog"]
    assert "160元" in zh["price-up"]
    assert "160 CNY" in en["price-up"]
    for rule, text in zh.items():
        assert not ASCII_UNITS.search(text), (rule, text)


def test_value_formats():
    cat = catalog()
    assert format_value(200, cat["lead_time_days"]) == "200 days"
    assert format_value(1, cat["lead_time_days"]) == "1 day"
    assert format_value(200, cat["lead_time_days"], "zh") == "200天"
    assert format_value(0.35, cat["restricted_supply_share"]) == "35%"
    assert format_value(0.355, cat["restricted_supply_share"], "zh") == "35.5%"
    assert format_value(3, cat["qualified_suppliers"], "zh") == "3家"
    assert format_value(1_500_000, cat["unit_price"]) == "1,500,000 CNY"  # never 1.5e+06
    assert format_value(12.5, cat["unit_price"], "zh") == "12.5元"
    assert format_value(8, cat["order_backlog_months"], "zh") == "8个月"
    assert all(i.unit_label_zh and not ASCII_UNITS.search(i.unit_label_zh) for i in cat.values())


def test_pure_evaluation_takes_a_name_lookup():
    lead = catalog()["lead_time_days"]
    names = {"N44": (N44_EN, N44_ZH), "P115": ("NAURA", "北方华创")}
    entities = np.array(["N44|P115", "N45|P9"], dtype=object)
    values = np.array([[200.0, np.nan, np.nan], [130.0, 140, 150]])
    rule = ThresholdRule(id="t", indicator="lead_time_days", levels={"I": 180, "II": 120})
    out = evaluate_series(
        rule, lead, entities, values, ["2026-10", "2026-11", "2026-12"], names=names
    ).set_index("entity")
    assert (
        out.loc["N44|P115", "message_zh"]
        == f"北方华创（P115）供应的{N44_ZH}（N44）交货周期为200天（2026-10报告期）（规则 t）"
    )
    assert out.loc["N44|P115", "entity_name_zh"] == f"北方华创供应的{N44_ZH}"
    # keys the lookup does not know are shown as keys
    assert (
        out.loc["N45|P9", "message_en"]
        == "Lead time of P9 for N45 is 150 days, reported for 2026-12 (rule t)"
    )
    assert out.loc["N45|P9", "values"] == {"value": 150.0, "period": "2026-12"}


def test_zscore_names_its_history():
    lead = catalog()["lead_time_days"]
    hist = np.array([[30, 31, 29, 30, 32, 30, 31, 60.0, np.nan]])
    periods = [f"2026-{m:02d}" for m in range(1, 10)]
    z = ZScoreRule(id="z", indicator="lead_time_days", min_history=6, levels={"II": 4})
    out = evaluate_series(
        z, lead, np.array(["N44|P115"], dtype=object), hist, periods, names={"P115": ("NAURA", "")}
    )
    v = out.iloc[0]["values"]
    assert v["period"] == "2026-08"
    assert v["as_of"] == "2026-09"
    assert v["history"] == 7
    assert (v["history_from"], v["history_to"]) == ("2026-01", "2026-07")
    assert "reported for 2026-08" in out.iloc[0]["message_en"]
    assert "above its history" in out.iloc[0]["message_en"]
    assert "高于自身历史20.2个稳健标准差（中位数30天，2026-01至2026-07共7期）" in out.iloc[0]["message_zh"]
    assert not ASCII_UNITS.search(out.iloc[0]["message_zh"])


def test_assessment_messages_name_levels_in_chinese():
    before = pd.DataFrame(
        {
            "name": ["EUV lithography tools"],
            "name_zh": ["EUV光刻机"],
            "level": ["II"],
            "has_alternative": [True],
        },
        index=pd.Index(["N20"], name="id"),
    ).assign(localization=0.5)
    after = before.assign(level="I", has_alternative=False, localization=0.1)
    rules = RuleSet.model_validate(
        {
            "rules": [
                {"id": "rise", "type": "assessment", "change": "level_rise"},
                {"id": "lost", "type": "assessment", "change": "alternative_lost"},
                {"id": "fall", "type": "assessment", "change": "localization_fall"},
            ]
        }
    ).rules
    out = {r.id: evaluate_assessment(r, before, after).iloc[0] for r in rules}  # type: ignore[arg-type]
    assert (
        out["rise"]["message_en"]
        == "EUV lithography tools (N20): level rose from II (orange) to I (red) (rule rise)"
    )
    assert out["rise"]["message_zh"] == "EUV光刻机（N20）：等级由橙色（II级）升至红色（I级）（规则 rise）"
    assert out["lost"]["message_zh"].startswith("EUV光刻机（N20）：最后一个替代来源")
    assert out["fall"]["message_zh"].startswith("EUV光刻机（N20）：国产化率由50%降至10%")
    for r in out.values():
        assert r["entity_name"] == "EUV lithography tools"
        assert r["entity_name_zh"] == "EUV光刻机"
        assert not re.search(r"[A-Za-z]{3,}", r["message_zh"].replace("EUV", "").split("（规则")[0])


def test_labels_of_levels_and_statuses():
    assert [level_label(lv, "zh") for lv in ("I", "II", "III", "IV")] == [
        "红色（I级）",
        "橙色（II级）",
        "黄色（III级）",
        "蓝色（IV级）",
    ]
    assert level_label("low", "zh") == "低风险"
    assert level_label("I") == "I (red)"
    assert [status_label(s, "zh") for s in ("open", "acknowledged", "resolved")] == [
        "待处理",
        "已确认",
        "已解决",
    ]


def test_cli_alerts_list_in_chinese(readable, store):
    db = str(store.url.removeprefix("sqlite:///"))
    lead_id = readable[1]["long-lead"]["id"]
    acknowledge_alert(store, "semi", lead_id, "root")
    runner = CliRunner()
    r = runner.invoke(app, ["alerts", "list", "--project", "semi", "--lang", "zh", "--db", db])
    assert r.exit_code == 0, r.output
    assert "待处理" in r.stdout
    assert "已确认" in r.stdout
    assert not re.search(r"\b(open|acknowledged)\b", r.stdout)
    assert f"北方华创（P115）供应的{N44_ZH}（N44）交货周期为200天（2026-10报告期）" in r.stdout
    assert not ASCII_UNITS.search(r.stdout)
    js = runner.invoke(
        app, ["alerts", "list", "--project", "semi", "--lang", "zh", "--format", "json", "--db", db]
    )
    rows = json.loads(js.stdout)
    assert {row["status"] for row in rows} == {"open", "acknowledged"}  # JSON keeps the codes (an API)
    assert {row["entity_name"] for row in rows} >= {"NAURA", f"NAURA for {N44_EN}"}
