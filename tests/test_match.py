"""Collaborative innovation matching: Chinese wording, explanations, restricted flags, evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.assess import Perspective
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import ChainValidationError, UsageError
from chokepoint.match import Candidate, rank_candidates, tokens
from chokepoint.match.challenges import match_challenge, new_challenge, profiles_from_frame

CHINA = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")


def test_chinese_segmentation_and_synonyms():
    assert "光刻机" in tokens("研制EUV光刻机的光源")
    # different wordings of one technology share a canonical token
    assert "syn:lithography" in tokens("光刻设备国产化")
    assert "syn:lithography" in tokens("lithography tools")
    assert "syn:photoresist" in tokens("高端光刻胶")
    assert "syn:photoresist" in tokens("ArF photoresists")
    # synonym terms win over segmentations that straddle them: 极紫外 + 光刻, not 极 + 紫外光 + 刻
    assert {"极紫外", "光刻", "syn:euv", "syn:lithography"} <= set(tokens("极紫外光刻光源"))
    # the boilerplate of challenge announcements names no capability
    assert not {"攻关", "国产化", "高端"} & set(tokens("高端光刻胶国产化攻关"))


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
    # both lithography, in either wording: they outscore the polishing institute
    assert df.loc["u2", "score"] < min(df.loc["u1", "score"], df.loc["u3", "score"])
    assert df.loc["u1", "rank"] == 1
    assert df.loc["u3", "rank"] == 3
    assert "lithography" in df.loc["u1", "explanation"]
    assert "evidence: 浸没式光刻机双工件台" in df.loc["u1", "explanation"]
    assert "provides related N19" in df.loc["u1", "explanation"]
    assert bool(df.loc["u3", "restricted"])
    assert not bool(df.loc["u1", "restricted"])
    assert df.loc["u3", "standing"] == "restricted"
    assert df.loc["u1", "standing"] == "neutral"
    assert df.loc["u2", "explanation"] == "no matching evidence"


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


def test_demo_challenge_by_owner_name_keeps_restricted_out_and_the_owner_away():
    chain = load_semiconductors()
    challenge = new_challenge(
        "EUV光刻机光源攻关", "极紫外光刻光源与光刻设备整机集成", ["N20"], ["光源"], "SMEE", None, None, chain
    )
    home = match_challenge(chain, challenge, {}, CHINA, top=None)
    assert not home["restricted"].any()
    assert "ASML" not in set(home["name"])
    assert "SMEE" not in set(home["name"])  # the owner, named by its name, is not its own solver
    assert all(e for e in home.head(5)["explanation"])
    flagged = match_challenge(chain, challenge, {}, CHINA, include_restricted=True, top=None)
    restricted = flagged[flagged["restricted"]]
    assert restricted.iloc[0]["name"] == "ASML"  # the leading provider, flagged, first of its tier
    assert "provides N20 (EUV lithography tools)" in restricted.iloc[0]["explanation"]


def test_expert_finding_full_method_at_least_bm25():
    from chokepoint.match.evaluate import evaluate, load_arxiv

    table = evaluate(
        load_arxiv(Path(__file__).parent / "data" / "arxiv" / "arxiv_metadata_first2000.csv"), 40
    )
    assert table.loc["full", "mrr"] >= table.loc["bm25", "mrr"]
    assert table.loc["bm25", "mrr"] > 0.2
    assert int(table.loc["full", "queries"]) >= 30


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
    assert dense.loc["u1", "semantic"] == pytest.approx(1.0)
    assert dense.loc["u2", "semantic"] == 0.0
    # text = (1 - 0.5) * 0 + 0.5 * 1; score = 0.6 * text
    assert dense.loc["u1", "text"] == pytest.approx(0.5)
    assert dense.loc["u1", "score"] == pytest.approx(0.3)
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
    assert ok.exit_code == 0
    assert "ASML" not in ok.output
    flagged = cli(
        "challenges", "match", key, "--project", "semiconductors", "--include-restricted", "--top", "500"
    )
    assert flagged.exit_code == 0
    assert "ASML" in flagged.output
    missing = tmp_path / "no-model"
    result = cli("challenges", "match", key, "--project", "semiconductors", "--embedding-model", str(missing))
    assert result.exit_code == 2  # a usage error, one clean message, no traceback
    assert "Traceback" not in result.output
    assert f"{missing}: no such embedding model folder" in result.output


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
    assert len(calls) >= 2
    assert calls[-1] < calls[0]


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
    assert cos[0, 1] > 0.9
    assert cos[2, 3] > 0.9
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
    df = match_challenge(chain, challenge, {}, CHINA, include_restricted=True, top=None, embed="lsa")
    restricted = df[df["restricted"]].reset_index(drop=True)
    assert restricted.loc[0, "name"] == "ASML"
    assert df["semantic"].between(0, 1).all()
    assert restricted.loc[0, "semantic"] > 0


# --- the perspective: standing, restricted actors, data aggregates, the owner, Chinese explanations ---

ARF_TITLE = "ArF浸没式光刻机光源与投影物镜"
ARF_TEXT = "研制28纳米ArF浸没式光刻机的国产光源与投影物镜"
STABLE = ["rank", "actor", "name", "country", "standing", "score", "restricted", "explanation"]


@pytest.fixture(scope="module")
def semi():
    return load_semiconductors()


@pytest.fixture(scope="module")
def arf(semi):
    """SMEE (P70, CHN) asks for an ArF immersion lithography tool (N22)."""
    return new_challenge(ARF_TITLE, ARF_TEXT, ["N22"], [], "P70", None, None, semi)


def _classes(chain, codes, perspective=CHINA):
    from chokepoint.assess.supply import CLASS_NAMES, classify_codes

    return [CLASS_NAMES[k] for k in classify_codes(np.array(list(codes), dtype=object), chain, perspective)]


def _aggregates(chain):
    """Organizations whose country is a data aggregate (a region without members), per classify_codes."""
    orgs = chain.actors[chain.actors["kind"].isin(["enterprise", "institution"])]
    cls = _classes(chain, orgs["country"])
    return {a for a, c, k in zip(orgs["id"], orgs["country"], cls, strict=True) if k == "aggregate" and c}


def test_demo_aggregates_are_the_eto_various_companies(semi):
    assert _aggregates(semi) == {"P370"}  # "Various companies", country VAR (a region without members)


def test_default_match_is_home_first_without_restricted_aggregates_or_owner(semi, arf):
    df = match_challenge(semi, arf, {}, CHINA, top=None)
    assert len(df) >= 5
    assert set(STABLE) <= set(df.columns)
    assert list(df["rank"]) == list(range(1, len(df) + 1))
    top10 = df.head(10)
    assert not top10["restricted"].any()
    assert "restricted" not in set(df["standing"])
    assert not set(top10["country"]) & set(CHINA.restricted)
    assert "aggregate" not in _classes(semi, top10["country"])
    assert "P370" not in set(df["actor"])
    assert "P70" not in set(df["actor"])
    assert df.loc[0, "standing"] == "home"
    assert df.loc[0, "country"] == "CHN"
    # home candidates with evidence come before every neutral one
    lead = df[(df["standing"] == "home") & (df["explanation"] != "no matching evidence")]
    assert not lead.empty
    assert lead["rank"].max() < df.loc[df["standing"] == "neutral", "rank"].min()
    assert set(df["standing"]) <= {"home", "allied", "neutral"}
    assert all(e for e in df["explanation"])
    assert len(match_challenge(semi, arf, {}, CHINA, top=8)) == 8


def test_include_restricted_flags_them_after_every_other_candidate(semi, arf):
    default = match_challenge(semi, arf, {}, CHINA, top=None)
    df = match_challenge(semi, arf, {}, CHINA, include_restricted=True, top=None)
    flagged = df["restricted"].to_numpy()
    assert flagged.any()
    assert not flagged[: (~flagged).sum()].any()
    assert (df.loc[df["restricted"], "standing"] == "restricted").all()
    assert set(df.loc[df["restricted"], "country"]) <= set(CHINA.restricted)
    asml = df.set_index("name").loc["ASML"]
    assert bool(asml["restricted"])
    assert asml["score"] == df["score"].max()
    assert "provides N22 (ArF immersion (DUV) lithography tools)" in asml["explanation"]
    # the same candidates and scores as without the restricted ones: the filter does not rescore
    rest = df[~df["restricted"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(rest.drop(columns="rank"), default.drop(columns="rank"))
    assert "P370" not in set(df["actor"])
    assert "P70" not in set(df["actor"])


def test_chinese_explanations_name_nodes_in_chinese(semi, arf):
    df = match_challenge(semi, arf, {}, CHINA, include_restricted=True, top=None, lang="zh")
    text = " ".join(df["explanation"])
    for english in (
        "matched terms",
        "provides",
        "evidence:",
        "semantic similarity",
        "related",
        "no matching",
    ):
        assert english not in text
    asml = df.set_index("name").loc["ASML", "explanation"]
    assert asml.startswith("匹配词：")
    assert "供给 N22（ArF浸没式(DUV)光刻机）" in asml
    assert "（光刻）" in asml
    assert "lithography" not in asml
    assert "无匹配证据" in set(df["explanation"])
    en = match_challenge(semi, arf, {}, CHINA, include_restricted=True, top=None)
    assert list(en["actor"]) == list(df["actor"])
    assert np.allclose(en["score"], df["score"])
    with pytest.raises(UsageError, match="en or zh"):
        match_challenge(semi, arf, {}, CHINA, lang="fr")
    profile = {"actor": "P107", "description": "浸没式光刻机涂胶显影", "keywords": ["投影物镜"], "nodes": []}
    profile["evidence"] = [{"kind": "patent", "title": "一种浸没式光刻投影物镜", "abstract": ""}]
    kingsemi = match_challenge(semi, arf, {"P107": profile}, CHINA, top=1, lang="zh").iloc[0]
    assert kingsemi["actor"] == "P107"
    assert "证据：一种浸没式光刻投影物镜" in kingsemi["explanation"]
    assert "物镜" in kingsemi["explanation"].split("；")[0]  # a matched term of its profile


def test_without_a_perspective_nothing_is_restricted(semi, arf):
    df = match_challenge(semi, arf, {}, None, top=None)
    assert not df["restricted"].any()
    assert set(df["standing"]) == {"neutral"}
    assert df.loc[0, "name"] == "ASML"  # today's order: by score, the direct provider first
    assert list(df["score"]) == sorted(df["score"], reverse=True)
    assert "P370" not in set(df["actor"])
    assert "P70" not in set(df["actor"])
    assert match_challenge(semi, arf, {}, None, include_restricted=True, top=None).equals(df)


def test_standing_orders_tiers_and_evidence_lifts_home_candidates():
    cands = [
        Candidate("h1", "Home lab", "CHN", "光刻机 光源", frozenset()),
        Candidate("h2", "Home idle", "CHN", "化学品", frozenset({"N9"})),
        Candidate("a1", "Allied firm", "DEU", "光源", frozenset()),
        Candidate("n1", "Neutral firm", "SGP", "光刻机 光源 投影物镜", frozenset({"N1"})),
        Candidate("r1", "Restricted firm", "USA", "光刻机 光源 投影物镜 整机", frozenset({"N1"})),
        Candidate("n2", "Neutral idle", "BRA", "化学品", frozenset()),
    ]
    standing = {"CHN": "home", "DEU": "allied", "SGP": "neutral", "USA": "restricted", "BRA": "neutral"}
    nodes = ["N1", "N9"]
    phi = np.array([[1.0, 0.5], [0.5, 1.0]])  # N9 is close to N1: h2 has relatedness, nothing else
    df = rank_candidates(
        "光刻机光源与投影物镜", ["N1"], cands, node_ids=nodes, phi=phi, standing=standing, lang="zh"
    )
    # home and allied with evidence, by score; neutral with home-without-evidence, by score; restricted
    assert set(df["actor"][:2]) == {"h1", "a1"}
    assert df["score"][0] >= df["score"][1]
    assert list(df["actor"][2:]) == ["n1", "h2", "n2", "r1"]
    assert df["score"].iloc[-1] > df["score"][:2].max()  # r1 outscores the home lab, still last
    assert df["score"][2] > df["score"][:2].max()  # n1 too: evidence lifts a home candidate
    assert df["restricted"].tolist() == [False] * 5 + [True]
    h2 = df.set_index("actor").loc["h2"]
    assert h2["explanation"] == "能力相关度 0.33（与榜单环节的共同供给）"
    assert h2["score"] == pytest.approx(0.05)
    with pytest.raises(UsageError, match="unknown standing"):
        rank_candidates("x", [], cands, standing={"CHN": "friendly"})
    with pytest.raises(UsageError, match="en or zh"):
        rank_candidates("x", [], cands, lang="de")


_SEMI = load_semiconductors()
_ORGS = sorted(_SEMI.actors.loc[_SEMI.actors["kind"].isin(["enterprise", "institution"]), "id"])


@settings(max_examples=30, deadline=None)
@given(
    owner=st.sampled_from(_ORGS),
    nodes=st.lists(
        st.sampled_from(["N19", "N20", "N22", "N90", "N105"]), min_size=1, max_size=2, unique=True
    ),
    include=st.booleans(),
    perspective=st.sampled_from([CHINA, None]),
)
def test_owner_is_never_its_own_solver_and_every_eligible_actor_is_ranked(owner, nodes, include, perspective):
    challenge = new_challenge("光刻机关键部件攻关", "国产化", nodes, [], owner, None, None, _SEMI)
    df = match_challenge(_SEMI, challenge, {}, perspective, include_restricted=include, top=None)
    assert owner not in set(df["actor"])
    orgs = _SEMI.actors[_SEMI.actors["id"].isin(_ORGS)]
    cls = _classes(_SEMI, orgs["country"], perspective or Perspective(home=("\0",)))
    eligible = {
        a
        for a, k in zip(orgs["id"], cls, strict=True)
        if a != owner and k != "aggregate" and (include or k != "restricted")
    }
    assert set(df["actor"]) == eligible
    assert len(df) >= min(5, len(eligible))
    assert not set(df["actor"]) & _aggregates(_SEMI)
    if perspective is None or not include:
        assert not df["restricted"].any()
    else:
        flagged = df["restricted"].to_numpy()
        assert not flagged[: (~flagged).sum()].any()


def test_cli_match_in_chinese_with_standing_labels(cli):
    assert cli("demo").exit_code == 0
    added = cli(
        "challenges", "add", "--project", "semiconductors", "--title", ARF_TITLE,
        "--description", ARF_TEXT, "--nodes", "N22", "--owner", "P70",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    key = added.output.split()[1].rstrip(":")
    zh = cli("challenges", "match", key, "--project", "semiconductors", "--top", "8", "--lang", "zh")
    assert zh.exit_code == 0, zh.output
    assert "本国" in zh.output
    assert "中立" in zh.output
    assert "匹配词" in zh.output
    assert "matched terms" not in zh.output
    assert " home " not in zh.output
    assert "受限" not in zh.output
    assert "SMEE" not in zh.output
    assert "Various companies" not in zh.output
    rows = json.loads(
        cli(
            "challenges", "match", key, "--project", "semiconductors", "--format", "json", "--lang", "zh"
        ).output
    )
    assert len(rows) >= 5
    assert rows[0]["standing"] == "home"
    assert not any(r["restricted"] for r in rows)
    assert {r["standing"] for r in rows} <= {"home", "allied", "neutral"}  # JSON keeps the codes
    flagged = json.loads(
        cli(
            "challenges", "match", key, "--project", "semiconductors", "--format", "json",
            "--include-restricted", "--top", "500",
        ).output
    )  # fmt: skip
    assert flagged[-1]["restricted"]
    assert "ASML" in {r["name"] for r in flagged if r["restricted"]}
    other = cli(
        "challenges", "match", key, "--project", "semiconductors", "--format", "json",
        "--home", "DEU", "--restricted", "CHN", "--allied", "AUT", "--top", "3",
    )  # fmt: skip
    assert other.exit_code == 0
    assert {r["standing"] for r in json.loads(other.output)} <= {"home", "allied"}
    bad = cli("challenges", "match", key, "--project", "semiconductors", "--lang", "fr")
    assert bad.exit_code == 2
    assert "--lang must be en or zh" in bad.output
    # the former flag is the default now: still accepted, same rows; contradicting it is refused
    old = cli("challenges", "match", key, "--project", "semiconductors", "--format", "json", "--lang", "zh",
              "--exclude-restricted")  # fmt: skip
    assert old.exit_code == 0
    assert json.loads(old.output) == rows
    both = cli("challenges", "match", key, "--project", "semiconductors", "--exclude-restricted",
               "--include-restricted")  # fmt: skip
    assert both.exit_code == 2
    assert "contradict" in both.output
    assert "--include-restricted" in cli("challenges", "match", "--help").output
