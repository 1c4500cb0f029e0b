"""Input-output core: textbook example by hand, pymrio's test system, extraction vs re-solving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chokepoint.macro import IOSystem

TWO = pd.DataFrame({"region": ["r", "r"], "sector": ["agriculture", "manufacturing"]})


def textbook() -> IOSystem:
    """Miller and Blair, two sectors: Z = [[150, 500], [200, 100]], f = [350, 1700], x = [1000, 2000]."""
    return IOSystem(Z=np.array([[150.0, 500.0], [200.0, 100.0]]), Y=np.array([350.0, 1700.0]), labels=TWO)


def test_textbook_by_hand():
    io = textbook()
    np.testing.assert_allclose(io.x, [1000, 2000])
    np.testing.assert_allclose(io.A, [[0.15, 0.25], [0.2, 0.05]], atol=1e-12)
    det = 0.85 * 0.95 - 0.25 * 0.2  # 0.7575
    np.testing.assert_allclose(io.L, np.array([[0.95, 0.25], [0.2, 0.85]]) / det, atol=1e-12)
    np.testing.assert_allclose(io.solve(io.y), io.x, atol=1e-9)
    # Ghosh from L equals the inverse of I - B
    np.testing.assert_allclose(io.G, np.linalg.inv(np.eye(2) - io.B), atol=1e-12)
    link = io.linkages()
    col = io.L.sum(axis=0)
    np.testing.assert_allclose(link["backward"], 2 * col / col.sum(), atol=1e-12)


def test_extraction_closed_form_matches_re_solving():
    rng = np.random.default_rng(0)
    n = 12
    Z = rng.uniform(0, 10, (n, n))
    io = IOSystem(
        Z=Z,
        Y=rng.uniform(20, 50, (n, 2)),
        labels=pd.DataFrame({"region": ["a"] * 6 + ["b"] * 6, "sector": [f"s{i}" for i in range(n)]}),
    )
    closed = io.extraction("total")["loss"].to_numpy()
    naive = np.array([io.naive_extraction(j) for j in range(n)])
    np.testing.assert_allclose(closed, naive, rtol=1e-8)
    for j in (0, 5):  # backward-only and forward-only against re-solving with a column / row of A removed
        A = io.A.copy()
        A[:, j] = 0
        x_b = np.linalg.solve(np.eye(n) - A, io.y)
        assert io.extraction("backward")["loss"].iloc[j] == pytest.approx(io.x.sum() - x_b.sum(), rel=1e-8)
        A = io.A.copy()
        A[j, :] = 0
        x_f = np.linalg.solve(np.eye(n) - A, io.y)
        assert io.extraction("forward")["loss"].iloc[j] == pytest.approx(io.x.sum() - x_f.sum(), rel=1e-8)
    # a whole region at once (Woodbury) equals removing its sectors and re-solving
    members = np.arange(6)
    keep = np.arange(6, n)
    x_keep = np.linalg.solve(np.eye(6) - io.A[np.ix_(keep, keep)], io.y[keep])
    assert io.extract_set(members).sum() == pytest.approx(io.x.sum() - x_keep.sum(), rel=1e-8)
    by_region = io.extraction_by_region().set_index("region")
    assert by_region.loc["a", "loss"] == pytest.approx(io.x.sum() - x_keep.sum(), rel=1e-8)


def test_inoperability_static_dynamic_and_cap():
    io = textbook()
    c = np.array([0.1, 0.0])
    q = io.inoperability(c)
    np.testing.assert_allclose(q, np.linalg.solve(np.eye(2) - io.A_star, c), atol=1e-12)
    assert io.economic_loss(q) == pytest.approx(io.x @ q)
    path = io.dynamic_inoperability(c, recovery=0.5, steps=200)
    np.testing.assert_allclose(path[-1], q, atol=1e-9)  # converges to the static solution
    capped = io.inoperability(np.zeros(2), capped={0: 0.3})
    assert capped[0] == 0.3
    assert capped[1] == pytest.approx(io.A_star[1, 0] * 0.3 / (1 - io.A_star[1, 1]))


def test_matches_pymrio_on_its_test_system():
    pymrio = pytest.importorskip("pymrio")
    from chokepoint.io.macro_files import from_pymrio

    mrio = pymrio.load_test()
    mrio.calc_all(include_ghosh=True)
    io = from_pymrio(pymrio.load_test())
    np.testing.assert_allclose(io.x, mrio.x.to_numpy().ravel(), rtol=1e-10)
    np.testing.assert_allclose(io.A, mrio.A.to_numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(io.L, mrio.L.to_numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(io.G, mrio.G.to_numpy(), rtol=1e-10, atol=1e-12)
    ours = io.multipliers("emissions").to_numpy()
    np.testing.assert_allclose(ours, mrio.emissions.M.to_numpy(), rtol=1e-10)


def test_bea_summary_use_table_loads_and_gives_linkages():
    from pathlib import Path

    from chokepoint.io.macro_files import read_bea_summary_use

    io = read_bea_summary_use(
        Path(__file__).parent / "data" / "bea" / "IOUse_Before_Redefinitions_PRO_1997-2015_Summary.xlsx", 2015
    )
    assert io.n == 71
    assert io.labels.iloc[0]["sector"] == "111CA"
    assert (io.x > 0).sum() >= 70
    np.testing.assert_allclose(io.solve(io.y), io.x, rtol=1e-9)
    link = io.linkages()
    assert link["backward"].mean() == pytest.approx(1.0)
    assert link["key_sector"].any()
    farms = io.extraction("total").set_index("sector").loc["111CA"]
    assert farms["loss"] > io.x[0]  # extracting farms costs more than their own output


def test_store_and_cli_round_trip(tmp_path):
    import json

    from typer.testing import CliRunner

    from chokepoint.cli import app

    pytest.importorskip("pymrio")
    db = str(tmp_path / "io.db")
    runner = CliRunner()
    r = runner.invoke(app, ["macro", "load", "--test", "--dataset", "mrio", "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["macro", "extract", "--dataset", "mrio", "--format", "json", "--db", db])
    rows = json.loads(r.stdout)
    assert len(rows) == 48
    assert rows[0]["loss"] >= rows[-1]["loss"]
    r = runner.invoke(
        app, ["macro", "extract", "--dataset", "mrio", "--by", "region", "--format", "csv", "--db", db]
    )
    assert r.exit_code == 0
    assert r.stdout.startswith("region,")
    assert (
        runner.invoke(
            app, ["macro", "linkages", "--dataset", "mrio", "--out", str(tmp_path / "l.xlsx"), "--db", db]
        ).exit_code
        == 0
    )
    shock = tmp_path / "shock.yaml"
    shock.write_text("demand:\n  reg1/food: 0.1\ncaps:\n  reg2/mining: 0.5\n", encoding="utf-8")
    r = runner.invoke(
        app, ["macro", "shock", str(shock), "--dataset", "mrio", "--format", "json", "--db", db]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["economic_loss"] > 0
    assert doc["sectors"][0]["inoperability"] <= 1
    assert "mrio" in runner.invoke(app, ["macro", "list", "--db", db]).stdout


def test_io_is_a_deprecated_alias_of_macro(tmp_path):
    from typer.testing import CliRunner

    from chokepoint.cli import app
    from chokepoint.service.macro import load_dataset
    from chokepoint.store import Store

    pytest.importorskip("pymrio")
    db = str(tmp_path / "io.db")
    load_dataset(Store(db), "mrio", test=True)
    runner = CliRunner()
    old = runner.invoke(app, ["io", "linkages", "--dataset", "mrio", "--format", "csv", "--db", db])
    new = runner.invoke(app, ["macro", "linkages", "--dataset", "mrio", "--format", "csv", "--db", db])
    assert old.exit_code == 0
    assert old.stdout == new.stdout
    assert old.stdout.startswith("region,sector")
    assert "deprecated" in old.stderr
    assert "chokepoint macro" in old.stderr
    assert len(old.stderr.splitlines()) == 1
    assert "deprecated" not in new.stderr
    assert "Deprecated alias of `chokepoint macro`" in runner.invoke(app, ["io", "--help"]).output


def test_sector_tagged_nodes_get_macro_criticality():
    from chokepoint.assess import Perspective, assess
    from chokepoint.macro.link import macro_criticality
    from chokepoint.model.chain import ChainMap

    io = textbook()  # agriculture, manufacturing in region r
    nodes = pd.DataFrame(
        [
            {"id": "W", "name": "Wheat", "kind": "material", "tags": "sector:r/agriculture"},
            {"id": "T", "name": "Tractor", "kind": "equipment", "tags": "sector:manufacturing"},
            {"id": "F", "name": "Bread", "kind": "product"},
        ]
    )
    edges = pd.DataFrame(
        [
            {"source": "W", "target": "F", "kind": "input_of"},
            {"source": "T", "target": "F", "kind": "input_of"},
        ]
    )
    actors = pd.DataFrame([{"id": c, "name": c, "kind": "country", "country": c} for c in ("CHN", "USA")])
    prov = pd.DataFrame([{"actor": "USA", "node": n, "share": 1.0, "year": 2025} for n in ("W", "T")])
    chain = ChainMap(nodes=nodes, edges=edges, actors=actors, provisions=prov)
    macro = macro_criticality(chain, io)
    assert macro["T"] == pytest.approx(1.0)
    # the extraction multiplier beyond the sector itself, (Σ_i L_iW - L_WW) / L_WW, by hand on this
    # two-sector table, divided by the largest (docs/assessment.md, "Macro criticality")
    assert macro["W"] == pytest.approx((0.2 / 0.95) / (0.25 / 0.85))
    p = Perspective.from_codes("CHN", "USA")
    base, linked = assess(chain, p), assess(chain, p, macro=macro)
    i = chain.index.node_position("W")
    assert linked.components["criticality"][i] == pytest.approx(
        0.5 * base.components["criticality"][i] + 0.5 * macro["W"]
    )
    assert "F" not in macro
