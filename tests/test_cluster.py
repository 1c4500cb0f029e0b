"""Scenario batches on a Dask LocalCluster give exactly the local executor's results.

One LocalCluster of two worker processes (loopback only) serves the module. Reference: the local
executor (this process) on the same inputs; tolerance: none (``assert_array_equal``), whatever
the number of workers and the batch sizes.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from chokepoint.assess import Perspective
from chokepoint.datasets import load_semiconductors
from chokepoint.errors import UsageError
from chokepoint.scenario import sweep
from chokepoint.scenario.dynamics import DynamicsConfig
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.executor import LocalExecutor, ranges
from chokepoint.scenario.montecarlo import (
    MonteCarloConfig,
    combine_batches,
    monte_carlo,
    random_scenarios,
)
from chokepoint.service.cluster import open_executor

pytest.importorskip("distributed")

P = Perspective.from_codes("CHN", "USA,JPN,NLD,KOR,TWN")


@pytest.fixture(scope="module")
def cluster():
    with open_executor("local:2") as executor:
        yield executor


@pytest.fixture(scope="module")
def demo():
    chain = load_semiconductors()
    return chain, PropagationEngine(chain, P)


def test_the_cluster_has_two_workers(cluster):
    assert cluster.workers == 2
    assert cluster.map(lambda shared, x: shared + x, 10, [1, 2, 3]) == [11, 12, 13]


@pytest.mark.parametrize("by", ["country", "enterprise"])
def test_sweep_on_the_cluster_equals_the_local_sweep(cluster, demo, by):
    chain, eng = demo
    local = sweep(chain, P, by, engine=eng)
    for chunk in (3, 256):  # many small tasks, and one task
        remote = sweep(chain, P, by, engine=eng, executor=cluster, chunk=chunk)
        assert remote.keys == local.keys
        np.testing.assert_array_equal(remote.availability, local.availability)
        assert remote.ranking().equals(local.ranking())
    explicit = sweep(chain, P, by, engine=eng, executor=LocalExecutor(), chunk=5)
    np.testing.assert_array_equal(explicit.availability, local.availability)


def test_monte_carlo_same_seed_same_result_on_any_executor_and_batch(cluster, demo):
    chain, eng = demo
    mc, cfg = MonteCarloConfig(runs=41, seed=5), DynamicsConfig(days=91, step=7)
    local = monte_carlo(chain, P, mc, cfg, engine=eng, batch=4)
    assert local.expected_loss > 0
    runs = [
        monte_carlo(chain, P, mc, cfg, engine=eng, batch=1),
        monte_carlo(chain, P, mc, cfg, engine=eng, batch=41),
        monte_carlo(chain, P, mc, cfg, engine=eng, batch=7, executor=cluster),
        monte_carlo(chain, P, mc, cfg, engine=eng, batch=2, executor=cluster),
        monte_carlo(chain, P, mc, cfg, engine=eng, batch=6, executor=LocalExecutor()),
    ]
    for other in runs:
        np.testing.assert_array_equal(other.lost_value, local.lost_value)
        np.testing.assert_array_equal(other.critical_runs, local.critical_runs)
        assert other.summary() == local.summary()


def test_each_run_draws_from_its_own_stream(demo):
    """Run k's shocks do not depend on how many runs there are (one stream per run)."""
    chain, _ = demo
    few = random_scenarios(chain, P, MonteCarloConfig(runs=5, seed=9), 182)
    many = random_scenarios(chain, P, MonteCarloConfig(runs=50, seed=9), 182)
    assert [s.model_dump() for s in many[:5]] == [s.model_dump() for s in few]
    other_seed = random_scenarios(chain, P, MonteCarloConfig(runs=5, seed=10), 182)
    assert [s.model_dump() for s in other_seed] != [s.model_dump() for s in few]


def test_map_reduce_folds_in_item_order(cluster):
    """A tree of pairs on the workers and a left fold in process give the same ordered result."""
    items = ranges(23, 3)
    assert items[0] == (0, 3)
    assert items[-1] == (21, 23)

    def task(shared, item):
        return np.arange(*item) + shared, np.ones(4, dtype=np.int64)

    for executor in (cluster, LocalExecutor()):
        values, counts = executor.map_reduce(task, 100, items, combine_batches)
        np.testing.assert_array_equal(values, np.arange(23) + 100)
        np.testing.assert_array_equal(counts, np.full(4, len(items)))


def test_a_malformed_cluster_is_refused_with_its_fix():
    for bad in ("local:", "local:0", "local:two"):
        with pytest.raises(UsageError, match="local:N"), open_executor(bad):
            pass


def test_cli_sweep_on_a_local_cluster_prints_the_same_ranking_and_loss(tmp_path):
    from typer.testing import CliRunner

    from chokepoint.cli import app
    from chokepoint.store import Store

    db = str(tmp_path / "s.db")
    store = Store(db)
    store.chains.save("semi", load_semiconductors())
    store.close()
    runner = CliRunner()
    base = [
        "scenario",
        "sweep",
        "-p",
        "semi",
        "--by",
        "country",
        "--home",
        "CHN",
        "--format",
        "json",
        "--db",
        db,
    ]
    plain = runner.invoke(app, base)
    assert plain.exit_code == 0, plain.output
    spread = runner.invoke(app, [*base, "--cluster", "local:2"])
    assert spread.exit_code == 0, spread.output
    a, b = json.loads(plain.stdout), json.loads(spread.stdout)
    assert a["ranking"] == b["ranking"]
    assert a["loss"] == b["loss"]
    assert len(a["ranking"]) > 5


def test_pair_sweep_on_the_cluster_equals_the_local_one(cluster, demo):
    from chokepoint.scenario import pair_sweep

    chain, eng = demo
    local = pair_sweep(chain, P, engine=eng)
    for chunk in (7, 1000):
        remote = pair_sweep(chain, P, engine=eng, executor=cluster, chunk=chunk)
        assert remote.ranking().equals(local.ranking())
        np.testing.assert_array_equal(
            remote.summaries.final_value_stopped, local.summaries.final_value_stopped
        )


def test_batch_summaries_of_a_cut_matrix_match_the_sweep_on_any_executor(cluster, demo):
    """A stored cut matrix (the country sweep's own columns), summarized in tasks of 5 columns,
    gives the sweep ranking's figures exactly, here and on the cluster."""
    import scipy.sparse as sp

    from chokepoint.scenario.batch import MatrixColumns, batch_summaries
    from chokepoint.scenario.final_value import final_products

    chain, eng = demo
    s = sweep(chain, P, "country", engine=eng)
    codes = {c: j for j, c in enumerate(s.keys)}
    col = np.array([codes.get(str(c), -1) for c in eng.prov_country])
    ok = col >= 0
    cut = sp.csc_array(
        (np.ones(ok.sum()), (np.flatnonzero(ok), col[ok])), shape=(eng.n_provisions, len(s.keys))
    )
    _, v = final_products(chain)
    rank = s.ranking().set_index("country").loc[s.keys]
    for executor in (None, cluster):
        got = batch_summaries(eng, MatrixColumns(cut), v, chunk=5, executor=executor)
        np.testing.assert_array_equal(got.final_value_stopped, rank["final_value_stopped"].to_numpy())
        np.testing.assert_array_equal(got.nodes_impacted, rank["nodes_impacted"].to_numpy())
        np.testing.assert_array_equal(chain.index.node_ids[got.worst_node], rank["worst_node"].to_numpy())
