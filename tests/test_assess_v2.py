"""Assessment v2 (issue 17): hierarchy-aware ranking, concentration and governance, substitutability
as a degree, evidence bases (data, proxy, expert, derived), absolute levels and stability.

The acceptance checks run on the bundled ETO chain from China's perspective (USA, JPN, NLD, KOR,
TWN restricted) and from the US perspective (CHN restricted), through the same service path as
``chokepoint assess`` (governance: the bundled WGI six-dimension mean).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chokepoint.assess import Perspective, assess
from chokepoint.assess.governance import GovernanceTable
from chokepoint.cli import app
from chokepoint.datasets import load_semiconductors
from chokepoint.datasets.governance import load_governance
from chokepoint.model.chain import ChainMap
from chokepoint.service import experts as experts_svc
from chokepoint.service.assessment import assess_project, stability_report
from chokepoint.store import Store
from parity.experts import fill_sheet

CHINA = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
PARENTS = {"N19", "N60", "N61", "N48", "N36", "N47", "N6", "N126"}


@pytest.fixture(scope="module")
def china():
    return assess(load_semiconductors(), CHINA, governance=load_governance("wgi"))


@pytest.fixture(scope="module")
def cli_doc(tmp_path_factory):
    db = tmp_path_factory.mktemp("v2") / "v2.db"
    store = Store(db)
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", CHINA.to_dict())
    out = CliRunner().invoke(app, ["assess", "-p", "semi", "--format", "json", "--db", str(db)])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_no_parent_ranks_among_the_leaves(china):
    ranked = set(china.frame["id"])
    groups = {g["id"] for g in china.group_records()}
    assert groups >= PARENTS
    assert not ranked & groups
    assert len(ranked) == 105


def test_the_chokepoint_list_is_short_and_the_top_has_no_ties(china):
    f = china.frame
    assert int(f["level"].isin(["I", "II"]).sum()) <= 30
    assert f["score"].head(15).round(3).nunique() == 15


def test_json_records_carry_levels_groups_and_evidenced_components(cli_doc):
    assert cli_doc["version"] == 2
    assert cli_doc["governance"].startswith("wgi")
    names = {"restricted_share", "concentration", "governance", "substitutability", "gap", "threshold"}
    for r in cli_doc["nodes"]:
        assert r["level"] in ("I", "II", "III", "IV", "low", "insufficient_data")
        comps = {c["name"]: c for c in r["components"]}
        assert names | {"criticality"} <= set(comps)
        for c in comps.values():
            assert c["basis"] in ("data", "proxy", "expert", "reported", "derived")
            assert {"value", "coverage"} <= set(c)
    euv = next(r for r in cli_doc["nodes"] if r["id"] == "N20")
    assert euv["group"] == "N19"
    assert {g["kind"] for g in cli_doc["groups"]} == {"group"}
    assert all(g["score"] is None for g in cli_doc["groups"])
    litho = next(g for g in cli_doc["groups"] if g["id"] == "N19")
    assert "N20" in litho["members"]


def test_levels_are_the_same_strings_in_chinese(tmp_path):
    store = Store(tmp_path / "zh.db")
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", CHINA.to_dict())
    out = CliRunner().invoke(
        app, ["assess", "-p", "semi", "--format", "json", "--lang", "zh", "--db", str(store.url)]
    )
    assert out.exit_code == 0, out.output
    levels = {r["level"] for r in json.loads(out.stdout)["nodes"]}
    assert levels <= {"I", "II", "III", "IV", "low", "insufficient_data"}


def test_from_the_us_the_inputs_china_dominates_lead():
    a = assess(load_semiconductors(), Perspective.from_codes("USA", "CHN"), governance=load_governance("wgi"))
    f = a.frame
    dominated = set(f.loc[f["restricted_share"] > 0.5, "id"])
    assert len(dominated) == 2
    assert set(f["id"].head(2)) == dominated


def test_the_explanation_names_the_decisive_components(china):
    text = china.explanation("N20")
    assert "one supplier country, Netherlands (NLD), at 100%" in text
    assert "no qualified alternative" in text
    assert "rest on proxies only" in text
    zh = china.explanation("N20", "zh")
    assert "单一供给国荷兰（NLD）占100%" in zh
    assert "无合格替代来源" in zh


def test_stability_of_the_top_is_reported_in_both_languages(china):
    rep = stability_report(china)
    assert rep.n_weightings == 36
    assert 0 < rep.jaccard_min <= rep.jaccard_mean <= 1
    assert -1 <= rep.tau_min <= rep.tau_mean <= 1
    assert "Jaccard" in "\n".join(rep.lines("en"))
    assert "Jaccard" in "\n".join(rep.lines("zh"))
    assert list(rep.top_ids)[:15] == list(china.frame["id"].head(15))


def test_cli_stability_flag(tmp_path):
    store = Store(tmp_path / "s.db")
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", CHINA.to_dict())
    out = CliRunner().invoke(
        app, ["assess", "-p", "semi", "--top", "5", "--stability", "--db", str(store.url)]
    )
    assert out.exit_code == 0, out.output
    assert "Kendall" in out.stdout


def test_the_expert_panel_is_the_gap_basis(tmp_path):
    store = Store(tmp_path / "e.db")
    store.chains.save("semi", load_semiconductors())
    template = experts_svc.write_template(store, "semi", tmp_path / "t.xlsx")
    sheets = [
        fill_sheet(template, tmp_path / f"{k}.xlsx", name, {"N20": {"gap": g}})
        for k, (name, g) in enumerate((("Zhang San", 2), ("Li Si", 4), ("Wang Wu", 5)))
    ]
    experts_svc.import_sheets(store, "semi", sheets, "analyst")
    a = assess_project(store, "semi", CHINA)
    comps = {c["name"]: c for c in a.components_of("N20")}
    assert comps["gap"]["basis"] == "expert"
    assert comps["gap"]["evidence"].startswith("expert (n=3)")
    assert comps["gap"]["value"] == pytest.approx(0.75)  # median of 2, 4, 5 on 1-5 -> 4 -> 0.75
    assert "expert (n=3)" in a.explanation("N20")
    assert a.row("N20")["gap_basis"] == "expert"


def test_governance_table_is_the_bundled_wgi_with_a_documented_missing_value():
    g = load_governance("wgi")
    assert g is not None
    assert 0 < g.missing_value < 1
    assert g.missing_value == pytest.approx(float(np.median(list(g.risk.values()))))


# ------------------------------------------------------------------ invariants
def one_node_chain(shares: dict[str, float], extra_nodes=(), extra_edges=(), extra_prov=()) -> ChainMap:
    countries = ("CHN", "USA", "JPN", "DEU", "FRA", "BRA", "IND")
    nodes = pd.DataFrame(
        [
            {"id": "X", "name": "Input X", "kind": "material"},
            {"id": "F", "name": "Final F", "kind": "product", "market_size": 1.0},
            *extra_nodes,
        ]
    )
    edges = pd.DataFrame([{"source": "X", "target": "F", "kind": "input_of"}, *extra_edges])
    actors = pd.DataFrame([{"id": c, "name": c, "kind": "country", "country": c} for c in countries])
    prov = pd.DataFrame(
        [{"actor": c, "node": "X", "share": s, "year": 2025} for c, s in shares.items()] + list(extra_prov)
    )
    return ChainMap(nodes=nodes, edges=edges, actors=actors, provisions=prov)


FOREIGN = ("USA", "JPN", "DEU", "FRA", "BRA", "IND")
share_sets = st.dictionaries(
    st.sampled_from(FOREIGN), st.floats(0.01, 0.3), min_size=1, max_size=len(FOREIGN)
)


def table(risk: dict[str, float]) -> GovernanceTable:
    return GovernanceTable("test", 2024, risk, 0.5, "test")


@settings(max_examples=60, deadline=None)
@given(share_sets, st.sampled_from(FOREIGN), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_a_higher_governance_risk_never_lowers_exposure(shares, country, low, high):
    low, high = sorted((low, high))
    p = Perspective.from_codes("CHN", "USA")
    chain = one_node_chain(shares)
    base = {c: 0.3 for c in FOREIGN}
    a = assess(chain, p, governance=table({**base, country: low})).row("X")
    b = assess(chain, p, governance=table({**base, country: high})).row("X")
    assert b["exposure"] >= a["exposure"] - 1e-12


@settings(max_examples=60, deadline=None)
@given(share_sets)
def test_splitting_a_supplier_into_two_equal_suppliers_never_raises_concentration(shares):
    p = Perspective.from_codes("CHN", "USA")
    first = next(iter(shares))
    if first == "IND" or "IND" in shares:
        return
    split = {**shares, first: shares[first] / 2, "IND": shares[first] / 2}
    gov = table({c: 0.3 for c in FOREIGN})
    a = assess(one_node_chain(shares), p, governance=gov).row("X")
    b = assess(one_node_chain(split), p, governance=gov).row("X")
    assert b["concentration"] <= a["concentration"] + 1e-12


@settings(max_examples=40, deadline=None)
@given(share_sets, st.floats(0.01, 0.9), st.one_of(st.none(), st.floats(0, 720)))
def test_a_substitute_with_a_qualified_home_provider_never_raises_the_score(shares, home_share, days):
    p = Perspective.from_codes("CHN", "USA")
    plain = one_node_chain(shares)
    sub_node = [{"id": "S", "name": "Substitute S", "kind": "material"}]
    edge = {"source": "S", "target": "X", "kind": "substitute_for"}
    if days is not None:
        edge["switching_days"] = days
    prov = [{"actor": "CHN", "node": "S", "share": home_share, "year": 2025}]
    with_sub = one_node_chain(shares, sub_node, [edge], prov)
    gov = table({c: 0.3 for c in FOREIGN})
    a = assess(plain, p, governance=gov).row("X")
    b = assess(with_sub, p, governance=gov).row("X")
    assert b["score"] <= a["score"] + 1e-12
    assert b["substitutability"] >= a["substitutability"]


def test_docs_state_the_formulas_and_the_basis_table():
    text = (Path(__file__).resolve().parents[1] / "docs" / "assessment.md").read_text(encoding="utf-8")
    for fragment in ("JRC", "HHI", "substitutability", "expert (n=", "| gap |"):
        assert fragment in text


# ---------------------------------------------------------- import reliance (trade data)
def test_trade_data_replace_world_shares_for_nodes_with_hs_codes(tmp_path):
    """Hand computation: X's world shares say USA 70%, but CHN's own 2021 imports of HS 8486
    come 30 from JPN, 10 from USA and 60 from DEU (value), 2020 ignored, CHN->CHN dropped:
    restricted share 0.1, concentration 0.3² + 0.1² + 0.6² = 0.46."""
    from chokepoint.assess.trade_basis import home_import_shares
    from chokepoint.service.assessment import assess_project as assess_stored

    chain = one_node_chain({"USA": 0.7, "JPN": 0.3})
    nodes = chain.nodes.copy()
    nodes["hs_codes"] = [("8486",), ()]
    chain = ChainMap(nodes=nodes, edges=chain.edges, actors=chain.actors, provisions=chain.provisions)
    flows = pd.DataFrame(
        [
            (2021, "JPN", "CHN", "848620", 30.0, 1.0),
            (2021, "USA", "CHN", "848690", 10.0, 1.0),
            (2021, "DEU", "CHN", "848610", 60.0, 1.0),
            (2021, "USA", "FRA", "848620", 500.0, 1.0),  # not the home economy's import
            (2021, "CHN", "CHN", "848620", 99.0, 1.0),  # domestic
            (2020, "USA", "CHN", "848620", 900.0, 1.0),  # an earlier year
            (2021, "USA", "CHN", "940320", 77.0, 1.0),  # another product
        ],
        columns=["year", "exporter", "importer", "product", "value", "quantity"],
    )
    p = Perspective.from_codes("CHN", "USA", "JPN")
    basis = home_import_shares(chain, flows, p.home, source="chips")
    assert basis.year == 2021
    assert dict(zip(basis.code, basis.share, strict=True)) == pytest.approx(
        {"DEU": 0.6, "JPN": 0.3, "USA": 0.1}
    )
    gov = table({c: 0.3 for c in FOREIGN})
    world = assess(chain, p, governance=gov).row("X")
    traded = assess(chain, p, governance=gov, trade=basis)
    row = traded.row("X")
    assert world["restricted_share_upper"] == pytest.approx(0.7)
    assert row["restricted_share_upper"] == pytest.approx(0.1, abs=1e-12)
    assert row["concentration"] == pytest.approx(0.46, abs=1e-12)
    assert row["hhi_country_risk_weighted"] == pytest.approx(0.46 * 0.3, abs=1e-12)
    comps = {c["name"]: c for c in traded.components_of("X")}
    assert "home imports 2021 (trade dataset chips)" in comps["restricted_share"]["evidence"]
    assert "home economy's own imports, 10% from restricted countries" in traded.explanation("X")
    assert "本国2021年进口" in traded.explanation("X", "zh")

    # the same through the store, as `chokepoint assess --trade-dataset chips`
    store = Store(tmp_path / "t.db")
    store.chains.save("x", chain)
    store.trade_datasets.save("chips", flows, "comtrade")
    a = assess_stored(store, "x", p, trade_dataset="chips", governance="none")
    assert a.row("X")["restricted_share_upper"] == pytest.approx(0.1, abs=1e-12)


# ------------------------------------------------------- reported data (数据直报)
def test_reported_sourcing_replaces_the_world_share_in_the_monitor_run(tmp_path):
    """Two enterprises report N44's restricted supply share (0.2 and 0.4; the earlier 0.9 of one is
    superseded by its later report): the median 0.3 replaces the restricted share read from world
    shares, with basis reported, and the routine re-assessment (monitor run) uses it."""
    from chokepoint.service import monitoring as mon
    from chokepoint.service.assessment import assess_project as assess_stored

    store = Store(tmp_path / "r.db")
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective("semi", CHINA.to_dict())
    store.users.add("admin", "admin", "admin-pw")
    rows = pd.DataFrame(
        [
            {
                "indicator": "restricted_supply_share",
                "node": "N44",
                "enterprise": "P115",
                "period": "2026-01",
                "value": 0.9,
            },
            {
                "indicator": "restricted_supply_share",
                "node": "N44",
                "enterprise": "P115",
                "period": "2026-02",
                "value": 0.2,
            },
            {
                "indicator": "restricted_supply_share",
                "node": "N44",
                "enterprise": "P123",
                "period": "2026-02",
                "value": 0.4,
            },
            {
                "indicator": "inventory_days",
                "node": "N44",
                "enterprise": "P115",
                "period": "2026-02",
                "value": 45,
            },
        ]
    )
    before = assess_stored(store, "semi", CHINA).row("N44")["restricted_share_upper"]
    mon.submit_observations(store, "semi", rows, "admin", source="test", as_of="2026-02")
    a = assess_stored(store, "semi", CHINA)
    assert before != pytest.approx(0.3)
    assert a.row("N44")["restricted_share_upper"] == pytest.approx(0.3)
    comps = {c["name"]: c for c in a.components_of("N44")}
    assert comps["restricted_share"]["basis"] == "reported"
    assert comps["restricted_share"]["evidence"].startswith("reported (n=2)")
    text = a.explanation("N44")
    assert "reported: restricted share 30% (2 enterprises), inventory 45 days" in text
    assert "企业直报：受限国家供给占比30%（2家企业），库存45天" in a.explanation("N44", "zh")
    run = mon.monitor_run(store, "semi", "2026-02")
    snap = store.alerts.snapshot("semi", run.snapshot_id)
    assert snap.loc["N44", "score"] == pytest.approx(a.row("N44")["score"], abs=1e-9)
