"""Issue 18, item 3: supply constraints (rationing, mixed, Ghosh) and ``macro shock --model``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.errors import UsageError
from chokepoint.macro import IOSystem
from chokepoint.macro.rationing import ghosh, mixed, rationing, supply_shock


def two_sectors() -> IOSystem:
    """Energy (0) sells 40 to manufacturing (1) and 60 to final demand; manufacturing sells 100 to
    final demand. x = (100, 100), A = [[0, 0.4], [0, 0]].
    """
    labels = pd.DataFrame({"region": ["r", "r"], "sector": ["energy", "manuf"]})
    return IOSystem(np.array([[0.0, 40.0], [0.0, 0.0]]), np.array([60.0, 100.0]), labels)


def test_hand_example_customer_of_a_capped_sector_loses_output():
    """Energy capped at 50 %: capacity 50 against orders 100, so every user gets r = 0.5
    (manufacturing 20 of 40, final demand 30 of 60). Manufacturing needs 0.4 energy per unit:
    it can make 20 / 0.4 = 50, so output (50, 50), loss (50, 50), final demand served (30, 50).
    The old A* model (x^-1 A x = A here) leaves manufacturing whole: q = (0.5, 0).
    """
    io = two_sectors()
    r = rationing(io, {0: 0.5})
    np.testing.assert_allclose(r.output, [50.0, 50.0])
    np.testing.assert_allclose(r.loss, [50.0, 50.0])
    np.testing.assert_allclose(r.final_demand, [30.0, 50.0])
    np.testing.assert_allclose(io.inoperability(np.zeros(2), {0: 0.5}), [0.5, 0.0])
    # mixed model: energy fixed at 50, manufacturing keeps 100, energy's final demand 50 - 40 = 10
    m = mixed(io, {0: 0.5})
    np.testing.assert_allclose(m.output, [50.0, 100.0])
    np.testing.assert_allclose(m.final_demand, [10.0, 100.0])
    # Ghosh: dv = (50, 0), dx = G^T dv = (50, 0.4 * 50 = 20)
    g = ghosh(io, {0: 0.5})
    np.testing.assert_allclose(g.output, [50.0, 80.0])


def test_three_sector_chain_and_demand_shock():
    """A chain 0 -> 1 -> 2 (each sells 50 to the next, 50 to final demand; sector 2 sells 100 to
    final demand): capping sector 0 at 40 % cuts 1 and 2 to 60 % of their output too.
    """
    Z = np.array([[0.0, 50.0, 0.0], [0.0, 0.0, 50.0], [0.0, 0.0, 0.0]])
    y = np.array([50.0, 50.0, 100.0])
    io = IOSystem(Z, y, pd.DataFrame({"region": ["r"] * 3, "sector": ["a", "b", "c"]}))
    r = rationing(io, {0: 0.4})
    np.testing.assert_allclose(r.output / io.x, [0.6, 0.6, 0.6])
    assert r.iterations <= io.n + 1
    # no cap: the demand-driven solution L y'
    c = np.array([0.0, 0.0, 0.1])
    np.testing.assert_allclose(rationing(io, None, c).output, io.solve(io.y - c * io.x))


def _random_system(seed: int, n: int) -> IOSystem:
    rng = np.random.default_rng(seed)
    Z = rng.uniform(0, 10, (n, n)) * (rng.uniform(size=(n, n)) < 0.6)
    y = rng.uniform(1, 20, n)
    labels = pd.DataFrame({"region": ["r"] * n, "sector": [f"s{i}" for i in range(n)]})
    return IOSystem(Z, y, labels)


@pytest.mark.parametrize("seed", range(5))
def test_conservation(seed):
    io = _random_system(seed, 6)
    kappa = np.random.default_rng(seed + 100).uniform(0, 0.8, io.n) * (np.arange(io.n) < 2)
    c = np.full(io.n, 0.05)
    r = rationing(io, kappa, c)
    assert (r.output <= (1 - kappa) * io.x + 1e-9).all()
    assert (r.output >= -1e-9).all()
    assert (r.final_demand <= io.y + 1e-9).all()
    assert (r.final_demand >= 0).all()
    # balanced: output = intermediate use + final demand served
    np.testing.assert_allclose(r.output, io.A @ r.output + r.final_demand, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(r.loss, io.x - r.output)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    cap=st.floats(0.0, 1.0),
    extra=st.floats(0.0, 1.0),
    sector=st.integers(0, 4),
)
def test_a_tighter_cap_never_raises_any_output(seed, cap, extra, sector):
    io = _random_system(seed, 5)
    tighter = min(1.0, cap + extra)
    loose = rationing(io, {sector: cap}).output
    tight = rationing(io, {sector: tighter}).output
    assert (tight <= loose + 1e-9 * (1 + io.x)).all()


def test_bad_model_and_cap_are_refused():
    io = two_sectors()
    with pytest.raises(UsageError, match="model"):
        supply_shock(io, {0: 0.5}, model="magic")
    with pytest.raises(UsageError, match="cap"):
        rationing(io, {0: 1.5})


def test_cli_shock_with_model(tmp_path):
    from typer.testing import CliRunner

    from chokepoint.cli import app

    pytest.importorskip("pymrio")
    db = str(tmp_path / "io.db")
    runner = CliRunner()
    r = runner.invoke(app, ["macro", "load", "--test", "--dataset", "mrio", "--db", db])
    assert r.exit_code == 0, r.output
    shock = tmp_path / "shock.yaml"
    shock.write_text("demand:\n  reg1/food: 0.1\ncaps:\n  reg2/mining: 0.5\n", encoding="utf-8")
    docs = {}
    for model in ("rationing", "mixed", "ghosh"):
        args = ["macro", "shock", str(shock), "--dataset", "mrio", "--model", model]
        r = runner.invoke(app, [*args, "--format", "json", "--top", "100", "--db", db])
        assert r.exit_code == 0, r.output
        docs[model] = json.loads(r.stdout)
    rows = {(s["region"], s["sector"]): s for s in docs["rationing"]["sectors"]}
    assert rows[("reg2", "mining")]["inoperability"] == pytest.approx(0.5, abs=0.06)
    assert all(0 <= s["inoperability"] <= 1 for s in rows.values())
    assert all(s["final_demand"] >= 0 for s in rows.values())
    # customers of mining lose output under rationing, not under the demand-side mixed model
    assert docs["rationing"]["economic_loss"] > docs["mixed"]["economic_loss"]
    r = runner.invoke(app, ["macro", "shock", str(shock), "--dataset", "mrio", "--model", "nope", "--db", db])
    assert r.exit_code != 0
    assert "model" in r.output + r.stderr
