"""Issue 18, item 1: BEA's industry-technology method from a Make and a Use table.

Reference: a two-commodity, two-industry Make/Use example built by hand in the notation of Miller
and Blair (2009, *Input-Output Analysis*, 2nd ed., ch. 5: ``B = U ĝ⁻¹``, ``D = V q̂⁻¹``,
industry-based technology ``A = D B``) and of BEA's *Concepts and Methods of the U.S.
Input-Output Accounts* (ch. 12: scrap-adjusted market shares ``W``, ``IxC = W (I - B W)⁻¹``),
computed with exact fractions and a 2x2 inverse by formula (independent of numpy); tolerance
1e-12.
"""

from __future__ import annotations

from fractions import Fraction as Fr
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from openpyxl import Workbook

from chokepoint.errors import InputFileError, UsageError
from chokepoint.io.bea import read_bea_summary_use
from chokepoint.macro.make_use import calc_industry_flows, calc_market_shares, calc_total_requirements_ixc

# industry 1 makes 90 of commodity 1 and 10 of commodity 2 (a secondary product); industry 2
# makes 100 of commodity 2: g = (100, 100), q = (90, 110)
V = [[90, 10], [0, 100]]
U = [[10, 20], [15, 25]]
E = [[60], [70]]  # so that U 1 + E 1 = q


def _inv2(m):
    (a, b), (c, d) = m
    det = a * d - b * c
    return [[d / det, -b / det], [-c / det, a / det]]


def _mul(x, y):
    return [[sum(x[i][k] * y[k][j] for k in range(len(y))) for j in range(len(y[0]))] for i in range(len(x))]


def _hand():
    g = [Fr(sum(r)) for r in V]
    q = [Fr(V[0][c] + V[1][c]) for c in range(2)]
    B = [[Fr(U[i][j]) / g[j] for j in range(2)] for i in range(2)]
    D = [[Fr(V[j][c]) / q[c] for c in range(2)] for j in range(2)]
    A = _mul(D, B)
    L = _inv2([[int(i == j) - A[i][j] for j in range(2)] for i in range(2)])
    return {
        "g": g,
        "B": B,
        "D": D,
        "A": A,
        "L": L,
        "IxC": _mul(L, D),
        "Z": _mul(D, [list(map(Fr, r)) for r in U]),
    }


def _f(m):
    return np.array([[float(v) for v in r] for r in m])


def test_market_shares_by_hand():
    h = _hand()
    np.testing.assert_allclose(calc_market_shares(np.array(V)), _f(h["D"]), atol=1e-12)
    # D = [[1, 1/11], [0, 10/11]]: commodity 2 comes 1/11 from industry 1
    assert h["D"][0][1] == Fr(1, 11)


def test_industry_flows_and_total_requirements_by_hand():
    h = _hand()
    Z, Y = calc_industry_flows(np.array(U), np.array(E), np.array(V))
    np.testing.assert_allclose(Z, _f(h["Z"]), atol=1e-12)
    np.testing.assert_allclose(Z.sum(axis=1) + Y.sum(axis=1), [100, 100], atol=1e-12)
    np.testing.assert_allclose(
        calc_total_requirements_ixc(np.array(U), np.array(V)), _f(h["IxC"]), atol=1e-12
    )
    # the hand numbers: A = D B = [[5/44, 49/220], [3/22, 5/22]]
    assert h["A"] == [[Fr(5, 44), Fr(49, 220)], [Fr(3, 22), Fr(5, 22)]]


def test_scrap_adjusted_market_shares_give_industry_output():
    # industry 1 also makes 5 of scrap (commodity 3): its shares scale by 105/100 (BEA ch. 12)
    make = np.array([[90.0, 10.0, 5.0], [0.0, 100.0, 0.0]])
    W = calc_market_shares(make, scrap=2)
    np.testing.assert_allclose(W, [[1.05, 1.05 / 11, 0.0], [0.0, 10 / 11, 0.0]], atol=1e-12)
    q_non_scrap = make.sum(axis=0) * np.array([1, 1, 0])
    np.testing.assert_allclose(W @ q_non_scrap, make.sum(axis=1), atol=1e-12)


