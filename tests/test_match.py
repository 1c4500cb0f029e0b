"""Collaborative innovation matching: Chinese wording, explanations, restricted flags, evaluation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from chokepoint.assess import Perspective
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import ChainValidationError
from chokepoint.match import Candidate, rank_candidates, tokens
from chokepoint.match.service import match_challenge, new_challenge, profiles_from_frame

CHINA = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")


def test_chinese_segmentation_and_synonyms():
    assert "光刻机" in tokens("研制EUV光刻机的光源")
    # different wordings of one technology share a canonical token
    assert "syn:lithography" in tokens("光刻设备国产化") and "syn:lithography" in tokens("lithography tools")
    assert "syn:photoresist" in tokens("高端光刻胶") and "syn:photoresist" in tokens("ArF photoresists")


def test_different_wordings_match_and_are_explained():
    cands = [
        Candidate(
            "u1",
            "Institute A",
            "CHN",
            "我们研制高端光刻机与浸没式曝光系统",
            frozenset({"N19"}),
            ("浸没式光刻机双工件台",),
        ),
        Candidate("u2", "Institute B", "CHN", "化学机械抛光液与研磨材料", frozenset({"N90"})),
        Candidate("u3", "Firm C", "USA", "lithography tools and scanners", frozenset({"N19"})),
    ]
    df = rank_candidates(
        "攻关光刻设备关键部件", ["N20"], cands, related={"N20": {"N19", "N20"}}, restricted=["USA"]
    ).set_index("actor")
    assert set(df.index[df["rank"] <= 2]) == {"u1", "u3"}  # both lithography, in either wording
    assert (
        "lithography" in df.loc["u1", "explanation"]
        and "evidence: 浸没式光刻机双工件台" in df.loc["u1", "explanation"]
    )
    assert "provides related N19" in df.loc["u1", "explanation"]
    assert bool(df.loc["u3", "restricted"]) and not bool(df.loc["u1", "restricted"])
    assert df.loc["u2", "score"] < df.loc["u1", "score"]


def test_profiles_import_rejects_bad_rows():
    chain = load_semiconductors()
    good = pd.DataFrame(
        [
            {
                "actor": "P70",
                "description": "光刻机整机",
                "keywords": "光刻;lithography",
                "nodes": "N19",
                "evidence_kind": "patent",
                "evidence_title": "一种投影物镜",
                "evidence_abstract": "",
            }
        ]
    )
    profiles = profiles_from_frame(good, [2], "p.csv", chain)
    assert profiles["P70"]["evidence"][0]["title"] == "一种投影物镜"
    bad = pd.concat([good, good.assign(actor="NOPE", nodes="N999")], ignore_index=True)
    with pytest.raises(ChainValidationError) as info:
        profiles_from_frame(bad, [2, 3], "p.csv", chain)
    assert {(p.row, p.column) for p in info.value.problems} == {(3, "actor")}


def test_demo_challenge_matches_home_lithography_firms_and_flags_restricted():
    chain = load_semiconductors()
    challenge = new_challenge(
        "EUV光刻机光源攻关", "极紫外光刻光源与光刻设备整机集成", ["N20"], ["光源"], "SMEE", None, None, chain
    )
    df = match_challenge(chain, challenge, {}, CHINA, top=None)
    top = df.head(5)
    assert "ASML" in set(top["name"])  # the leading provider, flagged
    assert bool(df.set_index("name").loc["ASML", "restricted"])
    home = match_challenge(chain, challenge, {}, CHINA, exclude_restricted=True, top=None)
    assert not home["restricted"].any() and "SMEE" in set(home.head(10)["name"])
    assert all(e for e in home.head(5)["explanation"])


def test_expert_finding_full_method_at_least_bm25():
    from chokepoint.match.evaluate import evaluate, load_arxiv

    table = evaluate(
        load_arxiv(Path(__file__).parent / "data" / "arxiv" / "arxiv_metadata_first2000.csv"), 40
    )
    assert table.loc["full", "mrr"] >= table.loc["bm25", "mrr"]
    assert table.loc["bm25", "mrr"] > 0.2 and int(table.loc["full", "queries"]) >= 30
