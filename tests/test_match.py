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


# --- dense embeddings (a local model when one is present; a fixed concept encoder in tests) ---

CONCEPTS = {
    "euv": 0,
    "extreme": 0,
    "ultraviolet": 0,
    "exposure": 0,
    "scanner": 0,
    "polishing": 1,
    "slurry": 1,
    "abrasive": 1,
}


def concept_embed(texts):
    """Bag of concepts: each known word adds 1 on its concept's axis (a stand-in for a real model)."""
    import numpy as np

    out = np.zeros((len(texts), 2))
    for i, text in enumerate(texts):
        for word in text.lower().split():
            if word in CONCEPTS:
                out[i, CONCEPTS[word]] += 1
    return out


def test_semantic_similarity_hand_computed():
    import numpy as np

    from chokepoint.match import semantic_similarity

    vectors = {"q": [3.0, 4.0], "a": [6.0, 8.0], "b": [4.0, -3.0], "c": [-3.0, -4.0], "d": [0.0, 0.0]}
    sim = semantic_similarity("q", ["a", "b", "c", "d"], lambda ts: np.array([vectors[t] for t in ts]))
    # cos(q, a) = 1; q is orthogonal to b; c is opposite (clipped to 0); an empty vector gives 0
    np.testing.assert_allclose(sim, [1.0, 0.0, 0.0, 0.0], atol=1e-12)
    sim = semantic_similarity("q", ["e"], lambda ts: np.array([[3.0, 4.0], [4.0, 3.0]]))
    np.testing.assert_allclose(sim, [24 / 25])


def test_embeddings_match_wordings_that_share_no_term():
    cands = [
        Candidate("u1", "Institute A", "CHN", "EUV scanner", frozenset()),
        Candidate("u2", "Institute B", "CHN", "polishing slurry abrasive", frozenset()),
    ]
    query = "extreme ultraviolet exposure"
    plain = rank_candidates(query, [], cands).set_index("actor")
    assert plain.loc["u1", "score"] == plain.loc["u2", "score"] == 0.0  # BM25 finds no shared term
    assert "semantic" not in plain.columns
    dense = rank_candidates(query, [], cands, embed=concept_embed).set_index("actor")
    assert dense.loc["u1", "rank"] == 1
    assert dense.loc["u1", "semantic"] == pytest.approx(1.0) and dense.loc["u2", "semantic"] == 0.0
    # text = (1 - 0.5) * 0 + 0.5 * 1; score = 0.6 * text
    assert dense.loc["u1", "text"] == pytest.approx(0.5) and dense.loc["u1", "score"] == pytest.approx(0.3)
    assert "semantic similarity 1.00" in dense.loc["u1", "explanation"]


def test_an_encoder_of_the_wrong_shape_is_refused():
    import numpy as np

    from chokepoint.errors import UsageError

    cands = [Candidate("u1", "A", "CHN", "EUV scanner", frozenset())]
    with pytest.raises(UsageError, match="one embedding row per text"):
        rank_candidates("EUV", [], cands, embed=lambda ts: np.zeros((1, 4)))


def test_local_embedder_never_downloads_and_names_the_folder(tmp_path):
    from chokepoint.errors import UsageError
    from chokepoint.io.embedding_model import local_embedder

    with pytest.raises(UsageError, match="no such embedding model folder"):
        local_embedder(tmp_path / "all-MiniLM-L6-v2")  # a hub name is not fetched
    with pytest.raises(UsageError, match="not a saved sentence-transformers model"):
        local_embedder(tmp_path)


def test_cli_challenge_match_with_missing_embedding_model(cli, tmp_path):
    assert cli("demo").exit_code == 0
    added = cli(
        "challenges", "add", "--project", "semiconductors", "--title", "EUV光刻机光源攻关", "--nodes", "N20"
    )
    assert added.exit_code == 0, added.output
    key = added.output.split()[1].rstrip(":")
    ok = cli("challenges", "match", key, "--project", "semiconductors", "--format", "json")
    assert ok.exit_code == 0 and "ASML" in ok.output
    missing = tmp_path / "no-model"
    result = cli("challenges", "match", key, "--project", "semiconductors", "--embedding-model", str(missing))
    assert result.exit_code == 2  # a usage error, one clean message, no traceback
    assert "Traceback" not in result.output and f"{missing}: no such embedding model folder" in result.output


def test_expert_finding_with_an_encoder_adds_a_row_and_caches_texts():
    import numpy as np

    from chokepoint.match.evaluate import evaluate, load_arxiv

    calls: list[int] = []

    def hashed_words(texts):
        calls.append(len(texts))
        out = np.zeros((len(texts), 64))
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, sum(map(ord, word)) % 64] += 1
        return out

    df = load_arxiv(Path(__file__).parent / "data" / "arxiv" / "arxiv_metadata_first2000.csv")
    table = evaluate(df, 5, hashed_words)
    assert list(table.index) == ["bm25", "full", "full+embed"]
    assert (
        (
            (table[["precision@5", "recall@10", "mrr"]] >= 0)
            & (table[["precision@5", "recall@10", "mrr"]] <= 1)
        )
        .all()
        .all()
    )
    assert len(calls) >= 2 and calls[-1] < calls[0]  # later queries reuse the cached profiles


def test_lsa_relates_wordings_through_shared_context():
    import numpy as np

    from chokepoint.match.lsa import lsa_embedder

    corpus = [
        "EUV scanner light source plasma",
        "extreme ultraviolet light source plasma mirror",
        "scanner mirror plasma",
        "polishing slurry abrasive pad",
        "CMP slurry abrasive pad conditioner",
        "pad conditioner abrasive",
    ]
    embed = lsa_embedder(corpus, dim=2, seed=0)
    v = embed(["scanner", "mirror", "slurry", "conditioner"])
    cos = (v @ v.T) / np.outer(np.linalg.norm(v, axis=1), np.linalg.norm(v, axis=1))
    # "scanner" and "mirror" never share a query term but share contexts; "slurry" belongs elsewhere
    assert cos[0, 1] > 0.9 and cos[2, 3] > 0.9
    assert abs(cos[0, 2]) < 0.1
    np.testing.assert_allclose(embed(["scanner"]), lsa_embedder(corpus, dim=2, seed=0)(["scanner"]))
    assert not embed(["an unknown word"]).any()  # terms outside the corpus are ignored


def test_lsa_needs_a_corpus():
    from chokepoint.errors import UsageError
    from chokepoint.match.lsa import lsa_embedder

    with pytest.raises(UsageError, match="at least 2 texts"):
        lsa_embedder(["only one"])


def test_demo_challenge_with_lsa_keeps_the_direct_provider_first():
    chain = load_semiconductors()
    challenge = new_challenge(
        "极紫外光源攻关", "EUV光源与曝光系统集成", ["N20"], ["光源"], "SMEE", None, None, chain
    )
    df = match_challenge(chain, challenge, {}, CHINA, top=None, embed="lsa")
    assert df.loc[0, "name"] == "ASML" and bool(df.loc[0, "restricted"])
    assert df["semantic"].between(0, 1).all() and df["semantic"].iloc[0] > 0
