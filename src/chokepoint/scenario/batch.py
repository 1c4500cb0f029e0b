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
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from numba import njit

from chokepoint.scenario.engine import PropagationEngine
from chokepoint.scenario.executor import Executor, LocalExecutor, ranges
from chokepoint.scenario.final_value import EPS


class CutColumns(Protocol):
    """A source of scenario columns, split for tasks.

    ``shared()`` is what every task reads (scattered once: e.g. each provision's group);
    ``part(start, stop)`` is what travels with one task (its scenarios' own description);
    ``build(shared, part)`` makes the task's provisions x (stop - start) CSC cut matrix where the
    task runs. ``count`` is the number of scenarios.
    """

    @property
    def count(self) -> int:
        """The number of scenarios (columns)."""

    def shared(self) -> Any:
        """What every task reads."""

    def part(self, start: int, stop: int) -> Any:
        """What the task of scenarios ``start .. stop`` carries."""

    @staticmethod
    def build(shared: Any, part: Any) -> sp.csc_array:
        """The task's cut matrix from the shared data and its part."""


@dataclass(frozen=True)
class MatrixColumns:
    """Columns of a cut matrix built beforehand: each task carries its own columns."""

    cut: sp.csc_array

    @property
    def count(self) -> int:
        """The matrix's number of columns."""
        return int(self.cut.shape[1])

    def shared(self) -> None:
        """Nothing: the columns travel with their tasks."""
        return None

    def part(self, start: int, stop: int) -> sp.csc_array:
        """Columns ``start .. stop``, cut from the matrix's arrays (scipy's own column slicing
        of a CSC matrix costs 0.1 s per 256 columns at 4e5 provisions).
        """
        ptr = self.cut.indptr
        a, b = int(ptr[start]), int(ptr[stop])
        return sp.csc_array(
            (self.cut.data[a:b], self.cut.indices[a:b], ptr[start : stop + 1] - a),
            shape=(self.cut.shape[0], stop - start),
        )

    @staticmethod
    def build(shared: None, part: sp.csc_array) -> sp.csc_array:
        """The columns themselves."""
        return part


