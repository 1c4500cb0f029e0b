"""Scenarios over time: inventories, ramp-up, time-to-survive/recover, Monte Carlo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.assess import Perspective
from chokepoint.datasets import load_semiconductors
from chokepoint.model.chain import ChainMap
from chokepoint.scenario import Scenario
from chokepoint.scenario.dynamics import DynamicsConfig, run_dynamic
from chokepoint.scenario.montecarlo import MonteCarloConfig, monte_carlo

P = Perspective.from_codes("CHN", "JPN")


def chain() -> ChainMap:
    """X: JPN 60%, DEU 40%; F needs X."""
    return ChainMap(
        nodes=pd.DataFrame(
            [
                {"id": "X", "name": "Input X", "kind": "material"},
                {"id": "F", "name": "Final F", "kind": "product"},
            ]
        ),
        edges=pd.DataFrame([{"source": "X", "target": "F", "kind": "input_of"}]),
        actors=pd.DataFrame(
            [{"id": c, "name": c, "kind": "country", "country": c} for c in ("JPN", "DEU", "CHN")]
        ),
        provisions=pd.DataFrame(
            [
                {"actor": "JPN", "node": "X", "share": 0.6, "year": 2025},
                {"actor": "DEU", "node": "X", "share": 0.4, "year": 2025},
            ]
        ),
    )


def blockade(start=5, duration=50, depth=1.0) -> Scenario:
    return Scenario.model_validate(
        {
            "shocks": [
                {"type": "blockade", "country": "JPN", "start": start, "duration": duration, "depth": depth}
            ]
        }
    )


def test_hand_computed_inventory_and_ramp_up():
    cfg = DynamicsConfig(
        days=100, inventory_days={"X": 10}, spare_capacity={"DEU": 0.5}, switching_days={"DEU": 30}
    )
    r = run_dynamic(chain(), blockade(depth=1.0), P, cfg)
    x = r.curves(["X"])["X"].to_numpy()
    # supply loss 0.6 on days 5-34; DEU adds 0.4 x 0.5 = 0.2 from day 35 (onset 5 + 30): loss 0.4 to day 54.
    # 10 days of stock at 0.6 a day cover days 5-20 (9.6 days) and 0.4 of day 21.
    expected = np.ones(100)
    expected[21] = 0.8
    expected[22:35] = 0.4
    expected[35:55] = 0.6
    np.testing.assert_allclose(x, expected, atol=1e-12)
    np.testing.assert_allclose(r.curves(["F"])["F"].to_numpy(), expected, atol=1e-12)
    times = r.times().set_index("id")
    assert times.loc["X", "time_to_survive"] == 16
    assert times.loc["X", "time_to_recover"] == 50
    assert r.lost_final_value == pytest.approx(0.2 + 13 * 0.6 + 20 * 0.4)


def test_inventory_delays_the_loss_by_exactly_its_days():
    full = Scenario.model_validate({"shocks": [{"type": "blockade", "country": "JPN", "start": 5}]})
    c = chain()
    c.provisions.loc[c.provisions["actor"] == "DEU", "share"] = 0.0  # JPN is the only real source
    c.provisions.loc[c.provisions["actor"] == "JPN", "share"] = 1.0
    for days in (0, 7, 30):
        r = run_dynamic(c, full, P, DynamicsConfig(days=80, inventory_days={"X": days}))
        assert r.times().set_index("id").loc["X", "time_to_survive"] == days


def test_alternative_source_restores_supply_after_its_switching_time():
    c = chain()
    cfg = DynamicsConfig(days=60, spare_capacity={"DEU": 1.5}, switching_days={"DEU": 12})
    x = run_dynamic(c, blockade(start=0, duration=None), P, cfg).curves(["X"])["X"].to_numpy()
    assert np.allclose(x[:12], 0.4)
    assert np.allclose(x[12:], 1.0)


def test_weekly_steps_match_daily_totals_for_whole_weeks():
    cfg_d = DynamicsConfig(days=70, step=1)
    cfg_w = DynamicsConfig(days=70, step=7)
    s = blockade(start=0, duration=28)
    assert run_dynamic(chain(), s, P, cfg_w).lost_final_value == pytest.approx(
        run_dynamic(chain(), s, P, cfg_d).lost_final_value
    )


def test_demo_netherlands_blockade_with_lithography_inventory():
    s = Scenario.model_validate({"shocks": [{"type": "blockade", "country": "NLD", "duration": 180}]})
    r = run_dynamic(
        load_semiconductors(),
        s,
        Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN"),
        DynamicsConfig(days=240, inventory_days={"N19": 60}),
    )
    litho = r.curves(["N19"])["N19"].to_numpy()
    assert np.all(litho[:60] == 1.0)
    assert litho[60] < 1.0
    assert np.all(litho[180:] == 1.0)  # and ends with the blockade


def test_final_value_curve_by_hand_and_sums_to_the_lost_final_value():
    # hand-computed: JPN holds 60% of X, blocked from day 5 for 50 days, no inventory: F loses 60%
    # on days 5..54 and nothing else; one final product, so the share lost is F's loss
    r = run_dynamic(chain(), blockade(), P, DynamicsConfig(days=80))
    curve = r.final_value_curve()
    expected = np.where((np.arange(80) >= 5) & (np.arange(80) < 55), 0.6, 0.0)
    np.testing.assert_allclose(curve, expected, atol=1e-12)
    assert curve.sum() * r.config.step * r.final_value.sum() == pytest.approx(r.lost_final_value, rel=1e-12)


def test_monte_carlo_is_reproducible_and_summarizes():
    demo = load_semiconductors()
    p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    cfg = DynamicsConfig(days=182, step=7)
    a = monte_carlo(demo, p, MonteCarloConfig(runs=30, seed=11), cfg, batch=8)
    b = monte_carlo(demo, p, MonteCarloConfig(runs=30, seed=11), cfg, batch=5)
    np.testing.assert_array_equal(a.lost_value, b.lost_value)
    assert a.value_at_risk_95 >= a.expected_loss > 0
    assert len(a.worst_runs(3)) == 3
    assert a.most_critical(3)["share_of_runs_critical"].between(0, 1).all()
    # the histogram holds every run, its edges span the observed range (numpy.histogram)
    hist = a.loss_distribution(bins=6)
    assert sum(hist["counts"]) == 30
    assert len(hist["edges"]) == 7
    assert hist["edges"][0] == a.lost_value.min()
    assert hist["edges"][-1] == a.lost_value.max()
    c = monte_carlo(demo, p, MonteCarloConfig(runs=30, seed=12), cfg)
    assert not np.array_equal(a.lost_value, c.lost_value)


def test_longer_shocks_never_lower_expected_loss():
    demo = load_semiconductors()
    p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    cfg = DynamicsConfig(days=364, step=7)
    short = monte_carlo(demo, p, MonteCarloConfig(runs=20, seed=3, median_duration=45), cfg)
    long = monte_carlo(demo, p, MonteCarloConfig(runs=20, seed=3, median_duration=120), cfg)
    assert np.all(long.lost_value >= short.lost_value - 1e-9)
    assert long.expected_loss >= short.expected_loss


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 30), st.integers(1, 60), st.integers(0, 40), st.floats(0.1, 1.0), st.integers(0, 20))
def test_property_a_longer_shock_never_lowers_loss(start, duration, extra, depth, inventory):
    cfg = DynamicsConfig(days=120, inventory_days={"X": inventory})
    a = run_dynamic(chain(), blockade(start, duration, depth), P, cfg).lost_final_value
    b = run_dynamic(chain(), blockade(start, duration + extra, depth), P, cfg).lost_final_value
    assert b >= a - 1e-9


def test_cli_over_time_and_montecarlo(tmp_path):
    import json

    from typer.testing import CliRunner

    from chokepoint.cli import app

    db = str(tmp_path / "s.db")
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--db", db]).exit_code == 0
    f = tmp_path / "nld.yaml"
    f.write_text("name: nld\nshocks:\n  - {type: blockade, country: NLD, duration: 180}\n", encoding="utf-8")
    plot = tmp_path / "curves.png"
    r = runner.invoke(
        app,
        [
            "scenario",
            "run",
            str(f),
            "--project",
            "semiconductors",
            "--days",
            "240",
            "--inventory",
            "N19=60",
            "--format",
            "json",
            "--plot",
            str(plot),
            "--db",
            db,
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    times = {n["id"]: n for n in doc["nodes"]}
    assert times["N19"]["time_to_survive"] == 60
    assert times["N19"]["time_to_recover"] == 180
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = runner.invoke(
        app,
        [
            "scenario",
            "run",
            str(f),
            "--project",
            "semiconductors",
            "--days",
            "10",
            "--inventory",
            "N19",
            "--db",
            db,
        ],
    )
    assert bad.exit_code == 2
    assert "NODE=DAYS" in bad.stderr
    out = tmp_path / "mc.xlsx"
    r = runner.invoke(
        app,
        [
            "scenario",
            "montecarlo",
            "--project",
            "semiconductors",
            "--runs",
            "12",
            "--seed",
            "4",
            "--days",
            "84",
            "--out",
            str(out),
            "--db",
            db,
        ],
    )
    assert r.exit_code == 0, r.output
    assert "95% value-at-risk" in r.stdout
    from openpyxl import load_workbook

    assert load_workbook(out).sheetnames == ["Cover", "Most critical", "Worst runs", "Runs"]