def test_bad_make_tables_are_refused():
    with pytest.raises(UsageError, match="no negative cells"):
        calc_market_shares(np.array([[1.0, -1.0], [0.0, 1.0]]))
    with pytest.raises(UsageError, match="industries x commodities"):
        calc_industry_flows(np.array(U), np.array(E), np.array([[1.0, 2.0, 3.0]]))


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (4, 4), elements=st.floats(0, 50)),
    arrays(np.float64, 4, elements=st.floats(1, 100)),
)
def test_without_secondary_products_industry_technology_is_the_use_table(use, extra):
    # a diagonal Make table (each industry makes only its own commodity): W = I, so A = B
    g = use.sum(axis=0) + extra
    make = np.diag(g)
    Z, Y = calc_industry_flows(use, (g - use.sum(axis=1))[:, None], make)
    np.testing.assert_allclose(Z, use, atol=1e-9)
    np.testing.assert_allclose(Z.sum(axis=1) + Y.sum(axis=1), g, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (3, 5), elements=st.one_of(st.just(0.0), st.floats(1e-3, 1e6))))
def test_market_shares_of_each_made_commodity_sum_to_one(make):
    W = calc_market_shares(make)
    made = make.sum(axis=0) > 0
    np.testing.assert_allclose(W.sum(axis=0)[made], 1.0, rtol=1e-9)
    assert (W.sum(axis=0)[~made] == 0).all()


# ------------------------------------------------------------------ BEA workbooks


def _bea_workbook(path: Path, header: list[str], rows: list[list[object]], totals: dict[str, list[object]]):
    """A workbook in BEA's layout: title rows, a codes row, an ``IOCode`` names row, coded rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "2015"
    ws.append(["A table in BEA's layout"])
    ws.append(["(Millions of dollars)"])
    ws.append(["", "Commodities/Industries", *header])
    ws.append(["IOCode", "Name", *[f"name of {c}" for c in header]])
    for r in rows:
        ws.append(r)
    for name, cells in totals.items():
        ws.append(["", name, *cells])
    wb.save(path)
    return path


def test_reader_builds_the_industry_technology_system_from_bea_workbooks(tmp_path):
    use = _bea_workbook(
        tmp_path / "use.xlsx",
        ["A", "B", "F010"],
        [["A", "Alpha", 10, 20, 60], ["B", "Beta", 15, 25, 70]],
        {"Total Industry Output": [100, 100, None]},
    )
    make = _bea_workbook(
        tmp_path / "make.xlsx",
        ["A", "B"],
        [["A", "Alpha", 90, 10], ["B", "Beta", 0, 100]],
        {"Total Commodity Output": [90, 110]},
    )
    h = _hand()
    system = read_bea_summary_use(use, 2015, make=make)
    np.testing.assert_allclose(system.x, [100, 100], atol=1e-12)
    np.testing.assert_allclose(system.A, _f(h["A"]), atol=1e-12)
    np.testing.assert_allclose(system.L, _f(h["L"]), atol=1e-12)
    assert "industry technology" in system.name
    # the Use-only approximation identifies commodities with industries: A = B, not D B
    use_only = read_bea_summary_use(use, 2015)
    np.testing.assert_allclose(use_only.A, _f(h["B"]), atol=1e-12)
    assert abs(use_only.L.sum(axis=0) - system.L.sum(axis=0)).max() > 0.01


def test_a_make_table_lacking_an_industry_names_the_file(tmp_path):
    use = _bea_workbook(
        tmp_path / "use.xlsx",
        ["A", "B", "F010"],
        [["A", "Alpha", 10, 20, 60], ["B", "Beta", 15, 25, 70]],
        {"Total Industry Output": [100, 100, None]},
    )
    make = _bea_workbook(tmp_path / "make.xlsx", ["A", "B"], [["A", "Alpha", 90, 10]], {})
    with pytest.raises(InputFileError, match=r"make.xlsx\[2015\].*lacks codes of the Use table.*'B'"):
        read_bea_summary_use(use, 2015, make=make)
