"""Trade-flow dependency: hand-computed indicators, invariants, FAOSTAT wheat embargo, BACI sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.io.trade_files import hs_labels, read_baci, read_fao, unmatched_products
from chokepoint.trade import (
    dependency_screen,
    embargo,
    embargo_sweep,
    exporter_leverage,
    importer_indicators,
    world_concentration,
)

DATA = Path(__file__).parent / "data"


def flows(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(zip(["year", "exporter", "importer", "product", "value", "quantity"], r, strict=True))
            for r in rows
        ]
    )


# A: imports 60 from X, 30 from Y, 10 from Z; B imports 50 from X, 50 from Y; A exports 20 to B.
SMALL = flows(
    [
        (2021, "X", "A", "1001", 60.0, 6.0),
        (2021, "Y", "A", "1001", 30.0, 3.0),
        (2021, "Z", "A", "1001", 10.0, 1.0),
        (2021, "X", "B", "1001", 50.0, 5.0),
        (2021, "Y", "B", "1001", 50.0, 5.0),
        (2021, "A", "B", "1001", 20.0, 2.0),
    ]
)


def test_hand_computed_importer_indicators():
    df = importer_indicators(SMALL, restricted=["X"]).set_index("importer")
    a, b = df.loc["A"], df.loc["B"]
    assert a["imports"] == 100
    assert a["partners"] == 3
    assert a["hhi"] == pytest.approx(0.36 + 0.09 + 0.01, abs=1e-9)
    assert a["top1_share"] == pytest.approx(0.6)
    assert a["top1_partner"] == "X"
    assert a["top3_share"] == pytest.approx(1.0)
    assert a["restricted_share"] == pytest.approx(0.6)
    assert a["exports"] == 20
    assert a["imports_to_exports"] == pytest.approx(5.0)
    assert b["imports"] == 120
    assert b["hhi"] == pytest.approx((50 / 120) ** 2 * 2 + (20 / 120) ** 2, abs=1e-9)


def test_hand_computed_world_concentration_and_leverage():
    w = world_concentration(SMALL).iloc[0]
    # exports: X 110, Y 80, Z 10, A 20 of 220
    assert w["world_exports"] == 220
    assert w["top_exporter"] == "X"
    assert w["hhi"] == pytest.approx((110**2 + 80**2 + 10**2 + 20**2) / 220**2, abs=1e-9)
    assert not w["single_point_of_failure"]
    lev = exporter_leverage(SMALL).set_index("exporter")
    # X: world share 0.5; shares in A 0.6 and in B 50/120 -> mean dependence (0.6 + 0.41667) / 2
    assert lev.loc["X", "world_share"] == pytest.approx(0.5)
    assert lev.loc["X", "dependence"] == pytest.approx((0.6 + 50 / 120) / 2, abs=1e-9)
    assert lev.loc["X", "leverage"] == pytest.approx(0.5 * (0.6 + 50 / 120) / 2, abs=1e-9)


def test_hand_computed_screen_and_persistence():
    rows = []
    for year in (2019, 2020, 2021):
        rows += [
            (year, "CHN", "DEU", "8541", 90.0, 1.0),
            (year, "USA", "DEU", "8541", 10.0, 1.0),
            (year, "FRA", "DEU", "8541", 30.0 if year != 2020 else 300.0, 1.0),
            (year, "DEU", "USA", "8541", 5.0, 1.0),
        ]
    s = dependency_screen(flows(rows), ["DEU", "FRA"]).set_index("year")
    # extra-bloc imports 100 (CHN 90, USA 10): HHI 0.82; share 100 / 130 in 2019 and 2021, 100 / 400 in 2020
    assert s.loc[2019, "hhi_extra"] == pytest.approx(0.82, abs=1e-9)
    assert s.loc[2019, "extra_share"] == pytest.approx(100 / 130, abs=1e-9)
    assert list(s["dependent"]) == [True, False, True]
    assert s["persistent"].all()  # dependent in 2 of the last 3 years


def test_embargo_with_substitution():
    e = embargo(SMALL, ["X"], "1001", 2021, measure="value", spare=0.1).set_index("importer")
    # lost: A 60, B 50; spare 0.1 x (Y 80 + Z 10 + A 20) = 11, shared 60:50
    assert e.loc["A", "lost"] == 60
    assert e.loc["A", "lost_share"] == pytest.approx(0.6)
    assert e.loc["A", "substituted"] == pytest.approx(11 * 60 / 110)
    assert e.loc["B", "net_lost_share"] == pytest.approx((50 - 11 * 50 / 110) / 120)
    sweep = embargo_sweep(SMALL, "1001", 2021, measure="value").set_index("exporter")
    assert sweep.loc["X", "stopped"] == 110
    assert sweep.loc["X", "importers_over_half"] == 1


@st.composite
def random_flows(draw):
    countries = ["A", "B", "C", "D", "E"]
    rows = []
    for e in countries:
        for i in countries:
            if e != i and draw(st.booleans()):
                rows.append((2021, e, i, "1001", draw(st.floats(0.1, 100)), draw(st.floats(0.1, 100))))
    return flows(rows) if rows else flows([(2021, "A", "B", "1001", 1.0, 1.0)])


@settings(max_examples=50, deadline=None)
@given(random_flows())
def test_invariants_of_shares_and_hhi(f):
    ind = importer_indicators(f)
    f2 = f.copy()
    f2["s"] = f2["value"] / f2.groupby(["importer", "product", "year"])["value"].transform("sum")
    np.testing.assert_allclose(f2.groupby("importer")["s"].sum(), 1.0, atol=1e-12)
    assert (ind["hhi"] >= 1 / ind["partners"] - 1e-12).all()
    assert (ind["hhi"] <= 1 + 1e-12).all()
    assert (ind["hhi"] >= ind["top1_share"] ** 2 - 1e-12).all()


@settings(max_examples=50, deadline=None)
@given(
    random_flows(), st.lists(st.sampled_from(["A", "B", "C", "D", "E"]), unique=True, min_size=1, max_size=3)
)
def test_a_wider_embargo_never_lowers_any_loss_share(f, blocked):
    narrow = (
        embargo(f, blocked[:-1] or [], "1001", 2021).set_index("importer")["lost_share"]
        if len(blocked) > 1
        else None
    )
    wide = embargo(f, blocked, "1001", 2021).set_index("importer")["lost_share"]
    if narrow is not None:
        for imp, share in narrow.items():
            assert wide.get(imp, 0.0) >= share - 1e-12


def test_fao_wheat_russia_ukraine_stop():
    wheat = read_fao(DATA / "fao", crops=["wheat"])
    assert set(wheat["year"]) == {2019, 2020, 2021}
    assert set(wheat["product"]) == {"1001"}
    world = world_concentration(wheat).set_index("year")
    assert world.loc[2021, "top_exporter"] == "RUS"
    e = embargo(wheat, ["RUS", "UKR"], "1001", 2021)
    assert len(e) > 50
    assert e.iloc[0]["importer"] == "EGY"
    assert (e["lost_share"] > 0).all()
    assert (e["lost_share"] <= 1).all()
    tur = e.set_index("importer").loc["TUR"]
    assert tur["lost_share"] > 0.8


def test_baci_sample_loads_screens_and_reports_unknown_codes():
    b = read_baci(
        DATA / "baci" / "baci_hs92_2021_exporters_ZAF_AFG.csv",
        DATA / "baci" / "baci_country_codes_V202201.csv",
    )
    assert set(b["exporter"]) == {"ZAF", "AFG"}
    assert "ITA" in set(b["importer"])
    assert "TWN" in set(b["importer"])
    s = dependency_screen(b, ["DEU", "FRA", "ITA"])
    assert len(s) > 100
    assert s["dependent"].any()
    unknown = unmatched_products(b, hs_labels(DATA / "hs" / "harmonized-system.csv"))
    assert unknown
    assert all(len(c) == 6 for c in unknown)
    assert set(unknown) <= set(b["product"])


def test_cli_trade(tmp_path):
    import json

    from typer.testing import CliRunner

    from chokepoint.cli import app

    db = str(tmp_path / "t.db")
    runner = CliRunner()

    def cli(*args):
        r = runner.invoke(app, [*args, "--db", db])
        assert r.exit_code == 0, r.output
        return r

    cli("trade", "load", str(DATA / "fao"), "--dataset", "staples", "--layout", "fao", "--crops", "wheat")
    rows = json.loads(
        cli(
            "trade",
            "embargo",
            "--dataset",
            "staples",
            "--exporters",
            "RUS,UKR",
            "--product",
            "1001",
            "--year",
            "2021",
            "--format",
            "json",
            "--top",
            "200",
        ).stdout
    )
    assert rows[0]["importer"] == "EGY"
    assert len(rows) > 50
    dep = json.loads(
        cli(
            "trade",
            "dependencies",
            "--dataset",
            "staples",
            "--home",
            "EGY",
            "--product",
            "1001",
            "--years",
            "2019-2021",
            "--restricted",
            "RUS",
            "--format",
            "json",
        ).stdout
    )
    assert [d["year"] for d in dep] == [2019, 2020, 2021]
    assert dep[0]["top1_partner"] == "RUS"
    screen = cli("trade", "screen", "--dataset", "staples", "--bloc", "EGY", "--format", "csv").stdout
    assert screen.startswith("product,year,hhi_extra")
    sweep = json.loads(
        cli(
            "trade",
            "embargo",
            "--dataset",
            "staples",
            "--product",
            "1001",
            "--year",
            "2021",
            "--sweep",
            "--format",
            "json",
        ).stdout
    )
    assert sweep[0]["exporter"] == "RUS"
    assert "staples" in cli("trade", "list").stdout
    bad = runner.invoke(
        app, ["trade", "load", str(DATA / "fao"), "--dataset", "x", "--layout", "baci", "--db", db]
    )
    assert bad.exit_code == 2
    assert "--codes" in bad.stderr
