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
from chokepoint.scenario.batch import (
    GroupUnionColumns,
    ScenarioSummaries,
    batch_summaries,
    summaries_of_availability,
)
from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.executor import Executor, ranges
from chokepoint.scenario.final_value import final_products


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
        s = summaries_of_availability(self.availability, self.final_value, self.chain.index.node_is_stage)
        ids = self.chain.index.node_ids
        df = pd.DataFrame(
            {
                self.by: self.keys,
                "name": self.labels,
                "final_value_stopped": s.final_value_stopped,
                "nodes_impacted": s.nodes_impacted,
                "nodes_stopped": s.nodes_stopped,
                "worst_node": np.where(s.worst_node >= 0, ids[np.clip(s.worst_node, 0, None)], ""),
                "worst_node_loss": s.worst_node_loss,
            }
        )
        order = np.lexsort(
            (df[self.by].to_numpy(dtype=str), -df["nodes_impacted"], -df["final_value_stopped"])
        )
        df = df.iloc[order].reset_index(drop=True)
        df.insert(0, "rank", np.arange(1, len(df) + 1))
        return df


def blockading_countries(eng: PropagationEngine, chain: ChainMap, perspective: Perspective) -> list[str]:
    """The provider countries that can blockade the home economy, sorted: every provision's
    country but home's; aggregates (regions such as 'various countries') cannot and are left out.
    """
    actors = chain.actors
    regions = set(actors.loc[actors["kind"] == "region", "country"])
    codes = np.unique(eng.prov_country.astype(str))
    return [str(c) for c in codes if c and c not in perspective.home and c not in regions]


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
        codes = blockading_countries(eng, chain, perspective)
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


@dataclass
class PairSweepResult:
    """Every pair of blockading countries at once: each pair's joint blockade, summarized.

    ``alone`` holds each country's own sweep value; a pair's ``joint_excess`` is what the pair
    stops beyond the worse of its two members alone (a pair's loss is never below either's).
    """

    countries: list[str]
    members: np.ndarray  # (k, 2) positions in ``countries``
    summaries: ScenarioSummaries
    alone: ScenarioSummaries
    chain: ChainMap
    by: str = "pair"

    def ranking(self) -> pd.DataFrame:
        """Pairs ranked by the share of final-product value they stop together."""
        a, b = self.members[:, 0], self.members[:, 1]
        codes = np.asarray(self.countries, dtype=object)
        names = np.asarray([country_name(c) for c in self.countries], dtype=object)
        s, single = self.summaries, self.alone.final_value_stopped
        best_alone = np.maximum(single[a], single[b]) if len(a) else np.zeros(0)
        ids = self.chain.index.node_ids
        df = pd.DataFrame(
            {
                "pair": codes[a] + "+" + codes[b] if len(a) else np.zeros(0, dtype=object),
                "name": names[a] + " + " + names[b] if len(a) else np.zeros(0, dtype=object),
                "final_value_stopped": s.final_value_stopped,
                "best_alone": best_alone,
                "joint_excess": s.final_value_stopped - best_alone,
                "nodes_impacted": s.nodes_impacted,
                "nodes_stopped": s.nodes_stopped,
                "worst_node": np.where(s.worst_node >= 0, ids[np.clip(s.worst_node, 0, None)], ""),
                "worst_node_loss": s.worst_node_loss,
            }
        )
        order = np.lexsort(
            (df["pair"].to_numpy(dtype=str), -df["nodes_impacted"], -df["final_value_stopped"])
        )
        df = df.iloc[order].reset_index(drop=True)
        df.insert(0, "rank", np.arange(1, len(df) + 1))
        return df


def pair_sweep(
    chain: ChainMap,
    perspective: Perspective,
    *,
    chunk: int = 256,
    engine: PropagationEngine | None = None,
    executor: Executor | None = None,
) -> PairSweepResult:
    """Every pair of blockading countries (:func:`blockading_countries`) cutting all their supply.

    ``c`` countries give ``c (c - 1) / 2`` scenarios; each task builds its own columns from the
    provisions' countries (:class:`~chokepoint.scenario.batch.GroupUnionColumns`) and returns
    only their summaries (:func:`~chokepoint.scenario.batch.batch_summaries`).
    """
    eng = engine or PropagationEngine(chain, perspective)
    countries = blockading_countries(eng, chain, perspective)
    group_of = pd.Index(countries, dtype=object).get_indexer(eng.prov_country.astype(str)).astype(np.int64)
    c = len(countries)
    a, b = np.triu_indices(c, k=1)
    members = np.column_stack([a, b]).astype(np.int64)
    _, v = final_products(chain)
    alone = batch_summaries(eng, GroupUnionColumns(group_of, np.arange(c)[:, None]), v, chunk=chunk)
    pairs = batch_summaries(eng, GroupUnionColumns(group_of, members), v, chunk=chunk, executor=executor)
    return PairSweepResult(countries, members, pairs, alone, chain)
