"""Where big sweeps run: this process, or an existing Dask cluster (``--cluster ADDRESS``).

:func:`open_executor` turns a ``--cluster`` value into an executor of
:mod:`chokepoint.scenario.executor`:

* absent: the local executor (in this process; the compiled kernels use every core);
* ``local:N``: a ``dask.distributed`` ``LocalCluster`` of ``N`` worker processes (one thread each)
  on this machine's loopback interface, started for the command and stopped after it;
* anything else: the address of a running scheduler (``tcp://10.0.0.5:8786``, or a scheduler
  file's path ending in ``.json``), which the platform connects to and leaves running.

The API's background jobs use ``CHOKEPOINT_CLUSTER`` (:data:`CLUSTER_ENV`) the same way.
``dask[distributed]`` is an optional dependency (``pip install "chokepoint[dask]"``).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from chokepoint.errors import UsageError
from chokepoint.scenario.executor import Executor, LocalExecutor

#: the environment variable naming the cluster the API's background jobs use
CLUSTER_ENV = "CHOKEPOINT_CLUSTER"

_INSTALL = 'the --cluster option needs dask.distributed: pip install "chokepoint[dask]"'


class DaskExecutor:
    """Batches as ``dask.distributed`` tasks on ``client``'s cluster.

    The shared payload is scattered to every worker once per call (``broadcast=True``); items
    are mapped as tasks (``pure=False``: each is computed once); :meth:`map_reduce` folds the
    results on the workers in a binary tree of ``combine`` tasks over neighbouring items, so
    the order is kept and only the folded result comes back.
    """

    def __init__(self, client: Any):
        self.client = client

    @property
    def workers(self) -> int:
        """The number of workers the scheduler knows now."""
        return max(1, len(self.client.scheduler_info()["workers"]))

    def _futures(self, task: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> list[Any]:
        [payload] = self.client.scatter([shared], broadcast=True, hash=False)
        return list(self.client.map(task, [payload] * len(items), list(items), pure=False))

    def map(self, task: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> list[Any]:
        """``[task(shared, item) for item in items]`` on the cluster, gathered in item order."""
        if not items:
            return []
        return list(self.client.gather(self._futures(task, shared, items)))

    def map_reduce(
        self,
        task: Callable[[Any, Any], Any],
        shared: Any,
        items: Sequence[Any],
        combine: Callable[[Any, Any], Any],
    ) -> Any:
        """The results folded by ``combine`` on the workers, pairs of neighbours at each level."""
        if not items:
            raise ValueError("map_reduce needs at least one item")
        level = self._futures(task, shared, items)
        while len(level) > 1:
            odd = [level[-1]] if len(level) % 2 else []
            even = level[: len(level) - len(odd)]
            pairs = zip(even[::2], even[1::2], strict=True)
            level = [self.client.submit(combine, a, b, pure=False) for a, b in pairs] + odd
        return level[0].result()

    def __repr__(self) -> str:
        return f"DaskExecutor({self.client.scheduler.address!r}, workers={self.workers})"


def _local_workers(spec: str) -> int:
    text = spec.removeprefix("local:")
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"--cluster {spec!r}: write local:N with N a number of workers of at least 1")
    return int(text)


@contextmanager
def open_executor(cluster: str | None) -> Iterator[Executor]:
    """The executor for ``cluster`` (see the module docstring), closed when the block ends.

    Raises
    ------
    UsageError
        When ``local:N`` is malformed, dask is not installed, or the scheduler cannot be reached.
    """
    if not cluster:
        yield LocalExecutor()
        return
    try:  # dask.distributed is untyped: its calls are Any here
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:  # pragma: no cover - the test extra installs dask
        raise UsageError(_INSTALL) from exc
    if cluster.startswith("local:"):
        n = _local_workers(cluster)
        with (
            distributed.LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,  # no dashboard; its HTTP server on a free loopback port
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=40,
            ) as local,
            distributed.Client(local) as client,
        ):
            yield DaskExecutor(client)
        return
    kwargs = {"scheduler_file": cluster} if cluster.endswith(".json") else {"address": cluster}
    try:
        client = distributed.Client(timeout="10s", **kwargs)
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"--cluster {cluster!r}: no Dask scheduler answered ({exc})") from exc
    try:
        yield DaskExecutor(client)
    finally:
        client.close()


def cluster_from_environment() -> str | None:
    """The cluster named by ``CHOKEPOINT_CLUSTER`` (the API's background jobs), else ``None``."""
    return os.environ.get(CLUSTER_ENV) or None


__all__ = ["CLUSTER_ENV", "DaskExecutor", "cluster_from_environment", "open_executor"]
