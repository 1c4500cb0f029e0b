"""Governance risk from the bundled WGI tables and the EU (JRC 2017) supply-risk formula."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chokepoint.assess.governance import (
    GovernanceTable,
    eu_supply_risk,
    governance_table,
    hhi_wgi,
    import_reliance,
    risk_from_estimate,
    risk_of,
)
from chokepoint.datasets.governance import available_years, load_governance
from chokepoint.errors import UsageError

# Raw estimates typed from the 2020 WGI release (2020_Worldwide_Governance_Indicators_1996-2019.csv),
# 2019, in the order Voice, Political stability, Government effectiveness, Regulatory quality,
# Rule of law, Control of corruption.
DNK_2019 = [
    1.57877886295319,
    1.00882089138031,
    1.93789863586426,
    1.56501233577728,
    1.8984570503234901,
    2.1073682308197,
]
AFG_2019 = [
    -0.988032281398773,
    -2.64940667152405,
    -1.46387493610382,
    -1.12055540084839,
    -1.71352696418762,
    -1.40107560157776,
]
# Political stability, geopolrisk's wgi table (wgi_political_stability_estimate_1996_2024.csv).
DNK_PV_2024 = 0.7688761
AFG_PV_2019 = -2.652406930923462
# The pytradeshifts 2022 file's normalised six-dimension mean for Denmark, v = (x + 2.5) / 5.
DNK_2022_NORMALISED = 0.8529221534729005


@pytest.mark.parametrize("spec", ["wgi", "wgi-pv", "wgi:2019", "wgi:1996", "wgi-pv:2010", " WGI-PV:2024 "])
def test_bundled_tables_load_with_risks_in_unit_interval(spec: str) -> None:
    table = load_governance(spec)
    assert isinstance(table, GovernanceTable)
    values = np.array(list(table.risk.values()))
    assert len(values) > 150
    assert np.all((values >= 0.0) & (values <= 1.0))
    assert 0.0 <= table.missing_value <= 1.0
    assert "CC BY 4.0" in table.note


def test_latest_years_and_none() -> None:
    assert load_governance("wgi").year == 2022  # type: ignore[union-attr]
    assert load_governance("wgi-pv").year == 2024  # type: ignore[union-attr]
    assert load_governance("none") is None
    assert available_years("wgi")[:3] == [1996, 1998, 2000]
    assert 2001 not in available_years("wgi")
    assert load_governance("wgi") is load_governance("wgi")  # cached


def test_denmark_low_afghanistan_high_and_exact_values() -> None:
    t = load_governance("wgi:2019")
    assert t is not None
    dnk = (2.5 - np.mean(DNK_2019)) / 5.0
    afg = (2.5 - np.mean(AFG_2019)) / 5.0
    assert t.risk["DNK"] == pytest.approx(dnk, abs=1e-9)
    assert t.risk["AFG"] == pytest.approx(afg, abs=1e-9)
    assert t.risk["DNK"] < 0.2 < 0.75 < t.risk["AFG"]
    pv = load_governance("wgi-pv:2024")
    assert pv is not None
    assert pv.risk["DNK"] == pytest.approx((2.5 - DNK_PV_2024) / 5.0, abs=1e-9)
    # Afghanistan's 2019 political stability (-2.65) is below -2.5: the risk is clipped to 1.
    assert load_governance("wgi-pv:2019").risk["AFG"] == 1.0  # type: ignore[union-attr]
    assert AFG_PV_2019 < -2.5
    # 2022 on the same scale: estimate = 5 v - 2.5, so risk = 1 - v.
    assert load_governance("wgi:2022").risk["DNK"] == pytest.approx(1.0 - DNK_2022_NORMALISED, abs=1e-9)  # type: ignore[union-attr]


def test_world_bank_codes_are_mapped_to_iso3() -> None:
    t = load_governance("wgi:2019")
    assert t is not None
    for iso, wb in [
        ("ROU", "ROM"),
        ("COD", "ZAR"),
        ("AND", "ADO"),
        ("TLS", "TMP"),
        ("PSE", "WBG"),
        ("XKX", "KSV"),
    ]:
        assert iso in t.risk
        assert wb not in t.risk
    assert {"HKG", "TWN", "TUR", "SWZ"} <= set(load_governance("wgi:2022").risk)  # type: ignore[union-attr]


def test_missing_value_is_the_median_and_is_flagged() -> None:
    t = load_governance("wgi-pv:2024")
    assert t is not None
    assert t.missing_value == pytest.approx(float(np.median(list(t.risk.values()))), abs=1e-15)
    assert t.missing_value < max(t.risk.values())
    risk, imputed = risk_of(t, np.array(["DNK", "EUR", "VAR", "ZZZ"], dtype=object))
    assert imputed.tolist() == [False, True, True, True]
    assert risk[0] == t.risk["DNK"]
    assert np.all(risk[1:] == t.missing_value)
    assert f"{t.missing_value:.3f}" in t.note


def test_overrides_win_and_are_not_flagged() -> None:
    t = load_governance("wgi")
    assert t is not None
    risk, imputed = risk_of(t, np.array(["DNK", "EUR", "CHN"], dtype=object), {"DNK": 0.9, "EUR": 0.3})
    assert risk[:2].tolist() == [0.9, 0.3]
    assert risk[2] == t.risk["CHN"]
    assert not imputed.any()


def test_risk_of_without_a_table() -> None:
    risk, imputed = risk_of(None, np.array(["USA", "CHN"], dtype=object), {"CHN": 0.8}, missing_value=0.5)
    assert risk.tolist() == [0.5, 0.8]
    assert imputed.tolist() == [True, False]
    with pytest.raises(UsageError):
        risk_of(None, np.array(["USA"], dtype=object))
    with pytest.raises(UsageError, match="CHN"):
        risk_of(None, np.array(["USA"], dtype=object), {"CHN": 1.5}, missing_value=0.5)


def test_unknown_spec_and_missing_year_are_usage_errors() -> None:
    with pytest.raises(UsageError, match=r"wgi, wgi:YEAR, wgi-pv, wgi-pv:YEAR or none"):
        load_governance("freedom-house")
    with pytest.raises(UsageError, match="unknown"):
        load_governance("wgi:latest")
    with pytest.raises(UsageError, match=r"available years: 1996, 1998, 2000, 2002.*2019, 2022"):
        load_governance("wgi:2001")
    with pytest.raises(UsageError, match=r"available years: .*2024"):
        load_governance("wgi-pv:2030")


def test_scaling_and_table_builder() -> None:
    assert risk_from_estimate([2.5, 0.0, -2.5, 3.0, -3.0]).tolist() == [0.0, 0.5, 1.0, 0.0, 1.0]
    t = governance_table("wgi", 2000, ["AAA", "BBB", "CCC", "DDD"], [1.0, 0.0, -1.0, np.nan])
    assert dict(t.risk) == pytest.approx({"AAA": 0.3, "BBB": 0.5, "CCC": 0.7})
    assert t.missing_value == pytest.approx(0.5)
    with pytest.raises(TypeError):
        t.risk["AAA"] = 0.0  # type: ignore[index]
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        GovernanceTable("x", 2000, {"AAA": 1.2}, 0.5, "")


def test_hhi_wgi_against_hand_computed_table() -> None:
    # group 0: shares 0.5, 0.3, 0.2 with risks 0.1, 0.6, 0.9:
    #   0.25*0.1 + 0.09*0.6 + 0.04*0.9 = 0.025 + 0.054 + 0.036 = 0.115
    # group 1: one country with the whole market, risk 0.4 -> 0.4; group 2: no entry -> 0.
    shares = np.array([0.5, 0.3, 0.2, 1.0])
    risk = np.array([0.1, 0.6, 0.9, 0.4])
    groups = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(hhi_wgi(shares, risk, groups, 3), [0.115, 0.4, 0.0], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="groups"):
        hhi_wgi(shares, risk, np.array([0, 0, 0, 3]), 3)
    with pytest.raises(ValueError, match="same length"):
        hhi_wgi(shares, risk[:3], groups, 3)


def test_eu_supply_risk_against_hand_computed_example() -> None:
    # HHI_WGI,GS = 4.0, HHI_WGI,EU = 2.0 (JRC 0-10 WGI scale), IR = 0.6, EoL-RIR = 0.1, SI_SR = 0.9:
    #   [4.0 * 0.3 + 2.0 * 0.7] * (1 - 0.1) * 0.9 = 2.6 * 0.81 = 2.106
    # (no published JRC material is used: its inputs could not be checked here).
    assert eu_supply_risk(4.0, 2.0, 0.6, 0.1, 0.9) == pytest.approx(2.106, abs=1e-12)
    # full import reliance: half global, half sourcing; no import reliance: sourcing only.
    out = eu_supply_risk(np.array([4.0, 4.0]), 2.0, np.array([1.0, 0.0]), 0.0, 1.0)
    np.testing.assert_allclose(out, [3.0, 2.0], atol=1e-12)
    # risk on 0-1 (this package): SR is the JRC value / 10.
    shares, w10 = np.array([0.7, 0.3]), np.array([6.0, 2.0])
    g = np.zeros(2, dtype=np.int64)
    jrc = eu_supply_risk(hhi_wgi(shares, w10, g, 1), hhi_wgi(shares, w10, g, 1), 0.5, 0.2, 0.8)
    ours = eu_supply_risk(hhi_wgi(shares, w10 / 10, g, 1), hhi_wgi(shares, w10 / 10, g, 1), 0.5, 0.2, 0.8)
    np.testing.assert_allclose(ours, jrc / 10.0, atol=1e-12)
    with pytest.raises(ValueError, match="import_reliance"):
        eu_supply_risk(1.0, 1.0, 1.5, 0.0, 1.0)


def test_import_reliance() -> None:
    assert import_reliance(20.0, 100.0, 20.0) == pytest.approx(0.8)
    np.testing.assert_allclose(
        import_reliance([10.0, 0.0, 0.0], [5.0, 10.0, 0.0], [8.0, 0.0, 0.0]), [0.0, 1.0, 0.0]
    )


entries = st.lists(
    st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.integers(0, 3)), min_size=1, max_size=12
)


@given(entries, st.data())
def test_raising_one_risk_never_lowers_hhi_wgi(
    rows: list[tuple[float, float, int]], data: st.DataObject
) -> None:
    s, w, g = (np.array(c) for c in zip(*rows, strict=True))
    i = data.draw(st.integers(0, len(rows) - 1))
    raised = w.copy()
    raised[i] = data.draw(st.floats(w[i], 1.0))
    before = hhi_wgi(s, w, g, 4)
    after = hhi_wgi(s, raised, g, 4)
    assert np.all(after >= before - 1e-15)


@given(entries, st.data())
def test_splitting_a_share_into_halves_never_raises_hhi_wgi(
    rows: list[tuple[float, float, int]], data: st.DataObject
) -> None:
    s, w, g = (np.array(c) for c in zip(*rows, strict=True))
    i = data.draw(st.integers(0, len(rows) - 1))
    split_s = np.concatenate([np.delete(s, i), [s[i] / 2, s[i] / 2]])
    split_w = np.concatenate([np.delete(w, i), [w[i], w[i]]])
    split_g = np.concatenate([np.delete(g, i), [g[i], g[i]]])
    assert np.all(hhi_wgi(split_s, split_w, split_g, 4) <= hhi_wgi(s, w, g, 4) + 1e-15)