@dataclass(frozen=True)
class GroupUnionColumns:
    """Each scenario cuts every provision of several groups (countries), by its depth.

    ``group_of``: each provision's group (-1: in none), shared by every task; ``members``:
    ``(k, g)`` group numbers of each scenario (-1: none; a pair sweep has ``g = 2``);
    ``depth``: the share cut, one for all or one per scenario. A task carries only its
    scenarios' members and depths.
    """

    group_of: np.ndarray
    members: np.ndarray
    depth: float | np.ndarray = 1.0

    @property
    def count(self) -> int:
        """The number of scenarios."""
        return int(self.members.shape[0])

    def shared(self) -> tuple[np.ndarray, np.ndarray]:
        """The provisions sorted by group, and each group's bounds in that order."""
        n_groups = int(self.group_of.max()) + 1 if len(self.group_of) else 0
        by_group = np.argsort(self.group_of, kind="stable")
        bounds = np.searchsorted(self.group_of[by_group], np.arange(n_groups + 1))
        return by_group, bounds

    def part(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """The scenarios' members and depths."""
        depth = np.broadcast_to(np.asarray(self.depth, dtype=float), (self.count,))
        return self.members[start:stop], np.array(depth[start:stop])

    @staticmethod
    def build(shared: tuple[np.ndarray, np.ndarray], part: tuple[np.ndarray, np.ndarray]) -> sp.csc_array:
        """The union of each scenario's groups' provisions (rows ascending), cut by its depth."""
        by_group, bounds = shared
        members, depth = part
        ptr, indices = _union_rows(by_group, bounds, np.ascontiguousarray(members, dtype=np.int64))
        data = np.repeat(np.asarray(depth, dtype=float), np.diff(ptr))
        return sp.csc_array((data, indices, ptr), shape=(len(by_group), len(members)))


@njit(cache=True, nogil=True)
def _named_before(members: np.ndarray, j: int, c: int) -> bool:  # pragma: no cover - compiled
    """Whether scenario ``j`` names group ``members[j, c]`` earlier too (a group counts once)."""
    for d in range(c):  # noqa: SIM110 - a loop numba compiles (no generator in nopython mode)
        if members[j, d] == members[j, c]:
            return True
    return False


@njit(cache=True, nogil=True)
def _union_rows(
    by_group: np.ndarray, bounds: np.ndarray, members: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled; covered through GroupUnionColumns
    """CSC column pointers and rows: each scenario's groups' provisions, merged in order (each
    group's provisions are in ascending order already; compiled).
    """
    n_groups = bounds.shape[0] - 1
    k, g = members.shape
    ptr = np.zeros(k + 1, dtype=np.int64)
    for j in range(k):
        size = 0
        for c in range(g):
            m = members[j, c]
            if 0 <= m < n_groups and not _named_before(members, j, c):
                size += bounds[m + 1] - bounds[m]
        ptr[j + 1] = ptr[j] + size
    rows = np.empty(ptr[k], dtype=np.int64)
    scratch = np.empty(ptr[k], dtype=np.int64)
    for j in range(k):
        at = ptr[j]  # rows[ptr[j]:at] holds the sorted union so far; each group's rows are sorted
        for c in range(g):
            m = members[j, c]
            if not (0 <= m < n_groups) or _named_before(members, j, c):
                continue
            a, a_end, b, b_end, out = ptr[j], at, bounds[m], bounds[m + 1], ptr[j]
            while a < a_end and b < b_end:  # merge two sorted runs into the scratch
                if rows[a] <= by_group[b]:
                    scratch[out] = rows[a]
                    a += 1
                else:
                    scratch[out] = by_group[b]
                    b += 1
                out += 1
            while a < a_end:
                scratch[out] = rows[a]
                a += 1
                out += 1
            while b < b_end:
                scratch[out] = by_group[b]
                b += 1
                out += 1
            rows[ptr[j] : out] = scratch[ptr[j] : out]
            at = out
    return ptr, rows


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
def _summarize(
    availability: np.ndarray,
    v: np.ndarray,
    is_stage: np.ndarray,
    value: np.ndarray,
    impacted: np.ndarray,
    stopped: np.ndarray,
    worst: np.ndarray,
    worst_loss: np.ndarray,
) -> None:  # pragma: no cover - compiled; covered through summaries_of_availability
    """Every column's summary in one pass over the rows in memory order: the nodes are added in
    order for every column, so a column's sums do not depend on the other columns.
    """
    m = availability.shape[1]
    value[:] = 0.0
    impacted[:] = 0
    stopped[:] = 0
    worst[:] = -1
    worst_loss[:] = 0.0
    for i in range(availability.shape[0]):
        if is_stage[i]:
            continue
        w = v[i]
        for j in range(m):
            a = availability[i, j]
            if a >= 1.0 - EPS:
                continue
            x = 1.0 - a
            value[j] += w * x
            impacted[j] += x > 0.01
            stopped[j] += x > 1.0 - 1e-6
            if x > worst_loss[j]:
                worst_loss[j] = x
                worst[j] = i


def summaries_of_availability(
    availability: np.ndarray, final_value: np.ndarray, is_stage: np.ndarray
) -> ScenarioSummaries:
    """The summaries of the columns of an ``(n_nodes, k)`` availability matrix (losses below
    1e-9 count as none; stages left out).
    """
    a = np.ascontiguousarray(availability, dtype=np.float64)
    k = a.shape[1]
    out = ScenarioSummaries(
        final_value_stopped=np.empty(k),
        nodes_impacted=np.empty(k, dtype=np.int64),
        nodes_stopped=np.empty(k, dtype=np.int64),
        worst_node=np.empty(k, dtype=np.int64),
        worst_node_loss=np.empty(k),
    )
    _summarize(
        a, np.asarray(final_value, dtype=np.float64), np.asarray(is_stage, dtype=np.bool_), *_fields(out)
    )
    return out


@dataclass(frozen=True)
class BatchPayload:
    """What every task of a batch reads (scattered once to a cluster's workers)."""

    engine: PropagationEngine
    final_value: np.ndarray
    build: Any  # the source's ``build`` (a static method: pickled by reference)
    shared: Any


def summarize_columns(payload: BatchPayload, part: Any) -> ScenarioSummaries:
    """One task: its scenarios' cut built, propagated and summarized."""
    eng = payload.engine
    cut = payload.build(payload.shared, part)
    k = int(cut.shape[1])
    (_, _, availability), *_ = eng.availability_chunks(cut, max(k, 1))
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
    payload = BatchPayload(engine, np.asarray(final_value, dtype=float), type(source).build, source.shared())
    parts = [source.part(start, stop) for start, stop in items]
    run = executor or LocalExecutor()
    result: ScenarioSummaries = run.map_reduce(summarize_columns, payload, parts, concat_summaries)
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
