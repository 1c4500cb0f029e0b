"""Policy lists and joint R&D tasks: demo content, formulas, workbook, stable task ids."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chokepoint.assess import Perspective, assess
from chokepoint.cli import app
from chokepoint.datasets import load_semiconductors
from chokepoint.lists import policy_lists, task_list
from chokepoint.lists.tasks import feasibility
from chokepoint.model.chain import ChainMap
from chokepoint.report.lists import HEADERS, LIST_TITLES, write_lists

CHINA = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")


@pytest.fixture(scope="module")
def demo_lists():
    return policy_lists(assess(load_semiconductors(), CHINA))


@pytest.mark.parametrize(
    "name", ["chokepoints", "key_enterprises", "tasks", "supporting_gaps", "major_problems"]
)
def test_demo_lists_are_non_empty_with_reasons(demo_lists, name):
    df = demo_lists[name]
    assert len(df) > 0
    assert df["reason"].str.len().gt(0).all()
    assert list(df.columns[:6]) == ["rank", "id", "name", "name_zh", "reason", "coverage"]
    assert list(df["rank"]) == list(range(1, len(df) + 1))


def test_demo_chokepoint_list_order_and_content(demo_lists):
    df = demo_lists["chokepoints"]
    assert "N20" in set(df["id"])
    assert df.iloc[0]["level"] == "I"
    assert len(df) <= 30  # levels I-II of the leaf technologies only
    assert not set(df["id"]) & {"N19", "N60", "N61", "N48"}  # no category beside its own kinds
    levels = df["level"].map({"I": 0, "II": 1, "III": 2, "IV": 3}).to_numpy()
    assert (levels[1:] >= levels[:-1]).all()  # by level, then score


def test_demo_key_enterprises_are_home_firms_with_partners(demo_lists):
    df = demo_lists["key_enterprises"]
    assert (df["country"] == "CHN").all()
    assert len(df) >= 10
    naura = df.set_index("name").loc["NAURA"]
    assert naura["rank"] == 1
    assert naura["chain_leader"]
    assert "N36" in naura["nodes"]
    partners = naura["upstream_partners"] + naura["downstream_partners"]
    assert partners
    assert {"id", "name", "country", "restricted"} <= set(partners[0])
    lam = [p for p in partners if p["name"] == "Lam Research"]
    assert lam
    assert lam[0]["restricted"]
    assert lam[0]["country"] == "USA"
    # the weight is the documented sum: share x downstream value share x (1 + score) / 2
    a = demo_lists.assessment
    ix = a.chain.index
    prov = a.chain.provisions[(a.chain.provisions["actor"] == "P115") & a.chain.provisions["share"].notna()]
    pos = ix.node_positions(prov["node"])
    score = np.nan_to_num(a.score[pos])
    expected = float((prov["share"].to_numpy() * a.crit.value_share[pos] * (1 + score) / 2).sum())
    assert naura["weight"] == pytest.approx(expected, abs=1e-6)


def test_demo_research_units_empty_of_institutions_but_lists_home_firms(demo_lists):
    df = demo_lists["research_units"]
    assert (df["unit_kind"] != "institution").all()  # ETO has no institutions
    assert (df["standing"] != "restricted").all()


def test_advantage_list_for_a_leading_perspective():
    a = assess(load_semiconductors(), Perspective.from_codes("USA", "CHN"))
    adv = policy_lists(a)["advantages"]
    assert len(adv) > 0
    assert (adv["leverage"].diff().dropna() <= 1e-12).all()
    first = adv.iloc[0]
    assert first["leverage"] == pytest.approx(first["home_share"] * first["dependence"], abs=1e-3)


def fixture_chain() -> ChainMap:
    """A feeds P (weight 1), B feeds P (weight 0.5), P makes F; K is a sibling kind of A under Q.

    A: USA 70%, CHN 20%, DEU 10%; firms a1 (USA) 70%, a2 (CHN) 20%; threshold 5.
    B: JPN 50%, DEU 30%, USA unknown. K: CHN 100% via institution u1 (CHN).
    """
    nodes = pd.DataFrame(
        [
            {"id": "A", "name": "Tool A", "kind": "equipment", "threshold": 5},
            {"id": "B", "name": "Material B", "kind": "material"},
            {"id": "P", "name": "Process P", "kind": "process"},
            {"id": "F", "name": "Final F", "kind": "product", "market_size": 100.0},
            {"id": "Q", "name": "Tools Q", "kind": "equipment", "children_rule": "any"},
            {"id": "K", "name": "Kind K", "kind": "equipment"},
        ]
    )
    edges = pd.DataFrame(
        [
            {"source": "A", "target": "P", "kind": "input_of"},
            {"source": "B", "target": "P", "kind": "input_of", "weight": 0.5},
            {"source": "P", "target": "F", "kind": "input_of"},
            {"source": "A", "target": "Q", "kind": "type_of"},
            {"source": "K", "target": "Q", "kind": "type_of"},
        ]
    )
    actors = pd.DataFrame(
        [
            *({"id": c, "name": c, "kind": "country", "country": c} for c in ("CHN", "USA", "JPN", "DEU")),
            {"id": "a1", "name": "Firm a1", "kind": "enterprise", "country": "USA"},
            {"id": "a2", "name": "Firm a2", "kind": "enterprise", "country": "CHN"},
            {"id": "u1", "name": "Institute u1", "kind": "institution", "country": "CHN"},
        ]
    )
    rows = [
        ("USA", "A", 0.7),
        ("CHN", "A", 0.2),
        ("DEU", "A", 0.1),
        ("a1", "A", 0.7),
        ("a2", "A", 0.2),
        ("JPN", "B", 0.5),
        ("DEU", "B", 0.3),
        ("USA", "B", float("nan")),
        ("u1", "K", 1.0),
    ]
    prov = pd.DataFrame([{"actor": x, "node": n, "share": s, "year": 2025} for x, n, s in rows])
    return ChainMap(nodes=nodes, edges=edges, actors=actors, provisions=prov)


def test_task_priority_reproduces_the_documented_formula():
    a = assess(fixture_chain(), Perspective.from_codes("CHN", "USA", "JPN"))
    tasks = task_list(a, levels=("I", "II", "III", "IV", "low")).set_index("node")
    # final products F (market 100) and Q (no market size): equal value 1/2 each.
    # A reaches F through A -> P -> F (strength 1) and Q as one of its 2 'any' kinds (1/2):
    #   u_A = 1/2 * 1 + 1/2 * 1/2 = 0.75. Related nodes of A: A, Q (parent), K (sibling kind,
    #   CHN 100% via institution u1): h = 1 -> f = 0.2 + 0.8 * 1 = 1.
    # B reaches F through a weight-0.5 input: u_B = 1/2 * 0.5 = 0.25; h = 0 -> f = 0.2.
    assert tasks.loc["A", "value_share"] == pytest.approx(0.75)
    assert tasks.loc["A", "feasibility"] == pytest.approx(1.0)
    assert tasks.loc["B", "value_share"] == pytest.approx(0.25)
    assert tasks.loc["B", "feasibility"] == pytest.approx(0.2)
    for node in ("A", "B"):
        row = tasks.loc[node]
        score = a.row(node)["score"]
        assert row["priority_score"] == pytest.approx(
            score * row["value_share"] * row["feasibility"], abs=1e-6
        )
    assert list(tasks.sort_values("rank").index)[:2] == ["A", "B"]
    assert tasks.loc["A", "task_id"] == "T-CHN-A"
    assert tasks.loc["A", "lead"] == "a2"  # the home provider of A itself leads
    assert "Institute u1 (u1)" in tasks.loc["A", "partners"]  # the home institution on the sibling kind
    pos = a.chain.index.node_position("B")
    assert feasibility(a)[pos] == pytest.approx(0.2)


def test_research_units_list_institutions_first():
    a = assess(fixture_chain(), Perspective.from_codes("CHN", "USA", "JPN"))
    from chokepoint.lists.build import research_unit_list

    df = research_unit_list(a, levels=("I", "II", "III", "IV"))
    rows = df[df["chokepoint"] == "A"]
    assert rows.iloc[0]["id"] == "u1"
    assert rows.iloc[0]["unit_kind"] == "institution"
    assert "related node" in rows.iloc[0]["reason"]
    assert "a1" not in set(rows["id"])  # restricted (USA) firms are not candidates


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_workbook_sheets_and_headers(tmp_path, demo_lists, lang):
    lists = policy_lists(demo_lists.assessment, lang)
    (path,) = write_lists(lists, tmp_path / f"lists-{lang}.xlsx", lang)
    wb = load_workbook(path)
    index = 3 if lang == "zh" else 2
    expected = ["封面" if lang == "zh" else "Cover"] + [t[index] for t in LIST_TITLES.values()]
    assert wb.sheetnames == expected
    ws = wb[LIST_TITLES["chokepoints"][index]]
    header = [c.value for c in ws[1]]
    k = 1 if lang == "zh" else 0
    assert header[:4] == [HEADERS["rank"][k], HEADERS["id"][k], HEADERS["name"][k], HEADERS["name_zh"][k]]
    assert ws.freeze_panes == "E2"  # the header row, and the priority, id and names beside every row
    assert ws.cell(row=2, column=header.index(HEADERS["level"][k]) + 1).fill.fgColor.rgb.endswith("FF4D4F")
    cover = wb.worksheets[0]
    text = " ".join(str(c.value) for row in cover.iter_rows() for c in row if c.value)
    assert "CC BY-NC 4.0" in text
    assert "CHN" in text


def test_cli_lists_keep_task_ids_and_status(tmp_path):
    db = str(tmp_path / "s.db")
    runner = CliRunner()

    def cli(*args):
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return result

    cli("demo")
    first = json.loads(cli("lists", "--project", "semiconductors", "--format", "json").stdout)
    ids = [t["task_id"] for t in first["lists"]["tasks"]]
    assert ids
    assert len(set(ids)) == len(ids)
    cli("tasks", "status", ids[0], "active", "--project", "semiconductors")
    second = json.loads(cli("lists", "--project", "semiconductors", "--format", "json").stdout)
    assert [t["task_id"] for t in second["lists"]["tasks"]] == ids
    assert second["lists"]["tasks"][0]["status"] == "active"
    listed = json.loads(cli("tasks", "list", "--project", "semiconductors", "--format", "json").stdout)
    assert {t["task_id"] for t in listed} == set(ids)
    # a stored task keeps its goal in both languages (the web UI shows the chosen one)
    by_id = {t["task_id"]: t for t in listed}
    zh = json.loads(cli("lists", "--project", "semiconductors", "--format", "json", "--lang", "zh").stdout)
    for t in zh["lists"]["tasks"]:
        assert by_id[t["task_id"]]["goal_zh"] == t["goal"]
        assert by_id[t["task_id"]]["goal"] != t["goal"]
    out = tmp_path / "lists.csv"
    cli("lists", "--project", "semiconductors", "--lang", "zh", "--out", str(out))
    assert (tmp_path / "lists_chokepoints.csv").read_text(encoding="utf-8-sig").startswith("优先次序,")


def test_bundled_chinese_names_cover_the_demo_chain():
    chain = load_semiconductors()
    zh = chain.nodes["name_zh"]
    assert (zh != "").all()
    assert zh.is_unique
    assert chain.node("N20")["name_zh"] == "EUV光刻机"
    a = assess(chain, CHINA)
    assert a.explanation("N20", "zh").startswith("EUV光刻机：")
