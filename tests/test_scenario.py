"""Disruption scenarios: hand-computed propagation, the demo chain, invariants, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chokepoint.assess import Perspective
from chokepoint.cli import app
from chokepoint.datasets import load_semiconductors
from chokepoint.model.chain import ChainMap
from chokepoint.scenario import (
    PropagationEngine,
    Scenario,
    ScenarioError,
    run_batch,
    run_scenario,
    scenario_from_dict,
    sweep,
)

NAN = float("nan")
HOME = Perspective.from_codes("CHN", "USA,JPN")


def scenario(*shocks: dict) -> Scenario:
    return Scenario.model_validate({"name": "t", "shocks": list(shocks)})


def three_tier_chain() -> ChainMap:
    """Tier 1: M (USA 60%, JPN 40%); kinds K1 (USA) and K2 (JPN 50%, CHN 50%) of T (rule all);
    kinds L1 (USA, market 300) and L2 (JPN, market 100) of Y (rule any).
    Tier 2: C (CHN 100%) needs M and T (weight 1) and Y (weight 0.5). Tier 3: F needs C.
    Extra: U (USA 50%, JPN unknown); V (country USA 100%; firms f1 70%, f2 30%, both USA).
    """
    nodes = [
        {"id": "M", "name": "Material M", "kind": "material"},
        {"id": "K1", "name": "Kind K1", "kind": "equipment"},
        {"id": "K2", "name": "Kind K2", "kind": "equipment"},
        {"id": "T", "name": "Tools T", "kind": "equipment", "children_rule": "all"},
        {"id": "L1", "name": "Kind L1", "kind": "equipment", "market_size": 300.0},
        {"id": "L2", "name": "Kind L2", "kind": "equipment", "market_size": 100.0},
        {"id": "Y", "name": "Tools Y", "kind": "equipment", "children_rule": "any"},
        {"id": "C", "name": "Component C", "kind": "component"},
        {"id": "F", "name": "Final F", "kind": "product"},
        {"id": "U", "name": "Node U", "kind": "material"},
        {"id": "V", "name": "Node V", "kind": "material"},
    ]
    edges = [
        {"source": "K1", "target": "T", "kind": "type_of"},
        {"source": "K2", "target": "T", "kind": "type_of"},
        {"source": "L1", "target": "Y", "kind": "type_of"},
        {"source": "L2", "target": "Y", "kind": "type_of"},
        {"source": "M", "target": "C", "kind": "input_of"},
        {"source": "T", "target": "C", "kind": "input_of"},
        {"source": "Y", "target": "C", "kind": "input_of", "weight": 0.5},
        {"source": "C", "target": "F", "kind": "input_of"},
    ]
    actors = [{"id": c, "name": c, "kind": "country", "country": c} for c in ("CHN", "USA", "JPN")]
    actors += [{"id": f, "name": f"Firm {f}", "kind": "enterprise", "country": "USA"} for f in ("f1", "f2")]
    prov = [
        ("USA", "M", 0.6),
        ("JPN", "M", 0.4),
        ("USA", "K1", 1.0),
        ("JPN", "K2", 0.5),
        ("CHN", "K2", 0.5),
        ("USA", "L1", 1.0),
        ("JPN", "L2", 1.0),
        ("CHN", "C", 1.0),
        ("USA", "U", 0.5),
        ("JPN", "U", NAN),
        ("USA", "V", 1.0),
        ("f1", "V", 0.7),
        ("f2", "V", 0.3),
    ]
    return ChainMap(
        nodes=pd.DataFrame(nodes),
        edges=pd.DataFrame(edges),
        actors=pd.DataFrame(actors),
        provisions=pd.DataFrame([{"actor": a, "node": n, "share": s, "year": 2025} for a, n, s in prov]),
    )


def availability(result) -> dict[str, float]:
    ix = result.chain.index
    return {str(n): float(result.availability[ix.node_position(n)]) for n in ix.node_ids}


@pytest.mark.parametrize(
    ("shock", "expected"),
    [
        # JPN: M 0.6; T = min(K1 1, K2 0.5); Y = (300*1 + 100*0)/400; C = min(1, 0.6, 0.5, 1-0.5*0.25);
        # U: JPN's share is unknown, so the central estimate keeps U whole (the bound says 50%)
        (
            {"type": "blockade", "country": "JPN"},
            {"M": 0.6, "K1": 1.0, "K2": 0.5, "T": 0.5, "L2": 0.0, "Y": 0.75, "C": 0.5, "F": 0.5, "U": 1.0},
        ),
        # USA at half depth: M 0.7; K1 0.5 -> T 0.5; Y = (150 + 100)/400; C = min(0.7, 0.5, 0.8125)
        (
            {"type": "blockade", "country": "USA", "depth": 0.5},
            {"M": 0.7, "K1": 0.5, "T": 0.5, "L1": 0.5, "Y": 0.625, "C": 0.5, "F": 0.5, "U": 0.75, "V": 0.5},
        ),
        # capacity: C keeps 20% of its supply
        ({"type": "capacity", "node": "C", "loss": 0.8}, {"C": 0.2, "F": 0.2, "M": 1.0, "T": 1.0}),
        # firm outage: the organization level of V loses 70%; the country level does not see it
        ({"type": "outage", "actor": "f1"}, {"V": 0.3, "C": 1.0}),
    ],
)
def test_hand_computed_three_tier_chain(shock, expected):
    r = run_scenario(three_tier_chain(), scenario(shock), HOME)
    got = availability(r)
    for node, value in expected.items():
        assert got[node] == pytest.approx(value, abs=1e-9), node


def test_unknown_share_is_a_bound_not_a_loss():
    r = run_scenario(three_tier_chain(), scenario({"type": "blockade", "country": "JPN"}), HOME)
    # JPN's blank share of U is part of the unknown 50%: no known loss, up to 50% if it is all Japan's
    i = r.chain.index.node_position("U")
    assert r.loss[i] == 0.0
    assert r.loss_upper[i] == pytest.approx(0.5)
    row = r.frame.set_index("id").loc["U"]
    assert bool(row["unknown_share_used"])
    assert row["coverage"] == pytest.approx(0.5)
    assert r.loss_note(i) == "0% (up to 50% if Japan (JPN) holds the unknown 50% of Node U)"


def test_explanation_path_and_alternatives():
    r = run_scenario(three_tier_chain(), scenario({"type": "blockade", "country": "JPN"}), HOME)
    # Japan's own provision, blockaded by Japan: the country is named once, by the shock
    assert r.path("F") == "Final F <- Component C <- Tools T <- Kind K2 <- JPN blockade"
    alts = r.alternatives("K2")
    assert [a["actor"] for a in alts if a["type"] == "provider"] == ["CHN"]


def test_empty_scenario_has_no_loss_anywhere():
    chain = three_tier_chain()
    r = run_scenario(chain, Scenario(), HOME)
    assert np.all(r.availability == 1.0)
    assert r.frame.empty


def test_scenario_errors_name_the_shock():
    with pytest.raises(ScenarioError) as info:
        run_scenario(three_tier_chain(), scenario({"type": "blockade", "country": "CHN"}), HOME)
    assert "shocks.0.country" in str(info.value)
    assert "home economy" in str(info.value)
    with pytest.raises(ScenarioError, match=r"shocks\.0\.node"):
        run_scenario(three_tier_chain(), scenario({"type": "capacity", "node": "nope", "loss": 0.5}), HOME)
    with pytest.raises(ScenarioError, match=r"shocks\.0\.blockade\.depth"):
        scenario_from_dict({"shocks": [{"type": "blockade", "country": "USA", "depth": 2}]}, "s.yaml")


# ------------------------------------------------------------------ demo chain
@pytest.fixture(scope="module")
def demo():
    return load_semiconductors()


def test_demo_netherlands_blockade(demo):
    p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    r = run_scenario(demo, scenario({"type": "blockade", "country": "NLD"}), p)
    a = availability(r)
    assert a["N20"] == 0.0
    assert "N25" in set(r.frame["id"])
    assert "N99" in set(r.frame["id"])
    path = r.path("N99")
    assert path.startswith("Finished logic chip <-")
    assert "Photolithography" in path
    assert path.endswith("EUV lithography tools <- ASML <- NLD blockade")
    # the finished chip is no higher than its scarcest required input
    ix = demo.index
    chip = ix.node_position("N99")
    inputs = ix.input_of.tocsc()
    srcs = inputs.indices[inputs.indptr[chip] : inputs.indptr[chip + 1]]
    assert r.availability[chip] <= r.availability[srcs].min() + 1e-12


def test_demo_sweep_ranks_countries(demo):
    p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    s = sweep(demo, p, "country", chunk=5)
    ranking = s.ranking()
    assert "CHN" not in set(ranking["country"])
    assert "VAR" not in set(ranking["country"])
    assert {"USA", "NLD", "JPN"} <= set(ranking.head(6)["country"])
    loss = s.loss_matrix()
    assert loss.loc["N20", "NLD"] == pytest.approx(1.0)
    # each column equals the single blockade run
    single = run_scenario(demo, scenario({"type": "blockade", "country": "JPN"}), p)
    np.testing.assert_allclose(
        1 - loss["JPN"].to_numpy(), single.availability[~demo.index.node_is_stage], atol=1e-12
    )


# ------------------------------------------------------------------ invariants
COUNTRIES = ("USA", "JPN", "NLD", "DEU", "KOR")
P = Perspective.from_codes("CHN", "USA,JPN,NLD")


@st.composite
def chains(draw):
    n = draw(st.integers(3, 8))
    nodes = [
        {
            "id": f"n{i}",
            "name": f"n{i}",
            "kind": "component",
            "children_rule": draw(st.sampled_from(["all", "any"])),
            "market_size": draw(st.sampled_from([NAN, 10.0, 30.0])),
        }
        for i in range(n)
    ]
    edges = []
    for j in range(1, n):
        for i in draw(st.sets(st.integers(0, j - 1), max_size=3)):
            kind = draw(st.sampled_from(["input_of", "input_of", "type_of"]))
            e = {"source": f"n{i}", "target": f"n{j}", "kind": kind}
            if kind == "input_of":
                e["weight"] = draw(st.sampled_from([1.0, 0.5, 0.2]))
            edges.append(e)
    prov = []
    for i in range(n):
        cs = draw(st.lists(st.sampled_from((*COUNTRIES, "CHN")), unique=True, max_size=3))
        raw = draw(st.lists(st.floats(0.05, 1), min_size=len(cs), max_size=len(cs)))
        tot = max(1.0, sum(raw))
        for c, r in zip(cs, raw, strict=True):
            unknown = draw(st.integers(0, 5)) == 0
            prov.append({"actor": c, "node": f"n{i}", "share": NAN if unknown else r / tot, "year": 2025})
    actors = [{"id": c, "name": c, "kind": "country", "country": c} for c in (*COUNTRIES, "CHN")]
    return ChainMap(
        nodes=pd.DataFrame(nodes),
        edges=pd.DataFrame(edges, columns=["source", "target", "kind", "weight"]),
        actors=pd.DataFrame(actors),
        provisions=pd.DataFrame(prov, columns=["actor", "node", "share", "year"]),
    )


shocks = st.lists(
    st.fixed_dictionaries(
        {"type": st.just("blockade"), "country": st.sampled_from(COUNTRIES), "depth": st.floats(0, 1)}
    ),
    max_size=3,
)


@settings(max_examples=60, deadline=None)
@given(chains(), shocks, st.sampled_from(COUNTRIES), st.floats(0, 1))
def test_more_or_wider_shocks_never_raise_availability(chain, base, extra_country, extra_depth):
    a0 = run_scenario(chain, scenario(*base), P).availability
    more = run_scenario(
        chain, scenario(*base, {"type": "blockade", "country": extra_country, "depth": extra_depth}), P
    ).availability
    assert np.all(more <= a0 + 1e-12)
    if base:
        wider = [dict(base[0], depth=min(1.0, base[0]["depth"] + 0.3)), *base[1:]]
        assert np.all(run_scenario(chain, scenario(*wider), P).availability <= a0 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(chains(), st.sampled_from(COUNTRIES), st.data())
def test_moving_share_to_an_unblocked_provider_never_lowers_availability(chain, blocked, data):
    prov = chain.provisions
    rows = list(prov.index[(prov["actor"] == blocked) & prov["share"].notna() & (prov["share"] > 0)])
    if not rows:
        return
    k = data.draw(st.sampled_from(rows))
    node = prov.loc[k, "node"]
    others = [c for c in (*COUNTRIES, "CHN") if c != blocked]
    receiver = data.draw(st.sampled_from(others))
    hit = (prov["node"] == node) & (prov["actor"] == receiver)
    if hit.any() and prov.loc[hit, "share"].isna().any():
        return  # the receiver's share is unknown: the unknown-share rule decides its weight
    moved = prov.loc[k, "share"] * data.draw(st.floats(0.1, 1.0))
    new = prov.copy()
    new.loc[k, "share"] -= moved
    if hit.any():
        new.loc[new.index[hit][0], "share"] += moved
    else:
        extra = pd.DataFrame([{"actor": receiver, "node": node, "share": moved, "year": 2025}])
        new = pd.concat([new, extra], ignore_index=True)
    moved_chain = ChainMap(nodes=chain.nodes, edges=chain.edges, actors=chain.actors, provisions=new)
    sc = scenario({"type": "blockade", "country": blocked})
    before = run_scenario(chain, sc, P).availability
    after = run_scenario(moved_chain, sc, P).availability
    if prov.loc[prov["node"] == node, "share"].isna().any():
        return  # imputed unknown shares depend on the known sum
    assert np.all(after >= before - 1e-12)


@settings(max_examples=40, deadline=None)
@given(chains(), shocks, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_node_order(chain, base, rnd):
    order = list(range(len(chain.nodes)))
    rnd.shuffle(order)
    shuffled = ChainMap(
        nodes=chain.nodes.iloc[order],
        edges=chain.edges.iloc[::-1],
        actors=chain.actors,
        provisions=chain.provisions.iloc[::-1],
    )
    a = run_scenario(chain, scenario(*base), P)
    b = run_scenario(shuffled, scenario(*base), P)
    for nid in chain.nodes["id"]:
        assert a.availability[chain.index.node_position(nid)] == pytest.approx(
            b.availability[shuffled.index.node_position(nid)], abs=1e-12
        )


@settings(max_examples=40, deadline=None)
@given(chains(), st.lists(shocks, min_size=1, max_size=5))
def test_batch_equals_single_runs(chain, many):
    scenarios = [scenario(*s) for s in many]
    eng = PropagationEngine(chain, P)
    batch = run_batch(chain, scenarios, P, engine=eng)
    for j, sc in enumerate(scenarios):
        single = run_scenario(chain, sc, P, engine=eng).availability
        np.testing.assert_allclose(batch[:, j], single, atol=1e-12, rtol=0)


def test_availability_lies_in_unit_interval_on_the_demo(demo):
    p = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")
    s = sweep(demo, p, "enterprise")
    assert s.availability.min() >= 0.0
    assert s.availability.max() <= 1.0


# ------------------------------------------------------------------------ CLI
def test_cli_scenario_run_save_list_show(tmp_path):
    db = str(tmp_path / "s.db")
    runner = CliRunner()

    def cli(*args):
        return runner.invoke(app, [*args, "--db", db])

    assert cli("demo").exit_code == 0
    f = tmp_path / "nld.yaml"
    f.write_text("name: nld\nshocks:\n  - {type: blockade, country: NLD}\n", encoding="utf-8")
    r = cli("scenario", "run", str(f), "--project", "semiconductors", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    chip = next(n for n in doc["nodes"] if n["id"] == "N99")
    assert chip["availability"] == 0.0
    assert chip["path"].endswith("ASML <- NLD blockade")
    assert cli("scenario", "save", str(f), "--project", "semiconductors").exit_code == 0
    listed = cli("scenario", "list", "--project", "semiconductors")
    assert "nld" in listed.stdout
    assert "NLD" in cli("scenario", "show", "nld", "--project", "semiconductors").stdout
    out = tmp_path / "run.xlsx"
    assert cli("scenario", "run", "nld", "--project", "semiconductors", "--out", str(out)).exit_code == 0
    from openpyxl import load_workbook

    assert load_workbook(out).sheetnames == ["Cover", "Impacted nodes", "Alternatives"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("shocks:\n  - {type: blockade, country: NLD, depth: 3}\n", encoding="utf-8")
    r = cli("scenario", "run", str(bad), "--project", "semiconductors")
    assert r.exit_code == 1
    assert "shocks.0" in r.stderr
    sw = cli("scenario", "sweep", "--project", "semiconductors", "--by", "country", "--format", "csv")
    assert sw.exit_code == 0
    assert sw.stdout.splitlines()[0].startswith("rank,country")


def test_pair_sweep_by_hand_and_against_the_single_sweep():
    """Hand-computed: X is 60% JPN, 30% DEU, 10% USA; F needs X and is the only final product
    (its value share is 1). Alone: JPN stops 0.6, DEU 0.3, USA 0.1 of F. Together (every
    provision of both cut): JPN+DEU 0.9, JPN+USA 0.7, DEU+USA 0.4; each pair's excess over
    the worse member alone: 0.3, 0.1, 0.1 (tolerance 1e-12)."""
    import pandas as pd

    from chokepoint.model.chain import ChainMap
    from chokepoint.scenario import pair_sweep, sweep

    chain = ChainMap(
        nodes=pd.DataFrame(
            [
                {"id": "X", "name": "Input X", "kind": "material"},
                {"id": "F", "name": "Final F", "kind": "product"},
            ]
        ),
        edges=pd.DataFrame([{"source": "X", "target": "F", "kind": "input_of"}]),
        actors=pd.DataFrame(
            [{"id": c, "name": c, "kind": "country", "country": c} for c in ("JPN", "DEU", "USA", "CHN")]
        ),
        provisions=pd.DataFrame(
            [
                {"actor": "JPN", "node": "X", "share": 0.6, "year": 2025},
                {"actor": "DEU", "node": "X", "share": 0.3, "year": 2025},
                {"actor": "USA", "node": "X", "share": 0.1, "year": 2025},
            ]
        ),
    )
    p = Perspective.from_codes("CHN")
    r = pair_sweep(chain, p)
    got = r.ranking().set_index("pair")
    assert list(got.index) == ["DEU+JPN", "JPN+USA", "DEU+USA"]
    assert got["final_value_stopped"].tolist() == pytest.approx([0.9, 0.7, 0.4], abs=1e-12)
    assert got["joint_excess"].tolist() == pytest.approx([0.3, 0.1, 0.1], abs=1e-12)
    assert got.loc["DEU+JPN", "worst_node"] == "X"  # X and F both lose 0.9: the first in chain order
    single = sweep(chain, p, "country").ranking().set_index("country")["final_value_stopped"]
    alone = dict(zip(r.countries, r.alone.final_value_stopped, strict=True))
    assert alone == single.to_dict()  # the same kernel, the same columns: equal exactly
    assert alone["JPN"] == pytest.approx(0.6, abs=1e-12)


def test_pair_sweep_on_the_demo_chain_is_never_below_either_member():
    from chokepoint.scenario import pair_sweep

    r = pair_sweep(load_semiconductors(), Perspective.from_codes("CHN", "USA,JPN"))
    rank = r.ranking()
    c = len(r.countries)
    assert len(rank) == c * (c - 1) // 2
    assert (rank["joint_excess"] >= -1e-12).all()
    assert rank["final_value_stopped"].between(0, 1 + 1e-12).all()
    assert rank["final_value_stopped"].is_monotonic_decreasing


def test_group_union_columns_cut_each_group_once_by_its_depth():
    """Scenario columns built from provider groups: the union of the groups' provisions, sorted,
    a group named twice counted once, -1 naming none; each column cut by its own depth."""
    from chokepoint.scenario.batch import GroupUnionColumns

    group_of = np.array([1, 0, -1, 1, 2, 0])
    src = GroupUnionColumns(
        group_of, np.array([[0, 1], [2, 2], [-1, 2], [1, -1]]), np.array([1.0, 0.5, 0.2, 0.8])
    )
    cut = src.build(src.shared(), src.part(0, 4)).toarray()
    want = np.zeros((6, 4))
    want[[0, 1, 3, 5], 0] = 1.0
    want[4, 1] = 0.5
    want[4, 2] = 0.2
    want[[0, 3], 3] = 0.8
    np.testing.assert_array_equal(cut, want)
    part = src.build(src.shared(), src.part(1, 3)).toarray()
    np.testing.assert_array_equal(part, want[:, 1:3])
