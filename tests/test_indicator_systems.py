"""Indicator systems (issue 26): workbooks with row-and-column errors, versions and the xlsx round
trip, hierarchic AHP and expert weights, classified park evaluation reproduced by hand, the
``chokepoint weights`` commands and the API's routes and roles.

The parks and their values are ILLUSTRATIVE (``tests/regions_fixture.py``).
"""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from chokepoint.errors import ChainValidationError
from chokepoint.indicators.system import check_system, global_weights
from chokepoint.service.indicators import export_system, import_system, stored_system
from chokepoint.service.parks import evaluate_parks, load_region_values
from chokepoint.service.regions import import_regions
from chokepoint.store import Store
from regions_fixture import PARKS, VALUES, system_sheets, write_files, write_workbook


@pytest.fixture
def parks_store(tmp_path):
    files = write_files(tmp_path / "fixture")
    store = Store(tmp_path / "parks.db")
    import_regions(store, files["regions"])
    load_region_values(store, "parks2025", files["values"])
    import_system(store, files["hitech"], "ana")
    import_system(store, files["devzone"], "ana")
    yield store, files
    store.close()


def _power_iteration(m: list[list[float]]) -> list[float]:
    """Principal eigenvector by plain power iteration (independent of numpy's eig)."""
    w = [1.0 / len(m)] * len(m)
    for _ in range(500):
        v = [sum(a * b for a, b in zip(row, w, strict=True)) for row in m]
        total = sum(v)
        w = [x / total for x in v]
    return w


def _hand_ranking(park_type: str, weights: dict[str, float], directions: dict[str, str]) -> list[str]:
    """Min-max within the type, weighted sum, best first: written out with plain Python."""
    parks = [p for p, (_, _, t) in PARKS.items() if t == park_type]
    score = {}
    for p in parks:
        total = 0.0
        for indicator, w in weights.items():
            column = [VALUES[q][indicator] for q in parks]
            lo, hi = min(column), max(column)
            x = (VALUES[p][indicator] - lo) / (hi - lo)
            total += w * (x if directions.get(indicator, "benefit") == "benefit" else 1 - x)
        score[p] = total
    return sorted(parks, key=lambda p: -score[p])


