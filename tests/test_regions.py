"""Regions (issue 26): ISO 3166-2 provinces, actor locations, region tables, a region's footprint
in a chain against a hand table, the region view on the demo chain, and the leading chain.

The region fixture (``tests/regions_fixture.py``) is ILLUSTRATIVE: its cities, parks and
locations are made up for tests.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from chokepoint.assess import Perspective
from chokepoint.assess.regional import (
    downstream_reach,
    leading_chain_indicators,
    region_dependencies,
    region_footprint,
)
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import ChainValidationError, NotFoundError, UsageError
from chokepoint.model.chain import chain_from_frames
from chokepoint.model.regions import check_region_table, iso_subdivisions, location_reason, within
from chokepoint.service.assessment import assess_project
from chokepoint.service.regions import (
    import_regions,
    leading_chain,
    locate_actors,
    region_record,
    region_view,
)
from chokepoint.store import Store
from regions_fixture import LOCATIONS, region_table

P = Perspective.from_codes("CHN", "USA,JPN,NLD")


def test_provinces_come_from_iso_3166_2_with_chinese_names_and_without_hk_mo_tw():
    provinces = iso_subdivisions("CHN")
    assert len(provinces) == 31  # 22 provinces, 5 autonomous regions, 4 municipalities
    names = provinces.set_index("code")
    assert (names.at["CN-ZJ", "name"], names.at["CN-ZJ", "name_zh"]) == ("Zhejiang", "浙江省")
    assert names.at["CN-NM", "name"] == "Inner Mongolia"
    assert names.at["CN-GX", "name_zh"] == "广西壮族自治区"
    assert not {"CN-HK", "CN-MO", "CN-TW"} & set(provinces["code"])  # HKG, MAC, TWN in chain maps


@pytest.mark.parametrize(
    ("location", "kind", "country", "expected"),
    [
        ("CN-ZJ", "enterprise", "CHN", ""),
        ("CN-ZJ-HZ-HT1", "institution", "CHN", ""),
        ("", "enterprise", "CHN", ""),
        ("CN-ZJ", "country", "CHN", "only organisations are located below a country"),
        ("Zhejiang", "enterprise", "CHN", "is not a location code"),
        ("US-CA", "enterprise", "CHN", "'US-CA' lies in USA, not in the actor's country 'CHN'"),
        ("CN-TW", "enterprise", "CHN", "Taiwan carry their own country code"),
        ("CN-XX", "enterprise", "CHN", "'CN-XX' is not an ISO 3166-2 subdivision of CHN"),
        ("US-CA", "enterprise", "USA", ""),
    ],
)
def test_a_location_is_an_iso_subdivision_of_the_actors_own_country(location, kind, country, expected):
    reason = location_reason(location, kind, country)
    assert (reason == "") if not expected else (expected in reason)


def test_within_is_a_prefix_test_on_whole_segments():
    codes = pd.Series(["CN-ZJ", "CN-ZJ-HZ", "CN-ZJ-HZ-HT1", "CN-ZJX", "CN-JS", ""])
    assert within(codes, "CN-ZJ").tolist() == [True, True, True, False, False, False]
    assert within(codes, "CN-ZJ-HZ").tolist() == [False, True, True, False, False, False]


def test_a_chain_with_a_bad_location_names_the_row_and_column_and_imports_nothing(tmp_path):
    from chokepoint.service.projects import import_chain

    folder = tmp_path / "chain"
    folder.mkdir()
    (folder / "nodes.csv").write_text("id,name,kind\nN1,Wafers,material\n", encoding="utf-8")
    (folder / "actors.csv").write_text(
        "id,name,kind,country,location\nE1,Ok,enterprise,CHN,CN-ZJ\nE2,Bad,enterprise,CHN,CN-TW\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "s.db")
    with pytest.raises(ChainValidationError) as err:
        import_chain(store, "p", folder)
    (problem,) = err.value.problems
    assert (problem.row, problem.column, problem.code) == (3, "location", "unknown_location")
    assert "CN-TW" in problem.reason
    assert not store.projects.exists("p")


def test_a_region_table_lands_whole_or_not_at_all_with_row_and_column_errors(tmp_path):
    store = Store(tmp_path / "s.db")
    good = tmp_path / "regions.csv"
    region_table().to_csv(good, index=False)
    assert import_regions(store, good)["regions"] == 18
    bad = tmp_path / "bad.csv"
    pd.DataFrame(
        [
            {"code": "CN-ZJ-WZ", "name": "Wenzhou", "level": "city", "parent": "CN-ZJ"},
            {"code": "CN-ZJ-WZ-P1", "name": "A park", "level": "park", "parent": "CN-ZJ-XX"},
            {"code": "CN-JS-NJ-P2", "name": "Misplaced", "level": "park", "parent": "CN-ZJ-HZ"},
            {"code": "CN-ZJ-WZ", "name": "Twice", "level": "city", "parent": "CN-ZJ"},
            {"code": "CN-ZJ-JX", "name": "", "level": "town", "parent": "CN-ZJ", "park_type": "x"},
        ]
    ).to_csv(bad, index=False)
    with pytest.raises(ChainValidationError) as err:
        import_regions(store, bad)
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(3, "parent"), (4, "code"), (5, "code"), (6, "name"), (6, "level"), (6, "park_type")}
    assert "first on row 2" in next(p.reason for p in err.value.problems if p.row == 5)
    assert len(store.regions.table()) == 18  # nothing of the bad table
    # a table may name a parent stored before
    later = pd.DataFrame(
        [{"code": "CN-ZJ-HZ-P9", "name": "Later park", "level": "park", "parent": "CN-ZJ-HZ"}]
    )
    _, problems = check_region_table(later, "later.csv", known=set(store.regions.table()["code"]))
    assert problems == []


def _hand_chain() -> tuple:
    """A chain whose shares are written out in the test (the hand table below)."""
    nodes = pd.DataFrame(
        {
            "id": ["A", "B", "C", "D", "E"],
            "name": ["Tools", "Gas", "Masks", "Resist", "Chips"],
            "kind": "material",
            "market_size": [100.0, 50.0, None, 30.0, 400.0],
        }
    )
    edges = pd.DataFrame({"source": ["B", "D", "A"], "target": ["A", "A", "E"], "kind": "input_of"})
    actors = pd.DataFrame(
        {
            "id": ["Z1", "J1", "H1", "U1", "G1", "CHN", "Z2"],
            "name": ["Zhe One", "Jiang One", "Home One", "US One", "DE One", "China", "Zhe Two"],
            "kind": ["enterprise"] * 5 + ["country", "enterprise"],
            "country": ["CHN", "CHN", "CHN", "USA", "DEU", "CHN", "CHN"],
            "location": ["CN-ZJ-HZ", "CN-JS", "", "", "", "", "CN-ZJ"],
        }
    )
    rows = [
        ("Z1", "A", 0.2), ("J1", "A", 0.1), ("H1", "A", 0.1), ("U1", "A", 0.4), ("G1", "A", 0.1),  # u = 0.1
        ("CHN", "B", 0.3),  # country level only
        ("Z1", "C", None), ("U1", "C", 0.5),  # Zhejiang provides with an unknown share
        ("U1", "D", 0.8), ("J1", "D", 0.2),
        ("Z2", "E", 0.6), ("U1", "E", 0.6),  # known shares sum to 1.2: scaled to 0.5 / 0.5
    ]  # fmt: skip
    provisions = pd.DataFrame(rows, columns=["actor", "node", "share"]).assign(year=2024)
    return chain_from_frames({"nodes": nodes, "edges": edges, "actors": actors, "provisions": provisions})


def test_the_footprint_of_a_region_matches_the_hand_table():
    """Reference: the shares written out by hand in ``_hand_chain`` (tolerance 1e-12)."""
    chain = _hand_chain()
    fp = region_footprint(chain, "CN-ZJ", P, strong_share=0.1).set_index("node")
    a = fp.loc["A"]
    expected = {
        "region_share": 0.2, "home_elsewhere": 0.1, "home_unlocated": 0.1, "foreign": 0.5,
        "restricted": 0.4, "unknown": 0.1, "region_upper": 0.2 + 0.1 + 0.1, "region_of_home": 0.2 / 0.4,
    }  # fmt: skip
    for k, v in expected.items():
        assert math.isclose(a[k], v, abs_tol=1e-12), k
    assert a["hosted"]
    assert a["strong"]
    assert a["leads_home"]
    assert not a["region_partial"]
    assert a["providers"] == ("Z1",)
    b = fp.loc["B"]  # country-level shares only: the region's share is unknown, bounded by China's
    assert not b["hosted"]
    assert math.isnan(b["region_share"])
    assert math.isclose(b["region_upper"], 0.3)
    c = fp.loc["C"]  # a provider of unknown share: hosted, share a lower bound
    assert c["hosted"]
    assert c["region_partial"]
    assert c["region_share"] == 0.0
    assert not c["strong"]
    assert math.isclose(c["region_upper"], 0.5)
    assert math.isclose(c["unknown"], 0.5)
    e = fp.loc["E"]
    assert math.isclose(e["region_share"], 0.5)
    assert math.isclose(e["restricted"], 0.5)
    assert e["providers"] == ("Z2",)
    # a city of the region holds only its own organisations
    city = region_footprint(chain, "CN-ZJ-HZ", P).set_index("node")
    assert math.isclose(city.at["A", "region_share"], 0.2)
    assert city.at["E", "region_share"] == 0.0
    assert math.isclose(city.at["E", "home_elsewhere"], 0.5)


def test_dependencies_of_hosted_nodes_say_where_their_inputs_come_from():
    chain = _hand_chain()
    fp = region_footprint(chain, "CN-ZJ", P)
    deps = region_dependencies(chain, fp).set_index("input")
    assert set(deps.index) == {"B", "D"}  # inputs of A; E's input A is hosted
    assert deps.at["B", "depends_on"] == "unknown"  # B has country-level shares only
    assert deps.at["D", "depends_on"] == "restricted"  # 0.8 from the USA, 0.2 from Jiangsu
    assert math.isclose(deps.at["D", "home_outside"], 0.2)


def test_the_leading_chain_indicators_against_a_hand_computation():
    """Project one is the hand chain; project two the same chain with Zhejiang out of A and E."""
    one = _hand_chain()
    actors = one.actors.assign(location=lambda f: np.where(f["id"] == "Z1", "CN-JS", f["location"]))
    two = chain_from_frames(
        {"nodes": one.nodes, "edges": one.edges, "actors": actors, "provisions": one.provisions}
    )
    fps = {name: (c, region_footprint(c, "CN-ZJ", P)) for name, c in (("one", one), ("two", two))}
    table = leading_chain_indicators(fps).set_index("project")
    # value share: sum m_i r_i / sum m_i over nodes with a market size and a known region share
    # (A 100, B unknown share, C no market size, D 30, E 400): one (100*.2 + 30*0 + 400*.5)/530
    assert math.isclose(table.at["one", "value_share"], (100 * 0.2 + 400 * 0.5) / 530)
    assert math.isclose(table.at["one", "value_coverage"], 530 / 580)
    assert math.isclose(table.at["two", "value_share"], (400 * 0.5) / 530)
    # reach: strong in A and E (one) -> downstream of them, E (from A): 1 of the 3 other nodes
    assert math.isclose(table.at["one", "reach"], downstream_reach(one, fps["one"][1]["strong"].to_numpy()))
    assert math.isclose(table.at["one", "reach"], 0.0)  # E is strong itself: nothing else downstream
    # leaders: nodes with a known home share A, D, E; the largest home provider is in Zhejiang at
    # A and E for one, at E only for two (Z1 moved to Jiangsu)
    assert math.isclose(table.at["one", "leaders"], 2 / 3)
    assert math.isclose(table.at["two", "leaders"], 1 / 3)
    assert table.at["one", "rank"] == 1
    assert table.at["two", "rank"] == 2


@pytest.fixture
def demo(tmp_path):
    store = Store(tmp_path / "demo.db")
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective(
        "semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD", "KOR", "TWN"]}
    )
    locations = tmp_path / "locations.csv"
    pd.DataFrame({"actor": list(LOCATIONS), "location": list(LOCATIONS.values())}).to_csv(
        locations, index=False
    )
    assert locate_actors(store, "semi", locations)["located"] == len(LOCATIONS)
    yield store
    store.close()


def test_the_region_view_of_the_demo_chain_shows_hosted_nodes_and_shares(demo):
    """Shanghai (AMEC, SMEE, SMIC located there by the fixture): each hosted node's share equals
    AMEC's or SMEE's organisation-level share of the node's latest year (read from the chain)."""
    p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    a = assess_project(demo, "semi", p)
    view = region_view(demo, "semi", "CN-SH", a, "en")
    assert view["region"]["name"] == "Shanghai"
    hosted = {n["node"]: n for n in view["nodes"]}
    chain = demo.chains.load("semi")
    prov = chain.provisions
    shanghai = prov[prov["actor"].isin(["P123", "P70", "P37"])]
    categories = {c["node"] for c in view["categories"]}
    assert set(hosted) | categories == set(shanghai["node"])
    assert not set(hosted) & categories  # a category is never listed beside its members
    assert categories == {"N48", "N103", "N109", "N129"}
    for node, rows in shanghai[shanghai["node"].isin(hosted)].groupby("node"):
        latest = rows[rows["year"] == rows["year"].max()]
        known = latest["share"].dropna().sum()
        year = latest["year"].max()  # every organisation's known share that year, scaled to 1 when above
        orgs = set(chain.actors.loc[~chain.actors["kind"].isin(("country", "region")), "id"])
        org = prov[(prov["node"] == node) & (prov["year"] == year) & prov["actor"].isin(orgs)]
        scale = max(1.0, org["share"].dropna().sum())
        assert hosted[node]["region_share"] == pytest.approx(known / scale, abs=1e-4), node
    assert hosted["N51"]["strong"]
    assert hosted["N51"]["providers"] == [{"id": "P123", "name": "AMEC"}]
    assert hosted["N33"]["region_partial"]
    assert hosted["N33"]["region_upper"] == 1.0
    assert view["summary"]["located_organisations"] == 3
    assert view["summary"]["home_unlocated"] == view["summary"]["home_organisations"] - len(LOCATIONS)
    assert {c["id"] for c in view["dashboard"]["chokepoints"]} <= set(hosted) | {
        d["input"] for d in view["dependencies"]
    }
    zh = region_view(demo, "semi", "CN-SH", a, "zh")
    assert zh["region"]["name"] == "上海市"
    assert zh["nodes"][0]["providers"][0]["name"] == "中微公司"
    assert "区域份额" in zh["basis"]
    json.dumps(view)  # JSON-ready


