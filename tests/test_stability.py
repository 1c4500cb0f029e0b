"""One tie-breaking rule for every ranking, and the stability of the top under a weight sweep."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kendalltau

from chokepoint.assess.config import AssessmentConfig
from chokepoint.assess.ranking import rank_order, ranks_of
from chokepoint.assess.sensitivity import ranks, sensitivity
from chokepoint.assess.stability import (
    ONE_AT_A_TIME,
    SIMPLEX,
    grid_design,
    ranking_stability,
    sweep_scores,
    weight_grid,
)
from chokepoint.errors import UsageError

NAN = float("nan")
TOL = 1e-12


# ------------------------------------------------------------------- rank_order
def test_rank_order_score_descending_nan_last_then_tiebreaks_then_id():
    score = np.array([0.5, 0.9, 0.5, NAN, 0.5, 0.5])
    ids = np.array(["e", "a", "d", "b", "c", "f"], dtype=object)
    crit = np.array([0.1, 0.0, 0.1, 0.0, 0.7, NAN])
    # 0.9 first; of the four at 0.5: crit 0.7 (c), then crit 0.1 by id (d, e), NaN crit (f); NaN last
    assert ids[rank_order(score, ids, crit)].tolist() == ["a", "c", "d", "e", "f", "b"]
    # without tie-breaks the id decides
    assert ids[rank_order(score, ids)].tolist() == ["a", "c", "d", "e", "f", "b"]
    # a second tie-break only acts where the first ties
    expo = np.array([0.9, 0.0, 0.1, 0.0, 0.0, 0.0])
    assert ids[rank_order(score, ids, crit, expo)].tolist() == ["a", "c", "e", "d", "f", "b"]


def test_rank_order_numeric_ids_sort_as_numbers():
    assert rank_order(np.zeros(3), np.array([10, 9, 100])).tolist() == [1, 0, 2]


def test_rank_order_two_dimensional_ranks_each_row_like_one_dimensional():
    rng = np.random.default_rng(3)
    s = rng.integers(0, 4, size=(5, 12)) / 4
    ids = np.array([f"N{i}" for i in range(12)], dtype=object)
    tb = rng.integers(0, 3, size=12).astype(float)
    both = rank_order(s, ids, tb)
    for row, order in zip(s, both, strict=True):
        assert order.tolist() == rank_order(row, ids, tb).tolist()


def test_ranks_of_inverts_the_order():
    order = np.array([2, 0, 3, 1])
    r = ranks_of(order, 4)
    assert r.tolist() == [2, 4, 1, 3]
    assert (np.argsort(r) == order).all()
    assert ranks_of(np.array([[1, 0], [0, 1]]), 2).tolist() == [[2, 1], [1, 2]]
    assert ranks_of(np.array([2]), 3).tolist() == [0, 0, 1]  # positions not ranked: 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.25, 0.5, NAN]), st.sampled_from([0.0, 1.0, NAN])),
        min_size=1,
        max_size=25,
    ),
    st.randoms(use_true_random=False),
)
def test_rank_order_is_permutation_invariant(rows, rnd):
    """Equal scores get the same relative order whatever the order of the input rows."""
    n = len(rows)
    score = np.array([r[0] for r in rows])
    tb = np.array([r[1] for r in rows])
    ids = np.array([f"N{i}" for i in range(n)], dtype=object)
    perm = np.array(rnd.sample(range(n), n))
    first = ids[rank_order(score, ids, tb)]
    again = ids[perm][rank_order(score[perm], ids[perm], tb[perm])]
    assert first.tolist() == again.tolist()
    # and the order is the rule: score descending with NaN last
    s = score[rank_order(score, ids, tb)]
    finite = s[~np.isnan(s)]
    assert (np.diff(finite) <= 0).all()
    assert not np.isnan(s[: len(finite)]).any()


# ---------------------------------------------------------------- sensitivity
def test_sensitivity_ranks_follow_the_main_rule_with_its_tiebreaks():
    config = AssessmentConfig()
    names = list(config.weights)
    n = 6
    comps = {k: np.full(n, 0.5) for k in names}  # every score ties: tie-breaks decide
    crit = np.array([0.2, 0.9, 0.2, 0.5, 0.2, 0.1])
    expo = np.array([0.3, 0.0, 0.8, 0.0, 0.3, 0.0])
    ids = np.array(["f", "e", "d", "c", "b", "a"], dtype=object)
    eligible = np.array([True, True, True, True, True, False])
    score = np.full(n, 0.5)
    level = np.full(n, "III", dtype=object)
    sens = sensitivity(
        comps,
        config,
        score=score,
        level=level,
        insufficient=np.zeros(n, dtype=bool),
        node_ids=ids,
        eligible=eligible,
        tiebreaks=(crit, expo),
    )
    e = np.flatnonzero(eligible)
    main = ids[e][rank_order(score[e], ids[e], crit[e], expo[e])]
    assert sens["id"].tolist() == main.tolist() == ["e", "c", "d", "b", "f"]
    assert sens["rank"].tolist() == [1, 2, 3, 4, 5]
    # equal components: every variant gives the same ranks
    assert (sens["rank_min"] == sens["rank"]).all()
    assert (sens["rank_max"] == sens["rank"]).all()
    # the non-eligible node ranks after every eligible one
    assert ranks(score, eligible, ids, crit, expo)[~eligible].tolist() == [6]


# ----------------------------------------------------------------- the grid
def test_weight_grid_three_components_is_the_full_simplex():
    g = weight_grid(["gap", "criticality", "exposure"])
    assert grid_design(3) == SIMPLEX
    assert g.shape == (36, 3)
    assert np.abs(g.sum(axis=1) - 1).max() <= 1e-9
    assert len(np.unique(np.round(g, 9), axis=0)) == 36
    for j in range(3):  # each weight takes every value 0.1, ..., 0.8
        assert np.allclose(np.unique(np.round(g[:, j], 9)), np.arange(1, 9) / 10)
    assert any(np.allclose(row, [0.2, 0.3, 0.5]) for row in g)


@pytest.mark.parametrize("k", [2, 4, 7])
def test_weight_grid_other_sizes_sweep_one_weight_at_a_time(k):
    names = [f"c{i}" for i in range(k)]
    base = {n: float(i + 1) for i, n in enumerate(names)}
    g = weight_grid(names, base=base)
    assert grid_design(k) == ONE_AT_A_TIME
    assert np.abs(g.sum(axis=1) - 1).max() <= 1e-9
    b = np.array(list(base.values()))
    for j in range(k):
        for v in np.arange(1, 9) / 10:
            rows = g[np.isclose(g[:, j], v)]
            assert len(rows) >= 1
            if k > 2:  # the others keep their base proportions in one of them
                rest = np.delete(rows, j, axis=1)
                share = np.delete(b, j) / np.delete(b, j).sum()
                assert np.isclose(rest / rest.sum(axis=1, keepdims=True), share).all(axis=1).any()
    assert len(np.unique(np.round(g, 9), axis=0)) == len(g)  # a weighting repeated is kept once
    if k > 2:  # equal base weights 1/k are off the grid: no row repeats
        assert len(weight_grid(names)) == 8 * k


def test_weight_grid_rejects_bad_values():
    with pytest.raises(UsageError):
        weight_grid([])
    with pytest.raises(UsageError):
        weight_grid(["a", "b", "c"], low=0.5, high=0.2)


def test_sweep_scores_is_the_weighted_geometric_mean():
    x = np.array([[0.9, 0.2], [0.0, 0.5], [NAN, 0.5], [1.5, -0.1]])
    w = np.array([[0.3, 0.7], [1.0, 0.0], [0.0, 1.0]])
    s = sweep_scores(x, w)
    assert s[0, 0] == pytest.approx(0.9**0.3 * 0.2**0.7, abs=TOL)
    assert s[0, 1] == 0.0  # a weighted component is 0
    assert math.isnan(s[0, 2])  # a weighted component is NaN
    assert s[0, 3] == 0.0  # clipped to [0, 1]
    assert s[2, 1] == pytest.approx(0.5, abs=TOL)  # weight 0 ignores the 0 and the NaN
    assert s[2, 2] == pytest.approx(0.5, abs=TOL)
    assert s[1, 0] == pytest.approx(0.9, abs=TOL)


# ----------------------------------------------------------- hand-checked case
# A: gap 0.9, crit 0.2; B: gap 0.3, crit 0.9; C: gap 0.6, crit 0.5.
# base (1/2, 1/2): A 0.424, B 0.520, C 0.548 -> C, B, A; top 2 = {C, B}
# (0.8, 0.2):      A 0.666, B 0.374, C 0.579 -> A, C, B; top {A, C}: Jaccard 1/3
#     pairs AB, AC discordant, BC concordant: tau = (1 - 2) / 3 = -1/3
# (0.2, 0.8):      A 0.270, B 0.722, C 0.519 -> B, C, A; top {B, C}: Jaccard 1
#     pairs AB, AC concordant, BC discordant: tau = (2 - 1) / 3 = 1/3
HAND = {"gap": np.array([0.9, 0.3, 0.6]), "criticality": np.array([0.2, 0.9, 0.5])}
HAND_IDS = np.array(["A", "B", "C"], dtype=object)
HAND_GRID = np.array([[0.8, 0.2], [0.2, 0.8]])


def hand_report(**kwargs):
    return ranking_stability(
        HAND,
        {"gap": 1.0, "criticality": 1.0},
        np.ones(3, dtype=bool),
        HAND_IDS,
        top=2,
        grid=HAND_GRID,
        **kwargs,
    )


def test_hand_checked_jaccard_and_tau():
    r = hand_report()
    assert r.n_weightings == 2
    assert r.top_ids == ("C", "B")
    assert r.jaccard[0] == pytest.approx(1 / 3, abs=TOL)
    assert r.jaccard[1] == pytest.approx(1.0, abs=TOL)
    assert r.tau[0] == pytest.approx(-1 / 3, abs=TOL)
    assert r.tau[1] == pytest.approx(1 / 3, abs=TOL)
    assert r.jaccard_mean == pytest.approx(2 / 3, abs=TOL)
    assert r.jaccard_min == pytest.approx(1 / 3, abs=TOL)
    assert r.tau_mean == pytest.approx(0.0, abs=TOL)
    assert r.tau_min == pytest.approx(-1 / 3, abs=TOL)
    assert r.membership == {"C": 1.0, "B": 0.5}
    assert r.always_top == ("C",)


def test_hand_checked_ineligible_node_takes_no_part():
    r = ranking_stability(
        HAND, {"gap": 1.0, "criticality": 1.0}, np.array([True, True, False]), HAND_IDS, top=1, grid=HAND_GRID
    )
    # A, B only: base B (0.520 > 0.424); (0.8, 0.2) A; (0.2, 0.8) B; tau -1 then 1
    assert r.top_ids == ("B",)
    assert r.jaccard == pytest.approx((0.0, 1.0), abs=TOL)
    assert r.tau == pytest.approx((-1.0, 1.0), abs=TOL)
    assert r.always_top == ()


def test_lines_and_dict_of_the_hand_case():
    r = hand_report()
    en = r.lines()
    assert en[0] == (
        "Top 2 under 2 weightings (each weight 0.2-0.8): Jaccard overlap mean 0.67 (min 0.33), "
        "Kendall's tau mean 0.00 (min -0.33); in the top 2 in every weighting: C"
    )
    zh = r.lines("zh")
    assert zh[0].startswith(
        "权重扫描（每个权重0.2–0.8，共2组）下前2名的稳定性：Jaccard重合度均值0.67（最小0.33）"
    )
    assert "在每组权重下均位列前2名：C" in zh[0]
    d = r.to_dict()
    assert d["n_weightings"] == 2
    assert d["jaccard_min"] == pytest.approx(1 / 3, abs=1e-6)
    assert d["always_top"] == ["C"]
    assert d["weightings"][0]["weights"] == {"gap": 0.8, "criticality": 0.2}


# ------------------------------------------------------------ scipy reference
def test_tau_is_scipys_tau_b_between_base_and_swept_scores():
    rng = np.random.default_rng(17)
    n = 60
    comps = {k: rng.uniform(0.05, 1, n) for k in ("gap", "criticality", "exposure")}
    for c in comps.values():  # exact ties: nodes 40-59 repeat nodes 0-19
        c[40:] = c[:20]
    base = {"gap": 1.0, "criticality": 1.0, "exposure": 1.0}
    eligible = rng.uniform(size=n) > 0.2
    ids = np.array([f"N{i}" for i in range(n)], dtype=object)
    r = ranking_stability(comps, base, eligible, ids)
    assert r.n_weightings == 36
    x = np.column_stack(list(comps.values()))[eligible]
    b = np.round(np.prod(x ** (1 / 3), axis=1), 12)
    for w, tau in zip(r.grid, r.tau, strict=True):
        s = np.round(np.prod(x ** np.array(w), axis=1), 12)
        assert tau == pytest.approx(kendalltau(b, s, variant="b").statistic, abs=TOL)
    assert r.tau_mean == pytest.approx(np.mean(r.tau), abs=TOL)
    assert r.tau_min == pytest.approx(np.min(r.tau), abs=TOL)
    assert len(r.top_ids) == 15


def test_mathematically_equal_scores_tie_and_the_next_key_decides():
    # 0.4 * 0.9 == 0.6 * 0.6 in exact arithmetic, not always in floating point
    score = np.array([np.sqrt(0.4) * np.sqrt(0.9), np.exp(0.5 * np.log(0.6) + 0.5 * np.log(0.6))])
    ids = np.array(["b", "a"], dtype=object)
    assert ids[rank_order(score, ids)].tolist() == ["a", "b"]
    assert ids[rank_order(score, ids, np.array([1.0, 0.0]))].tolist() == ["b", "a"]


def test_the_base_weighting_in_the_grid_gives_jaccard_and_tau_one():
    rng = np.random.default_rng(5)
    n = 40
    comps = {k: rng.uniform(0.05, 1, n) for k in ("gap", "criticality", "exposure")}
    base = {"gap": 0.2, "criticality": 0.3, "exposure": 0.5}  # a point of the 0.1 grid
    r = ranking_stability(comps, base, np.ones(n, dtype=bool), np.arange(n).astype(str))
    (i,) = [j for j, w in enumerate(r.grid) if np.allclose(w, [0.2, 0.3, 0.5])]
    assert r.jaccard[i] == 1.0
    assert r.tau[i] == pytest.approx(1.0, abs=TOL)
    # equal weights are not on the grid: given as a grid of their own, they report 1 too
    eq = ranking_stability(
        comps, base, np.ones(n, dtype=bool), np.arange(n).astype(str), grid=np.array([[2, 3, 5]])
    )
    assert eq.jaccard == (1.0,)
    assert eq.always_top == eq.top_ids


def test_identical_components_give_tau_nan_and_a_stable_top():
    """Every node alike: every score ties, tau-b is undefined (NaN) and left out; ids decide the top."""
    n = 20
    comps = {k: np.full(n, 0.4) for k in ("gap", "criticality", "exposure")}
    ids = np.array([f"N{i:02d}" for i in range(n)], dtype=object)
    r = ranking_stability(
        comps, {"gap": 1, "criticality": 1, "exposure": 1}, np.ones(n, dtype=bool), ids, top=5
    )
    assert all(math.isnan(t) for t in r.tau)
    assert math.isnan(r.tau_mean)
    assert math.isnan(r.tau_min)
    assert r.jaccard_min == 1.0
    assert r.top_ids == ("N00", "N01", "N02", "N03", "N04")
    assert r.always_top == r.top_ids
    assert r.to_dict()["tau_mean"] is None
    assert "Kendall's tau mean n/a (min n/a)" in r.lines()[0]
    assert "Kendall τ均值无法计算" in r.lines("zh")[0]


def test_tiebreaks_and_insufficient_follow_the_main_table():
    n = 6
    comps = {k: np.full(n, 0.5) for k in ("gap", "criticality", "exposure")}
    ids = np.array(list("abcdef"), dtype=object)
    crit = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    insufficient = np.array([False, False, False, False, False, True])
    r = ranking_stability(
        comps,
        {"gap": 1, "criticality": 1, "exposure": 1},
        np.ones(n, dtype=bool),
        ids,
        top=3,
        tiebreaks=(crit,),
        insufficient=insufficient,
    )
    # f has the highest criticality but no score: ranked last, as in the main table
    assert r.top_ids == ("e", "d", "c")
