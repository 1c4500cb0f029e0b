"""The coverage rule (chokepoint.assess.coverage): partial shares are never scaled up into losses.

Reference: the hand calculation of the issue "Findings a policy analyst can sign" on the fixture
tests/data/coverage-battery (country shares CHN 0.65, KOR 0.20, BEL 0.10; one Belgian firm 0.08):
a Belgian blockade removes max(0.10, 0.08) = 0.10; the bound is min(0.10 + 0.05, 0.08 + 0.92) = 0.15.
Tolerance 1e-12 (the arithmetic is exact up to float rounding).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.assess import Perspective, assess
from chokepoint.datasets import load_semiconductors
from chokepoint.io.chains import read_chain
from chokepoint.model.chain import ChainMap
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.model import Scenario
from chokepoint.scenario.run import run_scenario

DATA = Path(__file__).parent / "data" / "coverage-battery"
CHINA = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")


def battery() -> ChainMap:
    return read_chain(DATA).chain


def blockade(*codes: str) -> Scenario:
    return Scenario.model_validate({"shocks": [{"type": "blockade", "country": c} for c in codes]})


def test_partial_enterprise_share_is_not_scaled_to_a_full_stop():
    chain = battery()
    r = run_scenario(chain, blockade("BEL"), Perspective.from_codes("CHN", "BEL"))
    i = chain.index.node_position("B2")
    assert r.loss[i] == pytest.approx(0.10, abs=1e-12)
    assert r.loss_upper[i] == pytest.approx(0.15, abs=1e-12)
    assert r.final_value_lost < 0.2
    assert r.final_value_lost == pytest.approx(0.10, abs=1e-12)
    assert r.final_value_lost_upper == pytest.approx(0.15, abs=1e-12)
    doc = r.document()
    rows = {n["id"]: n for n in doc["nodes"]}
    assert rows["B2"]["coverage"] == pytest.approx(0.95)
    assert rows["B4"]["coverage"] == pytest.approx(0.95)
    assert rows["B4"]["loss_note"] == (
        "10% (up to 15% if Belgium (BEL) holds the unknown 5% of Cathode active material)"
    )
    # the country level lost most: no enterprise between the node and the shock that names the country
    assert rows["B4"]["path"].endswith("Cathode active material <- BEL blockade")
    zh = {n["id"]: n for n in r.document("zh")["nodes"]}
    assert zh["B4"]["loss_note"] == "10%（若正极材料未知的5%市场份额属于比利时（BEL），最多15%）"


def test_no_single_country_stop_claimed_on_partial_data():
    from chokepoint.lists.build import major_problem_list

    a = assess(battery(), Perspective.from_codes("CHN", "BEL"))
    problems = major_problem_list(a)
    assert not (problems["kind"] == "single_country_stop").any()


def test_assessment_exposure_follows_the_same_rule():
    chain = battery()
    a = assess(chain, Perspective.from_codes("CHN", "BEL"))
    row = a.row("B2")
    assert row["restricted_share"] == pytest.approx(0.10)
    assert row["restricted_share_upper"] == pytest.approx(0.15)


def test_nld_blockade_still_stops_euv_on_the_demo_chain():
    """Positive control: ASML (NLD) holds 100% of EUV tools, fully known."""
    chain = load_semiconductors()
    r = run_scenario(chain, blockade("NLD"), CHINA)
    i = chain.index.node_position("N20")
    assert r.loss[i] == 1.0
    assert r.loss_upper[i] == 1.0
    assert r.document()["nodes"][0]["coverage"] is not None


def test_assessment_and_scenario_agree_on_every_demo_node():
    """The assessment's restricted share and its bound are the direct supply loss and bound of a
    blockade by every restricted country, node by node."""
    chain = load_semiconductors()
    a = assess(chain, CHINA)
    eng = PropagationEngine(chain, CHINA)
    cut = eng.provider_mask(countries=list(CHINA.restricted)).astype(float)[:, None]
    loss, bound = eng.supply_loss_bounds(cut)
    np.testing.assert_allclose(a.supply.exposure_known, loss[:, 0], atol=1e-12)
    np.testing.assert_allclose(a.supply.exposure, bound[:, 0], atol=1e-12)


# ---------------------------------------------------------------------------------- properties

COUNTRIES = ("USA", "JPN", "DEU", "FRA")


def one_node_chain(country_shares: list[float | None], firms: list[tuple[int, float | None]]) -> ChainMap:
    actors = [{"id": c, "name": c, "kind": "country", "country": c} for c in ("CHN", *COUNTRIES)]
    actors += [
        {"id": f"F{k}", "name": f"Firm {k}", "kind": "enterprise", "country": COUNTRIES[c]}
        for k, (c, _) in enumerate(firms)
    ]
    prov = [
        {"actor": COUNTRIES[k], "node": "X", "share": np.nan if s is None else s, "year": 2025}
        for k, s in enumerate(country_shares)
    ]
    prov += [
        {"actor": f"F{k}", "node": "X", "share": np.nan if s is None else s, "year": 2025}
        for k, (_, s) in enumerate(firms)
    ]
    return ChainMap(
        nodes=pd.DataFrame(
            [{"id": "X", "name": "X", "kind": "material"}, {"id": "F", "name": "F", "kind": "product"}]
        ),
        edges=pd.DataFrame([{"source": "X", "target": "F", "kind": "input_of"}]),
        actors=pd.DataFrame(actors),
        provisions=pd.DataFrame(prov),
    )


share = st.one_of(st.none(), st.floats(0.0, 0.25))
# at most four firms of at most 25% each: the firm level never sums above 100%
firm = st.tuples(st.integers(0, len(COUNTRIES) - 1), share)


@settings(max_examples=150, deadline=None)
@given(st.lists(share, min_size=1, max_size=4), st.lists(firm, max_size=4), st.integers(0, 3))
def test_direct_loss_is_the_larger_known_share_of_the_two_levels(country_shares, firms, shocked):
    chain = one_node_chain(country_shares, firms)
    code = COUNTRIES[shocked]
    r = run_scenario(chain, blockade(code), Perspective.from_codes("CHN"))
    country = country_shares[shocked] if shocked < len(country_shares) else None
    by_country = country or 0.0
    by_firms = sum(s or 0.0 for c, s in firms if c == shocked)
    i = chain.index.node_position("X")
    assert r.loss[i] == pytest.approx(max(by_country, by_firms), abs=1e-9)
    assert r.loss[i] <= r.loss_upper[i] + 1e-12
    # the bound at each level is its known loss plus its unknown remainder
    level_bounds = []
    if country_shares:
        level_bounds.append(by_country + 1 - sum(s or 0.0 for s in country_shares))
    if firms:
        level_bounds.append(by_firms + 1 - sum(s or 0.0 for _, s in firms))
    named = shocked < len(country_shares) or any(c == shocked for c, _ in firms)
    expected = max(r.loss[i], min(level_bounds)) if named else 0.0
    assert r.loss_upper[i] == pytest.approx(min(1.0, expected), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(share, min_size=1, max_size=4),
    st.lists(firm, max_size=4),
    st.integers(0, 3),
    st.floats(0.0, 0.3),
)
def test_adding_an_unrelated_provision_never_raises_a_loss(country_shares, firms, shocked, extra):
    chain = one_node_chain(country_shares, firms)
    p = Perspective.from_codes("CHN")
    before = run_scenario(chain, blockade(COUNTRIES[shocked]), p)
    prov = pd.concat(
        [chain.provisions, pd.DataFrame([{"actor": "CHN", "node": "X", "share": extra, "year": 2025}])],
        ignore_index=True,
    )
    other = ChainMap(nodes=chain.nodes, edges=chain.edges, actors=chain.actors, provisions=prov)
    after = run_scenario(other, blockade(COUNTRIES[shocked]), p)
    assert np.all(after.loss <= before.loss + 1e-12)
    assert np.all(after.loss_upper <= before.loss_upper + 1e-12)


@settings(max_examples=25, deadline=None)
@given(st.sets(st.sampled_from(["USA", "JPN", "NLD", "KOR", "TWN", "DEU", "GBR", "SGP"]), min_size=1))
def test_loss_never_exceeds_its_bound_on_the_demo_chain(codes):
    chain = _demo()
    r = run_scenario(chain, blockade(*sorted(codes)), CHINA)
    assert np.all(r.loss <= r.loss_upper + 1e-12)
    assert r.final_value_lost <= r.final_value_lost_upper + 1e-12


_DEMO: list[ChainMap] = []


def _demo() -> ChainMap:
    if not _DEMO:
        _DEMO.append(load_semiconductors())
    return _DEMO[0]