def test_the_region_view_refuses_a_region_outside_the_home_and_an_unknown_code(demo):
    a = assess_project(demo, "semi", Perspective.from_codes("USA", "CHN"))
    with pytest.raises(UsageError, match="use --home CHN"):
        region_view(demo, "semi", "CN-SH", a)
    with pytest.raises(NotFoundError, match="no region 'CN-ZJ-XX'"):
        region_record(demo, "CN-ZJ-XX")


def test_locations_land_whole_or_not_at_all(demo, tmp_path):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"actor": ["P115", "P999", "P45"], "location": ["CN-ZJ", "CN-ZJ", "CN-ZJ"]}).to_csv(
        bad, index=False
    )
    with pytest.raises(ChainValidationError) as err:
        locate_actors(demo, "semi", bad)
    assert [(p.row, p.column) for p in err.value.problems] == [
        (3, "actor"),
        (4, "location"),
    ]  # P45: ASML, NLD
    assert demo.chains.load("semi").actors.set_index("id").at["P115", "location"] == "CN-BJ"  # unchanged


def test_locating_writes_the_location_column_alone_and_moves_the_version(demo, tmp_path):
    before = demo.chains.load("semi").actors.set_index("id")
    # a concurrent edit of another field of the same actor, after the file was read
    edited = before.loc[["P115"]].reset_index()
    edited["name_zh"] = "北方华创（已核）"
    demo.chains.save("semi", chain_from_frames({"actors": edited}), merge=True)
    version = demo.projects.version("semi")
    assert demo.chains.set_locations("semi", {"P115": "CN-SH", "P116": ""}) == 2
    after = demo.chains.load("semi").actors.set_index("id")
    assert after.at["P115", "location"] == "CN-SH"
    assert after.at["P116", "location"] == ""
    assert after.at["P115", "name_zh"] == "北方华创（已核）"  # the other edit is kept
    cols = [c for c in after.columns if c != "location"]
    pd.testing.assert_frame_equal(after.drop(index=["P115"])[cols], before.drop(index=["P115"])[cols])
    assert demo.projects.version("semi") != version
    with pytest.raises(NotFoundError, match="no actor 'P999'"):
        demo.chains.set_locations("semi", {"P115": "CN-BJ", "P999": "CN-BJ"})
    assert demo.chains.load("semi").actors.set_index("id").at["P115", "location"] == "CN-SH"  # unchanged


