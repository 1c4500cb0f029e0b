"""Issue 19: raw-material indicators against hand computations and the shipped data.

References: (1) a small table computed by hand below (GeoPolRisk of Gemechu et al. 2016 /
Koyamparambath et al. 2024, the EU supply risk of European Commission / JRC 2017, import
reliance, leverage), tolerance 1e-12; (2) three commodity-country-year cases of the shipped data
(World Mining Data 2022, CEPII BACI HS92, WGI) whose inputs are listed in the tests and
recomputed by hand, tolerance 1e-9; (3) the issue's done-when checks on the shipped data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from chokepoint.assess.governance import risk_from_estimate
from chokepoint.cli import app
from chokepoint.errors import InputFileError
from chokepoint.materials.data import MaterialsData
from chokepoint.materials.indicators import eu_governance_table, materials_indicators
from chokepoint.model.countries import expand_codes

DATA = Path(__file__).parent / "data" / "materials"


def _small() -> MaterialsData:
    prod = pd.DataFrame(
        [
            ("X", "A", 60.0),
            ("X", "B", 30.0),
            ("X", "H", 10.0),
            ("Y", "A", 50.0),
            ("Y", "B", 50.0),
        ],
        columns=["commodity", "iso3", "production"],
    )
    prod = prod.assign(year=2022, unit="metr. t", production_t=prod["production"], data_source="r")
    trade = pd.DataFrame(
        [("A", "H", 20.0, 40.0), ("B", "H", 10.0, 30.0), ("H", "C", 5.0, 10.0), ("A", "C", 15.0, 30.0)],
        columns=["exporter", "importer", "quantity", "value"],
    ).assign(year=2022, product="111111")
    return MaterialsData(
        production=prod[["commodity", "iso3", "year", "unit", "production", "production_t", "data_source"]],
        world_totals=pd.DataFrame(columns=["commodity", "year", "unit", "production"]),
        trade=trade[["year", "exporter", "importer", "product", "value", "quantity"]],
        commodity_hs=pd.DataFrame({"commodity": ["X"], "product": ["111111"]}),  # Y has no HS code
        commodities=pd.DataFrame(
            {"commodity": ["X", "Y"], "category": "c", "stage": "", "symbol": "", "eol_rir": [0.1, 0.0]}
        ),
        instability=pd.DataFrame(
            {"iso3": ["A", "B", "H"], "year": 2022, "estimate": 0.0, "instability": [0.8, 0.2, 0.1]}
        ),  # C has no score: the median, 0.2
    )


GOV = pd.DataFrame(
    {"iso3": ["A", "B", "H"], "year": 2022, "risk": [0.6, 0.2, 0.1]}
)  # g = 6, 2, 1; C: median 2


@pytest.fixture(scope="module")
def small():
    return materials_indicators(_small(), {"H": ["H"], "G": ["H", "B"]}, [2022], GOV).set_index(
        ["commodity", "home"]
    )


def test_single_country_home_by_hand(small):
    r = small.loc[("X", "H")]
    assert r["hhi_production"] == pytest.approx(0.36 + 0.09 + 0.01, abs=1e-12)  # 0.46
    assert r["top_producer"] == "A"
    assert r["home_production_share"] == pytest.approx(0.1, abs=1e-12)
    # imports 20 + 10, exports 5, apparent consumption 10 + 30 - 5 = 35
    assert (r["imports_t"], r["exports_t"], r["apparent_consumption_t"]) == (30, 5, 35)
    assert r["import_reliance"] == pytest.approx(25 / 35, abs=1e-12)
    assert r["partner_hhi"] == pytest.approx(5 / 9, abs=1e-12)
    assert (r["top_partner"], r["top_partner_share"]) == ("A", pytest.approx(2 / 3, abs=1e-12))
    # GeoPolRisk: (20 x 0.8 + 10 x 0.2) / (30 + 10) = 0.45, times HHI 0.46
    assert r["import_risk"] == pytest.approx(0.45, abs=1e-12)
    assert r["geopolrisk"] == pytest.approx(0.207, abs=1e-12)
    assert r["price_usd_per_kg"] == pytest.approx(70 / 30, abs=1e-12)
    assert r["characterization_factor"] == pytest.approx(0.207 * 70 / 30, abs=1e-12)
    # EU: global 0.36*6 + 0.09*2 + 0.01*1 = 2.35; sourcing (10 H, 20 A, 10 B of 40) 0.0625 + 1.5 + 0.125
    assert r["hhi_wgi_global"] == pytest.approx(2.35, abs=1e-12)
    assert r["hhi_wgi_sourcing"] == pytest.approx(1.6875, abs=1e-12)
    ir = 25 / 35
    assert r["supply_risk_eu"] == pytest.approx((2.35 * ir / 2 + 1.6875 * (1 - ir / 2)) * 0.9, abs=1e-12)
    # leverage: world flows 50, H exports 5 to C, whose import reliance is 1 (no production)
    assert r["home_export_share"] == pytest.approx(0.1, abs=1e-12)
    assert r["reliance_weighted_export_share"] == pytest.approx(0.1, abs=1e-12)
    assert r["leverage"] == pytest.approx(0.1, abs=1e-12)
    assert r["coverage"] == "production and trade"


def test_group_home_by_hand(small):
    r = small.loc[("X", "G")]  # members H and B: B -> H is inside the group
    assert r["home_production_share"] == pytest.approx(0.4, abs=1e-12)
    assert (r["imports_t"], r["exports_t"]) == (20, 5)
    assert r["import_reliance"] == pytest.approx(15 / 55, abs=1e-12)
    # GeoPolRisk: intra-group imports count in the denominator with weight 0: 16 / (30 + 40)
    assert r["import_risk"] == pytest.approx(16 / 70, abs=1e-12)
    # world flows without the group's internal 10: 40; exports 5 to C (reliance 1)
    assert r["home_export_share"] == pytest.approx(0.125, abs=1e-12)
    assert r["leverage"] == pytest.approx((0.4 + 0.125) / 2, abs=1e-12)


def test_no_hs_code_means_unknown_trade_never_zero(small):
    r = small.loc[("Y", "H")]
    assert r["hhi_production"] == pytest.approx(0.5, abs=1e-12)
    for col in (
        "imports_t",
        "import_reliance",
        "import_risk",
        "geopolrisk",
        "partner_hhi",
        "home_export_share",
    ):
        assert pd.isna(r[col]), col
    assert r["coverage"] == "production only (no trade data)"
    assert r["supply_risk_eu"] == pytest.approx(0.25 * 6 + 0.25 * 2, abs=1e-12)  # global supply only
    assert r["leverage"] == 0.0


# ------------------------------------------------------------------ the shipped data


@pytest.fixture(scope="module")
def data():
    from chokepoint.io.materials_files import read_materials_dir

    return read_materials_dir(DATA)


@pytest.fixture(scope="module")
def gov2022():
    from chokepoint.datasets.governance import wgi_frame

    return eu_governance_table(wgi_frame("wgi"), [2022])


def _real(data, gov, commodity, home, members=None):
    df = materials_indicators(data, {home: members or [home]}, [2022], gov)
    return df[df["commodity"] == commodity].iloc[0]


# WGI 2022 estimates used below (political stability for GeoPolRisk; six-dimension mean for the EU)
PV = {
    "CHE": 0.2677720546722412,
    "CZE": 0.3369117259979248,
    "GBR": 0.39921218156814575,
    "BRA": 0.5662931799888611,
}
MEAN = {
    "BRA": -0.2913142194,
    "CHN": -0.3332513161,
    "IND": -0.0674880327,
    "RUS": -1.0321157475,
    "ZAF": -0.1042625799,
    "KAZ": -0.3251783888,
    "JPN": 1.3746182919,
    "KOR": 0.9729290307,
    "CHE": 1.7013136347,
    "CZE": 1.0160805881,
    "GBR": 1.262820671,
}


def _g(code):
    return 10 * float(risk_from_estimate([MEAN[code]])[0])


def test_real_vanadium_ecuador_2022(data, gov2022):
    # World Mining Data 2022 vanadium (t): BRA 7249, CHN 78100, IND 50, RUS 21000, ZAF 8872.
    # BACI 2022 HS 282530 + 720292 into Ecuador (t): CHE 0.001, CZE 20.0, GBR 0.5; no exports, no production.
    prod = {"BRA": 7249.0, "CHN": 78100.0, "IND": 50.0, "RUS": 21000.0, "ZAF": 8872.0}
    w = sum(prod.values())
    hhi = sum((p / w) ** 2 for p in prod.values())
    imports = {"CHE": 0.001, "CZE": 20.0, "GBR": 0.5}
    m = sum(imports.values())
    import_risk = sum(q * PV[c] for c, q in imports.items()) / m
    r = _real(data, gov2022, "Vanadium (V)", "ECU")
    assert r["hhi_production"] == pytest.approx(hhi, rel=1e-9)
    assert r["import_reliance"] == 1.0
    assert r["import_risk"] == pytest.approx(import_risk, rel=1e-9)
    assert r["geopolrisk"] == pytest.approx(hhi * import_risk, rel=1e-9)
    glob = sum((p / w) ** 2 * _g(c) for c, p in prod.items())
    sourcing = sum((q / m) ** 2 * _g(c) for c, q in imports.items())
    eol = 0.06
    assert r["supply_risk_eu"] == pytest.approx((glob * 0.5 + sourcing * 0.5) * (1 - eol), rel=1e-9)


def test_real_asbestos_bolivia_2022(data, gov2022):
    # World Mining Data 2022 asbestos (t): BRA 182965, CHN 196000, KAZ 250100, RUS 629000.
    # BACI 2022 HS 252400 into Bolivia: BRA 512.026 t (396.102 thousand USD); no exports, no production.
    prod = {"BRA": 182965.0, "CHN": 196000.0, "KAZ": 250100.0, "RUS": 629000.0}
    w = sum(prod.values())
    hhi = sum((p / w) ** 2 for p in prod.values())
    r = _real(data, gov2022, "Asbestos", "BOL")
    assert r["hhi_production"] == pytest.approx(hhi, rel=1e-9)
    assert r["top_producer"] == "RUS"
    assert r["import_risk"] == pytest.approx(PV["BRA"], rel=1e-9)  # one partner, no production
    assert r["price_usd_per_kg"] == pytest.approx(396.102 / 512.026, rel=1e-9)
    glob = sum((p / w) ** 2 * _g(c) for c, p in prod.items())
    assert r["supply_risk_eu"] == pytest.approx((glob * 0.5 + _g("BRA") * 0.5) * (1 - 0.0), rel=1e-9)


def test_real_gallium_china_2022(data, gov2022):
    # World Mining Data 2022 gallium (t): CHN 606, RUS 5, JPN 3, KOR 2; no HS code, so no trade data.
    prod = {"CHN": 606.0, "RUS": 5.0, "JPN": 3.0, "KOR": 2.0}
    w = sum(prod.values())
    hhi = sum((p / w) ** 2 for p in prod.values())
    r = _real(data, gov2022, "Gallium", "CHN")
    assert r["hhi_production"] == pytest.approx(hhi, rel=1e-9)
    assert hhi > 0.9
    assert r["top_producer"] == "CHN"
    assert r["leverage"] == pytest.approx(606 / w, rel=1e-9)  # production share alone
    assert r["coverage"] == "production only (no trade data)"
    assert pd.isna(r["import_reliance"])
    glob = sum((p / w) ** 2 * _g(c) for c, p in prod.items())
    assert r["supply_risk_eu"] == pytest.approx(glob, rel=1e-9)


def test_chinas_leverage_puts_gallium_germanium_and_rare_earths_in_its_top_ten(data, gov2022):
    df = materials_indicators(data, {"CHN": ["CHN"]}, [2022], gov2022)
    top = df.sort_values(["leverage", "commodity"], ascending=[False, True]).head(10)["commodity"].tolist()
    assert {"Gallium", "Germanium", "Rare Earths (REO)"} <= set(top)


def test_eu27_cobalt_import_reliance_comes_from_baci_flows(data, gov2022):
    eu = list(expand_codes(["EU27"]))
    r = _real(data, gov2022, "Cobalt", "EU27", eu)
    # recomputed from the raw flows: extra-EU imports and exports of HS 282200 + 810510 in 2022
    t = data.trade[(data.trade["year"] == 2022) & data.trade["product"].isin(["282200", "810510"])]
    inside_j, inside_i = t["importer"].isin(eu), t["exporter"].isin(eu)
    m = t.loc[inside_j & ~inside_i, "quantity"].sum()
    x = t.loc[inside_i & ~inside_j, "quantity"].sum()
    p = data.production.query("commodity == 'Cobalt' and year == 2022 and iso3 in @eu")["production_t"].sum()
    assert r["imports_t"] == pytest.approx(m, rel=1e-9)
    assert r["import_reliance"] == pytest.approx((m - x) / (p + m - x), rel=1e-9)
    assert 0.8 < r["import_reliance"] < 1.0


def test_every_row_is_bounded_and_coverage_is_said(data, gov2022):
    df = materials_indicators(data, None, [2022], gov2022)
    for col in (
        "hhi_production",
        "import_reliance",
        "partner_hhi",
        "import_risk",
        "leverage",
        "home_production_share",
    ):
        v = df[col].dropna()
        assert ((v >= 0) & (v <= 1 + 1e-12)).all(), col
    no_trade = df["coverage"] != "production and trade"
    assert df.loc[no_trade, "import_reliance"].isna().all()
    assert df.loc[~no_trade, "imports_t"].notna().all()


def test_a_bad_production_cell_names_file_row_and_column(tmp_path):
    import shutil

    folder = tmp_path / "rm"
    shutil.copytree(DATA, folder)
    bad = folder / "world_mining_data_production_2018_2024.csv.gz"
    df = pd.read_csv(bad)
    df["production"] = df["production"].astype(object)
    df.loc[9, "production"] = "about 5"
    bad.unlink()
    df.to_csv(folder / "world_mining_data_production_2018_2024.csv", index=False)
    from chokepoint.io.materials_files import read_materials_dir

    with pytest.raises(InputFileError, match=r"row 11, column 'production': 'about 5' is not a number"):
        read_materials_dir(folder)


def test_cli_load_risk_leverage_and_a_failed_load_changes_nothing(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "m.db")
    r = runner.invoke(app, ["materials", "load", str(DATA), "--dataset", "rm", "--db", db])
    assert r.exit_code == 0, r.output
    assert "12 commodities have no HS code" in r.output
    r = runner.invoke(
        app,
        ["materials", "risk", "-d", "rm", "--home", "EU27", "--year", "2022", "--format", "json", "--db", db],
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) == 65
    need = {"commodity", "home", "year", "hhi_production", "import_reliance", "import_risk", "geopolrisk"}
    need |= {"supply_risk_eu", "leverage", "home_production_share", "coverage", "explanation"}
    assert need <= set(rows[0])
    r = runner.invoke(
        app,
        ["materials", "leverage", "-d", "rm", "--home", "CHN", "--year", "2022", "--lang", "zh", "--format",
         "json", "--top", "3", "--db", db],
    )  # fmt: skip
    top = json.loads(r.stdout)
    assert [t["rank"] for t in top] == [1, 2, 3]
    assert top[0]["name"] == "镓"
    assert "仅依据产量占比" in top[0]["explanation"]
    # a bad folder is refused and the stored dataset stays
    r = runner.invoke(app, ["materials", "load", str(tmp_path), "--dataset", "rm", "--db", db])
    assert r.exit_code != 0
    assert "no production file" in r.output
    listed = runner.invoke(app, ["materials", "list", "--format", "json", "--db", db])
    assert json.loads(listed.stdout)[0]["trade_rows"] == 356322


def test_a_materials_chain_is_assessed_run_through_an_export_stop_and_listed(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "m.db")
    assert runner.invoke(app, ["materials", "load", str(DATA), "-d", "rm", "--db", db]).exit_code == 0
    r = runner.invoke(
        app,
        [
            "materials",
            "chain",
            "-d",
            "rm",
            "--project",
            "rawmat",
            "--home",
            "EU27",
            "--year",
            "2022",
            "--db",
            db,
        ],
    )
    assert r.exit_code == 0, r.output
    assert "linked trade dataset 'rawmat'" in r.output
    a = runner.invoke(app, ["assess", "--project", "rawmat", "--format", "json", "--db", db])
    assert a.exit_code == 0, a.output
    doc = json.loads(a.stdout)
    rows = doc["nodes"] if isinstance(doc, dict) and "nodes" in doc else doc
    assert len(rows) >= 50
    spec = tmp_path / "chn.yaml"
    spec.write_text("name: chn-export-stop\nshocks:\n  - {type: blockade, country: CHN}\n", encoding="utf-8")
    s = runner.invoke(
        app, ["scenario", "run", str(spec), "--project", "rawmat", "--format", "json", "--db", db]
    )
    assert s.exit_code == 0, s.output
    result = json.loads(s.stdout)
    text = json.dumps(result, ensure_ascii=False)
    assert "Gallium" in text  # a Chinese export stop hits gallium (98% Chinese)
    out = tmp_path / "lists.xlsx"
    li = runner.invoke(app, ["lists", "--project", "rawmat", "--out", str(out), "--db", db])
    assert li.exit_code == 0, li.output
    assert out.stat().st_size > 0


def test_group_homes_are_the_members_border(data, gov2022):
    # a group of one is the country itself
    one = materials_indicators(data, {"X": ["DEU"]}, [2022], gov2022).drop(columns="home")
    deu = materials_indicators(data, {"DEU": ["DEU"]}, [2022], gov2022).drop(columns="home")
    pd.testing.assert_frame_equal(one, deu)
    assert np.isfinite(deu["hhi_production"]).all()
