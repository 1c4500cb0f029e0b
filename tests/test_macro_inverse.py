"""The Leontief inverse by recursive block elimination (``chokepoint.macro.inverse``).

Reference: LAPACK's pivoted ``numpy.linalg.inv`` on the same matrix and the defining identity
:math:`M M^{-1} = I`; tolerance 1e-12 relative to the largest entry (the recursion's rounding is
of the order of ``n`` machine epsilons on these diagonally dominant matrices).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.macro import IOSystem
from chokepoint.macro.inverse import block_inverse, column_diagonally_dominant


def _productive(n: int, seed: int, density: float = 0.3) -> np.ndarray:
    """I - A for a random productive economy: A >= 0, each column summing to less than 1."""
    rng = np.random.default_rng(seed)
    a = rng.gamma(0.3, 1.0, (n, n)) * (rng.random((n, n)) < density)
    a *= rng.uniform(0.2, 0.95, n)[None, :] / np.maximum(a.sum(axis=0), 1e-12)[None, :]
    m: np.ndarray = np.eye(n) - a
    return m


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 90), leaf=st.integers(1, 16), seed=st.integers(0, 2**31), density=st.floats(0.01, 1.0)
)
def test_block_inverse_equals_lapack_for_every_size_and_leaf(n, leaf, seed, density):
    m = _productive(n, seed, density)
    assert column_diagonally_dominant(m)
    inv = block_inverse(m, leaf=leaf)
    ref = np.linalg.inv(m)
    assert inv.flags.c_contiguous
    np.testing.assert_allclose(inv, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    np.testing.assert_allclose(m @ inv, np.eye(n), rtol=0, atol=1e-12)
    assert np.array_equal(m, _productive(n, seed, density))  # input untouched


def test_dominance_check_on_hand_matrices():
    # column 0: |2| > |-1| + |0.5|; column 1: |1| > |0.3|; column 2: |1| is not > |0.6| + |0.4|
    m = np.array([[2.0, 0.3, 0.6], [-1.0, 1.0, -0.4], [0.5, 0.0, 1.0]])
    assert not column_diagonally_dominant(m)
    m[0, 2] = 0.5
    assert column_diagonally_dominant(m)
    assert not column_diagonally_dominant(np.zeros((2, 2)))


def test_iosystem_uses_the_block_path_and_falls_back_to_lu_outside_it():
    # Productive (Hawkins-Simon): final demand above each sector's purchases, so every column of
    # A sums below 1 and L takes the block path; equal to LAPACK.
    rng = np.random.default_rng(3)
    z = rng.gamma(0.3, 10.0, (1500, 1500)) * (rng.random((1500, 1500)) < 0.3)
    y = z.sum(axis=0)[:, None] + rng.uniform(50, 500, (1500, 1))
    s = IOSystem(Z=z, Y=y, labels=_labels(1500))
    assert column_diagonally_dominant(np.eye(1500) - s.A)  # so L takes the block path
    np.testing.assert_allclose(s.L, np.linalg.inv(np.eye(1500) - s.A), rtol=0, atol=1e-12 * s.L.max())
    # A column of A summing above 1 (negative value added): not dominant, the pivoted LU is used.
    z2 = np.array([[10.0, 60.0], [20.0, 50.0]])
    y2 = np.array([[70.0], [-10.0]])  # x = (140, 60): column 2 of A sums to 110/60 > 1
    s2 = IOSystem(Z=z2, Y=y2, labels=_labels(2))
    assert not column_diagonally_dominant(np.eye(2) - s2.A)
    np.testing.assert_allclose(s2.L @ (np.eye(2) - s2.A), np.eye(2), atol=1e-12)
    # solve() agrees before and after L exists (LU factors vs the product with L).
    d = np.array([1.0, 2.0])
    before = IOSystem(Z=z2, Y=y2, labels=_labels(2)).solve(d)
    np.testing.assert_allclose(s2.solve(d), before, rtol=1e-12)


def _labels(n: int) -> pd.DataFrame:
    return pd.DataFrame({"region": ["r"] * n, "sector": [f"s{i}" for i in range(n)]})