def test_hierarchic_ahp_weights_are_the_products_of_the_local_weights(parks_store):
    """Top level: Saaty's published 3x3 example (0.637, 0.258, 0.105); under innovation 1:1
    (0.5, 0.5), under openness 1:3 (0.25, 0.75); global = product along the path (1e-9)."""
    store, _ = parks_store
    w = global_weights(stored_system(store, "hitech"))
    top = _power_iteration([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    assert [round(x, 3) for x in top] == [0.637, 0.258, 0.105]
    expected = {
        "rd": top[0] * 0.5, "patents": top[0] * 0.5, "coop_dom": top[1] * 0.25, "coop_intl": top[1] * 0.75,
        "hightech": top[2],
    }  # fmt: skip
    for k, v in expected.items():
        assert math.isclose(w[k], v, abs_tol=1e-9), k
    assert math.isclose(w.sum(), 1.0, abs_tol=1e-12)


def test_parks_are_ranked_within_their_type_in_the_order_computed_by_hand(parks_store):
    store, _ = parks_store
    result = evaluate_parks(store, "parks2025")
    assert set(result["types"]) == {"innovation", "manufacturing"}
    assert result["without_system"] == []
    top = _power_iteration([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    hitech = {
        "rd_intensity": top[0] / 2, "invention_patents": top[0] / 2, "coop_domestic": top[1] / 4,
        "coop_international": top[1] * 3 / 4, "hightech_share": top[2],
    }  # fmt: skip
    devzone = {
        "output_density": 0.6 * 0.5, "tax_density": 0.6 * 0.3, "energy_intensity": 0.6 * 0.2,
        "coop_domestic": 0.4 * 0.5, "coop_international": 0.4 * 0.5,
    }  # fmt: skip
    innovation = [r["park"] for r in result["types"]["innovation"]["ranking"]]
    manufacturing = [r["park"] for r in result["types"]["manufacturing"]["ranking"]]
    assert innovation == _hand_ranking("innovation", hitech, {})
    assert manufacturing == _hand_ranking("manufacturing", devzone, {"energy_intensity": "cost"})
    assert len(innovation) == len(manufacturing) == 6  # two parks of each type in each of three provinces
    first = result["types"]["innovation"]["ranking"][0]
    assert first["park"] == "CN-GD-SZ-HT1"
    assert first["rank"] == 1
    assert [s["indicator"] for s in first["strengths"]] == ["rd", "patents"]
    # open cooperation is judged at home and abroad: two indicators, two weights
    names = {w["indicator"]: w["weight"] for w in result["types"]["manufacturing"]["weights"]}
    assert names["coop_dom"] == names["coop_intl"] == 0.2


def test_strengths_and_weaknesses_are_the_weighted_gaps_to_the_type_mean(parks_store):
    """For a weighted sum the gaps of a park sum to its score minus the type's mean score."""
    store, _ = parks_store
    ranking = evaluate_parks(store, "parks2025", top=5)["types"]["manufacturing"]["ranking"]
    mean = sum(r["score"] for r in ranking) / len(ranking)
    for r in ranking:
        gaps = sum(s["gap"] for s in r["strengths"]) + sum(s["gap"] for s in r["weaknesses"])
        assert math.isclose(gaps, r["score"] - mean, abs_tol=1e-5), r["park"]
    guangzhou = next(r for r in ranking if r["park"] == "CN-GD-GZ-DZ2")
    assert guangzhou["weaknesses"][0]["name"] == "Output per km2"
    assert guangzhou["strengths"][0] == {
        "indicator": "coop_dom", "name": "Domestic cooperation", "value": 30.0, "unit": "projects",
        "gap": guangzhou["strengths"][0]["gap"],
    }  # fmt: skip
    zh = evaluate_parks(store, "parks2025", lang="zh")["types"]["manufacturing"]["ranking"]
    assert zh[0]["name"] == "示例苏州开发区A"
    assert zh[0]["strengths"][0]["name"] == "地均产值"


def test_a_park_missing_a_value_is_not_ranked_and_says_what_it_lacks(parks_store, tmp_path):
    store, files = parks_store
    values = pd.read_csv(files["values"])
    values = values[~((values["region"] == "CN-ZJ-NB-HT2") & (values["indicator"] == "rd_intensity"))]
    path = tmp_path / "partial.csv"
    values.to_csv(path, index=False)
    load_region_values(store, "partial", path)
    innovation = evaluate_parks(store, "partial")["types"]["innovation"]
    assert [r["park"] for r in innovation["not_ranked"]] == ["CN-ZJ-NB-HT2"]
    assert innovation["not_ranked"][0]["missing"] == ["R&D intensity"]
    assert len(innovation["ranking"]) == 5


def test_a_system_round_trips_through_xlsx_and_each_import_is_a_new_version(parks_store, tmp_path):
    store, _ = parks_store
    for name in ("hitech", "devzone"):
        out = export_system(store, name, tmp_path / f"{name}-out.xlsx")
        assert pd.read_excel(out, sheet_name="weights")["weight"].sum() == pytest.approx(1.0)
        again = import_system(store, out, "olga")
        assert again["version"] == 2
        first, second = stored_system(store, name, 1), stored_system(store, name, 2)
        assert first.to_body() == second.to_body()
    assert store.indicator_systems.get("hitech", 2)["created_by"] == "olga"


def _problems(sheets: dict[str, pd.DataFrame], tmp_path, store) -> list:
    path = write_workbook(sheets, tmp_path / "bad.xlsx")
    before = store.indicator_systems.list()
    with pytest.raises(ChainValidationError) as err:
        import_system(store, path)
    assert store.indicator_systems.list() == before  # nothing changed
    return err.value.problems


def test_a_missing_weight_gives_its_row_and_column_and_changes_nothing(parks_store, tmp_path):
    store, _ = parks_store
    sheets = system_sheets("devzone")
    sheets["indicators"].loc[3, "weight"] = ""  # the 'tax' row: spreadsheet row 5
    (p,) = _problems(sheets, tmp_path, store)
    assert (p.source, p.row, p.column, p.code) == ("bad.xlsx[indicators]", 5, "weight", "required_value")


def test_a_cycle_in_the_hierarchy_is_refused(parks_store, tmp_path):
    store, _ = parks_store
    sheets = system_sheets("devzone")
    sheets["indicators"].loc[0, "parent"] = "output"  # efficiency under its own child
    problems = _problems(sheets, tmp_path, store)
    assert ("cycle", 2, "parent") in {(p.code, p.row, p.column) for p in problems}


def test_an_unknown_indicator_is_refused_by_row_and_column(parks_store, tmp_path):
    store, _ = parks_store
    sheets = system_sheets("hitech")
    sheets["comparisons"].loc[3, "column"] = "patent"  # a typo of 'patents'
    sheets["indicators"].loc[3, "source"] = "platform:no_such_column"
    problems = {(p.source, p.row, p.column, p.code) for p in _problems(sheets, tmp_path, store)}
    assert problems == {("bad.xlsx[indicators]", 5, "source", "unknown_indicator")}  # found first
    sheets["indicators"].loc[3, "source"] = "table:rd_intensity"
    (p,) = _problems(sheets, tmp_path, store)
    assert (p.source, p.row, p.column, p.code) == ("bad.xlsx[comparisons]", 5, "column", "unknown_indicator")


def test_an_inconsistent_comparison_matrix_is_refused_with_its_cr(parks_store, tmp_path):
    store, _ = parks_store
    sheets = system_sheets("hitech")
    sheets["comparisons"].loc[2, "value"] = "1/5"  # innovation > openness > industry > innovation
    (p,) = _problems(sheets, tmp_path, store)
    assert p.code == "inconsistent_matrix"
    assert "CR = " in p.reason
    assert p.row == 2


def test_check_system_reports_every_bad_setting_at_once():
    sheets = system_sheets("devzone")
    sheets["system"].loc[3, "value"] = "votes"  # weighting
    sheets["system"].loc[5, "value"] = "product"  # aggregation
    system, problems = check_system(sheets, "x.xlsx")
    assert system is None
    assert [(p.row, p.column) for p in problems] == [(5, "value"), (7, "value")]


def test_weights_commands(cli, tmp_path):
    matrix = tmp_path / "m.csv"
    matrix.write_text(",a,b,c\na,1,3,5\nb,1/3,1,3\nc,1/5,1/3,1\n", encoding="utf-8")
    done = cli("weights", "ahp", str(matrix), "--format", "json", use_db=False)
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert {round(v, 3) for v in result["weights"].values()} == {0.637, 0.258, 0.105}
    assert round(result["cr"], 3) == 0.033
    assert round(result["lambda_max"], 3) == 3.039
    bad = tmp_path / "bad.csv"
    bad.write_text(",a,b,c\na,1,3,1/5\nb,1/3,1,3\nc,5,1/3,1\n", encoding="utf-8")
    refused = cli("weights", "ahp", str(bad), "--format", "json", use_db=False)
    assert refused.exit_code != 0
    assert "CR = " in refused.output
    table = tmp_path / "t.csv"
    table.write_text("park,x,y,cost\nA,1,4,3\nB,2,6,1\nC,4,5,2\nD,3,2,5\n", encoding="utf-8")
    ent = cli("weights", "entropy", str(table), "--cost", "cost", "--format", "json", use_db=False)
    assert ent.exit_code == 0, ent.output
    weights = json.loads(ent.output)["weights"]
    assert math.isclose(sum(weights.values()), 1.0)
    assert json.loads(ent.output)["directions"]["cost"] == "cost"
    assert cli("weights", "critic", str(table), use_db=False).exit_code == 0
    typo = cli("weights", "entropy", str(table), "--cost", "price", use_db=False)
    assert typo.exit_code != 0
    assert "price" in typo.output


def test_park_and_system_commands(cli, tmp_path, db):
    files = write_files(tmp_path / "f")
    assert cli("region", "import", str(files["regions"])).exit_code == 0
    assert cli("region", "values", str(files["values"]), "--dataset", "p25").exit_code == 0
    assert cli("indicator-systems", "import", str(files["hitech"])).exit_code == 0
    assert cli("indicator-systems", "import", str(files["devzone"])).exit_code == 0
    shown = cli("indicator-systems", "show", "hitech", "--format", "json")
    assert {e["id"] for e in json.loads(shown.output)["elements"]} >= {"innovation", "rd"}
    ranked = cli("parks", "evaluate", "--dataset", "p25", "--format", "json", "--sensitivity", "200")
    assert ranked.exit_code == 0, ranked.output
    doc = json.loads(ranked.output)
    assert doc["types"]["innovation"]["ranking"][0]["park"] == "CN-GD-SZ-HT1"
    assert "monte_carlo" in doc["types"]["innovation"]["sensitivity"]
    text = cli("parks", "evaluate", "--dataset", "p25", "--lang", "zh")
    assert "示例深圳高新区A" in text.output
    assert "rank" in text.output
    assert (
        "inventory_days" in cli("indicators", use_db=False).output
    )  # the reportable indicators: still there
    out = tmp_path / "round.xlsx"
    assert cli("indicator-systems", "export", "devzone", "--out", str(out)).exit_code == 0
    assert "version 2" in cli("indicator-systems", "import", str(out)).output


def test_the_api_routes_check_who_is_asking(parks_store, tmp_path):
    from chokepoint.api import create_app

    store, files = parks_store
    headers = {}
    for name, role in (("ana", "analyst"), ("vic", "viewer"), ("rep", "reporter")):
        store.users.add(name, role, f"{name}-password")
        headers[name] = {"authorization": f"Bearer {store.tokens.create(name, 'bearer', timedelta(days=1))}"}
    client = TestClient(create_app(store))
    assert client.get("/api/regions").status_code == 401
    assert client.get("/api/regions", headers=headers["rep"]).status_code == 403
    regions = client.get("/api/regions", headers=headers["vic"]).json()
    assert {"CN-ZJ", "CN-ZJ-HZ-HT1"} <= {r["code"] for r in regions}
    evaluation = client.get("/api/parks/evaluation", params={"dataset": "parks2025"}, headers=headers["vic"])
    assert evaluation.status_code == 200
    assert evaluation.json()["types"]["manufacturing"]["ranking"][0]["park"] == "CN-JS-SZ-DZ1"
    with files["hitech"].open("rb") as f:
        upload = {"file": ("hitech.xlsx", f.read())}
    assert client.post("/api/indicator-systems", files=upload, headers=headers["vic"]).status_code == 403
    assert client.post("/api/indicator-systems", files=upload, headers=headers["ana"]).json()["version"] == 2
    book = client.get("/api/indicator-systems/hitech/workbook", headers=headers["vic"])
    assert book.status_code == 200
    assert book.content[:2] == b"PK"
    body = {"labels": ["a", "b", "c"], "matrix": [[1, 3, 0.2], [1 / 3, 1, 3], [5, 1 / 3, 1]]}
    refused = client.post("/api/weights/ahp", json=body, headers=headers["vic"])
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "inconsistent_matrix"
    assert "CR = " in refused.json()["error"]["message"]
    ragged = client.post(
        "/api/weights/ahp", json={"labels": ["a", "b"], "matrix": [[1, 2]]}, headers=headers["vic"]
    )
    assert ragged.status_code == 422


def test_cr_thresholds_given_at_import_stay_with_the_system(parks_store, tmp_path):
    """A matrix with CR 0.1169 (> 0.05 for n = 3): refused by Saaty's threshold, accepted with a
    looser one, and then usable (the threshold is stored with the system and exported)."""
    from chokepoint.service.indicators import system_document, thresholds_from

    store, _ = parks_store
    sheets = system_sheets("hitech")
    sheets["comparisons"].loc[2, "value"] = "1"  # openness = industry, but innovation 3x and 5x
    sheets["comparisons"].loc[1, "value"] = "9"
    path = write_workbook(sheets, tmp_path / "loose.xlsx")
    with pytest.raises(ChainValidationError, match="CR = "):
        import_system(store, path)
    version = import_system(store, path, cr=thresholds_from("3=0.5"))["version"]
    assert stored_system(store, "hitech", version).cr_thresholds == "3=0.5"
    assert system_document(store, "hitech")["elements"][0]["global_weight"] is None  # a criterion
    assert evaluate_parks(store, "parks2025")["types"]["innovation"]["ranking"]
    out = export_system(store, "hitech", tmp_path / "again.xlsx")
    assert import_system(store, out)["version"] == version + 1  # the sheet carries the threshold


def test_a_type_that_cannot_be_ranked_leaves_the_others_ranked(parks_store, tmp_path):
    store, _files = parks_store
    regions = pd.DataFrame(
        [
            {
                "code": "CN-ZJ-HZ-SOLO",
                "name": "Lone park",
                "level": "park",
                "parent": "CN-ZJ-HZ",
                "park_type": "solo",
            }
        ]
    )
    regions.to_csv(tmp_path / "solo.csv", index=False)
    import_regions(store, tmp_path / "solo.csv")
    result = evaluate_parks(store, "parks2025", {"solo": "devzone"})
    assert set(result["types"]) == {"innovation", "manufacturing"}
    (miss,) = result["not_evaluated"]
    assert miss["type"] == "solo"
    assert miss["system"] == "devzone"
    assert "a ranking needs two" in miss["reason"]


def test_an_indicator_with_one_value_for_the_type_adds_nothing(parks_store, tmp_path):
    store, files = parks_store
    values = pd.read_csv(files["values"])
    dz = values["region"].str.contains("-DZ") & (values["indicator"] == "coop_domestic")
    values.loc[dz, "value"] = 20
    values.to_csv(tmp_path / "flat.csv", index=False)
    load_region_values(store, "flat", tmp_path / "flat.csv")
    manufacturing = evaluate_parks(store, "flat")["types"]["manufacturing"]
    assert manufacturing["constant"] == ["Domestic cooperation"]
    flat = {p: dict(v, coop_domestic=20) for p, v in VALUES.items()}
    weights = {
        "output_density": 0.3,
        "tax_density": 0.18,
        "energy_intensity": 0.12,
        "coop_international": 0.2,
    }
    parks = [p for p, (_, _, t) in PARKS.items() if t == "manufacturing"]
    score = {}
    for p in parks:  # by hand: the constant indicator left out
        total = 0.0
        for k, w in weights.items():
            col = [flat[q][k] for q in parks]
            x = (flat[p][k] - min(col)) / (max(col) - min(col))
            total += w * (1 - x if k == "energy_intensity" else x)
        score[p] = total
    assert [r["park"] for r in manufacturing["ranking"]] == sorted(parks, key=lambda p: -score[p])


def test_topsis_parks_are_explained_by_the_distances_topsis_measures(parks_store, tmp_path):
    from chokepoint.indicators import topsis

    store, _ = parks_store
    sheets = system_sheets("devzone")
    sheets["system"].loc[5, "value"] = "topsis"
    sheets["system"].loc[0, "value"] = "devtopsis"
    import_system(store, write_workbook(sheets, tmp_path / "t.xlsx"))
    result = evaluate_parks(store, "parks2025", {"manufacturing": "devtopsis"})["types"]["manufacturing"]
    parks = [p for p, (_, _, t) in PARKS.items() if t == "manufacturing"]
    data = pd.DataFrame({p: VALUES[p] for p in parks}).T.rename(
        columns={"output_density": "output", "tax_density": "tax", "energy_intensity": "energy",
                 "coop_domestic": "coop_dom", "coop_international": "coop_intl"}
    )  # fmt: skip
    weights = {"output": 0.3, "tax": 0.18, "energy": 0.12, "coop_dom": 0.2, "coop_intl": 0.2}
    direct = topsis(data, weights, {"energy": "cost"})
    for r in result["ranking"]:
        assert r["score"] == pytest.approx(direct.at[r["park"], "closeness"], abs=1e-6)
        assert r["criteria"] == {}  # the closeness does not split by criterion
    best = result["ranking"][0]
    assert best["weaknesses"] == [] or all(w["gap"] < 0 for w in best["weaknesses"])


def test_the_latest_system_for_a_type_is_the_last_stored(parks_store, tmp_path):
    store, _ = parks_store
    for name in ("zz_old", "aa_new"):
        sheets = system_sheets("devzone")
        sheets["system"].loc[0, "value"] = name
        import_system(store, write_workbook(sheets, tmp_path / f"{name}.xlsx"))
    result = evaluate_parks(store, "parks2025")
    assert result["types"]["manufacturing"]["system"]["name"] == "aa_new"


def test_region_values_with_mixed_units_or_no_row_are_refused(parks_store, tmp_path):
    store, files = parks_store
    values = pd.read_csv(files["values"])
    values.loc[0, "unit"] = "‰"
    values.to_csv(tmp_path / "mixed.csv", index=False)
    with pytest.raises(ChainValidationError) as err:
        load_region_values(store, "parks2025", tmp_path / "mixed.csv")
    (p,) = [q for q in err.value.problems if q.column == "unit"]
    assert p.row == 2  # the one row whose unit differs from the indicator's other rows
    (tmp_path / "empty.csv").write_text("region,indicator,value\n", encoding="utf-8")
    with pytest.raises(ChainValidationError, match="no row"):
        load_region_values(store, "parks2025", tmp_path / "empty.csv")
    assert len(store.regions.values("parks2025")) == len(values)  # unchanged


def test_a_pair_compared_twice_is_refused(parks_store, tmp_path):
    store, _ = parks_store
    sheets = system_sheets("hitech")
    extra = pd.DataFrame([("", "innovation", "openness", "1/5")], columns=sheets["comparisons"].columns)
    sheets["comparisons"] = pd.concat([sheets["comparisons"], extra], ignore_index=True)
    problems = _problems(sheets, tmp_path, store)
    assert [(p.row, p.code) for p in problems] == [(7, "duplicate_id")]
    assert "first on row 2" in problems[0].reason


def test_unknown_cities_and_parks_are_refused_as_locations_and_perspectives(parks_store, tmp_path):
    from chokepoint.datasets import load_semiconductors
    from chokepoint.errors import NotFoundError
    from chokepoint.service.perspective import resolve_perspective
    from chokepoint.service.regions import locate_actors

    store, _ = parks_store
    store.chains.save("semi", load_semiconductors())
    path = tmp_path / "loc.csv"
    pd.DataFrame(
        {"actor": ["P115", "P123", "P115"], "location": ["CN-ZJ-HZ-NOPE", "CN-ZJ-HZ-HT1", "CN-BJ"]}
    ).to_csv(path, index=False)
    with pytest.raises(ChainValidationError) as err:
        locate_actors(store, "semi", path)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "location"), (4, "actor")]
    with pytest.raises(NotFoundError, match="no region 'CN-ZJ-NOPE'"):
        resolve_perspective(store, "semi", home="CN-ZJ-NOPE", restricted="USA")
    assert resolve_perspective(store, "semi", home="CN-ZJ-HZ-HT1", restricted="USA").region == "CN-ZJ-HZ-HT1"