def test_the_leading_chain_of_a_region_among_projects(demo):
    demo.chains.save("semi2", demo.chains.load("semi"))
    p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    rows = leading_chain(demo, "CN-SH", {"semi": p, "semi2": p})
    assert [r["rank"] for r in rows] == [1, 1]  # the same chain twice: a tie
    assert rows[0]["hosted_nodes"] == 7  # technologies: the four categories left out
    with pytest.raises(UsageError, match="name the projects"):
        leading_chain(demo, "CN-SH", {})


def test_region_commands_on_the_command_line(cli, tmp_path, db):
    store = Store(db)
    store.chains.save("semi", load_semiconductors())
    store.close()
    locations = tmp_path / "loc.csv"
    pd.DataFrame({"actor": list(LOCATIONS), "location": list(LOCATIONS.values())}).to_csv(
        locations, index=False
    )
    assert cli("region", "locate", str(locations), "--project", "semi").exit_code == 0
    shown = cli("region", "show", "-p", "semi", "-r", "CN-SH", "--home", "CHN", "--restricted", "USA,JPN,NLD",
                "--format", "json")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["summary"]["hosted"] == 7
    text = cli("region", "show", "-p", "semi", "-r", "CN-SH", "--home", "CHN", "--lang", "zh")
    assert "上海市 (CN-SH, 省级行政区)" in text.output
    assert "中微公司" in text.output
    listed = cli("region", "list", "--format", "csv")
    assert "CN-ZJ,Zhejiang,浙江省,province,CHN," in listed.output


