"""Lists from the home perspective: what a ministry analyst signs (issue "Findings a policy analyst can sign").

Reference: the lists' definitions in docs/lists.md and the policy titles of ../shared/policy-texts
(卡脖子技术清单, 重点企业和上下游核心关联企业清单, 产学研关键单位清单, ...), read on the demo chain.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from chokepoint.assess import Perspective, assess
from chokepoint.cli import app
from chokepoint.datasets import load_semiconductors
from chokepoint.lists import policy_lists
from chokepoint.lists.build import LIST_KEYS
from chokepoint.model.chain import ChainMap
from chokepoint.report.lists import LIST_TITLES, write_lists

CHINA = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
AGGREGATES = {"P5", "P312", "P370"}  # ETO's Various countries, Europe, Various companies


@pytest.fixture(scope="module")
def lists_doc(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("home") / "s.db")
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--db", db]).exit_code == 0
    result = runner.invoke(app, ["lists", "--project", "semiconductors", "--format", "json", "--db", db])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_shape_and_base_columns(lists_doc):
    lists = lists_doc["lists"]
    required = {"chokepoints", "advantages", "key_enterprises", "research_units", "tasks"}
    assert required | {"supporting_gaps", "major_problems"} <= set(lists)
    for name, rows in lists.items():
        assert rows, name
        for r in rows:
            assert list(r)[:6] == ["rank", "id", "name", "name_zh", "reason", "coverage"], name
            assert r["reason"], name
            assert r["id"], name
    assert all(t["task_id"].startswith("T-CHN-") and t["id"] == t["node"] for t in lists["tasks"])


def test_first_ten_key_enterprises_are_chinese(lists_doc):
    rows = lists_doc["lists"]["key_enterprises"]
    assert [r["country"] for r in rows[:10]] == ["CHN"] * 10
    assert rows[0]["chain_leader"] is True
    assert all(not r["chain_leader"] for r in rows if r["rank"] > sum(x["chain_leader"] for x in rows))


def test_no_aggregate_anywhere(lists_doc):
    text = json.dumps(lists_doc["lists"], ensure_ascii=False)
    for r in (r for rows in lists_doc["lists"].values() for r in rows):
        assert r["id"] not in AGGREGATES
    for r in lists_doc["lists"]["key_enterprises"]:
        for p in r["upstream_partners"] + r["downstream_partners"]:
            assert p["id"] not in AGGREGATES
    assert "Various companies" not in text


def test_chokepoint_list_is_levels_one_and_two_with_a_watch_list(lists_doc):
    lists = lists_doc["lists"]
    assert {r["level"] for r in lists["chokepoints"]} <= {"I", "II"}
    assert {r["level"] for r in lists["watch_list"]} <= {"III", "IV"}
    assert len(lists["chokepoints"]) < 60  # a short list, not 88 of 126 nodes


def test_low_coverage_rows_say_so():
    chain = load_semiconductors()
    lists = policy_lists(assess(chain, CHINA), "en")
    for name in LIST_KEYS:
        df = lists[name]
        low = df[df["coverage"].notna() & (df["coverage"] < 0.5)]
        assert low["reason"].str.contains("less than half").all(), name
        high = df[df["coverage"].notna() & (df["coverage"] >= 0.5)]
        assert not high["reason"].str.contains("less than half").any(), name


def test_research_units_include_profiled_institutions_without_provisions():
    chain = load_semiconductors()
    actors = pd.concat(
        [
            chain.actors,
            pd.DataFrame(
                [{"id": "I-CAS", "name": "Institute of Optics", "kind": "institution", "country": "CHN"}]
            ),
        ],
        ignore_index=True,
    )
    with_inst = ChainMap(nodes=chain.nodes, edges=chain.edges, actors=actors, provisions=chain.provisions)
    a = assess(with_inst, CHINA)
    profiles = {"I-CAS": {"nodes": ["N20"], "evidence": [{"title": "EUV source", "abstract": ""}]}}
    df = policy_lists(a, "en", profiles=profiles)["research_units"]
    rows = df[(df["id"] == "I-CAS") & (df["chokepoint"] == "N20")]
    assert len(rows) == 1
    assert rows.iloc[0]["unit_kind"] == "institution"
    assert "capability profile" in rows.iloc[0]["reason"]
    euv = df[df["chokepoint"] == "N20"]
    assert euv.iloc[0]["id"] == "I-CAS"  # home institutions first
    without = policy_lists(a, "en")["research_units"]
    assert "I-CAS" not in set(without["id"])


def test_chinese_sheets_carry_the_policy_names(tmp_path):
    lists = policy_lists(assess(load_semiconductors(), CHINA), "zh")
    (path,) = write_lists(lists, tmp_path / "zh.xlsx", "zh")
    wb = load_workbook(path)
    assert "卡脖子技术清单" in wb.sheetnames
    assert "重点企业清单" in wb.sheetnames
    cover = " ".join(str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value)
    for title in (
        "卡脖子技术清单",
        "重点企业和上下游核心关联企业清单",
        "产学研关键单位清单",
        "联合攻关任务清单",
    ):
        assert title in cover
    assert "本国 CHN" in cover
    assert "home CHN" not in cover
    assert LIST_TITLES["advantages"][1].startswith("优势技术")
