"""Consortium proposal (issue 24, item 2): set cover over positions and capabilities, greedy within
Chvátal's H(d) of the exact optimum, never a restricted or aggregate actor, every member with its
reason; pilot-scale platforms (item 4) as actors matched like solvers."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chokepoint.assess import Perspective
from chokepoint.cli import app as cli_app
from chokepoint.datasets import load_semiconductors
from chokepoint.match.consortium import (
    ALLOWED,
    POSITIONS,
    exact_cover,
    greedy_cover,
    harmonic,
    propose_consortium,
)
from illustrative import illustrative_store

PERSPECTIVE = Perspective.from_codes("CHN", "USA,JPN,NLD")


# ------------------------------------------------------------------ the cover itself
def test_greedy_misses_the_optimum_on_the_textbook_case_and_stays_within_its_bound():
    # A and B cover everything (2 sets); greedy takes C first (4 new elements), then needs 2 more
    sets = [
        frozenset({1, 2, 3}),
        frozenset({4, 5, 6}),
        frozenset({1, 2, 4, 5}),
        frozenset({3}),
        frozenset({6}),
    ]
    sets = [frozenset(str(e) for e in s) for s in sets]
    costs = [1.0] * 5
    assert exact_cover(sets, costs) == [0, 1]
    greedy = greedy_cover(sets, costs)
    assert greedy[0] == 2
    assert len(greedy) == 3
    assert len(greedy) <= harmonic(4) * 2  # H(4) = 25/12
    assert harmonic(4) == pytest.approx(25 / 12)


def brute_force_minimum(sets: list[frozenset[str]]) -> int:
    universe = set().union(*sets)
    for k in range(len(sets) + 1):
        for combo in itertools.combinations(range(len(sets)), k):
            if set().union(*(sets[j] for j in combo)) >= universe:
                return k
    raise AssertionError("unreachable")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.frozensets(st.sampled_from("abcdefghij"), min_size=1, max_size=5), min_size=1, max_size=8))
def test_both_covers_cover_exact_is_minimal_and_greedy_within_h_of_d(sets):
    """Property, against brute force on small random cases: both cover the union; exact is a
    minimum; greedy is within H(d) of it (Chvátal 1979), d the largest set."""
    universe = set().union(*sets)
    costs = [1.0] * len(sets)
    exact, greedy = exact_cover(sets, costs), greedy_cover(sets, costs)
    for chosen in (exact, greedy):
        assert set().union(*(sets[j] for j in chosen)) == universe
    assert len(exact) == brute_force_minimum(sets)
    assert len(greedy) <= harmonic(max(len(s) for s in sets)) * len(exact) + 1e-9


# ------------------------------------------------------------------ proposals on the demo chain
@pytest.fixture
def store(tmp_path: Path):
    s = illustrative_store(tmp_path)
    yield s
    s.close()


def test_a_consortium_for_plating_tools_holds_every_position_with_its_reason(store):
    chain, profiles = store.chains.load("semi"), store.records.get("semi", "profile")
    for method in ("exact", "greedy"):
        p = propose_consortium(
            chain, PERSPECTIVE, "T-CHN-N45", "N45", ["electroplating"], profiles, method, ["P115"]
        )
        out = p.to_dict("en")
        assert out["gaps"] == []
        roles = {r: m["actor"] for m in out["members"] for r in m["roles"]}
        assert set(roles) == set(POSITIONS)
        assert roles["lead"] == "P115"  # NAURA, the task's lead
        assert roles["upstream"] == "X4"
        assert roles["first_user"] == "X3"
        assert roles["pilot"] == "X2"
        assert roles["research"] == "X1"
        assert "X5" not in {m["actor"] for m in out["members"]}  # restricted, however well it matches
        assert out["size"] == 5
        pilot = next(m for m in out["members"] if m["actor"] == "X2")
        assert pilot["reasons"][0] == "pilot-scale line for Electrochemical plating tools (N45), scale 300 mm"
        assert "electroplating" in next(m for m in out["members"] if m["actor"] == "X1")["capabilities"]
    zh = p.to_dict("zh")
    assert zh["members"][0]["role_labels"] == ["牵头企业"]
    assert zh["members"][0]["name"] == "北方华创"


@settings(max_examples=25, deadline=None)
@given(
    node=st.sampled_from(["N45", "N31", "N20", "N40", "N44", "N22", "N104"]),
    capabilities=st.lists(
        st.sampled_from(["electroplating", "lithography", "沉积", "annealing", "x-ray"]), max_size=3
    ),
    home=st.sampled_from(["CHN", "KOR", "DEU"]),
)
def test_every_proposal_covers_what_can_be_covered_and_never_names_an_excluded_actor(
    node, capabilities, home
):
    """Property over nodes, capabilities and perspectives: every required element is held by a
    member or listed as a gap; no member is restricted or an aggregate, and each position is held
    by a standing allowed for it."""
    chain = load_semiconductors()
    perspective = Perspective.from_codes(home, "USA,JPN,NLD")
    p = propose_consortium(chain, perspective, "T", node, capabilities)
    held = set().union(*(m.covers for m in p.members)) if p.members else set()
    assert set(p.required) <= held | set(p.gaps)
    assert not set(p.gaps) & held
    for m in p.members:
        assert m.standing in ("home", "allied", "neutral")
        assert all(m.standing in ALLOWED[r] for r in m.covers if r in ALLOWED)
    greedy = propose_consortium(chain, perspective, "T", node, capabilities, method="greedy")
    assert len(greedy.members) <= greedy.bound * max(len(p.members), 1) + 1e-9


def test_cli_proposes_saves_and_shows_and_the_api_agrees(store, tmp_path):
    runner = CliRunner()
    db = ["--db", store.url]
    shown = runner.invoke(
        cli_app,
        [
            "consortium",
            "propose",
            "--project",
            "semi",
            "--task",
            "T-CHN-N45",
            "--capabilities",
            "electroplating",
            "--save",
            "--lang",
            "zh",
            *db,
        ],
    )
    assert shown.exit_code == 0, shown.output
    assert "T-CHN-N45（N45）：5家成员，精确求解" in shown.output
    assert "P115 北方华创 [本国] 牵头企业" in shown.output
    assert "缺口" not in shown.output
    saved = json.loads(
        runner.invoke(cli_app, ["consortium", "show", "--project", "semi", "--task", "T-CHN-N45", *db]).output
    )
    assert saved["size"] == 5
    assert saved["by"] == "cli"
    assert store.ledger.entries("semi", "consortium")[0]["key"] == "T-CHN-N45"  # logged
    unknown = runner.invoke(
        cli_app, ["consortium", "propose", "--project", "semi", "--task", "T-CHN-NOPE", *db]
    )
    assert unknown.exit_code == 1
    assert "no task 'T-CHN-NOPE' in project 'semi'" in unknown.output