def test_a_regional_perspective_is_a_region_of_the_home_country():
    p = Perspective.from_codes("CN-ZJ", "USA,JPN")
    assert (p.home, p.region) == (("CHN",), "CN-ZJ")
    assert Perspective.from_dict(p.to_dict()) == p
    assert p.label() == "home CN-ZJ (CHN); restricted USA,JPN"
    assert Perspective.from_codes("CHN", "USA").to_dict().get("region") is None
    for bad, message in (
        ("CN-ZJ,CHN", "one region as its home"),
        ("CN-XX", "not in an ISO 3166-2 province"),
        ("CN-TW", "not in an ISO 3166-2 province"),
    ):
        with pytest.raises(UsageError, match=message):
            Perspective.from_codes(bad, "USA")


def test_the_assessment_from_a_region_adds_its_shares_and_keeps_the_national_score(demo):
    """A blockade hits the whole country: the score and level stay the national ones; the rows
    and explanations add the region's share with its bound and the rest of the country's."""
    from chokepoint.service.perspective import resolve_perspective, store_perspective

    store_perspective(demo, "semi", "CN-SH", "USA,JPN,NLD,KOR,TWN")
    p = resolve_perspective(demo, "semi")
    assert p.region == "CN-SH"
    assert resolve_perspective(demo, "semi", home="CHN").region is None  # a given home replaces it
    assert resolve_perspective(demo, "semi", restricted="USA").region == "CN-SH"  # kept otherwise
    regional = assess_project(demo, "semi", p)
    national = assess_project(demo, "semi", resolve_perspective(demo, "semi", home="CHN"))
    assert np.array_equal(regional.score, national.score, equal_nan=True)
    fp = region_footprint(demo.chains.load("semi"), "CN-SH", p).set_index("node")
    rows = regional.all_rows.set_index("id")
    assert np.allclose(rows["region_share"], fp["region_share"], equal_nan=True)
    assert np.allclose(rows["domestic_share"], fp["home_elsewhere"], equal_nan=True)
    assert np.allclose(rows["home_unlocated_share"], fp["home_unlocated"], equal_nan=True)
    # a node provided by unlocated home organisations only: in the region's bound, not elsewhere
    n17 = regional.explanation("N17")
    assert "holds 0% of world supply, at most 3%, the rest of the country 0%" in n17
    assert "home providers without a location 3%" in n17
    record = regional.record("N51")
    assert record["indicators"]["region_share"] == pytest.approx(fp.at["N51", "region_share"], abs=1e-9)
    assert "Shanghai (CN-SH) holds 12% of world supply, the rest of the country 0%" in regional.explanation(
        "N51"
    )
    assert "上海市（CN-SH）占全球供给12%，国内其他地区0%" in regional.explanation("N51", "zh")
    assert "holds ≥0% of world supply, at most 100%" in regional.explanation("N33")  # SMIC's share unknown
