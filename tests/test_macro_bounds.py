"""Bounded inoperability and extraction variants against independent re-solves (issue 18, items 5-6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.errors import UsageError
from chokepoint.macro import IOSystem
from chokepoint.macro.bounded import TOLERANCE


def labels(n: int) -> pd.DataFrame:
    return pd.DataFrame({"region": ["r"] * n, "sector": [f"s{i}" for i in range(n)]})


def three_sector() -> IOSystem:
    """x = [100, 100, 100]: A* = A = Z / 100."""
    Z = np.array([[10.0, 40.0, 30.0], [20.0, 10.0, 30.0], [10.0, 20.0, 10.0]])
    return IOSystem(Z=Z, Y=100.0 - Z.sum(axis=1), labels=labels(3))


def test_three_sector_bound_equals_reduced_system_by_hand():
    io = three_sector()
    np.testing.assert_allclose(io.A_star, io.Z / 100.0, atol=1e-15)
    c = np.array([0.9, 0.2, 0.1])
    plain = np.linalg.solve(np.eye(3) - io.A_star, c)
    assert plain[0] > 1  # sector 0 would exceed 1
    assert (plain[1:] < 1).all()
    q, at_bound = io.bounded_inoperability(c)
    # by hand: q0 = 1 exogenous; [q1, q2] = (I - A*_ff)^-1 (c_f + A*_f0 * 1), A*_ff = [[.1, .3], [.2, .1]]
    r1, r2 = 0.2 + 0.2, 0.1 + 0.1
    det = 0.9 * 0.9 - 0.3 * 0.2
    expected = np.array([1.0, (0.9 * r1 + 0.3 * r2) / det, (0.2 * r1 + 0.9 * r2) / det])
    np.testing.assert_allclose(q, expected, atol=1e-12)
    assert at_bound.tolist() == [True, False, False]
    np.testing.assert_allclose(io.inoperability(c), expected, atol=1e-12)
    # clipping the plain solve (the old behaviour) overstates the other sectors
    assert (np.clip(plain, 0, 1)[1:] > expected[1:] + 1e-3).all()


def test_caps_stay_fixed_and_bound_with_caps():
    io = three_sector()
    q, at_bound = io.bounded_inoperability(np.array([0.0, 0.9, 0.0]), capped={0: 0.5})
    # by hand: the free solve gives q1 = 1.22 > 1, so q1 = 1 and q2 = (0 + 0.1 * 0.5 + 0.2 * 1) / 0.9
    assert q[0] == 0.5
    assert at_bound.tolist() == [False, True, False]
    np.testing.assert_allclose(q, [0.5, 1.0, 0.25 / 0.9], atol=1e-12)


@st.composite
def systems(draw: st.DrawFn) -> tuple[IOSystem, np.ndarray]:
    n = draw(st.integers(2, 7))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    Z = rng.uniform(0, 10, (n, n)) * (rng.uniform(size=(n, n)) < 0.7)
    io = IOSystem(Z=Z, Y=rng.uniform(0.5, 30, n), labels=labels(n))
    c = rng.uniform(0, draw(st.floats(0.01, 1.0)), n) * (rng.uniform(size=n) < 0.6)
    return io, c


@settings(max_examples=150, deadline=None)
@given(systems())
def test_bounded_inoperability_properties(case):
    io, c = case
    q, at_bound = io.bounded_inoperability(c)
    assert ((q >= 0) & (q <= 1)).all()
    plain = np.linalg.solve(np.eye(io.n) - io.A_star, c)
    if not at_bound.any():
        np.testing.assert_allclose(q, np.clip(plain, 0, 1), atol=1e-12)
    if ((plain >= -TOLERANCE) & (plain <= 1 + TOLERANCE)).all():  # rounding noise is not a bound hit
        assert not at_bound.any()
    else:
        assert at_bound.any()
        np.testing.assert_array_equal(q[at_bound], 1.0)  # c* >= 0: only the upper bound binds
    # the free sectors satisfy their equations given the fixed ones
    f, b = np.flatnonzero(~at_bound), np.flatnonzero(at_bound)
    if len(f):
        resid = q[f] - io.A_star[np.ix_(f, f)] @ q[f] - io.A_star[np.ix_(f, b)] @ q[b] - c[f]
        np.testing.assert_allclose(resid, 0, atol=1e-12)


def random_system(n: int = 10) -> IOSystem:
    rng = np.random.default_rng(3)
    Z = rng.uniform(0, 10, (n, n))
    return IOSystem(Z=Z, Y=rng.uniform(20, 50, (n, 2)), labels=labels(n))


def resolve_leontief(io: IOSystem, j: int, axis: str, keep_diagonal: bool) -> np.ndarray:
    A = io.A.copy()
    a_jj = A[j, j]
    if axis == "column":
        A[:, j] = 0
    else:
        A[j, :] = 0
    if keep_diagonal:
        A[j, j] = a_jj
    return np.asarray(io.x - np.linalg.solve(np.eye(io.n) - A, io.y))


def resolve_ghosh(io: IOSystem, j: int, keep_diagonal: bool) -> np.ndarray:
    B = io.B.copy()
    b_jj = B[j, j]
    B[j, :] = 0
    if keep_diagonal:
        B[j, j] = b_jj
    v = io.x - io.B.T @ io.x  # primary inputs, v' = x'(I - B)
    return np.asarray(io.x - np.linalg.solve((np.eye(io.n) - B).T, v))


@pytest.mark.parametrize("keep_diagonal", [False, True])
def test_extraction_variants_equal_full_re_solve(keep_diagonal):
    io = random_system()
    cases = {
        "backward": lambda j: resolve_leontief(io, j, "column", keep_diagonal),
        "forward": lambda j: resolve_leontief(io, j, "row", keep_diagonal),
        "forward_ghosh": lambda j: resolve_ghosh(io, j, keep_diagonal),
    }
    for kind, resolve in cases.items():
        table = io.extraction(kind, keep_diagonal=keep_diagonal)
        for j in range(io.n):
            lost = resolve(j)
            assert table["loss"].iloc[j] == pytest.approx(lost.sum(), rel=1e-10), (kind, j)
            assert table["loss_others"].iloc[j] == pytest.approx(np.delete(lost, j).sum(), rel=1e-10), (
                kind,
                j,
            )


def test_total_extraction_default_unchanged_and_errors():
    io = random_system()
    default = io.extraction()
    np.testing.assert_allclose(default["loss"], io.x * io.L.sum(axis=0) / np.diag(io.L), rtol=1e-14)
    np.testing.assert_allclose(default["loss"], [io.naive_extraction(j) for j in range(io.n)], rtol=1e-10)
    np.testing.assert_allclose(default["loss_others"], default["loss"] - io.x, rtol=1e-14)
    with pytest.raises(UsageError):
        io.extraction("sideways")
    with pytest.raises(UsageError):
        io.extraction("total", keep_diagonal=True)


def test_ghosh_forward_differs_from_leontief_row_removal():
    io = random_system()
    leontief = io.extraction("forward")["loss"].to_numpy()
    ghosh = io.extraction("forward_ghosh")["loss"].to_numpy()
    assert not np.allclose(leontief, ghosh, rtol=1e-3)
