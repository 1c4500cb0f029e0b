r"""Batches of static scenarios reduced to per-scenario summaries where they are computed.

A batch is the columns of a cut matrix (provisions x scenarios). Each task propagates a range of
columns (:meth:`~chokepoint.scenario.engine.PropagationEngine.availability_chunks`) and returns
only each scenario's summary, never its ``(n_nodes,)`` availability:

* ``final_value_stopped`` :math:`= \sum_i v_i \ell_i` (the final products' value shares
  :math:`v` of :mod:`chokepoint.scenario.final_value`, losses :math:`\ell_i = 1 - a_i` above
  1e-9, stages left out), summed over nodes in the chain's order for each column alone, so a
  column's value does not depend on its batch;
* ``nodes_impacted`` (loss above 1%), ``nodes_stopped`` (loss above 1 - 1e-6);
* ``worst_node`` (the first node of largest loss) and ``worst_node_loss``.

The columns come from a :class:`CutColumns` source, built where the task runs: a stored matrix
(:class:`MatrixColumns`) or the union of provider groups (:class:`GroupUnionColumns`, e.g. every
pair of countries), so a sweep over thousands of combinations never ships its cut matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from numba import njit

from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.executor import Executor, LocalExecutor, ranges
from chokepoint.scenario.final_value import EPS


class CutColumns(Protocol):
    """A source of scenario columns: ``columns(start, stop)`` is a provisions x (stop - start)
    CSC cut matrix; ``count`` is the number of scenarios.
    """

    @property
    def count(self) -> int:
        """The number of scenarios (columns)."""

    def columns(self, start: int, stop: int) -> sp.csc_array:
        """Columns ``start .. stop`` as a CSC matrix (cut fractions per provision)."""


@dataclass(frozen=True)
class MatrixColumns:
    """Columns of a stored cut matrix."""

    cut: sp.csc_array

    @property
    def count(self) -> int:
        """The matrix's number of columns."""
        return int(self.cut.shape[1])

    def columns(self, start: int, stop: int) -> sp.csc_array:
        """A slice of the matrix."""
        return sp.csc_array(self.cut[:, start:stop])


@dataclass(frozen=True)
class GroupUnionColumns:
    """Each scenario cuts every provision of several groups (countries) completely.

    ``group_of``: each provision's group (-1: in none); ``members``: ``(k, g)`` group numbers of
    each scenario (a pair sweep: ``g = 2``).
    """

    group_of: np.ndarray
    members: np.ndarray
    depth: float = 1.0

    @property
    def count(self) -> int:
        """The number of scenarios."""
        return int(self.members.shape[0])

    def columns(self, start: int, stop: int) -> sp.csc_array:
        """The union of each scenario's groups' provisions, rows ascending."""
        n_groups = int(self.group_of.max()) + 1 if len(self.group_of) else 0
        by_group = np.argsort(self.group_of, kind="stable")
        bounds = np.searchsorted(self.group_of[by_group], np.arange(n_groups + 1))
        rows, ptr = [], [0]
        for scenario in self.members[start:stop]:
            hit = np.sort(np.concatenate([by_group[bounds[g] : bounds[g + 1]] for g in scenario if g >= 0]))
            rows.append(hit)
            ptr.append(ptr[-1] + len(hit))
        indices = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        data = np.full(len(indices), float(self.depth))
        return sp.csc_array((data, indices, np.asarray(ptr)), shape=(len(self.group_of), stop - start))


@dataclass(frozen=True)
class ScenarioSummaries:
    """Per-scenario summaries of a batch (arrays of length ``k``, in scenario order)."""

    final_value_stopped: np.ndarray
    nodes_impacted: np.ndarray
    nodes_stopped: np.ndarray
    worst_node: np.ndarray  # position of the worst node (-1 when nothing is lost)
    worst_node_loss: np.ndarray

    def __len__(self) -> int:
        return len(self.final_value_stopped)


def concat_summaries(a: ScenarioSummaries, b: ScenarioSummaries) -> ScenarioSummaries:
    """Two consecutive batches' summaries as one (exact; the executor's ``combine``)."""
    return ScenarioSummaries(*(np.concatenate([x, y]) for x, y in zip(_fields(a), _fields(b), strict=True)))


def _fields(s: ScenarioSummaries) -> tuple[np.ndarray, ...]:
    return (s.final_value_stopped, s.nodes_impacted, s.nodes_stopped, s.worst_node, s.worst_node_loss)


@njit(cache=True, nogil=True)
def _column_values(v: np.ndarray, loss: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """``out[j] = sum_i v[i] * loss[i, j]``, nodes in order, each column alone (compiled)."""
    for j in range(loss.shape[1]):
        total = 0.0
        for i in range(loss.shape[0]):
            total += v[i] * loss[i, j]
        out[j] = total


def summaries_of_availability(
    availability: np.ndarray, final_value: np.ndarray, is_stage: np.ndarray
) -> ScenarioSummaries:
    """The summaries of the columns of an ``(n_nodes, k)`` availability matrix."""
    loss = np.where(availability < 1 - EPS, 1.0 - availability, 0.0)
    loss[is_stage] = 0.0
    value = np.empty(loss.shape[1])
    _column_values(np.asarray(final_value, dtype=float), loss, value)
    worst = np.argmax(loss, axis=0)
    worst_loss = loss[worst, np.arange(loss.shape[1])]
    return ScenarioSummaries(
        final_value_stopped=value,
        nodes_impacted=(loss > 0.01).sum(axis=0),
        nodes_stopped=(loss > 1 - 1e-6).sum(axis=0),
        worst_node=np.where(worst_loss > 0, worst, -1),
        worst_node_loss=worst_loss,
    )


@dataclass(frozen=True)
class BatchPayload:
    """What every task of a batch reads (scattered once to a cluster's workers)."""

    engine: PropagationEngine
    source: CutColumns
    final_value: np.ndarray


def summarize_columns(payload: BatchPayload, item: tuple[int, int]) -> ScenarioSummaries:
    """One task: scenarios ``start .. stop`` built, propagated and summarized."""
    start, stop = item
    eng = payload.engine
    cut = payload.source.columns(start, stop)
    (_, _, availability), *_ = eng.availability_chunks(cut, stop - start)
    return summaries_of_availability(availability, payload.final_value, eng.chain.index.node_is_stage)


def batch_summaries(
    engine: PropagationEngine,
    source: CutColumns,
    final_value: np.ndarray,
    *,
    chunk: int = 256,
    executor: Executor | None = None,
) -> ScenarioSummaries:
    """Every scenario of ``source`` summarized, ``chunk`` scenarios per task on ``executor``.

    The result is the same, bit for bit, for any executor, number of workers and ``chunk``.
    """
    items = ranges(source.count, chunk)
    if not items:
        empty = np.zeros(0)
        return ScenarioSummaries(empty, empty.astype(int), empty.astype(int), empty.astype(int), empty)
    payload = BatchPayload(engine, source, np.asarray(final_value, dtype=float))
    run = executor or LocalExecutor()
    result: ScenarioSummaries = run.map_reduce(summarize_columns, payload, items, concat_summaries)
    return result


__all__ = [
    "BatchPayload",
    "CutColumns",
    "GroupUnionColumns",
    "MatrixColumns",
    "ScenarioSummaries",
    "batch_summaries",
    "concat_summaries",
    "summaries_of_availability",
    "summarize_columns",
]
