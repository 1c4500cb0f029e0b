"""The assessment graded by a user-defined indicator system (issue 26, item 5): replace or extend
the default score; the score, levels and explanations checked against a hand computation on the
demo chain. The system is ILLUSTRATIVE (weights chosen for the test, not a recommendation).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from chokepoint.assess import Perspective, assess
from chokepoint.assess.custom import apply_system
from chokepoint.assess.levels import levels_of
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import UsageError
from chokepoint.indicators.system import check_system
from regions_fixture import write_workbook

P = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")


def sheets(weighting: str = "expert", source: str = "platform:technology_gap") -> dict[str, pd.DataFrame]:
    settings = {"name": "cp", "title": "Chokepoint index", "applies_to": "chain", "weighting": weighting,
                "normalisation": "minmax", "aggregation": "weighted_sum"}  # fmt: skip
    rows = [
        ("dependence", "", "Dependence", "依赖", "", "", "", "0.6"),
        ("difficulty", "", "Difficulty", "难度", "", "", "", "0.4"),
        ("restricted", "dependence", "Restricted share", "受限国家份额", "benefit", "share",
         "platform:restricted_share", "0.75"),
        ("localization", "dependence", "Localization", "国产化率", "cost", "share", "platform:localization", "0.25"),
        ("gap", "difficulty", "Technology gap", "技术差距", "benefit", "0-1", source, "1"),
    ]  # fmt: skip
    columns = ["id", "parent", "name", "name_zh", "direction", "unit", "source", "weight"]
    return {
        "system": pd.DataFrame({"key": list(settings), "value": list(settings.values())}),
        "indicators": pd.DataFrame(rows, columns=columns),
        "comparisons": pd.DataFrame(columns=["parent", "row", "column", "value"]),
    }


@pytest.fixture(scope="module")
def base():
    return assess(load_semiconductors(), P)


def system_of(s: dict[str, pd.DataFrame]):
    system, problems = check_system(s, "cp.xlsx")
    assert problems == [], problems
    return system


def test_replace_grades_by_the_systems_weighted_sum_computed_by_hand(base):
    """Reference: min-max over the graded technologies and the weighted sum, by hand with pandas
    (global weights 0.45, 0.15, 0.40 = 0.6 x 0.75, 0.6 x 0.25, 0.4 x 1); tolerance 1e-12."""
    a = apply_system(base, system_of(sheets()), "replace", version=3)
    rows = base.all_rows.set_index("id")
    graded = ~base.insufficient & ~base.groups & ~base.chain.index.node_is_stage
    table = rows.loc[graded, ["restricted_share", "localization", "technology_gap"]].astype(float)
    lo, hi = table.min(), table.max()
    x = (table - lo) / (hi - lo)
    x["localization"] = 1 - x["localization"]  # a cost indicator
    expected = 0.45 * x["restricted_share"] + 0.15 * x["localization"] + 0.40 * x["technology_gap"]
    got = pd.Series(a.score, index=base.chain.index.node_ids)[expected.index]
    assert np.allclose(got.to_numpy(), expected.to_numpy(), atol=1e-12)
    assert (
        a.level == levels_of(a.score, base.config.level_cutoffs, a.insufficient)
    ).all()  # the same cut-offs
    assert a.system is not None
    assert a.system.version == 3
    assert a.system.mode == "replace"
    assert dict(zip(a.system.indicators, np.round(a.system.weights, 12), strict=True)) == {
        "restricted": 0.45, "localization": 0.15, "gap": 0.4,
    }  # fmt: skip
    top = a.frame.iloc[0]
    text = a.explanation(top["id"])
    assert "indicator system 'Chokepoint index' v3 scores" in text
    assert "replacing the default score" in text
    assert "decisive:" not in text  # the default's pillars do not decide a replaced score
    assert "Restricted share 100% (weight 45%)" in text
    zh = a.explanation(top["id"], "zh")
    assert "指标体系“Chokepoint index” v3得分" in zh
    assert "取代默认评分" in zh
    assert "受限国家份额" in zh
    components = {c["name"]: c for c in a.components_of(top["id"])}
    assert components["system:gap"]["weight"] == 0.4
    assert components["system:gap"]["basis"] == "system"


def test_extend_blends_the_system_into_the_default_score(base):
    a = apply_system(base, system_of(sheets()), "extend", share=0.3)
    t = a.system.score
    ok = ~np.isnan(t)
    assert np.allclose(a.score[ok], 0.7 * base.score[ok] + 0.3 * t[ok], atol=1e-12)
    assert (a.score[ok] >= 0.7 * base.score[ok] - 1e-12).all()  # the system ranking last never wipes a score
    assert np.array_equal(np.isnan(a.score), np.isnan(base.score))  # no node gains or loses a grade
    node = a.frame.iloc[0]["id"]
    text = a.explanation(node)
    assert "30% of the score" in text
    assert "decisive:" in text
    with pytest.raises(UsageError, match=r"in \(0, 1\)"):
        apply_system(base, system_of(sheets()), "extend", share=1.0)


def test_a_technology_lacking_a_reported_value_is_not_graded_and_says_what_it_lacks(base):
    """reported:lead_time_days: no node has reported evidence in the demo chain but two."""
    chain = load_semiconductors()
    reported = pd.DataFrame(
        {"lead_time_days": [200.0, 120.0], "n_lead_time_days": [1, 1]}, index=pd.Index(["N20", "N44"])
    )
    a0 = assess(chain, P, reported=reported)
    a = apply_system(a0, system_of(sheets(source="reported:lead_time_days")), "replace")
    graded = set(a.frame.loc[a.frame["level"] != "insufficient_data", "id"])
    assert graded == {"N20", "N44"}
    lacking = next(i for i in a0.frame["id"] if i not in graded and a0.row(i)["level"] != "insufficient_data")
    assert a.explanation(lacking).endswith(
        "not graded by indicator system 'Chokepoint index': no value of Technology gap"
    )
    assert "缺少技术差距，未予分级" in a.explanation(lacking, "zh")
    kept = apply_system(a0, system_of(sheets(source="reported:lead_time_days")), "extend", share=0.5)
    assert "lacks Technology gap: the default score stands" in kept.explanation(lacking)
    assert kept.row(lacking)["score"] == a0.row(lacking)["score"]


def test_a_zscore_system_cannot_grade_the_assessment(base):
    z = sheets()
    z["system"].loc[4, "value"] = "zscore"  # normalisation
    with pytest.raises(UsageError, match="normalisation minmax"):
        apply_system(base, system_of(z), "replace")


def test_sources_the_assessment_cannot_read_are_refused(base):
    with pytest.raises(UsageError, match="platform:<column>"):
        apply_system(base, system_of(sheets(source="table:gdp")), "replace")
    with pytest.raises(UsageError, match="unknown mode"):
        apply_system(base, system_of(sheets()), "sideways")


def test_assess_command_and_route_take_a_system(cli, tmp_path, db):
    from fastapi.testclient import TestClient

    from chokepoint.api import create_app
    from chokepoint.store import Store

    book = write_workbook(sheets(), tmp_path / "cp.xlsx")
    store = Store(db)
    store.chains.save("semi", load_semiconductors())
    store.projects.set_perspective(
        "semi", {"home": ["CHN"], "restricted": ["USA", "JPN", "NLD", "KOR", "TWN"]}
    )
    store.users.add("vic", "viewer", "vic-password")
    from datetime import timedelta

    token = store.tokens.create("vic", "bearer", timedelta(days=1))
    store.close()
    assert cli("indicator-systems", "import", str(book)).exit_code == 0
    out = cli("assess", "-p", "semi", "--system", "cp", "--format", "json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["system"]["name"] == "cp"
    assert doc["system"]["mode"] == "replace"
    assert math.isclose(sum(doc["system"]["weights"].values()), 1.0)
    text = cli("assess", "-p", "semi", "--system", "cp", "--top", "3")
    assert "score: indicator system 'Chokepoint index' v1 (replacing the default score)" in text.output
    client = TestClient(create_app(Store(db)))
    headers = {"authorization": f"Bearer {token}"}
    r = client.get(
        "/api/projects/semi/assessment?system=cp&system_mode=extend&system_share=0.25", headers=headers
    )
    assert r.status_code == 200
    assert r.json()["system"]["share"] == 0.25
    assert client.get("/api/projects/semi/assessment", headers=headers).json()["system"] is None
    assert client.get("/api/projects/semi/assessment?system=nope", headers=headers).status_code == 404
