"""Sweeps: every single-country blockade (or single-enterprise outage) at once, ranked.

The scenarios are the columns of one cut matrix. Batches of columns run on an executor
(:mod:`chokepoint.scenario.executor`: in this process by default, or on a Dask cluster); each
column's availability depends on that column alone, so the result is the same, bit for bit,
whatever the executor, its number of workers and the batch size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from chokepoint.assess.perspective import Perspective
from chokepoint.model.chain import ChainMap
from chokepoint.model.countries import country_name
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.executor import Executor, ranges
from chokepoint.scenario.final_value import EPS, final_products


@dataclass
class SweepResult:
    """Every single-country blockade (or single-enterprise outage) at once."""

    by: str
    keys: list[str]
    labels: list[str]
    availability: np.ndarray  # (n_nodes, k)
    chain: ChainMap
    final_value: np.ndarray

    def loss_matrix(self) -> pd.DataFrame:
        """Node x key loss (1 - availability); stages left out."""
        ix = self.chain.index
        keep = ~ix.node_is_stage
        return pd.DataFrame(1.0 - self.availability[keep], index=ix.node_ids[keep], columns=self.keys)

    def ranking(self) -> pd.DataFrame:
        """Keys ranked by the share of final-product value they can stop."""
        loss = np.where(self.availability < 1 - EPS, 1.0 - self.availability, 0.0)
        loss[self.chain.index.node_is_stage] = 0.0
        value = self.final_value @ loss
        impacted = (loss > 0.01).sum(axis=0)
        stopped = (loss > 1 - 1e-6).sum(axis=0)
        worst = np.argmax(loss, axis=0)
        df = pd.DataFrame(
            {
                self.by: self.keys,
                "name": self.labels,
                "final_value_stopped": value,
                "nodes_impacted": impacted,
                "nodes_stopped": stopped,
                "worst_node": self.chain.index.node_ids[worst],
                "worst_node_loss": loss[worst, np.arange(loss.shape[1])],
            }
        )
        order = np.lexsort(
            (df[self.by].to_numpy(dtype=str), -df["nodes_impacted"], -df["final_value_stopped"])
        )
        df = df.iloc[order].reset_index(drop=True)
        df.insert(0, "rank", np.arange(1, len(df) + 1))
        return df


def sweep(
    chain: ChainMap,
    perspective: Perspective,
    by: str = "country",
    *,
    chunk: int = 256,
    progress: Callable[[int, int], None] | None = None,
    engine: PropagationEngine | None = None,
    executor: Executor | None = None,
) -> SweepResult:
    """Every single-country blockade against the home economy, or every single-enterprise outage.

    The scenarios are the columns of one cut matrix, propagated ``chunk`` columns at a time on
    ``executor`` (default: :class:`~chokepoint.scenario.executor.LocalExecutor`);
    ``progress(n_done, n_total)`` is called as the chunks finish. The availability matrix comes
    back whole (the sweep's document lists every key's losses).
    """
    eng = engine or PropagationEngine(chain, perspective)
    actors = chain.actors
    regions = set(actors.loc[actors["kind"] == "region", "country"])
    if by == "country":
        # aggregates (regions such as 'various countries') cannot blockade: left out
        codes = sorted(
            {str(c) for c in eng.prov_country if c and c not in perspective.home and c not in regions}
        )
        keys, labels = codes, [country_name(c) for c in codes]
        col_of = {c: j for j, c in enumerate(codes)}
        col = np.array([col_of.get(str(c), -1) for c in eng.prov_country])
    elif by == "enterprise":
        org = np.flatnonzero(~chain.index.actor_is_geo)
        used = np.unique(eng.prov_actor[~eng.prov_geo])
        used = used[np.isin(used, org)]
        country = chain.index.actor_country[used].astype(str)
        # home enterprises do not blockade the home economy; aggregate 'various companies' are no firm
        used = used[~np.isin(country, [*perspective.home, *regions])]
        keys = [str(x) for x in chain.index.actor_ids[used]]
        labels = [str(x) for x in actors["name"].to_numpy()[used]]
        pos = {a: j for j, a in enumerate(used)}
        col = np.array([pos.get(a, -1) for a in eng.prov_actor])
    else:
        raise ValueError("by must be 'country' or 'enterprise'")
    k = len(keys)
    m = eng.n_provisions
    ok = col >= 0
    cut_all = sp.csc_array((np.ones(ok.sum()), (np.flatnonzero(ok), col[ok])), shape=(m, k))
    if executor is None:  # in process: each chunk written into place as it finishes
        out = np.empty((chain.index.n_nodes, k))
        for start, stop, a in eng.availability_chunks(cut_all, chunk):
            out[:, start:stop] = a
            if progress is not None:
                progress(stop, k)
    else:
        blocks = executor.map(availability_of_columns, (eng, cut_all), ranges(k, chunk))
        out = np.concatenate(blocks, axis=1) if blocks else np.empty((chain.index.n_nodes, 0))
        if progress is not None:
            progress(k, k)
    _, v = final_products(chain)
    return SweepResult(by=by, keys=keys, labels=labels, availability=out, chain=chain, final_value=v)


def availability_of_columns(
    shared: tuple[PropagationEngine, sp.csc_array], item: tuple[int, int]
) -> np.ndarray:
    """Availability ``(n_nodes, stop - start)`` of columns ``start .. stop`` of a cut matrix
    (a sweep's task: ``shared`` is the engine and the whole cut, scattered once).
    """
    eng, cut = shared
    start, stop = item
    (_, _, block), *_ = eng.availability_chunks(cut[:, start:stop], stop - start)
    return block
