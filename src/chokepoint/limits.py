"""Time limits on long writes (imports, uploads, dataset loads): a deadline the work checks at
its stage boundaries, and the store checks before it commits.

The API runs each heavy write under :func:`time_limit` (``$CHOKEPOINT_IMPORT_TIME_LIMIT_S``
seconds, default :data:`DEFAULT_IMPORT_SECONDS`); the command line runs without one. Work that
passes its deadline raises :class:`~chokepoint.errors.TimeLimitError` at the next check, before
anything is committed, so the store stays as it was. A Python thread cannot be stopped from
outside: the limit is cooperative, its granularity one stage (reading, validating, storing),
each of them bounded in turn by the size limits on uploads.

Pure: no file, database or web imports (the deadline lives in a context variable, so each
request's thread sees its own).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from chokepoint.errors import TimeLimitError

DEFAULT_IMPORT_SECONDS = 120.0


@dataclass(frozen=True)
class Deadline:
    """When the running write must be done (``time.monotonic()``), its limit and what it is."""

    at: float
    seconds: float
    what: str


_DEADLINE: ContextVar[Deadline | None] = ContextVar("chokepoint_deadline", default=None)


@contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Run the block under a deadline ``seconds`` from now (``None`` or ``<= 0``: no limit).

    An inner limit never extends an outer one: the earlier deadline holds.
    """
    outer = _DEADLINE.get()
    if seconds is None or seconds <= 0:
        yield
        return
    mine = Deadline(time.monotonic() + seconds, seconds, what)
    token = _DEADLINE.set(mine if outer is None or mine.at < outer.at else outer)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time_limit(stage: str) -> None:
    """Raise :class:`TimeLimitError` when the running write has passed its deadline.

    Parameters
    ----------
    stage : str
        What was about to start (``"validating"``, ``"storing"``), named in the message.
    """
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline.at:
        raise TimeLimitError(
            f"{deadline.what} passed its time limit of {deadline.seconds:g} s before {stage}; "
            "nothing was stored. Split the file, or raise CHOKEPOINT_IMPORT_TIME_LIMIT_S on the server",
            seconds=deadline.seconds,
        )
