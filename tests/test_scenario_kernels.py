"""The propagation kernels against a plain-Python reference of the rule (DESIGN 6b).

Reference: the module docstring of :mod:`chokepoint.scenario.engine`, written out node by node in
the topological order of :mod:`graphlib` (standard library), on supply losses from
:func:`chokepoint.assess.coverage.direct_loss` (the coverage rule, computed without the kernels).
Every path of the engine must agree with it to 1e-12: one scenario (the register kernel), blocks
of scenario columns split over one or two threads (the block kernel, with a partial last block),
bounds, capacity losses, chunks read in place, and inventories over runs of time steps.
"""

from __future__ import annotations

import graphlib

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from chokepoint.assess.coverage import direct_loss
from chokepoint.datasets import load_semiconductors
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.kernels import WIDTH
from test_scenario import COUNTRIES, P, chains

TOL = 1e-12


@pytest.fixture(scope="module")
def demo():
    return load_semiconductors()


def reference(
    eng: PropagationEngine,
    cut: np.ndarray,
    cap: np.ndarray | None = None,
    inventory: np.ndarray | None = None,
    period: int = 1,
    step: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Propagated loss and bound ``(n, k)``, one node and one column at a time."""
    chain = eng.chain
    ix = chain.index
    n = ix.n_nodes
    base, base_bound = direct_loss(eng.shares, cut)
    assert base_bound is not None
    if cap is not None:
        base = 1.0 - (1.0 - base) * (1.0 - cap)
        base_bound = 1.0 - (1.0 - base_bound) * (1.0 - cap)
    inp = ix.input_of.tocoo()
    typ = ix.type_of.tocoo()
    inputs: dict[int, list[tuple[int, float]]] = {i: [] for i in range(n)}
    for s, t, w in zip(inp.row, inp.col, inp.data, strict=True):
        inputs[int(t)].append((int(s), min(float(w), 1.0)))
    kinds: dict[int, list[int]] = {i: [] for i in range(n)}
    for s, t in zip(typ.row, typ.col, strict=True):
        kinds[int(t)].append(int(s))
    has_prov = eng.has_geo | eng.has_org

    def has_data(i: int) -> bool:  # provisions of its own, or a kind with data
        return bool(has_prov[i]) or any(has_data(c) for c in kinds[i])

    market = chain.nodes["market_size"].to_numpy(dtype=float)
    deps = {i: {s for s, _ in inputs[i]} | set(kinds[i]) for i in range(n)}
    order = list(graphlib.TopologicalSorter(deps).static_order())
    loss = base.copy()
    bound = base_bound.copy()
    for arr in (loss, bound):
        for i in order:
            with_data = [c for c in kinds[i] if has_data(c)]
            if with_data:  # the parent combines its kinds
                if ix.children_all[i]:
                    arr[i] = arr[kinds[i]].max(axis=0)
                else:
                    mw = market[with_data]
                    w = np.ones(len(with_data)) if np.isnan(mw).any() else mw
                    arr[i] = (w / w.sum()) @ arr[with_data]
            for s, w in inputs[i]:
                arr[i] = np.maximum(arr[i], w * arr[s])
            if inventory is not None and inventory[i] > 0:
                for c in range(arr.shape[1]):
                    if c % period == 0:
                        stock = inventory[i]
                    need = arr[i, c] * step
                    used = min(need, stock)
                    stock -= used
                    arr[i, c] = (need - used) / step
    return loss, bound


def random_cut(eng: PropagationEngine, k: int, rng: np.random.Generator) -> sp.csc_array:
    """``k`` scenarios: each cuts the provisions of one or two countries by a random depth."""
    cols = []
    for _ in range(k):
        hit = eng.provider_mask(countries=list(rng.choice(COUNTRIES, size=rng.integers(1, 3))))
        cols.append(hit * rng.uniform(0.0, 1.0))
    return sp.csc_array(np.column_stack(cols) if cols else np.zeros((eng.n_provisions, 0)))


@settings(max_examples=40, deadline=None)
@given(chains(), st.integers(0, 2**32 - 1), st.sampled_from([1, 2, WIDTH - 1, WIDTH + 3, 3 * WIDTH + 1]))
def test_every_engine_path_equals_the_reference(chain, seed, k):
    rng = np.random.default_rng(seed)
    eng = PropagationEngine(chain, P)
    cut = random_cut(eng, k, rng)
    dense = cut.toarray()
    ref_loss, ref_bound = reference(eng, dense)
    for threads in (1, 2):
        eng.threads = threads
        np.testing.assert_allclose(eng.availability(cut), 1.0 - ref_loss, atol=TOL, rtol=0)
        np.testing.assert_allclose(eng.availability(dense), 1.0 - ref_loss, atol=TOL, rtol=0)
        loss, bound = eng.loss_bounds(cut)
        np.testing.assert_allclose(loss, ref_loss, atol=TOL, rtol=0)
        np.testing.assert_allclose(bound, ref_bound, atol=TOL, rtol=0)
        assert np.all(bound >= loss - TOL)
        got = np.empty_like(ref_loss)
        for start, stop, a in eng.availability_chunks(cut, chunk=3):
            got[:, start:stop] = a
        np.testing.assert_allclose(got, 1.0 - ref_loss, atol=TOL, rtol=0)
        # from a given supply loss (the path of the dynamics)
        base, _ = direct_loss(eng.shares, dense, upper=False)
        np.testing.assert_allclose(
            eng._propagate_in_place(np.ascontiguousarray(base)), ref_loss, atol=TOL, rtol=0
        )


@settings(max_examples=30, deadline=None)
@given(chains(), st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 11]))
def test_capacity_loss_equals_the_reference(chain, seed, k):
    rng = np.random.default_rng(seed)
    eng = PropagationEngine(chain, P)
    cut = random_cut(eng, k, rng)
    n = chain.index.n_nodes
    cap = np.where(rng.uniform(size=(n, k)) < 0.3, rng.uniform(size=(n, k)), 0.0)
    ref_loss, ref_bound = reference(eng, cut.toarray(), cap)
    eng.threads = 2
    np.testing.assert_allclose(eng.availability(cut, cap), 1.0 - ref_loss, atol=TOL, rtol=0)
    loss, bound = eng.loss_bounds(cut, cap)
    np.testing.assert_allclose(loss, ref_loss, atol=TOL, rtol=0)
    np.testing.assert_allclose(bound, ref_bound, atol=TOL, rtol=0)


@settings(max_examples=30, deadline=None)
@given(chains(), st.integers(0, 2**32 - 1), st.sampled_from([3, 5, 13]), st.integers(1, 4))
def test_inventories_over_runs_equal_the_reference(chain, seed, period, runs):
    """Runs of ``period`` steps side by side (the Monte Carlo layout), split over threads at run
    boundaries; a block of columns may hold parts of two runs.
    """
    rng = np.random.default_rng(seed)
    eng = PropagationEngine(chain, P)
    n = chain.index.n_nodes
    cut = random_cut(eng, period * runs, rng)
    base, _ = direct_loss(eng.shares, cut.toarray(), upper=False)
    inventory = np.where(rng.uniform(size=n) < 0.5, rng.uniform(0.0, 6.0, size=n), 0.0)
    step = float(rng.choice([1.0, 7.0]))
    ref_loss, _ = reference(eng, cut.toarray(), inventory=inventory, period=period, step=step)
    for threads in (1, 2):
        eng.threads = threads
        got = eng._propagate_in_place(np.ascontiguousarray(base.copy()), inventory, period, step)
        np.testing.assert_allclose(got, ref_loss, atol=TOL, rtol=0)


def test_single_scenario_on_the_demo_chain_equals_the_reference(demo):
    eng = PropagationEngine(demo, P)
    cut = eng.provider_mask(countries=["NLD", "JPN"]).astype(float) * 0.7
    ref_loss, ref_bound = reference(eng, cut[:, None])
    np.testing.assert_allclose(eng.availability(cut)[:, 0], 1.0 - ref_loss[:, 0], atol=TOL, rtol=0)
    _, bound = eng.loss_bounds(cut[:, None])
    np.testing.assert_allclose(bound, ref_bound, atol=TOL, rtol=0)
    assert ref_loss.max() > 0.5  # the scenario reaches the chain's critical nodes


def test_propagating_a_non_contiguous_loss_is_refused(demo):
    eng = PropagationEngine(demo, P)
    loss = np.zeros((demo.index.n_nodes, 4))[:, ::2]
    with pytest.raises(ValueError, match="C-contiguous"):
        eng._propagate_in_place(loss)
