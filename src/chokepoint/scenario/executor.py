"""Executors for scenario batches: where the batches of a sweep or a Monte Carlo run.

A batch workload is a pure function ``task(shared, item)`` of one read-only payload ``shared``
(the compiled :class:`~chokepoint.scenario.engine.PropagationEngine` and the workload's inputs)
and one batch description ``item`` (a range of scenario columns or runs). An executor maps it
over the items and returns the results **in item order**, or folds them with an exact,
order-preserving ``combine`` (concatenation in item order, integer sums), so a result never
depends on how many workers computed it or how the items were batched.

Two implementations:

* :class:`LocalExecutor` (the default): in this process, one item after the other; the
  compiled kernels use every core through their own thread pool.
* ``DaskExecutor`` (:mod:`chokepoint.service.cluster`): ``dask.distributed``; the payload is
  scattered to every worker once, the items are mapped as tasks, and ``map_reduce`` folds the
  results on the workers (a binary tree of ``combine`` tasks) so only the folded result comes
  back.

This module imports no distributed engine: the domain core stays free of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import reduce
from typing import Any, Protocol, TypeVar

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs a batch workload's items; results in item order (see the module docstring)."""

    @property
    def workers(self) -> int:
        """The number of workers the items are spread over (1 for the local executor)."""

    def map(self, task: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> list[Any]:
        """``[task(shared, item) for item in items]``, in item order."""

    def map_reduce(
        self,
        task: Callable[[Any, Any], Any],
        shared: Any,
        items: Sequence[Any],
        combine: Callable[[Any, Any], Any],
    ) -> Any:
        """The results of ``task`` over ``items`` folded by ``combine`` in item order.

        ``combine`` must be associative and exact (concatenation, integer sums): a left fold and
        a tree of pairs then give the same result.
        """


class LocalExecutor:
    """Runs every item in this process, in order (the default executor)."""

    @property
    def workers(self) -> int:
        """One: this process."""
        return 1

    def map(self, task: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
        """``[task(shared, item) for item in items]``."""
        return [task(shared, item) for item in items]

    def map_reduce(
        self,
        task: Callable[[S, T], R],
        shared: S,
        items: Sequence[T],
        combine: Callable[[R, R], R],
    ) -> R:
        """A left fold of ``combine`` over the results, computed one item at a time."""
        if not items:
            raise ValueError("map_reduce needs at least one item")
        return reduce(combine, (task(shared, item) for item in items))

    def __repr__(self) -> str:
        return "LocalExecutor()"


def ranges(total: int, size: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``0 .. total`` in steps of ``size`` (at least 1)."""
    size = max(1, int(size))
    return [(start, min(total, start + size)) for start in range(0, total, size)]


__all__ = ["Executor", "LocalExecutor", "ranges"]
